import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  checkPromotion,
  decideApproval,
  getScan,
  listApprovals,
  listPolicies,
  promote,
  requestApproval,
  rescan,
  type Approval,
  type PromotionCheck,
  type PromotionPolicy,
  type ScanRecord,
} from '../../api/governance';
import { useWhoAmI } from '../../auth/auth-context';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { ruleResults } from './promotion-rules';

interface GovernanceData {
  scan: ScanRecord | undefined;
  policies: { policy: PromotionPolicy; check: PromotionCheck }[];
  approvals: Approval[];
}

async function loadGovernance(name: string, version: string, signal: AbortSignal): Promise<GovernanceData> {
  const [scan, policies, approvals] = await Promise.all([
    getScan(name, version, signal),
    listPolicies(name, signal),
    listApprovals(name, version, signal),
  ]);
  const checks = await Promise.all(policies.map((p) => checkPromotion(name, version, p.target, signal)));
  return {
    scan,
    approvals,
    policies: policies.map((policy, i) => ({ policy, check: checks[i] ?? { allowed: false, unmet: [] } })),
  };
}

/**
 * Governance where the decision is made, on a version's page: the scan report, each promotion policy's rules
 * with what holds and what does not, the approvals with approve/reject, and promotion through the gate (a
 * refusal shows the server's reason). `onChanged` reloads the version (a promotion moves an alias or stage).
 */
export function GovernancePanel({
  name,
  version,
  editable,
  onChanged,
}: {
  name: string;
  version: string;
  editable: boolean;
  onChanged: () => void;
}): ReactNode {
  const [state, reload] = useAsync((signal) => loadGovernance(name, version, signal), [name, version]);
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string }>();
  const who = useWhoAmI();
  // With authentication off there is no signed-in user: the acting user's name is typed here.
  const authOff = who !== undefined && !who.authEnabled;
  const [actor, setActor] = useState('');
  const run = async (action: () => Promise<unknown>, done: string): Promise<boolean> => {
    setNotice(undefined);
    try {
      await action();
      setNotice({ kind: 'ok', text: done });
      reload();
      onChanged();
      return true;
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
      reload();
      return false;
    }
  };
  return (
    <section aria-labelledby="governance-title" className="governance">
      <h2 id="governance-title">Governance</h2>
      {notice?.kind === 'error' && <ErrorMessage title="Refused" message={notice.text} />}
      {notice?.kind === 'ok' && (
        <p role="status" className="notice">
          {notice.text}
        </p>
      )}
      {authOff && (
        <p className="inline-form">
          <label htmlFor="governance-actor">Acting as</label>
          <input
            id="governance-actor"
            value={actor}
            onChange={(e) => setActor(e.target.value)}
            placeholder="your name (authentication is off)"
          />
        </p>
      )}
      {state.status === 'loading' && <Loading what="governance" />}
      {state.status === 'error' && <ErrorMessage title="Could not load governance" message={state.message} />}
      {state.status === 'ok' && (
        <>
          <ScanReport
            scan={state.value.scan}
            editable={editable}
            onRescan={() => void run(() => rescan(name, version), 'Scanned again.')}
          />
          <h3 id="policies-title">Promotion policies ({state.value.policies.length})</h3>
          {state.value.policies.length === 0 ? (
            <Empty>
              No promotion policy: any alias or stage may be set by a user who may edit the model.
            </Empty>
          ) : (
            state.value.policies.map(({ policy, check }) => (
              <PolicyResult
                key={policy.target}
                policy={policy}
                check={check}
                editable={editable}
                onPromote={() =>
                  void run(
                    () => promote(name, version, policy.target, actor),
                    `Promoted to ${policy.target}.`,
                  )
                }
              />
            ))
          )}
          <Approvals
            approvals={state.value.approvals}
            targets={state.value.policies
              .filter((p) => p.policy.requiredApprovals > 0)
              .map((p) => p.policy.target)}
            onDecide={(id, decision, comment) =>
              run(
                () => decideApproval(id, decision, comment, actor),
                decision === 'approve' ? 'Approved.' : 'Rejected.',
              )
            }
            onRequest={(target, comment) =>
              run(() => requestApproval(name, version, target, comment, actor), 'Approval requested.')
            }
          />
        </>
      )}
    </section>
  );
}

const verdictText: Record<ScanRecord['status'], string> = {
  clean: 'Clean',
  suspicious: 'Suspicious',
  unsafe: 'Unsafe',
  failed: 'Scan failed',
};

function ScanReport({
  scan,
  editable,
  onRescan,
}: {
  scan: ScanRecord | undefined;
  editable: boolean;
  onRescan: () => void;
}): ReactNode {
  return (
    <>
      <h3 id="scan-title">Scan report</h3>
      {scan === undefined ? (
        <Empty>This version has not been scanned.</Empty>
      ) : (
        <>
          <p className="scan-verdict">
            Verdict: <strong className={`verdict verdict-${scan.status}`}>{verdictText[scan.status]}</strong>{' '}
            · {scan.files} file{scan.files === 1 ? '' : 's'} scanned <TimeText ms={scan.scannedAt} />
            {scan.error !== undefined && <> · {scan.error}</>}
          </p>
          {scan.findings.length === 0 ? (
            <Empty>No findings.</Empty>
          ) : (
            <table className="data-table" aria-labelledby="scan-title">
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Global</th>
                  <th scope="col">Opcodes</th>
                  <th scope="col">File</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {scan.findings.map((f, i) => (
                  <tr key={i}>
                    <td>{f.severity}</td>
                    <td className="mono">
                      {f.module !== undefined || f.name !== undefined
                        ? [f.module, f.name].filter((s) => s !== undefined).join('.')
                        : f.kind}
                    </td>
                    <td className="mono">{f.opcodes?.join(', ') ?? '—'}</td>
                    <td className="mono">
                      {f.file}
                      {f.offset !== undefined && <span className="muted"> @{f.offset}</span>}
                    </td>
                    <td>{f.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {editable && (
        <button type="button" onClick={onRescan}>
          Scan again
        </button>
      )}
    </>
  );
}

function PolicyResult({
  policy,
  check,
  editable,
  onPromote,
}: {
  policy: PromotionPolicy;
  check: PromotionCheck;
  editable: boolean;
  onPromote: () => void;
}): ReactNode {
  const rules = ruleResults(policy, check);
  const id = `policy-${policy.target.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <div className="policy" aria-labelledby={id} role="group">
      <h4 id={id}>
        Target <code>{policy.target}</code>:{' '}
        <span className={check.allowed ? 'rule-met' : 'rule-unmet'}>
          {check.allowed
            ? 'may be promoted'
            : `${check.unmet.length} condition${check.unmet.length === 1 ? '' : 's'} unmet`}
        </span>
      </h4>
      {rules.length === 0 ? (
        <Empty>This policy has no rules.</Empty>
      ) : (
        <table className="data-table" aria-labelledby={id}>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Result</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r, i) => (
              <tr key={i}>
                <th scope="row">{r.rule}</th>
                <td className={r.met ? 'rule-met' : 'rule-unmet'}>{r.met ? '✓ met' : '✗ not met'}</td>
                <td>{r.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editable && (
        <button type="button" onClick={onPromote}>
          Promote to {policy.target}
        </button>
      )}
    </div>
  );
}

function Approvals({
  approvals,
  targets,
  onDecide,
  onRequest,
}: {
  approvals: Approval[];
  targets: string[];
  onDecide: (id: number, decision: 'approve' | 'reject', comment: string) => Promise<boolean>;
  onRequest: (target: string, comment: string) => Promise<boolean>;
}): ReactNode {
  const who = useWhoAmI();
  const signedIn = who !== undefined;
  const [target, setTarget] = useState(targets[0] ?? '');
  const [comment, setComment] = useState('');
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    void onRequest(target, comment).then((ok) => ok && setComment(''));
  };
  return (
    <>
      <h3 id="approvals-title">Approvals ({approvals.length})</h3>
      {approvals.length === 0 ? (
        <Empty>No approval requested for this version.</Empty>
      ) : (
        <table className="data-table" aria-labelledby="approvals-title">
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">State</th>
              <th scope="col">Requested</th>
              <th scope="col">Decision</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {approvals.map((a) => (
              <tr key={a.id}>
                <td className="mono">{a.target}</td>
                <td>{a.status}</td>
                <td>
                  {a.requestedBy} <TimeText ms={a.requestedAt} />
                  {a.comment !== '' && <div className="muted">“{a.comment}”</div>}
                </td>
                <td>
                  {a.decidedBy !== undefined ? (
                    <>
                      {a.decidedBy} {a.decidedAt !== undefined && <TimeText ms={a.decidedAt} />}
                      {a.decisionComment !== undefined && a.decisionComment !== '' && (
                        <div className="muted">“{a.decisionComment}”</div>
                      )}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="actions">
                  {a.status === 'requested' && signedIn && <Decide approval={a} onDecide={onDecide} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {signedIn && targets.length > 0 && (
        <form className="inline-form" onSubmit={onSubmit} aria-label="Request an approval">
          <label htmlFor="approval-target">Request approval for</label>
          <select id="approval-target" value={target} onChange={(e) => setTarget(e.target.value)}>
            {targets.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <label htmlFor="approval-request-comment">Comment</label>
          <input id="approval-request-comment" value={comment} onChange={(e) => setComment(e.target.value)} />
          <button type="submit">Request approval</button>
        </form>
      )}
    </>
  );
}

function Decide({
  approval,
  onDecide,
}: {
  approval: Approval;
  onDecide: (id: number, decision: 'approve' | 'reject', comment: string) => Promise<boolean>;
}): ReactNode {
  const [comment, setComment] = useState('');
  const id = `decision-comment-${approval.id}`;
  return (
    <div className="inline-form">
      <label htmlFor={id} className="visually-hidden">
        Comment on the decision for {approval.target}
      </label>
      <input id={id} placeholder="comment" value={comment} onChange={(e) => setComment(e.target.value)} />
      <button type="button" onClick={() => void onDecide(approval.id, 'approve', comment)}>
        Approve
      </button>
      <button type="button" className="danger" onClick={() => void onDecide(approval.id, 'reject', comment)}>
        Reject
      </button>
    </div>
  );
}
