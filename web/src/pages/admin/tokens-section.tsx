import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { createToken, listTokens, revokeToken } from '../../api/admin';
import type { WhoAmI } from '../../api/session';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';
import { useSetQuery } from '../../router/use-route';

/**
 * API tokens of the signed-in user (administrators may pick another user, `?user=`): create (the token is
 * shown once, here, and kept only in this page's memory), list without secrets, revoke.
 */
export function TokensSection({ who, query }: { who: WhoAmI; query: URLSearchParams }): ReactNode {
  const self = who.user?.username ?? '';
  const username = who.user?.isAdmin === true ? (query.get('user') ?? self) : self;
  const setQuery = useSetQuery();
  const [state, reload] = useAsync((signal) => listTokens(username, signal), [username]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [error, setError] = useState<string>();
  const [owner, setOwner] = useState(username);
  const onCreate = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    createToken(username, name.trim()).then(
      ({ token, info }) => {
        setCreated({ name: info.name, token });
        setName('');
        reload();
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  };
  return (
    <>
      {who.user?.isAdmin === true && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setCreated(undefined);
            setQuery({ user: owner.trim() === self ? undefined : owner.trim() });
          }}
        >
          <label htmlFor="token-owner">Tokens of user</label>
          <input id="token-owner" value={owner} onChange={(e) => setOwner(e.target.value)} />
          <button type="submit">Show</button>
        </form>
      )}
      <form className="inline-form" onSubmit={onCreate} aria-label="Create a token">
        <label htmlFor="token-name">New token name</label>
        <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit">Create token</button>
      </form>
      {error !== undefined && <ErrorMessage message={error} />}
      {created !== undefined && (
        <div className="token-once" role="status">
          <p>Token “{created.name}” — copy it now, it will not be shown again:</p>
          <code className="mono" data-testid="new-token">
            {created.token}
          </code>
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <h2 id="tokens-title">Tokens of {username}</h2>
      {state.status === 'loading' && <Loading what="tokens" />}
      {state.status === 'error' && <ErrorMessage title="Could not list tokens" message={state.message} />}
      {state.status === 'ok' && state.value.length === 0 && <Empty>No API tokens.</Empty>}
      {state.status === 'ok' && state.value.length > 0 && (
        <table className="data-table" aria-labelledby="tokens-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.value.map((t) => (
              <tr key={t.id} className={t.revokedAt !== undefined ? 'deleted' : undefined}>
                <th scope="row">{t.name}</th>
                <td className="mono">{t.prefix}…</td>
                <td>
                  <TimeText ms={t.createdAt} />
                </td>
                <td>{t.lastUsedAt !== undefined ? <TimeText ms={t.lastUsedAt} /> : '—'}</td>
                <td>{t.revokedAt !== undefined ? 'revoked' : 'active'}</td>
                <td className="actions">
                  {t.revokedAt === undefined && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        setError(undefined);
                        revokeToken(username, t.id).then(reload, (err: unknown) =>
                          setError(errorMessage(err)),
                        );
                      }}
                    >
                      Revoke<span className="visually-hidden"> {t.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
