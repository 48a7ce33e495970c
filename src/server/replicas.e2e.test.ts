/**
 * Three `bosun server` processes on one PostgreSQL database behave as one server behind a round-robin load
 * balancer: concurrent model-version creations spread over the replicas get the versions 1..n with no gap or
 * repeat; every registry event reaches a webhook receiver exactly once, whichever replica recorded it and
 * whichever sent it; credentials (passwords each replica remembers for a while, API tokens) hold on every
 * replica and a password changed through one is refused by all at once; and a replica killed with SIGKILL while
 * metrics are being logged loses no batch that was acknowledged (200). No clock is read for assertions: waits poll (src/shared/test-support/wait-for.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresTests } from '../db/test-support/test-databases.js';
import { MasterKey } from '../shared/index.js';
import { waitFor } from '../shared/test-support/wait-for.js';
import { basic } from './test-support/auth-test-server.js';
import { startServerProcesses, type StartedServer } from './test-support/server-process.js';

const replicaCount = 3;
const versionCount = 20;
const api = '/api/2.0/mlflow';
const native = '/api/bosun/v1';
const admin = { username: 'admin', password: 'first-admin-password-1' };
const adminAuth = basic(admin.username, admin.password);

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/**
 * Sends each request to the next replica in turn, as a round-robin load balancer without health checks
 * would: a request to a dead replica fails (a network error, not an answer), the next goes elsewhere.
 */
class RoundRobinClient {
  private next = 0;

  constructor(private readonly addresses: readonly string[]) {}

  /** The replica the next request goes to, and the request. */
  async call(method: string, path: string, body?: unknown): Promise<Answer & { replica: number }> {
    const replica = this.next++ % this.addresses.length;
    const address = this.addresses[replica];
    if (address === undefined) throw new Error(`no replica ${replica}`);
    return { ...(await request(address, method, path, body)), replica };
  }
}

async function request(
  address: string,
  method: string,
  path: string,
  body?: unknown,
  authorization = adminAuth,
): Promise<Answer> {
  const res = await fetch(address + path, {
    method,
    headers: {
      authorization,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

async function ok(answer: Promise<Answer>): Promise<Record<string, unknown>> {
  const { status, json } = await answer;
  expect([status, json]).toEqual([200, expect.anything()]);
  return json;
}

/** A webhook receiver on loopback that counts the deliveries of each event id. */
interface Receiver {
  url: string;
  counts: Map<number, number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const counts = new Map<number, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number };
      counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    counts,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

interface Delivery {
  event_id: number;
  status: string;
  attempt_log: unknown[];
}

describe.runIf(postgresTests)('three replicas on one PostgreSQL database', () => {
  let dir: string;
  let database: { uri: string; drop(): Promise<void> };
  let receiver: Receiver;
  const replicas: StartedServer[] = [];
  let client: RoundRobinClient;
  let experimentId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bosun-replicas-'));
    database = await createPostgresDatabase('bosun_replicas');
    receiver = await startReceiver();
    // What every replica shares: the database, the artifact store, the master key and the settings.
    const env = {
      BOSUN_BACKEND_STORE_URI: database.uri,
      BOSUN_ARTIFACTS_DESTINATION: join(dir, 'artifacts'),
      BOSUN_MASTER_KEY: MasterKey.generate('replicas').export(),
      BOSUN_WEBHOOK_ALLOW_PRIVATE: 'true',
      BOSUN_AUTH: 'true',
      BOSUN_ADMIN_USERNAME: admin.username,
      BOSUN_ADMIN_PASSWORD: admin.password,
    };
    const starts = await startServerProcesses(replicaCount, env);
    for (const start of starts) if (start.status === 'started') replicas.push(start);
    expect(starts.map((s) => (s.status === 'failed' ? s.stderr : s.status))).toEqual(
      Array.from({ length: replicaCount }, () => 'started'),
    );
    for (const replica of replicas) {
      const ready = await request(replica.address, 'GET', '/health/ready');
      expect(ready).toMatchObject({ status: 200, json: { status: 'ready', migrations: 'current' } });
    }
    client = new RoundRobinClient(replicas.map((r) => r.address));
    const created = await ok(client.call('POST', `${api}/experiments/create`, { name: 'replicated' }));
    experimentId = String(created.experiment_id);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await receiver?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('20 concurrent version creations across the replicas get versions 1..20, and every registry event reaches the webhook exactly once', async () => {
    const hook = await ok(client.call('POST', `${native}/webhooks`, { url: receiver.url }));
    const webhookId = (hook.webhook as { id: number }).id;
    await ok(client.call('POST', `${api}/registered-models/create`, { name: 'replicated-model' }));
    const run = await ok(client.call('POST', `${api}/runs/create`, { experiment_id: experimentId }));
    const runId = (run.run as { info: { run_id: string } }).info.run_id;

    const created = await Promise.all(
      Array.from({ length: versionCount }, () =>
        client.call('POST', `${api}/model-versions/create`, {
          name: 'replicated-model',
          source: `runs:/${runId}/model`,
          run_id: runId,
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(created.map(() => 200));
    // Spread over every replica, not served by one.
    expect(new Set(created.map((c) => c.replica)).size).toBe(replicaCount);
    const versions = created
      .map((c) => Number((c.json.model_version as { version: string }).version))
      .sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: versionCount }, (_, i) => i + 1));
    const listed = await ok(
      client.call(
        'GET',
        `${api}/model-versions/search?filter=${encodeURIComponent("name='replicated-model'")}`,
      ),
    );
    expect(
      (listed.model_versions as { version: string }[]).map((v) => Number(v.version)).sort((a, b) => a - b),
    ).toEqual(versions);

    // Every event the registry recorded for the model (creation, versions, their scans), from any replica.
    const log = await ok(
      client.call('GET', `${native}/registry/events?model_name=replicated-model&max_results=1000`),
    );
    const eventIds = (log.events as { id: number; type: string }[]).map((e) => e.id).sort((a, b) => a - b);
    const createdEvents = (log.events as { type: string }[]).filter(
      (e) => e.type === 'model_version.created',
    );
    expect(createdEvents).toHaveLength(versionCount);

    // Done when every delivery has ended; a delivery sent twice would show two attempts in its log.
    const deliveries = await waitFor(`${eventIds.length} webhook deliveries succeeded`, async () => {
      const page = await ok(
        client.call('GET', `${native}/webhooks/${webhookId}/deliveries?max_results=1000`),
      );
      const list = page.deliveries as Delivery[];
      const ended = list.length >= eventIds.length && list.every((d) => d.status !== 'pending');
      return ended ? list : undefined;
    });
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 'succeeded'));
    expect(deliveries.map((d) => d.event_id).sort((a, b) => a - b)).toEqual(eventIds);
    expect(deliveries.map((d) => d.attempt_log.length)).toEqual(deliveries.map(() => 1));
    expect([...receiver.counts.keys()].sort((a, b) => a - b)).toEqual(eventIds);
    expect([...receiver.counts.values()]).toEqual(eventIds.map(() => 1));
  });

  it('credentials work on every replica, and a password changed through one is refused by all at once', async () => {
    const oldPassword = 'Tide-and-wake-55';
    const newPassword = 'New-anchor-line-8';
    await ok(client.call('POST', `${api}/users/create`, { username: 'carol', password: oldPassword }));
    const probe = `${api}/experiments/get-by-name?experiment_name=replicated`;
    const asCarol = (address: string, authorization: string) =>
      request(address, 'GET', probe, undefined, authorization).then((a) => a.status);
    // Each replica checks the password once and then remembers it.
    for (let round = 0; round < 2; round++) {
      for (const r of replicas) expect(await asCarol(r.address, basic('carol', oldPassword))).toBe(200);
    }
    const token = await ok(client.call('POST', `${native}/users/carol/tokens`, { name: 'ci' }));
    for (const r of replicas) expect(await asCarol(r.address, `Bearer ${String(token.token)}`)).toBe(200);

    const changedOn = replicas[1]?.address ?? '';
    await ok(
      request(changedOn, 'PATCH', `${api}/users/update-password`, {
        username: 'carol',
        password: newPassword,
      }),
    );
    expect(await Promise.all(replicas.map((r) => asCarol(r.address, basic('carol', oldPassword))))).toEqual(
      replicas.map(() => 401),
    );
    expect(await Promise.all(replicas.map((r) => asCarol(r.address, basic('carol', newPassword))))).toEqual(
      replicas.map(() => 200),
    );
  });

  it('a replica killed (SIGKILL) during ingestion loses no acknowledged batch', async () => {
    const run = await ok(client.call('POST', `${api}/runs/create`, { experiment_id: experimentId }));
    const runId = (run.run as { info: { run_id: string } }).info.run_id;
    const stepsPerBatch = 10;
    const acknowledged: number[] = [];
    const failed: number[] = [];
    let batch = 0;
    let killed = false;
    let acknowledgedAfterKill = 0;
    const victim = replicas[1];
    if (!victim) throw new Error('no second replica');

    const writer = async () => {
      while (!killed || acknowledgedAfterKill < 60) {
        const b = batch++;
        const metrics = Array.from({ length: stepsPerBatch }, (_, i) => ({
          key: 'loss',
          value: b + i / 100,
          timestamp: 1_700_000_000_000 + b,
          step: b * stepsPerBatch + i,
        }));
        try {
          const answer = await client.call('POST', `${api}/runs/log-batch`, { run_id: runId, metrics });
          if (answer.status === 200) {
            acknowledged.push(b);
            if (killed) acknowledgedAfterKill++;
          } else {
            failed.push(b);
          }
        } catch {
          // The killed replica: the connection was refused or cut. Not acknowledged.
          failed.push(b);
        }
      }
    };
    const writers = Array.from({ length: 4 }, () => writer());
    // Kill while the writers are in full flow (requests to the victim in flight).
    await waitFor('30 acknowledged batches', () => (acknowledged.length >= 30 ? true : undefined));
    await victim.kill();
    killed = true;
    await Promise.all(writers);

    expect(failed.length).toBeGreaterThan(0);
    expect((await request(replicas[0]?.address ?? '', 'GET', '/health/ready')).status).toBe(200);
    await expect(request(victim.address, 'GET', '/health/live')).rejects.toThrow();

    const survivor = replicas[2]?.address ?? '';
    const history = await ok(
      request(
        survivor,
        'GET',
        `${api}/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`,
      ),
    );
    const stored = new Map(
      (history.metrics as { step: number; value: number }[]).map((m) => [Number(m.step), Number(m.value)]),
    );
    const missing = acknowledged.flatMap((b) =>
      Array.from({ length: stepsPerBatch }, (_, i) => b * stepsPerBatch + i).filter(
        (step) => stored.get(step) !== b + (step % stepsPerBatch) / 100,
      ),
    );
    expect(missing).toEqual([]);
    // Nothing half-written: a batch is there whole or not at all.
    const partial = [...new Set([...stored.keys()].map((s) => Math.floor(s / stepsPerBatch)))].filter((b) =>
      Array.from({ length: stepsPerBatch }, (_, i) => b * stepsPerBatch + i).some((s) => !stored.has(s)),
    );
    expect(partial).toEqual([]);
  });
});
