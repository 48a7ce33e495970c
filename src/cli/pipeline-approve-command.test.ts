import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-context.js';
import { runCli } from './program.js';
import { waitFor } from '../shared/test-support/wait-for.js';
import { createPostgresDatabase, testEngines } from '../db/test-support/test-databases.js';
import { startServer, type RunningServer } from '../server/index.js';
import { testPipelineWorkRoot } from '../server/test-support/test-start-options.js';
import { testConfig } from '../server/test-support/test-server.js';

const gated = (name: string) => `apiVersion: bosun.dev/v1
kind: Pipeline
name: ${name}
steps:
  gate:
    approval: { message: 'Ship it?', on_reject: continue }
  ship:
    command: ['true']
    after: [gate]
    when: steps.gate.outputs.approved
    cache: { enabled: false }
`;

interface Approval {
  run_id: string;
  step: string;
  status: string;
  message: string | null;
  decided_by: string | null;
  comment: string | null;
}

async function run(args: string[], io: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { PATH: process.env.PATH ?? '' },
    ...io,
  });
  return { code, out: out.join(''), err: err.join('') };
}

// Through a server (SQLite): one process writes the database. Against the database, two processes share it,
// which SQLite serialises with a lock a single test process cannot wait on: that form runs on PostgreSQL.
describe('bosun pipeline approve|reject|approvals --tracking-uri (through a server)', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-pipeline-approve-cli-'));
    server = await startServer(
      testConfig({
        backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
        artifactsDestination: join(dir, 'artifacts'),
        serveArtifacts: true,
        defaultArtifactRoot: 'mlflow-artifacts:/',
      }),
      { handleSignals: false, platform: { pipelineWorkRoot: testPipelineWorkRoot(dir) } },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => run([...args, '--tracking-uri', server.address], { env: {} });

  async function startWaiting(name: string): Promise<Approval> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, gated(name));
    const started = await cli(['pipeline', 'run', file, '--code-dir', dir, '--detach', '--json']);
    expect(started.code).toBe(0);
    return waitFor(`${name} to wait for approval`, async () => {
      const listed = await cli(['pipeline', 'approvals', '--pipeline', name, '--json']);
      return (JSON.parse(listed.out) as { approvals: Approval[] }).approvals[0];
    });
  }

  const runStatus = (runId: string) =>
    waitFor('the run to end', async () => {
      const got = await cli(['pipeline', 'runs', '--json']);
      const found = (JSON.parse(got.out) as { runs: { run_id: string; status: string }[] }).runs.find(
        (r) => r.run_id === runId,
      );
      return found !== undefined && found.status !== 'running' ? found.status : undefined;
    });

  it('lists a waiting approval (also under runs), approves it with a comment, and the run goes on', async () => {
    const waiting = await startWaiting('cli-approve');
    expect(waiting).toMatchObject({ step: 'gate', status: 'waiting', message: 'Ship it?' });

    const runs = await cli(['pipeline', 'runs', '--pipeline', 'cli-approve']);
    expect(runs.out).toContain('waiting for approval');
    expect(runs.out).toContain(`${waiting.run_id} gate`);
    const runsJson = JSON.parse(
      (await cli(['pipeline', 'runs', '--pipeline', 'cli-approve', '--json'])).out,
    ) as {
      approvals: Approval[];
    };
    expect(runsJson.approvals.map((a) => a.run_id)).toEqual([waiting.run_id]);

    const approved = await cli([
      'pipeline',
      'approve',
      waiting.run_id,
      'gate',
      '--comment',
      'fine',
      '--user',
      'dave',
    ]);
    expect(approved.code).toBe(0);
    expect(approved.out).toBe(`gate of run ${waiting.run_id} approved by dave\n`);
    expect(await runStatus(waiting.run_id)).toBe('succeeded');

    const ofRun = await cli(['pipeline', 'approvals', waiting.run_id, '--json']);
    expect((JSON.parse(ofRun.out) as { approvals: Approval[] }).approvals).toEqual([
      expect.objectContaining({ status: 'approved', decided_by: 'dave', comment: 'fine' }),
    ]);
    const table = await cli(['pipeline', 'approvals', waiting.run_id]);
    expect(table.out).toMatch(/gate\s+approved/);
    const again = await cli(['pipeline', 'reject', waiting.run_id, 'gate']);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/INVALID_STATE: .*not waiting for approval: it was approved by dave/);
  });

  it('rejects (the run continues with approved=false here) and refuses an unknown step', async () => {
    const waiting = await startWaiting('cli-reject');
    const unknown = await cli(['pipeline', 'approve', waiting.run_id, 'nope']);
    expect(unknown.err).toMatch(/RESOURCE_DOES_NOT_EXIST: Step 'nope' of pipeline run/);
    const rejected = await cli(['pipeline', 'reject', waiting.run_id, 'gate', '-m', 'not now', '--json']);
    expect(JSON.parse(rejected.out)).toMatchObject({
      approval: { status: 'rejected', comment: 'not now', decided_by: 'anonymous' },
    });
    expect(await runStatus(waiting.run_id)).toBe('succeeded');
  });
});

describe.runIf(testEngines.includes('postgres'))(
  'bosun pipeline approve against the database (PostgreSQL)',
  () => {
    let dir: string;
    let db: { uri: string; drop(): Promise<void> };
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'bosun-pipeline-approve-db-'));
      db = await createPostgresDatabase('bosun_approve_cli');
    });
    afterAll(async () => {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a run started here waits; approve on the database lets it go on', async () => {
      const cli = (args: string[]) =>
        run([...args, '--backend-store-uri', db.uri], {
          env: { BOSUN_DATA_DIR: dir, PATH: process.env.PATH ?? '' },
        });
      const file = join(dir, 'db-approve.yaml');
      writeFileSync(file, gated('db-approve'));
      const running = cli(['pipeline', 'run', file, '--code-dir', dir, '--json']);
      const waiting = await waitFor('the approval to wait', async () => {
        const listed = await cli(['pipeline', 'approvals', '--json']);
        return (JSON.parse(listed.out || '{"approvals":[]}') as { approvals: Approval[] }).approvals[0];
      });
      const approved = await cli([
        'pipeline',
        'approve',
        waiting.run_id,
        'gate',
        '--user',
        'dave',
        '-m',
        'ok',
      ]);
      expect(approved.out).toBe(`gate of run ${waiting.run_id} approved by dave\n`);
      const finished = await running;
      expect(finished.code).toBe(0);
      const details = JSON.parse(finished.out) as { steps: { step: string; state: string }[] };
      expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
        gate: 'succeeded',
        ship: 'succeeded',
      });
    });
  },
);
