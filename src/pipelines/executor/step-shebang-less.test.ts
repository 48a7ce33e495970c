import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';

// A step's command may be an executable script with no `#!` line: the kernel refuses it (ENOEXEC) and, as
// `execvp` does, the step spawner runs it with /bin/sh.
describe('a step whose command is an executable script with no #! line', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('runs it with /bin/sh and stores its output and its outputs', async () => {
    const script = join(h.codeDir, 'plain-step');
    writeFileSync(script, 'echo "hello $1"\necho warn >&2\necho 7 > "$2"\n');
    chmodSync(script, 0o755);
    const pipelines = h.service();
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'shebang-less',
        steps: {
          plain: {
            command: ['./plain-step', 'world', '{{outputs.count}}'],
            outputs: { count: { type: 'int' } },
          },
        },
      },
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'shebang-less', params: {}, createdBy: 'alice' });
    expect(await done).toBe('succeeded');
    const details = await pipelines.getRun(run.runId);
    expect(details.steps[0]).toMatchObject({ step: 'plain', state: 'succeeded', exitCode: 0 });
    expect(details.steps[0]!.outputs!['count']).toEqual({ kind: 'value', value: 7 });
    const logs = await pipelines.logs(run.runId, { step: 'plain' });
    expect(logs[0]).toMatchObject({ stdout: 'hello world\n', stderr: 'warn\n' });
  });
});
