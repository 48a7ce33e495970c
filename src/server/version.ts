import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** Bosun's version from package.json (two folders up from both src/server and dist/server). */
export function bosunVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  }
  return cached;
}
