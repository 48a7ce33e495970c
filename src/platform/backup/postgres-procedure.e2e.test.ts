/**
 * The PostgreSQL procedure of docs/backup.md, run as written: pg_dump (its own process) of a server's database
 * while this test keeps ingesting through the API, the artifact folder copied after the dump, pg_restore into a
 * new database, and a server on the restored data answering every write acknowledged before the dump began,
 * with an intact audit chain.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresTests } from '../../db/test-support/test-databases.js';
import { startServer, type RunningServer } from '../../server/index.js';
import { loadServerConfig } from '../../shared/config.js';
import { ingestOne, prepare, readBack, verifyAudit, type Ingested } from './test-support/ingest.js';
import { testStartOptions } from '../../server/test-support/test-start-options.js';

function run(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

function serve(uri: string, artifacts: string): Promise<RunningServer> {
  return startServer(
    loadServerConfig(
      { port: 0, backendStoreUri: uri, artifactsDestination: artifacts, logLevel: 'silent' },
      {},
    ),
    testStartOptions,
  );
}

const root = mkdtempSync(join(tmpdir(), 'bosun-pg-backup-'));
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(root, { recursive: true, force: true });
});

// The fast inner loop runs without PostgreSQL (BOSUN_TEST_ENGINES=sqlite); every full run includes it.
describe.runIf(postgresTests)('the documented pg_dump / pg_restore procedure', () => {
  it('restores every write acknowledged before pg_dump began, with artifacts and audit chain', async () => {
    const source = await createPostgresDatabase('bosun_bk_src');
    drops.push(source.drop);
    const target = await createPostgresDatabase('bosun_bk_dst');
    drops.push(target.drop);
    const dump = join(root, 'bosun.pgdump');
    const server = await serve(source.uri, join(root, 'artifacts'));
    const acknowledged: Ingested[] = [];
    let stop = false;
    let ingestion: Promise<void> | undefined;
    let before: Ingested[];
    let after: Ingested[];
    let dumped: { code: number | null; stderr: string };
    try {
      const experimentId = await prepare(server.address, 'pg');
      for (let i = 0; i < 8; i += 1)
        acknowledged.push(await ingestOne(server.address, experimentId, 'pg', i));
      let next = 8;
      const writer = async (): Promise<void> => {
        while (!stop) acknowledged.push(await ingestOne(server.address, experimentId, 'pg', next++));
      };
      ingestion = Promise.all([writer(), writer()]).then(() => undefined);
      before = [...acknowledged];
      dumped = await run('pg_dump', ['--format=custom', `--file=${dump}`, source.uri]);
      stop = true;
      await ingestion;
      after = [await ingestOne(server.address, experimentId, 'pg', next++)];
      // The artifacts after the dump, as the procedure says.
      cpSync(join(root, 'artifacts'), join(root, 'backup-artifacts'), { recursive: true });
    } finally {
      stop = true;
      await ingestion?.catch(() => undefined);
      await server.close();
    }
    expect(dumped.stderr).toBe('');
    expect(dumped.code).toBe(0);

    const restored = await run('pg_restore', ['--no-owner', `--dbname=${target.uri}`, dump]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    cpSync(join(root, 'backup-artifacts'), join(root, 'restored-artifacts'), { recursive: true });
    const again = await serve(target.uri, join(root, 'restored-artifacts'));
    try {
      for (const unit of before) expect(await readBack(again.address, unit)).toEqual(unit);
      for (const unit of after) {
        const res = await fetch(`${again.address}/api/2.0/mlflow/runs/get?run_id=${unit.runId}`);
        expect(res.status).toBe(404);
      }
      expect(await verifyAudit(again.address)).toMatchObject({ valid: true });
    } finally {
      await again.close();
    }
  });
});
