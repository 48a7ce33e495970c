/** Drawing a pipeline's DAG for a terminal (`bosun pipeline show`). */
export { renderPipeline, listLevels, stepDetail, type RenderOptions } from './render-pipeline.js';
