import type { ReactNode } from 'react';
import { searchLoggedModels } from '../../api/logged-models';
import { versionsOfRun } from '../../api/run-details';
import type { Run } from '../../api/tracking';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';

/** The datasets the run used (`log_input`): name, digest, source type, context. */
export function RunDatasets({ run }: { run: Run }): ReactNode {
  const inputs = run.inputs.datasetInputs;
  return (
    <>
      <h2 id="datasets-title">Datasets ({inputs.length})</h2>
      {inputs.length === 0 ? (
        <Empty>No dataset inputs.</Empty>
      ) : (
        <table className="data-table" aria-labelledby="datasets-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Digest</th>
              <th scope="col">Source type</th>
              <th scope="col">Context</th>
            </tr>
          </thead>
          <tbody>
            {inputs.map((d) => (
              <tr key={`${d.dataset.name}:${d.dataset.digest}`}>
                <th scope="row">{d.dataset.name}</th>
                <td className="mono">{d.dataset.digest}</td>
                <td>{d.dataset.sourceType}</td>
                <td>{d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The logged models the run produced and the registered versions made from it. */
export function RunModels({ run }: { run: Run }): ReactNode {
  const { runId, experimentId } = run.info;
  const [state] = useAsync(
    async (signal) => {
      const [models, versions] = await Promise.all([
        searchLoggedModels([experimentId], { filter: `source_run_id = '${runId}'` }, signal),
        versionsOfRun(runId, signal),
      ]);
      return { models: models.items, versions };
    },
    [runId],
  );
  return (
    <>
      <h2 id="models-title">Models</h2>
      {state.status === 'loading' && <Loading what="models" />}
      {state.status === 'error' && <ErrorMessage title="Could not load the models" message={state.message} />}
      {state.status === 'ok' && (
        <div className="run-models">
          <h3 id="logged-models-title">Logged models ({state.value.models.length})</h3>
          {state.value.models.length === 0 ? (
            <Empty>No logged models from this run.</Empty>
          ) : (
            <ul aria-labelledby="logged-models-title">
              {state.value.models.map((m) => (
                <li key={m.modelId}>
                  <a href={hrefs.loggedModel(m.experimentId, m.modelId)}>{m.name}</a>{' '}
                  <span className="mono muted">{m.modelId}</span>
                </li>
              ))}
            </ul>
          )}
          <h3 id="versions-title">Registered versions ({state.value.versions.length})</h3>
          {state.value.versions.length === 0 ? (
            <Empty>No registered model versions from this run.</Empty>
          ) : (
            <ul aria-labelledby="versions-title">
              {state.value.versions.map((v) => (
                <li key={`${v.name}/${v.version}`}>
                  <a href={hrefs.modelVersion(v.name, v.version)}>
                    {v.name} version {v.version}
                  </a>
                  {v.aliases.length > 0 && <span className="muted"> (@{v.aliases.join(', @')})</span>}
                  {v.currentStage !== 'None' && <span className="badge">{v.currentStage}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
