import type { ReactNode } from 'react';
import { runIdsOf } from '../../api/run-details';
import { getRuns, maxComparedRuns } from '../../api/runs-by-id';
import type { Run } from '../../api/tracking';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';
import { compareColumns, type CompareColumn } from './compare-columns';
import { DiffTable } from './diff-table';
import { ParallelCoordinates, maxAxes } from './parallel-coordinates';
import { ScatterPlot } from './scatter-plot';
import './compare.css';

/**
 * The compare view of chosen runs, `#/compare?runs=a,b,c` (what a runs table's selection opens): params and
 * metrics side by side with differences marked (`diff=1` lists only those), a scatter of any two numeric columns
 * (`x=params.lr&y=metrics.loss`) and parallel coordinates of the numeric columns.
 */
export function ComparePage({ query }: { query: URLSearchParams }): ReactNode {
  const ids = runIdsOf(query);
  const [state] = useAsync((signal) => getRuns(ids, signal), [ids.join(',')]);
  return (
    <section aria-labelledby="compare-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.experiments()}>Experiments</a>
        {state.status === 'ok' && state.value[0] !== undefined && (
          <>
            {' / '}
            <a href={hrefs.experiment(state.value[0].info.experimentId)}>
              Experiment {state.value[0].info.experimentId}
            </a>
          </>
        )}
      </nav>
      <h1 id="compare-title">Compare {ids.length} runs</h1>
      {ids.length < 2 && (
        <Empty>
          Choose two runs or more: select them in a runs table and press Compare, or list their ids in the URL
          (<code>#/compare?runs=ID,ID</code>).
        </Empty>
      )}
      {ids.length > maxComparedRuns && (
        <p className="muted">The first {maxComparedRuns} runs are compared.</p>
      )}
      {ids.length > 0 && state.status === 'loading' && <Loading what="runs" />}
      {state.status === 'error' && <ErrorMessage title="Could not load the runs" message={state.message} />}
      {ids.length > 0 && state.status === 'ok' && <Comparison runs={state.value} query={query} />}
    </section>
  );
}

function pick(columns: CompareColumn[], wanted: string | null, fallback: number): CompareColumn | undefined {
  return columns.find((c) => c.id === wanted) ?? columns[fallback] ?? columns[0];
}

function Comparison({ runs, query }: { runs: Run[]; query: URLSearchParams }): ReactNode {
  const setQuery = useSetQuery();
  const columns = compareColumns(runs);
  const differing = columns.filter((c) => c.differs).length;
  const numeric = columns.filter((c) => c.numeric);
  const byDifference = [...numeric.filter((c) => c.differs), ...numeric.filter((c) => !c.differs)];
  const x = pick(
    numeric,
    query.get('x'),
    numeric.findIndex((c) => c.kind === 'param'),
  );
  const y = pick(
    numeric,
    query.get('y'),
    numeric.findIndex((c) => c.kind === 'metric'),
  );
  const onlyDifferences = query.get('diff') === '1';
  return (
    <>
      <p>
        <a href={hrefs.charts(runs.map((r) => r.info.runId))}>Metric charts of these runs</a>
      </p>
      <h2 id="diff-title">
        Params and metrics ({differing} of {columns.length} differ)
      </h2>
      <label className="inline-label">
        <input
          type="checkbox"
          checked={onlyDifferences}
          onChange={(e) => setQuery({ diff: e.target.checked ? '1' : undefined })}
        />
        Only differences
      </label>
      {columns.length === 0 ? (
        <Empty>These runs have no params or metrics.</Empty>
      ) : (
        <DiffTable runs={runs} columns={columns} onlyDifferences={onlyDifferences} />
      )}
      <h2 id="scatter-title">Scatter</h2>
      {numeric.length === 0 || x === undefined || y === undefined ? (
        <Empty>No numeric params or metrics to plot.</Empty>
      ) : (
        <>
          <div className="toolbar" role="group" aria-labelledby="scatter-title">
            <label htmlFor="scatter-x">X</label>
            <select id="scatter-x" value={x.id} onChange={(e) => setQuery({ x: e.target.value })}>
              {numeric.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id}
                </option>
              ))}
            </select>
            <label htmlFor="scatter-y">Y</label>
            <select id="scatter-y" value={y.id} onChange={(e) => setQuery({ y: e.target.value })}>
              {numeric.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id}
                </option>
              ))}
            </select>
          </div>
          <ScatterPlot runs={runs} x={x} y={y} />
        </>
      )}
      <h2 id="parallel-title">Parallel coordinates</h2>
      {numeric.length < 2 ? (
        <Empty>Parallel coordinates need two numeric params or metrics.</Empty>
      ) : (
        <>
          {numeric.length > maxAxes && (
            <p className="muted">
              The {maxAxes} axes shown are the numeric columns the runs differ on first ({numeric.length} in
              all).
            </p>
          )}
          <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="parallel-title">
            <ParallelCoordinates runs={runs} columns={byDifference} />
          </div>
        </>
      )}
    </>
  );
}
