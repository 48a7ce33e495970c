import type { ImportContext } from './import-context.js';
import { isFatal, messageOf } from './import-errors.js';
import type { KeyValue, SourceModelVersion, SourceRegisteredModel } from './import-source.js';
import type { TargetModelVersion } from './import-target.js';

/** Version tags the target keeps for itself (its scan verdict); the source cannot have meant them. */
const reservedVersionTagPrefix = 'bosun.scan.';

/**
 * The source a version gets on the target. `runs:/` and `models:/` URIs are kept as they are: run and logged
 * model ids are kept, so they name the same files there. A location inside the source server's store (a path,
 * `mlflow-artifacts:/...`, `s3://...`) means nothing to the target, so when it lies under the version's run's
 * artifact folder it becomes `runs:/<run id>/<path>`, and a logged model's artifact folder becomes
 * `models:/<model id>`. Anything else is kept and left to the target's source rules.
 * Example: `rewriteVersionSource('/srv/mlruns/1/ab12/artifacts/model', 'ab12')` → `'runs:/ab12/model'`.
 */
export function rewriteVersionSource(source: string, runId: string | undefined): string {
  if (source.startsWith('runs:/') || source.startsWith('models:/')) return source;
  if (runId) {
    const marker = `/${runId}/artifacts/`;
    const at = source.indexOf(marker);
    if (at >= 0) {
      const rest = source.slice(at + marker.length).replace(/\/+$/, '');
      if (rest !== '') return `runs:/${runId}/${rest}`;
    }
  }
  const model = /\/models\/(m-[A-Za-z0-9_-]+)\/artifacts\/?$/.exec(source);
  if (model) return `models:/${model[1]}`;
  return source;
}

/** The tags of `wanted` that `present` lacks or holds with another value (what a repeat must still write). */
export function differing(wanted: KeyValue[], present: KeyValue[]): KeyValue[] {
  const have = new Map(present.map((t) => [t.key, t.value]));
  return wanted.filter((t) => have.get(t.key) !== t.value);
}

/**
 * The target version a source version already became, if any: first the same number from the same run (what
 * an import that kept numbers left), then, among versions not yet paired, one with the same run and source
 * (what an import left when the source's numbering had gaps).
 */
function pairedVersion(
  v: SourceModelVersion,
  source: string,
  unpaired: TargetModelVersion[],
): TargetModelVersion | undefined {
  const sameRun = (t: TargetModelVersion) => (t.runId ?? '') === (v.runId ?? '');
  return (
    unpaired.find((t) => t.version === v.version && sameRun(t)) ??
    unpaired.find((t) => sameRun(t) && t.source === source)
  );
}

/**
 * Imports one registered model: the model (description, tags), each version oldest first through the
 * registry's ordinary creation path (so the target scans it as any new version), the version's description,
 * tags and stage, then the aliases, pointed at the versions they name on the source. Returns false when
 * something was skipped.
 */
async function importRegisteredModel(ctx: ImportContext, model: SourceRegisteredModel): Promise<boolean> {
  const { source, target, report } = ctx;
  const name = model.name;
  let complete = true;
  const existing = await target.registeredModel(name);
  if (existing === undefined) {
    await target.createRegisteredModel(name, model.description, model.tags);
    report.add('registeredModelsCreated');
  } else {
    report.add('registeredModelsExisting');
    if (existing.description !== model.description)
      await target.updateRegisteredModel(name, model.description);
    for (const tag of differing(model.tags, existing.tags)) await target.setRegisteredModelTag(name, tag);
  }
  const unpaired = existing === undefined ? [] : await target.versions(name);
  const numbers = new Map<number, number>();
  for (const v of await source.versions(name)) {
    const wantedSource = rewriteVersionSource(v.source, v.runId);
    const tags = v.tags.filter((t) => !t.key.startsWith(reservedVersionTagPrefix));
    let current = pairedVersion(v, wantedSource, unpaired);
    try {
      if (current !== undefined) {
        unpaired.splice(unpaired.indexOf(current), 1);
        report.add('versionsExisting');
        if (current.description !== v.description)
          await target.updateVersion(name, current.version, v.description);
        for (const tag of differing(tags, current.tags))
          await target.setVersionTag(name, current.version, tag);
      } else {
        const version = await target.createVersion({
          name,
          source: wantedSource,
          runId: v.runId,
          description: v.description,
          tags,
        });
        current = { version, source: wantedSource, description: v.description, stage: 'None', tags };
        report.add('versionsCreated');
        if (version !== v.version) report.renumbered.push({ name, from: v.version, to: version });
      }
      numbers.set(v.version, current.version);
      if (current.stage !== v.stage) {
        await target.transitionStage(name, current.version, v.stage);
        report.add('stages');
      }
    } catch (error) {
      if (isFatal(error)) throw error;
      report.skip(`model '${name}' version ${v.version} (source ${wantedSource})`, messageOf(error));
      complete = false;
    }
    ctx.progress.tick();
  }
  for (const { alias, version } of model.aliases) {
    const to = numbers.get(version);
    if (to === undefined) {
      report.skip(`model '${name}' alias '${alias}'`, `version ${version} was not imported`);
      complete = false;
      continue;
    }
    if (existing?.aliases.get(alias) === to) continue;
    try {
      await target.setAlias(name, alias, to);
      report.add('aliases');
    } catch (error) {
      if (isFatal(error)) throw error;
      report.skip(`model '${name}' alias '${alias}'`, messageOf(error));
      complete = false;
    }
  }
  return complete;
}

/** Imports every registered model of the source (after the runs and logged models their versions point at). */
export async function importRegistry(ctx: ImportContext): Promise<void> {
  ctx.progress.phase('registry');
  for await (const model of ctx.source.registeredModels()) {
    if (ctx.state.isDone('registered-model', model.name)) {
      ctx.report.add('registeredModelsSkippedDone');
      continue;
    }
    if (await importRegisteredModel(ctx, model)) ctx.state.markDone('registered-model', model.name);
  }
}
