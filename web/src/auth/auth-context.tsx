import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/api-error';
import { getWhoAmI, signOut as endSession, type WhoAmI } from '../api/session';

/** Where the page stands on sign-in: asking, signed in (or auth off), signed out, or the server failed. */
export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-in'; who: WhoAmI }
  | { status: 'signed-out' }
  | { status: 'error'; message: string };

interface AuthContextValue {
  state: AuthState;
  /** Asks the server again (after sign-in, or when a call answered 401). */
  refresh(): void;
  /** Sets who am I from a sign-in answer. */
  signedIn(who: WhoAmI): void;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | undefined>(undefined);

/** Asks the server who am I once, and shares the answer with every page (menus, buttons, admin pages). */
export function AuthProvider({ children }: { children: ReactNode }): ReactNode {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    getWhoAmI(controller.signal).then(
      (who) => {
        if (!controller.signal.aborted)
          setState(who === undefined ? { status: 'signed-out' } : { status: 'signed-in', who });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: errorMessage(err) });
      },
    );
    return () => controller.abort();
  }, [generation]);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const signedIn = useCallback((who: WhoAmI) => setState({ status: 'signed-in', who }), []);
  const signOut = useCallback(async () => {
    await endSession();
    setState({ status: 'signed-out' });
  }, []);
  return (
    <AuthContext.Provider value={{ state, refresh, signedIn, signOut }}>{children}</AuthContext.Provider>
  );
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (value === undefined) throw new Error('useAuth outside <AuthProvider>');
  return value;
}

/** Who am I when signed in (or auth off); undefined while loading or signed out. */
export function useWhoAmI(): WhoAmI | undefined {
  const { state } = useAuth();
  return state.status === 'signed-in' ? state.who : undefined;
}

/**
 * Whether the user may write to a resource as far as the UI can tell (EDIT or MANAGE by grant or default;
 * administrators and auth off: yes). Only decides what is offered: the server decides what is allowed.
 */
export function mayEdit(
  who: WhoAmI | undefined,
  resourceType: 'experiment' | 'registered_model',
  resource: string,
): boolean {
  if (who === undefined) return false;
  if (!who.authEnabled || who.user?.isAdmin === true) return true;
  const grant = who.grants.find((g) => g.resourceType === resourceType && g.resource === resource);
  const permission = grant?.permission ?? who.defaultPermission;
  return permission === 'EDIT' || permission === 'MANAGE';
}
