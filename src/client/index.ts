/** Typed TypeScript client for Bosun's MLflow-compatible tracking API. */
export { BosunClient, type BosunClientOptions, type MetricInput } from './bosun-client.js';
export { BosunClientError, type FetchFn, type HttpOptions } from './http.js';
export { parseWireDouble, toWireDouble } from './wire.js';
export type {
  CreateRunInput,
  LogBatchInput,
  MetricHistoryQuery,
  SearchExperimentsQuery,
  SearchRunsQuery,
  UpdateRunInput,
} from '../tracking/tracking-service-contract.js';
