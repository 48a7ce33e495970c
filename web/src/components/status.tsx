import type { ReactNode } from 'react';

/** An error shown in place, with the server's own message. */
export function ErrorMessage({ title, message }: { title?: string; message: string }): ReactNode {
  return (
    <div className="error" role="alert">
      {title !== undefined && <strong>{title}: </strong>}
      {message}
    </div>
  );
}

/** A polite loading line (announced by screen readers). */
export function Loading({ what }: { what: string }): ReactNode {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** What a list shows when it has nothing, and why. */
export function Empty({ children }: { children: ReactNode }): ReactNode {
  return <p className="empty">{children}</p>;
}
