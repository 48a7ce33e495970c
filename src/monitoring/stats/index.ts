/**
 * Drift statistics matching scipy 1.17 / numpy 2.4 (see docs/monitoring.md). Pure functions: no I/O, typed
 * inputs, {@link InvalidParameterError} for bad input (empty samples, NaN, mismatched lengths).
 */
export type { Alternative, TestResult } from './types.js';
export {
  sortOwnedSample,
  sortSample,
  type Sample,
  type SampleInput,
  type SortedSample,
} from './numeric/sample.js';
export {
  ks2Samp,
  KS_MAX_AUTO_N,
  parseKsMethod,
  type KsMethod,
  type KsOptions,
  type KsResult,
} from './ks-two-sample.js';
export { wassersteinDistance, wassersteinDistanceNormed, energyDistance } from './cdf-distances.js';
export { ksAndWasserstein, type KsWassersteinResult } from './ks-wasserstein.js';
export { ksFromScan } from './ks-two-sample.js';
export {
  cramerVonMises2Samp,
  cvmLimitCdf,
  parseCvmMethod,
  type CvmMethod,
  type CvmResult,
} from './cramer-von-mises.js';
export { andersonKSamp, AD_SIGNIFICANCE_LEVELS, type AndersonKSampResult } from './anderson-darling.js';
export {
  mannWhitneyU,
  type MannWhitneyMethod,
  type MannWhitneyOptions,
  type MannWhitneyResult,
} from './mann-whitney.js';
export { tTestInd, welchTTest, type TTestOptions, type TTestResult } from './t-test.js';
export {
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  populationStabilityIndex,
  smoothZeroShares,
  type LogBase,
} from './distribution-divergences.js';
export {
  chiSquareContingency,
  chiSquareGoodnessOfFit,
  evidentlyChiSquare,
  expectedFrequencies,
  gTest,
  type ChiSquareResult,
  type DivergenceStatistic,
} from './chi-square.js';
export { fisherExact, type FisherExactResult, type Table2x2 } from './fisher-exact.js';
export { proportionsZTest } from './proportions-z-test.js';
export { histogramBinEdges, histogramCounts, parseBinRule, type BinRule } from './histogram-bins.js';
export { benjaminiHochberg, type BenjaminiHochbergResult } from './benjamini-hochberg.js';
export { kolmogorovSf, smirnovSf } from './special/kolmogorov.js';
export { sortFloat64InPlace } from './numeric/radix-sort.js';
export { kstwoSf } from './special/kolmogorov-n.js';
export { chiSquareSf } from './special/incomplete-gamma.js';
export { studentTCdf } from './special/incomplete-beta.js';
export { normalCdf, normalSf } from './special/error-function.js';
export {
  inferColumnType,
  inferNumericColumnType,
  isMissing,
  type ColumnData,
  INTEGER_CARDINALITY_LIMIT,
  type ColumnType,
  type ColumnValue,
} from './drift/column-types.js';
export {
  compare,
  DRIFT_METHODS,
  evaluateDriftMethod,
  type DriftMethodOutcome,
  parseDriftMethod,
  runDriftMethod,
  type Comparator,
  type DriftMethod,
  type DriftMethodSpec,
} from './drift/drift-methods.js';
export {
  BOSUN_PRESET,
  EVIDENTLY_PRESET,
  EVIDENTLY_SMALL_REFERENCE_MAX,
  evidentlyDefaultMethod,
  type DriftPreset,
} from './drift/drift-preset.js';
export { evidentlyBinnedShares, evidentlyNumericHellinger, type BinnedShares } from './drift/binning.js';
export {
  columnDrift,
  datasetDrift,
  summarizeDrift,
  type ColumnDrift,
  type DatasetDrift,
  type DriftOptions,
} from './drift/dataset-drift.js';
export {
  defaultDriftThreads,
  DriftWorkerPool,
  MAX_DRIFT_THREADS,
  parseDriftThreads,
} from './parallel/drift-pool.js';
export {
  datasetDriftParallel,
  ksAndWassersteinColumns,
  PARALLEL_MIN_VALUES,
  type ParallelOptions,
} from './parallel/parallel-drift.js';
export type { KsWassersteinColumn } from './parallel/drift-tasks.js';
