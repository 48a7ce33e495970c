/**
 * How long a test waits for something before calling it a hang: 5 minutes. A busy machine makes a test slower,
 * never wrong, so waits poll for what they need and this is only their ceiling. It stays under Vitest's
 * testTimeout (vitest.config.ts), so that a hang fails here, with a message naming what was awaited.
 */
export const testPatienceMs = 5 * 60 * 1000;

/**
 * Polls `check` until it returns something other than `undefined`, and returns that. Fails after
 * `testPatienceMs`, naming `what` it waited for.
 * Example: `const entries = await waitFor('3 audit entries', async () => { const e = await list(); return e.length >= 3 ? e : undefined; });`
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  intervalMs = 20,
): Promise<T> {
  const ceiling = Date.now() + testPatienceMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > ceiling) throw new Error(`gave up after ${testPatienceMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
