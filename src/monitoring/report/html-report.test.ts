import { describe, expect, it } from 'vitest';
import { EVIDENTLY_PRESET } from '../stats/index.js';
import { buildDriftReport, escapeHtml, renderDriftHtml } from './index.js';

const XSS = '<script>alert(1)</script>';
const ATTR = '" onmouseover="alert(2)';

function page(): string {
  const ref = Array.from({ length: 60 }, (_, i) => i / 10);
  const cur = ref.map((x) => x + 1.5);
  const cats = (s: string) =>
    Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? s : i % 3 === 1 ? 'b' : ATTR));
  return renderDriftHtml(
    buildDriftReport({
      reference: { name: `ref-${XSS}.csv`, rows: 60 },
      current: { name: 'cur.csv', rows: 60 },
      referenceColumns: { [XSS]: ref, city: cats(XSS), [ATTR]: cats('a') },
      currentColumns: { [XSS]: cur, city: cats('b'), [ATTR]: cats('b') },
      preset: EVIDENTLY_PRESET,
    }),
  );
}

describe('renderDriftHtml', () => {
  const html = page();

  it('escapes column names, categories and file names everywhere', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('alert(1)</script>');
    expect(html).not.toContain(ATTR);
    expect(html).not.toMatch(/\son\w+="/i); // no event-handler attribute survives (only its escaped text)
    expect(html).toContain(escapeHtml(XSS));
    expect(html).toContain('&quot; onmouseover=&quot;alert(2)');
    // the name appears in the table, its section heading and the plot's label; the category in bars and tooltips
    expect(html.split('&lt;script&gt;alert(1)&lt;/script&gt;').length).toBeGreaterThan(5);
  });

  it('is self-contained: no scripts, no URLs, nothing fetched, a CSP that forbids loading', () => {
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|use)\b/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#column-\d+")/i); // only in-page anchors
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('draws a histogram overlay for numbers and bar pairs for categories, and names the statistic', () => {
    const sections = html.split('<section').slice(1);
    expect(sections).toHaveLength(3);
    const numeric = sections[0]!;
    expect(numeric).toContain('<strong>ks</strong>: two-sample Kolmogorov-Smirnov p-value');
    expect(numeric).toMatch(/D = 0\.\d+, p-value /);
    expect(numeric.match(/<rect /g)!.length % 2).toBe(0); // a reference and a current bar per bin
    expect(numeric).toMatch(/<title>\[0, [\d.]+\): reference [\d.]+%, current [\d.]+%<\/title>/);
    const city = sections[1]!;
    expect(city).toContain('<strong>chisquare</strong>');
    expect(city).toContain(
      '<title>&lt;script&gt;alert(1)&lt;/script&gt;: reference 33.3%, current 0.0%</title>',
    );
    expect(html).toMatch(/class="verdict drift">Dataset drift detected: \d of 3 tested columns drifted/);
  });
});
