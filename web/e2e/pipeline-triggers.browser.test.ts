import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2e, expectAccessible, openSession, ui, type UiSession } from './support/browser';

/** Waits for what the page shows (a cold chunk load on a busy machine can take seconds). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 30_000 });
const api = '/api/bosun/v1/pipelines/triggers';

let session: UiSession;

async function send(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${e2e().baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  session = await openSession();
  // Triggers only: nothing fires them here, so the fixture's runs stay as the other files expect.
  await send('POST', api, {
    name: 'ui-e2e-on-new-version',
    kind: 'registry_event',
    pipeline: 'ui-e2e-broken',
    filter: { event_types: ['model_version.created'], model_name: 'ui-e2e-model' },
  });
  await send('POST', api, { name: 'ui-e2e-ci', kind: 'webhook', pipeline: 'ui-e2e-broken' });
}, 120_000);

afterAll(async () => {
  await send('DELETE', `${api}/ui-e2e-broken/ui-e2e-on-new-version`);
  await send('DELETE', `${api}/ui-e2e-broken/ui-e2e-ci`);
  expect(session.problems).toEqual([]);
  await session.close();
});

describe('pipeline triggers on the pipeline page (issue 12 point 7)', () => {
  it('lists what starts the pipeline, with its filter, and says when nothing has fired yet', async () => {
    const { page } = session;
    await page.goto(ui('#/pipelines/ui-e2e-broken'));
    await poll(() => page.locator('h1').innerText()).toBe('ui-e2e-broken');
    const rows = () =>
      page
        .locator('table[aria-label=Triggers] tbody tr')
        .evaluateAll((trs) =>
          trs.map((r) =>
            [...r.querySelectorAll('th, td')].map((c) =>
              (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim(),
            ),
          ),
        );
    await poll(async () => (await rows()).map((r) => r.slice(0, 3))).toEqual([
      ['ui-e2e-ci', 'webhook', '—'],
      [
        'ui-e2e-on-new-version',
        'registry event',
        'event_types=model_version.created · model_name=ui-e2e-model',
      ],
    ]);
    expect((await rows()).map((r) => r[4])).toEqual(['yes', 'yes']);
    await poll(() =>
      page.locator('section[aria-labelledby=pipeline-triggers-title] .empty').innerText(),
    ).toBe('No trigger has fired yet.');
    await expectAccessible(page, "a pipeline's triggers");
  });
});
