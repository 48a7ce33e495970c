import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { BosunError } from '../shared/errors.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BosunError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'no error';
}

/** `text` as a regular expression that matches it literally. */
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let counter = 0;
const fresh = (): string => `loc-${++counter}`;

describe.each(testEngines)('experiment artifact locations on %s', (engine) => {
  let database: TestDatabase;
  let serving: TrackingService;
  let direct: TrackingService;
  let inferred: TrackingService;

  const create = (tracking: TrackingService, artifactLocation?: string): Promise<string> =>
    tracking.createExperiment({
      name: fresh(),
      ...(artifactLocation !== undefined ? { artifactLocation } : {}),
    });

  beforeAll(async () => {
    database = await openTestDatabase(engine);
    const handle = database.handle;
    serving = createTrackingService({
      handle,
      defaultArtifactRoot: 'mlflow-artifacts:/',
      artifactLocations: {
        serveArtifacts: true,
        defaultArtifactRoot: 'mlflow-artifacts:/',
        artifactsDestination: '/srv/bosun-data/artifacts',
        protectedFolders: ['/srv/bosun-data'],
      },
    });
    direct = createTrackingService({
      handle,
      defaultArtifactRoot: '/mnt/runs',
      artifactLocations: {
        serveArtifacts: false,
        defaultArtifactRoot: '/mnt/runs',
        artifactsDestination: '/mnt/runs',
        protectedFolders: ['/var/lib/bosun'],
      },
    });
    inferred = createTrackingService({ handle, defaultArtifactRoot: 'mlflow-artifacts:/' });
  });
  afterAll(async () => database.dispose());

  it('keeps the default locations the mlflow client expects', async () => {
    const id = await create(serving);
    expect((await serving.getExperiment(id)).artifactLocation).toBe(`mlflow-artifacts:/${id}`);
    const run = await serving.createRun({ experimentId: id });
    expect(run.info.artifactUri).toBe(`mlflow-artifacts:/${id}/${run.info.runId}/artifacts`);
    const directId = await create(direct);
    expect((await direct.getExperiment(directId)).artifactLocation).toBe(`/mnt/runs/${directId}`);
    expect(await failure(create(serving, ''))).toBe('no error');
  });

  it('refuses locations outside the store while serving', async () => {
    for (const location of ['file:///etc', '/etc', 's3://bucket/x', 'relative', '/srv/bosun-data', '/srv']) {
      expect(await failure(create(serving, location)), location).toMatch(
        /^INVALID_PARAMETER_VALUE: Invalid artifact location .*inside its artifact store/,
      );
    }
    for (const location of [
      'mlflow-artifacts:/',
      '/srv/bosun-data/artifacts',
      'file:///srv/bosun-data/artifacts',
    ]) {
      expect(await failure(create(serving, location)), location).toMatch(/artifact store's root/);
    }
    expect(await failure(create(serving, 'mlflow-artifacts://evil:443/x'))).toMatch(/names a host/);
    expect(await failure(create(inferred, '/srv/bosun-data/artifacts/x'))).toMatch(
      /inside its artifact store/,
    );
  });

  it("refuses another experiment's numbered folder, but takes its own", async () => {
    const other = await create(serving);
    for (const location of [
      `mlflow-artifacts:/${other}`,
      `mlflow-artifacts:/${other}/mine`,
      '/srv/bosun-data/artifacts/0/x',
    ]) {
      expect(await failure(create(serving, location)), location).toMatch(/lies in the folder of experiment/);
    }
    expect(await failure(create(serving, 'mlflow-artifacts:/2147480000/x'))).toMatch(
      /folder of experiment 2147480000/,
    );
    // The next id is one more than the last; its own folder is fine (the failed attempts above roll back).
    const next = String(Number(await create(serving)) + 1);
    expect(await create(serving, `mlflow-artifacts:/${next}/custom`)).toBe(next);
  });

  it('refuses locations equal to, inside or around another experiment’s, prefix-safely', async () => {
    const team = `team-${engine}`;
    const first = await create(serving, `mlflow-artifacts:/${team}/proj`);
    const refused = [
      `mlflow-artifacts:/${team}/proj`,
      `mlflow-artifacts:/${team}/proj/`,
      `mlflow-artifacts:/${team}/proj/sub`,
      `mlflow-artifacts:/${team}`,
      `/srv/bosun-data/artifacts/${team}/proj/x`,
      `file:///srv/bosun-data/artifacts/${team}`,
    ];
    for (const location of refused) {
      expect(await failure(create(serving, location)), location).toBe(
        `INVALID_PARAMETER_VALUE: Invalid artifact location '${location}': it overlaps the artifact location of experiment ${first}; experiments may not share, contain or lie in each other's artifact folders.`,
      );
    }
    await create(serving, `mlflow-artifacts:/${team}/proj2`);
    await create(serving, `mlflow-artifacts:/${team}/pro`);
    await create(serving, `/srv/bosun-data/artifacts/${team}/other`);
  });

  it("keeps a deleted experiment's location taken, and restores it", async () => {
    const location = `mlflow-artifacts:/gone-${engine}`;
    const id = await create(serving, location);
    await serving.deleteExperiment(id);
    expect(await failure(create(serving, location))).toMatch(new RegExp(`experiment ${id};`));
    await serving.restoreExperiment(id);
    await serving.renameExperiment(id, fresh());
    expect((await serving.getExperiment(id)).artifactLocation).toBe(location);
  });

  it('with --no-serve-artifacts, takes absolute locations clients write to, never the database folder', async () => {
    for (const location of ['s3://bucket/team-a', '/mnt/shared/x', 'file:///mnt/other', '/mnt/runs/custom']) {
      expect(await failure(create(direct, location)), location).toBe('no error');
    }
    const refused: [string, RegExp][] = [
      ['relative/dir', /relative locations are not supported/],
      ['mlflow-artifacts:/x', /does not serve artifacts/],
      ['/var/lib/bosun', /database folder/],
      ['/var/lib/bosun/x', /database folder/],
      ['/var', /database folder/],
      ['/mnt/runs', /root/],
      ['/mnt', /root/],
      ['/mnt/runs/0/x', /experiment 0\b/],
      ['/mnt/runs/999999/x', /folder of experiment 999999/],
      ['s3://bucket/team-a/sub', /overlaps the artifact location of experiment/],
      ['s3://bucket', /overlaps the artifact location of experiment/],
    ];
    for (const [location, why] of refused) {
      expect(await failure(create(direct, location)), location).toMatch(why);
    }
    await create(direct, 's3://bucket/team-ab');
  });

  it("resolves a relative location against the server's working directory, as MLflow does, then checks it", async () => {
    const withCwd = (serveArtifacts: boolean, workingDirectory: string): TrackingService =>
      createTrackingService({
        handle: database.handle,
        defaultArtifactRoot: serveArtifacts ? 'mlflow-artifacts:/' : '/mnt/runs',
        artifactLocations: {
          serveArtifacts,
          defaultArtifactRoot: serveArtifacts ? 'mlflow-artifacts:/' : '/mnt/runs',
          artifactsDestination: serveArtifacts ? '/srv/bosun-data/artifacts' : '/mnt/runs',
          protectedFolders: ['/var/lib/bosun'],
          workingDirectory,
        },
      });
    // Working directories are only resolved against, never created: folders under the machine's temporary folder.
    const home = join(tmpdir(), 'bosun-cwd');
    const cwd = join(home, engine);
    const direct2 = withCwd(false, cwd);
    const relative = await create(direct2, 'my_location');
    expect((await direct2.getExperiment(relative)).artifactLocation).toBe(join(cwd, 'my_location'));
    const dotted = await create(direct2, './nested/dir/');
    expect((await direct2.getExperiment(dotted)).artifactLocation).toBe(join(cwd, 'nested/dir'));
    const fileUri = await create(direct2, `file:relative-${engine}`);
    expect((await direct2.getExperiment(fileUri)).artifactLocation).toBe(
      pathToFileURL(join(cwd, `relative-${engine}`)).href,
    );
    // What Bosun refuses on purpose stays refused, whatever the spelling.
    expect(await failure(create(withCwd(false, '/var/lib/bosun'), 'x'))).toMatch(/database folder/);
    expect(await failure(create(direct2, 'my_location'))).toMatch(/overlaps the artifact location/);
    expect(await failure(create(withCwd(true, home), 'elsewhere'))).toMatch(
      new RegExp(
        `^INVALID_PARAMETER_VALUE: Invalid artifact location '${escapeRegExp(join(home, 'elsewhere'))}': .*inside its artifact store`,
      ),
    );
    const inStore = await create(withCwd(true, '/srv/bosun-data/artifacts/team'), `rel-${engine}`);
    expect((await serving.getExperiment(inStore)).artifactLocation).toBe(
      `/srv/bosun-data/artifacts/team/rel-${engine}`,
    );
    // Without a working directory (a service built without one), relative locations are refused as before.
    expect(await failure(create(direct, 'relative/dir'))).toMatch(/relative locations are not supported/);
  });
});
