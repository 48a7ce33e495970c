/**
 * End to end for `bosun models`: a real server (startServer on a temp SQLite file, governance and lineage
 * included), versions registered through the TS client, and the built CLI run as a child process.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BosunClient, type ScanRecord } from '../client/index.js';
import { startServer, type RunningServer } from '../server/index.js';
import { loadServerConfig } from '../shared/config.js';
import { waitFor } from '../shared/test-support/wait-for.js';
import { runBuiltCli, type CliResult } from './test-support/run-built-cli.js';
import { testStartOptions } from '../server/test-support/test-start-options.js';

const slow = { timeout: 10 * 60 * 1000 };

function bosun(args: string[]): Promise<CliResult> {
  return runBuiltCli(args, { BOSUN_TRACKING_URI: uri });
}

/** A protocol-2 pickle of `{'a': 1}`: nothing but builtin containers. */
const cleanPickle = Buffer.from([
  0x80, 0x02, 0x7d, 0x71, 0x00, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x4b, 0x01, 0x73, 0x2e,
]);
/** A protocol-0 pickle that calls os.system('echo pwned') when loaded. */
const evilPickle = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1');

let dir: string;
let server: RunningServer;
let uri: string;
let client: BosunClient;
const runs: Record<'good' | 'evil', string> = { good: '', evil: '' };

async function waitForScan(name: string, version: string): Promise<ScanRecord> {
  return waitFor(
    `the scan verdict of ${name} ${version}`,
    () => client.governance.getScan(name, version).catch(() => undefined),
    50,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-models-e2e-'));
  const artifacts = join(dir, 'artifacts');
  server = await startServer(
    loadServerConfig(
      {
        host: '127.0.0.1',
        port: 0,
        backendStoreUri: `sqlite:///${join(dir, 'bosun.db')}`,
        artifactsDestination: artifacts,
        logLevel: 'silent',
      },
      {},
    ),
    testStartOptions,
  );
  uri = server.address;
  client = new BosunClient({ baseUrl: uri });

  const experimentId = await client.createExperiment({ name: 'models-e2e' });
  for (const [kind, accuracy, file] of [
    ['good', 0.95, cleanPickle],
    ['evil', 0.97, evilPickle],
  ] as const) {
    const run = await client.createRun({ experimentId, runName: kind });
    runs[kind] = run.info.runId;
    await client.logBatch(run.info.runId, {
      metrics: [{ key: 'accuracy', value: accuracy, timestamp: Date.now(), step: 0 }],
      params: [{ key: 'kind', value: kind }],
    });
    const modelDir = join(artifacts, experimentId, run.info.runId, 'artifacts', 'model');
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, 'model.pkl'), file);
  }

  await client.registry.createRegisteredModel({
    name: 'churn',
    description: 'churn classifier',
    tags: [{ key: 'team', value: 'growth' }],
  });
  await client.registry.createModelVersion({ name: 'churn', source: `runs:/${runs.good}/model` }); // 1
  await client.registry.createModelVersion({ name: 'churn', source: `runs:/${runs.evil}/model` }); // 2
  await client.registry.createRegisteredModel({ name: 'fraud' });
  await waitForScan('churn', '1');
  await waitForScan('churn', '2');
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('bosun models', slow, () => {
  it('lists models in a table and as JSON', async () => {
    const [table, json] = await Promise.all([
      bosun(['models', 'list']),
      bosun(['models', 'list', '--json', '--filter', "name LIKE 'ch%'"]),
    ]);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LATEST\s+ALIASES\s+UPDATED\s+DESCRIPTION$/);
    expect(lines[2]).toMatch(/^churn\s+2\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+churn classifier$/);
    expect(lines[3]).toMatch(/^fraud\s+\d{4}-/);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { registeredModels: { name: string }[] };
    expect(parsed.registeredModels.map((m) => m.name)).toEqual(['churn']);
  });

  it('lists versions newest first with their scan verdicts and runs', async () => {
    const result = await bosun(['models', 'versions', 'churn']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+STAGE\s+ALIASES\s+SCAN\s+RUN ID\s+CREATED$/);
    expect(lines[2]).toMatch(new RegExp(`^\\s+2\\s+None\\s+unsafe\\s+${runs.evil}\\s+\\d{4}-`));
    expect(lines[3]).toMatch(new RegExp(`^\\s+1\\s+None\\s+clean\\s+${runs.good}\\s+\\d{4}-`));
    const filtered = await bosun(['models', 'versions', 'churn', '--filter', 'version_number < 2', '--json']);
    const parsed = JSON.parse(filtered.stdout) as { modelVersions: { version: string }[] };
    expect(parsed.modelVersions.map((v) => v.version)).toEqual(['1']);
    const unknown = await bosun(['models', 'versions', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: RESOURCE_DOES_NOT_EXIST: /);
  });

  it('shows a scan verdict with its findings', async () => {
    const unsafe = await bosun(['models', 'scan', 'churn', '2']);
    expect(unsafe.code).toBe(0);
    expect(unsafe.stdout).toMatch(/^Scan of churn version 2: UNSAFE \(1 file, scanned \d{4}-/);
    expect(unsafe.stdout).toMatch(/\nCRITICAL\s+dangerous-global\s+os\.system\s+model\.pkl\s/);
    const clean = await bosun(['models', 'scan', 'churn', '1', '--rescan', '--json']);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ scan: { status: 'clean', files: 1 } });
  });

  it('enforces a policy: refusals list each unmet condition, approvals then promotion succeed', async () => {
    const set = await bosun([
      'models',
      'policy',
      'set',
      'churn',
      '--target',
      'alias:champion',
      '--require-clean-scan',
      '--metric',
      'accuracy>=0.9',
      '--approvals',
      '1',
    ]);
    expect(set.stderr).toBe('');
    expect(set.stdout).toBe(
      'Policy for churn → alias:champion: clean scan; metrics.accuracy >= 0.9; 1 approval\n',
    );

    const dry = await bosun(['models', 'promote', 'churn', '2', '--alias', 'champion', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toBe('');
    const bullets = dry.stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(dry.stderr).toMatch(/^Promotion of churn version 2 to alias:champion refused:\n/);
    expect(bullets).toHaveLength(2); // the unsafe scan and the missing approval
    expect(bullets.join('\n')).toMatch(/scan/i);
    expect(bullets.join('\n')).toMatch(/approv/i);

    const refused = await bosun(['models', 'promote', 'churn', '1', '--alias', 'champion']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused:\n {2}- .*approv/i);

    const requested = await bosun([
      'models',
      'approve',
      'churn',
      '1',
      '--target',
      'alias:champion',
      '--user',
      'ana',
      '--comment',
      'ship it',
    ]);
    expect(requested.code).toBe(0);
    expect(requested.stdout).toMatch(/^Approval #\d+ for churn version 1 → alias:champion: requested\n/);
    expect(requested.stdout).toContain('another approver must approve it');
    const approved = await bosun([
      'models',
      'approve',
      'churn',
      '1',
      '--target',
      'alias:champion',
      '--user',
      'bo',
      '--json',
    ]);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      requested: false,
      approval: { status: 'approved', requestedBy: 'ana', decidedBy: 'bo', target: 'alias:champion' },
    });

    const check = await bosun(['models', 'promote', 'churn', '1', '--alias', 'champion', '--dry-run']);
    expect(check).toMatchObject({ code: 0, stdout: 'churn version 1 may be promoted to alias:champion.\n' });
    const promoted = await bosun(['models', 'promote', 'churn', '1', '--alias', 'champion', '--user', 'bo']);
    expect(promoted).toMatchObject({
      code: 0,
      stdout: 'Promoted churn version 1 to alias:champion.\n',
      stderr: '',
    });
    expect((await client.registry.getModelVersionByAlias('churn', 'champion')).version).toBe('1');

    const json = await bosun(['models', 'promote', 'churn', '2', '--alias', 'champion', '--json']);
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout) as { allowed: boolean; unmet: string[] };
    expect(answer.allowed).toBe(false);
    expect(answer.unmet.length).toBeGreaterThanOrEqual(2);
  });

  it('shows a model with tags, aliases, latest versions and policies; deletes a policy', async () => {
    const shown = await bosun(['models', 'show', 'churn']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Name:\s+churn\nDescription:\s+churn classifier\n/);
    expect(shown.stdout).toMatch(/\nTags\nKEY\s+VALUE\n-+\s+-+\nteam\s+growth\n/);
    expect(shown.stdout).toMatch(/\nAliases\nALIAS\s+VERSION\n-+\s+-+\nchampion\s+1\n/);
    expect(shown.stdout).toMatch(/\nLatest versions\nVERSION.*\n.*\n\s+2\s+None\s+unsafe/);
    expect(shown.stdout).toMatch(
      /\nPolicies\nTARGET\s+CONDITIONS\s+UPDATED\n.*\nalias:champion\s+clean scan; metrics\.accuracy >= 0\.9; 1 approval\s/,
    );

    const deleted = await bosun(['models', 'policy', 'delete', 'churn', '--target', 'alias:champion']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted the policy for churn → alias:champion.\n' });
    const policies = await bosun(['models', 'policy', 'show', 'churn', '--json']);
    expect(JSON.parse(policies.stdout)).toEqual({ policies: [] });
    const promoted = await bosun(['models', 'promote', 'churn', '2', '--stage', 'Staging']);
    expect(promoted).toMatchObject({ code: 0, stdout: 'Promoted churn version 2 to stage:Staging.\n' });
  });

  it('serves lineage to the TS client: run, params, metrics, and the versions of a run', async () => {
    const lineage = await client.lineage.modelVersion('churn', '2');
    expect(lineage.run).toMatchObject({ runId: runs.evil, params: [{ key: 'kind', value: 'evil' }] });
    expect(lineage.run?.metrics[0]).toMatchObject({ key: 'accuracy', value: 0.97 });
    expect(lineage.modelVersion.currentStage).toBe('Staging');
    expect(await client.lineage.run(runs.good)).toEqual([{ name: 'churn', version: '1' }]);
  });
});
