import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSession, type UiSession } from './support/browser';
import type { ProbeHook, ProbeRender, UseAsyncProbe } from './support/use-async-probe';

/** Waits for what the probe records (a busy machine makes it slower, never different). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 20_000 });

/** support/use-async-probe.ts and what it imports (the UI's useAsync, React's production build) as one script. */
async function bundleProbe(): Promise<string> {
  const result = await build({
    configFile: false,
    root: fileURLToPath(new URL('..', import.meta.url)),
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL('./support/use-async-probe.ts', import.meta.url)),
        formats: ['iife'],
        name: 'useAsyncProbeBundle',
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output : []));
  const chunk = outputs.find((o) => o.type === 'chunk');
  if (chunk?.type !== 'chunk') throw new Error('the probe was bundled into no script');
  return chunk.code;
}

/** A render as the assertions read it: `b: loading`, `b: B1` (its value) or `c: error no c`. */
function shown(render: ProbeRender): string {
  const { id, state, refreshError } = render;
  const beside = refreshError !== undefined ? ` (refresh failed: ${refreshError})` : '';
  switch (state.status) {
    case 'loading':
      return `${id}: loading${beside}`;
    case 'ok':
      return `${id}: ${state.value}${beside}`;
    case 'error':
      return `${id}: error ${state.message}${beside}`;
  }
}

let session: UiSession;
let probeScript: string;
beforeAll(async () => {
  probeScript = await bundleProbe();
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

type Command = 'show' | 'answer' | 'fail' | 'rerender' | 'reload';
/** Calls one of the probe's methods in the page. */
const tell = (command: Command, ...args: string[]): Promise<void> =>
  session.page.evaluate(
    ([c, a]) => {
      const probe = (window as unknown as { useAsyncProbe: UseAsyncProbe }).useAsyncProbe;
      (probe[c] as (...x: string[]) => void)(...a);
    },
    [command, args] as const,
  );
const recorded = (): Promise<{ renders: string[]; loads: string[] }> =>
  session.page
    .evaluate(() => {
      const probe = (window as unknown as { useAsyncProbe: UseAsyncProbe }).useAsyncProbe;
      return { renders: probe.renders, loads: probe.loads };
    })
    .then(({ renders, loads }) => ({ renders: renders.map(shown), loads }));
const loads = async (): Promise<string[]> => (await recorded()).loads;
const lastRender = async (): Promise<string | undefined> => (await recorded()).renders.at(-1);
/** The renders recorded after the first `from`. */
const rendersAfter = async (from: number): Promise<string[]> => (await recorded()).renders.slice(from);
/**
 * Answers the pending load of `id` with `value`, waits until it is rendered, and checks that no render after the
 * first `from` answered anything else than loading before it (no other id's value or error).
 */
async function answerAndExpectOnlyIt(from: number, id: string, value: string): Promise<void> {
  await tell('answer', id, value);
  await poll(lastRender).toBe(`${id}: ${value}`);
  const settled = (await rendersAfter(from)).filter((r) => !r.endsWith(': loading'));
  expect(settled).toEqual([`${id}: ${value}`]);
}

/** Loads the probe into a blank page, calling `hook`, and answers its first load with A1. */
async function startProbe(hook: ProbeHook): Promise<void> {
  await session.page.goto('about:blank');
  await session.page.addScriptTag({ content: `window.probeHook = ${JSON.stringify(hook)};` });
  await session.page.addScriptTag({ content: probeScript });
  await poll(loads).toEqual(['a']);
  await tell('answer', 'a', 'A1');
  await poll(lastRender).toBe('a: A1');
}

describe.each([
  'useAsync (web/src/components/use-async.ts)',
  'usePolling (web/src/pages/pipelines/use-polling.ts)',
] as const)('%s answers the state of the current deps', (title) => {
  const hook: ProbeHook = title.startsWith('usePolling') ? 'usePolling' : 'useAsync';
  beforeEach(() => startProbe(hook));

  it("answers loading from the first render with new deps, never the previous deps' value", async () => {
    const from = (await recorded()).renders.length;
    await tell('show', 'b');
    await poll(loads).toEqual(['a', 'b']);
    expect((await rendersAfter(from))[0]).toBe('b: loading');
    await answerAndExpectOnlyIt(from, 'b', 'B1');
  });

  it("does not show the previous deps' error with the new deps", async () => {
    await tell('show', 'c');
    await poll(loads).toEqual(['a', 'c']);
    await tell('fail', 'c', 'no c');
    await poll(lastRender).toBe('c: error no c');
    const from = (await recorded()).renders.length;
    await tell('show', 'd');
    await poll(loads).toEqual(['a', 'c', 'd']);
    await answerAndExpectOnlyIt(from, 'd', 'D1');
  });

  it('back to earlier deps before the new ones answered: loading until their own new load answers', async () => {
    const from = (await recorded()).renders.length;
    await tell('show', 'b');
    await poll(loads).toEqual(['a', 'b']);
    await tell('show', 'a');
    await poll(loads).toEqual(['a', 'b', 'a']);
    await answerAndExpectOnlyIt(from, 'a', 'A2');
  });

  it('reload loads again: useAsync answers loading meanwhile, usePolling keeps the value on screen', async () => {
    const from = (await recorded()).renders.length;
    await tell('reload');
    await poll(loads).toEqual(['a', 'a']);
    if (hook === 'useAsync') {
      expect((await rendersAfter(from))[0]).toBe('a: loading');
      await answerAndExpectOnlyIt(from, 'a', 'A2');
    } else {
      await tell('answer', 'a', 'A2');
      await poll(lastRender).toBe('a: A2');
      expect(new Set(await rendersAfter(from))).toEqual(new Set(['a: A1', 'a: A2']));
    }
  });

  it('a render with the same deps keeps the value and loads nothing', async () => {
    const from = (await recorded()).renders.length;
    await tell('rerender');
    await poll(async () => (await rendersAfter(from)).length).toBeGreaterThan(0);
    expect(await rendersAfter(from)).toEqual(['a: A1']);
    expect(await loads()).toEqual(['a']);
  });
});

describe('usePolling: a failed refresh', () => {
  beforeEach(() => startProbe('usePolling'));

  it('keeps the value with the error beside it, and the next deps show neither', async () => {
    await tell('reload');
    await poll(loads).toEqual(['a', 'a']);
    await tell('answer', 'a', 'poll-A2'); // a running run: loaded again at once
    await poll(loads).toEqual(['a', 'a', 'a']);
    await tell('fail', 'a', 'server down');
    await poll(lastRender).toBe('a: poll-A2 (refresh failed: server down)');
    const from = (await recorded()).renders.length;
    await tell('show', 'b');
    await poll(async () => (await loads()).at(-1)).toBe('b');
    expect((await rendersAfter(from))[0]).toBe('b: loading');
    await answerAndExpectOnlyIt(from, 'b', 'B1');
  });
});
