import type { ReactNode } from 'react';
import { formatDateTime, formatNumber } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { getLongWindow, type LongWindow } from './monitoring-api';

const percent = (rate: number | null): string => (rate === null ? '—' : `${formatNumber(rate * 100)} %`);

/**
 * The monitor's long window (`GET .../long-window`: the 30 days before now): its window sketches merged, no row
 * read again, and judged against the reference's sketch. Approximate by construction, so each distance comes with
 * its error bound and says whether the verdict holds whatever the error; quantiles are within the stated relative
 * accuracy. Whole windows only (segments have no sketches).
 */
export function LongWindowView({
  modelName,
  monitorId,
}: {
  modelName: string;
  monitorId: string;
}): ReactNode {
  const [state] = useAsync((signal) => getLongWindow(modelName, monitorId, signal), [modelName, monitorId]);
  return (
    <section aria-labelledby="long-window-title">
      <h2 id="long-window-title">Long window (last 30 days, from sketches)</h2>
      {state.status === 'loading' && <Loading what="the long window" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the long window" message={state.message} />
      )}
      {state.status === 'ok' && <LongWindowBody window={state.value} />}
    </section>
  );
}

function LongWindowBody({ window: w }: { window: LongWindow }): ReactNode {
  if (w.windows === 0 || w.drift === null) {
    return <Empty>No window sketches in the last 30 days yet: they are stored as the monitor runs.</Empty>;
  }
  const d = w.drift;
  return (
    <>
      <p role="status" className="long-window-summary">
        {w.windows} window{w.windows === 1 ? '' : 's'}, {w.rows} rows merged ({formatDateTime(w.from)} to{' '}
        {formatDateTime(w.to)}); approximate, quantiles within {formatNumber(d.relativeAccuracy * 100)} %:{' '}
        {d.datasetDrift ? 'dataset drift' : 'no dataset drift'}, {d.driftedColumns} of {d.testedColumns}{' '}
        columns drifted (share {formatNumber(d.driftShare)}, threshold {formatNumber(d.driftShareThreshold)})
      </p>
      <table className="data-table" aria-label="Long window columns">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Method</th>
            <th scope="col">Distance</th>
            <th scope="col">± bound</th>
            <th scope="col">Threshold</th>
            <th scope="col">Drift</th>
            <th scope="col">Missing</th>
            <th scope="col">New categories</th>
          </tr>
        </thead>
        <tbody>
          {d.columns.map((c) => (
            <tr key={c.column}>
              <th scope="row">{c.column}</th>
              <td>{c.method ?? c.reason ?? '—'}</td>
              <td className="num">{c.score === null ? '—' : formatNumber(c.score)}</td>
              <td className="num">{c.errorBound === null ? '—' : formatNumber(c.errorBound)}</td>
              <td className="num">{formatNumber(c.threshold)}</td>
              <td className={c.driftDetected ? 'drifted-yes' : undefined}>
                {c.driftDetected ? 'drifted' : 'no'}
                {!c.verdictCertain && ' (within the bound)'}
              </td>
              <td className="num">{percent(c.missingRate)}</td>
              <td>
                {c.newCategories.length === 0
                  ? '—'
                  : c.newCategories.map((n) => `${n.value} (${n.count})`).join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
