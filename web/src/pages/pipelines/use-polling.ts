import { useEffect, useRef, useState, type DependencyList } from 'react';
import { errorMessage } from '../../api/api-error';
import { sameDependencies, type AsyncState } from '../../components/use-async';

const loading = { status: 'loading' } as const;

/** What the hook has for one set of deps: the load's state and the last refresh's error. */
interface Polled<T> {
  loadedFor: DependencyList;
  async: AsyncState<T>;
  refreshError?: string;
}

/**
 * Like useAsync, but loads again `every(value)` milliseconds after each answer while that returns a number
 * (a running pipeline run), keeping the last value on screen between loads (no flash of "Loading"). A failed
 * refresh keeps the value and shows the error beside it (`refreshError`). `reload` loads at once, keeping the
 * value meanwhile. As with useAsync, what it answers is always that of the current `deps`: from the render in
 * which they change it is `loading` with no refresh error, never the previous deps' value or error.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  every: (value: T) => number | undefined,
  deps: DependencyList,
): { state: AsyncState<T>; refreshError: string | undefined; reload: () => void } {
  const [polled, setPolled] = useState<Polled<T>>({ loadedFor: deps, async: loading });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const everyRef = useRef(every);
  everyRef.current = every;
  const first = useRef(true);
  useEffect(() => {
    first.current = true;
    setPolled({ loadedFor: deps, async: loading });
  }, deps);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      loadRef.current(controller.signal).then(
        (value) => {
          if (controller.signal.aborted) return;
          first.current = false;
          setPolled({ loadedFor: deps, async: { status: 'ok', value } });
          const wait = everyRef.current(value);
          if (wait !== undefined) timer = setTimeout(tick, wait);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          if (first.current)
            setPolled({ loadedFor: deps, async: { status: 'error', message: errorMessage(error) } });
          else {
            setPolled((before) => ({ ...before, refreshError: errorMessage(error) }));
            timer = setTimeout(tick, 5000);
          }
        },
      );
    };
    tick();
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
    // The caller's deps decide when to start over (load and every are read through refs).
  }, [...deps, generation]);
  const current = sameDependencies(polled.loadedFor, deps);
  return {
    state: current ? polled.async : loading,
    refreshError: current ? polled.refreshError : undefined,
    reload: () => setGeneration((g) => g + 1),
  };
}
