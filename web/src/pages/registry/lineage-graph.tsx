import type { ReactNode } from 'react';
import type { ModelVersionLineage } from '../../api/governance';
import { hrefs } from '../../router/routes';

interface GraphNode {
  id: string;
  column: number;
  kind: string;
  label: string;
  href?: string;
}

const columnWidth = 220;
const nodeWidth = 200;
const nodeHeight = 46;
const rowHeight = 60;
const columns = ['Data', 'Run', 'Logged model', 'Version', 'Alias'];

const clip = (text: string, max = 26): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The nodes and edges of a version's lineage: datasets → run → logged model → version → aliases. */
export function lineageGraph(
  lineage: ModelVersionLineage,
  aliases: string[],
): { nodes: GraphNode[]; edges: [string, string][] } {
  const nodes: GraphNode[] = [];
  const edges: [string, string][] = [];
  const { modelVersion: mv, run, loggedModel } = lineage;
  const versionId = 'version';
  nodes.push({
    id: versionId,
    column: 3,
    kind: 'Version',
    label: `${mv.name} v${mv.version}`,
    href: hrefs.modelVersion(mv.name, mv.version),
  });
  if (run !== null) {
    nodes.push({
      id: 'run',
      column: 1,
      kind: 'Run',
      label: run.runName === '' ? run.runId : run.runName,
      href: hrefs.run(run.experimentId, run.runId),
    });
    run.datasets.forEach((d, i) => {
      nodes.push({
        id: `data-${i}`,
        column: 0,
        kind: 'Dataset',
        label: `${d.name} (${d.digest.slice(0, 8)})`,
      });
      edges.push([`data-${i}`, 'run']);
    });
  }
  if (loggedModel !== null) {
    nodes.push({
      id: 'logged-model',
      column: 2,
      kind: 'Logged model',
      label: loggedModel.name === '' ? loggedModel.modelId : loggedModel.name,
      href: `#/experiments/${encodeURIComponent(loggedModel.experimentId)}/logged-models/${encodeURIComponent(loggedModel.modelId)}`,
    });
    if (run !== null) edges.push(['run', 'logged-model']);
    edges.push(['logged-model', versionId]);
  } else if (run !== null) {
    edges.push(['run', versionId]);
  }
  aliases.forEach((alias) => {
    nodes.push({
      id: `alias-${alias}`,
      column: 4,
      kind: 'Alias',
      label: `@${alias}`,
      href: hrefs.model(mv.name),
    });
    edges.push([versionId, `alias-${alias}`]);
  });
  return { nodes, edges };
}

/**
 * The lineage of a version drawn as a graph (SVG), left to right: the datasets the run used, the run, the
 * logged model, the version and its aliases. Every node but a dataset is a link to its page.
 */
export function LineageGraph({
  lineage,
  aliases,
}: {
  lineage: ModelVersionLineage;
  aliases: string[];
}): ReactNode {
  const { nodes, edges } = lineageGraph(lineage, aliases);
  const rows = new Map<number, number>();
  const position = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const row = rows.get(node.column) ?? 0;
    rows.set(node.column, row + 1);
    position.set(node.id, { x: node.column * columnWidth + 4, y: 28 + row * rowHeight });
  }
  const height = 28 + Math.max(1, ...rows.values()) * rowHeight;
  const width = columns.length * columnWidth;
  return (
    <div className="lineage">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="group"
        aria-label={`Lineage of ${lineage.modelVersion.name} version ${lineage.modelVersion.version}`}
      >
        <defs>
          <marker
            id="lineage-arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="lineage-arrow" />
          </marker>
        </defs>
        {columns.map((title, i) => (
          <text key={title} x={i * columnWidth + 4} y={14} className="lineage-column" aria-hidden="true">
            {title}
          </text>
        ))}
        {edges.map(([from, to]) => {
          const a = position.get(from);
          const b = position.get(to);
          if (a === undefined || b === undefined) return null;
          return (
            <line
              key={`${from}-${to}`}
              x1={a.x + nodeWidth}
              y1={a.y + nodeHeight / 2}
              x2={b.x - 2}
              y2={b.y + nodeHeight / 2}
              className="lineage-edge"
              markerEnd="url(#lineage-arrow)"
            />
          );
        })}
        {nodes.map((node) => {
          const p = position.get(node.id);
          if (p === undefined) return null;
          const box = (
            <>
              <rect
                x={p.x}
                y={p.y}
                width={nodeWidth}
                height={nodeHeight}
                rx={6}
                className={`lineage-node lineage-${node.column}`}
              />
              <text x={p.x + 8} y={p.y + 17}>
                <tspan className="lineage-kind">{node.kind}</tspan>
                <tspan x={p.x + 8} dy={18} className="lineage-label">
                  {` ${clip(node.label)}`}
                </tspan>
              </text>
              <title>{`${node.kind}: ${node.label}`}</title>
            </>
          );
          return node.href === undefined ? (
            <g key={node.id} data-node={node.id}>
              {box}
            </g>
          ) : (
            <a
              key={node.id}
              href={node.href}
              aria-label={`${node.kind} ${clip(node.label)}`}
              data-node={node.id}
            >
              {box}
            </a>
          );
        })}
      </svg>
    </div>
  );
}
