import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  deleteModelAlias,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getRegisteredModel,
  listModelVersions,
  renameRegisteredModel,
  setRegisteredModelTag,
  updateRegisteredModelDescription,
  type ModelVersion,
  type RegisteredModel,
} from '../../api/registry';
import { mayEdit, useWhoAmI } from '../../auth/auth-context';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { hrefs } from '../../router/routes';
import { DescriptionEditor, TagsEditor } from './key-value-editor';

/**
 * A registered model: description, tags, aliases, every version with its stage and aliases, rename and delete
 * (offered to users who may edit it; the server decides).
 */
export function ModelPage({ name }: { name: string }): ReactNode {
  const [state, reload] = useAsync(
    async (signal) => {
      const [model, versions] = await Promise.all([
        getRegisteredModel(name, signal),
        listModelVersions(name, signal),
      ]);
      return { model, versions };
    },
    [name],
  );
  return (
    <section aria-labelledby="model-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <a href={hrefs.models()}>Registered models</a>
      </nav>
      {state.status === 'loading' && <Loading what="model" />}
      {state.status === 'error' && (
        <>
          <h1 id="model-title">{name}</h1>
          <ErrorMessage title="Could not load the model" message={state.message} />
        </>
      )}
      {state.status === 'ok' && (
        <ModelDetails model={state.value.model} versions={state.value.versions} reload={reload} />
      )}
    </section>
  );
}

function ModelDetails({
  model,
  versions,
  reload,
}: {
  model: RegisteredModel;
  versions: ModelVersion[];
  reload: () => void;
}): ReactNode {
  const who = useWhoAmI();
  const editable = mayEdit(who, 'registered_model', model.name);
  const [error, setError] = useState<string>();
  const act = async (action: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await action();
      reload();
    } catch (err) {
      setError(errorMessage(err));
      throw err;
    }
  };
  const quietly = (action: () => Promise<unknown>): Promise<void> => act(action).catch(() => undefined);
  return (
    <>
      <div className="page-head">
        <h1 id="model-title">{model.name}</h1>
        {editable && <ModelActions model={model} setError={setError} />}
      </div>
      {error !== undefined && <ErrorMessage message={error} />}
      <dl className="facts" aria-label="Overview">
        <dt>Versions</dt>
        <dd>{versions.length}</dd>
        <dt>Created</dt>
        <dd>
          <TimeText ms={model.creationTimestamp} />
        </dd>
        <dt>Last updated</dt>
        <dd>
          <TimeText ms={model.lastUpdatedTimestamp} />
        </dd>
        <dt>Monitoring</dt>
        <dd>
          <a href={hrefs.monitoring(model.name)}>Monitors and alerts of {model.name}</a>
        </dd>
      </dl>
      <h2 id="model-description-title">Description</h2>
      <DescriptionEditor
        id="model-description"
        description={model.description ?? ''}
        editable={editable}
        onSave={(text) => act(() => updateRegisteredModelDescription(model.name, text))}
      />
      <h2 id="model-aliases-title">Aliases ({model.aliases.length})</h2>
      {model.aliases.length === 0 ? (
        <Empty>No aliases: set one on a version’s page.</Empty>
      ) : (
        <table className="data-table kv" aria-labelledby="model-aliases-title">
          <tbody>
            {model.aliases.map((a) => (
              <tr key={a.alias}>
                <th scope="row">@{a.alias}</th>
                <td>
                  <a href={hrefs.modelVersion(model.name, a.version)}>Version {a.version}</a>
                </td>
                {editable && (
                  <td className="actions">
                    <button
                      type="button"
                      onClick={() => void quietly(() => deleteModelAlias(model.name, a.alias))}
                    >
                      Remove<span className="visually-hidden"> alias {a.alias}</span>
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="model-versions-title">Versions ({versions.length})</h2>
      {versions.length === 0 ? (
        <Empty>No versions yet.</Empty>
      ) : (
        <table className="data-table" aria-labelledby="model-versions-title">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Stage</th>
              <th scope="col">Aliases</th>
              <th scope="col">Source run</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <th scope="row">
                  <a href={hrefs.modelVersion(model.name, v.version)}>Version {v.version}</a>
                </th>
                <td>{v.currentStage}</td>
                <td>{v.aliases.length === 0 ? '—' : v.aliases.map((a) => `@${a}`).join(', ')}</td>
                <td className="mono">{v.runId ?? '—'}</td>
                <td>
                  <TimeText ms={v.creationTimestamp} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="model-tags-title">Tags</h2>
      <TagsEditor
        id="model-tags-title"
        tags={model.tags}
        editable={editable}
        onSet={(key, value) => quietly(() => setRegisteredModelTag(model.name, key, value))}
        onRemove={(key) => quietly(() => deleteRegisteredModelTag(model.name, key))}
      />
    </>
  );
}

function ModelActions({
  model,
  setError,
}: {
  model: RegisteredModel;
  setError: (message: string | undefined) => void;
}): ReactNode {
  const [renaming, setRenaming] = useState(false);
  const [newName, setNewName] = useState(model.name);
  const onRename = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    const target = newName.trim();
    renameRegisteredModel(model.name, target).then(
      () => {
        window.location.hash = hrefs.model(target);
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  };
  const onDelete = (): void => {
    if (!window.confirm(`Delete model “${model.name}” and all its versions? This cannot be undone.`)) return;
    setError(undefined);
    deleteRegisteredModel(model.name).then(
      () => {
        window.location.hash = hrefs.models();
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  };
  return (
    <div className="toolbar">
      {renaming ? (
        <form className="inline-form" onSubmit={onRename}>
          <label htmlFor="model-new-name">New name</label>
          <input id="model-new-name" value={newName} onChange={(e) => setNewName(e.target.value)} autoFocus />
          <button type="submit">Save name</button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" onClick={() => setRenaming(true)}>
          Rename
        </button>
      )}
      <button type="button" className="danger" onClick={onDelete}>
        Delete model
      </button>
    </div>
  );
}
