import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import type { E2eContext } from './fixture-data';
import { launchSession, type SessionOptions, type UiSession } from './ui-session';

export { phone, type SessionOptions, type UiSession } from './ui-session';

/** The shared fixture of global-setup.ts. */
export function e2e(): E2eContext {
  return inject('e2e');
}

/**
 * Launches Debian's Chromium (headless) with a 1280×800 window, as the target screen, or with
 * `phone: true` a touch screen of 390×844 (see ui-session.ts).
 */
export function openSession(options: SessionOptions = {}): Promise<UiSession> {
  return launchSession(e2e().chromium, options);
}

/** The URL of a page of the UI: `ui('#/experiments/1')`. */
export function ui(hash: string): string {
  return `${e2e().baseUrl}/${hash}`;
}

/**
 * Runs axe-core in the page (injected through the DevTools protocol, so the page's CSP stays as served) and
 * fails on any serious or critical violation, naming the rule and the elements.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ['violations'],
    }),
  );
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad, `accessibility of ${what}`).toEqual([]);
}

/** The visible text of the grid's body rows (run name cell first), top to bottom. */
export async function gridRowNames(page: Page): Promise<string[]> {
  return page.locator('[role=grid] [role=row] [role=rowheader]').allInnerTexts();
}

/** The query of a page URL's hash (`…/#/experiments/1?sort=x` ⇒ sort=x): where the UI keeps a page's state. */
export function hashQuery(url: string): URLSearchParams {
  const hash = new URL(url).hash;
  const questionMark = hash.indexOf('?');
  return new URLSearchParams(questionMark === -1 ? '' : hash.slice(questionMark + 1));
}
