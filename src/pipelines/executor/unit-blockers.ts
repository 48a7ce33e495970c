import type { PipelineGraph } from '../spec/index.js';
import type { StepRun } from '../store/pipeline-store-types.js';
import { hasOutputs, isTerminal } from '../store/step-state.js';
import { sameGroup } from './unit-values.js';

/** A step run's name in messages: `step`, or `step[i]` for a fan-out item. */
export const unitName = (u: { step: string; itemIndex: number }) =>
  u.itemIndex >= 0 ? `${u.step}[${u.itemIndex}]` : u.step;

/**
 * What step `name` (item `itemIndex`, -1 for the whole step) waits for: not ready while a unit it reads (one item
 * in its group, else all) has not ended; ready, with why it cannot run, once one failed or was skipped.
 *
 * @example
 * blockers(graph, (step) => unitsByStep.get(step) ?? [], 'train', -1) // { ready: true }
 */
export function blockers(
  graph: PipelineGraph,
  unitsOf: (step: string) => readonly StepRun[],
  name: string,
  itemIndex: number,
): { ready: boolean; failedOrSkipped?: string } {
  for (const up of graph.upstream(name)) {
    const units = unitsOf(up);
    if (units.length === 0) return { ready: false };
    const relevant =
      itemIndex >= 0 && sameGroup(graph, name, up) ? units.filter((u) => u.itemIndex === itemIndex) : units;
    if (relevant.length === 0 || relevant.some((u) => !isTerminal(u.state))) return { ready: false };
    const phaseBoundary = graph.step(up)?.phase === 'main' && graph.step(name)?.phase === 'exit';
    if (phaseBoundary) continue;
    const produced = relevant.filter((u) => hasOutputs(u.state));
    const conditionSkips = relevant.filter(
      (u) => u.state === 'skipped' && u.reason?.startsWith('condition:'),
    );
    if (produced.length + conditionSkips.length < relevant.length) {
      const bad = relevant.find(
        (u) => !hasOutputs(u.state) && !(u.state === 'skipped' && u.reason?.startsWith('condition:')),
      );
      return {
        ready: true,
        failedOrSkipped: `upstream: ${unitName(bad ?? relevant[0]!)} ${bad?.state ?? 'did not run'}`,
      };
    }
    if (produced.length === 0) return { ready: true, failedOrSkipped: `upstream: ${up} was skipped` };
  }
  return { ready: true };
}
