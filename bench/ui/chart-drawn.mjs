// The "chart drawn" signal of the UI benchmarks (measure.mjs, chart-profile.mjs), checked in the page by a
// MutationObserver installed before the app's scripts run, at every DOM change:
//  - Bosun (uPlot): the chart's figure caption says "… of <n> runs" and its `.chart-canvas` holds the canvas
//    uPlot drew into (uPlot inserts the canvas and paints all series in the same task, before the next frame);
//  - MLflow (Plotly, SVG): the plot holds <n> line traces (`.scatterlayer .trace path.js-line`), each with a
//    non-empty path.
// `window.__chartDrawnAt` is then set in the first animation frame after the signal, plus a task (so the frame
// with the chart has been produced), as performance.now() (ms since the navigation started).
/* global window, document, performance, requestAnimationFrame, MutationObserver, setTimeout */

/** Installs the signal in every document `page` loads from now on. */
export async function installDrawnSignal(page, { n, target }) {
  await page.addInitScript(
    ({ n, target }) => {
      const drawn = () => {
        if (target === 'bosun') {
          for (const fig of document.querySelectorAll('figure.metric-chart')) {
            const caption = fig.querySelector('figcaption')?.textContent ?? '';
            if (caption.includes(` of ${n} runs`) && fig.querySelector('.chart-canvas canvas') !== null) {
              return true;
            }
          }
          return false;
        }
        const lines = [...document.querySelectorAll('.js-plotly-plot .scatterlayer .trace path.js-line')];
        return lines.filter((p) => (p.getAttribute('d') ?? '').length > 10).length >= n;
      };
      const w = window;
      w.__chartDrawnAt = undefined;
      const observer = new MutationObserver(() => {
        if (w.__chartDrawnAt !== undefined || w.__chartSeen) return;
        if (!drawn()) return;
        w.__chartSeen = true;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => (w.__chartDrawnAt = performance.now()), 0));
      });
      const start = () => observer.observe(document, { childList: true, subtree: true, attributes: true });
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
      else start();
    },
    { n, target },
  );
}
