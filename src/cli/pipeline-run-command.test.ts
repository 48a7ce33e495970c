import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCli } from './test-support/capture-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './program.js';
import { waitFor } from '../shared/test-support/wait-for.js';

let dir: string;
let db: string;

const cli = (args: string[]) =>
  captureCli([...args, '--backend-store-uri', db], { BOSUN_DATA_DIR: dir, PATH: process.env.PATH ?? '' });

const pipeline = (marker: string) => `apiVersion: bosun.dev/v1
kind: Pipeline
name: cli-demo
params:
  n: { type: int, default: 3 }
steps:
  square:
    command: [sh, -c, 'echo "squaring $1"; echo $(($1 * $1)) > "$2"', sh, '{{inputs.n}}', '{{outputs.sq}}']
    inputs: { n: { type: int, from: params.n } }
    outputs: { sq: { type: int } }
  check:
    command: [sh, -c, 'test -f ${marker}']
    inputs: { sq: { type: int, from: steps.square.outputs.sq } }
`;

describe('bosun pipeline run|runs|logs|plan|cancel|resume (against the database)', () => {
  let file: string;
  let marker: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-pipeline-cli-'));
    db = `sqlite:///${join(dir, 'bosun.db')}`;
    marker = join(dir, 'ok');
    file = join(dir, 'pipeline.yaml');
    writeFileSync(file, pipeline(marker));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a file, fails, resumes, and reports runs, logs and plans', async () => {
    const failed = await cli(['pipeline', 'run', file, '-p', 'n=4', '--code-dir', dir]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/pipeline 'cli-demo' version 1 \(new\)/);
    expect(failed.err).toMatch(/square\s+succeeded/);
    expect(failed.out).toMatch(/check\s+failed\s+1\s+exited with code 1/);
    const runId = /run (\w+) failed/.exec(failed.out)?.[1];
    expect(runId).toBeDefined();

    const logs = await cli(['pipeline', 'logs', runId!, '--step', 'square', '--json']);
    expect(JSON.parse(logs.out)).toEqual({
      logs: [expect.objectContaining({ step: 'square', stdout: 'squaring 4\n' })],
    });

    writeFileSync(marker, '');
    const resumed = await cli(['pipeline', 'resume', runId!, '--json']);
    expect(resumed.code).toBe(0);
    const details = JSON.parse(resumed.out) as {
      run: { status: string; resumes: number };
      steps: { step: string; attempt: number }[];
    };
    expect(details.run).toMatchObject({ status: 'succeeded', resumes: 1 });
    expect(details.steps.find((s) => s.step === 'square')!.attempt).toBe(1);

    const plan = await cli(['pipeline', 'plan', 'cli-demo', '-p', 'n=4', '--json']);
    expect(JSON.parse(plan.out)).toMatchObject({
      pipeline: 'cli-demo',
      plan: [
        { step: 'square', decision: 'hit' },
        { step: 'check', decision: 'hit' },
      ],
    });
    const other = await cli(['pipeline', 'plan', 'cli-demo', '-p', 'n=5']);
    expect(other.out).toMatch(/square\s+miss\s+changed since the last run: input:n/);
    expect(other.out).toMatch(/0 of 2 from the cache/);

    const second = await cli(['pipeline', 'run', 'cli-demo', '-p', 'n=4', '--json']);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.out) as { steps: { state: string }[] }).steps.map((s) => s.state)).toEqual([
      'cached',
      'cached',
    ]);

    const runs = await cli(['pipeline', 'runs', '--pipeline', 'cli-demo', '--json']);
    expect((JSON.parse(runs.out) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual([
      'succeeded',
      'succeeded',
    ]);

    const cancel = await cli(['pipeline', 'cancel', runId!]);
    expect(cancel.code).not.toBe(0);
    expect(cancel.err).toMatch(/INVALID_STATE: .*already ended/);
    const badParam = await cli(['pipeline', 'run', 'cli-demo', '-p', 'n=four']);
    expect(badParam.err).toMatch(/INVALID_PARAMETER_VALUE: Parameter 'n': 'four' is not a number/);
    const unknown = await cli(['pipeline', 'run', 'nope']);
    expect(unknown.err).toMatch(/RESOURCE_DOES_NOT_EXIST: Pipeline 'nope' is not defined/);
  });
});

describe('bosun pipeline run|runs|logs|plan --tracking-uri (through a server)', () => {
  it('sends the file, lets the server run it, and follows it', async () => {
    const { startServer } = await import('../server/index.js');
    const { testConfig } = await import('../server/test-support/test-server.js');
    const { testPipelineWorkRoot } = await import('../server/test-support/test-start-options.js');
    const folder = mkdtempSync(join(tmpdir(), 'bosun-pipeline-cli-http-'));
    const server = await startServer(
      testConfig({
        backendStoreUri: `sqlite:///${join(folder, 'bosun.db')}`,
        artifactsDestination: join(folder, 'artifacts'),
        serveArtifacts: true,
        defaultArtifactRoot: 'mlflow-artifacts:/',
      }),
      { handleSignals: false, platform: { pipelineWorkRoot: testPipelineWorkRoot(folder) } },
    );
    try {
      const yamlFile = join(folder, 'p.yaml');
      writeFileSync(yamlFile, pipeline(join(folder, 'absent')).replace('cli-demo', 'http-demo'));
      const call = async (args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli([...args, '--tracking-uri', server.address], {
          stdout: (t) => out.push(t),
          stderr: (t) => err.push(t),
          env: {},
        });
        return { code, out: out.join(''), err: err.join('') };
      };
      const run = await call(['pipeline', 'run', yamlFile, '-p', 'n=6', '--code-dir', folder, '--json']);
      expect(run.code).toBe(1);
      const details = JSON.parse(run.out) as {
        run: { run_id: string; status: string };
        steps: { step: string; state: string }[];
      };
      expect(details.run.status).toBe('failed');
      expect(Object.fromEntries(details.steps.map((s) => [s.step, s.state]))).toEqual({
        square: 'succeeded',
        check: 'failed',
      });
      const logs = await call(['pipeline', 'logs', details.run.run_id, '--step', 'square']);
      expect(logs.out).toBe('==> square (succeeded, attempt 1) <==\nsquaring 6\n');
      const runs = await call(['pipeline', 'runs', '--json']);
      expect((JSON.parse(runs.out) as { runs: { run_id: string }[] }).runs.map((r) => r.run_id)).toEqual([
        details.run.run_id,
      ]);
      const plan = await call(['pipeline', 'plan', 'http-demo', '-p', 'n=6', '--json']);
      expect(JSON.parse(plan.out)).toMatchObject({
        plan: [
          { step: 'square', decision: 'hit' },
          { step: 'check', decision: 'miss' },
        ],
      });
      const detached = await call(['pipeline', 'run', 'http-demo', '-p', 'n=7', '--detach']);
      expect(detached.out).toMatch(/^\w+\n$/);

      // --follow prints a running step's output as it is written, and ends with the run.
      // Two gates, so that stdout's first line is read before stderr's is written: a poll reads stdout, then
      // stderr, and would otherwise meet 'warming' before 'first' when the step writes both between two reads.
      const warm = join(folder, 'warm');
      const gate = join(folder, 'gate');
      writeFileSync(
        join(folder, 'follow.yaml'),
        `apiVersion: bosun.dev/v1
kind: Pipeline
name: follow-demo
steps:
  slow:
    command: [sh, -c, 'echo first; while [ ! -f ${warm} ]; do sleep 0.05; done; echo warming >&2; while [ ! -f ${gate} ]; do sleep 0.05; done; echo second']
  after:
    command: [sh, -c, 'echo done']
    after: [slow]
`,
      );
      const started = await call([
        'pipeline',
        'run',
        join(folder, 'follow.yaml'),
        '--code-dir',
        folder,
        '--detach',
      ]);
      const followedId = started.out.trim();
      const followed: string[] = [];
      const following = runCli(
        ['pipeline', 'logs', followedId, '--follow', '--interval', '0.05', '--tracking-uri', server.address],
        { stdout: (t) => followed.push(t), stderr: (t) => followed.push(`<stderr>${t}`), env: {} },
      );
      // The step is still running (it waits for the gate) when its first lines are printed.
      await waitFor('the first line, followed', () =>
        followed.join('').includes('first') ? true : undefined,
      );
      writeFileSync(warm, '');
      await waitFor('the stderr line, followed', () =>
        followed.join('').includes('warming') ? true : undefined,
      );
      expect(followed.join('')).not.toContain('second');
      writeFileSync(gate, '');
      expect(await following).toBe(0);
      expect(followed.join('')).toBe(
        '==> slow (attempt 1) <==\nfirst\n' +
          '\n==> slow stderr (attempt 1) <==\nwarming\n' +
          '\n==> slow (attempt 1) <==\nsecond\n' +
          '\n==> after (attempt 1) <==\ndone\n' +
          `<stderr>run ${followedId} succeeded\n`,
      );
      // A run that failed: the same output at once, and exit code 1.
      const failedFollow = await call(['pipeline', 'logs', details.run.run_id, '--follow']);
      expect(failedFollow.code).toBe(1);
      expect(failedFollow.out).toBe('==> square (attempt 1) <==\nsquaring 6\n');
      expect(failedFollow.err).toContain(`run ${details.run.run_id} failed`);
      const both = await call(['pipeline', 'logs', followedId, '--follow', '--json']);
      expect(both.code).toBe(1);
      expect(both.err).toContain('--follow prints text as it comes: use it without --json');
    } finally {
      await server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
