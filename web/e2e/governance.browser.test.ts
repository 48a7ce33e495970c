import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

let session: UiSession;
beforeAll(async () => {
  session = await openSession();
});
afterAll(async () => {
  expect(session.problems).toEqual([]);
  await session.close();
});

const api = (path: string, init?: RequestInit) =>
  fetch(`${e2e().baseUrl}${path}`, init).then((r) => r.json() as Promise<Record<string, unknown>>);
const registry = () => e2e().data.registry;
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
const policyTable = 'table[aria-labelledby="policy-alias-champion"]';
const verdicts: Record<string, string> = {
  clean: 'Clean',
  suspicious: 'Suspicious',
  unsafe: 'Unsafe',
  failed: 'Scan failed',
};

describe('governance on the version page (issue 11, point 9)', () => {
  it('shows the scan report as the server has it, and each policy rule of a version that fails the metric gate', async () => {
    const { page } = session;
    const { governed_model: model } = registry();
    const scan = (await api(`/api/bosun/v1/registry/models/${model}/versions/1/scan`)).scan as {
      status: string;
      files: number;
      findings: { file: string; module?: string; name?: string; opcodes?: string[] }[];
    };
    await page.goto(ui(`#/models/${model}/versions/1`));
    await expect
      .poll(() => page.locator('.scan-verdict').innerText())
      .toContain(`Verdict: ${verdicts[scan.status]}`);
    expect(await page.locator('.scan-verdict').innerText()).toContain(`${scan.files} file`);
    const findings = await rowsOf('table[aria-labelledby=scan-title]');
    expect(findings.length).toBe(scan.findings.length);
    for (const [i, f] of scan.findings.entries()) {
      if (f.module !== undefined) expect(findings[i]?.[1]).toBe([f.module, f.name].filter(Boolean).join('.'));
      if (f.opcodes !== undefined) expect(findings[i]?.[2]).toBe(f.opcodes.join(', '));
      expect(findings[i]?.[3]).toContain(f.file);
    }
    // Version 1 (accuracy 0.84) is the champion: it fails the gate and (being the holder) has nothing to beat.
    await expect
      .poll(() => rowsOf(policyTable))
      .toEqual([
        ['metrics.accuracy ≥ 0.9', '✗ not met', 'metrics.accuracy = 0.84 does not satisfy >= 0.9'],
        ['beats the current alias:champion on accuracy (greater is better)', '✓ met', ''],
        ['1 approval', '✗ not met', '0 of 1 required approvals'],
      ]);
    expect(await page.locator('#policy-alias-champion').innerText()).toBe(
      'Target alias:champion: 2 conditions unmet',
    );
    await expectAccessible(page, 'the governance of version 1');
  });

  it('version 2: a refused promotion shows the server’s reason; approving with a comment then promoting moves the alias', async () => {
    const { page } = session;
    const { governed_model: model } = registry();
    await page.goto(ui(`#/models/${model}/versions/2`));
    await expect
      .poll(() => rowsOf(policyTable))
      .toEqual([
        ['metrics.accuracy ≥ 0.9', '✓ met', ''],
        ['beats the current alias:champion on accuracy (greater is better)', '✓ met', ''],
        ['1 approval', '✗ not met', '0 of 1 required approvals'],
      ]);
    expect(await rowsOf('table[aria-labelledby=approvals-title]')).toEqual([
      [
        'alias:champion',
        'requested',
        expect.stringMatching(/^alice .+ “better accuracy”$/),
        '—',
        expect.stringContaining('Approve'),
      ],
    ]);
    await expectAccessible(page, 'the governance of version 2');

    await page.getByLabel('Acting as').fill('carol');
    await page.getByRole('button', { name: 'Promote to alias:champion' }).click();
    const refusal = page.locator('.governance [role=alert]');
    await expect.poll(() => refusal.innerText()).toMatch(/^Refused: /);
    // The very sentence the server answers to the same request.
    const server = await api(`/api/bosun/v1/registry/models/${model}/versions/2/promote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'alias:champion', user: 'carol' }),
    });
    expect(server.error_code).toBe('INVALID_STATE');
    expect(await refusal.innerText()).toBe(`Refused: ${String(server.message)}`);
    expect(String(server.message)).toContain('0 of 1 required approvals');

    await page.getByLabel('Comment on the decision for alias:champion').fill('looks good');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect
      .poll(() => rowsOf('table[aria-labelledby=approvals-title]'))
      .toEqual([
        [
          'alias:champion',
          'approved',
          expect.stringContaining('alice'),
          expect.stringMatching(/^carol .+ “looks good”$/),
          '',
        ],
      ]);
    await expect
      .poll(() => rowsOf(policyTable))
      .toEqual([
        ['metrics.accuracy ≥ 0.9', '✓ met', ''],
        ['beats the current alias:champion on accuracy (greater is better)', '✓ met', ''],
        ['1 approval', '✓ met', ''],
      ]);
    await page.getByRole('button', { name: 'Promote to alias:champion' }).click();
    await expect
      .poll(() => page.locator('.governance .notice').innerText())
      .toBe('Promoted to alias:champion.');
    await expect.poll(() => page.locator('dl.facts').innerText()).toMatch(/Aliases\s+@champion/);
    const alias = await api(`/api/2.0/mlflow/registered-models/alias?name=${model}&alias=champion`);
    expect((alias.model_version as { version: string }).version).toBe('2');
  });

  it('lists the version’s registry events and the webhook deliveries with status and attempts', async () => {
    const { page } = session;
    const { governed_model: model, webhook } = registry();
    const events = (
      await api(`/api/bosun/v1/registry/events?model_name=${model}&version=2&order=desc&max_results=100`)
    ).events as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['promotion.refused', 'alias.set', 'approval.requested']),
    );
    const deliveries = (await api(`/api/bosun/v1/webhooks/${webhook.id}/deliveries?max_results=50`))
      .deliveries as {
      event_type: string;
      status: string;
      attempts: number;
      event_id: number;
    }[];
    await page.goto(ui(`#/models/${model}/versions/2`));
    await expect
      .poll(async () => (await rowsOf('table[aria-labelledby=events-title]')).map((r) => r[0]))
      .toEqual(events.map((e) => e.type));
    const shown = await rowsOf('table[aria-labelledby=deliveries-title]');
    // The tag set while populate_registry.py's receiver listened was delivered at the first attempt.
    const tagged = deliveries.filter((d) => d.event_type === 'tag.set').at(-1);
    expect(tagged).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(shown).toContainEqual([webhook.url, 'tag.set', 'succeeded', '1', 'HTTP 204']);
    expect(await page.locator('#deliveries-title').innerText()).toBe(`Webhook deliveries (${shown.length})`);
    await expectAccessible(page, 'the events of version 2');
  });
});
