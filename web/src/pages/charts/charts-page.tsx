import type { ReactNode } from 'react';
import { runIdsOf } from '../../api/run-details';
import { getRuns, maxComparedRuns } from '../../api/runs-by-id';
import type { Run } from '../../api/tracking';
import { ChartPanel, prefetchHistories, type PrefetchedHistories } from '../../components/charts/chart-panel';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';

const runName = (r: Run): string => (r.info.runName === '' ? r.info.runId : r.info.runName);

/**
 * Metric charts of one or many runs: `#/charts?runs=a,b,c&metrics=loss,acc&x=step&log=1&smooth=0.6&envelope=1
 * &outliers=hide`. Every metric any of the runs logged can be chosen; the histories come sampled from the server
 * (get-history-bulk-interval), so 100 runs of 100,000 steps draw as 100 × 500 points (see `sampledPoints`).
 */
export function ChartsPage({ query }: { query: URLSearchParams }): ReactNode {
  const ids = runIdsOf(query);
  // The histories of the metrics the URL names are asked for with the runs, not after them.
  const [state] = useAsync(
    async (signal) => {
      const named = (query.get('metrics') ?? '').split(',').filter((k) => k !== '');
      const prefetched = prefetchHistories(ids.slice(0, maxComparedRuns), named, signal);
      return { runs: await getRuns(ids, signal), prefetched };
    },
    [ids.join(',')],
  );
  return (
    <section aria-labelledby="charts-page-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a>
        {ids.length > 0 && (
          <>
            {' / '}
            <a href={hrefs.compare(ids)}>Compare these runs</a>
          </>
        )}
      </nav>
      <h1 id="charts-page-title">Metric charts</h1>
      {ids.length === 0 && (
        <Empty>
          No runs chosen. Select runs in a runs table and open their charts, or add <code>?runs=ID,ID</code>{' '}
          to the URL.
        </Empty>
      )}
      {ids.length > maxComparedRuns && (
        <p className="muted">
          The first {maxComparedRuns} of {ids.length} runs are charted.
        </p>
      )}
      {ids.length > 0 && state.status === 'loading' && <Loading what="runs" />}
      {state.status === 'error' && <ErrorMessage title="Could not load the runs" message={state.message} />}
      {ids.length > 0 && state.status === 'ok' && (
        <Charts runs={state.value.runs} prefetched={state.value.prefetched} query={query} />
      )}
    </section>
  );
}

function Charts({
  runs,
  prefetched,
  query,
}: {
  runs: Run[];
  prefetched: PrefetchedHistories;
  query: URLSearchParams;
}): ReactNode {
  const setQuery = useSetQuery();
  const allKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  const asked = (query.get('metrics') ?? '').split(',').filter((k) => allKeys.includes(k));
  const chosen = asked.length > 0 ? asked : allKeys.slice(0, 4);
  const toggle = (key: string, on: boolean): void => {
    const next = on ? [...chosen, key] : chosen.filter((k) => k !== key);
    setQuery({ metrics: allKeys.filter((k) => next.includes(k)).join(',') || undefined });
  };
  if (allKeys.length === 0) return <Empty>These runs logged no metrics.</Empty>;
  return (
    <>
      <p>
        {runs.length} run{runs.length === 1 ? '' : 's'}:{' '}
        {runs.map((r, i) => (
          <span key={r.info.runId}>
            {i > 0 && ', '}
            <a href={hrefs.run(r.info.experimentId, r.info.runId)}>{runName(r)}</a>
          </span>
        ))}
      </p>
      <fieldset className="metric-choice">
        <legend>Metrics</legend>
        {allKeys.map((key) => (
          <label key={key}>
            <input
              type="checkbox"
              checked={chosen.includes(key)}
              onChange={(e) => toggle(key, e.target.checked)}
            />{' '}
            {key}
          </label>
        ))}
      </fieldset>
      <ChartPanel
        runs={runs.map((r) => ({ id: r.info.runId, name: runName(r) }))}
        metricKeys={chosen}
        query={query}
        setQuery={setQuery}
        prefetched={prefetched}
      />
    </>
  );
}
