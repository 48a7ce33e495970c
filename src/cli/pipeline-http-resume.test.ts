import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../server/index.js';
import { testPipelineWorkRoot } from '../server/test-support/test-start-options.js';
import { testConfig } from '../server/test-support/test-server.js';
import { captureCli } from './test-support/capture-cli.js';

type Server = Awaited<ReturnType<typeof startServer>>;

describe('bosun pipeline resume|cancel --tracking-uri (requests without a body)', () => {
  let folder: string;
  let server: Server;
  const cli = (args: string[]) =>
    captureCli([...args, '--tracking-uri', server.address], { PATH: process.env.PATH ?? '' });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'bosun-pipeline-http-resume-'));
    server = await startServer(
      testConfig({
        backendStoreUri: `sqlite:///${join(folder, 'bosun.db')}`,
        artifactsDestination: join(folder, 'artifacts'),
        serveArtifacts: true,
        defaultArtifactRoot: 'mlflow-artifacts:/',
      }),
      { handleSignals: false, platform: { pipelineWorkRoot: testPipelineWorkRoot(folder) } },
    );
  });
  afterAll(async () => {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('resumes a failed run through the server, and a cancel of an ended run gets its real answer', async () => {
    const marker = join(folder, 'fixed');
    writeFileSync(
      join(folder, 'p.yaml'),
      `apiVersion: bosun.dev/v1
kind: Pipeline
name: resume-over-http
steps:
  first:
    command: [sh, -c, 'echo first']
  check:
    command: [sh, -c, 'test -f ${marker}']
    after: [first]
`,
    );
    const run = await cli(['pipeline', 'run', join(folder, 'p.yaml'), '--code-dir', folder, '--json']);
    expect(run.code).toBe(1);
    const failed = JSON.parse(run.out) as {
      run: { run_id: string };
      steps: { step: string; state: string }[];
    };
    expect(Object.fromEntries(failed.steps.map((s) => [s.step, s.state]))).toEqual({
      first: 'succeeded',
      check: 'failed',
    });
    writeFileSync(marker, '');
    const resumed = await cli(['pipeline', 'resume', failed.run.run_id, '--json']);
    expect({ code: resumed.code, err: resumed.err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(resumed.out)).toMatchObject({ run: { status: 'succeeded', resumes: 1 } });
    const cancel = await cli(['pipeline', 'cancel', failed.run.run_id]);
    expect(cancel.code).toBe(1);
    expect(cancel.err).toMatch(/INVALID_STATE: .*already ended/);
  });
});
