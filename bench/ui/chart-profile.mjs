// Where the chart page's time goes (issue 11, point 6): opens Bosun's chart page in Debian's Chromium
// (playwright-core) `repeats` times, each in a fresh context, and prints, per load and as medians:
//  - the waterfall from the page's own Resource Timing entries (ms since navigation start): the document, the
//    scripts, the first and last API requests, each API route's requests (count, first start, last end) and, for
//    the sampled histories, the wait for the first byte (the server's time plus one local round trip) and the
//    download;
//  - when the chart was drawn (the same DOM signal as measure.mjs, from chart-drawn.mjs);
//  - the renderer's JS: a CDP CPU profile from navigation to drawn, self time summed per function (top 12),
//    and the total of the page's long tasks.
// Usage: node bench/ui/chart-profile.mjs '{"chromium": "/usr/bin/chromium", "url": "http://…/#/charts?…",
//   "runs": 100, "repeats": 5}'
/* global window, performance, PerformanceObserver, URL */
import { chromium } from 'playwright-core';
import { installDrawnSignal } from './chart-drawn.mjs';

const spec = JSON.parse(process.argv[2]);
const repeats = Number(spec.repeats ?? 5);
const capMs = Number(spec.cap_ms ?? 120_000);

const browser = await chromium.launch({
  executablePath: spec.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});

function median(values) {
  const s = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (v) => (typeof v === 'number' ? Math.round(v) : v);

/** The API route of a URL (`/api/2.0/mlflow/runs/get`), or the kind of static file. */
function routeOf(url) {
  const u = new URL(url);
  if (u.pathname.startsWith('/api/')) return u.pathname;
  if (u.pathname.endsWith('.js')) return 'script';
  if (u.pathname.endsWith('.css')) return 'stylesheet';
  return u.pathname;
}

/** One load of the page: waterfall, drawn time, CPU profile summary. */
async function profileOnce() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  await installDrawnSignal(page, { n: Number(spec.runs), target: 'bosun' });
  await page.addInitScript(() => {
    window.__longTaskMs = 0;
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTaskMs += e.duration;
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      // no longtask support
    }
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(spec.url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__chartDrawnAt !== undefined, undefined, {
    timeout: capMs,
    polling: 50,
  });
  const { profile } = await cdp.send('Profiler.stop');
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      drawn: window.__chartDrawnAt,
      longTaskMs: window.__longTaskMs,
      document: { responseEnd: nav.responseEnd, domContentLoaded: nav.domContentLoadedEventEnd },
      resources: performance.getEntriesByType('resource').map((e) => ({
        name: e.name,
        startTime: e.startTime,
        requestStart: e.requestStart,
        responseStart: e.responseStart,
        responseEnd: e.responseEnd,
        bytes: e.encodedBodySize,
      })),
    };
  });
  await context.close();

  const routes = {};
  for (const r of timing.resources) {
    const key = routeOf(r.name);
    const g = (routes[key] ??= { count: 0, first_start: Infinity, last_end: 0, bytes: 0 });
    g.count += 1;
    g.first_start = Math.min(g.first_start, r.startTime);
    g.last_end = Math.max(g.last_end, r.responseEnd);
    g.bytes += r.bytes;
    if (key.endsWith('/sampled-histories')) {
      g.wait_first_byte = r.responseStart - r.requestStart;
      g.download = r.responseEnd - r.responseStart;
    }
  }
  for (const g of Object.values(routes)) for (const k of Object.keys(g)) g[k] = round(g[k]);

  // Self time per function from the sampled profile (each sample's node gets its time delta).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const f = byId.get(id).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    if (f.functionName !== '(idle)' && f.functionName !== '(program)') total += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, ms]) => ({ name, ms: round(ms) }));
  return {
    drawn_ms: round(timing.drawn),
    document_end_ms: round(timing.document.responseEnd),
    dom_content_loaded_ms: round(timing.document.domContentLoaded),
    long_task_ms: round(timing.longTaskMs),
    js_busy_ms: round(total),
    routes,
    top_self_time: top,
  };
}

const samples = [];
for (let i = 0; i < repeats; i++) samples.push(await profileOnce());
await browser.close();

const pick = (get) => median(samples.map(get));
const routeKeys = [...new Set(samples.flatMap((s) => Object.keys(s.routes)))];
const medians = {
  drawn_ms: pick((s) => s.drawn_ms),
  document_end_ms: pick((s) => s.document_end_ms),
  dom_content_loaded_ms: pick((s) => s.dom_content_loaded_ms),
  long_task_ms: pick((s) => s.long_task_ms),
  js_busy_ms: pick((s) => s.js_busy_ms),
  routes: Object.fromEntries(
    routeKeys.map((k) => [
      k,
      Object.fromEntries(
        ['count', 'first_start', 'last_end', 'wait_first_byte', 'download', 'bytes'].map((f) => [
          f,
          pick((s) => s.routes[k]?.[f]),
        ]),
      ),
    ]),
  ),
};
console.log(JSON.stringify({ url: spec.url, repeats, medians, samples }));
