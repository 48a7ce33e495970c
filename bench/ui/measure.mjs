// Measures one web UI in Debian's Chromium (playwright-core, no browser download). Driven by bench/ui/ui_bench.py,
// which starts the servers and fills them; prints one JSON object (every sample and its median).
// Usage: node bench/ui/measure.mjs '<json spec>'
// (spec: chromium, base, parts ['table','sortfilter','chart'], repeats, pages{first,sort,filter,chart}, expect{...},
// chart_runs)
//
// table: time to first rows, long frames while wheel-scrolling, frame rate and long frames while scrolling at a
//   steady speed from the top to a deep position, gzipped initial load.
// sortfilter: time to sort by a metric and to apply a filter.
// chart: time from navigation to a chart of `chart_runs` series drawn, the page's JS heap (CDP
//   Performance.getMetrics) and the renderer process's RSS (/proc).
/* global window, document, performance, requestAnimationFrame, PerformanceObserver, URL, getComputedStyle */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { installDrawnSignal } from './chart-drawn.mjs';

const spec = JSON.parse(process.argv[2]);
const timeoutMs = 300_000;
const repeats = Number(spec.repeats ?? 1);
const parts = spec.parts ?? ['table'];

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

/** The median of the numbers (null when there are none). */
function median(values) {
  const s = values.filter((v) => typeof v === 'number').sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** {samples, median} of one measure, numbers rounded to whole ms. */
const summary = (samples) => ({ median: median(samples), samples });

/**
 * The renderer processes of this script's Chromium (/proc entries whose parent chain reaches this process), each
 * with its RSS (VmRSS, kB) and the CPU time it has used (utime + stime of /proc/<pid>/stat, all its threads, ms).
 */
function ourRenderers() {
  const parent = new Map();
  const renderers = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      parent.set(Number(name), ppid);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes('--type=renderer')) {
        // fields after the command name "(...)": state is the 3rd field, utime the 14th and stime the 15th
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        renderers.push({
          pid: Number(name),
          rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
          cpuMs: (ticks * 1000) / clockTicks,
        });
      }
    } catch {
      // the process ended meanwhile
    }
  }
  const ours = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parent.get(p) ?? 0, hops++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return renderers.filter((r) => ours(r.pid));
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const clockTicks = 100;

/** The RSS of each of our renderer processes, kB. */
const rendererRssKb = () => ourRenderers().map((r) => r.rssKb);

/** CPU time each of our renderer processes has used so far, ms, by pid. */
const rendererCpu = () => new Map(ourRenderers().map((r) => [r.pid, r.cpuMs]));

/**
 * The CPU time the busiest of our renderers used since `before` (a {@link rendererCpu} snapshot; a renderer
 * started since then counts from zero): the page's renderer, in ms. Unlike frame times, it does not grow when
 * other processes take the machine's cores.
 */
function pageCpuMsSince(before) {
  let most = 0;
  for (const [pid, ms] of rendererCpu()) most = Math.max(most, ms - (before.get(pid) ?? 0));
  return Math.round(most);
}

const out = { target: spec.target, repeats };

if (parts.includes('table')) {
  const firstRows = [];
  const wheel = [];
  const steady = [];
  for (let rep = 0; rep < repeats; rep++) {
    // 1. First rows, and (first repetition) the initial load: every document, script, stylesheet and font of the
    // first page, gzipped here (level 6).
    const { context, page } = await freshPage();
    const bodies = [];
    if (rep === 0) {
      page.on('response', (response) => {
        const type = response.request().resourceType();
        if (['document', 'script', 'stylesheet', 'font'].includes(type)) bodies.push(response);
      });
    }
    firstRows.push(await timeUntilText(page, spec.pages.first, spec.expect.first));
    if (rep === 0) {
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
    } else {
      await page.waitForTimeout(1000);
    }

    // 2. Long frames while wheel-scrolling the runs table: 60 wheel turns of 400 px, 50 ms apart, over the table.
    await page.evaluate(() => {
      const w = window;
      w.__frames = [];
      w.__longtasks = [];
      w.__stop = false;
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
    wheel.push({
      frames: scroll.frames.length,
      long_frames_over_50ms: scroll.frames.filter((d) => d > 50).length,
      worst_frame_ms: Math.round(Math.max(0, ...scroll.frames)),
      long_tasks: scroll.longtasks.length,
      long_task_ms_total: Math.round(scroll.longtasks.reduce((a, b) => a + b, 0)),
      rows_text_after: await page.evaluate(() => document.body.innerText.match(/run-\d{6}/g)?.length ?? 0),
    });
    await context.close();

    // 3. Steady scroll from the top towards a deep position, on a fresh page: the table's scrolling element (the
    // nearest scrollable ancestor of the point over the table) gets scrollTop = speed × elapsed in every animation
    // frame, up to `depth` px (further content loads as the table pages), for at most `max_ms`. Frame rate =
    // frames / elapsed; long frames = frame deltas > 50 ms; stalled = frames where the table's content ended
    // above the wanted position (it had not loaded that far yet).
    {
      const { context: c2, page: p2 } = await freshPage();
      await timeUntilText(p2, spec.pages.first, spec.expect.first);
      await p2.waitForTimeout(1000);
      const s = spec.steady_scroll;
      const cpuBefore = rendererCpu();
      const r = await p2.evaluate(
        async ({ x, y, speed, depth, maxMs }) => {
          let el = document.elementFromPoint(x, y);
          const scrollable = (e) =>
            e.scrollHeight > e.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(e).overflowY);
          while (el !== null && !scrollable(el)) el = el.parentElement;
          const scroller = el ?? document.scrollingElement;
          const longtasks = [];
          try {
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) longtasks.push(e.duration);
            }).observe({ type: 'longtask' });
          } catch {
            // no longtask support
          }
          const frames = [];
          let stalled = 0;
          return await new Promise((resolve) => {
            requestAnimationFrame((start) => {
              let last = start;
              const tick = (now) => {
                frames.push(now - last);
                last = now;
                const wanted = Math.min(depth, (speed * (now - start)) / 1000);
                scroller.scrollTop = wanted;
                if (scroller.scrollTop < wanted - 2) stalled++;
                if (wanted >= depth || now - start >= maxMs) {
                  resolve({
                    frames,
                    stalled,
                    elapsed: now - start,
                    reached: scroller.scrollTop,
                    scrollHeight: scroller.scrollHeight,
                    scroller: `${scroller.tagName.toLowerCase()}.${String(scroller.className).slice(0, 60)}`,
                    longtasks,
                  });
                } else requestAnimationFrame(tick);
              };
              requestAnimationFrame(tick);
            });
          });
        },
        { x: spec.scroll_at[0], y: spec.scroll_at[1], speed: s.speed, depth: s.depth, maxMs: s.max_ms },
      );
      // What the reader sees where the scroll stopped: run names on screen once they are drawn (at most 10 s).
      const t0 = Date.now();
      let names = [];
      while (Date.now() - t0 < 10_000) {
        names = await p2.evaluate(() => document.body.innerText.match(/run-\d{6}/g) ?? []);
        if (names.length > 0) break;
        await p2.waitForTimeout(100);
      }
      const cpuMs = pageCpuMsSince(cpuBefore);
      steady.push({
        renderer_cpu_ms: cpuMs,
        renderer_cpu_ms_per_frame: Math.round((cpuMs / Math.max(1, r.frames.length)) * 10) / 10,
        scroller: r.scroller,
        elapsed_ms: Math.round(r.elapsed),
        frames: r.frames.length,
        fps: Math.round((r.frames.length / r.elapsed) * 1000 * 10) / 10,
        long_frames_over_50ms: r.frames.filter((d) => d > 50).length,
        worst_frame_ms: Math.round(Math.max(0, ...r.frames)),
        p95_frame_ms: Math.round(
          r.frames.slice().sort((a, b) => a - b)[Math.floor(r.frames.length * 0.95)] ?? 0,
        ),
        long_tasks: r.longtasks.length,
        long_task_ms_total: Math.round(r.longtasks.reduce((a, b) => a + b, 0)),
        frames_behind_wanted_position: r.stalled,
        reached_px: Math.round(r.reached),
        scroll_height_px: Math.round(r.scrollHeight),
        run_names_on_screen_after: names.length,
        newest_run_on_screen_after: names.sort().at(-1) ?? null,
      });
      await c2.close();
    }
  }
  out.first_rows_ms = summary(firstRows);
  out.scroll = {
    method: '60 wheel turns of 400 px, 50 ms apart, over the table',
    long_frames_over_50ms: median(wheel.map((w) => w.long_frames_over_50ms)),
    worst_frame_ms: median(wheel.map((w) => w.worst_frame_ms)),
    samples: wheel,
  };
  out.steady_scroll = {
    method: `scrollTop = ${spec.steady_scroll.speed} px/s × elapsed each animation frame, up to ${spec.steady_scroll.depth} px, at most ${spec.steady_scroll.max_ms} ms`,
    fps: median(steady.map((w) => w.fps)),
    renderer_cpu_ms_per_frame: median(steady.map((w) => w.renderer_cpu_ms_per_frame)),
    long_frames_over_50ms: median(steady.map((w) => w.long_frames_over_50ms)),
    worst_frame_ms: median(steady.map((w) => w.worst_frame_ms)),
    reached_px: median(steady.map((w) => w.reached_px)),
    samples: steady,
  };
}

if (parts.includes('sortfilter')) {
  // 4. Sort by a metric and 5. apply a filter: from the URL that holds that state (as a user's click writes it)
  // to the expected first run on screen, on a page already showing the runs. A step that is not shown within the
  // step budget is recorded as such and not repeated.
  for (const step of ['sort', 'filter']) {
    const samples = [];
    let timedOut;
    for (let rep = 0; rep < repeats && timedOut === undefined; rep++) {
      const { context, page } = await freshPage();
      await timeUntilText(page, spec.pages.first, spec.expect.first);
      const t0 = Date.now();
      await page.evaluate((hash) => {
        window.location.hash = hash;
      }, new URL(spec.pages[step]).hash);
      const budget = Number(spec.step_timeout_ms ?? timeoutMs);
      try {
        await page
          .getByText(spec.expect[step], { exact: true })
          .first()
          .waitFor({ state: 'visible', timeout: budget });
        samples.push(Date.now() - t0);
      } catch (err) {
        if (err?.name !== 'TimeoutError') throw err;
        timedOut = budget;
      }
      await context.close();
    }
    out[`${step}_ms`] = summary(samples);
    if (timedOut !== undefined) out[`${step}_timed_out_after_ms`] = timedOut;
  }
}

if (parts.includes('chart')) {
  // The chart of `chart_runs` runs × N steps, "drawn" by the DOM signal of chart-drawn.mjs (the time is
  // performance.now(), ms since the navigation started). The canvas/SVG is then checked to be non-blank. Memory
  // is read 1 s after drawn: JS heap used (CDP Performance.getMetrics JSHeapUsedSize) and the RSS of this
  // browser's renderer processes (/proc VmRSS; the largest is the page's).
  const n = Number(spec.chart_runs);
  const cap = Number(spec.chart_timeout_ms ?? 120_000);
  const samples = [];
  for (let rep = 0; rep < repeats; rep++) {
    const { context, page } = await freshPage();
    await installDrawnSignal(page, { n, target: spec.target });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const t0 = Date.now();
    const cpuBefore = rendererCpu();
    await page.goto(spec.pages.chart, { waitUntil: 'commit', timeout: timeoutMs });
    const sample = {};
    try {
      await page.waitForFunction(() => window.__chartDrawnAt !== undefined, undefined, {
        timeout: cap,
        polling: 100,
      });
      sample.drawn_ms = Math.round(await page.evaluate(() => window.__chartDrawnAt));
      // the page's CPU time until drawn (read up to one 100 ms poll after it)
      sample.renderer_cpu_ms_until_drawn = pageCpuMsSince(cpuBefore);
    } catch (err) {
      if (err?.name !== 'TimeoutError') throw err;
      sample.drawn_ms = null;
      sample.not_drawn_within_ms = cap;
      sample.wall_ms_at_cap = Date.now() - t0;
      sample.on_screen_at_cap = await page.evaluate(() => ({
        text: document.body.innerText.slice(0, 300),
        plotly_lines: document.querySelectorAll('.js-plotly-plot .scatterlayer .trace path.js-line').length,
        canvases: document.querySelectorAll('canvas').length,
      }));
    }
    if (sample.drawn_ms !== null) {
      await page.waitForTimeout(1000);
      // Not blank: the non-transparent pixels of Bosun's canvas / the total path length of MLflow's traces.
      sample.ink = await page.evaluate((target) => {
        if (target === 'bosun') {
          const canvas = document.querySelector('.chart-canvas canvas');
          const ctx = canvas.getContext('2d');
          const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 3; i < img.length; i += 4) if (img[i] > 0) inked++;
          return { canvas_px: canvas.width * canvas.height, inked_px: inked };
        }
        const lines = [...document.querySelectorAll('.js-plotly-plot .scatterlayer .trace path.js-line')];
        return {
          traces: lines.length,
          path_chars: lines.reduce((a, p) => a + (p.getAttribute('d') ?? '').length, 0),
        };
      }, spec.target);
      sample.points_caption = await page.evaluate(
        () => document.querySelector('figure.metric-chart figcaption')?.textContent ?? null,
      );
    }
    const metrics = Object.fromEntries(
      (await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]),
    );
    sample.js_heap_used_mb = Math.round((metrics.JSHeapUsedSize / 2 ** 20) * 10) / 10;
    sample.js_heap_total_mb = Math.round((metrics.JSHeapTotalSize / 2 ** 20) * 10) / 10;
    const rss = rendererRssKb();
    sample.renderer_rss_mb = Math.round(Math.max(0, ...rss) / 102.4) / 10;
    sample.renderers = rss.length;
    samples.push(sample);
    await context.close();
    if (sample.drawn_ms === null) break; // a chart that does not draw within the cap is not tried again
  }
  out.chart = {
    drawn_ms: median(samples.map((s) => s.drawn_ms)),
    renderer_cpu_ms_until_drawn: median(samples.map((s) => s.renderer_cpu_ms_until_drawn)),
    js_heap_used_mb: median(samples.map((s) => s.js_heap_used_mb)),
    renderer_rss_mb: median(samples.map((s) => s.renderer_rss_mb)),
    cap_ms: cap,
    samples,
  };
}

await browser.close();
console.log(JSON.stringify(out));
