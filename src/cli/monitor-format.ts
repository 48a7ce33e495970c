import { formatTimestamp } from './format.js';
import { formatTable } from './tables.js';

type Json = Record<string, unknown>;

/** One finding list of a result's `schema` (the API's wire form). */
interface ColumnRows {
  column: string;
  rows: number;
}

/** A result's `schema` as the API answers it: what the window's records broke in the version's signature. */
interface SchemaWire {
  version: string;
  violations: number;
  missing_columns: ColumnRows[];
  unexpected_columns: ColumnRows[];
  type_mismatches: (ColumnRows & { expected: string; example: string })[];
}

const rowsText = (n: number): string => (n === 1 ? '1 row' : `${n} rows`);

/** `missing income (1 row); unexpected channel (1 row); wrong type age (1 row not long, e.g. "41")`. */
function schemaFindings(schema: SchemaWire): string {
  const parts: string[] = [];
  const list = (items: ColumnRows[]) => items.map((c) => `${c.column} (${rowsText(c.rows)})`).join(', ');
  if (schema.missing_columns.length > 0) parts.push(`missing ${list(schema.missing_columns)}`);
  if (schema.unexpected_columns.length > 0) parts.push(`unexpected ${list(schema.unexpected_columns)}`);
  if (schema.type_mismatches.length > 0) {
    const wrong = schema.type_mismatches
      .map((c) => `${c.column} (${rowsText(c.rows)} not ${c.expected}, e.g. ${c.example})`)
      .join(', ');
    parts.push(`wrong type ${wrong}`);
  }
  return parts.join('; ');
}

/**
 * Window results as a table (a SEGMENT column when any result is a segment's; SCHEMA: `ok`, the number of
 * findings against the version's signature, or `-` when not checked), then one line per result with schema
 * findings naming them.
 */
export function resultsTable(results: readonly Json[]): string {
  const segmented = results.some((r) => r.segment !== null && r.segment !== undefined);
  const table = formatTable(
    [
      { header: 'RESULT', align: 'right' },
      ...(segmented ? [{ header: 'SEGMENT' }] : []),
      { header: 'WINDOW END' },
      { header: 'ROWS', align: 'right' },
      { header: 'STATUS' },
      { header: 'DRIFT SHARE', align: 'right' },
      { header: 'SCHEMA' },
      { header: 'PERFORMANCE' },
    ],
    results.map((r) => {
      const drift = r.drift as { drift_share: number } | null;
      const performance = r.performance as { metrics: Record<string, number> } | null;
      const schema = (r.schema ?? null) as SchemaWire | null;
      return [
        String(r.result_id),
        ...(segmented ? [r.segment === null || r.segment === undefined ? '-' : String(r.segment)] : []),
        formatTimestamp(r.window_end as number),
        String(r.rows),
        String(r.status),
        drift ? drift.drift_share.toFixed(3) : '-',
        schema === null ? '-' : schema.violations === 0 ? 'ok' : String(schema.violations),
        performance
          ? Object.entries(performance.metrics)
              .map(([k, v]) => `${k}=${v.toFixed(4)}`)
              .join(' ')
          : '-',
      ];
    }),
  );
  const findings = results.flatMap((r) => {
    const schema = (r.schema ?? null) as SchemaWire | null;
    if (schema === null || schema.violations === 0) return [];
    const where = r.segment === null || r.segment === undefined ? '' : ` segment '${String(r.segment)}'`;
    return [
      `result ${String(r.result_id)}${where} schema (version ${schema.version}): ${schemaFindings(schema)}\n`,
    ];
  });
  return table + findings.join('');
}

/** Segments of a monitor's windows: `{segment, windows}` rows. */
export function segmentsTable(segments: readonly Json[]): string {
  return formatTable(
    [{ header: 'SEGMENT' }, { header: 'WINDOWS', align: 'right' }],
    segments.map((s) => [String(s.segment), String(s.windows)]),
  );
}

/** Alerts as a table (SEGMENT: `-` for a whole window's alert). */
export function alertsTable(alerts: readonly Json[]): string {
  return formatTable(
    [
      { header: 'ALERT', align: 'right' },
      { header: 'MODEL' },
      { header: 'MONITOR' },
      { header: 'CONDITION' },
      { header: 'SEGMENT' },
      { header: 'STATE' },
      { header: 'FIRED' },
      { header: 'MESSAGE' },
    ],
    alerts.map((a) => [
      String(a.alert_id),
      String(a.model_name),
      String(a.monitor_name),
      String(a.condition),
      a.segment === null || a.segment === undefined ? '-' : String(a.segment),
      String(a.state),
      formatTimestamp(a.fired_at as number),
      String(a.message),
    ]),
  );
}

const num = (v: unknown, digits = 4): string => (typeof v === 'number' ? v.toPrecision(digits) : '-');

/**
 * A long window judged from sketches: one line saying which windows were merged and the verdict, then per column
 * the distance ± its error bound, the threshold, drift, the window's missing rate and new categories.
 */
export function longWindowText(longWindow: Json): string {
  const merged =
    `${String(longWindow.windows)} window(s), ${String(longWindow.rows)} rows merged` +
    (Number(longWindow.overlapping_skipped) > 0
      ? ` (${String(longWindow.overlapping_skipped)} overlapping left out)`
      : '');
  const drift = longWindow.drift as Json | null;
  if (drift === null) return `${merged}: no window sketch in the range\n`;
  const verdict = drift.dataset_drift ? 'DATASET DRIFT' : 'no dataset drift';
  const head =
    `${merged}; approximate (quantiles within ${Number(drift.relative_accuracy) * 100} %): ${verdict}, ` +
    `${String(drift.drifted_columns)} of ${String(drift.tested_columns)} columns drifted\n`;
  const table = formatTable(
    [
      { header: 'COLUMN' },
      { header: 'METHOD' },
      { header: 'SCORE', align: 'right' },
      { header: '± BOUND', align: 'right' },
      { header: 'THRESHOLD', align: 'right' },
      { header: 'DRIFT' },
      { header: 'MISSING', align: 'right' },
      { header: 'NEW CATEGORIES' },
    ],
    (drift.columns as Json[]).map((c) => {
      const current = c.current as Json;
      const fresh = (c.new_categories as Json[]).map((n) => `${String(n.value)} (${String(n.count)})`);
      return [
        String(c.column),
        c.method === null ? `skipped: ${String(c.reason)}` : String(c.method),
        num(c.score),
        c.error_bound === null ? 'unbounded' : num(c.error_bound, 2),
        num(c.threshold, 2),
        c.score === null
          ? '-'
          : c.drift_detected
            ? c.verdict_certain
              ? 'yes'
              : 'yes?'
            : c.verdict_certain
              ? 'no'
              : 'no?',
        current.missing_rate === null ? '-' : `${(Number(current.missing_rate) * 100).toFixed(1)} %`,
        fresh.length === 0 ? '-' : fresh.join(', '),
      ];
    }),
  );
  return head + table;
}

/** A column's merged quantiles beside the reference's: one row per q. */
export function quantilesTable(quantiles: Json): string {
  const reference = (quantiles.reference as Json).quantiles as Json[];
  const head =
    `${String(quantiles.column)}: ${String(quantiles.count)} values in ${String(quantiles.windows)} window(s), ` +
    `${String(quantiles.missing)} missing; each quantile within ${Number(quantiles.relative_accuracy) * 100} %\n`;
  return (
    head +
    formatTable(
      [
        { header: 'Q', align: 'right' },
        { header: 'WINDOWS', align: 'right' },
        { header: 'REFERENCE', align: 'right' },
      ],
      (quantiles.quantiles as Json[]).map((r, i) => [
        String(r.q),
        num(r.value, 6),
        num(reference[i]?.value, 6),
      ]),
    )
  );
}
