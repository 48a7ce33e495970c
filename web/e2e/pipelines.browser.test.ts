import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { e2e, expectAccessible, hashQuery, openSession, ui, type UiSession } from './support/browser';
import type { PipelineFixture } from './support/pipeline-fixture';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 30_000 });

let session: UiSession;
let fixture: PipelineFixture;
/** Runs this file starts (the sleepy pipeline), cancelled at the end whatever happened. */
const started: string[] = [];

beforeAll(async () => {
  fixture = inject('e2ePipelines');
  session = await openSession();
}, 120_000);

afterAll(async () => {
  for (const runId of started) {
    await fetch(`${e2e().baseUrl}/api/bosun/v1/pipelines/runs/${runId}/cancel`, { method: 'POST' });
  }
  expect(session.problems).toEqual([]);
  await session.close();
});

const rowsOf = (selector: string) =>
  session.page
    .locator(`${selector} tbody tr`)
    .evaluateAll((rows) =>
      rows.map((r) =>
        [...r.querySelectorAll('th, td')].map((c) =>
          (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
        ),
      ),
    );

/** The DAG's boxes: step name, state attribute, and the box's three lines of text. */
const dagBoxes = () =>
  session.page.locator('.dag g.dag-node').evaluateAll((nodes) =>
    nodes.map((n) => ({
      step: n.getAttribute('data-step'),
      state: n.getAttribute('data-state'),
      lines: [...n.querySelectorAll('text')].map((t) => t.textContent ?? ''),
    })),
  );

describe('pipelines pages (issue 12 point 10)', () => {
  it('the main navigation opens the pipelines: versions and the last run state of each', async () => {
    const { page } = session;
    await page.goto(ui('#/experiments'));
    await page.locator('nav[aria-label=Main]').getByRole('link', { name: 'Pipelines' }).click();
    await poll(() => page.url()).toBe(ui('#/pipelines'));
    await poll(() => page.locator('h1').innerText()).toBe('Pipelines');
    await poll(async () => (await rowsOf('table[aria-label=Pipelines]')).length).toBe(3);
    const rows = await rowsOf('table[aria-label=Pipelines]');
    const byName = new Map(rows.map((r) => [r[0], r]));
    expect(byName.get('ui-e2e-train')?.slice(1, 3)).toEqual(['1', fixture.train.experimentId]);
    expect(byName.get('ui-e2e-train')?.[4]).toBe('✓ succeeded');
    expect(byName.get('ui-e2e-broken')?.[4]).toBe('✗ failed');
    expect(byName.get('ui-e2e-sleepy')?.[4]).toBe('never run');
    // The last run's state links to that run: the train pipeline's newest is the cached one.
    const last = page
      .locator('table[aria-label=Pipelines] tr', { hasText: 'ui-e2e-train' })
      .getByRole('link', {
        name: 'succeeded',
      });
    expect(await last.getAttribute('href')).toBe(`#/pipeline-runs/${fixture.train.cachedRunId}`);
    await expectAccessible(page, 'the pipelines list');
  });

  it("a pipeline's page draws its DAG, lists its steps and plans a run: all cached, then a changed parameter", async () => {
    const { page } = session;
    await page.goto(ui('#/pipelines/ui-e2e-train'));
    await poll(() => page.locator('h1').innerText()).toBe('ui-e2e-train');
    await poll(async () => (await dagBoxes()).map((b) => b.step)).toEqual(['prepare', 'train', 'report']);
    // Its cost over its runs: no step names a resource class, so unknown (not $0).
    await poll(() => page.getByTestId('pipeline-cost').innerText()).toMatch(
      /^\d+ runs: unknown · \d+ step runs with no resource class$/,
    );
    const boxes = await dagBoxes();
    expect(boxes.map((b) => b.lines[1])).toEqual(['command', 'command · fan-out', 'command']);
    // prepare → train → report: two dependency lines, each box on its own row, top to bottom.
    expect(await page.locator('.dag path.dag-edge').count()).toBe(2);
    const ys = await page
      .locator('.dag g.dag-node')
      .evaluateAll((nodes) =>
        nodes.map((n) => Number(/translate\([^,]+, ([\d.]+)\)/.exec(n.getAttribute('transform') ?? '')?.[1])),
      );
    expect(ys[0]).toBeLessThan(ys[1] ?? 0);
    expect(ys[1]).toBeLessThan(ys[2] ?? 0);
    expect((await rowsOf('table[aria-label=Steps]')).map((r) => r.slice(0, 4))).toEqual([
      ['prepare', 'command', '—', 'no'],
      ['train', 'command', 'prepare', 'yes'],
      ['report', 'command', 'train', 'no'],
    ]);
    await expectAccessible(page, "a pipeline's page");

    // The same parameters as the fixture's runs: every step (and fan-out item) comes from the cache.
    await page.getByRole('button', { name: 'Plan' }).click();
    await poll(() => page.locator('[role=status]').last().innerText()).toBe('4 of 4 steps from the cache');
    expect((await rowsOf('table[aria-label=Plan]')).map((r) => [r[0], r[1]])).toEqual([
      ['prepare', '⚡ cache hit'],
      ['train[0]', '⚡ cache hit'],
      ['train[1]', '⚡ cache hit'],
      ['report', '⚡ cache hit'],
    ]);
    // Another row count: prepare misses because its input changed; what follows cannot be known yet.
    await page.getByLabel('rows (int)').fill('5');
    await page.getByRole('button', { name: 'Plan' }).click();
    await poll(() => page.locator('[role=status]').last().innerText()).toBe('0 of 4 steps from the cache');
    const plan = await rowsOf('table[aria-label=Plan]');
    expect(plan[0]?.slice(0, 2)).toEqual(['prepare', '▶ will run (cache miss)']);
    expect(plan[0]?.[2]).toContain('input:rows');
    expect(plan[0]?.[3]).toBe('input:rows');
    expect(plan.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['train[0]', '? depends on upstream'],
      ['train[1]', '? depends on upstream'],
      ['report', '? depends on upstream'],
    ]);
    // A value the server refuses (below the declared minimum): its message in place, nothing started.
    await page.getByLabel('rows (int)').fill('0');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await poll(() => page.locator('form [role=alert]').innerText()).toMatch(/^Refused: .*rows/);
    expect(page.url()).toBe(ui('#/pipelines/ui-e2e-train'));
  });

  it('pipeline runs are listed with state, start, duration and trigger, filtered by pipeline and state', async () => {
    const { page } = session;
    await page.goto(ui('#/pipeline-runs'));
    await poll(() => page.locator('h1').innerText()).toBe('Pipeline runs');
    await poll(async () => (await rowsOf('table[aria-label="Pipeline runs"]')).length).toBeGreaterThanOrEqual(
      3,
    );
    await page.getByLabel('Pipeline', { exact: true }).selectOption('ui-e2e-train');
    await poll(() => hashQuery(page.url()).get('pipeline')).toBe('ui-e2e-train');
    await poll(async () => (await rowsOf('table[aria-label="Pipeline runs"]')).map((r) => r[0])).toEqual([
      fixture.train.cachedRunId.slice(0, 12),
      fixture.train.firstRunId.slice(0, 12),
    ]);
    for (const r of await rowsOf('table[aria-label="Pipeline runs"]')) {
      expect(r.slice(1, 3)).toEqual(['ui-e2e-train', '✓ succeeded']);
      expect(r[3]).toMatch(/ago$|now$/);
      expect(r[4]).toMatch(/^\d+(\.\d)? (ms|s)$/);
      expect(r[5]).toBe('anonymous');
    }
    await page.getByLabel('Pipeline', { exact: true }).selectOption('');
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await poll(() => page.url()).toBe(ui('#/pipeline-runs?status=failed'));
    await poll(async () =>
      (await rowsOf('table[aria-label="Pipeline runs"]')).map((r) => r.slice(0, 3)),
    ).toEqual([[fixture.broken.runId.slice(0, 12), 'ui-e2e-broken', '✗ failed']]);
    await expectAccessible(page, 'the pipeline runs list');
  });

  it('a cached run: every box and step marked as a cache hit, each step linked to its MLflow run', async () => {
    const { page } = session;
    await page.goto(ui(`#/pipeline-runs/${fixture.train.cachedRunId}`));
    await poll(async () => (await dagBoxes()).map((b) => [b.step, b.state])).toEqual([
      ['prepare', 'cached'],
      ['train', 'cached'],
      ['report', 'cached'],
    ]);
    const boxes = await dagBoxes();
    expect(boxes.map((b) => b.lines[1])).toEqual(Array(3).fill('⚡ cached · cache hit'));
    expect(boxes[1]?.lines[2]).toMatch(/2\/2 items/);
    const steps = await rowsOf('table[aria-label="Step runs"]');
    expect(steps.map((r) => [r[0], r[1], r[5]])).toEqual([
      ['prepare', '⚡ cached', '⚡ cache hit'],
      ['train[0]', '⚡ cached', '⚡ cache hit'],
      ['train[1]', '⚡ cached', '⚡ cache hit'],
      ['report', '⚡ cached', '⚡ cache hit'],
    ]);
    expect(await page.locator('dl.facts').innerText()).toContain('✓ succeeded');
    // Costs: these steps name no resource class, so what they cost is unknown (not $0) and nothing was saved.
    expect(steps.map((r) => r.slice(8, 11))).toEqual(Array(4).fill(['—', 'unknown', '—']));
    expect(await page.getByTestId('run-cost').innerText()).toBe('unknown');
    await expectAccessible(page, 'a cached pipeline run');
    // The step's MLflow run: its nested run in the pipeline's experiment.
    const link = page
      .locator('table[aria-label="Step runs"] tr[data-step="prepare"] td')
      .last()
      .getByRole('link');
    const href = await link.getAttribute('href');
    expect(href).toMatch(new RegExp(`^#/experiments/${fixture.train.experimentId}/runs/[0-9a-f]{32}$`));
    await link.click();
    await poll(() => page.url()).toBe(ui(href ?? ''));
    await poll(() => page.locator('h1').innerText()).toContain('prepare');
  });

  it("a run's step logs: stdout and stderr of the selected fan-out item", async () => {
    const { page } = session;
    await page.goto(ui(`#/pipeline-runs/${fixture.train.firstRunId}`));
    await poll(async () => (await dagBoxes()).map((b) => b.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect((await dagBoxes())[1]?.lines[2]).toMatch(/^\d+(\.\d)? (ms|s) · 2\/2 items$/);
    await page.locator('table[aria-label="Step runs"]').getByRole('link', { name: 'train[1]' }).click();
    await poll(() => page.url()).toBe(ui(`#/pipeline-runs/${fixture.train.firstRunId}?step=train&item=1`));
    await poll(() => page.locator('h2#step-logs-title').innerText()).toBe('Logs of train[1]');
    await poll(() =>
      page.getByRole('region', { name: 'Logs of train[1]' }).locator('pre').first().innerText(),
    ).toBe('training on 3 rows with lr 0.01\n');
    expect(await page.locator('.step-logs pre').nth(1).innerText()).toBe('lr 0.01: no GPU, using the CPU\n');
    expect(await page.locator('.step-logs [role=status]').innerText()).toBe('Attempt 1, succeeded');
    await expectAccessible(page, 'a pipeline run with its logs');
  });

  it('a failed run: the failed step, its exit code and stderr, the skipped step after it, resume offered', async () => {
    const { page } = session;
    await page.goto(ui(`#/pipeline-runs/${fixture.broken.runId}?step=fail`));
    await poll(async () => (await dagBoxes()).map((b) => [b.step, b.state, b.lines[1]])).toEqual([
      ['check', 'succeeded', '✓ succeeded'],
      ['fail', 'failed', '✗ failed'],
      ['never', 'skipped', '⤼ skipped'],
    ]);
    expect(await page.locator('[role=alert]').first().innerText()).toBe(
      'The run failed: step(s) failed: fail',
    );
    const steps = await rowsOf('table[aria-label="Step runs"]');
    expect(steps.map((r) => [r[0], r[1], r[6], r[7]])).toEqual([
      ['check', '✓ succeeded', '0', ''],
      ['fail', '✗ failed', '3', 'exited with code 3'],
      ['never', '⤼ skipped', '—', 'upstream: fail failed'],
    ]);
    await poll(() => page.locator('.step-logs pre').nth(1).innerText()).toBe(
      'boom: column price is missing\n',
    );
    expect(await page.locator('.step-logs pre').first().innerText()).toBe('loading rows\n');
    await expect(page.getByRole('button', { name: 'Resume from failed steps' }).isVisible()).resolves.toBe(
      true,
    );
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await expectAccessible(page, 'a failed pipeline run');
  });

  it('Run starts a run from the UI; the DAG and logs follow it live; Cancel stops it', async () => {
    const { page } = session;
    await page.goto(ui('#/pipelines/ui-e2e-sleepy'));
    await poll(() => page.locator('h1').innerText()).toBe('ui-e2e-sleepy');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await poll(() => page.url()).toMatch(/#\/pipeline-runs\/[0-9a-f]{32}$/);
    const runId = /pipeline-runs\/([0-9a-f]{32})/.exec(page.url())?.[1] ?? '';
    started.push(runId);
    await poll(async () => (await dagBoxes()).map((b) => [b.step, b.state, b.lines[1]])).toEqual([
      ['nap', 'running', '▶ running'],
    ]);
    expect(await page.locator('dl.facts').innerText()).toContain('▶ running');
    // The logs follow the running process.
    await page.locator('.dag g.dag-node[data-step=nap]').click();
    await poll(() => page.url()).toBe(ui(`#/pipeline-runs/${runId}?step=nap`));
    // Each later read asks only for what follows the 15 characters already shown, and appends it.
    const followUp = () =>
      page.waitForResponse((r) => r.url().includes('/logs?') && r.url().includes('stdout_offset=15'), {
        timeout: 30_000,
      });
    await poll(() => page.locator('.step-logs pre').first().innerText()).toBe('going to sleep\n');
    await followUp();
    await followUp();
    expect(await page.locator('.step-logs pre').first().innerText()).toBe('going to sleep\n');
    expect(await page.locator('.step-logs [role=status]').innerText()).toBe('Attempt 1, running: following…');
    await expectAccessible(page, 'a running pipeline run');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await poll(async () => (await dagBoxes()).map((b) => [b.state, b.lines[1]])).toEqual([
      ['cancelled', '■ cancelled'],
    ]);
    await poll(() => page.locator('dl.facts').innerText()).toContain('■ cancelled');
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Resume from failed steps' }).count()).toBe(1);
    const answer = (await (await fetch(`${e2e().baseUrl}/api/bosun/v1/pipelines/runs/${runId}`)).json()) as {
      run: { status: string };
    };
    expect(answer.run.status).toBe('cancelled');
  });

  it('a waiting approval shows the candidate beside the champion; Approve with a comment lets the run go on', async () => {
    const { page } = session;
    const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${e2e().baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    // Two versions of a model, each from a run that logged its accuracy; version 1 is the champion.
    const model = 'ui-e2e-approved-model';
    const experiment = await call('POST', '/api/2.0/mlflow/experiments/create', {
      name: `${model}-training`,
    });
    await call('POST', '/api/2.0/mlflow/registered-models/create', { name: model });
    for (const accuracy of [0.81, 0.93]) {
      const created = await call('POST', '/api/2.0/mlflow/runs/create', {
        experiment_id: experiment['experiment_id'],
      });
      const runId = ((created['run'] as Record<string, unknown>)['info'] as Record<string, string>)['run_id'];
      await call('POST', '/api/2.0/mlflow/runs/log-metric', {
        run_id: runId,
        key: 'accuracy',
        value: accuracy,
        timestamp: 1,
        step: 0,
      });
      await call('POST', '/api/2.0/mlflow/model-versions/create', {
        name: model,
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
    }
    await call('POST', '/api/2.0/mlflow/registered-models/alias', {
      name: model,
      alias: 'champion',
      version: '1',
    });
    await call('POST', '/api/bosun/v1/pipelines/definitions', {
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'ui-e2e-approve',
        steps: {
          gate: {
            approval: { message: 'Promote {{inputs.model}}?', model: { name: 'model', version: 'version' } },
            inputs: { model: { type: 'string', value: model }, version: { type: 'string', value: '2' } },
          },
          ship: { command: ['true'], after: ['gate'], when: 'steps.gate.outputs.approved' },
        },
      },
    });
    const answer = await call('POST', '/api/bosun/v1/pipelines/runs', { pipeline: 'ui-e2e-approve' });
    const runId = (answer['run'] as Record<string, string>)['run_id'] ?? '';
    started.push(runId);

    await page.goto(ui(`#/pipeline-runs/${runId}`));
    const panel = page.locator('section.approval-panel[data-approval=gate]');
    await poll(() => panel.count()).toBe(1);
    expect(await panel.locator('h2').innerText()).toBe('⏸ Waiting for approval: gate');
    expect(await panel.locator('.approval-message').innerText()).toBe(`Promote ${model}?`);
    await poll(async () => (await dagBoxes()).map((b) => [b.step, b.state, b.lines[1]])).toEqual([
      ['gate', 'waiting', '⏸ waiting'],
      ['ship', 'pending', '○ pending'],
    ]);
    const metrics = await panel
      .locator('table tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c as HTMLElement).innerText.trim())),
      );
    expect(metrics).toEqual([['accuracy', '0.93', '0.81']]);
    await expectAccessible(page, 'a pipeline run waiting for approval');

    // With auth off the run was started by 'anonymous': the registry refuses a self-approval, shown in place.
    await panel.getByLabel('Comment').fill('better than the champion');
    await panel.getByRole('button', { name: 'Approve' }).click();
    await poll(() => panel.locator('[role=alert]').innerText()).toContain('cannot approve their own request');
    await panel.getByLabel('Your name').fill('reviewer');
    await panel.getByRole('button', { name: 'Approve' }).click();
    await poll(async () => (await dagBoxes()).map((b) => [b.step, b.state])).toEqual([
      ['gate', 'succeeded'],
      ['ship', 'succeeded'],
    ]);
    await poll(async () => rowsOf('table[aria-label=Approvals]')).toEqual([
      ['gate', 'approved', 'reviewer', expect.any(String), 'better than the champion'],
    ]);
  });
});
