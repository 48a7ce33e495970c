import type { Readable } from 'node:stream';
import { InvalidParameterError, NotFoundError } from '../shared/index.js';
import type { ArtifactRootReader } from './import-db-artifacts.js';
import { runInputsAndOutputs, type MlflowTables } from './import-db-run-io.js';
import { integer, keyValuesOf, text, type DbRow, type MlflowDatabase } from './import-db.js';
import type { WireObject } from './import-http.js';
import type {
  ArtifactFile,
  ImportSource,
  SourceExperiment,
  SourceLoggedModel,
  SourceModelVersion,
  SourceRegisteredModel,
  SourceRun,
} from './import-source.js';

/** Rows read per query of a paged collection. */
export interface DbSourcePaging {
  /** Runs per query (default 500). */
  runs?: number;
  /** Metric points per query (default 25,000). */
  points?: number;
}

/** MLflow's workspace when its workspaces feature is off: the only one this import reads. */
const defaultWorkspace = 'default';

/** The tables every MLflow schema since 1.x has; a database without them is not MLflow's. */
const requiredTables = ['experiments', 'runs', 'metrics', 'params', 'tags', 'experiment_tags'];

/** MLflow's `logged_models.status` integers, as its REST API names them. */
const loggedModelStatus: Record<number, string> = {
  0: 'LOGGED_MODEL_STATUS_UNSPECIFIED',
  1: 'LOGGED_MODEL_PENDING',
  2: 'LOGGED_MODEL_READY',
  3: 'LOGGED_MODEL_UPLOAD_FAILED',
};

/** The stage MLflow gives a deleted model version (the row stays). */
const deletedVersionStage = 'Deleted_Internal';

function stage(value: string): 'active' | 'deleted' {
  return value === 'deleted' ? 'deleted' : 'active';
}

/** A boolean column (SQLite: 0/1, PostgreSQL: true/false). */
function flag(row: DbRow, column: string): boolean {
  const value = row[column];
  return value === true || value === 1 || value === '1' || value === 't';
}

/**
 * Reads an MLflow database directly, read-only, with the MLflow server's artifact root beside it
 * (`bosun import --from-db`): the same things in the same shapes as `MlflowSource` reads through the REST API, so
 * the same migrator writes them into Bosun. Tables are read as MLflow's alembic migrations leave them; the
 * logged-model, dataset and alias tables of newer versions are read when present. Runs and metric histories
 * are read page by page (keyset paging), so memory stays flat whatever their size.
 * Example: `const source = new MlflowDbSource(openMlflowDatabase(uri), ArtifactRootReader.open(root, env));`
 */
export class MlflowDbSource implements ImportSource {
  private readonly present = new Map<string, Promise<boolean>>();
  private readonly tables: MlflowTables;
  private readonly runsPerPage: number;
  private readonly pointsPerPage: number;

  /** `artifacts` is absent with `--skip-artifacts`: nothing is listed or read then. */
  constructor(
    private readonly db: MlflowDatabase,
    private readonly artifacts?: ArtifactRootReader,
    paging: DbSourcePaging = {},
  ) {
    this.tables = { db, has: (table) => this.has(table) };
    this.runsPerPage = paging.runs ?? 500;
    this.pointsPerPage = paging.points ?? 25_000;
  }

  /**
   * ` and workspace = 'default'` for a table of MLflow 3's workspaces (names are unique per workspace; only the
   * default one, the only one without the feature, is read), else nothing.
   */
  private async inWorkspace(table: string): Promise<string> {
    const key = `${table}.workspace`;
    let known = this.present.get(key);
    if (known === undefined) {
      known = this.db.hasColumn(table, 'workspace');
      this.present.set(key, known);
    }
    return (await known) ? ` and workspace = '${defaultWorkspace}'` : '';
  }

  get location(): string {
    return this.db.location;
  }

  private has(table: string): Promise<boolean> {
    let known = this.present.get(table);
    if (known === undefined) {
      known = this.db.hasTable(table);
      this.present.set(table, known);
    }
    return known;
  }

  async check(): Promise<void> {
    for (const table of requiredTables) {
      let found: boolean;
      try {
        found = await this.has(table);
      } catch (error) {
        throw new InvalidParameterError(
          `The source database ${this.location} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (!found) {
        throw new InvalidParameterError(
          `The source database ${this.location} is not an MLflow database (it has no '${table}' table)`,
        );
      }
    }
  }

  async close(): Promise<void> {
    this.artifacts?.close();
    await this.db.close();
  }

  async *experiments(): AsyncGenerator<SourceExperiment> {
    const rows = await this.db.rows(
      `select experiment_id, name, lifecycle_stage from experiments where 1 = 1${await this.inWorkspace('experiments')} ` +
        'order by experiment_id',
      [],
    );
    for (const e of rows) {
      const id = integer(e, 'experiment_id');
      const tags = await this.db.rows(
        'select "key", "value" from experiment_tags where experiment_id = ? order by "key"',
        [id],
      );
      yield {
        experimentId: text(e, 'experiment_id'),
        name: text(e, 'name'),
        lifecycleStage: stage(text(e, 'lifecycle_stage')),
        tags: keyValuesOf(tags),
      };
    }
  }

  async *runs(experimentId: string): AsyncGenerator<SourceRun> {
    let after = '';
    for (;;) {
      const page = await this.db.rows(
        'select run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage from runs ' +
          'where experiment_id = ? and run_uuid > ? order by run_uuid limit ?',
        [Number(experimentId), after, this.runsPerPage],
      );
      for (const r of page) yield await this.runOf(r, experimentId);
      if (page.length < this.runsPerPage) return;
      after = text(page[page.length - 1] ?? {}, 'run_uuid');
    }
  }

  private async runOf(r: DbRow, experimentId: string): Promise<SourceRun> {
    const runId = text(r, 'run_uuid');
    const params = await this.db.rows('select "key", "value" from params where run_uuid = ? order by "key"', [
      runId,
    ]);
    const tags = keyValuesOf(
      await this.db.rows('select "key", "value" from tags where run_uuid = ? order by "key"', [runId]),
    );
    const keys = await this.db.rows('select distinct "key" from metrics where run_uuid = ? order by "key"', [
      runId,
    ]);
    const endTime = integer(r, 'end_time');
    return {
      runId,
      experimentId,
      runName: text(r, 'name') || tags.find((t) => t.key === 'mlflow.runName')?.value || runId,
      userId: text(r, 'user_id'),
      status: text(r, 'status') || 'FINISHED',
      startTime: integer(r, 'start_time') ?? 0,
      endTime: endTime ?? null,
      lifecycleStage: stage(text(r, 'lifecycle_stage')),
      params: keyValuesOf(params),
      tags,
      metricKeys: keys.map((k) => text(k, 'key')),
      ...(await runInputsAndOutputs(this.tables, runId)),
    };
  }

  /**
   * One metric's whole history in MLflow's order (step, timestamp, value), keyset-paged on its primary key; a NaN
   * (stored as 0 with `is_nan`) is sent as `"NaN"`, ±infinity as MLflow stores it (±the largest double).
   */
  async *metricHistory(runId: string, key: string): AsyncGenerator<WireObject[]> {
    const columns = 'select step, "timestamp", "value", is_nan from metrics where run_uuid = ? and "key" = ?';
    const order = ' order by step, "timestamp", "value", is_nan limit ?';
    let page = await this.db.rows(columns + order, [runId, key, this.pointsPerPage]);
    for (;;) {
      yield page.map((p) => ({
        key,
        value: flag(p, 'is_nan') ? 'NaN' : Number(p.value),
        timestamp: integer(p, 'timestamp') ?? 0,
        step: integer(p, 'step') ?? 0,
      }));
      const last = page[page.length - 1];
      if (page.length < this.pointsPerPage || last === undefined) return;
      const step = integer(last, 'step') ?? 0;
      const timestamp = integer(last, 'timestamp') ?? 0;
      const value = Number(last.value);
      // Points after `last` in (step, timestamp, value, is_nan) order; is_nan compared as 0/1 on both engines.
      page = await this.db.rows(
        `${columns} and (step > ? or (step = ? and ("timestamp" > ? or ("timestamp" = ? and ("value" > ? or ` +
          `("value" = ? and (case when is_nan then 1 else 0 end) > ?))))))${order}`,
        [
          runId,
          key,
          step,
          step,
          timestamp,
          timestamp,
          value,
          value,
          flag(last, 'is_nan') ? 1 : 0,
          this.pointsPerPage,
        ],
      );
    }
  }

  async *loggedModels(experimentId: string): AsyncGenerator<SourceLoggedModel> {
    if (!(await this.has('logged_models'))) return;
    const rows = await this.db.rows(
      'select model_id, experiment_id, name, source_run_id, model_type, status, creation_timestamp_ms, ' +
        "last_updated_timestamp_ms from logged_models where experiment_id = ? and lifecycle_stage <> 'deleted' " +
        'order by creation_timestamp_ms, model_id',
      [Number(experimentId)],
    );
    for (const m of rows) {
      const modelId = text(m, 'model_id');
      const tags = (await this.has('logged_model_tags'))
        ? await this.db.rows(
            'select tag_key, tag_value from logged_model_tags where model_id = ? order by tag_key',
            [modelId],
          )
        : [];
      const params = (await this.has('logged_model_params'))
        ? await this.db.rows(
            'select param_key, param_value from logged_model_params where model_id = ? order by param_key',
            [modelId],
          )
        : [];
      const sourceRunId = text(m, 'source_run_id');
      const modelType = text(m, 'model_type');
      const created = integer(m, 'creation_timestamp_ms') ?? 0;
      yield {
        modelId,
        experimentId,
        name: text(m, 'name'),
        ...(sourceRunId ? { sourceRunId } : {}),
        ...(modelType ? { modelType } : {}),
        status: loggedModelStatus[integer(m, 'status') ?? 2] ?? 'LOGGED_MODEL_READY',
        creationTime: created,
        lastUpdatedTime: integer(m, 'last_updated_timestamp_ms') ?? created,
        tags: keyValuesOf(tags, 'tag_key', 'tag_value'),
        params: keyValuesOf(params, 'param_key', 'param_value'),
      };
    }
  }

  /** The artifact location a run or logged model has in the database. */
  private async artifactLocation(sql: string, id: string, what: string): Promise<string> {
    const row = (await this.db.rows(sql, [id]))[0];
    const location = row === undefined ? '' : text(row, 'location');
    if (location === '') throw new NotFoundError(`${what} has no artifact location in the source database`);
    return location;
  }

  private runLocation(runId: string): Promise<string> {
    return this.artifactLocation(
      'select artifact_uri as location from runs where run_uuid = ?',
      runId,
      `run ${runId}`,
    );
  }

  private modelLocation(modelId: string): Promise<string> {
    return this.artifactLocation(
      'select artifact_location as location from logged_models where model_id = ?',
      modelId,
      `logged model ${modelId}`,
    );
  }

  private reader(): ArtifactRootReader {
    if (this.artifacts === undefined) {
      throw new InvalidParameterError('Reading artifacts from a database source needs --artifact-root');
    }
    return this.artifacts;
  }

  async *runArtifacts(runId: string): AsyncGenerator<ArtifactFile> {
    yield* this.reader().files(await this.runLocation(runId));
  }

  async *loggedModelArtifacts(modelId: string): AsyncGenerator<ArtifactFile> {
    yield* this.reader().files(await this.modelLocation(modelId));
  }

  async downloadRunArtifact(runId: string, path: string): Promise<Readable> {
    return this.reader().open(await this.runLocation(runId), path);
  }

  async downloadLoggedModelArtifact(modelId: string, path: string): Promise<Readable> {
    return this.reader().open(await this.modelLocation(modelId), path);
  }

  async *registeredModels(): AsyncGenerator<SourceRegisteredModel> {
    if (!(await this.has('registered_models'))) return;
    const models = await this.db.rows(
      `select name, description from registered_models where 1 = 1${await this.inWorkspace('registered_models')} ` +
        'order by name',
      [],
    );
    const withTags = await this.has('registered_model_tags');
    const withAliases = await this.has('registered_model_aliases');
    for (const m of models) {
      const name = text(m, 'name');
      const tags = withTags
        ? await this.db.rows(
            `select "key", "value" from registered_model_tags where name = ?${await this.inWorkspace('registered_model_tags')} ` +
              'order by "key"',
            [name],
          )
        : [];
      const aliases = withAliases
        ? await this.db.rows(
            `select alias, version from registered_model_aliases where name = ?${await this.inWorkspace('registered_model_aliases')} ` +
              'order by alias',
            [name],
          )
        : [];
      yield {
        name,
        description: text(m, 'description'),
        tags: keyValuesOf(tags),
        aliases: aliases.map((a) => ({ alias: text(a, 'alias'), version: integer(a, 'version') ?? 0 })),
      };
    }
  }

  async versions(name: string): Promise<SourceModelVersion[]> {
    if (!(await this.has('model_versions'))) return [];
    const rows = await this.db.rows(
      'select version, source, run_id, description, current_stage, status from model_versions ' +
        `where name = ?${await this.inWorkspace('model_versions')} ` +
        'and (current_stage is null or current_stage <> ?) order by version',
      [name, deletedVersionStage],
    );
    const withTags = await this.has('model_version_tags');
    const versions: SourceModelVersion[] = [];
    for (const v of rows) {
      const version = integer(v, 'version') ?? 0;
      const tags = withTags
        ? await this.db.rows(
            `select "key", "value" from model_version_tags where name = ? and version = ?${await this.inWorkspace('model_version_tags')} ` +
              'order by "key"',
            [name, version],
          )
        : [];
      const runId = text(v, 'run_id');
      versions.push({
        version,
        source: text(v, 'source'),
        ...(runId ? { runId } : {}),
        description: text(v, 'description'),
        stage: text(v, 'current_stage') || 'None',
        status: text(v, 'status') || 'READY',
        tags: keyValuesOf(tags),
      });
    }
    return versions;
  }
}
