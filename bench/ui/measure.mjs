// Measures one web UI in Debian's Chromium (playwright-core, no browser download): time to first rows, time to
// sort by a metric, time to apply a filter, long frames while scrolling, and the gzipped size of the initial
// load. Driven by bench/ui/ui_bench.py, which starts the servers and fills them; prints one JSON object.
// Usage: node bench/ui/measure.mjs '<json spec>'  (spec: chromium, base, pages{first,sort,filter}, expect{...})
/* global window, document, performance, requestAnimationFrame, PerformanceObserver, URL */
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const spec = JSON.parse(process.argv[2]);
const timeoutMs = 300_000;

const browser = await chromium.launch({
  executablePath: spec.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});

/** A fresh context (cold cache) at 1280×800. */
async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  return { context, page };
}

/** Milliseconds from navigating to `url` until `text` is visible in the page. */
async function timeUntilText(page, url, text) {
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit', timeout: timeoutMs });
  await page.getByText(text, { exact: true }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return Date.now() - t0;
}

const out = { target: spec.target };

// 1. Initial load: every document, script, stylesheet and font of the first page, gzipped here (level 6).
{
  const { context, page } = await freshPage();
  const bodies = [];
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (['document', 'script', 'stylesheet', 'font'].includes(type)) bodies.push(response);
  });
  out.first_rows_ms = await timeUntilText(page, spec.pages.first, spec.expect.first);
  await page.waitForLoadState('networkidle', { timeout: timeoutMs }).catch(() => {});
  let raw = 0;
  let gzipped = 0;
  const files = [];
  for (const r of bodies) {
    const body = await r.body().catch(() => undefined);
    if (body === undefined) continue;
    raw += body.length;
    const gz = gzipSync(body).length;
    gzipped += gz;
    files.push({ url: r.url().replace(spec.base, ''), bytes: body.length, gzipped: gz });
  }
  out.initial_load = {
    files: files.length,
    bytes: raw,
    gzipped_bytes: gzipped,
    largest: files.sort((a, b) => b.gzipped - a.gzipped).slice(0, 5),
  };

  // 2. Long frames while scrolling the runs table: 60 wheel turns of 400 px, 50 ms apart, over the table.
  await page.evaluate(() => {
    const w = window;
    w.__frames = [];
    w.__longtasks = [];
    let last = performance.now();
    const tick = (now) => {
      w.__frames.push(now - last);
      last = now;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longtasks.push(e.duration);
      }).observe({ type: 'longtask' });
    } catch {
      // no longtask support
    }
  });
  await page.mouse.move(spec.scroll_at[0], spec.scroll_at[1]);
  for (let i = 0; i < 60; i++) {
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(50);
  }
  await page.waitForTimeout(500);
  const scroll = await page.evaluate(() => {
    const w = window;
    w.__stop = true;
    return { frames: w.__frames.slice(1), longtasks: w.__longtasks };
  });
  const long = scroll.frames.filter((d) => d > 50);
  out.scroll = {
    frames: scroll.frames.length,
    long_frames_over_50ms: long.length,
    worst_frame_ms: Math.round(Math.max(0, ...scroll.frames)),
    long_tasks: scroll.longtasks.length,
    long_task_ms_total: Math.round(scroll.longtasks.reduce((a, b) => a + b, 0)),
    rows_text_after: await page.evaluate(() => document.body.innerText.match(/run-\d{6}/g)?.length ?? 0),
  };
  await context.close();
}

// 3. Sort by a metric and 4. apply a filter: from the URL that holds that state (as a user's click writes it)
// to the expected first run on screen, on a page already showing the runs.
for (const step of ['sort', 'filter']) {
  const { context, page } = await freshPage();
  await timeUntilText(page, spec.pages.first, spec.expect.first);
  const t0 = Date.now();
  await page.evaluate((hash) => {
    window.location.hash = hash;
  }, new URL(spec.pages[step]).hash);
  // A UI that never shows the expected run within the step budget is recorded as such, not as a crash.
  const budget = Number(spec.step_timeout_ms ?? timeoutMs);
  try {
    await page
      .getByText(spec.expect[step], { exact: true })
      .first()
      .waitFor({ state: 'visible', timeout: budget });
    out[`${step}_ms`] = Date.now() - t0;
  } catch (err) {
    if (err?.name !== 'TimeoutError') throw err;
    out[`${step}_ms`] = null;
    out[`${step}_timed_out_after_ms`] = budget;
  }
  await context.close();
}

await browser.close();
console.log(JSON.stringify(out));
