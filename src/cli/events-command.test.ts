import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../db/index.js';
import { openRegistryEvents } from '../registry/test-support/outbox-events.js';
import { captureCli } from './test-support/capture-cli.js';

let dir: string;
let uri: string;

const cli = (args: string[]) => captureCli([...args, '--backend-store-uri', uri]);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bosun-cli-events-'));
  uri = `sqlite:///${join(dir, 'bosun.db')}`;
  const handle = openDatabase(uri);
  try {
    await migrateToLatest(handle);
    const events = openRegistryEvents(handle);
    for (const version of ['1', '2', '3']) {
      await handle.db
        .transaction()
        .execute((trx) =>
          events.sink.record(trx, { type: 'model_version.created', modelName: 'rf', version, payload: {} }),
        );
    }
  } finally {
    await handle.close();
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bosun events', () => {
  it('lists the consumers with their positions and the events waiting', async () => {
    const listed = await cli(['events', 'consumers']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/NAME\s+POSITION\s+PENDING\s+UPDATED/);
    expect(listed.out).toMatch(/webhooks\s+0:0\s+3\s/);
    const json = await cli(['events', 'consumers', '--json']);
    expect(JSON.parse(json.out)).toEqual({
      consumers: [
        { name: 'webhooks', position: { xact: 0, id: 0 }, updatedAt: expect.any(Number), pending: 3 },
      ],
    });
  });

  it('moves a consumer to replay from an event, or to the end', async () => {
    const replay = await cli(['events', 'replay', 'webhooks', '--from-event', '2']);
    expect(replay).toMatchObject({ code: 0, out: "Moved consumer 'webhooks' to position 0:1.\n" });
    expect((await cli(['events', 'consumers'])).out).toMatch(/webhooks\s+0:1\s+2\s/);
    expect((await cli(['events', 'replay', 'webhooks', '--end'])).out).toContain('position 0:3');
    expect((await cli(['events', 'consumers'])).out).toMatch(/webhooks\s+0:3\s+0\s/);
  });

  it('refuses an ambiguous or unknown target with a one-line error', async () => {
    const none = await cli(['events', 'replay', 'webhooks']);
    expect(none.code).toBe(1);
    expect(none.err).toBe(
      'error: INVALID_PARAMETER_VALUE: Give exactly one of --from-event <id>, --beginning or --end\n',
    );
    const both = await cli(['events', 'replay', 'webhooks', '--beginning', '--end']);
    expect(both.code).toBe(1);
    const unknown = await cli(['events', 'replay', 'nobody', '--beginning']);
    expect(unknown.err).toBe("error: RESOURCE_DOES_NOT_EXIST: Event consumer 'nobody' not found\n");
    const missing = await cli(['events', 'replay', 'webhooks', '--from-event', '99']);
    expect(missing.err).toBe('error: RESOURCE_DOES_NOT_EXIST: Event 99 not found\n');
    const bad = await cli(['events', 'replay', 'webhooks', '--from-event', 'x']);
    expect(bad.err).toContain("Invalid --from-event 'x'");
  });
});
