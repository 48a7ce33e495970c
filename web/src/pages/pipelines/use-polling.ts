import { useEffect, useRef, useState, type DependencyList } from 'react';
import { errorMessage } from '../../api/api-error';
import type { AsyncState } from '../../components/use-async';

/**
 * Like useAsync, but loads again `every(value)` milliseconds after each answer while that returns a number
 * (a running pipeline run), keeping the last value on screen between loads (no flash of "Loading"). A failed
 * refresh keeps the value and shows the error beside it (`refreshError`). `reload` loads at once.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  every: (value: T) => number | undefined,
  deps: DependencyList,
): { state: AsyncState<T>; refreshError: string | undefined; reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [refreshError, setRefreshError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const everyRef = useRef(every);
  everyRef.current = every;
  const first = useRef(true);
  useEffect(() => {
    first.current = true;
    setState({ status: 'loading' });
  }, deps);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      loadRef.current(controller.signal).then(
        (value) => {
          if (controller.signal.aborted) return;
          first.current = false;
          setState({ status: 'ok', value });
          setRefreshError(undefined);
          const wait = everyRef.current(value);
          if (wait !== undefined) timer = setTimeout(tick, wait);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          if (first.current) setState({ status: 'error', message: errorMessage(error) });
          else {
            setRefreshError(errorMessage(error));
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
  return { state, refreshError, reload: () => setGeneration((g) => g + 1) };
}
