import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from '../../shared/test-support/test-python.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('function steps: a function decorated with @step from the Python package', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await startPipelineHarness('sqlite');
  });
  afterAll(async () => h.close());

  it('is called as the function itself (the decorated object only builds pipelines)', async () => {
    // What `python -m bosun_pipelines compile` writes for a @step: `function: module:name`, the decorated name.
    writeFileSync(
      join(h.codeDir, 'decorated.py'),
      [
        'from typing import NamedTuple',
        'from bosun_pipelines import step',
        'class Scaled(NamedTuple):',
        '    y: float',
        '@step',
        'def scale(x: float) -> Scaled:',
        '    return Scaled(y=x * 10)',
      ].join('\n'),
    );
    const pipelines = h.service({ python: testPython() });
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'decorated',
        steps: {
          scale: {
            function: 'decorated:scale',
            inputs: { x: { type: 'float', value: 0.5 } },
            outputs: { y: { type: 'float' } },
            // The working tree's package, whatever the test Python has installed.
            env: { PYTHONPATH: join(REPO, 'python') },
          },
        },
      },
      createdBy: 't',
    });
    const { run, done } = await pipelines.start({ name: 'decorated', params: {}, createdBy: 't' });
    const status = await done;
    const logs = status === 'succeeded' ? '' : JSON.stringify(await pipelines.logs(run.runId));
    expect({ status, logs }).toEqual({ status: 'succeeded', logs: '' });
    const scale = (await pipelines.getRun(run.runId)).steps.find((s) => s.step === 'scale');
    expect(scale?.outputs?.['y']).toEqual({ kind: 'value', value: 5 });
  });
});
