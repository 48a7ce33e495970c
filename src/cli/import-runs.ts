import { copyArtifacts } from './import-artifacts.js';
import type { ImportContext } from './import-context.js';
import { isFatal, messageOf } from './import-errors.js';
import type { WireObject } from './import-http.js';
import type { KeyValue, SourceLoggedModel, SourceRun } from './import-source.js';

/** MLflow's `log-batch` limits. */
const metricsPerBatch = 1000;
const paramsPerBatch = 100;
const tagsPerBatch = 100;
/** `log-batch` requests of one metric history sent at the same time. */
const batchesInFlight = 4;

/** Tags the target writes itself: copying them would double them (Bosun appends each version it registers). */
const loggedModelTagsTheTargetWrites = new Set(['mlflow.modelVersions']);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A metric point as `log-batch` takes it: the fields MLflow's history answers, nothing else. */
function pointOf(p: WireObject): WireObject {
  const out: WireObject = { key: p.key, value: p.value, timestamp: p.timestamp ?? 0, step: p.step ?? 0 };
  for (const field of ['model_id', 'dataset_name', 'dataset_digest']) {
    if (typeof p[field] === 'string' && p[field] !== '') out[field] = p[field];
  }
  return out;
}

/**
 * A value as both servers may spell it: MLflow stores ±infinity as ±the largest double and sends that number,
 * Bosun sends `"Infinity"` for the same stored value; `"NaN"` is `"NaN"` on both.
 */
function valueKey(value: unknown): unknown {
  if (value === Number.MAX_VALUE || value === 'Infinity') return 'Infinity';
  if (value === -Number.MAX_VALUE || value === '-Infinity') return '-Infinity';
  return value;
}

/** What makes two points the same point (a history may hold the same point twice: counted as a multiset). */
function identity(p: WireObject): string {
  return JSON.stringify([p.key, p.step ?? 0, p.timestamp ?? 0, valueKey(p.value)]);
}

/**
 * Writes key/value items (params or tags) in batches; a batch the target refuses is retried item by item, so
 * one bad value (too long, a changed param) is reported alone and the rest is kept. Returns false on a skip.
 */
async function writeKeyValues(
  ctx: ImportContext,
  runId: string,
  kind: 'params' | 'tags',
  items: KeyValue[],
): Promise<boolean> {
  let complete = true;
  for (const batch of chunks(items, kind === 'params' ? paramsPerBatch : tagsPerBatch)) {
    try {
      await ctx.target.logBatch(runId, { [kind]: batch });
    } catch (error) {
      if (isFatal(error)) throw error;
      for (const item of batch) {
        try {
          await ctx.target.logBatch(runId, { [kind]: [item] });
        } catch (itemError) {
          if (isFatal(itemError)) throw itemError;
          ctx.report.skip(
            `run ${runId} ${kind === 'params' ? 'param' : 'tag'} '${item.key}'`,
            messageOf(itemError),
          );
          complete = false;
        }
      }
    }
  }
  return complete;
}

/**
 * Copies one metric's whole history, page by page from the source, in `log-batch`es of 1,000 points. For a
 * run the target already had (a resumed or repeated import), the target's history is read first and only the
 * points it lacks are sent (points are compared as a multiset), so nothing is ever logged twice.
 */
async function copyMetric(ctx: ImportContext, runId: string, key: string, runIsNew: boolean): Promise<void> {
  const present = new Map<string, number>();
  if (!runIsNew) {
    for (const p of await ctx.target.metricHistory(runId, key)) {
      const id = identity(p);
      present.set(id, (present.get(id) ?? 0) + 1);
    }
  }
  let pending: WireObject[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    // Points of one history may land in any order (the target keeps the latest by step and time), so a few
    // batches are in flight at once; a failure stops the copy and the next import sends what is missing.
    const sent: Promise<void> = ctx.target
      .logBatch(runId, { metrics: batch })
      .then(() => {
        ctx.report.add('metricPoints', batch.length);
        ctx.progress.tick();
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    if (inFlight.size >= batchesInFlight) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
  };
  for await (const page of ctx.source.metricHistory(runId, key)) {
    for (const p of page) {
      const id = identity(p);
      const left = present.get(id) ?? 0;
      if (left > 0) {
        present.set(id, left - 1);
        ctx.report.add('metricPointsPresent');
        continue;
      }
      pending.push(pointOf(p));
      if (pending.length >= metricsPerBatch) await flush();
    }
  }
  await flush();
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

/**
 * Imports one run: created under its own id (Bosun's import route, with its times and status), then its
 * params, tags, full metric histories, dataset and model inputs, model outputs and artifacts through the
 * ordinary API, then its lifecycle (a deleted run is deleted last, since a deleted run takes no writes).
 * Marked done in the state only when nothing of it was skipped, so a restart tries the rest again.
 */
export async function importRun(
  ctx: ImportContext,
  run: SourceRun,
  targetExperimentId: string,
): Promise<void> {
  if (ctx.state.isDone('run', run.runId)) {
    ctx.report.add('runsSkippedDone');
    return;
  }
  ctx.report.runStarted();
  const imported = await ctx.target.importRun({
    run_id: run.runId,
    experiment_id: targetExperimentId,
    run_name: run.runName,
    user_id: run.userId,
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime !== null ? { end_time: run.endTime } : {}),
  });
  if (imported.lifecycleStage === 'deleted') await ctx.target.setRunLifecycle(run.runId, 'active');
  let complete = await writeKeyValues(ctx, run.runId, 'params', run.params);
  complete = (await writeKeyValues(ctx, run.runId, 'tags', run.tags)) && complete;
  if (imported.created) {
    ctx.report.add('params', run.params.length);
    ctx.report.add('tags', run.tags.length);
  }
  for (const key of run.metricKeys) {
    try {
      await copyMetric(ctx, run.runId, key, imported.created);
    } catch (error) {
      if (isFatal(error)) throw error;
      ctx.report.skip(`run ${run.runId} metric '${key}'`, messageOf(error));
      complete = false;
    }
  }
  if (run.datasetInputs.length > 0 || run.modelInputs.length > 0) {
    try {
      await ctx.target.logInputs(run.runId, run.datasetInputs, run.modelInputs);
      if (imported.created) ctx.report.add('datasetInputs', run.datasetInputs.length);
    } catch (error) {
      if (isFatal(error)) throw error;
      ctx.report.skip(`run ${run.runId} inputs`, messageOf(error));
      complete = false;
    }
  }
  if (run.modelOutputs.length > 0) await ctx.target.logOutputs(run.runId, run.modelOutputs);
  if (ctx.options.artifacts) {
    const copied = await copyArtifacts(ctx, {
      what: `run ${run.runId}`,
      files: () => ctx.source.runArtifacts(run.runId),
      download: (path) => ctx.source.downloadRunArtifact(run.runId, path),
      targetArtifactUri: imported.artifactUri,
      targetMayHaveFiles: !imported.created,
    });
    complete = copied && complete;
  }
  if (run.lifecycleStage === 'deleted') await ctx.target.setRunLifecycle(run.runId, 'deleted');
  ctx.report.add(imported.created ? 'runsImported' : 'runsResumed');
  ctx.report.runFinished();
  if (complete) ctx.state.markDone('run', run.runId);
  ctx.progress.tick();
}

/**
 * Imports one logged model under its own id (Bosun's import route), with its params, tags (except those the
 * target writes itself) and artifacts, so `models:/<model id>` sources keep working.
 */
export async function importLoggedModel(
  ctx: ImportContext,
  model: SourceLoggedModel,
  targetExperimentId: string,
): Promise<void> {
  if (ctx.state.isDone('logged-model', model.modelId)) {
    ctx.report.add('loggedModelsSkippedDone');
    return;
  }
  const imported = await ctx.target.importLoggedModel({
    model_id: model.modelId,
    experiment_id: targetExperimentId,
    name: model.name,
    ...(model.sourceRunId ? { source_run_id: model.sourceRunId } : {}),
    ...(model.modelType ? { model_type: model.modelType } : {}),
    status: model.status,
    creation_timestamp_ms: model.creationTime,
    last_updated_timestamp_ms: model.lastUpdatedTime,
  });
  let complete = true;
  const tags = model.tags.filter((t) => !loggedModelTagsTheTargetWrites.has(t.key));
  try {
    if (tags.length > 0) await ctx.target.setLoggedModelTags(model.modelId, tags);
    if (model.params.length > 0) await ctx.target.logLoggedModelParams(model.modelId, model.params);
  } catch (error) {
    if (isFatal(error)) throw error;
    ctx.report.skip(`logged model ${model.modelId} params or tags`, messageOf(error));
    complete = false;
  }
  if (ctx.options.artifacts) {
    const copied = await copyArtifacts(ctx, {
      what: `logged model ${model.modelId}`,
      files: () => ctx.source.loggedModelArtifacts(model.modelId),
      download: (path) => ctx.source.downloadLoggedModelArtifact(model.modelId, path),
      targetArtifactUri: imported.artifactUri,
      targetMayHaveFiles: !imported.created,
    });
    complete = copied && complete;
  }
  ctx.report.add(imported.created ? 'loggedModelsImported' : 'loggedModelsExisting');
  if (complete) ctx.state.markDone('logged-model', model.modelId);
  ctx.progress.tick();
}
