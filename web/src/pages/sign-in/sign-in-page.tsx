import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage } from '../../api/api-error';
import { signIn } from '../../api/session';
import { useAuth } from '../../auth/auth-context';
import { ErrorMessage } from '../../components/status';
import './sign-in.css';
import { hrefs } from '../../router/routes';

/**
 * The sign-in page (auth on): a username and password sent once to `POST /api/bosun/v1/session`, which sets
 * the HttpOnly session cookie. The password lives only in this form's state and is cleared after each try;
 * nothing is written to localStorage. A refusal (wrong password, lockout, disabled account) shows the
 * server's own message. `next` is the page to open once signed in.
 */
export function SignInPage({ next }: { next: string | undefined }): ReactNode {
  const { signedIn } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    signIn(username.trim(), password).then(
      (who) => {
        setPassword('');
        setBusy(false);
        const target =
          next !== undefined && next.startsWith('#/') && !next.startsWith('#/sign-in')
            ? next
            : hrefs.experiments();
        if (window.location.hash !== target) window.location.hash = target;
        signedIn(who);
      },
      (err: unknown) => {
        setPassword('');
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  };
  return (
    <section aria-labelledby="sign-in-title" className="sign-in">
      <h1 id="sign-in-title">Sign in to Bosun</h1>
      <form onSubmit={onSubmit} className="sign-in-form">
        <label htmlFor="sign-in-username">Username</label>
        <input
          id="sign-in-username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          required
          autoFocus
        />
        <label htmlFor="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error !== undefined && <ErrorMessage title="Sign-in refused" message={error} />}
    </section>
  );
}
