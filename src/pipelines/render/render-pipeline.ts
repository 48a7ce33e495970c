import type { GraphStep, PipelineGraph } from '../spec/pipeline-graph.js';
import type { PipelineSpec } from '../spec/pipeline-schema.js';
import { ASCII_GLYPHS, drawLayout, UNICODE_GLYPHS } from './draw-layout.js';
import { boxWidth, layoutLayers, type LayoutBox } from './layered-layout.js';

export interface RenderOptions {
  /** Columns available (the terminal's width); wider drawings fall back to grouping, then to a list. */
  width: number;
  /** Plain ASCII instead of box-drawing characters (for terminals and logs that cannot show them). */
  ascii?: boolean;
  /** `graph` draws boxes and arrows, `list` the levels as text; `auto` draws when it fits. */
  layout?: 'auto' | 'graph' | 'list';
}

/**
 * The DAG of a valid pipeline as text for a terminal: one row of boxes per level, arrows from each step to those
 * that depend on it, exit handlers under a rule. A level too wide for the terminal shows steps that share their
 * upstream and downstream steps in one box ("12 steps"); a graph still too wide is listed level by level instead.
 *
 * @example renderPipeline(result.spec, result.graph, { width: 100 }).join('\n')
 */
export function renderPipeline(spec: PipelineSpec, graph: PipelineGraph, options: RenderOptions): string[] {
  const header = `${spec.name}: ${count(graph.steps.length, 'step')}, ${count(graph.levels.length, 'level')}`;
  const mode = options.layout ?? 'auto';
  if (mode !== 'list') {
    const drawing = drawGraph(spec, graph, options, false) ?? drawGraph(spec, graph, options, true);
    if (drawing !== undefined) return [header, '', ...drawing];
    if (mode === 'graph') {
      const forced = drawGraph(spec, graph, { ...options, width: Number.MAX_SAFE_INTEGER }, true) ?? [];
      return [header, '', ...forced];
    }
  }
  const note = mode === 'list' ? [] : [`(too wide to draw in ${options.width} columns; listed by level)`];
  return [header, ...note, '', ...listLevels(spec, graph)];
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `function · for each · when`: what a step runs and how. */
export function stepDetail(step: GraphStep, ascii = false): string {
  const parts: string[] = [step.kind];
  if (step.fanOut !== undefined)
    parts.push(step.fanOut.root === step.name ? 'for each' : `for each ${step.fanOut.root} item`);
  if (step.when !== undefined) parts.push('when');
  return parts.join(ascii ? ', ' : ' · ');
}

function drawGraph(
  spec: PipelineSpec,
  graph: PipelineGraph,
  options: RenderOptions,
  grouped: boolean,
): string[] | undefined {
  const boxes = new Map<string, LayoutBox>();
  for (const step of graph.steps)
    boxes.set(step.name, { lines: [step.name, stepDetail(step, options.ascii)] });
  let rows = graph.levels.map((level) => [...level]);
  let edges = graph.edges.map((e) => ({ from: e.from, to: e.to }));

  if (grouped) {
    // Steps of one level with the same upstream and downstream steps become one box.
    const key = (name: string) =>
      `${graph.upstream(name).sort().join(',')}|${graph.downstream(name).sort().join(',')}`;
    const groupOf = new Map<string, string>();
    rows = rows.map((row) => {
      const width = row.reduce((sum, name) => sum + boxWidth(boxes.get(name) ?? { lines: [name] }) + 2, 0);
      if (width <= options.width) return row;
      const byKey = new Map<string, string[]>();
      for (const name of row) byKey.set(key(name), [...(byKey.get(key(name)) ?? []), name]);
      return [...byKey.values()].map((members) => {
        if (members.length < 2) return members[0] as string;
        const id = `group\u0000${members[0]}`;
        for (const m of members) groupOf.set(m, id);
        const details = new Set(members.map((m) => boxes.get(m)?.lines[1]));
        const detail = details.size === 1 ? `${options.ascii ? ', ' : ' · '}${[...details][0] ?? ''}` : '';
        boxes.set(id, { lines: [`${count(members.length, 'step')}${detail}`, ...wrapNames(members, 36)] });
        return id;
      });
    });
    const seen = new Set<string>();
    edges = edges
      .map((e) => ({ from: groupOf.get(e.from) ?? e.from, to: groupOf.get(e.to) ?? e.to }))
      .filter((e) => {
        const k = `${e.from}\u0000${e.to}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
  }

  const firstExit = graph.levels.findIndex((level) =>
    level.some((name) => graph.step(name)?.phase === 'exit'),
  );
  const layout = layoutLayers({ rows, boxes, edges });
  if (layout.width > options.width) return undefined;
  return drawLayout(
    layout,
    options.ascii ? ASCII_GLYPHS : UNICODE_GLYPHS,
    firstExit > 0 ? firstExit : undefined,
  );
}

function wrapNames(names: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const name of names) {
    const next = line === '' ? name : `${line}, ${name}`;
    if (next.length > width && line !== '') {
      lines.push(`${line},`);
      line = name;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The levels as text, each step with what it runs and the steps it reads from. */
export function listLevels(spec: PipelineSpec, graph: PipelineGraph): string[] {
  const out: string[] = [];
  const nameWidth = Math.min(32, Math.max(...graph.steps.map((s) => s.name.length)));
  graph.levels.forEach((level, i) => {
    const exit = level.some((name) => graph.step(name)?.phase === 'exit');
    out.push(`level ${i + 1}${exit ? ' (on exit)' : ''}`);
    for (const name of level) {
      const step = graph.step(name);
      if (step === undefined) continue;
      const from = graph.upstream(name);
      const reads = from.length === 0 ? '' : `  <- ${from.join(', ')}`;
      out.push(`  ${name.padEnd(nameWidth)}  ${stepDetail(step, true)}${reads}`);
    }
  });
  if (spec.outputs !== undefined && Object.keys(spec.outputs).length > 0) {
    out.push('outputs');
    for (const [name, output] of Object.entries(spec.outputs)) out.push(`  ${name} <- ${output.from}`);
  }
  return out;
}
