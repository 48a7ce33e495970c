import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { ErrorMessage } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { decideApproval, getRunApprovals, type RunDetails, type StepApproval } from './pipelines-api';

/**
 * The approval steps of a run that wait for a decision: what the approver is asked, until when, the candidate
 * model's metrics beside the champion's (when the step names a model), and, for users who may run the
 * pipeline, a comment box with Approve and Reject (the server's refusal shown in place). Decided requests are
 * listed below with who decided and why.
 */
export function ApprovalPanel({ details, reload }: { details: RunDetails; reload: () => void }): ReactNode {
  const waiting = details.steps
    .filter((s) => s.state === 'waiting')
    .map((s) => s.step)
    .join(',');
  const hasApprovals = details.steps.some(
    (s) => s.state === 'waiting' || s.outputs['approved'] !== undefined,
  );
  const [approvals, refresh] = useAsync(
    (signal) =>
      hasApprovals ? getRunApprovals(details.run.runId, signal) : Promise.resolve([] as StepApproval[]),
    [details.run.runId, waiting, hasApprovals],
  );
  if (approvals.status === 'error')
    return <ErrorMessage title="Could not load the approvals" message={approvals.message} />;
  if (approvals.status !== 'ok' || approvals.value.length === 0) return null;
  const open = approvals.value.filter((a) => a.status === 'waiting');
  const decided = approvals.value.filter((a) => a.status !== 'waiting');
  return (
    <>
      {open.map((a) => (
        <WaitingApproval
          key={a.step}
          approval={a}
          experimentId={details.run.experimentId}
          onDecided={() => {
            refresh();
            reload();
          }}
        />
      ))}
      {decided.length > 0 && (
        <table className="data-table" aria-label="Approvals">
          <thead>
            <tr>
              <th scope="col">Approval</th>
              <th scope="col">Decision</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
              <th scope="col">Comment</th>
            </tr>
          </thead>
          <tbody>
            {decided.map((a) => (
              <tr key={a.step}>
                <th scope="row">{a.step}</th>
                <td>{a.status.replace('_', ' ')}</td>
                <td>{a.decidedBy ?? '—'}</td>
                <td>{a.decidedAt === null ? '—' : <TimeText ms={a.decidedAt} />}</td>
                <td>{a.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function WaitingApproval({
  approval,
  experimentId,
  onDecided,
}: {
  approval: StepApproval;
  experimentId: string;
  onDecided: () => void;
}): ReactNode {
  const who = useWhoAmI();
  const [comment, setComment] = useState('');
  // With authentication off there is no signed-in user: the deciding user's name is typed here.
  const authOff = who !== undefined && !who.authEnabled;
  const [actor, setActor] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const mayDecide = mayEdit(who, 'experiment', experimentId);
  const decide = async (decision: 'approve' | 'reject'): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await decideApproval(approval.runId, approval.step, decision, comment, authOff ? actor : undefined);
      onDecided();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const id = `approval-${approval.step}`;
  return (
    <section className="approval-panel" aria-labelledby={`${id}-title`} data-approval={approval.step}>
      <h2 id={`${id}-title`}>⏸ Waiting for approval: {approval.step}</h2>
      {approval.message !== null && <p className="approval-message">{approval.message}</p>}
      <p className="muted">
        Asked <TimeText ms={approval.requestedAt} /> (run started by {approval.requestedBy})
        {approval.expiresAt !== null && (
          <>
            ; on <TimeText ms={approval.expiresAt} /> it is{' '}
            {approval.onTimeout === 'approve' ? 'approved' : 'rejected'} automatically
          </>
        )}
        . A rejection {approval.onReject === 'fail' ? 'fails the run' : 'lets the run continue'}.
      </p>
      {approval.comparison !== null && <Comparison comparison={approval.comparison} />}
      {mayDecide ? (
        <>
          {authOff && (
            <>
              <label htmlFor={`${id}-actor`}>Your name</label>
              <input
                id={`${id}-actor`}
                value={actor}
                maxLength={256}
                onChange={(e) => setActor(e.target.value)}
              />
            </>
          )}
          <label htmlFor={`${id}-comment`}>Comment</label>
          <textarea
            id={`${id}-comment`}
            value={comment}
            maxLength={5000}
            onChange={(e) => setComment(e.target.value)}
          />
          <div className="toolbar">
            <button type="button" disabled={busy} onClick={() => void decide('approve')}>
              Approve
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </>
      ) : (
        <p className="muted">You may read this run but not decide its approvals.</p>
      )}
      {error !== undefined && <ErrorMessage title="Refused" message={error} />}
    </section>
  );
}

function Comparison({ comparison }: { comparison: NonNullable<StepApproval['comparison']> }): ReactNode {
  const { candidate, champion, alias, model } = comparison;
  const keys = [
    ...new Set([...Object.keys(candidate.metrics), ...Object.keys(champion?.metrics ?? {})]),
  ].sort();
  return (
    <table className="data-table" aria-label={`Metrics of ${model}: candidate beside ${alias}`}>
      <caption>
        {model}: candidate version {candidate.version} beside{' '}
        {champion === null ? `no ${alias} yet` : `${alias} (version ${champion.version})`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Candidate v{candidate.version}</th>
          <th scope="col">{champion === null ? alias : `${alias} v${champion.version}`}</th>
        </tr>
      </thead>
      <tbody>
        {keys.length === 0 && (
          <tr>
            <td colSpan={3} className="muted">
              No metrics on the versions' source runs.
            </td>
          </tr>
        )}
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="num">{candidate.metrics[k] ?? '—'}</td>
            <td className="num">{champion?.metrics[k] ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
