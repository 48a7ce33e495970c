import { rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAuthTestServer,
  testAdmin,
  type AuthTestServer,
} from '../server/test-support/auth-test-server.js';
import { waitFor } from '../shared/test-support/wait-for.js';
import { runCli } from './program.js';

const api = '/api/bosun/v1/pipelines';

/** A pass-through proxy in front of the server that records every request's path and query. */
async function recordingProxy(
  target: string,
): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const to = new URL(target);
  const paths: string[] = [];
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const upstream = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('bosun pipeline logs --follow (through a server, auth on)', () => {
  let t: AuthTestServer;
  let folder: string;
  beforeAll(async () => {
    t = await startAuthTestServer('bosun-follow-');
    folder = mkdtempSync(join(tmpdir(), 'bosun-follow-code-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads only what is new at each poll (increasing offsets), printing every line once, the token masked', async () => {
    const gate = join(folder, 'gate');
    // Many lines over time, with characters of 3 UTF-8 bytes (offsets count bytes), each with the step's token
    // (masked in the stored and streamed log), in two halves: the second only once the first has been printed.
    const script =
      'i=1; while [ $i -le 40 ]; do echo "line $i → ✓ token=$MLFLOW_TRACKING_TOKEN"; i=$((i+1)); done; ' +
      `while [ ! -f ${gate} ]; do sleep 0.02; done; ` +
      'while [ $i -le 90 ]; do echo "line $i → ✓ token=$MLFLOW_TRACKING_TOKEN"; ' +
      'if [ $((i % 10)) = 0 ]; then sleep 0.05; fi; i=$((i+1)); done';
    const defined = await t.call('POST', `${api}/definitions`, {
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'chatty',
        steps: {
          chatty: { command: ['sh', '-c', script] },
          after: { command: ['sh', '-c', 'echo done'], after: ['chatty'] },
        },
      },
      code_dir: folder,
    });
    expect(defined.status).toBe(200);
    const started = await t.call('POST', `${api}/runs`, { pipeline: 'chatty' });
    const runId = (started.json.run as { run_id: string }).run_id;

    const proxy = await recordingProxy(t.server.address);
    try {
      const out: string[] = [];
      const err: string[] = [];
      const following = runCli(
        ['pipeline', 'logs', runId, '--follow', '--interval', '0.05', '--tracking-uri', proxy.url],
        {
          stdout: (text) => out.push(text),
          stderr: (text) => err.push(text),
          env: { MLFLOW_TRACKING_USERNAME: testAdmin.username, MLFLOW_TRACKING_PASSWORD: testAdmin.password },
        },
      );
      await waitFor('the first half, followed', () => (out.join('').includes('line 30 ') ? true : undefined));
      writeFileSync(gate, '');
      expect(await following).toBe(0);

      const lines = Array.from({ length: 90 }, (_, i) => `line ${i + 1} → ✓ token=***\n`).join('');
      expect(out.join('')).toBe(`==> chatty (attempt 1) <==\n${lines}\n==> after (attempt 1) <==\ndone\n`);
      expect(err.join('')).toBe(`run ${runId} succeeded\n`);

      // Each read of chatty's log asked from where the previous one ended: never from 0 again once past it.
      const offsets = proxy.paths
        .filter((p) => p.startsWith(`${api}/runs/${runId}/logs?`) && p.includes('step=chatty'))
        .map((p) => Number(new URL(p, 'http://x').searchParams.get('stdout_offset')));
      expect(offsets[0]).toBe(0);
      expect(offsets.length).toBeGreaterThanOrEqual(2);
      expect(offsets.every((o, i) => i === 0 || o >= offsets[i - 1]!)).toBe(true);
      expect(offsets.filter((o) => o > 0).length).toBeGreaterThanOrEqual(1);
      // Reads after the first started well into the stream (line 30 had been printed before the gate opened).
      const first20 = Buffer.byteLength(
        Array.from({ length: 20 }, (_, i) => `line ${i + 1} → ✓ token=***\n`).join(''),
      );
      expect(Math.max(...offsets)).toBeGreaterThanOrEqual(first20);
      // A step is read once it has started, never before (it waits for chatty), and not after it was read ended.
      const reads = proxy.paths.filter((p) => p.startsWith(`${api}/runs/${runId}/logs?`));
      const firstAfter = reads.findIndex((p) => p.includes('step=after'));
      expect(firstAfter).toBeGreaterThan(0);
      expect(reads.slice(firstAfter).filter((p) => p.includes('step=chatty'))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
