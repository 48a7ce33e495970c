/**
 * The pipeline document: its schema (TypeBox, with the TypeScript types and the published JSON Schema made from
 * it), reading YAML/JSON with positions, validation, and the DAG of a valid pipeline.
 */
export * from './pipeline-schema.js';
export * from './type-schemas.js';
export { ReferenceSchema } from './schema-parts.js';
export * from './syntax.js';
export * from './diagnostics.js';
export { readDocument, SourceMap, type Position, type ReadDocument } from './read-document.js';
export { validatePipeline, validatePipelineText, type ValidationResult } from './validate-pipeline.js';
export { PipelineGraph, type GraphStep, type GraphEdge } from './pipeline-graph.js';
export { stepKind, type StepKind, type StepPhase, type EdgeKind } from './check-context.js';
export { APPROVAL_OUTPUTS, PIPELINE_STATUS_TYPE } from './scope.js';
export * from './value-types.js';
export * from './references.js';
export {
  parseExpression,
  formatExpression,
  formatConstant,
  expressionReferences,
  ExpressionError,
  type Expression,
  type CompareOp,
  type Constant,
} from './when-expression.js';
export { findPlaceholders, type Placeholder } from './placeholders.js';
export { pipelineJsonSchema, PIPELINE_SCHEMA_ID } from './json-schema.js';
