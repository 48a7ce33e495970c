import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const vite = join(repo, 'node_modules/vite/bin/vite.js');

/**
 * The web UI this server serves (dist/web, built by `npm run build` with web/vite.config.ts) is React's
 * production build whatever NODE_ENV the shell that builds it has: under NODE_ENV=test or development Vite used to
 * bundle React's development build (effects run twice, 1,167,408 bytes of scripts instead of 719,331).
 */
describe('the web UI build (web/vite.config.ts)', () => {
  it.each(['test', 'development'])('is the production build under NODE_ENV=%s', async (nodeEnv) => {
    const dir = makeTestTempDir('bosun-ui-build-test-');
    try {
      const out = join(dir, 'web');
      await promisify(execFile)(
        process.execPath,
        [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error', '--outDir', out],
        { cwd: repo, env: { ...process.env, NODE_ENV: nodeEnv } },
      );
      const scripts = readdirSync(join(out, 'assets')).filter((name) => name.endsWith('.js'));
      expect(scripts.some((name) => name.startsWith('index-'))).toBe(true);
      // React's development build greets the console with this; its JSX runtime's development entry is jsxDEV.
      const development = scripts.filter((name) => {
        const code = readFileSync(join(out, 'assets', name), 'utf8');
        return code.includes('Download the React DevTools') || code.includes('jsxDEV');
      });
      expect(development).toEqual([]);
    } finally {
      removeTestTempDir(dir);
    }
  });
});
