/**
 * Backup of a live server, end to end with three processes: a real `bosun server` (its own process), this test
 * ingesting runs, metrics, artifacts and model versions through the API without pause, and `bosun backup` run as
 * a child process meanwhile. The backup is restored into a new folder by `bosun restore` (another process) and a
 * server started on it must answer every write acknowledged before the backup began, byte for byte, with an
 * intact audit chain; nothing acknowledged after the backup ended may be in it. No clock is read.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ingestOne,
  prepare,
  readBack,
  verifyAudit,
  type Ingested,
} from '../platform/backup/test-support/ingest.js';
import { startServerProcess, type StartedServer } from '../server/test-support/server-process.js';

const repo = resolve(import.meta.dirname, '../..');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `bosun ARGS` from the TypeScript sources (through tsx) in a child process with only PATH set. */
function bosunProcess(args: string[]): Promise<Exit> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', join(repo, 'src/cli/main.ts'), ...args], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function serverOn(dir: string): Promise<StartedServer> {
  const start = await startServerProcess({
    BOSUN_BACKEND_STORE_URI: `sqlite:///${join(dir, 'bosun.db')}`,
    BOSUN_ARTIFACTS_DESTINATION: join(dir, 'artifacts'),
  });
  if (start.status !== 'started') throw new Error(`server did not start: ${start.stderr}`);
  return start;
}

function storage(dir: string): string[] {
  return [
    '--backend-store-uri',
    `sqlite:///${join(dir, 'bosun.db')}`,
    '--artifacts-destination',
    join(dir, 'artifacts'),
  ];
}

const root = mkdtempSync(join(tmpdir(), 'bosun-backup-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bosun backup of a server under write load, restored by bosun restore', () => {
  it('keeps every write acknowledged before the backup began and none acknowledged after it ended', async () => {
    const source = join(root, 'source');
    const backup = join(root, 'backup');
    const target = join(root, 'restored');
    const server = await serverOn(source);
    const acknowledged: Ingested[] = [];
    let stop = false;
    let ingestion: Promise<void> | undefined;
    let before: Ingested[];
    let after: Ingested[];
    let duringBackup: number;
    let backupExit: Exit;
    try {
      const experimentId = await prepare(server.address, 'live');
      for (let i = 0; i < 20; i += 1)
        acknowledged.push(await ingestOne(server.address, experimentId, 'live', i));
      // Two writers, so requests overlap on the server while the backup reads.
      let next = 20;
      const writer = async (): Promise<void> => {
        while (!stop) acknowledged.push(await ingestOne(server.address, experimentId, 'live', next++));
      };
      ingestion = Promise.all([writer(), writer()]).then(() => undefined);
      // A unit in flight now may be acknowledged before or after the snapshot: only those already done count.
      before = [...acknowledged];
      backupExit = await bosunProcess(['backup', '--to', backup, ...storage(source)]);
      const endedAt = acknowledged.length;
      duringBackup = endedAt - before.length;
      stop = true;
      await ingestion;
      // Written after the backup process exited, so after its snapshot.
      after = [
        await ingestOne(server.address, experimentId, 'live', next++),
        await ingestOne(server.address, experimentId, 'live', next++),
      ];
    } finally {
      stop = true;
      await ingestion?.catch(() => undefined);
      await server.stop();
    }
    expect(backupExit.stderr).not.toMatch(/error/);
    expect(backupExit.code).toBe(0);
    // The server kept taking writes while the backup process ran (the backup is online).
    expect(duringBackup).toBeGreaterThan(0);

    const manifest = JSON.parse(readFileSync(join(backup, 'manifest.json'), 'utf8')) as {
      counts: { runs: number };
      artifacts: { files: number };
    };
    expect(manifest.counts.runs).toBeGreaterThanOrEqual(before.length);
    const index = new Map(
      readFileSync(join(backup, 'artifacts.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { path: string; sha256: string })
        .map((e) => [e.path, e.sha256]),
    );
    for (const unit of before) {
      expect(index.get(`${unit.experimentId}/${unit.runId}/artifacts/${unit.artifactPath}`)).toBe(
        unit.artifactSha256,
      );
    }

    const restore = await bosunProcess(['restore', '--from', backup, ...storage(target)]);
    expect(restore.stderr).not.toMatch(/error/);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`runs: ${manifest.counts.runs}`);

    const restored = await serverOn(target);
    try {
      for (const unit of before) expect(await readBack(restored.address, unit)).toEqual(unit);
      for (const unit of after) {
        const res = await fetch(`${restored.address}/api/2.0/mlflow/runs/get?run_id=${unit.runId}`);
        expect(res.status).toBe(404);
      }
      expect(await verifyAudit(restored.address)).toMatchObject({ valid: true });
    } finally {
      await restored.stop();
    }
    const audit = await bosunProcess([
      'audit-log',
      'verify',
      '--backend-store-uri',
      `sqlite:///${join(target, 'bosun.db')}`,
    ]);
    expect(audit.code).toBe(0);
  });
});
