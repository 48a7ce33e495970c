import type { Distribution } from './distribution.js';
import { formatNumber, formatPercent } from './format.js';
import { escapeHtml } from './html-escape.js';

const WIDTH = 640;
const REF_COLOR = '#4c78a8';
const CUR_COLOR = '#f58518';

/** Inline SVG (no scripts, no external references) of a column's distribution: a histogram overlay or bar pairs. */
export function distributionSvg(distribution: Distribution, label: string): string {
  switch (distribution.kind) {
    case 'histogram':
      return histogramSvg(distribution.edges, distribution.reference, distribution.current, label);
    case 'categories': {
      const bars = distribution.categories.map((c) => ({
        label: c.value,
        reference: c.reference,
        current: c.current,
      }));
      if (distribution.other !== null) {
        bars.push({
          label: `(${distribution.other.count} other values)`,
          reference: distribution.other.reference,
          current: distribution.other.current,
        });
      }
      return categorySvg(bars, label);
    }
  }
}

function histogramSvg(
  edges: readonly number[],
  ref: readonly number[],
  cur: readonly number[],
  label: string,
): string {
  const height = 220;
  const left = 48;
  const bottom = 28;
  const top = 10;
  const plotW = WIDTH - left - 10;
  const plotH = height - top - bottom;
  const max = Math.max(...ref, ...cur, 1e-12);
  const bw = plotW / ref.length;
  const parts: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const tip = `[${formatNumber(edges[i]!)}, ${formatNumber(edges[i + 1]!)}${i === ref.length - 1 ? ']' : ')'}: reference ${formatPercent(ref[i]!)}, current ${formatPercent(cur[i]!)}`;
    for (const [share, color] of [
      [ref[i]!, REF_COLOR],
      [cur[i]!, CUR_COLOR],
    ] as const) {
      const h = (share / max) * plotH;
      parts.push(
        `<rect x="${n(left + i * bw)}" y="${n(top + plotH - h)}" width="${n(Math.max(bw - 1, 0.5))}" height="${n(h)}" fill="${color}" fill-opacity="0.55"><title>${escapeHtml(tip)}</title></rect>`,
      );
    }
  }
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#555"/>`;
  const ticks = [
    text(left, height - 8, formatNumber(edges[0]!), 'start'),
    text(left + plotW, height - 8, formatNumber(edges[edges.length - 1]!), 'end'),
    text(left - 4, top + 10, formatPercent(max), 'end'),
    text(left - 4, top + plotH, '0%', 'end'),
  ];
  return svg(height, label, [axis, ...parts, ...ticks]);
}

function categorySvg(
  bars: readonly { label: string; reference: number; current: number }[],
  label: string,
): string {
  const row = 26;
  const left = 200;
  const top = 6;
  const height = top + bars.length * row + 6;
  const plotW = WIDTH - left - 60;
  const max = Math.max(...bars.map((b) => Math.max(b.reference, b.current)), 1e-12);
  const parts: string[] = [];
  bars.forEach((b, i) => {
    const y = top + i * row;
    const name = b.label.length > 28 ? `${b.label.slice(0, 27)}…` : b.label;
    parts.push(text(left - 6, y + 15, name, 'end'));
    const tip = `${b.label}: reference ${formatPercent(b.reference)}, current ${formatPercent(b.current)}`;
    for (const [k, share, color] of [
      [0, b.reference, REF_COLOR],
      [1, b.current, CUR_COLOR],
    ] as const) {
      const w = (share / max) * plotW;
      parts.push(
        `<rect x="${left}" y="${n(y + 2 + k * 11)}" width="${n(w)}" height="10" fill="${color}"><title>${escapeHtml(tip)}</title></rect>`,
      );
      parts.push(text(left + w + 4, y + 11 + k * 11, formatPercent(share), 'start'));
    }
  });
  return svg(height, label, parts);
}

function svg(height: number, label: string, parts: readonly string[]): string {
  return `<svg class="plot" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(label)}">${parts.join('')}</svg>`;
}

function text(x: number, y: number, content: string, anchor: 'start' | 'end'): string {
  return `<text x="${n(x)}" y="${n(y)}" text-anchor="${anchor}">${escapeHtml(content)}</text>`;
}

function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}
