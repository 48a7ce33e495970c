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
