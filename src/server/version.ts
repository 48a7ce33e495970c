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

/**
 * The MLflow release whose REST API Bosun serves, checked by the compatibility suite with that release's client
 * (tests/compat/requirements-mlflow3.txt). `GET /version` answers it, because the `mlflow` client reads the
 * server's version there to decide what it may call: span logging over OTLP (`POST /v1/traces`) needs 3.4 or
 * later. Features the client unlocks by this number and Bosun does not serve answer `501 NOT_IMPLEMENTED` with
 * a message that says so (see system-routes.ts). Keep it equal to the pinned client when that pin moves.
 */
export const mlflowApiVersion = '3.17.2';
