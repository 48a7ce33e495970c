import type { ReactNode } from 'react';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { DagView } from './dag-view';
import { readPipelineDocument, type DocumentStep } from './pipeline-document';
import { getDefinition, type PipelineDefinition } from './pipelines-api';
import { RunForm } from './run-form';
import { PipelineTriggers } from './pipeline-triggers';
import { PipelineCostFacts } from './pipeline-cost-summary';
import './pipelines.css';

/**
 * A pipeline, `#/pipelines/<name>?version=<n>` (the latest without): its versions, its steps and their DAG,
 * the plan of a run (cache hits and misses, and why), for users who may run it "Run" with parameters, and the
 * triggers that start its runs with their recent firings.
 */
export default function PipelinePage({ name, query }: { name: string; query: URLSearchParams }): ReactNode {
  const asked = query.get('version');
  const version = asked === null || !/^\d+$/.test(asked) ? undefined : Number(asked);
  const [state] = useAsync(
    async (signal) => {
      const [shown, latest] = await Promise.all([
        getDefinition(name, version, signal),
        version === undefined ? undefined : getDefinition(name, undefined, signal),
      ]);
      return { ...shown, latest: (latest ?? shown).definition.version };
    },
    [name, version],
  );
  return (
    <section aria-labelledby="pipeline-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.pipelines()}>Pipelines</a>
      </nav>
      <h1 id="pipeline-title">{name}</h1>
      {state.status === 'loading' && <Loading what="pipeline" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the pipeline" message={state.message} />
      )}
      {state.status === 'ok' && (
        <PipelineDetails
          definition={state.value.definition}
          document={state.value.document}
          latest={state.value.latest}
        />
      )}
    </section>
  );
}

function PipelineDetails({
  definition,
  document,
  latest,
}: {
  definition: PipelineDefinition;
  document: unknown;
  latest: number;
}): ReactNode {
  const who = useWhoAmI();
  const doc = readPipelineDocument(document);
  const mayRun = mayEdit(who, 'experiment', definition.experimentId);
  const versions = Array.from({ length: latest }, (_, i) => latest - i);
  return (
    <>
      {doc.description !== null && <p>{doc.description}</p>}
      <dl className="facts">
        <dt>Version</dt>
        <dd>
          {definition.version}
          {definition.version !== latest && <span className="muted"> (latest is {latest})</span>}
          {versions.length > 1 && (
            <nav aria-label="Versions" className="version-links">
              {versions.map((v) =>
                v === definition.version ? (
                  <span key={v} aria-current="page">
                    {v}
                  </span>
                ) : (
                  <a key={v} href={hrefs.pipeline(definition.name, v)}>
                    {v}
                  </a>
                ),
              )}
            </nav>
          )}
        </dd>
        <dt>Stored</dt>
        <dd>
          <TimeText ms={definition.createdAt} /> by {definition.createdBy}
        </dd>
        <dt>Digest</dt>
        <dd className="mono">{definition.digest.slice(0, 19)}</dd>
        <dt>Experiment</dt>
        <dd>
          <a href={hrefs.experiment(definition.experimentId)}>{definition.experimentId}</a>
        </dd>
        <dt>Runs</dt>
        <dd>
          <a href={hrefs.pipelineRuns({ pipeline: definition.name })}>Runs of {definition.name}</a>
        </dd>
        <PipelineCostFacts pipeline={definition.name} />
      </dl>
      <h2>Steps</h2>
      <DagView steps={doc.steps} label={`The steps of ${definition.name} and their dependencies`} />
      <StepsTable steps={doc.steps} />
      <RunForm
        key={definition.version}
        pipeline={definition.name}
        version={definition.version}
        params={doc.params}
        mayRun={mayRun}
      />
      <PipelineTriggers pipeline={definition.name} />
    </>
  );
}

function StepsTable({ steps }: { steps: DocumentStep[] }): ReactNode {
  return (
    <table className="data-table" aria-label="Steps">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Runs</th>
          <th scope="col">After</th>
          <th scope="col">Fan-out</th>
          <th scope="col">Condition</th>
          <th scope="col">Cache</th>
          <th scope="col">Retries</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.name}>
            <th scope="row">
              {s.name}
              {s.phase === 'exit' && <span className="badge">on exit</span>}
              {s.description !== null && <div className="muted">{s.description}</div>}
            </th>
            <td>{s.kind}</td>
            <td>{s.dependsOn.length === 0 ? '—' : s.dependsOn.join(', ')}</td>
            <td>{s.fanOut ? 'yes' : 'no'}</td>
            <td className="mono">{s.when ?? '—'}</td>
            <td>{s.cacheDisabled ? 'off' : 'on'}</td>
            <td className="num">{s.retryLimit ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
