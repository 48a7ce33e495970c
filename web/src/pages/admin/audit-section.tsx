import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { listAudit, verifyAudit, type AuditVerification } from '../../api/admin';
import { formatDateTime } from '../../components/format';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { useSetQuery } from '../../router/use-route';

const outcomes = ['', 'success', 'denied', 'error'] as const;

/**
 * The audit log, newest first: filter by actor, action and outcome (kept in the URL), 50 a page with "older"
 * following the server's page token, and a check of the hash chain with its result.
 */
export function AuditSection({ query }: { query: URLSearchParams }): ReactNode {
  const setQuery = useSetQuery();
  const actor = query.get('actor') ?? '';
  const action = query.get('action') ?? '';
  const outcome = query.get('outcome') ?? '';
  const page = query.get('page') ?? '';
  const [draft, setDraft] = useState({ actor, action, outcome });
  const [state] = useAsync(
    (signal) => listAudit({ actor, action, outcome, ...(page !== '' ? { pageToken: page } : {}) }, signal),
    [actor, action, outcome, page],
  );
  const [verification, setVerification] = useState<AuditVerification>();
  const [error, setError] = useState<string>();
  const onFilter = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({
      actor: draft.actor.trim(),
      action: draft.action.trim(),
      outcome: draft.outcome,
      page: undefined,
    });
  };
  return (
    <>
      <form className="inline-form" onSubmit={onFilter} aria-label="Filter the audit log">
        <label htmlFor="audit-actor">Actor</label>
        <input
          id="audit-actor"
          value={draft.actor}
          onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
        />
        <label htmlFor="audit-action">Action</label>
        <input
          id="audit-action"
          value={draft.action}
          onChange={(e) => setDraft({ ...draft, action: e.target.value })}
        />
        <label htmlFor="audit-outcome">Outcome</label>
        <select
          id="audit-outcome"
          value={draft.outcome}
          onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}
        >
          {outcomes.map((o) => (
            <option key={o} value={o}>
              {o === '' ? 'any' : o}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      <div className="toolbar">
        <button
          type="button"
          onClick={() => {
            setError(undefined);
            verifyAudit().then(setVerification, (err: unknown) => setError(errorMessage(err)));
          }}
        >
          Verify the chain
        </button>
        {verification !== undefined && (
          <p
            role="status"
            className={verification.valid ? 'rule-met' : 'rule-unmet'}
            data-testid="audit-verification"
          >
            {verification.valid
              ? `Chain intact: ${verification.records} records verified.`
              : `Chain broken at record ${verification.brokenSeq} (${verification.breakCount} break${
                  verification.breakCount === 1 ? '' : 's'
                }): ${verification.message}`}
          </p>
        )}
      </div>
      {error !== undefined && <ErrorMessage message={error} />}
      {state.status === 'loading' && <Loading what="audit log" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not read the audit log" message={state.message} />
      )}
      {state.status === 'ok' && state.value.entries.length === 0 && <Empty>No audit records match.</Empty>}
      {state.status === 'ok' && state.value.entries.length > 0 && (
        <>
          <table className="data-table" aria-label="Audit records">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Outcome</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {state.value.entries.map((e) => (
                <tr key={e.seq}>
                  <td className="num">{e.seq}</td>
                  <td className="time">{formatDateTime(e.at)}</td>
                  <td>{e.actor}</td>
                  <td className="mono">{e.action}</td>
                  <td className="mono">
                    {e.resourceType}
                    {e.resourceId !== '' ? ` ${e.resourceId}` : ''}
                  </td>
                  <td>{e.outcome}</td>
                  <td className="num">{e.statusCode}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="toolbar">
            {page !== '' && (
              <button type="button" onClick={() => window.history.back()}>
                Newer
              </button>
            )}
            {state.value.nextPageToken !== undefined && (
              <button type="button" onClick={() => setQuery({ page: state.value.nextPageToken })}>
                Older
              </button>
            )}
          </div>
        </>
      )}
    </>
  );
}
