import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  e2e,
  expectAccessible,
  gridRowNames,
  openSession,
  phone,
  ui,
  type UiSession,
} from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

let session: UiSession;
beforeAll(async () => {
  session = await openSession({ phone: true });
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

/**
 * The page must not scroll sideways on a phone: its width is at most the screen's, and the screen is still the
 * phone's 390 CSS pixels (a mobile browser zooms out to fit a page wider than the screen, which would widen
 * innerWidth and hide the overflow from the first check).
 */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { pageWidth, screen } = await page.evaluate(() => ({
    pageWidth: document.scrollingElement?.scrollWidth ?? Number.POSITIVE_INFINITY,
    screen: window.innerWidth,
  }));
  expect(screen).toBe(phone.width);
  expect(pageWidth).toBeLessThanOrEqual(screen);
}

/** Whether an element lies wholly inside the screen's width (it may be further down the page). */
const insideScreenWidth = (page: Page, selector: string, text: string) =>
  page
    .locator(selector, { hasText: text })
    .first()
    .evaluate((element) => {
      const box = element.getBoundingClientRect();
      return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
    });

describe('on a phone, 390×844 (issue 11, point 11: usable on a phone, runs list and run page at least)', () => {
  it('the runs list shows the run names and a metric without scrolling the page sideways; a tap opens a run', async () => {
    const { page } = session;
    const exp = e2e().data.runs_experiment;
    await page.goto(ui(`#/experiments/${exp.id}?sort=-metrics.accuracy`));
    const best = [...exp.runs].sort((a, b) => b.accuracy - a.accuracy)[0];
    await poll(() => gridRowNames(page).then((names) => names[0])).toBe(best?.name);
    // Every run name is visible in the screen's width (the grid's pinned name column), the page does not
    // scroll sideways (the grid scrolls inside its own box).
    for (const run of exp.runs) {
      expect(await insideScreenWidth(page, '[role=grid] [role=rowheader]', run.name), run.name).toBe(true);
    }
    await expectNoSidewaysScroll(page);
    // The metric columns are further right: a swipe scrolls the grid (not the page) until the best run's
    // accuracy is on screen, with its run name still beside it (the pinned name column).
    const bestRow = page.locator('[role=grid] [role=row]', {
      has: page.locator('[role=rowheader]', { hasText: best?.name }),
    });
    const accuracyCell = bestRow.locator('[role=gridcell]', { hasText: String(best?.accuracy) });
    const onScreen = (cell: Element) => {
      const box = cell.getBoundingClientRect();
      return box.left >= 0 && box.right <= window.innerWidth;
    };
    await poll(async () => {
      if ((await accuracyCell.count()) === 1 && (await accuracyCell.evaluate(onScreen))) return true;
      await page.locator('.grid-scroller').evaluate((grid) => grid.scrollBy({ left: 120 }));
      return false;
    }).toBe(true);
    expect(await page.locator('.grid-scroller').evaluate((grid) => grid.scrollLeft)).toBeGreaterThan(0);
    expect(await bestRow.locator('[role=rowheader]').evaluate(onScreen)).toBe(true);
    expect(await page.evaluate(() => window.scrollX)).toBe(0);
    await expectNoSidewaysScroll(page);
    await expectAccessible(page, 'the runs list on a phone');

    await page.getByRole('link', { name: best?.name }).tap();
    await poll(() => page.locator('h1').innerText()).toBe(best?.name);
    expect(page.url()).toBe(ui(`#/experiments/${exp.id}/runs/${best?.id}`));
  });

  it('the run page shows the status, params and metrics without scrolling the page sideways; tapping the experiment link goes back', async () => {
    const { page } = session;
    const exp = e2e().data.runs_experiment;
    const run = exp.runs.find((r) => r.name === 'linear-b');
    await page.goto(ui(`#/experiments/${exp.id}/runs/${run?.id}`));
    await poll(() => page.locator('h1').innerText()).toBe('linear-b');
    // Wait for the last sections (charts, artifacts) so the width is measured on the whole page.
    await poll(() => page.locator('h2').allInnerTexts()).toContain('Artifacts');
    await expectNoSidewaysScroll(page);
    expect(await insideScreenWidth(page, 'dl.facts dd', 'FINISHED')).toBe(true);
    expect(await insideScreenWidth(page, 'dl.facts dd', run?.id ?? '')).toBe(true);
    const params: [string, string][] = [
      ['lr', run?.lr ?? ''],
      ['model', 'linear'],
    ];
    for (const [key, value] of params) {
      const row = page.locator('table[aria-labelledby=params-title] tbody tr', { hasText: key });
      expect(await row.locator('td').first().innerText(), key).toBe(value);
      expect(await insideScreenWidth(page, 'table[aria-labelledby=params-title] td', value), key).toBe(true);
    }
    const accuracy = String(run?.accuracy);
    expect(await insideScreenWidth(page, 'table[aria-labelledby=metrics-title] td', accuracy)).toBe(true);
    await expectAccessible(page, 'the run page on a phone');

    await page.getByRole('link', { name: `Experiment ${exp.id}` }).tap();
    await poll(() => page.locator('h1').innerText()).toBe('ui-e2e-runs');
    expect(page.url()).toBe(ui(`#/experiments/${exp.id}`));
  });

  it('the main navigation fits the screen and a tap on Models opens the registry', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await poll(() => page.locator('h1').innerText()).toBe('Experiments');
    for (const name of await page.locator('nav[aria-label=Main] a').allInnerTexts()) {
      expect(await insideScreenWidth(page, 'nav[aria-label=Main] a', name), name).toBe(true);
    }
    await expectNoSidewaysScroll(page);
    await page.locator('nav[aria-label=Main] a', { hasText: 'Models' }).tap();
    await poll(() => page.locator('h1').innerText()).toBe('Registered models');
  });
});
