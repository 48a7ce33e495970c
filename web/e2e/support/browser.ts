import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import type { E2eContext } from './fixture-data';

/** The shared fixture of global-setup.ts. */
export function e2e(): E2eContext {
  return inject('e2e');
}

/** A browser page on the test server that records what would be a defect even when the page looks right. */
export interface UiSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and Content-Security-Policy violations seen so far. */
  problems: string[];
  /** Every `runs/search` request body sent so far. */
  runSearches: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Launches Debian's Chromium (headless) with a 1280×800 window, as the target screen. */
export async function openSession(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<UiSession> {
  const { chromium: executablePath } = e2e();
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const runSearches: Record<string, unknown>[] = [];
  page.on('console', (message) => {
    // A refused API call (4xx) is logged by the browser itself; the tests check the page shows the refusal.
    const refusedCall = /^Failed to load resource: the server responded with a status of 4\d\d/;
    if (message.type() === 'error' && !refusedCall.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('request', (request) => {
    if (request.url().endsWith('/api/2.0/mlflow/runs/search')) {
      runSearches.push(JSON.parse(request.postData() ?? '{}') as Record<string, unknown>);
    }
  });
  return {
    browser,
    context,
    page,
    problems,
    runSearches,
    close: async () => {
      await context.close();
      await browser.close();
    },
  };
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
