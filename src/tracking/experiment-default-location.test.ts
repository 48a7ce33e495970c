import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../db/test-support/test-databases.js';
import { createTrackingService } from './tracking-service.js';
import type { TrackingService } from './tracking-service-contract.js';

/** A tracking service over `database` whose server runs with `root` as its default artifact root. */
function serverWithRoot(database: TestDatabase, root: string, serveArtifacts = false): TrackingService {
  return createTrackingService({
    handle: database.handle,
    defaultArtifactRoot: root,
    artifactLocations: {
      serveArtifacts,
      defaultArtifactRoot: root,
      artifactsDestination: '/srv/bosun/artifacts',
      protectedFolders: ['/srv/bosun'],
    },
  });
}

describe.each(testEngines)('the Default experiment follows --default-artifact-root, on %s', (engine) => {
  let database: TestDatabase | undefined;
  const fresh = async (): Promise<TestDatabase> => (database = await openTestDatabase(engine));
  afterEach(async () => {
    await database?.dispose();
    database = undefined;
  });

  it('takes <root>/0 at start while it holds nothing, so runs of experiment 0 go under a file:// root', async () => {
    const db = await fresh();
    const tracking = serverWithRoot(db, 'file:///mnt/shared/mlruns');
    expect(await tracking.adoptDefaultExperimentLocation()).toEqual({
      location: 'file:///mnt/shared/mlruns/0',
      changed: true,
    });
    expect((await tracking.getExperiment('0')).artifactLocation).toBe('file:///mnt/shared/mlruns/0');
    const run = await tracking.createRun({});
    expect(run.info.artifactUri).toBe(`file:///mnt/shared/mlruns/0/${run.info.runId}/artifacts`);
    // A second start with the same root changes nothing.
    expect(await tracking.adoptDefaultExperimentLocation()).toEqual({
      location: 'file:///mnt/shared/mlruns/0',
      changed: false,
    });
  });

  it('keeps mlflow-artifacts:/0 with the default root, and follows a root with a trailing slash', async () => {
    const db = await fresh();
    expect(await serverWithRoot(db, 'mlflow-artifacts:/', true).adoptDefaultExperimentLocation()).toEqual({
      location: 'mlflow-artifacts:/0',
      changed: false,
    });
    const direct = serverWithRoot(db, '/mnt/runs/');
    expect(await direct.adoptDefaultExperimentLocation()).toEqual({ location: '/mnt/runs/0', changed: true });
    // Its location is a default one: another experiment may not take it or its folder.
    await expect(direct.createExperiment({ name: 'x', artifactLocation: '/mnt/runs/0/x' })).rejects.toThrow(
      /experiment 0\b/,
    );
  });

  it('keeps its location once a run or logged model of it stored files there', async () => {
    const db = await fresh();
    const before = serverWithRoot(db, 'mlflow-artifacts:/', true);
    const run = await before.createRun({ experimentId: '0' });
    await before.deleteRun(run.info.runId);
    const adoption = await serverWithRoot(db, 'file:///mnt/new').adoptDefaultExperimentLocation();
    expect(adoption).toEqual({
      location: 'mlflow-artifacts:/0',
      changed: false,
      kept: expect.stringMatching(/holds runs or logged models/) as unknown,
    });
    expect((await before.getExperiment('0')).artifactLocation).toBe('mlflow-artifacts:/0');

    const other = await fresh();
    await serverWithRoot(other, 'mlflow-artifacts:/', true).createLoggedModel({ experimentId: '0' });
    const kept = await serverWithRoot(other, '/mnt/new').adoptDefaultExperimentLocation();
    expect(kept.changed).toBe(false);
    expect(kept.location).toBe('mlflow-artifacts:/0');
  });

  it("keeps its location when <root>/0 overlaps another experiment's location", async () => {
    const db = await fresh();
    const elsewhere = serverWithRoot(db, '/mnt/elsewhere');
    const id = await elsewhere.createExperiment({ name: 'squatter', artifactLocation: '/mnt/runs/0/x' });
    const adoption = await serverWithRoot(db, '/mnt/runs').adoptDefaultExperimentLocation();
    expect(adoption.changed).toBe(false);
    expect(adoption.kept).toMatch(new RegExp(`overlaps the artifact location of experiment ${id}`));
    expect((await elsewhere.getExperiment('0')).artifactLocation).toBe('mlflow-artifacts:/0');
  });
});
