import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { getLineage } from '../../api/governance';
import {
  deleteModelAlias,
  deleteModelVersionTag,
  getModelVersion,
  getVersionSignature,
  modelStages,
  setModelAlias,
  setModelVersionTag,
  transitionStage,
  updateModelVersionDescription,
  type ModelSignature,
  type ModelStage,
  type ModelVersion,
} from '../../api/registry';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { EventsPanel } from './events-panel';
import { GovernancePanel } from './governance-panel';
import { DescriptionEditor, TagsEditor } from './key-value-editor';
import { LineageGraph } from './lineage-graph';
import './registry.css';

/**
 * A model version: where it came from (source run, logged model, lineage graph), its signature, stage,
 * aliases, tags and description, and governance (scan, policies, approvals, promotion) with its events.
 */
export function VersionPage({ name, version }: { name: string; version: string }): ReactNode {
  const [state, reload] = useAsync(
    async (signal) => {
      const [mv, lineage] = await Promise.all([
        getModelVersion(name, version, signal),
        getLineage(name, version, signal),
      ]);
      return { mv, lineage };
    },
    [name, version],
  );
  const who = useWhoAmI();
  const editable = mayEdit(who, 'registered_model', name);
  // Counts governance actions, so that the events list shows the events they made.
  const [changes, setChanges] = useState(0);
  return (
    <section aria-labelledby="version-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.models()}>Registered models</a> / <a href={hrefs.model(name)}>{name}</a>
      </nav>
      <h1 id="version-title">
        {name} version {version}
      </h1>
      {state.status === 'loading' && <Loading what="version" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the version" message={state.message} />
      )}
      {state.status === 'ok' && (
        <>
          <VersionDetails
            mv={state.value.mv}
            runExperimentId={state.value.lineage.run?.experimentId}
            modelExperimentId={state.value.lineage.loggedModel?.experimentId}
            editable={editable}
            reload={reload}
          />
          <h2 id="lineage-title">Lineage</h2>
          <LineageGraph lineage={state.value.lineage} aliases={state.value.mv.aliases} />
          <Signature name={name} version={version} />
        </>
      )}
      {/* Outside the version's own loading: a promotion reloads the version, not the governance panel. */}
      {state.status !== 'error' && (
        <>
          <GovernancePanel
            name={name}
            version={version}
            editable={editable}
            onChanged={() => {
              reload();
              setChanges((c) => c + 1);
            }}
          />
          <EventsPanel
            name={name}
            version={version}
            showDeliveries={who?.capabilities.manageWebhooks ?? false}
            changes={changes}
          />
        </>
      )}
    </section>
  );
}

function VersionDetails({
  mv,
  runExperimentId,
  modelExperimentId,
  editable,
  reload,
}: {
  mv: ModelVersion;
  runExperimentId: string | undefined;
  modelExperimentId: string | undefined;
  editable: boolean;
  reload: () => void;
}): ReactNode {
  const [error, setError] = useState<string>();
  const [alias, setAlias] = useState('');
  const act = async (action: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await action();
      reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const runHref =
    mv.runId !== undefined && runExperimentId !== undefined
      ? hrefs.run(runExperimentId, mv.runId)
      : undefined;
  const modelHref =
    mv.modelId !== undefined && modelExperimentId !== undefined
      ? `#/experiments/${encodeURIComponent(modelExperimentId)}/logged-models/${encodeURIComponent(mv.modelId)}`
      : undefined;
  const onAlias = (event: FormEvent): void => {
    event.preventDefault();
    void act(() => setModelAlias(mv.name, alias.trim(), mv.version)).then(() => setAlias(''));
  };
  return (
    <>
      {error !== undefined && <ErrorMessage title="Refused" message={error} />}
      <dl className="facts" aria-label="Overview">
        <dt>Stage</dt>
        <dd>{mv.currentStage}</dd>
        <dt>Aliases</dt>
        <dd>{mv.aliases.length === 0 ? '—' : mv.aliases.map((a) => `@${a}`).join(', ')}</dd>
        <dt>Source run</dt>
        <dd className="mono">
          {runHref !== undefined ? <a href={runHref}>{mv.runId}</a> : (mv.runId ?? '—')}
        </dd>
        <dt>Logged model</dt>
        <dd className="mono">
          {modelHref !== undefined ? <a href={modelHref}>{mv.modelId}</a> : (mv.modelId ?? '—')}
        </dd>
        <dt>Source</dt>
        <dd className="mono">{mv.source}</dd>
        <dt>Created</dt>
        <dd>
          <TimeText ms={mv.creationTimestamp} />
        </dd>
        <dt>Monitoring</dt>
        <dd>
          <a href={hrefs.monitoring(mv.name)}>Monitors and alerts of {mv.name}</a>
        </dd>
      </dl>
      {editable && (
        <div className="toolbar">
          <label className="inline-label">
            Stage
            <select
              value={mv.currentStage}
              onChange={(e) =>
                void act(() => transitionStage(mv.name, mv.version, e.target.value as ModelStage))
              }
            >
              {modelStages.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <form className="inline-form" onSubmit={onAlias}>
            <label htmlFor="version-alias">Alias</label>
            <input id="version-alias" value={alias} onChange={(e) => setAlias(e.target.value)} required />
            <button type="submit">Set alias</button>
          </form>
          {mv.aliases.map((a) => (
            <button key={a} type="button" onClick={() => void act(() => deleteModelAlias(mv.name, a))}>
              Remove @{a}
            </button>
          ))}
        </div>
      )}
      <h2 id="version-description-title">Description</h2>
      <DescriptionEditor
        id="version-description"
        description={mv.description ?? ''}
        editable={editable}
        onSave={(text) => act(() => updateModelVersionDescription(mv.name, mv.version, text))}
      />
      <h2 id="version-tags-title">Tags</h2>
      <TagsEditor
        id="version-tags-title"
        tags={mv.tags}
        editable={editable}
        onSet={(key, value) => act(() => setModelVersionTag(mv.name, mv.version, key, value))}
        onRemove={(key) => act(() => deleteModelVersionTag(mv.name, mv.version, key))}
      />
    </>
  );
}

function Signature({ name, version }: { name: string; version: string }): ReactNode {
  const [state] = useAsync((signal) => getVersionSignature(name, version, signal), [name, version]);
  return (
    <>
      <h2 id="signature-title">Signature</h2>
      {state.status === 'loading' && <Loading what="signature" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not read the MLmodel file" message={state.message} />
      )}
      {state.status === 'ok' && state.value === undefined && (
        <Empty>No signature was logged with this model.</Empty>
      )}
      {state.status === 'ok' && state.value !== undefined && <SignatureTable signature={state.value} />}
    </>
  );
}

function SignatureTable({ signature }: { signature: ModelSignature }): ReactNode {
  const rows = [
    ...signature.inputs.map((c) => ({ ...c, side: 'input' })),
    ...signature.outputs.map((c) => ({ ...c, side: 'output' })),
  ];
  return (
    <table className="data-table" aria-labelledby="signature-title">
      <thead>
        <tr>
          <th scope="col">Side</th>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{r.side}</td>
            <td className="mono">{r.name}</td>
            <td className="mono">{r.type}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
