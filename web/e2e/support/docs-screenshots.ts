/**
 * `npm run docs:screenshots`: the PNGs of docs/ui.md (docs/images/ui/), taken from the same fixture servers as
 * the browser tests (support/main-fixture.ts populated by the real mlflow client, support/auth-fixture.ts for
 * sign-in and administration) in Debian's Chromium, light theme, 1280×800, plus the runs list and a run page at
 * phone size (390×844). Chromium's PNGs of these pages are 20-90 KB each, so they are kept as written. Builds
 * dist/ first unless BOSUN_TEST_SKIP_BUILD=1. src/server/ui/ui-docs-images.test.ts checks that docs/ui.md
 * shows every PNG, that every image it shows exists, and their sizes.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { testPython } from '../../../src/shared/test-support/test-python';
import { startAuthFixture, type AuthE2eContext } from './auth-fixture';
import type { E2eContext } from './fixture-data';
import { buildUnlessSkipped, debianChromium, repo } from './fixture-server';
import { startMainFixture } from './main-fixture';
import { launchSession, signInThroughForm, type UiSession } from './ui-session';

/** Where the PNGs go, relative to the repository. */
export const screenshotFolder = 'docs/images/ui';

const out = join(repo, screenshotFolder);
const MINUTE = 60_000;
const MONITORED = 'churn-classifier';

type Json = Record<string, unknown>;

async function call(baseUrl: string, path: string, body: Json): Promise<Json> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * A monitored model for the monitoring page, through the monitoring API as a user's service would: a version,
 * a reference of 300 rows, one monitor and six one-minute windows of predictions, the fourth and fifth drifted.
 */
async function populateMonitoring(baseUrl: string): Promise<void> {
  const mlflow = '/api/2.0/mlflow';
  const mon = `/api/bosun/v1/monitoring/models/${MONITORED}`;
  await call(baseUrl, `${mlflow}/registered-models/create`, { name: MONITORED });
  const run = (await call(baseUrl, `${mlflow}/runs/create`, { experiment_id: '0' })).run as Json;
  const runId = String((run.info as Json).run_id);
  await call(baseUrl, `${mlflow}/model-versions/create`, {
    name: MONITORED,
    source: `runs:/${runId}/model`,
    run_id: runId,
  });
  const cities = ['paris', 'lyon', 'nantes'];
  const reference = (
    await call(baseUrl, `${mon}/references`, {
      name: 'training',
      version: '1',
      rows: Array.from({ length: 300 }, (_, i) => ({
        tenure: (i + 0.5) / 10,
        charges: 20 + ((i * 37) % 100),
        city: cities[i % 3] ?? 'paris',
      })),
    })
  ).reference as Json;
  const monitor = (
    await call(baseUrl, `${mon}/monitors`, {
      name: 'inputs',
      version: '1',
      reference_id: reference.reference_id,
      window_ms: MINUTE,
      schedule_ms: 5 * MINUTE,
    })
  ).monitor as Json;
  const t0 = Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE;
  for (let w = 0; w < 6; w++) {
    const drifted = w === 3 || w === 4;
    await call(baseUrl, `${mon}/predictions`, {
      version: '1',
      records: Array.from({ length: 120 }, (_, j) => ({
        features: {
          tenure: (j + 0.5) / 4 + (drifted ? 25 : 0),
          charges: 20 + ((j * 37) % 100),
          city: drifted && j % 2 === 0 ? 'marseille' : (cities[j % 3] ?? 'paris'),
        },
        prediction: j % 2,
        label: (j + (drifted ? 1 : 0)) % 2,
        timestamp: t0 + w * MINUTE + j * 400,
        request_id: `w${w}-${j}`,
      })),
    });
    await call(baseUrl, `${mon}/monitors/${String(monitor.monitor_id)}/run`, {
      window_end: t0 + (w + 1) * MINUTE,
    });
  }
}

/** Waits until the page shows `selector` (with `text`), then lets charts and fonts settle. */
async function settle(page: Page, selector: string, text?: string): Promise<void> {
  const target = page.locator(selector, text === undefined ? {} : { hasText: text }).first();
  await target.waitFor({ state: 'visible', timeout: 60_000 });
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(400);
}

/** Writes `name.png` of what the window shows. */
async function shoot(page: Page, name: string): Promise<void> {
  const file = join(out, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  console.log(`${screenshotFolder}/${name}.png ${(statSync(file).size / 1024).toFixed(0)} KB`);
}

/** Scrolls so that `selector`'s top is near the window's top. */
async function scrollTo(page: Page, selector: string): Promise<void> {
  await page
    .locator(selector)
    .first()
    .evaluate((element) => window.scrollTo(0, element.getBoundingClientRect().top + window.scrollY - 12));
  await page.waitForTimeout(300);
}

/**
 * Takes every screenshot from the two fixture servers (already started and populated; the monitored model is
 * added here) into docs/images/ui/. Throws if a page logged an error.
 */
export async function takeScreenshots(
  chromium: string,
  mainFixture: Omit<E2eContext, 'chromium'>,
  authFixture: AuthE2eContext,
): Promise<void> {
  mkdirSync(out, { recursive: true });
  const sessions: UiSession[] = [];
  try {
    const { baseUrl, data } = mainFixture;
    await populateMonitoring(baseUrl);
    const ui = (hash: string) => `${baseUrl}/${hash}`;
    const runs = data.runs_experiment;
    const arts = data.artifacts_experiment;
    const registry = data.registry;

    const desk = await launchSession(chromium);
    sessions.push(desk);
    const { page } = desk;
    await page.goto(ui('#/experiments'));
    await settle(page, 'main table tbody tr', 'ui-e2e-runs');
    await shoot(page, 'experiments');

    await page.goto(ui(`#/experiments/${runs.id}?sort=-metrics.accuracy`));
    await settle(page, '[role=grid] [role=rowheader]', 'tree-e');
    await shoot(page, 'runs-table');

    await page.goto(ui(`#/experiments/${arts.id}/runs/${arts.parent.id}`));
    await settle(page, '#logged-models-title');
    await shoot(page, 'run-page');

    await page.goto(ui(`#/experiments/${arts.id}/runs/${arts.parent.id}?artifact=model/MLmodel`));
    await settle(page, '.artifact-preview h3#preview-title', 'model/MLmodel');
    await scrollTo(page, 'h2:text-is("Artifacts")');
    await shoot(page, 'run-artifacts');

    const children = arts.children.map((c) => c.id).join(',');
    await page.goto(ui(`#/charts?runs=${children}&metrics=loss&outliers=hide`));
    await settle(page, 'canvas');
    await page.waitForTimeout(800);
    await shoot(page, 'charts');

    await page.goto(ui(`#/compare?runs=${runs.runs.map((r) => r.id).join(',')}`));
    await settle(page, 'main table tbody tr');
    await page.waitForTimeout(800);
    await shoot(page, 'compare');

    await page.goto(ui(`#/experiments/${arts.id}/logged-models/${arts.logged_model.id}`));
    await settle(page, 'h1', arts.logged_model.name);
    await shoot(page, 'logged-model');

    await page.goto(ui(`#/models/${encodeURIComponent(registry.model)}`));
    await settle(page, 'main table tbody tr');
    await shoot(page, 'registry-model');

    await page.goto(ui(`#/models/${encodeURIComponent(registry.model)}/versions/1`));
    await settle(page, 'svg a');
    await scrollTo(page, '#lineage-title');
    await shoot(page, 'lineage');

    await page.goto(ui(`#/models/${encodeURIComponent(registry.governed_model)}/versions/2`));
    await settle(page, '.scan-verdict');
    await settle(page, '#approvals-title');
    await scrollTo(page, '#governance-title');
    await shoot(page, 'model-version-governance');

    await page.goto(ui(`#/models/${MONITORED}/monitoring`));
    await settle(page, 'main svg');
    await page.waitForTimeout(800);
    await shoot(page, 'monitoring');

    const authUi = (hash: string) => `${authFixture.baseUrl}/${hash}`;
    await page.goto(authUi('#/admin/audit'));
    await settle(page, 'h1', 'Sign in to Bosun');
    await shoot(page, 'sign-in');
    const { admin } = authFixture.data;
    await signInThroughForm(page, admin.username, admin.password);
    await settle(page, 'main table tbody tr');
    await shoot(page, 'audit-log');
    await page.goto(authUi('#/admin/users'));
    await settle(page, 'table[aria-label=Users] tbody tr');
    await shoot(page, 'admin-users');

    const phone = await launchSession(chromium, { phone: true });
    sessions.push(phone);
    await phone.page.goto(ui(`#/experiments/${runs.id}?sort=-metrics.accuracy`));
    await settle(phone.page, '[role=grid] [role=rowheader]', 'tree-e');
    await shoot(phone.page, 'phone-runs');
    const best = runs.runs.find((r) => r.name === 'linear-b');
    await phone.page.goto(ui(`#/experiments/${runs.id}/runs/${best?.id ?? ''}`));
    await settle(phone.page, 'table[aria-labelledby=metrics-title] tbody tr');
    await shoot(phone.page, 'phone-run');

    const problems = sessions.flatMap((s) => s.problems);
    if (problems.length > 0) throw new Error(`the pages reported problems:\n${problems.join('\n')}`);
  } finally {
    for (const session of sessions) await session.close();
  }
}

/** Builds, starts both fixture servers, takes the screenshots, stops the servers. */
async function main(): Promise<void> {
  buildUnlessSkipped();
  const chromium = debianChromium();
  const python = testPython();
  const mainFixture = await startMainFixture(python);
  try {
    const authFixture = await startAuthFixture(python);
    try {
      await takeScreenshots(chromium, mainFixture.context, authFixture.context);
    } finally {
      await authFixture.stop();
    }
  } finally {
    await mainFixture.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
