import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  grantPermission,
  listUserPermissions,
  revokePermission,
  type PermissionRecord,
} from '../../api/admin';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { useAsync } from '../../components/use-async';
import { useSetQuery } from '../../router/use-route';

const permissions = ['READ', 'EDIT', 'MANAGE', 'NO_PERMISSIONS'] as const;

/** A user's permissions on experiments and registered models (`?user=`): list, grant, revoke. */
export function PermissionsSection({ query }: { query: URLSearchParams }): ReactNode {
  const username = query.get('user') ?? '';
  const setQuery = useSetQuery();
  const [draft, setDraft] = useState(username);
  return (
    <>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ user: draft.trim() });
        }}
      >
        <label htmlFor="permissions-user">User</label>
        <input id="permissions-user" value={draft} onChange={(e) => setDraft(e.target.value)} required />
        <button type="submit">Show permissions</button>
      </form>
      {username === '' ? (
        <Empty>Choose a user to see and change their permissions.</Empty>
      ) : (
        <UserPermissions key={username} username={username} />
      )}
    </>
  );
}

function UserPermissions({ username }: { username: string }): ReactNode {
  const [state, reload] = useAsync((signal) => listUserPermissions(username, signal), [username]);
  const [error, setError] = useState<string>();
  const [grant, setGrant] = useState<PermissionRecord>({
    resourceType: 'experiment',
    resource: '',
    permission: 'READ',
  });
  const act = (action: () => Promise<void>): void => {
    setError(undefined);
    action().then(reload, (err: unknown) => setError(errorMessage(err)));
  };
  const onGrant = (event: FormEvent): void => {
    event.preventDefault();
    act(() => grantPermission(username, { ...grant, resource: grant.resource.trim() }));
  };
  return (
    <>
      <h2 id="grants-title">Permissions of {username}</h2>
      {error !== undefined && <ErrorMessage message={error} />}
      {state.status === 'loading' && <Loading what="permissions" />}
      {state.status === 'error' && (
        <ErrorMessage title="Could not read permissions" message={state.message} />
      )}
      {state.status === 'ok' && state.value.length === 0 && (
        <Empty>No grants: the server's default permission applies everywhere.</Empty>
      )}
      {state.status === 'ok' && state.value.length > 0 && (
        <table className="data-table" aria-labelledby="grants-title">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Resource</th>
              <th scope="col">Permission</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.value.map((p) => (
              <tr key={`${p.resourceType}:${p.resource}`}>
                <td>{p.resourceType === 'experiment' ? 'experiment' : 'registered model'}</td>
                <td className="mono">{p.resource}</td>
                <td>{p.permission}</td>
                <td className="actions">
                  <button type="button" onClick={() => act(() => revokePermission(username, p))}>
                    Revoke
                    <span className="visually-hidden">
                      {' '}
                      {p.permission} on {p.resource}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={onGrant} aria-label="Grant a permission">
        <label htmlFor="grant-kind">Kind</label>
        <select
          id="grant-kind"
          value={grant.resourceType}
          onChange={(e) =>
            setGrant({
              ...grant,
              resourceType: e.target.value === 'experiment' ? 'experiment' : 'registered_model',
            })
          }
        >
          <option value="experiment">experiment (id)</option>
          <option value="registered_model">registered model (name)</option>
        </select>
        <label htmlFor="grant-resource">Resource</label>
        <input
          id="grant-resource"
          value={grant.resource}
          onChange={(e) => setGrant({ ...grant, resource: e.target.value })}
          required
        />
        <label htmlFor="grant-permission">Permission</label>
        <select
          id="grant-permission"
          value={grant.permission}
          onChange={(e) => setGrant({ ...grant, permission: e.target.value })}
        >
          {permissions.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <button type="submit">Grant</button>
      </form>
    </>
  );
}
