/**
 * Places a DAG's nodes for drawing top-down: nodes on rows by level, a chain of one-column "pass-through" nodes
 * wherever an edge skips levels (so every edge joins two neighbouring rows), an order within each row that keeps
 * crossings down (barycentre sweeps, as in Sugiyama's method), and x positions that sit each node near the
 * centre of its neighbours.
 */

export interface LayoutBox {
  /** The lines of text inside the box. */
  lines: string[];
}

export interface LayoutInput {
  /** Node ids by row, top to bottom; `separatorBefore` marks the first row of the exit handlers. */
  rows: string[][];
  boxes: ReadonlyMap<string, LayoutBox>;
  edges: readonly { from: string; to: string }[];
  separatorBefore?: number;
}

export interface PlacedNode {
  id: string;
  /** `pass` is a column an edge uses to cross a row. */
  kind: 'box' | 'pass';
  row: number;
  /** Leftmost column and width (3 for a pass-through: the line in the middle). */
  x: number;
  width: number;
  lines: string[];
  preds: PlacedNode[];
  succs: PlacedNode[];
}

export interface Layout {
  rows: PlacedNode[][];
  width: number;
}

const GAP = 2;

/** The text width of a box: its longest line, two spaces of padding and two borders. */
export function boxWidth(box: LayoutBox): number {
  return Math.max(...box.lines.map((l) => [...l].length)) + 4;
}

export function layoutLayers(input: LayoutInput): Layout {
  const rowOf = new Map<string, number>();
  input.rows.forEach((row, i) => row.forEach((id) => rowOf.set(id, i)));
  const rows: PlacedNode[][] = input.rows.map((row, i) =>
    row.map((id) => {
      const box = input.boxes.get(id) ?? { lines: [id] };
      return { id, kind: 'box', row: i, x: 0, width: boxWidth(box), lines: box.lines, preds: [], succs: [] };
    }),
  );
  const byId = new Map(rows.flat().map((n) => [n.id, n]));

  // One pass-through chain per source, shared by all its edges that skip rows.
  const chains = new Map<string, PlacedNode[]>();
  const link = (a: PlacedNode, b: PlacedNode) => {
    if (!a.succs.includes(b)) a.succs.push(b);
    if (!b.preds.includes(a)) b.preds.push(a);
  };
  for (const edge of input.edges) {
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (from === undefined || to === undefined || to.row <= from.row) continue;
    let previous = from;
    const chain = chains.get(from.id) ?? [];
    for (let r = from.row + 1; r < to.row; r++) {
      let pass = chain[r - from.row - 1];
      if (pass === undefined) {
        pass = {
          id: `${from.id}\u0000${r}`,
          kind: 'pass',
          row: r,
          x: 0,
          width: 3,
          lines: [],
          preds: [],
          succs: [],
        };
        chain.push(pass);
        rows[r]?.push(pass);
        link(previous, pass);
      }
      previous = pass;
    }
    chains.set(from.id, chain);
    link(previous, to);
  }

  orderRows(rows);
  placeRows(rows);
  const width = Math.max(0, ...rows.flat().map((n) => n.x + n.width));
  return { rows, width };
}

/** Barycentre sweeps down and up: each node moves towards the mean position of its neighbours in the row it faces. */
function orderRows(rows: PlacedNode[][]): void {
  const position = new Map<PlacedNode, number>();
  const index = (row: PlacedNode[]) => row.forEach((n, i) => position.set(n, i));
  rows.forEach(index);
  const sweep = (row: PlacedNode[], neighbours: (n: PlacedNode) => PlacedNode[]) => {
    const keyed = row.map((n, i) => {
      const near = neighbours(n);
      const centre =
        near.length === 0 ? i : near.reduce((sum, m) => sum + (position.get(m) ?? 0), 0) / near.length;
      return { n, centre, i };
    });
    keyed.sort((a, b) => a.centre - b.centre || a.i - b.i);
    row.splice(0, row.length, ...keyed.map((k) => k.n));
    index(row);
  };
  for (let round = 0; round < 4; round++) {
    for (let r = 1; r < rows.length; r++) sweep(rows[r] ?? [], (n) => n.preds);
    for (let r = rows.length - 2; r >= 0; r--) sweep(rows[r] ?? [], (n) => n.succs);
  }
}

const centre = (n: PlacedNode) => n.x + Math.floor(n.width / 2);

/**
 * x positions: packed left to right in their order, then moved (never past their neighbours in the row) towards
 * the centre of their parents (down) and of their children (up), a few times.
 */
function placeRows(rows: PlacedNode[][]): void {
  for (const row of rows) {
    let x = 0;
    for (const n of row) {
      n.x = x;
      x += n.width + GAP;
    }
  }
  const pull = (row: PlacedNode[], neighbours: (n: PlacedNode) => PlacedNode[]) => {
    // Each node wants its centre under (or over) the mean centre of its neighbours. Packing left to right pushes
    // crowded nodes right, packing right to left pushes them left; the mean of the two keeps the order and the
    // spacing of both and splits the difference.
    const desired = row.map((n) => {
      const near = neighbours(n);
      if (near.length === 0) return n.x;
      const mean = near.reduce((sum, m) => sum + centre(m), 0) / near.length;
      return Math.round(mean - Math.floor(n.width / 2));
    });
    const forward: number[] = [];
    let minX = -Infinity;
    row.forEach((n, i) => {
      forward[i] = Math.max(desired[i] ?? 0, minX);
      minX = (forward[i] ?? 0) + n.width + GAP;
    });
    const backward: number[] = [];
    let maxRight = Infinity;
    for (let i = row.length - 1; i >= 0; i--) {
      const n = row[i] as PlacedNode;
      backward[i] = Math.min(desired[i] ?? 0, maxRight - n.width);
      maxRight = (backward[i] ?? 0) - GAP;
    }
    row.forEach((n, i) => {
      n.x = Math.round(((forward[i] ?? 0) + (backward[i] ?? 0)) / 2);
    });
  };
  for (let round = 0; round < 3; round++) {
    for (let r = 1; r < rows.length; r++) pull(rows[r] ?? [], (n) => n.preds);
    for (let r = rows.length - 2; r >= 0; r--) pull(rows[r] ?? [], (n) => n.succs);
  }
  const left = Math.min(...rows.flat().map((n) => n.x));
  if (Number.isFinite(left)) for (const n of rows.flat()) n.x -= left;
}
