/**
 * Pipelines (issue 12): the pipeline document and its checks now; the executor, caching, schedules and workers
 * build on it. Other folders import from here only.
 *
 * @example
 * import { validatePipelineText, formatDiagnostic } from '../pipelines/index.js';
 * const result = validatePipelineText(text);
 * if (!result.ok) result.diagnostics.forEach((d) => console.log(formatDiagnostic(d, 'pipeline.yaml')));
 */
export * from './spec/index.js';
export * from './render/index.js';
export * from './dsl/index.js';
