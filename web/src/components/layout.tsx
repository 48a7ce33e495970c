import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/api-error';
import { useAuth } from '../auth/auth-context';
import { hrefs } from '../router/routes';

/** The frame of every page: the header with the main navigation, then the page under a single <main>. */
export function Layout({ children }: { children: ReactNode }): ReactNode {
  return (
    <>
      <header className="topbar">
        <a className="brand" href={hrefs.experiments()}>
          Bosun
        </a>
        <nav aria-label="Main">
          <a href={hrefs.experiments()}>Experiments</a>
          <a href={hrefs.models()}>Models</a>
          <a href={hrefs.alerts()}>Alerts</a>
          <a href={hrefs.pipelines()}>Pipelines</a>
          <AdminLinks />
        </nav>
        <UserMenu />
      </header>
      <main id="main">{children}</main>
    </>
  );
}

/** Administration links, only for what the signed-in user (or anyone, with auth off) may open. */
function AdminLinks(): ReactNode {
  const { state } = useAuth();
  if (state.status !== 'signed-in') return null;
  const c = state.who.capabilities;
  if (c.manageUsers) return <a href={hrefs.admin('users')}>Administration</a>;
  if (c.readAuditLog) return <a href={hrefs.admin('audit')}>Audit log</a>;
  if (state.who.authEnabled) return <a href={hrefs.admin('tokens')}>API tokens</a>;
  return null;
}

/** Who is signed in, and sign-out (auth on). */
function UserMenu(): ReactNode {
  const { state, signOut } = useAuth();
  const [error, setError] = useState<string>();
  if (state.status !== 'signed-in' || !state.who.authEnabled || state.who.user === undefined) return null;
  return (
    <div className="user-menu">
      <span>
        Signed in as <strong>{state.who.user.username}</strong>
      </span>
      <button type="button" onClick={() => signOut().catch((err: unknown) => setError(errorMessage(err)))}>
        Sign out
      </button>
      {error !== undefined && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}
