import type { ReactNode } from 'react';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { listDefinitions, listRuns, type PipelineRun } from './pipelines-api';
import { StatusText } from './status-text';
import './pipelines.css';

/** Runs read to find each pipeline's last one (newest first from the API). */
const recentRuns = 1000;

/**
 * Every pipeline the user may read, `#/pipelines`: its name, latest version, experiment, when that version was
 * stored and by whom, and its last run's state.
 */
export default function PipelinesPage(): ReactNode {
  const [state] = useAsync(async (signal) => {
    const [definitions, runs] = await Promise.all([
      listDefinitions(signal),
      listRuns({ maxResults: recentRuns }, signal),
    ]);
    const last = new Map<string, PipelineRun>();
    for (const r of runs) if (!last.has(r.pipeline)) last.set(r.pipeline, r);
    return { definitions, last };
  }, []);
  return (
    <section aria-labelledby="pipelines-title">
      <div className="page-head">
        <h1 id="pipelines-title">Pipelines</h1>
        <a href={hrefs.pipelineRuns()}>All pipeline runs</a>
      </div>
      {state.status === 'loading' && <Loading what="pipelines" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not load the pipelines" message={state.message} />
      )}
      {state.status === 'ok' && state.value.definitions.length === 0 && (
        <Empty>
          No pipelines yet. Define one with <code>bosun pipeline run FILE</code> or the pipelines API (see
          docs/pipelines.md).
        </Empty>
      )}
      {state.status === 'ok' && state.value.definitions.length > 0 && (
        <table className="data-table" aria-label="Pipelines">
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Versions</th>
              <th scope="col">Experiment</th>
              <th scope="col">Latest version stored</th>
              <th scope="col">Last run</th>
              <th scope="col">Last run started</th>
            </tr>
          </thead>
          <tbody>
            {state.value.definitions.map((d) => {
              const last = state.value.last.get(d.name);
              return (
                <tr key={d.name}>
                  <th scope="row">
                    <a href={hrefs.pipeline(d.name)}>{d.name}</a>
                  </th>
                  <td className="num">{d.version}</td>
                  <td>
                    <a href={hrefs.experiment(d.experimentId)}>{d.experimentId}</a>
                  </td>
                  <td>
                    <TimeText ms={d.createdAt} /> by {d.createdBy}
                  </td>
                  <td>
                    {last === undefined ? (
                      <span className="muted">never run</span>
                    ) : (
                      <a href={hrefs.pipelineRun(last.runId)}>
                        <StatusText state={last.status} />
                      </a>
                    )}
                  </td>
                  <td>{last === undefined ? '—' : <TimeText ms={last.createdAt} />}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
