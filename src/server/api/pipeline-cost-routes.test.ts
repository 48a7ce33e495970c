import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthTestServer, expectError, type AuthTestServer } from '../test-support/auth-test-server.js';

const api = '/api/bosun/v1/pipelines';

const classesFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-cost-classes-'));
  const path = join(dir, 'resource-classes.yaml');
  writeFileSync(
    path,
    [
      'classes:',
      '  - { name: cpu.small, price_per_hour: 0.36, capacity: on-demand, spot_price_per_hour: 0.12 }',
      '  - { name: gpu.spot, price_per_hour: 3.6, capacity: spot }',
      '',
    ].join('\n'),
  );
  return path;
};

const pipeline = (name: string, resourceClass: string) => `apiVersion: bosun.dev/v1
kind: Pipeline
name: ${name}
steps:
  hello:
    command: [sh, -c, 'echo hello']
    resources: { class: ${resourceClass} }
`;

describe('pipeline resource classes over HTTP', () => {
  let t: AuthTestServer;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-pipeline-cost-', { resourceClassesFile: classesFile() });
  });
  afterAll(async () => t.close());

  it('refuses to run a pipeline that names an unknown class, listing the known ones', async () => {
    const defined = await t.call('POST', `${api}/definitions`, { document: pipeline('tpu-job', 'tpu.big') });
    expect(defined.status).toBe(200);
    const started = await t.call('POST', `${api}/runs`, { pipeline: 'tpu-job' });
    expectError(started, 400, 'INVALID_PARAMETER_VALUE');
    expect(started.json.message).toBe(
      "Pipeline 'tpu-job' step 'hello': unknown resource class 'tpu.big': the server defines 'cpu.small', 'gpu.spot'",
    );
  });
});

describe('a bad resource classes file', () => {
  it('refuses to start the server, naming the file and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bosun-cost-bad-'));
    const path = join(dir, 'rc.yaml');
    writeFileSync(path, 'classes:\n  - { name: a, price_per_hour: cheap, capacity: on-demand }\n');
    await expect(
      startAuthTestServer('bosun-pipeline-cost-bad-', { resourceClassesFile: path }),
    ).rejects.toThrow(`Resource classes file '${path}' is not valid:\n  classes[0].price_per_hour`);
  });
});
