/**
 * Compact mergeable sketches of a dataset's columns (quantiles with a relative error bound, frequent items,
 * missing and type counters) and drift computed from them, for monitoring windows too long to re-read.
 */
export {
  QuantileSketch,
  DEFAULT_RELATIVE_ACCURACY,
  MIN_INDEXABLE,
  type QuantileSketchJson,
} from './quantile-sketch.js';
export { FrequentItems, DEFAULT_FREQUENT_ITEMS_CAPACITY, type FrequentItemsJson } from './frequent-items.js';
export {
  sketchColumn,
  sketchDataset,
  mergeColumnSketches,
  mergeDatasetSketches,
  serialiseDatasetSketch,
  parseDatasetSketch,
  DEFAULT_SKETCH_SETTINGS,
  type ColumnSketch,
  type NumericalSketch,
  type CategoricalSketch,
  type DatasetSketch,
  type SketchSettings,
} from './column-sketch.js';
export {
  sketchDrift,
  sketchWasserstein,
  SUMMARY_QUANTILES,
  DEFAULT_SKETCH_THRESHOLD,
  type SketchDrift,
  type SketchColumnDrift,
  type SketchSideSummary,
  type SketchDriftOptions,
} from './sketch-drift.js';
