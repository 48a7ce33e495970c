import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { ErrorMessage } from '../../components/status';
import { hrefs } from '../../router/routes';
import type { DocumentParam } from './pipeline-document';
import { planRun, startRun, type PlanEntry } from './pipelines-api';

/** A parameter's field text read as its declared type; an empty field leaves the parameter to its default. */
function readParam(param: DocumentParam, textValue: string): { value?: unknown; error?: string } {
  const t = textValue.trim();
  if (t === '') return {};
  switch (param.type) {
    case 'int': {
      const n = Number(t);
      return Number.isInteger(n) ? { value: n } : { error: `${param.name}: '${t}' is not an integer` };
    }
    case 'float': {
      const n = Number(t);
      return Number.isFinite(n) ? { value: n } : { error: `${param.name}: '${t}' is not a number` };
    }
    case 'bool':
      return t === 'true' || t === 'false'
        ? { value: t === 'true' }
        : { error: `${param.name}: choose true or false` };
    case 'list':
    case 'dict':
      try {
        return { value: JSON.parse(t) as unknown };
      } catch {
        return { error: `${param.name}: '${t}' is not JSON (a list is [1, 2], a dict {"a": 1})` };
      }
    default:
      return { value: t };
  }
}

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The parameters of a run, a "Plan" button (which steps a run would take from the cache, and why the others
 * would run) and, for users who may run the pipeline, "Run" (opens the new run). The server's refusal (a
 * missing or ill-typed parameter) is shown in place.
 */
export function RunForm({
  pipeline,
  version,
  params,
  mayRun,
}: {
  pipeline: string;
  version: number;
  params: readonly DocumentParam[];
  mayRun: boolean;
}): ReactNode {
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<'plan' | 'run'>();
  const [error, setError] = useState<string>();
  const [plan, setPlan] = useState<PlanEntry[]>();

  const collect = (): Record<string, unknown> | undefined => {
    const out: Record<string, unknown> = {};
    for (const p of params) {
      const read = readParam(p, values[p.name] ?? '');
      if (read.error !== undefined) {
        setError(read.error);
        return undefined;
      }
      if ('value' in read) out[p.name] = read.value;
    }
    return out;
  };
  const act = async (what: 'plan' | 'run'): Promise<void> => {
    setError(undefined);
    const given = collect();
    if (given === undefined) return;
    setBusy(what);
    try {
      if (what === 'plan') setPlan(await planRun(pipeline, version, given));
      else {
        const run = await startRun(pipeline, version, given);
        window.location.hash = hrefs.pipelineRun(run.runId);
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(undefined);
    }
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void act(mayRun ? 'run' : 'plan');
  };
  return (
    <section aria-labelledby="run-form-title">
      <h2 id="run-form-title">{mayRun ? 'Run' : 'Plan'}</h2>
      <form className="pipeline-run-form" onSubmit={onSubmit}>
        {params.length === 0 && <p className="muted">This pipeline takes no parameters.</p>}
        {params.map((p) => {
          const id = `param-${p.name}`;
          return (
            <div key={p.name} className="param-field">
              <label htmlFor={id}>
                {p.name} <span className="muted">({p.type})</span>
              </label>
              {p.values !== null ? (
                <select
                  id={id}
                  value={values[p.name] ?? ''}
                  onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
                >
                  <option value="">{'default' in p ? `default: ${shown(p.default)}` : 'choose…'}</option>
                  {p.values.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  value={values[p.name] ?? ''}
                  placeholder={'default' in p ? `default: ${shown(p.default)}` : 'required'}
                  onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
                />
              )}
              {p.description !== null && <span className="muted">{p.description}</span>}
            </div>
          );
        })}
        <div className="toolbar">
          <button type="button" disabled={busy !== undefined} onClick={() => void act('plan')}>
            {busy === 'plan' ? 'Planning…' : 'Plan'}
          </button>
          {mayRun && (
            <button type="submit" disabled={busy !== undefined}>
              {busy === 'run' ? 'Starting…' : 'Run'}
            </button>
          )}
        </div>
        {error !== undefined && <ErrorMessage title="Refused" message={error} />}
      </form>
      {plan !== undefined && <PlanTable plan={plan} />}
    </section>
  );
}

const decisionText: Record<PlanEntry['decision'], string> = {
  hit: '⚡ cache hit',
  miss: '▶ will run (cache miss)',
  disabled: '▶ will run (cache off)',
  skip: '⤼ skipped',
  unknown: '? depends on upstream',
};

/** What a run would take from the cache and what it would run, and why. */
function PlanTable({ plan }: { plan: PlanEntry[] }): ReactNode {
  const hits = plan.filter((e) => e.decision === 'hit').length;
  return (
    <>
      <p role="status">
        {hits} of {plan.length} step{plan.length === 1 ? '' : 's'} from the cache
      </p>
      <table className="data-table" aria-label="Plan">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Cache</th>
            <th scope="col">Why</th>
            <th scope="col">Changed parts of the key</th>
          </tr>
        </thead>
        <tbody>
          {plan.map((e) => (
            <tr key={`${e.step}[${e.itemIndex ?? ''}]`}>
              <th scope="row">
                {e.step}
                {e.itemIndex === null ? '' : `[${e.itemIndex}]`}
              </th>
              <td className={`plan-${e.decision}`}>{decisionText[e.decision]}</td>
              <td>{e.reason}</td>
              <td>{e.changed.length === 0 ? '—' : e.changed.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
