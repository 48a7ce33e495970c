import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  destroySecretVersions,
  getSecretMetadata,
  listSecrets,
  revealSecret,
  writeSecret,
} from '../../api/admin';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { useSetQuery } from '../../router/use-route';

/**
 * The secret store: the paths (those starting with `?prefix=`), a secret's versions and metadata (`?path=`), rotate
 * (write a new version), destroy versions. A value is read only on an explicit "Reveal" (the server audits
 * the read) and kept only on screen until hidden.
 */
export function SecretsSection({ query }: { query: URLSearchParams }): ReactNode {
  const prefix = query.get('prefix') ?? '';
  const path = query.get('path') ?? '';
  const setQuery = useSetQuery();
  const [draft, setDraft] = useState(prefix);
  const [state] = useAsync((signal) => listSecrets(prefix, signal), [prefix]);
  return (
    <>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ prefix: draft.trim(), path: undefined });
        }}
      >
        <label htmlFor="secret-prefix">Paths starting with</label>
        <input
          id="secret-prefix"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="team/"
        />
        <button type="submit">List</button>
      </form>
      {state.status === 'loading' && <Loading what="secrets" />}
      {state.status === 'error' && <ErrorMessage title="Could not list secrets" message={state.message} />}
      {state.status === 'ok' && state.value.length === 0 && <Empty>No secrets here.</Empty>}
      {state.status === 'ok' && state.value.length > 0 && (
        <ul className="secret-keys" aria-label="Secret paths">
          {state.value.map((key) => (
            <li key={key}>
              <button
                type="button"
                aria-current={path === key ? 'true' : undefined}
                onClick={() => setQuery({ path: key })}
              >
                {key}
              </button>
            </li>
          ))}
        </ul>
      )}
      {path !== '' && <SecretDetails key={path} path={path} />}
    </>
  );
}

function SecretDetails({ path }: { path: string }): ReactNode {
  const [state, reload] = useAsync((signal) => getSecretMetadata(path, signal), [path]);
  const [revealed, setRevealed] = useState<{ version: number; value: string }>();
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const act = (action: () => Promise<void>): void => {
    setError(undefined);
    action().then(reload, (err: unknown) => setError(errorMessage(err)));
  };
  const onRotate = (event: FormEvent): void => {
    event.preventDefault();
    const next = value;
    setValue('');
    setRevealed(undefined);
    act(() => writeSecret(path, next));
  };
  return (
    <>
      <h2 id="secret-title" className="mono">
        {path}
      </h2>
      {error !== undefined && <ErrorMessage message={error} />}
      {state.status === 'loading' && <Loading what="secret metadata" />}
      {state.status === 'error' && <ErrorMessage title="Could not read the secret" message={state.message} />}
      {state.status === 'ok' && (
        <>
          <p>
            Current version {state.value.currentVersion}, updated <TimeText ms={state.value.updatedTime} />.
          </p>
          <table className="data-table" aria-labelledby="secret-title">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <th scope="col">Value</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...state.value.versions].reverse().map((v) => {
                const live = !v.destroyed && v.deletionTime === undefined;
                const shown = revealed?.version === v.version;
                return (
                  <tr key={v.version}>
                    <th scope="row">{v.version}</th>
                    <td>
                      <TimeText ms={v.createdTime} />
                    </td>
                    <td>{v.destroyed ? 'destroyed' : v.deletionTime !== undefined ? 'deleted' : 'live'}</td>
                    <td className="mono">{shown ? revealed.value : live ? '••••••••' : '—'}</td>
                    <td className="actions">
                      {live &&
                        (shown ? (
                          <button type="button" onClick={() => setRevealed(undefined)}>
                            Hide<span className="visually-hidden"> version {v.version}</span>
                          </button>
                        ) : (
                          <button
                            type="button"
                            onClick={() => {
                              setError(undefined);
                              revealSecret(path, v.version).then(
                                (text) => setRevealed({ version: v.version, value: text }),
                                (err: unknown) => setError(errorMessage(err)),
                              );
                            }}
                          >
                            Reveal<span className="visually-hidden"> version {v.version}</span>
                          </button>
                        ))}
                      {!v.destroyed && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => {
                            if (
                              window.confirm(
                                `Destroy version ${v.version} of ${path}? Its value is erased for good.`,
                              )
                            ) {
                              if (shown) setRevealed(undefined);
                              act(() => destroySecretVersions(path, [v.version]));
                            }
                          }}
                        >
                          Destroy<span className="visually-hidden"> version {v.version}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <form className="inline-form" onSubmit={onRotate} aria-label="Rotate the secret">
            <label htmlFor="secret-new-value">New value</label>
            <input
              id="secret-new-value"
              type="password"
              autoComplete="off"
              value={value}
              onChange={(e) => setValue(e.target.value)}
              required
            />
            <button type="submit">Rotate (write a new version)</button>
          </form>
        </>
      )}
    </>
  );
}
