import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalArtifactStore } from '../../artifacts/index.js';
import type { RegistryService } from '../../registry/index.js';
import { NotFoundError } from '../../shared/errors.js';
import type { Experiment, RunInfo } from '../../tracking/types.js';
import { formatSchemaError, installErrorHandling } from '../error-handler.js';
import type { TypedApp } from '../typed-app.js';
import { requestValidatorCompiler } from '../validator-compiler.js';
import { registerArtifactRoutes } from './artifact-routes.js';
import { registerModelVersionArtifactRoute } from './model-version-routes.js';
import { rangedDownloadCases } from './test-support/ranged-download-cases.js';

let dir: string;
let app: FastifyInstance;
let base: string;
/** Over one read buffer of the local store's stream (64 KiB), so ranges cross chunk boundaries. */
const content = randomBytes(300 * 1024 + 17);
const filePath = '0/r1/artifacts/model/weights.bin';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-artifact-range-'));
  await mkdir(join(dir, '0', 'r1', 'artifacts', 'model'), { recursive: true });
  await writeFile(join(dir, ...filePath.split('/')), content);
  await writeFile(join(dir, '0', 'r1', 'artifacts', 'empty.txt'), '');
  app = Fastify({ logger: false, schemaErrorFormatter: formatSchemaError });
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, 1024 * 1024);
  const artifacts = new LocalArtifactStore(dir);
  const tracking = {
    async getRunInfo(runId: string): Promise<RunInfo> {
      if (runId !== 'r1') throw new NotFoundError(`Run with id=${runId} not found`);
      return {
        runId,
        experimentId: '0',
        runName: 'r',
        userId: 'u',
        status: 'FINISHED',
        startTime: 0,
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: 'mlflow-artifacts:/0/r1/artifacts',
      };
    },
    async getExperiment(experimentId: string): Promise<Experiment> {
      return {
        experimentId,
        name: 'Default',
        artifactLocation: `mlflow-artifacts:/${experimentId}`,
        lifecycleStage: 'active',
        creationTime: 0,
        lastUpdateTime: 0,
        tags: [],
      };
    },
    async getLoggedModel(modelId: string): Promise<never> {
      throw new NotFoundError(`Logged model ${modelId} not found`);
    },
  };
  await registerArtifactRoutes(app, { artifacts, tracking });
  const registry = {
    async getModelVersionArtifactPath(_name: string, _version: string, path: string): Promise<string> {
      return `0/r1/artifacts/model/${path}`;
    },
    async getModelVersion(name: string, version: string) {
      return { name, version, storageLocation: 'mlflow-artifacts:/0/r1/artifacts/model' };
    },
  } as unknown as RegistryService;
  registerModelVersionArtifactRoute(app as unknown as TypedApp, registry, { artifacts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

const routes: [string, string][] = [
  [
    'the artifact proxy (mlflow-artifacts/artifacts/<path>)',
    `/api/2.0/mlflow-artifacts/artifacts/${filePath}`,
  ],
  ["a run's file (/get-artifact)", '/get-artifact?run_id=r1&path=model/weights.bin'],
  [
    "a model version's file (/model-versions/get-artifact)",
    '/model-versions/get-artifact?name=m&version=1&path=weights.bin',
  ],
];

for (const [name, target] of routes) {
  describe(`ranged downloads from the local store: ${name}`, () => {
    rangedDownloadCases(() => ({
      content,
      fetch: (headers = {}) => fetch(`${base}${target}`, { headers }),
    }));
  });
}

describe('ranged downloads of an empty file', () => {
  it('answers any range with 416 bytes */0 and no range with an empty 200', async () => {
    const url = `${base}/api/2.0/mlflow-artifacts/artifacts/0/r1/artifacts/empty.txt`;
    for (const range of ['bytes=0-', 'bytes=-1', 'bytes=0-0']) {
      const response = await fetch(url, { headers: { range } });
      expect(response.status, range).toBe(416);
      expect(response.headers.get('content-range')).toBe('bytes */0');
      await response.arrayBuffer();
    }
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe('0');
    expect((await whole.arrayBuffer()).byteLength).toBe(0);
  });

  it('still answers a missing file with 404 RESOURCE_DOES_NOT_EXIST when a range is asked for', async () => {
    const response = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/0/r1/artifacts/none.bin`, {
      headers: { range: 'bytes=0-9' },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error_code: string }).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
