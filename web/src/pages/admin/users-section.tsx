import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import {
  createUser,
  listUsers,
  resetPassword,
  setAdmin,
  setDisabled,
  type UserRecord,
} from '../../api/admin';
import { Empty, ErrorMessage, Loading } from '../../components/status';
import { TimeText } from '../../components/time-text';
import { useAsync } from '../../components/use-async';

/** Users: create, reset a password, grant or remove the admin flag, disable or enable (administrators). */
export function UsersSection({ self }: { self: string }): ReactNode {
  const [state, reload] = useAsync((signal) => listUsers(signal), []);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const act = async (action: () => Promise<string>): Promise<boolean> => {
    setNotice(undefined);
    try {
      setNotice({ kind: 'ok', text: await action() });
      reload();
      return true;
    } catch (err) {
      setNotice({ kind: 'error', text: errorMessage(err) });
      return false;
    }
  };
  return (
    <>
      <CreateUser act={act} />
      {notice?.kind === 'error' && <ErrorMessage message={notice.text} />}
      {notice?.kind === 'ok' && (
        <p role="status" className="notice">
          {notice.text}
        </p>
      )}
      {state.status === 'loading' && <Loading what="users" />}
      {state.status === 'error' && <ErrorMessage title="Could not list users" message={state.message} />}
      {state.status === 'ok' && state.value.length === 0 && <Empty>No users.</Empty>}
      {state.status === 'ok' && state.value.length > 0 && (
        <table className="data-table" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.value.map((u) => (
              <UserRow key={u.id} user={u} self={u.username === self} act={act} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CreateUser({ act }: { act: (action: () => Promise<string>) => Promise<boolean> }): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    const name = username.trim();
    void act(async () => {
      await createUser(name, password);
      return `User ${name} created.`;
    }).then((ok) => {
      setPassword('');
      if (ok) setUsername('');
    });
  };
  return (
    <form className="inline-form" onSubmit={onSubmit} aria-label="Create a user">
      <label htmlFor="new-user-name">New user</label>
      <input
        id="new-user-name"
        autoComplete="off"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        required
      />
      <label htmlFor="new-user-password">Password</label>
      <input
        id="new-user-password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      <button type="submit">Create user</button>
    </form>
  );
}

function UserRow({
  user,
  self,
  act,
}: {
  user: UserRecord;
  self: boolean;
  act: (action: () => Promise<string>) => Promise<boolean>;
}): ReactNode {
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState('');
  const onReset = (event: FormEvent): void => {
    event.preventDefault();
    void act(async () => {
      await resetPassword(user.username, password);
      return `Password of ${user.username} reset; their sessions ended.`;
    }).then((ok) => {
      setPassword('');
      if (ok) setResetting(false);
    });
  };
  return (
    <tr className={user.disabled ? 'deleted' : undefined}>
      <th scope="row">
        {user.username}
        {self && (
          <>
            {' '}
            <span className="badge">you</span>
          </>
        )}
      </th>
      <td>{user.isAdmin ? 'administrator' : 'user'}</td>
      <td>{user.disabled ? 'disabled' : 'active'}</td>
      <td>{user.lastLoginAt !== undefined ? <TimeText ms={user.lastLoginAt} /> : '—'}</td>
      <td className="actions">
        {resetting ? (
          <form className="inline-form" onSubmit={onReset}>
            <label htmlFor={`reset-${user.id}`} className="visually-hidden">
              New password for {user.username}
            </label>
            <input
              id={`reset-${user.id}`}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              autoFocus
            />
            <button type="submit">Save password</button>
            <button type="button" onClick={() => setResetting(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" onClick={() => setResetting(true)}>
            Reset password<span className="visually-hidden"> of {user.username}</span>
          </button>
        )}
        {!self && (
          <>
            <button
              type="button"
              onClick={() =>
                void act(async () => {
                  await setAdmin(user.username, !user.isAdmin);
                  return `${user.username} is ${user.isAdmin ? 'no longer' : 'now'} an administrator.`;
                })
              }
            >
              {user.isAdmin ? 'Remove admin' : 'Make admin'}
              <span className="visually-hidden"> {user.username}</span>
            </button>
            <button
              type="button"
              className={user.disabled ? undefined : 'danger'}
              onClick={() =>
                void act(async () => {
                  const ended = await setDisabled(user.username, !user.disabled);
                  return user.disabled
                    ? `${user.username} is enabled.`
                    : `${user.username} is disabled; ${ended} session${ended === 1 ? '' : 's'} ended.`;
                })
              }
            >
              {user.disabled ? 'Enable' : 'Disable'}
              <span className="visually-hidden"> {user.username}</span>
            </button>
          </>
        )}
      </td>
    </tr>
  );
}
