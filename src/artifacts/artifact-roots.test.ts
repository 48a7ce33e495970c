import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidParameterError, NotImplementedError } from '../shared/errors.js';
import { ArtifactRoots } from './artifact-roots.js';
import { LocalArtifactStore } from './local/local-artifact-store.js';
import { readAll } from './test-support/artifact-store-contract.js';

describe('ArtifactRoots: where the files of an artifact root are read and written', () => {
  let dir: string;
  let destination: string;
  let shared: string;
  let dataDir: string;
  let store: LocalArtifactStore;
  let roots: ArtifactRoots;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-artifact-roots-'));
    destination = join(dir, 'artifacts');
    shared = join(dir, 'shared');
    dataDir = join(dir, 'data');
    await mkdir(join(destination, '1', 'r1', 'artifacts'), { recursive: true });
    await writeFile(join(destination, '1', 'r1', 'artifacts', 'in-store.txt'), 'store');
    await mkdir(join(shared, '2', 'r2', 'artifacts'), { recursive: true });
    await writeFile(join(shared, '2', 'r2', 'artifacts', 'shared.txt'), 'shared');
    await mkdir(join(dir, 'custom', 'r3', 'artifacts'), { recursive: true });
    await writeFile(join(dir, 'custom', 'r3', 'artifacts', 'custom.txt'), 'custom');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'bosun.db'), 'secret');
    store = new LocalArtifactStore(destination);
    roots = new ArtifactRoots({
      store,
      artifactsDestination: destination,
      defaultArtifactRoot: `file://${shared}`,
      protectedFolders: [dataDir],
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function text(uri: string, file: string, within?: string): Promise<string> {
    const root = roots.open(uri, within);
    const { stream } = await root.store.get(`${root.path}/${file}`);
    return (await readAll(stream)).toString('utf8');
  }

  it('maps mlflow-artifacts: roots (and local paths inside the destination) to the server store', async () => {
    const proxied = roots.open('mlflow-artifacts:/1/r1/artifacts');
    expect(proxied).toEqual({ store, path: '1/r1/artifacts', inServerStore: true });
    expect(roots.open(`file://${destination}/1/r1/artifacts`)).toEqual(proxied);
    expect(await text(`${destination}/1/r1/artifacts`, 'in-store.txt')).toBe('store');
  });

  it('reads local roots under the default artifact root or the experiment location given, and nowhere else', async () => {
    expect(await text(`file://${shared}/2/r2/artifacts`, 'shared.txt')).toBe('shared');
    expect(await text(`${shared}/2/r2/artifacts`, 'shared.txt')).toBe('shared');
    expect(roots.open(`file://${shared}/2/r2/artifacts`).inServerStore).toBe(false);
    const custom = join(dir, 'custom');
    expect(await text(`${custom}/r3/artifacts`, 'custom.txt', `file://${custom}`)).toBe('custom');
    for (const [uri, within] of [
      [`${custom}/r3/artifacts`, undefined],
      [`${custom}/r3/artifacts`, `${shared}/2`],
      [`${dataDir}`, undefined],
      ['/etc', undefined],
      [`${shared}/../data/x`, undefined],
      ['relative/path', undefined],
      ['file://otherhost/x', undefined],
    ] as const) {
      expect(() => roots.open(uri, within), uri).toThrow(InvalidParameterError);
    }
  });

  it('refuses an experiment location that is, contains or lies in the database folder', async () => {
    expect(() => roots.open(`${dataDir}/r/artifacts`, dataDir)).toThrow(InvalidParameterError);
    expect(() => roots.open(`${dataDir}/e/r/artifacts`, `${dataDir}/e`)).toThrow(InvalidParameterError);
    expect(() => roots.open(`${dir}/x/r/artifacts`, dir)).toThrow(InvalidParameterError);
  });

  it('allows the database folder to hold the default root or destination, and keeps the database out of reach', async () => {
    const layered = new ArtifactRoots({
      store,
      artifactsDestination: destination,
      defaultArtifactRoot: dir,
      protectedFolders: [dir, dataDir],
    });
    const inDestination = layered.open(`${destination}/1/r1/artifacts`, `${destination}/1`);
    expect((await inDestination.store.list(inDestination.path)).map((e) => e.path)).toEqual(['in-store.txt']);
    const whole = layered.open(`${dir}/2/r/artifacts`);
    expect(await whole.store.list('')).not.toContainEqual(expect.objectContaining({ path: 'data' }));
    await expect(whole.store.get('data/bosun.db')).rejects.toBeInstanceOf(InvalidParameterError);
  });

  it('answers 501 for storage it does not read (s3://, gs://, hdfs:...)', () => {
    for (const uri of ['s3://bucket/1/r/artifacts', 'gs://b/x', 'hdfs:/x/y', 'dbfs:/x']) {
      expect(() => roots.open(uri), uri).toThrow(NotImplementedError);
    }
  });

  it('keeps reads and writes inside the root folder it picked: no escape through links', async () => {
    const runRoot = join(shared, '2', 'r2', 'artifacts');
    await symlink(join(dataDir, 'bosun.db'), join(runRoot, 'db-link'));
    await symlink(join(dir, 'custom'), join(runRoot, 'custom-link'));
    const root = roots.open(runRoot);
    expect((await root.store.list(root.path)).map((e) => e.path)).toEqual(['shared.txt']);
    await expect(root.store.get(`${root.path}/db-link`)).rejects.toBeInstanceOf(InvalidParameterError);
    await expect(root.store.put(`${root.path}/custom-link/x.txt`, Buffer.from('x'))).rejects.toBeInstanceOf(
      InvalidParameterError,
    );
    expect(existsSync(join(dir, 'custom', 'x.txt'))).toBe(false);
    expect(await readFile(join(dataDir, 'bosun.db'), 'utf8')).toBe('secret');
  });

  it('lists a root that does not exist yet as empty, without creating it', async () => {
    const root = roots.open(`${shared}/9/r9/artifacts`);
    expect(await root.store.list(root.path)).toEqual([]);
    expect(existsSync(join(shared, '9'))).toBe(false);
  });

  it('opens a location a client recorded only inside the folder it must lie in', async () => {
    const runRoot = `${shared}/2/r2/artifacts`;
    const root = roots.openInside(`${runRoot}`, `file://${runRoot}`);
    expect((await root.store.list(root.path)).map((e) => e.path)).toEqual(['shared.txt']);
    expect(roots.openInside(`file://${runRoot}/model`, runRoot).path).toBe('model');
    for (const [location, folder] of [
      [`${shared}/2/r2`, runRoot],
      [`${shared}/2/other/artifacts`, runRoot],
      ['mlflow-artifacts:/2/r2/artifacts', runRoot],
      [runRoot, 'mlflow-artifacts:/2/r2/artifacts'],
      [`${dataDir}/x`, dataDir],
    ] as const) {
      expect(() => roots.openInside(location, folder), location).toThrow(InvalidParameterError);
    }
  });
});
