import type { ReactNode } from 'react';
import type { Run } from '../../api/tracking';
import { formatNumber } from '../../components/format';
import { hrefs } from '../../router/routes';
import type { CompareColumn } from './compare-columns';

const runName = (r: Run): string => (r.info.runName === '' ? r.info.runId : r.info.runName);

/**
 * Params and latest metrics side by side, a row per value and a column per run; a row where the runs differ is
 * marked ("differs", highlighted). With `onlyDifferences`, only those rows are listed.
 */
export function DiffTable({
  runs,
  columns,
  onlyDifferences,
}: {
  runs: Run[];
  columns: CompareColumn[];
  onlyDifferences: boolean;
}): ReactNode {
  const rows = onlyDifferences ? columns.filter((c) => c.differs) : columns;
  return (
    <div
      className="table-scroll compare-scroll"
      tabIndex={0}
      role="region"
      aria-label="Differences between the runs"
    >
      <table className="data-table compare-table" aria-labelledby="diff-title">
        <thead>
          <tr>
            <th scope="col">Value</th>
            {runs.map((r) => (
              <th key={r.info.runId} scope="col">
                <a href={hrefs.run(r.info.experimentId, r.info.runId)}>{runName(r)}</a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id} className={c.differs ? 'differs' : undefined}>
              <th scope="row">
                <span className="mono">{c.id}</span>
                {c.differs && <span className="badge differs-badge">differs</span>}
              </th>
              {c.texts.map((t, i) => (
                <td key={runs[i]?.info.runId ?? i} className={c.kind === 'metric' ? 'num' : undefined}>
                  {t === undefined ? (
                    <span className="muted">—</span>
                  ) : c.kind === 'metric' && c.numbers[i] !== undefined ? (
                    <span title={t}>{formatNumber(c.numbers[i] ?? NaN)}</span>
                  ) : (
                    t
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
