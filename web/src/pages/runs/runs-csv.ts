import type { Run } from '../../api/tracking';
import { columnId, rawValue, type DataColumn } from './run-columns';

/** A CSV field: quoted when it holds a comma, quote, or line break (RFC 4180), quotes doubled. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The table as shown (its rows in order and its columns) as CSV: run id, (the experiment id when the table
 * shows several experiments), name, status, start time (ISO 8601, UTC), then each chosen column under its id
 * (`metrics.accuracy`). Lines end with CRLF, as RFC 4180 says.
 */
export function runsCsv(
  runs: readonly Run[],
  columns: readonly DataColumn[],
  options: { withExperiment?: boolean } = {},
): string {
  const withExperiment = options.withExperiment === true;
  const header = [
    'run_id',
    ...(withExperiment ? ['experiment_id'] : []),
    'run_name',
    'status',
    'start_time',
    ...columns.map(columnId),
  ];
  const lines = runs.map((run) => [
    run.info.runId,
    ...(withExperiment ? [run.info.experimentId] : []),
    run.info.runName,
    run.info.status,
    run.info.startTime > 0 ? new Date(run.info.startTime).toISOString() : '',
    ...columns.map((c) => rawValue(run, c)),
  ]);
  return [header, ...lines].map((line) => line.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Offers `text` as a file download (a blob: URL, allowed by the UI's CSP, revoked right after). */
export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
