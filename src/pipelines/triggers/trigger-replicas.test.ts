import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaBarrier, runReplicaScript } from '../test-support/replica-process.js';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { recordingStarter, triggerFixture } from './test-support/trigger-fixtures.js';

const EVENTS = 30;

/**
 * A server's trigger machinery in its own Node process on `uri`: the `pipeline-triggers` event consumer and the
 * trigger loop, with a starter that records what it starts. Waits until every replica is ready (a file each in
 * `dir`), then runs consumer rounds and loop rounds until the consumer has passed every event and no firing is
 * pending; prints the parameters of the runs it started.
 */
function replica(uri: string, owner: string, dir: string, replicas: number): Promise<unknown[]> {
  const script = `
    import { readdirSync, writeFileSync } from 'node:fs';
    import { openDatabase } from './src/db/index.ts';
    import { EventConsumerRunner, EventConsumers, isBefore } from './src/events/index.ts';
    import { lastCommittedPosition } from './src/events/outbox-reads.ts';
    import { PipelineStore } from './src/pipelines/store/pipeline-store.ts';
    import { TriggerService, triggerConsumer, triggerConsumerName } from './src/pipelines/triggers/index.ts';
    const handle = openDatabase(${JSON.stringify(uri)});
    const started = [];
    const triggers = new TriggerService({
      handle,
      definitions: new PipelineStore(handle),
      owner: ${JSON.stringify(owner)},
      now: () => Date.now(),
      starter: { async start(input) { started.push(input.params); return ${JSON.stringify(owner)} + '-' + started.length; } },
    });
    const runner = new EventConsumerRunner({ handle, consumers: [triggerConsumer(triggers)], batchSize: 4 });
    const positions = new EventConsumers(handle.db);
    const target = await lastCommittedPosition(handle.db);
    ${replicaBarrier(dir, owner, replicas)}
    const deadline = Date.now() + 240_000;
    for (;;) {
      await runner.runOnce();
      await triggers.tick();
      const at = await positions.position(handle.db, triggerConsumerName);
      const pending = await handle.db.selectFrom('pipeline_trigger_firings').select('state')
        .where('state', 'in', ['pending', 'starting']).execute();
      if (at !== undefined && !isBefore(at, target) && pending.length === 0) break;
      if (Date.now() > deadline) throw new Error('replica did not finish in 240 s');
      await new Promise((r) => setTimeout(r, 2));
    }
    await handle.close();
    process.stdout.write(JSON.stringify(started));
  `;
  return runReplicaScript(script);
}

describe.each(testEngines)('pipeline triggers with two server processes on one database (%s)', (engine) => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'bosun-trigger-replicas-'));
  });
  afterAll(async () => {
    await db.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts one run per event across both servers', async () => {
    const { triggers, append } = await triggerFixture(db.handle, recordingStarter(), 'setup');
    await triggers.create({
      name: 'evaluate-every-version',
      kind: 'registry_event',
      pipelineName: 'evaluate',
      filter: { event_types: ['model_version.created'] },
      params: { model_name: '{{event.model_name}}', version: '{{event.version}}' },
      createdBy: 'dave',
    });
    for (let v = 1; v <= EVENTS; v++) {
      await append({
        type: 'model_version.created',
        subject: 'churn',
        subjectVersion: String(v),
        payload: { source: 's', storageLocation: 's' },
      });
    }
    const [a, b] = await Promise.all([replica(db.uri, 'a', dir, 2), replica(db.uri, 'b', dir, 2)]);
    const all = [...(a ?? []), ...(b ?? [])] as { version: number }[];
    expect(all.map((p) => p.version).sort((x, y) => x - y)).toEqual(
      Array.from({ length: EVENTS }, (_, i) => i + 1),
    );
    const firings = await triggers.firings('evaluate-every-version', 100);
    expect(firings).toHaveLength(EVENTS);
    expect(firings.every((f) => f.state === 'started' && f.runId !== undefined)).toBe(true);
    expect(new Set(firings.map((f) => f.runId)).size).toBe(EVENTS);
  });
});
