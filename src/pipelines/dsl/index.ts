/** The TypeScript way to write a pipeline: typed parameters, steps, references and conditions. */
export {
  pipeline,
  pipelineToYaml,
  PipelineBuilder,
  StepsBuilder,
  PipelineDefinitionError,
  type PipelineOptions,
  type ParamOptions,
  type StepOptions,
  type ApprovalOptions,
  type StepHandle,
  type FanOutStepHandle,
  type OutputRefs,
  type Placeholders,
} from './pipeline-builder.js';
export { Ref, Condition, not, type Operand } from './refs.js';
export { t, TypeBuilder, type InputBinding, type Accepts, type LiteralOf } from './types-builder.js';
