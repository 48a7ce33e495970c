import { parseDuration, type PipelineGraph, type PipelineSpec } from '../spec/index.js';
import { cacheKey, changedParts } from '../executor/cache-key.js';
import { sha256 } from '../executor/digests.js';
import { effectiveStep } from '../executor/effective-step.js';
import type { PipFreezeCache } from '../executor/reproducibility.js';
import { evaluateCondition } from '../executor/run-values.js';
import { stepPython } from '../executor/step-launcher.js';
import { fanOutItems, lookupReference, resolveInputs, type UnitScope } from '../executor/unit-values.js';
import type { PipelineStore } from '../store/pipeline-store.js';
import type { StepRun } from '../store/pipeline-store-types.js';

/**
 * What a run would do with one step (or fan-out item): `hit` reuses a cached result, `miss` runs it, `disabled`
 * runs it because its cache is off, `skip` leaves it out (its condition is false), `unknown` cannot be told
 * before an upstream step has run.
 */
export interface PlanEntry {
  step: string;
  itemIndex: number;
  decision: 'hit' | 'miss' | 'disabled' | 'skip' | 'unknown';
  /** Why, in a sentence. */
  reason: string;
  /** For a miss after an earlier run: the parts of the key that changed (`code`, `input:rows`, `environment`...). */
  changed: string[];
  key?: string;
  /** For a hit: the MLflow run whose result would be reused. */
  cachedFromRun?: string;
}

export interface PlanInput {
  store: PipelineStore;
  spec: PipelineSpec;
  graph: PipelineGraph;
  params: Record<string, unknown>;
  pipelineName: string;
  codeDir: string;
  python: string;
  pipFreeze: PipFreezeCache;
  now: number;
}

function predicted(
  step: string,
  itemIndex: number,
  item: unknown,
  state: StepRun['state'],
  outputs?: StepRun['outputs'],
): StepRun {
  return {
    stepRunId: `plan:${step}:${itemIndex}`,
    runId: 'plan',
    step,
    itemIndex,
    item,
    phase: 'main',
    state,
    reason: undefined,
    failureAttempts: 0,
    preemptionAttempts: 0,
    attempt: 0,
    notBefore: undefined,
    leaseOwner: undefined,
    leaseExpiresAt: undefined,
    host: undefined,
    pid: undefined,
    mlflowRunId: undefined,
    exitCode: undefined,
    outputs,
    cacheKey: undefined,
    cacheParts: undefined,
    cachedFrom: undefined,
    startedAt: undefined,
    endedAt: undefined,
    updatedAt: 0,
  };
}

/**
 * Plans a run without running anything: walks the steps in order, computes each cache key the way the executor
 * will (the outputs of steps that would hit are known from their cached result), looks the key up, and for a
 * miss compares its parts with the newest earlier result of the same step to say what changed.
 */
export async function planRun(input: PlanInput): Promise<PlanEntry[]> {
  const units = new Map<string, StepRun[]>();
  const unknown = new Set<string>();
  const scope: UnitScope = {
    params: input.params,
    pipeline: { name: input.pipelineName, runId: '(new run)' },
    graph: input.graph,
    unitsOf: (step) => units.get(step),
  };
  const entries: PlanEntry[] = [];
  const freezeDigests = new Map<string, string | undefined>();
  for (const name of input.graph.order) {
    const node = input.graph.step(name);
    if (node === undefined) continue;
    if (node.phase === 'exit') {
      entries.push({
        step: name,
        itemIndex: -1,
        decision: 'unknown',
        reason: 'exit handler: runs once the run has ended',
        changed: [],
      });
      continue;
    }
    const spec = effectiveStep(input.spec, name);
    const waitingOn = input.graph.upstream(name).find((up) => unknown.has(up));
    let items: { index: number; item: unknown }[] = [{ index: -1, item: undefined }];
    if (node.fanOut !== undefined) {
      const leader = spec.for_each?.items_of;
      const listed = leader !== undefined ? units.get(leader)?.map((u) => u.item) : undefined;
      const found =
        leader !== undefined
          ? listed !== undefined
            ? { items: listed }
            : { missing: leader }
          : fanOutItems(scope, name, spec);
      if (found === undefined || 'missing' in found) {
        unknown.add(name);
        entries.push({
          step: name,
          itemIndex: -1,
          decision: 'unknown',
          reason: `its items come from ${waitingOn ?? 'a step'} that will run first`,
          changed: [],
        });
        continue;
      }
      items = found.items.map((item, index) => ({ index, item }));
    }
    const produced: StepRun[] = [];
    let allKnown = true;
    for (const { index, item } of items) {
      const unit = { itemIndex: index, item };
      const resolved = resolveInputs(scope, name, spec, unit);
      if ('missing' in resolved) {
        allKnown = false;
        const up = waitingOn ?? resolved.missing;
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'unknown',
          reason: `upstream ${up} will run first, so its outputs are not known yet`,
          changed: [],
        });
        continue;
      }
      if (spec.when !== undefined) {
        const verdict = evaluateCondition(spec.when, (ref) => lookupReference(scope, ref, name, unit));
        if ('missing' in verdict) {
          allKnown = false;
          entries.push({
            step: name,
            itemIndex: index,
            decision: 'unknown',
            reason: `its condition reads ${verdict.missing}, not known before the run`,
            changed: [],
          });
          continue;
        }
        if (!verdict.result) {
          produced.push({ ...predicted(name, index, item, 'skipped'), reason: 'condition: false' });
          entries.push({
            step: name,
            itemIndex: index,
            decision: 'skip',
            reason: `condition '${spec.when}' is false`,
            changed: [],
          });
          continue;
        }
      }
      if (spec.approval !== undefined) {
        allKnown = false;
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'disabled',
          reason: 'an approval: a person decides each run (never from the cache)',
          changed: [],
        });
        continue;
      }
      const python = stepPython(spec, input.python);
      if (python !== undefined && !freezeDigests.has(python)) {
        const frozen = await input.pipFreeze.freeze(python, input.codeDir);
        freezeDigests.set(python, frozen === undefined ? undefined : sha256(frozen));
      }
      const key = await cacheKey(spec, resolved.inputs, {
        codeDir: input.codeDir,
        ...(python !== undefined
          ? { python: { path: python, freezeDigest: freezeDigests.get(python) } }
          : {}),
      });
      if (spec.cache?.enabled === false) {
        allKnown = false;
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'disabled',
          reason: 'its cache is off (cache.enabled: false)',
          changed: [],
          key: key.key,
        });
        continue;
      }
      const maxAge = spec.cache?.max_age !== undefined ? parseDuration(spec.cache.max_age) : undefined;
      const hit = await input.store.findCached(
        key.key,
        maxAge !== undefined ? input.now - maxAge : undefined,
      );
      if (hit !== undefined) {
        produced.push(predicted(name, index, item, 'cached', hit.outputs));
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'hit',
          reason: 'an earlier run produced this exact key',
          changed: [],
          key: key.key,
          ...(hit.mlflowRunId !== undefined ? { cachedFromRun: hit.mlflowRunId } : {}),
        });
        continue;
      }
      allKnown = false;
      const stale = maxAge !== undefined ? await input.store.findCached(key.key, undefined) : undefined;
      const previous = await input.store.latestKeyed(input.pipelineName, name, index);
      if (stale !== undefined) {
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'miss',
          reason: `its cached result is older than cache.max_age (${spec.cache?.max_age ?? ''})`,
          changed: [],
          key: key.key,
        });
      } else if (previous?.cacheParts === undefined) {
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'miss',
          reason: 'no earlier result of this step',
          changed: [],
          key: key.key,
        });
      } else {
        const changed = changedParts(previous.cacheParts, key.parts);
        entries.push({
          step: name,
          itemIndex: index,
          decision: 'miss',
          reason:
            changed.length > 0
              ? `changed since the last run: ${changed.join(', ')}`
              : 'the earlier result is gone',
          changed,
          key: key.key,
        });
      }
    }
    if (!allKnown) unknown.add(name);
    else units.set(name, produced);
  }
  return entries;
}
