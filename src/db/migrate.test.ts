import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from './migrate.js';
import { openDatabase } from './open-database.js';
import { createPostgresDatabase, postgresTests } from './test-support/test-databases.js';

const repo = resolve(import.meta.dirname, '../..');

/** Runs migrateToLatest in a separate Node process and returns the migration names it applied. */
function migrateInChild(uri: string): Promise<string[]> {
  const script = `
    import { openDatabase, migrateToLatest } from './src/db/index.ts';
    const handle = openDatabase(${JSON.stringify(uri)});
    const applied = await migrateToLatest(handle);
    await handle.close();
    process.stdout.write(JSON.stringify(applied));
  `;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], {
      cwd: repo,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? done(JSON.parse(out) as string[]) : fail(new Error(err))));
  });
}

/** Every migration's name, as a fresh in-memory database applies them. */
async function allMigrationNames(): Promise<string[]> {
  const handle = openDatabase('sqlite:///:memory:');
  const names = await migrateToLatest(handle);
  await handle.close();
  return names;
}

describe('migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bosun-migrate-'));
  let expected: string[];
  beforeAll(async () => {
    expected = await allMigrationNames();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start with the tracking schema', () => {
    expect(expected[0]).toBe('0001-tracking');
  });

  it('run once when two processes start on the same SQLite file at the same moment', async () => {
    const uri = `sqlite:///${join(dir, 'race.db')}`;
    const results = await Promise.all([migrateInChild(uri), migrateInChild(uri), migrateInChild(uri)]);
    expect(results.flat().sort()).toEqual(expected);
    const handle = openDatabase(uri);
    const rows = await handle.db.selectFrom('experiments').select('name').execute();
    expect(rows).toEqual([{ name: 'Default' }]);
    expect(await migrateToLatest(handle)).toEqual([]);
    await handle.close();
  });

  it.runIf(postgresTests)(
    'run once when two processes start on the same PostgreSQL database at the same moment',
    async () => {
      const database = await createPostgresDatabase('bosun_migrate');
      try {
        const results = await Promise.all([migrateInChild(database.uri), migrateInChild(database.uri)]);
        expect(results.flat().sort()).toEqual(expected);
        const handle = openDatabase(database.uri);
        const rows = await handle.db.selectFrom('experiments').select(['experiment_id', 'name']).execute();
        expect(rows).toEqual([{ experiment_id: 0, name: 'Default' }]);
        await handle.close();
      } finally {
        await database.drop();
      }
    },
  );
});
