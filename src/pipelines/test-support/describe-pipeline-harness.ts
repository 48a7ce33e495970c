import { afterAll, afterEach, beforeAll, describe, vi } from 'vitest';
import type { Engine } from '../../db/index.js';
import { testEngines } from '../../db/test-support/test-databases.js';
import { startPipelineHarness, type PipelineHarness } from './executor-harness.js';

/**
 * A suite run once per test database engine (`%s` in `title` names it) around one pipeline harness: started
 * before the suite's tests, closed after them, with the mocks of each test restored after it. `h` may be used in
 * the tests and hooks of `body` (not while `body` itself runs: the harness starts later, in `beforeAll`).
 *
 * @example
 * describePipelineHarness('local executor on %s', (h, engine) => {
 *   it('runs', async () => expect(await (await h.service().start({ name, params: {} })).done).toBe('succeeded'));
 * });
 */
export function describePipelineHarness(
  title: string,
  body: (h: PipelineHarness, engine: Engine) => void,
): void {
  describe.each(testEngines)(title, (engine) => {
    let started: PipelineHarness | undefined;
    const harness = (): PipelineHarness => {
      if (started === undefined)
        throw new Error('The pipeline harness is used before its beforeAll started it');
      return started;
    };
    beforeAll(async () => {
      started = await startPipelineHarness(engine);
    });
    afterAll(async () => started?.close());
    afterEach(() => vi.restoreAllMocks());
    body(lateHarness(harness), engine);
  });
}

/** The harness `get` answers once started, as a `PipelineHarness` that can be handed out before that. */
function lateHarness(get: () => PipelineHarness): PipelineHarness {
  return {
    get platform() {
      return get().platform;
    },
    get app() {
      return get().app;
    },
    get base() {
      return get().base;
    },
    get codeDir() {
      return get().codeDir;
    },
    get dir() {
      return get().dir;
    },
    service: (options) => get().service(options),
    close: () => get().close(),
  };
}
