/**
 * End to end: a real server (startServer on a temp SQLite file) and the real CLI run as a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BosunClient } from '../client/index.js';
import { startServer, type RunningServer } from '../server/index.js';
import { loadServerConfig } from '../shared/config.js';
import { runBuiltCli, type CliResult } from './test-support/run-built-cli.js';
import { testStartOptions } from '../server/test-support/test-start-options.js';

/** A test may start several CLI processes on a loaded 2-core machine. */
const slow = { timeout: 10 * 60 * 1000 };

/** Runs `bosun ARGS` with a clean environment (no inherited tracking URI) plus `env`. */
function bosun(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runBuiltCli(args, env);
}

let dir: string;
let server: RunningServer;
let uri: string;
let experimentId: string;
const runIds: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-cli-e2e-'));
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
  server = await startServer(config, testStartOptions);
  uri = server.address;

  const client = new BosunClient({ baseUrl: uri });
  experimentId = await client.createExperiment({ name: 'e2e-churn' });
  const seed: [string, number, string][] = [
    ['alpha', 0.95, '0.1'],
    ['beta', 0.8, '0.01'],
    ['gamma', 0.9, '0.05'],
  ];
  for (const [name, acc, lr] of seed) {
    const run = await client.createRun({ experimentId, runName: name, startTime: Date.now() });
    runIds[name] = run.info.runId;
    await client.logBatch(run.info.runId, {
      metrics: [
        { key: 'acc', value: acc, timestamp: Date.now(), step: 1 },
        { key: 'loss', value: name === 'gamma' ? NaN : 1 - acc, timestamp: Date.now(), step: 1 },
      ],
      params: [{ key: 'lr', value: lr }],
    });
    await client.updateRun({ runId: run.info.runId, status: 'FINISHED', endTime: Date.now() });
  }
  const doomed = await client.createRun({ experimentId, runName: 'doomed' });
  runIds.doomed = doomed.info.runId;
  await client.deleteRun(doomed.info.runId);
});

afterAll(async () => {
  await server?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function noStackTrace(result: CliResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stdout).not.toMatch(/\n\s+at /);
}

describe('bosun experiments', slow, () => {
  it('creates an experiment, lists it in a table and as JSON', async () => {
    const created = await bosun([
      'experiments',
      'create',
      'from-cli',
      '--artifact-location',
      'mlflow-artifacts:/from-cli',
      '--tracking-uri',
      uri,
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /^Created experiment 'from-cli' with id (\d+)\.\n$/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    const [table, json] = await Promise.all([
      bosun(['experiments', 'list', '--tracking-uri', uri]),
      bosun(['experiments', 'list', '--json', '--filter', "name LIKE 'from-%'"], {
        MLFLOW_TRACKING_URI: uri,
      }),
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STAGE\s+ARTIFACT LOCATION\s+CREATED$/);
    expect(
      lines.some((line) =>
        new RegExp(`^\\s*${id}\\s+from-cli\\s+active\\s+mlflow-artifacts:/from-cli\\s`).test(line),
      ),
    ).toBe(true);
    expect(lines.some((line) => /^\s*0\s+Default\s+active/.test(line))).toBe(true);
    expect(lines.some((line) => /e2e-churn/.test(line))).toBe(true);

    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      experiments: { experimentId: string; name: string; artifactLocation: string }[];
    };
    expect(parsed.experiments.map((e) => [e.experimentId, e.name, e.artifactLocation])).toEqual([
      [id, 'from-cli', 'mlflow-artifacts:/from-cli'],
    ]);
  });

  it('reports a duplicate name as error: RESOURCE_ALREADY_EXISTS and exits 1', async () => {
    const result = await bosun(['experiments', 'create', 'e2e-churn'], { BOSUN_TRACKING_URI: uri });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: RESOURCE_ALREADY_EXISTS: .*e2e-churn.*\n$/);
    noStackTrace(result);
  });
});

describe('bosun runs', slow, () => {
  it('searches with filter and order-by, as JSON and as a table', async () => {
    const common = [
      '--experiment-id',
      experimentId,
      '--filter',
      'metrics.acc > 0.85',
      '--order-by',
      'metrics.acc DESC',
    ];
    const [json, table] = await Promise.all([
      bosun(['runs', 'search', ...common, '--json', '--tracking-uri', uri]),
      bosun(['runs', 'search', ...common, '--metrics', 'acc,loss', '--params', 'lr', '--tracking-uri', uri]),
    ]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      runs: { info: { runId: string }; data: { metrics: { key: string; value: unknown }[] } }[];
    };
    expect(parsed.runs.map((r) => r.info.runId)).toEqual([runIds.alpha, runIds.gamma]);
    const gammaLoss = parsed.runs[1]?.data.metrics.find((m) => m.key === 'loss');
    expect(gammaLoss?.value).toBe('NaN');

    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^RUN ID\s+NAME\s+STATUS\s+START TIME\s+metrics\.acc\s+metrics\.loss\s+params\.lr$/,
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${runIds.alpha}\\s+alpha\\s+FINISHED\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+0\\.95\\s+0\\.05\\s+0\\.1$`,
      ),
    );
    expect(lines[3]).toMatch(
      new RegExp(`^${runIds.gamma}\\s+gamma\\s+FINISHED\\s.*\\s0\\.9\\s+NaN\\s+0\\.05$`),
    );
    expect(lines).toHaveLength(4);
  });

  it('honours --view and pages with --max-results / --page-token', async () => {
    const [deleted, all, firstPage] = await Promise.all([
      bosun([
        'runs',
        'search',
        '--experiment-id',
        experimentId,
        '--view',
        'deleted',
        '--json',
        '--tracking-uri',
        uri,
      ]),
      bosun([
        'runs',
        'search',
        '--experiment-id',
        experimentId,
        '--view',
        'all',
        '--json',
        '--tracking-uri',
        uri,
      ]),
      bosun([
        'runs',
        'search',
        '--experiment-id',
        experimentId,
        '--max-results',
        '1',
        '--order-by',
        'metrics.acc ASC',
        '--tracking-uri',
        uri,
      ]),
    ]);
    const ids = (r: CliResult) =>
      (JSON.parse(r.stdout) as { runs: { info: { runId: string } }[] }).runs.map((x) => x.info.runId);
    expect(ids(deleted)).toEqual([runIds.doomed]);
    expect(ids(all).sort()).toEqual(Object.values(runIds).sort());

    expect(firstPage.code).toBe(0);
    expect(firstPage.stdout).toContain(runIds.beta);
    const token = /Next page: --page-token (\S+)\n$/.exec(firstPage.stdout)?.[1];
    expect(token).toBeDefined();
    const second = await bosun([
      'runs',
      'search',
      '--experiment-id',
      experimentId,
      '--max-results',
      '1',
      '--order-by',
      'metrics.acc ASC',
      '--page-token',
      token ?? '',
      '--json',
      '--tracking-uri',
      uri,
    ]);
    expect(ids(second)).toEqual([runIds.gamma]);
  });

  it('shows one run in detail and as JSON', async () => {
    const id = runIds.gamma ?? '';
    const [text, json] = await Promise.all([
      bosun(['runs', 'get', id, '--tracking-uri', uri]),
      bosun(['runs', 'get', id, '--json', '--tracking-uri', uri]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^Run ID:\\s+${id}\\n`));
    expect(text.stdout).toMatch(/\nName:\s+gamma\n/);
    expect(text.stdout).toMatch(/\nStatus:\s+FINISHED\n/);
    expect(text.stdout).toMatch(/\nParams\nKEY\s+VALUE\n-+\s+-+\nlr\s+0\.05\n/);
    expect(text.stdout).toMatch(/\nloss\s+NaN\s+1\s/);

    const run = JSON.parse(json.stdout) as {
      info: { runId: string; experimentId: string; endTime: number | null };
    };
    expect(run.info.runId).toBe(id);
    expect(run.info.experimentId).toBe(experimentId);
    expect(run.info.endTime).toBeGreaterThan(0);
  });
});

describe('bosun errors', slow, () => {
  it('prints error: CODE: message for a missing run, bad flags and a bad filter, with exit code 1', async () => {
    const [missing, badView, badFilter, badMax] = await Promise.all([
      bosun(['runs', 'get', 'f'.repeat(32), '--tracking-uri', uri]),
      bosun(['runs', 'search', '--experiment-id', experimentId, '--view', 'sideways', '--tracking-uri', uri]),
      bosun([
        'runs',
        'search',
        '--experiment-id',
        experimentId,
        '--filter',
        'metrics.acc >>> 1',
        '--tracking-uri',
        uri,
      ]),
      bosun(['runs', 'search', '--experiment-id', experimentId, '--max-results', '0', '--tracking-uri', uri]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: RESOURCE_DOES_NOT_EXIST: .*f{32}.*\n$/);
    expect(badView.code).toBe(1);
    expect(badView.stderr).toBe(
      "error: INVALID_PARAMETER_VALUE: Invalid --view 'sideways': expected active, deleted or all\n",
    );
    expect(badFilter.code).toBe(1);
    expect(badFilter.stderr).toMatch(/^error: INVALID_PARAMETER_VALUE: .+\n$/);
    expect(badMax.stderr).toMatch(/^error: INVALID_PARAMETER_VALUE: Invalid --max-results '0'/);
    for (const result of [missing, badView, badFilter, badMax]) noStackTrace(result);
  });

  it('reports an unreachable server and an unusable tracking URI without a stack trace', async () => {
    const [unreachable, badUri] = await Promise.all([
      bosun(['experiments', 'list', '--tracking-uri', 'http://127.0.0.1:1']),
      bosun(['experiments', 'list'], { MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' }),
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^error: TEMPORARILY_UNAVAILABLE: Cannot reach the tracking server at http:\/\/127\.0\.0\.1:1/,
    );
    expect(badUri.code).toBe(1);
    expect(badUri.stderr).toBe(
      "error: INVALID_PARAMETER_VALUE: Invalid tracking URI 'file:///tmp/mlruns': expected an http:// or https:// URL\n",
    );
    noStackTrace(unreachable);
    noStackTrace(badUri);
  });
});
