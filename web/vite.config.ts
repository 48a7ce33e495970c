import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const sharedErrors = fileURLToPath(new URL('../src/shared/errors.ts', import.meta.url));
const clientFolder = fileURLToPath(new URL('../src/client/', import.meta.url));

/**
 * The UI reuses the TypeScript client's wire readers (src/client/wire.ts and friends), which take their error
 * classes from `../shared/index.js`; that index also re-exports the server's configuration and key handling
 * (node:crypto, node:fs). For the browser, the client's shared import resolves to the one file it needs,
 * src/shared/errors.ts (no imports of its own). A client file that starts needing more of shared breaks this
 * build with "X is not exported by errors.ts", which is the moment to look again.
 */
function clientInBrowser(): Plugin {
  return {
    name: 'bosun-client-in-browser',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === '../shared/index.js' && importer?.startsWith(clientFolder) === true) return sharedErrors;
      return null;
    },
  };
}

/**
 * The web UI's build: web/ in, dist/web/ out (served by src/server/ui). Hashed file names under assets/ (the
 * server marks them immutable), no inline scripts (the server's Content-Security-Policy forbids them), no
 * modulepreload polyfill (every supported browser has modulepreload, and the polyfill would be one more script).
 *
 * A build is always the production build users get, whatever NODE_ENV the caller's shell has: Vite takes the
 * mode of React (and of the JSX transform) from NODE_ENV when it is set, and under NODE_ENV=test (vitest) or
 * development it bundled React's development build (every effect run twice; dist/web/assets/*.js 1,167,408
 * bytes instead of 719,331). Set here, where Vite reads it after loading this file: a `define` of it alone
 * leaves the JSX transform in development mode (it follows Vite's isProduction, taken from NODE_ENV).
 */
export default defineConfig(({ command }) => {
  if (command === 'build') process.env['NODE_ENV'] = 'production';
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    base: './',
    plugins: [clientInBrowser(), react()],
    build: {
      outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
      emptyOutDir: true,
      assetsDir: 'assets',
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
    },
  };
});
