import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testEngines, type TestDatabase } from '../../db/test-support/test-databases.js';
import { catchUp } from '../../events/test-support/catch-up.js';
import { pathDigest } from '../executor/digests.js';
import { triggerFixture } from './test-support/trigger-fixtures.js';
import { triggerConsumerName } from './trigger-consumer.js';
import { folderDigest, type TriggerContextSource } from './trigger-context.js';
import type { RunAttachment, TriggerStarter } from './trigger-types.js';

const fired = (resultId: string) =>
  ({
    type: 'monitor.alert_fired',
    subject: 'mon-7',
    payload: {
      modelName: 'churn',
      monitorName: 'inputs',
      alertId: '3',
      condition: 'data_drift',
      resultId,
      message: 'data drift',
      windowStart: 1,
      windowEnd: 2,
      driftShare: 1,
    },
  }) as const;

/** A starter that keeps what each run was to be started with. */
function attachingStarter(prefix: string): TriggerStarter & { attached: (RunAttachment | undefined)[] } {
  const attached: (RunAttachment | undefined)[] = [];
  return {
    attached,
    start(input) {
      attached.push(input.attach);
      return Promise.resolve(`${prefix}-${attached.length}`);
    },
  };
}

const tagMap = (a: RunAttachment | undefined) => new Map((a?.tags ?? []).map((t) => [t.key, t.value]));

describe.each(testEngines)('the context a trigger attaches to its run (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
  });
  afterAll(async () => db?.dispose());

  it('hands the event to the context source and attaches its files and tags, with each artifact digest', async () => {
    const seen: { type: string; subject: string; resultId: unknown }[] = [];
    const context: TriggerContextSource = ({ event }) => {
      seen.push({ type: event.type, subject: event.subject, resultId: event.payload['resultId'] });
      return Promise.resolve({
        tags: { 'bosun.trigger.result_id': String(event.payload['resultId']) },
        artifacts: { drift_report: { 'report.json': '{"drift": true}\n', 'report.html': '<!doctype html>' } },
      });
    };
    const starter = attachingStarter('ok');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'context-ok', context);
    await triggers.create({
      name: 'retrain-with-report',
      kind: 'monitoring_alert',
      pipelineName: 'evaluate',
      params: { model_name: '{{event.model_name}}', version: 1 },
      createdBy: 'carol',
    });
    await append(fired('41'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['ok-1']);
    expect(seen).toEqual([{ type: 'monitor.alert_fired', subject: 'mon-7', resultId: '41' }]);
    const [attach] = starter.attached;
    expect(attach?.files).toEqual([
      { path: 'trigger/drift_report/report.json', content: '{"drift": true}\n' },
      { path: 'trigger/drift_report/report.html', content: '<!doctype html>' },
    ]);
    const tags = tagMap(attach);
    expect(tags.get('bosun.trigger.name')).toBe('retrain-with-report');
    expect(tags.get('bosun.trigger.kind')).toBe('monitoring_alert');
    expect(tags.get('bosun.trigger.result_id')).toBe('41');
    expect(tags.get('bosun.trigger.event_key')).toMatch(/^event:\d+$/);
    // The digest is the executor's digest of the same folder, so a step's input digest tag matches it.
    const dir = mkdtempSync(join(tmpdir(), 'bosun-trigger-digest-'));
    try {
      mkdirSync(join(dir, 'drift_report'));
      writeFileSync(join(dir, 'drift_report', 'report.json'), '{"drift": true}\n');
      writeFileSync(join(dir, 'drift_report', 'report.html'), '<!doctype html>');
      expect(tags.get('bosun.trigger.artifact.drift_report.digest')).toBe(
        await pathDigest(join(dir, 'drift_report')),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await triggers.delete('retrain-with-report');
  });

  it('still starts the run when the context source fails, with a tag saying why', async () => {
    const context: TriggerContextSource = () => Promise.reject(new Error('monitor 7 does not exist'));
    const starter = attachingStarter('failing');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'context-fails', context);
    await triggers.create({
      name: 'retrain-without-report',
      kind: 'monitoring_alert',
      pipelineName: 'evaluate',
      params: { model_name: 'churn', version: 1 },
      createdBy: 'carol',
    });
    await append(fired('42'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['failing-1']);
    const [firing] = await triggers.firings('retrain-without-report');
    expect(firing).toMatchObject({ state: 'started', runId: 'failing-1' });
    const [attach] = starter.attached;
    expect(attach?.files).toEqual([]);
    expect(tagMap(attach).get('bosun.trigger.error')).toBe('monitor 7 does not exist');
    expect(tagMap(attach).get('bosun.trigger.name')).toBe('retrain-without-report');
    await triggers.delete('retrain-without-report');
  });

  it('refuses artifact and file names that are not names, as a tag, and starts the run', async () => {
    const context: TriggerContextSource = () =>
      Promise.resolve({ tags: {}, artifacts: { '../up': { 'report.json': '{}' } } });
    const starter = attachingStarter('badname');
    const { triggers, runner, append } = await triggerFixture(db.handle, starter, 'context-bad', context);
    await triggers.create({
      name: 'retrain-bad-name',
      kind: 'monitoring_alert',
      pipelineName: 'evaluate',
      params: { model_name: 'churn', version: 1 },
      createdBy: 'carol',
    });
    await append(fired('43'));
    await catchUp(runner, db.handle.db, [triggerConsumerName]);
    expect((await triggers.tick()).started).toEqual(['badname-1']);
    expect(starter.attached[0]?.files).toEqual([]);
    expect(tagMap(starter.attached[0]).get('bosun.trigger.error')).toContain("'../up' is not a name");
    await triggers.delete('retrain-bad-name');
  });

  it('digests a folder the same whatever order its files were given in', () => {
    expect(folderDigest({ 'b.txt': '2', 'a.txt': '1' })).toBe(folderDigest({ 'a.txt': '1', 'b.txt': '2' }));
    expect(folderDigest({ 'a.txt': '1' })).not.toBe(folderDigest({ 'a.txt': '2' }));
  });
});
