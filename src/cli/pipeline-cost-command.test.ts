import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli } from './test-support/capture-cli.js';
import { costTarget, usdText } from './pipeline-cost-command.js';

let dir: string;
let db: string;
let env: Record<string, string>;

const cli = (args: string[]) => captureCli([...args, '--backend-store-uri', db], env);

const pipeline = `apiVersion: bosun.dev/v1
kind: Pipeline
name: priced
steps:
  train:
    command: [sh, -c, 'echo trained']
    resources: { class: cpu.small }
  report:
    command: [sh, -c, 'echo done']
`;

describe('bosun pipeline cost (against the database)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-cost-cli-'));
    db = `sqlite:///${join(dir, 'bosun.db')}`;
    const classes = join(dir, 'classes.yaml');
    writeFileSync(classes, 'classes:\n  - { name: cpu.small, price_per_hour: 0.36, capacity: on-demand }\n');
    env = { BOSUN_DATA_DIR: dir, PATH: process.env.PATH ?? '', BOSUN_RESOURCE_CLASSES_FILE: classes };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a run, a pipeline and their totals, as a table and as JSON', async () => {
    const file = join(dir, 'priced.yaml');
    writeFileSync(file, pipeline);
    const ran = await cli(['pipeline', 'run', file, '--code-dir', dir]);
    // The CLI's own run honours the server's resource classes (it refused 'cpu.small' before).
    expect(ran.err).toMatch(/run \w+ succeeded/);
    expect(ran.code).toBe(0);
    const runs = await cli(['pipeline', 'runs', '--pipeline', 'priced', '--json']);
    const runId = (JSON.parse(runs.out) as { runs: { run_id: string }[] }).runs[0]?.run_id ?? '';

    const json = await cli(['pipeline', 'cost', runId, '--json']);
    expect(json.code).toBe(0);
    const answer = JSON.parse(json.out) as {
      total: { cost_usd: number; unpriced_steps: number; steps: number; wall_ms: number };
      steps: { step: string; resource_class: string | null; cost_usd: number | null; wall_ms: number }[];
    };
    expect(answer).toMatchObject({ run_id: runId, pipeline: 'priced', status: 'succeeded' });
    expect(answer.total).toMatchObject({ steps: 2, unpriced_steps: 1 });
    const train = answer.steps.find((s) => s.step === 'train');
    expect(train).toMatchObject({ resource_class: 'cpu.small' });
    expect(train?.cost_usd).toBeCloseTo(((train?.wall_ms ?? 0) / 3_600_000) * 0.36, 12);
    expect(answer.steps.find((s) => s.step === 'report')).toMatchObject({
      resource_class: null,
      cost_usd: null,
    });
    expect(answer.total.cost_usd).toBeCloseTo(train?.cost_usd ?? -1, 12);

    const table = await cli(['pipeline', 'cost', runId]);
    expect(table.code).toBe(0);
    expect(table.out).toContain(`pipeline run ${runId} (priced, succeeded)`);
    expect(table.out).toMatch(/STEP\s+STATE\s+CLASS\s+ATTEMPTS\s+WALL\s+CPU\s+PEAK RSS\s+COST\s+SAVED/);
    expect(table.out).toMatch(/report\s+succeeded\s+-\s+1\s+.*unknown\s+-/);
    expect(table.out).toContain('1 step run(s) with no resource class (cost unknown)');

    const byPipeline = await cli(['pipeline', 'cost', '--pipeline', 'priced', '--json']);
    expect(JSON.parse(byPipeline.out)).toMatchObject({ pipeline: 'priced', runs: 1, from: null, to: null });
    const future = await cli(['pipeline', 'cost', '--pipeline', 'priced', '--from', '2999-01-01']);
    expect(future.out).toContain('pipeline priced: 0 run(s) from 2999-01-01T00:00:00.000Z to now');
    expect(future.out).toContain('total unknown');
  });

  it('refuses what it cannot cost, clearly', async () => {
    const none = await cli(['pipeline', 'cost']);
    expect(none.code).not.toBe(0);
    expect(none.err).toContain(
      'Give exactly one of: a pipeline RUN id, --pipeline NAME, or --model NAME --version V',
    );
    const unknown = await cli(['pipeline', 'cost', '--pipeline', 'nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('nope');
  });

  it('parses targets and prints dollars', () => {
    expect(costTarget('r1', {})).toEqual({ kind: 'run', runId: 'r1' });
    expect(costTarget(undefined, { model: 'm', version: '3' })).toEqual({
      kind: 'model',
      name: 'm',
      version: '3',
    });
    expect(() => costTarget(undefined, { model: 'm' })).toThrow('--model needs --version V');
    expect(() => costTarget('r1', { from: '2026-01-01' })).toThrow(
      '--from and --to apply to --pipeline NAME only',
    );
    expect(() => costTarget(undefined, { pipeline: 'p', from: 'soon' })).toThrow("Invalid --from 'soon'");
    expect(costTarget(undefined, { pipeline: 'p', from: '1000', to: '2026-01-01' })).toEqual({
      kind: 'pipeline',
      name: 'p',
      from: 1000,
      to: Date.parse('2026-01-01'),
    });
    expect([usdText(null), usdText(0), usdText(1.5), usdText(0.000123)]).toEqual([
      'unknown',
      '$0.00',
      '$1.50',
      '$0.00012',
    ]);
  });
});
