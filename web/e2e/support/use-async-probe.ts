import { createElement, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { useAsync, type AsyncState } from '../../src/components/use-async';
import { usePolling } from '../../src/pages/pipelines/use-polling';

/** One render of the probe: the id it rendered for and the state useAsync answered in that render. */
export interface ProbeRender {
  id: string;
  state: AsyncState<string>;
  /** usePolling's error of a failed refresh, shown beside the value. */
  refreshError?: string;
}

/** Which hook the probe calls: set `window.probeHook` before the probe's script runs (default useAsync). */
export type ProbeHook = 'useAsync' | 'usePolling';

/**
 * A component calling the UI's real useAsync (or usePolling: `window.probeHook`) with `[id]` as its deps, whose
 * every render and every call of `load` are recorded, and whose loads settle only when the test says so. With
 * usePolling, a value starting with `poll` is loaded again at once (a running pipeline run), others are not. Bundled and run in the browser by
 * use-async.browser.test.ts, which drives it through `window.useAsyncProbe`.
 */
export interface UseAsyncProbe {
  renders: ProbeRender[];
  /** The id of each call of `load`, in order. */
  loads: string[];
  /** Renders the probe with another id (new deps). */
  show(id: string): void;
  /** Renders the probe again with the same id. */
  rerender(): void;
  /** Calls the `reload` useAsync returned. */
  reload(): void;
  /** Settles the latest load of `id` with a value or an error. */
  answer(id: string, value: string): void;
  fail(id: string, message: string): void;
}

const pending = new Map<string, { resolve: (value: string) => void; reject: (error: Error) => void }>();
const latest = (id: string) => {
  const settle = pending.get(id);
  if (settle === undefined) throw new Error(`no load of ${id} is pending`);
  return settle;
};
let controls: { setId(id: string): void; rerender(): void; reload(): void } | undefined;
const control = () => {
  if (controls === undefined) throw new Error('the probe has not rendered yet');
  return controls;
};

const probe: UseAsyncProbe = {
  renders: [],
  loads: [],
  show: (id) => control().setId(id),
  rerender: () => control().rerender(),
  reload: () => control().reload(),
  answer: (id, value) => latest(id).resolve(value),
  fail: (id, message) => latest(id).reject(new Error(message)),
};

/** The probe's load: recorded, and settled by the test. */
const loadOf = (id: string) => (): Promise<string> =>
  new Promise<string>((resolve, reject) => {
    probe.loads.push(id);
    pending.set(id, { resolve, reject });
  });

function AsyncProbe(): ReactNode {
  const [id, setId] = useState('a');
  const [, setRenders] = useState(0);
  const [state, reload] = useAsync(loadOf(id), [id]);
  controls = { setId, rerender: () => setRenders((n) => n + 1), reload };
  probe.renders.push({ id, state });
  return null;
}

function PollingProbe(): ReactNode {
  const [id, setId] = useState('a');
  const [, setRenders] = useState(0);
  const { state, refreshError, reload } = usePolling(
    loadOf(id),
    (value) => (value.startsWith('poll') ? 1 : undefined),
    [id],
  );
  controls = { setId, rerender: () => setRenders((n) => n + 1), reload };
  probe.renders.push({ id, state, ...(refreshError !== undefined ? { refreshError } : {}) });
  return null;
}

const page = window as unknown as { useAsyncProbe: UseAsyncProbe; probeHook?: ProbeHook };
page.useAsyncProbe = probe;
createRoot(document.body.appendChild(document.createElement('div'))).render(
  createElement(page.probeHook === 'usePolling' ? PollingProbe : AsyncProbe),
);
