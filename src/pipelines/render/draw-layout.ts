import type { Layout, PlacedNode } from './layered-layout.js';

/**
 * Draws a layout with box-drawing characters (or plain ASCII): boxes on rows, and between two rows each edge as a
 * line down from its source, along a horizontal track, and down into its target with an arrow. Sources get their
 * own tracks where their spans would touch, so two sources' lines never merge; where one source's line crosses
 * another's, the vertical passes over (`──│──`) instead of joining (`──┼──`).
 */

export interface Glyphs {
  box: { tl: string; tr: string; bl: string; br: string; h: string; v: string; stem: string };
  arrow: string;
  crossing: string;
  lines: Record<string, string>;
  separator: string;
}

export const UNICODE_GLYPHS: Glyphs = {
  box: { tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│', stem: '┬' },
  arrow: '▼',
  crossing: '│',
  // Keys are the directions a cell connects to: u(p), d(own), l(eft), r(ight).
  lines: {
    u: '│',
    d: '│',
    ud: '│',
    l: '─',
    r: '─',
    lr: '─',
    dr: '┌',
    dl: '┐',
    ur: '└',
    ul: '┘',
    udr: '├',
    udl: '┤',
    dlr: '┬',
    ulr: '┴',
    udlr: '┼',
  },
  separator: '┄',
};

export const ASCII_GLYPHS: Glyphs = {
  box: { tl: '+', tr: '+', bl: '+', br: '+', h: '-', v: '|', stem: '+' },
  arrow: 'v',
  crossing: '|',
  lines: {
    u: '|',
    d: '|',
    ud: '|',
    l: '-',
    r: '-',
    lr: '-',
    dr: '+',
    dl: '+',
    ur: '+',
    ul: '+',
    udr: '+',
    udl: '+',
    dlr: '+',
    ulr: '+',
    udlr: '+',
  },
  separator: '.',
};

interface LineCell {
  u: boolean;
  d: boolean;
  l: boolean;
  r: boolean;
  hNets: Set<string>;
  vNets: Set<string>;
}

class Canvas {
  private readonly text = new Map<string, string>();
  private readonly lines = new Map<string, LineCell>();
  height = 0;

  put(x: number, y: number, ch: string): void {
    this.text.set(`${x},${y}`, ch);
    this.height = Math.max(this.height, y + 1);
  }

  write(x: number, y: number, s: string): void {
    [...s].forEach((ch, i) => this.put(x + i, y, ch));
  }

  private cell(x: number, y: number): LineCell {
    const key = `${x},${y}`;
    let cell = this.lines.get(key);
    if (cell === undefined) {
      cell = { u: false, d: false, l: false, r: false, hNets: new Set(), vNets: new Set() };
      this.lines.set(key, cell);
    }
    this.height = Math.max(this.height, y + 1);
    return cell;
  }

  /** A vertical line from row `top` to `bottom`, joined to what is above `top` and below `bottom` when asked. */
  vline(x: number, top: number, bottom: number, net: string, joinAbove: boolean, joinBelow: boolean): void {
    for (let y = top; y <= bottom; y++) {
      const c = this.cell(x, y);
      if (y > top || joinAbove) c.u = true;
      if (y < bottom || joinBelow) c.d = true;
      c.vNets.add(net);
    }
  }

  hline(y: number, x0: number, x1: number, net: string): void {
    const [a, b] = x0 <= x1 ? [x0, x1] : [x1, x0];
    for (let x = a; x <= b; x++) {
      const c = this.cell(x, y);
      if (x > a) c.l = true;
      if (x < b) c.r = true;
      c.hNets.add(net);
    }
  }

  render(width: number, glyphs: Glyphs): string[] {
    const out: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let line = '';
      for (let x = 0; x < width; x++) {
        const t = this.text.get(`${x},${y}`);
        if (t !== undefined) {
          line += t;
          continue;
        }
        const c = this.lines.get(`${x},${y}`);
        if (c === undefined) {
          line += ' ';
          continue;
        }
        const horizontal = c.l || c.r;
        const vertical = c.u || c.d;
        const shared = [...c.hNets].some((n) => c.vNets.has(n));
        if (horizontal && vertical && !shared) {
          line += glyphs.crossing;
          continue;
        }
        const key = `${c.u ? 'u' : ''}${c.d ? 'd' : ''}${c.l ? 'l' : ''}${c.r ? 'r' : ''}`;
        line += glyphs.lines[key] ?? ' ';
      }
      out.push(line.trimEnd());
    }
    return out;
  }
}

const centre = (n: PlacedNode) => n.x + Math.floor(n.width / 2);

/** The source of the chain a node belongs to (a pass-through carries its source's lines). */
function netOf(n: PlacedNode): string {
  return n.kind === 'pass' ? (n.id.split('\u0000')[0] ?? n.id) : n.id;
}

/** Draws `layout`; `separatorBefore` puts a labelled rule above that row (the exit handlers). */
export function drawLayout(
  layout: Layout,
  glyphs: Glyphs,
  separatorBefore?: number,
  separatorLabel = 'on exit',
): string[] {
  const canvas = new Canvas();
  const g = glyphs.box;
  let y = 0;
  layout.rows.forEach((row, r) => {
    const height = Math.max(1, ...row.filter((n) => n.kind === 'box').map((n) => n.lines.length)) + 2;
    for (const n of row) {
      const c = centre(n);
      if (n.kind === 'pass') {
        canvas.vline(c, y, y + height - 1, netOf(n), true, n.succs.length > 0);
        continue;
      }
      const inner = n.width - 2;
      canvas.write(n.x, y, g.tl + g.h.repeat(inner) + g.tr);
      for (let i = 0; i < height - 2; i++) {
        const text = n.lines[i] ?? '';
        canvas.write(
          n.x,
          y + 1 + i,
          `${g.v} ${text}${' '.repeat(Math.max(0, inner - 1 - [...text].length))}${g.v}`,
        );
      }
      canvas.write(n.x, y + height - 1, g.bl + g.h.repeat(inner) + g.br);
      if (n.succs.length > 0) canvas.put(c, y + height - 1, g.stem);
    }
    y += height;
    const next = layout.rows[r + 1];
    if (next === undefined) return;
    if (separatorBefore === r + 1) {
      const stems = new Set(row.filter((n) => n.succs.length > 0).map(centre));
      const label = ` ${separatorLabel} `;
      for (let x = 0; x < layout.width; x++) {
        if (stems.has(x)) canvas.vline(x, y, y, `sep${x}`, true, true);
        else canvas.put(x, y, glyphs.separator);
      }
      const start = Math.max(0, Math.floor((layout.width - label.length) / 2));
      if (![...stems].some((x) => x >= start && x < start + label.length)) canvas.write(start, y, label);
      y += 1;
      if (stems.size === 0) return; // the rule already separates the two rows
    }
    y += drawGap(canvas, row, y, glyphs);
  });
  return canvas.render(layout.width, glyphs);
}

/** Routes the edges from `row` to the next row in the rows from `top`; returns how many rows it used. */
function drawGap(canvas: Canvas, row: PlacedNode[], top: number, glyphs: Glyphs): number {
  const targets = new Map<PlacedNode, number>();
  const sources = row.filter((n) => n.succs.length > 0);
  const stemOf = new Map(sources.map((s) => [s, centre(s)]));
  for (const s of sources) for (const t of s.succs) if (!targets.has(t)) targets.set(t, centre(t));

  // A target's entry must not share a column with the stem of a source that does not feed it.
  for (const [t, x] of targets) {
    if (t.kind === 'pass') continue;
    const clashes = (col: number) => sources.some((s) => stemOf.get(s) === col && !s.succs.includes(t));
    if (!clashes(x)) continue;
    for (let k = 1; k < Math.floor(t.width / 2) - 1; k++) {
      const candidate = [x - k, x + k].find((c) => !clashes(c) && ![...targets.values()].includes(c));
      if (candidate !== undefined) {
        targets.set(t, candidate);
        break;
      }
    }
  }

  // Tracks: one horizontal row per source whose lines go sideways; sources whose spans do not touch share one.
  // Two sources that feed only one and the same target may share a track, meeting at its entry: a fan-in. Any
  // other meeting would read as one bus joining every source to every target.
  const onlyInto = (entries: number[], x: number) => entries.every((e) => e === x);
  const spans = sources
    .map((s) => {
      const entries = s.succs.map((t) => targets.get(t) ?? 0);
      const xs = [stemOf.get(s) ?? 0, ...entries];
      return { s, left: Math.min(...xs), right: Math.max(...xs), entries };
    })
    .filter((span) => span.left !== span.right)
    .sort((a, b) => a.left - b.left || a.right - b.right);
  const trackEnds: (typeof spans)[number][] = [];
  const trackOf = new Map<PlacedNode, number>();
  for (const span of spans) {
    let track = trackEnds.findIndex(
      (last) =>
        last.right + 1 < span.left ||
        (last.right === span.left && onlyInto(last.entries, span.left) && onlyInto(span.entries, span.left)),
    );
    if (track < 0) {
      track = trackEnds.length;
      trackEnds.push(span);
    } else trackEnds[track] = span;
    trackOf.set(span.s, track);
  }
  const arrowRow = top + trackEnds.length;

  for (const s of sources) {
    const net = netOf(s);
    const px = stemOf.get(s) ?? 0;
    const track = trackOf.get(s);
    if (track === undefined) {
      // Every target straight below: one vertical line.
      for (const t of s.succs) drawInto(canvas, t, px, top, arrowRow, net, true, glyphs);
      continue;
    }
    const ty = top + track;
    canvas.vline(px, top, ty, net, true, false);
    const xs = s.succs.map((t) => targets.get(t) ?? 0);
    canvas.hline(ty, Math.min(px, ...xs), Math.max(px, ...xs), net);
    for (const t of s.succs) drawInto(canvas, t, targets.get(t) ?? 0, ty, arrowRow, net, false, glyphs);
  }
  return trackEnds.length + 1;
}

function drawInto(
  canvas: Canvas,
  target: PlacedNode,
  x: number,
  from: number,
  arrowRow: number,
  net: string,
  joinAbove: boolean,
  glyphs: Glyphs,
): void {
  if (arrowRow - 1 >= from) canvas.vline(x, from, arrowRow - 1, net, joinAbove, true);
  if (target.kind === 'pass') canvas.vline(x, arrowRow, arrowRow, net, true, true);
  else canvas.put(x, arrowRow, glyphs.arrow);
}
