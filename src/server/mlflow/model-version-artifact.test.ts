import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactRoots, LocalArtifactStore } from '../../artifacts/index.js';
import type { ModelVersion, RegistryService } from '../../registry/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/errors.js';
import type { LoggedModel, RunInfo } from '../../tracking/types.js';
import { formatSchemaError, installErrorHandling } from '../error-handler.js';
import type { TypedApp } from '../typed-app.js';
import { requestValidatorCompiler } from '../validator-compiler.js';
import { registerModelVersionArtifactRoute } from './model-version-routes.js';

let dir: string;
let app: FastifyInstance;
let base: string;

function version(
  v: string,
  storageLocation: string,
  ids: { runId?: string; modelId?: string } = {},
): ModelVersion {
  return {
    name: 'm',
    version: v,
    creationTimestamp: 0,
    lastUpdatedTimestamp: 0,
    currentStage: 'None',
    source: storageLocation,
    storageLocation,
    status: 'READY',
    tags: [],
    aliases: [],
    ...ids,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-version-artifact-'));
  const root = join(dir, 'mlruns');
  const runRoot = join(root, '1', 'r1', 'artifacts');
  await mkdir(join(runRoot, 'model'), { recursive: true });
  await writeFile(join(runRoot, 'model', 'MLmodel'), 'flavors: {}');
  await writeFile(join(dir, 'secret.txt'), 'secret');
  await symlink(join(dir, 'secret.txt'), join(runRoot, 'model', 'leak.txt'));
  await mkdir(join(root, '1', 'r2', 'artifacts', 'model'), { recursive: true });
  await writeFile(join(root, '1', 'r2', 'artifacts', 'model', 'MLmodel'), 'other run');
  const modelRoot = join(root, '1', 'models', 'm-1', 'artifacts');
  await mkdir(modelRoot, { recursive: true });
  await writeFile(join(modelRoot, 'MLmodel'), 'logged model');

  const versions = new Map<string, ModelVersion>([
    ['1', version('1', `${runRoot}/model`, { runId: 'r1' })],
    ['2', version('2', `file://${root}/1/r2/artifacts/model`, { runId: 'r1' })],
    ['3', version('3', `${runRoot}/model`)],
    ['4', version('4', modelRoot, { modelId: 'm-1' })],
    ['5', version('5', 's3://bucket/model', { runId: 'r1' })],
  ]);
  const registry = {
    async getModelVersion(_name: string, v: string): Promise<ModelVersion> {
      const found = versions.get(v);
      if (!found) throw new NotFoundError(`Model Version (name=m, version=${v}) not found`);
      return found;
    },
    async getModelVersionArtifactPath(): Promise<string> {
      throw new InvalidParameterError('not in the store');
    },
  } as unknown as RegistryService;
  const tracking = {
    async getRunInfo(runId: string): Promise<RunInfo> {
      if (runId !== 'r1') throw new NotFoundError(`Run with id=${runId} not found`);
      return {
        runId,
        experimentId: '1',
        runName: 'r',
        userId: 'u',
        status: 'FINISHED',
        startTime: 0,
        endTime: null,
        lifecycleStage: 'active',
        artifactUri: `file://${runRoot}`,
      };
    },
    async getLoggedModel(modelId: string): Promise<LoggedModel> {
      return { modelId, experimentId: '1', artifactUri: modelRoot } as LoggedModel;
    },
  };
  const artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
  const roots = new ArtifactRoots({ store: artifacts, defaultArtifactRoot: `file://${root}` });
  app = Fastify({ logger: false, schemaErrorFormatter: formatSchemaError });
  app.setValidatorCompiler(requestValidatorCompiler());
  installErrorHandling(app, 1024 * 1024);
  registerModelVersionArtifactRoute(app as unknown as TypedApp, registry, { artifacts, roots, tracking });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(query: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/model-versions/get-artifact?name=m&${query}`);
  return { status: res.status, text: await res.text() };
}

describe('/model-versions/get-artifact of a version stored at a local path (--no-serve-artifacts)', () => {
  it('serves its files from inside the artifact root of the run or logged model it came from', async () => {
    expect(await get('version=1&path=MLmodel')).toEqual({ status: 200, text: 'flavors: {}' });
    expect(await get('version=4&path=MLmodel')).toEqual({ status: 200, text: 'logged model' });
    expect((await get('version=1&path=nope')).status).toBe(404);
  });

  it('refuses a location outside that root, a version with neither run nor model, and escaping paths', async () => {
    for (const query of [
      'version=2&path=MLmodel',
      'version=3&path=MLmodel',
      'version=1&path=leak.txt',
      'version=1&path=../../r2/artifacts/model/MLmodel',
      'version=5&path=MLmodel',
    ]) {
      const res = await get(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.text).not.toMatch(/secret|other run/);
    }
  });
});
