import { useCallback, useSyncExternalStore } from 'react';
import { parseRoute, type Route } from './routes';

const listeners = new Set<() => void>();
let currentHash = window.location.hash;

function notify(): void {
  currentHash = window.location.hash;
  for (const listener of listeners) listener();
}
window.addEventListener('hashchange', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current route, re-rendering on every hash change (links, back/forward, `setQuery`). */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => currentHash);
  return parseRoute(hash);
}

/**
 * Changes the current page's query (its shareable state) in place: `replace` keeps the history entry (typing
 * in a box), otherwise a new entry is pushed (back returns to the previous sort or filter).
 * Example: `setQuery({ filter: 'metrics.acc > 0.9', sort: undefined })` (undefined or '' removes a key).
 */
export function useSetQuery(): (changes: Record<string, string | undefined>, replace?: boolean) => void {
  return useCallback((changes, replace = false) => {
    const raw = window.location.hash.replace(/^#/, '');
    const questionMark = raw.indexOf('?');
    const path = questionMark === -1 ? raw : raw.slice(0, questionMark);
    const query = new URLSearchParams(questionMark === -1 ? '' : raw.slice(questionMark + 1));
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') query.delete(key);
      else query.set(key, value);
    }
    const q = query.toString();
    const next = `#${path === '' ? '/' : path}${q === '' ? '' : `?${q}`}`;
    if (next === window.location.hash) return;
    if (replace) window.history.replaceState(window.history.state, '', next);
    else window.history.pushState(window.history.state, '', next);
    notify();
  }, []);
}
