import type { EdgeKind, RawEdge, StepKind, StepPhase } from './check-context.js';

/** A step as the graph sees it. */
export interface GraphStep {
  name: string;
  phase: StepPhase;
  kind: StepKind;
  /** 0-based; exit handlers come after every level of the main steps. */
  level: number;
  /** Present when the step fans out: the step that starts its group (itself, or the one its items_of leads to). */
  fanOut?: { root: string };
  when?: string;
}

/** One dependency between two steps, with every reason for it. */
export interface GraphEdge {
  from: string;
  to: string;
  kinds: EdgeKind[];
  /** The outputs of `from` that `to` reads (empty for a pure `after`). */
  outputs: string[];
}

/** A circle of dependencies: `steps[0]` → ... → `steps[n-1]` → `steps[0]`, and the reference that closes it. */
export interface Cycle {
  steps: string[];
  closing: RawEdge;
}

/**
 * The DAG of a valid pipeline: steps, dependencies, a topological order and levels (a step's level is one more
 * than its deepest dependency's). The executor starts steps in `order`; `bosun pipeline show` draws `levels`.
 *
 * @example
 * const { graph } = validatePipelineText(text);
 * graph?.levels; // [['prepare'], ['train_a', 'train_b'], ['compare']]
 */
export class PipelineGraph {
  private readonly byName: ReadonlyMap<string, GraphStep>;
  /** Each step's direct dependencies, in edge order (the executor asks for them on every pass). */
  private readonly ups = new Map<string, string[]>();
  /** Each step's direct dependents, in edge order. */
  private readonly downs = new Map<string, string[]>();

  constructor(
    readonly steps: readonly GraphStep[],
    readonly edges: readonly GraphEdge[],
    readonly order: readonly string[],
    readonly levels: readonly (readonly string[])[],
  ) {
    this.byName = new Map(steps.map((s) => [s.name, s]));
    for (const e of edges) {
      const ups = this.ups.get(e.to);
      if (ups === undefined) this.ups.set(e.to, [e.from]);
      else ups.push(e.from);
      const downs = this.downs.get(e.from);
      if (downs === undefined) this.downs.set(e.from, [e.to]);
      else downs.push(e.to);
    }
  }

  step(name: string): GraphStep | undefined {
    return this.byName.get(name);
  }

  /** The steps `name` depends on directly. */
  upstream(name: string): string[] {
    return this.ups.get(name)?.slice() ?? [];
  }

  /** The steps that depend directly on `name`. */
  downstream(name: string): string[] {
    return this.downs.get(name)?.slice() ?? [];
  }
}

export interface GraphNodeInput {
  name: string;
  phase: StepPhase;
  kind: StepKind;
  fanOutRoot?: string;
  when?: string;
}

/**
 * Builds the graph from the steps (in document order) and the dependencies the checks found, or returns the
 * cycles when there are any (each once, starting at its earliest step in the document).
 */
export function buildGraph(
  nodes: readonly GraphNodeInput[],
  rawEdges: readonly RawEdge[],
): { graph: PipelineGraph } | { cycles: Cycle[] } {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const merged = new Map<string, GraphEdge>();
  for (const raw of rawEdges) {
    if (!index.has(raw.from) || !index.has(raw.to)) continue;
    const key = `${raw.from}\u0000${raw.to}`;
    const edge = merged.get(key) ?? { from: raw.from, to: raw.to, kinds: [], outputs: [] };
    if (!edge.kinds.includes(raw.kind)) edge.kinds.push(raw.kind);
    if (raw.output !== undefined && !edge.outputs.includes(raw.output)) edge.outputs.push(raw.output);
    merged.set(key, edge);
  }
  const edges = [...merged.values()];
  const preds = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  const succs = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const e of edges) {
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  }

  // Kahn's algorithm; among ready steps the earliest in the document goes first.
  const remaining = new Map(nodes.map((n) => [n.name, preds.get(n.name)?.length ?? 0]));
  const ready = nodes.filter((n) => remaining.get(n.name) === 0).map((n) => n.name);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    const name = ready.shift() as string;
    order.push(name);
    for (const next of succs.get(name) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length < nodes.length) {
    return {
      cycles: findCycles(
        nodes,
        rawEdges,
        new Set(nodes.map((n) => n.name).filter((n) => !order.includes(n))),
        preds,
        index,
      ),
    };
  }

  // Levels: main steps by longest path from a root; exit handlers after all of them.
  const level = new Map<string, number>();
  const phaseOf = new Map(nodes.map((n) => [n.name, n.phase]));
  const mainOrder = order.filter((n) => phaseOf.get(n) === 'main');
  const exitOrder = order.filter((n) => phaseOf.get(n) === 'exit');
  for (const name of mainOrder)
    level.set(name, Math.max(-1, ...(preds.get(name) ?? []).map((p) => level.get(p) ?? 0)) + 1);
  const mainDepth = Math.max(-1, ...mainOrder.map((n) => level.get(n) ?? 0)) + 1;
  for (const name of exitOrder) {
    const exitPreds = (preds.get(name) ?? []).filter((p) => phaseOf.get(p) === 'exit');
    level.set(name, Math.max(mainDepth - 1, ...exitPreds.map((p) => level.get(p) ?? 0)) + 1);
  }
  const depth = Math.max(-1, ...order.map((n) => level.get(n) ?? 0)) + 1;
  const levels: string[][] = Array.from({ length: depth }, () => []);
  for (const n of nodes) levels[level.get(n.name) ?? 0]?.push(n.name);
  const steps: GraphStep[] = nodes.map((n) => ({
    name: n.name,
    phase: n.phase,
    kind: n.kind,
    level: level.get(n.name) ?? 0,
    ...(n.fanOutRoot !== undefined ? { fanOut: { root: n.fanOutRoot } } : {}),
    ...(n.when !== undefined ? { when: n.when } : {}),
  }));
  return { graph: new PipelineGraph(steps, edges, order, levels) };
}

/**
 * Walks backwards from each step left over by Kahn's algorithm (each has a predecessor among them) until a step
 * repeats: that is a cycle. Cycles are reported once, rotated to start at their earliest step.
 */
function findCycles(
  nodes: readonly GraphNodeInput[],
  rawEdges: readonly RawEdge[],
  left: ReadonlySet<string>,
  preds: ReadonlyMap<string, string[]>,
  index: ReadonlyMap<string, number>,
): Cycle[] {
  const seen = new Set<string>();
  const cycles: Cycle[] = [];
  for (const start of nodes.map((n) => n.name).filter((n) => left.has(n))) {
    const path: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !path.includes(current)) {
      path.push(current);
      const options: string[] = (preds.get(current) ?? []).filter((p) => left.has(p));
      options.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
      current = options[0];
    }
    if (current === undefined) continue;
    const backwards = path.slice(path.indexOf(current));
    const forwards = [...backwards].reverse();
    const first = forwards.reduce((a, b) => ((index.get(a) ?? 0) <= (index.get(b) ?? 0) ? a : b));
    const at = forwards.indexOf(first);
    const rotated = [...forwards.slice(at), ...forwards.slice(0, at)];
    const key = rotated.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    const last = rotated[rotated.length - 1] as string;
    const closing = rawEdges.find((e) => e.from === last && e.to === first);
    if (closing !== undefined) cycles.push({ steps: rotated, closing });
  }
  return cycles;
}
