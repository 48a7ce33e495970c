import type { ReactNode } from 'react';
import { formatNumber } from './format';
import { Empty } from './status';

/** A key and its value: a param or tag of a run or a logged model. */
export interface KeyValue {
  key: string;
  value: string;
}

/** A metric's value as the tables show it: the latest (or logged) value at a step, maybe on a dataset. */
export interface MetricValue {
  key: string;
  value: number;
  step: number;
  datasetName?: string | undefined;
}

/**
 * Params or tags as a two-column table sorted by key, or `empty` when there are none.
 * Example: `<KeyValueTable rows={run.data.params} labelledBy="params-title" empty="No parameters logged." />`.
 */
export function KeyValueTable({
  rows,
  labelledBy,
  empty,
}: {
  rows: readonly KeyValue[];
  labelledBy: string;
  empty: string;
}): ReactNode {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="data-table kv" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {[...rows]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              <td className="value">{row.value}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/**
 * Metrics as a table sorted by key: name, value (the full-precision number in its title), step, and the
 * dataset column when `withDataset` (a logged model's metrics are computed on datasets); `empty` when none.
 */
export function MetricTable({
  rows,
  labelledBy,
  empty,
  valueLabel = 'Value',
  withDataset = false,
}: {
  rows: readonly MetricValue[];
  labelledBy: string;
  empty: string;
  valueLabel?: string;
  withDataset?: boolean;
}): ReactNode {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="data-table kv" aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">{valueLabel}</th>
          <th scope="col">Step</th>
          {withDataset && <th scope="col">Dataset</th>}
        </tr>
      </thead>
      <tbody>
        {[...rows]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((m) => (
            <tr key={`${m.key}/${m.datasetName ?? ''}/${m.step}`}>
              <th scope="row">{m.key}</th>
              <td className="num" title={String(m.value)}>
                {formatNumber(m.value)}
              </td>
              <td className="num">{m.step}</td>
              {withDataset && <td>{m.datasetName ?? '—'}</td>}
            </tr>
          ))}
      </tbody>
    </table>
  );
}
