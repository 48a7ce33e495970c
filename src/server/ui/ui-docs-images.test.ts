import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The web UI's user guide (docs/ui.md) and its screenshots (docs/images/ui/, written by `npm run
 * docs:screenshots`): every image the guide shows exists, and every screenshot is shown, so a renamed or
 * dropped page cannot leave a broken image or a stale PNG behind.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const docs = join(repo, 'docs');
const guide = readFileSync(join(docs, 'ui.md'), 'utf8');
const folder = join(docs, 'images/ui');
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The targets of the guide's Markdown images (`![alt](target)`) and HTML images (`<img src="target">`). */
function imageTargets(markdown: string): string[] {
  const markdownImages = [...markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)];
  const htmlImages = [...markdown.matchAll(/<img\s[^>]*src="([^"]+)"/g)];
  return [...markdownImages, ...htmlImages].flatMap((m) => (m[1] === undefined ? [] : [m[1]]));
}

describe('docs/ui.md and its screenshots', () => {
  const targets = imageTargets(guide);
  const pngs = readdirSync(folder).filter((name) => name.endsWith('.png'));

  it('shows the screenshots of the main pages', () => {
    expect(targets.length).toBeGreaterThanOrEqual(10);
    expect(pngs.length).toBeGreaterThanOrEqual(10);
  });

  it('every image it shows exists and is a PNG under docs/images/ui/', () => {
    for (const target of targets) {
      const file = resolve(docs, target);
      expect(file.startsWith(`${folder}/`), target).toBe(true);
      expect(readFileSync(file).subarray(0, 8).equals(pngSignature), target).toBe(true);
    }
  });

  it('every PNG under docs/images/ui/ is shown by the guide, and the folder stays small', () => {
    const shown = new Set(targets.map((t) => resolve(docs, t)));
    for (const png of pngs) expect(shown.has(join(folder, png)), png).toBe(true);
    const sizes = pngs.map((png) => statSync(join(folder, png)).size);
    for (const [i, size] of sizes.entries()) expect(size, pngs[i]).toBeLessThan(250 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(3 * 1024 * 1024);
  });

  it('reads both image syntaxes', () => {
    expect(imageTargets('![a](images/ui/a.png) and <img alt="b" src="images/ui/b.png" width="300">')).toEqual(
      ['images/ui/a.png', 'images/ui/b.png'],
    );
  });
});
