import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/** The phone the UI must be usable on (issue 11, point 11): 390×844 CSS pixels, touch, a mobile viewport. */
export const phone = { width: 390, height: 844 } as const;

/** The colour scheme the browser reports (the UI follows it) and whether the screen is a phone's. */
export interface SessionOptions {
  colorScheme?: 'light' | 'dark';
  phone?: boolean;
}

/**
 * Launches Debian's Chromium (headless) at `executablePath` with a 1280×800 window, as the target
 * screen, or with `phone: true` a touch screen of 390×844 (`page.tap` works, the meta viewport applies). Free
 * of vitest, so that scripts (docs-screenshots.ts) use it too; tests call browser.ts's openSession.
 */
export async function launchSession(
  executablePath: string,
  options: SessionOptions = {},
): Promise<UiSession> {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const context = await browser.newContext({
    viewport: options.phone === true ? phone : { width: 1280, height: 800 },
    ...(options.phone === true ? { hasTouch: true, isMobile: true } : {}),
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
    // React's development build says this at start: the UI under test must be the production build users get.
    if (message.text().includes('Download the React DevTools')) {
      problems.push(`a development build of React: ${message.text()}`);
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
/** Signs in through the sign-in form the UI shows to a signed-out browser, and waits for the top bar to say so. */
export async function signInThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.locator('h1', { hasText: 'Sign in to Bosun' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.user-menu', { hasText: `Signed in as ${username}` }).waitFor();
}
