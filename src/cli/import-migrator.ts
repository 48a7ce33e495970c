import { BosunClientError } from '../client/index.js';
import { InvalidParameterError } from '../shared/index.js';
import type { ImportContext } from './import-context.js';
import { explain, isFatal, messageOf } from './import-errors.js';
import { str, obj } from './import-http.js';
import { differing, importRegistry } from './import-registry.js';
import { importLoggedModel, importRun } from './import-runs.js';
import type { SourceExperiment } from './import-source.js';

/** Runs `work` on every item, at most `limit` at a time; the first fatal failure stops new work and is thrown. */
async function inPool<T>(
  items: AsyncIterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: unknown;
  for await (const item of items) {
    if (failure !== undefined) break;
    const task: Promise<void> = work(item)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}

/**
 * Checks, before anything is written, that the source reads as MLflow's (a server that answers, a database
 * with MLflow's tables) and the target is a Bosun server that will take the import (its import routes exist,
 * and the caller is an administrator when the target has authentication on), so that a wrong URL or missing
 * rights fail at once with a clear message.
 */
export async function preflight(ctx: ImportContext): Promise<void> {
  await ctx.source.check();
  let version: Record<string, unknown>;
  try {
    version = await ctx.target.http.json('GET', '/api/bosun/v1/version');
  } catch (error) {
    throw explain(
      error,
      `The target ${ctx.target.http.baseUrl} does not answer as a Bosun server (GET /api/bosun/v1/version)`,
    );
  }
  if (str(version, 'version') === undefined) {
    throw new InvalidParameterError(
      `The target ${ctx.target.http.baseUrl} does not answer as a Bosun server`,
    );
  }
  try {
    const me = await ctx.target.http.json('GET', '/api/bosun/v1/users/me');
    if (obj(me, 'user').is_admin !== true) {
      throw new BosunClientError(
        'PERMISSION_DENIED',
        403,
        `Only administrators may import (runs keep their ids); ${String(obj(me, 'user').username)} is not one. ` +
          'Sign in as an administrator with BOSUN_TRACKING_USERNAME and BOSUN_TRACKING_PASSWORD, or a token.',
      );
    }
  } catch (error) {
    // Authentication off: there is no signed-in user, and every caller may import (the server is loopback-only).
    if (error instanceof BosunClientError && error.errorCode === 'BAD_REQUEST') return;
    throw error;
  }
}

/** Finds or creates the target experiment of the same name, active for the time of the import; its id. */
async function targetExperiment(ctx: ImportContext, e: SourceExperiment): Promise<string> {
  const existing = await ctx.target.experimentByName(e.name);
  if (existing === undefined) {
    const id = await ctx.target.createExperiment(e.name, e.tags);
    ctx.report.add('experimentsCreated');
    return id;
  }
  ctx.report.add('experimentsExisting');
  if (existing.lifecycleStage === 'deleted')
    await ctx.target.setExperimentLifecycle(existing.experimentId, 'active');
  for (const tag of differing(e.tags, existing.tags))
    await ctx.target.setExperimentTag(existing.experimentId, tag);
  return existing.experimentId;
}

/**
 * One experiment: found or created by name, its logged models (first: versions and runs refer to them), its
 * runs (`parallel` at a time), then its lifecycle. Marked done when nothing in it was skipped.
 */
async function importExperiment(ctx: ImportContext, e: SourceExperiment): Promise<void> {
  const experimentId = await targetExperiment(ctx, e);
  const skippedBefore = ctx.report.skipped.length;
  const guard =
    (what: string, work: () => Promise<void>): (() => Promise<void>) =>
    async () => {
      try {
        await work();
      } catch (error) {
        if (isFatal(error)) throw error;
        ctx.report.skip(what, messageOf(error));
      }
    };
  await inPool(ctx.source.loggedModels(e.experimentId), ctx.options.parallel, (m) =>
    guard(`logged model ${m.modelId}`, () => importLoggedModel(ctx, m, experimentId))(),
  );
  await inPool(ctx.source.runs(e.experimentId), ctx.options.parallel, (run) =>
    guard(`run ${run.runId}`, () => importRun(ctx, run, experimentId))(),
  );
  if (e.lifecycleStage === 'deleted') await ctx.target.setExperimentLifecycle(experimentId, 'deleted');
  if (ctx.report.skipped.length === skippedBefore) ctx.state.markDone('experiment', e.experimentId);
}

/**
 * The whole import: every experiment (by name), with its logged models and runs, then the registry. Work the
 * state says is done is skipped; everything else is written so that repeating it changes nothing.
 * Example: `await runImport(ctx)` after `await preflight(ctx)`.
 */
export async function runImport(ctx: ImportContext): Promise<void> {
  const experiments: SourceExperiment[] = [];
  for await (const e of ctx.source.experiments()) experiments.push(e);
  for (const [i, e] of experiments.entries()) {
    if (ctx.state.isDone('experiment', e.experimentId)) {
      ctx.report.add('experimentsSkippedDone');
      continue;
    }
    ctx.progress.phase(`experiment ${i + 1}/${experiments.length} '${e.name}'`);
    await importExperiment(ctx, e);
  }
  await importRegistry(ctx);
}
