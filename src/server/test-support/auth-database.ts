import { createPostgresDatabase } from '../../db/test-support/test-databases.js';
import type { Engine } from '../../db/index.js';
import { loadServerConfig, type ServerConfig } from '../../shared/config.js';
import { testAdmin } from './auth-test-server.js';
import { makeTestTempDir, removeTestTempDir } from '../../shared/test-support/test-temp-dirs.js';

/** A database several servers of one test can open, and the temp folder for their artifacts. */
export interface ServerDatabase {
  uri: string;
  dir: string;
  dispose(): Promise<void>;
}

/**
 * A SQLite file in a new temp folder, or a fresh PostgreSQL database (BOSUN_TEST_PG_URI), removed by `dispose`.
 * Example: `const database = await serverDatabase('postgres', 'bosun_sessions');`
 */
export async function serverDatabase(engine: Engine, label: string): Promise<ServerDatabase> {
  const dir = makeTestTempDir(`${label.replace(/_/g, '-')}-`);
  const removeDir = async () => removeTestTempDir(dir);
  if (engine === 'sqlite') return { dir, uri: `sqlite:///${dir}/bosun.db`, dispose: removeDir };
  const database = await createPostgresDatabase(label);
  return {
    dir,
    uri: database.uri,
    dispose: async () => {
      await database.drop();
      await removeDir();
    },
  };
}

/** The config of a server with auth on over `database`, whose first administrator is `testAdmin`. */
export function authServerConfig(
  database: ServerDatabase,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  const config = loadServerConfig(
    {
      port: 0,
      backendStoreUri: database.uri,
      artifactsDestination: `${database.dir}/artifacts`,
      logLevel: 'silent',
    },
    { BOSUN_ADMIN_USERNAME: testAdmin.username, BOSUN_ADMIN_PASSWORD: testAdmin.password },
  );
  return { ...config, authEnabled: true, ...overrides };
}

/** An answer with its headers (cookies) and its JSON body (`{}` when empty or not JSON). */
export interface JsonReply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** Sends `body` as JSON (when given) to `base + path`. */
export async function sendJson(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = {}; // empty or not JSON: the test looks at the status and headers
  }
  return { status: res.status, headers: res.headers, json };
}
