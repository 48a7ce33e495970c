import { useState, type FormEvent, type ReactNode } from 'react';
import { searchRegisteredModels, type RegisteredModel } from '../../api/registry';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { useSetQuery } from '../../router/use-route';

/** MLflow's registered-model filter for "name contains `text`" (quotes and LIKE wildcards escaped). */
export function modelSearchFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const escaped = trimmed
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/[%_]/g, (c) => `\\${c}`);
  return `name ILIKE '%${escaped}%'`;
}

function latestVersion(model: RegisteredModel): string {
  const numbers = model.latestVersions.map((v) => Number(v.version));
  return numbers.length === 0 ? '—' : String(Math.max(...numbers));
}

/** The registered models: search by name (URL `?q=`), each with its latest version and aliases. */
export function ModelsPage({ query }: { query: URLSearchParams }): ReactNode {
  const setQuery = useSetQuery();
  const search = query.get('q') ?? '';
  const [draft, setDraft] = useState(search);
  const [state] = useAsync(
    (signal) => searchRegisteredModels({ filter: modelSearchFilter(search), maxResults: 200 }, signal),
    [search],
  );
  const onSearch = (event: FormEvent): void => {
    event.preventDefault();
    setQuery({ q: draft.trim() });
  };
  return (
    <section aria-labelledby="models-title">
      <div className="page-head">
        <h1 id="models-title">Registered models</h1>
      </div>
      <div className="toolbar">
        <form role="search" onSubmit={onSearch} className="inline-form">
          <label htmlFor="model-search">Search by name</label>
          <input
            id="model-search"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="name contains…"
          />
          <button type="submit">Search</button>
        </form>
      </div>
      {state.status === 'loading' && <Loading what="registered models" />}
      {state.status === 'error' && <ErrorMessage title="Could not list models" message={state.message} />}
      {state.status === 'ok' && state.value.items.length === 0 && (
        <Empty>
          {search === ''
            ? 'No registered models yet: register one with mlflow.register_model or log_model(registered_model_name=…).'
            : `No model's name contains “${search}”.`}
        </Empty>
      )}
      {state.status === 'ok' && state.value.items.length > 0 && (
        <table className="data-table" aria-label="Registered models">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest version</th>
              <th scope="col">Aliases</th>
              <th scope="col">Last updated</th>
            </tr>
          </thead>
          <tbody>
            {state.value.items.map((model) => (
              <tr key={model.name}>
                <td>
                  <a href={hrefs.model(model.name)}>{model.name}</a>
                </td>
                <td className="num">{latestVersion(model)}</td>
                <td>
                  {model.aliases.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    model.aliases.map((a) => (
                      <span key={a.alias} className="tag">
                        @{a.alias} → v{a.version}
                      </span>
                    ))
                  )}
                </td>
                <td>
                  <TimeText ms={model.lastUpdatedTimestamp} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
