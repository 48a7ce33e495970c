/**
 * bosun backup / bosun restore in-process (CLI and server in this process): a round trip compared through the
 * API, and every refusal: a damaged artifact or database file, a backup from a newer schema, a non-empty target,
 * PostgreSQL, a folder that is not a finished backup.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { ingestOne, prepare, readBack, verifyAudit, type Ingested } from './test-support/ingest.js';
import { testStartOptions } from '../../server/test-support/test-start-options.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function bosun(args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
  });
  return { code, stdout, stderr };
}

async function serve(dir: string): Promise<RunningServer> {
  const config = loadServerConfig(
    {
      host: '127.0.0.1',
      port: 0,
      backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
      artifactsDestination: join(dir, 'artifacts'),
      logLevel: 'silent',
    },
    {},
  );
  return startServer(config, testStartOptions);
}

function storage(dir: string): string[] {
  return [
    '--backend-store-uri',
    `sqlite:///${join(dir, 'bosun.db')}`,
    '--artifacts-destination',
    join(dir, 'artifacts'),
  ];
}

let root: string;
let source: string;
let backup: string;
const units: Ingested[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bosun-backup-'));
  source = join(root, 'source');
  backup = join(root, 'backup');
  const server = await serve(source);
  try {
    const experimentId = await prepare(server.address, 'bk');
    for (let i = 0; i < 6; i += 1) units.push(await ingestOne(server.address, experimentId, 'bk', i));
    const result = await bosun(['backup', '--to', backup, ...storage(source)]);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/not included: the master key file/);
  } finally {
    await server.close();
  }
});

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

function copyOfBackup(name: string): string {
  const copy = join(root, name);
  cpSync(backup, copy, { recursive: true });
  return copy;
}

describe('bosun backup and restore (SQLite, local artifacts)', () => {
  it('writes a manifest with version, schema level, timestamps, counts and every artifact checksum', () => {
    const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as {
      database: { migrations: string[]; schemaLevel: string };
    };
    expect(manifest).toMatchObject({
      format: 'bosun-backup',
      formatVersion: 1,
      database: { engine: 'sqlite', file: 'bosun.db' },
      counts: { runs: 6, model_versions: 2, registered_models: 1 },
      artifacts: { kind: 'local', copied: true, files: 6 },
    });
    const db = manifest.database;
    expect(db.migrations).toContain('0001-tracking');
    expect(db.schemaLevel).toBe([...db.migrations].sort().at(-1));
    const index = readFileSync(join(backup, 'artifacts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path: string; sha256: string });
    for (const unit of units) {
      const entry = index.find(
        (e) => e.path === `${unit.experimentId}/${unit.runId}/artifacts/${unit.artifactPath}`,
      );
      expect(entry?.sha256).toBe(unit.artifactSha256);
    }
  });

  it('restores into a new folder; a server on it answers every write and verifies its audit chain', async () => {
    const target = join(root, 'restored');
    const result = await bosun(['restore', '--from', backup, ...storage(target)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/artifacts: 6 files/);
    expect(result.stdout).toMatch(/runs: 6/);
    const server = await serve(target);
    try {
      for (const unit of units) expect(await readBack(server.address, unit)).toEqual(unit);
      expect(await verifyAudit(server.address)).toMatchObject({ valid: true });
    } finally {
      await server.close();
    }
    const again = await bosun(['restore', '--from', backup, ...storage(target)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/Target database .* is not empty.*--force/);
  });

  it('refuses a non-empty artifact folder unless --force', async () => {
    const target = join(root, 'busy');
    cpSync(join(backup, 'artifacts'), join(target, 'artifacts'), { recursive: true });
    const refused = await bosun(['restore', '--from', backup, ...storage(target)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/artifact destination .* is not empty.*--force/);
    expect(existsSync(join(target, 'bosun.db'))).toBe(false);
    const forced = await bosun(['restore', '--from', backup, '--force', ...storage(target)]);
    expect(forced.code).toBe(0);
  });

  it('refuses a backup whose artifact file was changed, naming the file, and writes nothing', async () => {
    const damaged = copyOfBackup('damaged');
    const unit = units[2] as Ingested;
    const file = join(
      damaged,
      'artifacts',
      unit.experimentId,
      unit.runId,
      'artifacts',
      ...unit.artifactPath.split('/'),
    );
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('x')]).subarray(1));
    const target = join(root, 'from-damaged');
    const result = await bosun(['restore', '--from', damaged, ...storage(target)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /The backup is damaged: 1 artifact file does not match the manifest; nothing was restored/,
    );
    expect(result.stderr).toContain(`${unit.runId}/artifacts/${unit.artifactPath}: SHA-256`);
    expect(existsSync(join(target, 'bosun.db'))).toBe(false);
    const written = existsSync(join(target, 'artifacts')) ? readdirSync(join(target, 'artifacts')) : [];
    expect(written).toEqual([]);
  });

  it('refuses a backup whose database file was changed', async () => {
    const damaged = copyOfBackup('damaged-db');
    const file = join(damaged, 'bosun.db');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const result = await bosun(['restore', '--from', damaged, ...storage(join(root, 'from-damaged-db'))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/The backup is damaged: bosun.db has SHA-256/);
  });

  it('refuses an artifact index naming a path outside the artifact folder, even with a matching manifest', async () => {
    const evil = copyOfBackup('evil');
    const indexFile = join(evil, 'artifacts.jsonl');
    const line = JSON.stringify({ path: '../../escaped.txt', size: 1, sha256: '0'.repeat(64) });
    const text = `${readFileSync(indexFile, 'utf8')}${line}\n`;
    writeFileSync(indexFile, text);
    const manifestFile = join(evil, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts: { indexSha256: string } };
    manifest.artifacts.indexSha256 = createHash('sha256').update(text).digest('hex');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const target = join(root, 'from-evil');
    const result = await bosun(['restore', '--from', evil, ...storage(target)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid path in the backup's artifact index: '\.\.\/\.\.\/escaped\.txt'/);
    expect(existsSync(join(target, 'bosun.db'))).toBe(false);
    expect(existsSync(join(root, 'escaped.txt'))).toBe(false);
  });

  it('refuses a backup from a newer schema than the code knows', async () => {
    const newer = copyOfBackup('newer');
    const manifest = JSON.parse(readFileSync(join(newer, 'manifest.json'), 'utf8')) as {
      bosunVersion: string;
      database: { migrations: string[] };
    };
    manifest.database.migrations.push('9999-from-the-future');
    manifest.bosunVersion = '99.0.0';
    writeFileSync(join(newer, 'manifest.json'), JSON.stringify(manifest));
    const result = await bosun(['restore', '--from', newer, ...storage(join(root, 'from-newer'))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /schema is newer than this Bosun knows \(migration 9999-from-the-future; made by Bosun 99\.0\.0\)/,
    );
  });

  it('refuses a folder that is not a finished backup, and a backup into a non-empty folder', async () => {
    const partial = copyOfBackup('partial');
    rmSync(join(partial, 'manifest.json'));
    const restore = await bosun(['restore', '--from', partial, ...storage(join(root, 'from-partial'))]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toMatch(/is not a finished Bosun backup/);
    const backupAgain = await bosun(['backup', '--to', backup, ...storage(source)]);
    expect(backupAgain.code).toBe(1);
    expect(backupAgain.stderr).toMatch(/Backup folder .* is not empty/);
  });

  it('with --no-artifacts indexes the files without copying them, and restore says so', async () => {
    const indexed = join(root, 'indexed');
    const result = await bosun(['backup', '--to', indexed, '--no-artifacts', '--json', ...storage(source)]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      artifacts: { kind: 'local', copied: false, files: 6 },
    });
    expect(existsSync(join(indexed, 'artifacts'))).toBe(false);
    const restored = await bosun(['restore', '--from', indexed, ...storage(join(root, 'from-indexed'))]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/made with --no-artifacts: copy .* yourself/);
  });

  it('refuses PostgreSQL with the pg_dump / pg_restore procedure', async () => {
    const pg = process.env.BOSUN_TEST_PG_URI ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
    const b = await bosun(['backup', '--to', join(root, 'pg'), '--backend-store-uri', pg]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(
      /bosun backup works on SQLite databases only. For PostgreSQL, use pg_dump .* docs\/backup.md/,
    );
    expect(existsSync(join(root, 'pg'))).toBe(false);
    const r = await bosun(['restore', '--from', backup, '--backend-store-uri', pg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bosun restore works on SQLite databases only. For PostgreSQL, use pg_restore/);
  });
});
