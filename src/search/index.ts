/**
 * MLflow's search language for runs, experiments and logged models: a tokenizer and recursive-descent parser
 * producing typed ASTs, their translation to SQL through Kysely (SQLite and PostgreSQL), and page tokens (keyset
 * tokens for run searches, offset tokens elsewhere).
 *
 * Example:
 *   const rows = await buildRunSearchQuery(db, { experimentIds: [1], viewType: 'ACTIVE_ONLY',
 *     filter: "metrics.acc > 0.9 AND params.model = 'gpt'", orderBy: ['metrics.acc DESC'], offset: 0, limit: 101 })
 *     .execute();
 */
export type {
  DatasetField,
  ExperimentFilter,
  ExperimentFilterAst,
  ExperimentFilterClause,
  ExperimentOrderAst,
  ExperimentOrderClause,
  InCondition,
  LoggedModelFilter,
  LoggedModelFilterAst,
  LoggedModelFilterClause,
  LoggedModelOrderAst,
  LoggedModelOrderByInput,
  LoggedModelOrderClause,
  NullCondition,
  NumericComparator,
  NumericCondition,
  OrderClause,
  RunFilter,
  RunFilterAst,
  RunFilterClause,
  RunOrderAst,
  RunOrderClause,
  StringComparator,
  StringCondition,
} from './ast.js';
export { parseRunFilter, parseRunOrderBy } from './run-filter.js';
export { parseExperimentFilter, parseExperimentOrderBy } from './experiment-filter.js';
export { parseLoggedModelFilter, parseLoggedModelOrderBy } from './logged-model-filter.js';
export {
  buildRunSearchQuery,
  walkBound,
  MAX_WALKED_EXPERIMENTS,
  type RunSearchPlan,
  type RunSearchQuery,
  type RunSearchRow,
} from './run-query.js';
export { searchRunPage, type RunPage, type RunPageQuery } from './run-page.js';
export {
  decodeRunPageStart,
  encodeRunPageToken,
  type PageStart,
  type SortKey,
  type SortValue,
} from './run-sort-key.js';
export { buildExperimentSearchQuery, type ExperimentSearchQuery } from './experiment-query.js';
export {
  buildLoggedModelSearchQuery,
  type LoggedModelDataset,
  type LoggedModelSearchQuery,
} from './logged-model-query.js';
export { encodePageToken, decodePageToken, paginate, type OffsetPage } from './page-token.js';
export {
  buildModelVersionSearchQuery,
  buildRegisteredModelSearchQuery,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
  type RegistrySearchQuery,
} from './registry-filter.js';
export { viewTypes, type ViewType } from './view-type.js';
export { isVisible, visibilityCondition, type Visibility } from './visibility.js';
