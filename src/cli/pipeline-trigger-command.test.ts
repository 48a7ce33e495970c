import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureCli } from './test-support/capture-cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let db: string;

const cli = (args: string[]) =>
  captureCli([...args, '--backend-store-uri', db], { BOSUN_DATA_DIR: dir, PATH: process.env.PATH ?? '' });

const pipeline = `apiVersion: bosun.dev/v1
kind: Pipeline
name: evaluate
params:
  model_name: { type: string, default: none }
  version: { type: int, default: 0 }
  threshold: { type: float, default: 0.5 }
steps:
  score:
    command: [sh, -c, 'true']
`;

describe('bosun pipeline trigger create|list|disable|enable|firings|delete (against the database)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-trigger-cli-'));
    db = `sqlite:///${join(dir, 'bosun.db')}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores triggers with their filter and mapping, prints a webhook token once, refuses bad input clearly', async () => {
    const file = join(dir, 'evaluate.yaml');
    writeFileSync(file, pipeline);
    expect((await cli(['pipeline', 'run', file, '--code-dir', dir])).code).toBe(0);

    const created = await cli([
      'pipeline',
      'trigger',
      'create',
      'new-versions',
      '--pipeline',
      'evaluate',
      '--kind',
      'registry_event',
      '--event-type',
      'model_version.created',
      '--model',
      'churn',
      '--model-tag',
      'team=growth',
      '-p',
      'model_name={{event.model_name}}',
      '-p',
      'version={{event.version}}',
      '-p',
      'threshold=0.9',
      '--json',
    ]);
    expect(created.err).toBe('');
    expect(JSON.parse(created.out)).toMatchObject({
      trigger: {
        name: 'new-versions',
        kind: 'registry_event',
        pipeline: 'evaluate',
        filter: {
          event_types: ['model_version.created'],
          model_name: 'churn',
          model_tags: { team: 'growth' },
        },
        params: { model_name: '{{event.model_name}}', version: '{{event.version}}', threshold: 0.9 },
        enabled: true,
      },
    });
    const webhook = await cli([
      'pipeline',
      'trigger',
      'create',
      'ci',
      '--pipeline',
      'evaluate',
      '--kind',
      'webhook',
    ]);
    expect(webhook.code).toBe(0);
    expect(webhook.out).toMatch(
      /^trigger 'ci' \(webhook\) runs 'evaluate'\ntoken \(shown once\): bpt_\S{43}\n/,
    );
    expect(webhook.out).toContain('/api/bosun/v1/pipelines/triggers/evaluate/ci/fire');

    const listed = await cli(['pipeline', 'trigger', 'list']);
    expect(listed.out).toMatch(/ci\s+webhook\s+evaluate\s+yes/);
    expect(listed.out).toMatch(/new-versions\s+registry_event\s+evaluate\s+yes/);
    expect(listed.out).not.toContain('bpt_');
    expect((await cli(['pipeline', 'trigger', 'disable', 'ci'])).out).toBe("trigger 'ci' disabled\n");
    const off = JSON.parse((await cli(['pipeline', 'trigger', 'list', '--json'])).out) as {
      triggers: { name: string; enabled: boolean }[];
    };
    expect(off.triggers.map((t) => [t.name, t.enabled])).toEqual([
      ['ci', false],
      ['new-versions', true],
    ]);
    expect((await cli(['pipeline', 'trigger', 'enable', 'ci'])).out).toBe("trigger 'ci' enabled\n");
    expect(JSON.parse((await cli(['pipeline', 'trigger', 'firings', 'ci', '--json'])).out)).toEqual({
      firings: [],
    });

    const badField = await cli([
      'pipeline',
      'trigger',
      'create',
      'x',
      '--pipeline',
      'evaluate',
      '--kind',
      'registry_event',
      '--event-type',
      'model_version.created',
      '-p',
      'version={{event.verison}}',
    ]);
    expect(badField.code).toBe(1);
    expect(badField.err).toMatch(/no event field 'verison'/);
    const badType = await cli([
      'pipeline',
      'trigger',
      'create',
      'y',
      '--pipeline',
      'evaluate',
      '--kind',
      'monitoring_alert',
      '--condition',
      'latency',
    ]);
    expect(badType.err).toMatch(/filter.conditions: 'latency'/);
    const badParam = await cli([
      'pipeline',
      'trigger',
      'create',
      'z',
      '--pipeline',
      'evaluate',
      '--kind',
      'webhook',
      '-p',
      'threshold=high',
    ]);
    expect(badParam.err).toMatch(/'high' is not a number/);
    expect((await cli(['pipeline', 'trigger', 'firings', 'nope'])).err).toMatch(
      /Trigger 'nope' does not exist/,
    );

    expect((await cli(['pipeline', 'trigger', 'delete', 'ci'])).out).toBe("trigger 'ci' deleted\n");
    expect((await cli(['pipeline', 'trigger', 'delete', 'new-versions', '--json'])).out).toBe('{}\n');
    expect(JSON.parse((await cli(['pipeline', 'trigger', 'list', '--json'])).out)).toEqual({ triggers: [] });
  });
});
