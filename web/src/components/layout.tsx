import type { ReactNode } from 'react';
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
        </nav>
      </header>
      <main id="main">{children}</main>
    </>
  );
}
