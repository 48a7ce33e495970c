import { describe, expect, it } from 'vitest';
import { RoundLoop } from './round-loop.js';

/** A round that waits until the test releases it, counting how many started and how many ran at once. */
function gatedRounds() {
  const state = { started: 0, running: 0, mostAtOnce: 0, release: [] as (() => void)[] };
  const round = async () => {
    state.started += 1;
    state.running += 1;
    state.mostAtOnce = Math.max(state.mostAtOnce, state.running);
    await new Promise<void>((resolve) => state.release.push(resolve));
    state.running -= 1;
  };
  return { state, round };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RoundLoop', () => {
  it('runs a first round at start, folds wakes during a round into one more, never two at once', async () => {
    const { state, round } = gatedRounds();
    const loop = new RoundLoop(round);
    loop.start(60 * 60_000, () => undefined);
    expect(state.started).toBe(1);
    loop.wake();
    loop.wake();
    loop.wake();
    state.release.shift()?.();
    await settle();
    expect(state.started).toBe(2);
    state.release.shift()?.();
    await settle();
    expect(state.started).toBe(2);
    expect(state.mostAtOnce).toBe(1);
    await loop.stop();
  });

  it('reports a failed round and keeps going; stop waits for the running round, and wake then does nothing', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let release: () => void = () => undefined;
    const loop = new RoundLoop(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database away');
      await new Promise<void>((resolve) => (release = resolve));
    });
    loop.start(60 * 60_000, (err) => errors.push(err));
    await settle();
    expect(errors).toEqual([new Error('database away')]);
    loop.wake();
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    loop.wake();
    expect(calls).toBe(2);
  });
});
