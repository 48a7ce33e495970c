import { useMemo, type ReactNode, type SyntheticEvent } from 'react';
import { formatDateTime, formatNumber } from '../../components/format';
import { ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { fetchReportHtml, reportUrl, type MonitorResult, type SchemaCheck } from './monitoring-api';

/** How a column's score is judged: p-values drift at or below the threshold, distances above it. */
function scoreLabel(method: string | null): string {
  if (method === null) return 'Score';
  return /wasserstein|jensenshannon|psi|kl_div|hellinger|energy|emperical_mmd/.test(method)
    ? 'distance'
    : 'p-value';
}

/**
 * One window's verdict: per column the test, its p-value or distance, the threshold and whether it drifted;
 * performance metrics when labels arrived; and the full HTML report in an iframe sandboxed with no
 * permission at all (its scripts do not run, it cannot reach the app), or in a new tab.
 */
export function ResultDetails({
  modelName,
  result,
}: {
  modelName: string;
  result: MonitorResult;
}): ReactNode {
  const [report] = useAsync(
    (signal) => fetchReportHtml(modelName, result.monitorId, result.id, signal, result.segment),
    [modelName, result.monitorId, result.id, result.segment],
  );
  const drift = result.drift;
  return (
    <section aria-labelledby="result-title">
      <h2 id="result-title">
        Window ending {formatDateTime(result.windowEnd)}
        {result.segment !== null && `, segment ${result.segment}`}
      </h2>
      <p role="status" className="result-summary">
        {result.rows} rows, {result.labelledRows} labelled;{' '}
        {drift === null
          ? 'no drift verdict (too few rows)'
          : `${drift.driftedColumns} of ${drift.testedColumns} columns drifted (share ${formatNumber(drift.driftShare)}, threshold ${formatNumber(drift.driftShareThreshold)}): ${drift.datasetDrift ? 'dataset drift' : 'no dataset drift'}`}
      </p>
      {drift !== null && (
        <table className="data-table" aria-label="Columns of the window">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col">Test</th>
              <th scope="col">P-value / score</th>
              <th scope="col">Threshold</th>
              <th scope="col">Drifted</th>
            </tr>
          </thead>
          <tbody>
            {drift.columns.map((c) => (
              <tr key={c.column}>
                <th scope="row">{c.column}</th>
                <td>{c.type}</td>
                <td>{c.method ?? `${c.status}${c.reason === null ? '' : `: ${c.reason}`}`}</td>
                <td className="num" title={scoreLabel(c.method)}>
                  {c.score === null ? '—' : formatNumber(c.score)}
                </td>
                <td className="num">{c.threshold === null ? '—' : formatNumber(c.threshold)}</td>
                <td className={c.driftDetected ? 'drifted-yes' : ''}>
                  {c.status === 'tested' ? (c.driftDetected ? 'yes' : 'no') : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.performance !== null && (
        <table className="data-table kv" aria-label="Performance of the window">
          <tbody>
            {Object.entries(result.performance.metrics).map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td
                  className={`num${result.performance?.violations.includes(k) === true ? ' drifted-yes' : ''}`}
                >
                  {formatNumber(v)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.schema !== null && <SchemaFindings schema={result.schema} />}
      <h3>
        Full report{result.segment !== null && ` (segment ${result.segment})`}{' '}
        <a
          href={reportUrl(modelName, result.monitorId, result.id, result.segment)}
          target="_blank"
          rel="noopener noreferrer"
        >
          Open the report in a new tab
        </a>
      </h3>
      {report.status === 'loading' && <Loading what="the report" />}
      {report.status === 'error' && (
        <ErrorMessage title="Could not load the report" message={report.message} />
      )}
      {report.status === 'ok' && <ReportFrame html={report.value} />}
    </section>
  );
}

/** The window against the model version's signature: each column that is missing, unexpected or mistyped. */
function SchemaFindings({ schema }: { schema: SchemaCheck }): ReactNode {
  const rows = [
    ...schema.missingColumns.map((c) => ({ column: c.column, finding: 'missing (required)', rows: c.rows })),
    ...schema.unexpectedColumns.map((c) => ({
      column: c.column,
      finding: 'not in the signature',
      rows: c.rows,
    })),
    ...schema.typeMismatches.map((c) => ({
      column: c.column,
      finding: `not ${c.expected} (e.g. ${c.example})`,
      rows: c.rows,
    })),
  ];
  return (
    <>
      <h3 id="schema-title">Schema against version {schema.version}'s signature</h3>
      {rows.length === 0 ? (
        <p role="status">Every record fits the signature's {schema.columns} columns.</p>
      ) : (
        <table className="data-table" aria-labelledby="schema-title">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Finding</th>
              <th scope="col">Records</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.column} ${r.finding}`}>
                <th scope="row">{r.column}</th>
                <td className="drifted-yes">{r.finding}</td>
                <td className="num">{r.rows}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The report's `<style>` blocks taken out, and the rest of its HTML. */
function splitStyles(html: string): { body: string; css: string } {
  const css: string[] = [];
  const body = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, text: string) => {
    css.push(text);
    return '';
  });
  return { body, css: css.join('\n') };
}

/**
 * The report in an iframe where no script can run (`sandbox="allow-same-origin"` without `allow-scripts`).
 * A srcdoc document inherits the UI's Content-Security-Policy, which refuses inline `<style>`: the report's
 * stylesheet is taken out of the HTML and adopted by the frame's document as a constructed stylesheet (CSSOM,
 * which style-src does not govern), so the report looks as it does in its own tab.
 */
function ReportFrame({ html }: { html: string }): ReactNode {
  const { body, css } = useMemo(() => splitStyles(html), [html]);
  const adoptStyles = (event: SyntheticEvent<HTMLIFrameElement>): void => {
    const frame = event.currentTarget;
    const view = frame.contentWindow as (Window & { CSSStyleSheet: typeof CSSStyleSheet }) | null;
    const doc = frame.contentDocument;
    if (view === null || doc === null) return;
    const sheet = new view.CSSStyleSheet();
    sheet.replaceSync(css);
    doc.adoptedStyleSheets = [sheet];
  };
  return (
    <iframe
      className="report-frame"
      sandbox="allow-same-origin"
      srcDoc={body}
      onLoad={adoptStyles}
      title="Drift report of the window"
    />
  );
}
