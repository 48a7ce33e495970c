import { useEffect, useState, type DependencyList } from 'react';
import { errorMessage } from '../api/api-error';

/** What a page knows about one request: still loading, its value, or the server's error message. */
export type AsyncState<T> =
  { status: 'loading' } | { status: 'ok'; value: T } | { status: 'error'; message: string };

const loading = { status: 'loading' } as const;

/** Whether two dependency lists are the same, compared element by element with Object.is as React does. */
export function sameDependencies(a: DependencyList, b: DependencyList): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}

/**
 * Runs `load` whenever `deps` change (aborting the previous call) and tracks its state; `reload` runs it again.
 * The state answered is always that of the current `deps`: from the render in which they change (or `reload` is
 * called), it is `loading` until their own call settles, never the previous deps' value or error.
 * Example: `const [experiment] = useAsync((signal) => getExperiment(id, signal), [id]);`
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): [AsyncState<T>, () => void] {
  const [generation, setGeneration] = useState(0);
  const key = [...deps, generation];
  const [state, setState] = useState<{ loadedFor: DependencyList; async: AsyncState<T> }>({
    loadedFor: key,
    async: loading,
  });
  useEffect(() => {
    const controller = new AbortController();
    setState({ loadedFor: key, async: loading });
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ loadedFor: key, async: { status: 'ok', value } });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setState({ loadedFor: key, async: { status: 'error', message: errorMessage(error) } });
        }
      },
    );
    return () => controller.abort();
    // The caller's deps decide when to load again (load itself is a new closure on every render).
  }, key);
  return [sameDependencies(state.loadedFor, key) ? state.async : loading, () => setGeneration((g) => g + 1)];
}
