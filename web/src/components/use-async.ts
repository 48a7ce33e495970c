import { useEffect, useState, type DependencyList } from 'react';
import { errorMessage } from '../api/api-error';

/** What a page knows about one request: still loading, its value, or the server's error message. */
export type AsyncState<T> =
  { status: 'loading' } | { status: 'ok'; value: T } | { status: 'error'; message: string };

/**
 * Runs `load` whenever `deps` change (aborting the previous call) and tracks its state; `reload` runs it again.
 * Example: `const [experiment] = useAsync((signal) => getExperiment(id, signal), [id]);`
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): [AsyncState<T>, () => void] {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ status: 'ok', value });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: errorMessage(error) });
      },
    );
    return () => controller.abort();
    // The caller's deps decide when to load again (load itself is a new closure on every render).
  }, [...deps, generation]);
  return [state, () => setGeneration((g) => g + 1)];
}
