import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/api-error';
import { searchRuns, type Run, type RunQuery } from '../../api/tracking';

/** How many runs one search call asks for: the table loads the next page as the reader scrolls near the end. */
export const runsPageSize = 200;

/** The runs loaded so far for one query, and whether the server has more. */
export interface RunPages {
  runs: Run[];
  /** True until the first page arrives (and while a new query's first page loads). */
  loading: boolean;
  /** True while a further page loads. */
  loadingMore: boolean;
  /** The server's message when the search failed (a bad filter, for example). */
  error: string | undefined;
  hasMore: boolean;
  /** Fetches the next page (no-op when one is loading or none is left). */
  loadMore: () => void;
  /** Loads the first page again (after runs were changed). */
  reload: () => void;
}

type Base = Omit<RunQuery, 'pageToken' | 'maxResults'>;

/**
 * Pages through `runs/search` with `max_results` + `page_token` (never everything in one answer). A new query
 * (filter, sort, lifecycle) starts over; answers of an older query are dropped.
 */
export function useRunPages(query: Base): RunPages {
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify({ ...query, generation });
  const [state, setState] = useState<{
    key: string;
    runs: Run[];
    token: string | undefined;
    error: string | undefined;
    loading: boolean;
    loadingMore: boolean;
  }>({ key, runs: [], token: undefined, error: undefined, loading: true, loadingMore: false });
  const current = useRef(key);
  current.current = key;

  useEffect(() => {
    const controller = new AbortController();
    setState({ key, runs: [], token: undefined, error: undefined, loading: true, loadingMore: false });
    const { generation: _generation, ...base } = JSON.parse(key) as Base & { generation: number };
    searchRuns({ ...base, maxResults: runsPageSize }, controller.signal).then(
      (page) =>
        setState({
          key,
          runs: page.items,
          token: page.nextPageToken,
          error: undefined,
          loading: false,
          loadingMore: false,
        }),
      (err: unknown) => {
        if (!controller.signal.aborted)
          setState({
            key,
            runs: [],
            token: undefined,
            error: errorMessage(err),
            loading: false,
            loadingMore: false,
          });
      },
    );
    return () => controller.abort();
  }, [key]);

  const loadMore = useCallback(() => {
    if (state.key !== key || state.loading || state.loadingMore || state.token === undefined) return;
    const token = state.token;
    setState((s) => ({ ...s, loadingMore: true }));
    const { generation: _generation, ...base } = JSON.parse(key) as Base & { generation: number };
    searchRuns({ ...base, maxResults: runsPageSize, pageToken: token }).then(
      (page) => {
        if (current.current !== key) return;
        setState((s) => ({
          ...s,
          runs: [...s.runs, ...page.items],
          token: page.nextPageToken,
          loadingMore: false,
        }));
      },
      (err: unknown) => {
        if (current.current !== key) return;
        setState((s) => ({ ...s, error: errorMessage(err), loadingMore: false }));
      },
    );
  }, [key, state]);

  const fresh = state.key === key;
  return {
    runs: fresh ? state.runs : [],
    loading: !fresh || state.loading,
    loadingMore: fresh && state.loadingMore,
    error: fresh ? state.error : undefined,
    hasMore: fresh && state.token !== undefined,
    loadMore,
    reload: () => setGeneration((g) => g + 1),
  };
}
