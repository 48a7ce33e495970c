/** The TypeScript way to write a pipeline: typed parameters, steps, references and conditions. */
export {
  pipeline,
  pipelineToYaml,
  PipelineBuilder,
  type PipelineOptions,
  type ParamOptions,
} from './pipeline-builder.js';
export {
  StepsBuilder,
  type StepOptions,
  type ApprovalOptions,
  type StepHandle,
  type FanOutStepHandle,
  type OutputRefs,
  type Placeholders,
} from './steps-builder.js';
export { PipelineDefinitionError } from './definition-error.js';
export { Ref, Condition, not, type Operand } from './refs.js';
export { t, TypeBuilder, type InputBinding, type Accepts, type LiteralOf } from './types-builder.js';
