import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openUnmigratedTestDatabase,
  testEngines,
  type TestDatabase,
} from '../../db/test-support/test-databases.js';
import { openPlatform, type Platform } from '../../platform/index.js';
import { loadServerConfig } from '../../shared/config.js';

const HOUR = 3_600_000;

describe.each(testEngines)('scheduled monitors on %s', (engine) => {
  let database: TestDatabase;
  let dir: string;
  let platform: Platform;
  let second: Platform;
  let now = 1_700_000_000_000;
  const clock = { nowMs: () => now };

  beforeAll(async () => {
    database = await openUnmigratedTestDatabase(engine, 'monsched');
    dir = mkdtempSync(join(tmpdir(), 'bosun-monitor-schedule-'));
    const config = loadServerConfig(
      { backendStoreUri: database.uri, artifactsDestination: join(dir, 'artifacts'), logLevel: 'silent' },
      {},
    );
    platform = await openPlatform(config, { clock });
    second = await openPlatform(config, { clock });
    await platform.registry.createRegisteredModel({ name: 'churn' });
    const runId = (await platform.tracking.createRun({ experimentId: '0' })).info.runId;
    await platform.registry.createModelVersion({ name: 'churn', source: `runs:/${runId}/model`, runId });
    const rows = Array.from({ length: 50 }, (_, i) => ({ x: i / 50 }));
    const reference = await platform.monitoring.createReference({ modelName: 'churn', name: 'r', rows });
    const common = { modelName: 'churn', version: '1', referenceId: reference.id, windowMs: HOUR };
    await platform.monitoring.createMonitor({ ...common, name: 'hourly', scheduleMs: HOUR });
    await platform.monitoring.createMonitor({ ...common, name: 'on-request' });
  });

  afterAll(async () => {
    await second?.close();
    await platform?.close();
    await database?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a scheduled monitor when due, once across two platforms, and not before its schedule', async () => {
    const errors: unknown[] = [];
    const [a, b] = await Promise.all([
      platform.monitoring.runDueMonitors((err) => errors.push(err)),
      second.monitoring.runDueMonitors((err) => errors.push(err)),
    ]);
    expect(errors).toEqual([]);
    const first = [...a, ...b];
    expect(first).toHaveLength(1);
    expect(first[0]!.result).toMatchObject({ status: 'insufficient_data', windowEnd: now });

    now += HOUR / 2;
    expect(await platform.monitoring.runDueMonitors()).toEqual([]);
    now += HOUR / 2;
    const later = await platform.monitoring.runDueMonitors();
    expect(later).toHaveLength(1);
    const hourly = (await platform.monitoring.listMonitors('churn')).find((m) => m.name === 'hourly')!;
    expect(await platform.monitoring.listResults('churn', hourly.id)).toHaveLength(2);
    const onRequest = (await platform.monitoring.listMonitors('churn')).find((m) => m.name === 'on-request')!;
    expect(await platform.monitoring.listResults('churn', onRequest.id)).toEqual([]);
  });
});
