/**
 * The typed result of parsing a search filter or order-by list. Every key in an `attribute` clause comes from a
 * closed list, so the SQL translation can map it to a column without ever putting user text into SQL; metric,
 * param and tag keys are user text and only ever reach SQL as bound values.
 *
 * Example: `metrics.acc > 0.9 AND params.model LIKE 'gpt%'` parses to
 * `[{ entity: 'metric', key: 'acc', condition: { kind: 'numeric', op: '>', value: 0.9 } },
 *   { entity: 'param', key: 'model', condition: { kind: 'string', op: 'LIKE', value: 'gpt%' } }]`.
 */

export type NumericComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';

export interface NumericCondition {
  kind: 'numeric';
  op: NumericComparator;
  value: number;
}
export interface StringCondition {
  kind: 'string';
  op: StringComparator;
  value: string;
}
/** `IN (...)` or, when `negated`, `NOT IN (...)`. */
export interface InCondition {
  kind: 'in';
  negated: boolean;
  values: string[];
}
/** `IS NULL` (the entity has no such key) or, when `negated`, `IS NOT NULL`. */
export interface NullCondition {
  kind: 'null';
  negated: boolean;
}

export type RunNumericAttribute = 'start_time' | 'end_time';
export type RunStringAttribute = 'run_id' | 'run_name' | 'user_id' | 'status' | 'artifact_uri';
export type RunOrderAttribute = RunNumericAttribute | RunStringAttribute;
export type DatasetField = 'name' | 'digest' | 'context';

export type RunFilterClause =
  | { entity: 'metric'; key: string; condition: NumericCondition | NullCondition }
  | { entity: 'param' | 'tag'; key: string; condition: StringCondition | NullCondition }
  | { entity: 'attribute'; key: RunNumericAttribute; condition: NumericCondition }
  | { entity: 'attribute'; key: RunStringAttribute; condition: StringCondition | InCondition }
  | { entity: 'dataset'; key: DatasetField; condition: StringCondition | InCondition };

/** Clauses of a run filter, all of which must hold (MLflow has no OR). Empty when there is no filter. */
export type RunFilterAst = readonly RunFilterClause[];
export type RunFilter = RunFilterAst;

export type RunOrderClause =
  | { entity: 'metric' | 'param' | 'tag'; key: string; ascending: boolean }
  | { entity: 'attribute'; key: RunOrderAttribute; ascending: boolean };

/** The order-by list as given, without the implicit start_time / run_id tie-breaks. */
export type RunOrderAst = readonly RunOrderClause[];
export type OrderClause = RunOrderClause;

export type ExperimentNumericAttribute = 'creation_time' | 'last_update_time';
export type ExperimentOrderAttribute = 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';

export type ExperimentFilterClause =
  | { entity: 'attribute'; key: 'name'; condition: StringCondition }
  | { entity: 'attribute'; key: ExperimentNumericAttribute; condition: NumericCondition }
  | { entity: 'tag'; key: string; condition: StringCondition | NullCondition };

export type ExperimentFilterAst = readonly ExperimentFilterClause[];
export type ExperimentFilter = ExperimentFilterAst;

export interface ExperimentOrderClause {
  entity: 'attribute';
  key: ExperimentOrderAttribute;
  ascending: boolean;
}
export type ExperimentOrderAst = readonly ExperimentOrderClause[];

export type LoggedModelNumericAttribute = 'creation_timestamp' | 'last_updated_timestamp';
export type LoggedModelStringAttribute = 'name' | 'model_id' | 'model_type' | 'status' | 'source_run_id';
export type LoggedModelOrderAttribute = LoggedModelNumericAttribute | LoggedModelStringAttribute;

export type LoggedModelFilterClause =
  | { entity: 'metric'; key: string; condition: NumericCondition | NullCondition }
  | { entity: 'param' | 'tag'; key: string; condition: StringCondition | NullCondition }
  | { entity: 'attribute'; key: LoggedModelNumericAttribute; condition: NumericCondition }
  | { entity: 'attribute'; key: LoggedModelStringAttribute; condition: StringCondition | InCondition };

export type LoggedModelFilterAst = readonly LoggedModelFilterClause[];
export type LoggedModelFilter = LoggedModelFilterAst;

/** The wire form of one logged-model order-by entry (`order_by: [{field_name, ascending, ...}]`). */
export interface LoggedModelOrderByInput {
  fieldName: string;
  ascending?: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

export type LoggedModelOrderClause =
  | { entity: 'attribute'; key: LoggedModelOrderAttribute; ascending: boolean }
  | { entity: 'metric'; key: string; ascending: boolean; datasetName?: string; datasetDigest?: string };

export type LoggedModelOrderAst = readonly LoggedModelOrderClause[];
