import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../db/test-support/test-databases.js';
import { SecretStore } from '../../security/secrets/index.js';
import { MasterKey } from '../../shared/index.js';
import { startPipelineHarness, type PipelineHarness } from '../test-support/executor-harness.js';
import { auditedStepSecrets } from './step-secrets.js';

const TOKEN = 'tok3n/with+special chars&é"\\~?';
const CERT = '-----BEGIN TEST-----\nline-two-of-the-cert\n-----END TEST-----';

/** Every form of TOKEN the stored logs must not contain. */
function forms(value: string): string[] {
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  const url = b64.replace(/\+/g, '-').replace(/\//g, '_');
  const uri = encodeURIComponent(value);
  return [
    value,
    b64,
    b64.replace(/=+$/, ''),
    url,
    url.replace(/=+$/, ''),
    uri,
    uri.replace(/%20/g, '+'),
    JSON.stringify(value).slice(1, -1),
  ];
}

// Prints every form of $API_TOKEN (and a line of $CERT) to both streams, each split in two writes a tick apart.
const LEAKY = `
const token = process.env.API_TOKEN, cert = process.env.CERT;
const b64 = Buffer.from(token).toString('base64');
const url = b64.replace(/\\+/g, '-').replace(/\\//g, '_');
const uri = encodeURIComponent(token);
const forms = [token, b64, b64.replace(/=+$/, ''), url, url.replace(/=+$/, ''), uri, uri.replace(/%20/g, '+'),
  JSON.stringify(token).slice(1, -1), JSON.stringify({ token }), cert.split('\\n')[1], cert];
const lines = forms.map((f, i) => 'form ' + i + ': ' + f + ' end\\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (const line of lines) {
    for (const stream of [process.stdout, process.stderr]) {
      const half = Math.floor(line.length / 2);
      await new Promise((r) => stream.write(line.slice(0, half), r));
      await sleep(5);
      await new Promise((r) => stream.write(line.slice(half), r));
    }
  }
  process.stdout.write(process.argv.slice(1).join(' ').includes(token) ? 'token in argv\\n' : 'argv clean\\n');
})();
`;

describe.each(testEngines)('step secrets on %s', (engine) => {
  let h: PipelineHarness;
  let store: SecretStore;
  beforeAll(async () => {
    h = await startPipelineHarness(engine);
    store = await SecretStore.open(h.platform.database, MasterKey.generate());
    await store.put('team/token', TOKEN);
    await store.put('team/cert', CERT);
    await store.put('team/short', 'abc');
  });
  afterAll(async () => h.close());

  const service = () =>
    h.service({
      secrets: auditedStepSecrets(store, (record) =>
        h.platform.auditLog.append(h.platform.database.db, record),
      ),
    });

  it('passes declared secrets only to the declaring step, masked in every stored log, reads audited', async () => {
    const pipelines = service();
    const defined = await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'secrets',
        steps: {
          leaky: {
            command: [process.execPath, '-e', LEAKY],
            secrets: { API_TOKEN: 'team/token', CERT: 'team/cert' },
          },
          other: {
            command: [
              process.execPath,
              '-e',
              'console.log(process.env.API_TOKEN ?? "unset", process.env.CERT ?? "unset")',
            ],
            after: ['leaky'],
          },
        },
      },
      createdBy: 'alice',
    });
    const definition = JSON.stringify(defined);
    expect(definition).not.toContain('tok3n');
    const { run, done } = await pipelines.start({ name: 'secrets', params: {}, createdBy: 'alice' });
    expect(await done).toBe('succeeded');

    const [leaky] = await pipelines.logs(run.runId, { step: 'leaky' });
    for (const text of [leaky!.stdout, leaky!.stderr]) {
      expect(text).toContain('form 0: *** end\n');
      expect(text.match(/form \d+: \*\*\* end\n/g)).toHaveLength(10); // every form but the whole JSON object
      expect(text).toContain('form 8: {"token":"***"} end\n');
      for (const f of [...forms(TOKEN), 'line-two-of-the-cert', '-----BEGIN TEST-----'])
        expect(text).not.toContain(f);
    }
    expect(leaky!.stdout).toContain('argv clean\n');
    const [other] = await pipelines.logs(run.runId, { step: 'other' });
    expect(other!.stdout).toBe('unset unset\n');

    const audit = await h.platform.auditLog.list(h.platform.database.db, { action: 'pipeline.secret.read' });
    const mine = audit.items.filter((e) => e.actor === `pipeline-run:${run.runId}`);
    expect(mine.map((e) => e.resource.id).sort()).toEqual(['team/cert', 'team/token']);
    expect(JSON.stringify(mine)).not.toContain('tok3n');
    expect(JSON.stringify(mine)).toContain('leaky');
  });

  it('fails a step whose secret is too short to mask, or missing, with a clear reason', async () => {
    const pipelines = service();
    for (const [name, path, reason] of [
      [
        'short',
        'team/short',
        /secret 'team\/short' \(for TOKEN\) could not be used: .*shorter than 4 characters/,
      ],
      ['missing', 'team/nope', /secret 'team\/nope' \(for TOKEN\) could not be used: .*does not exist/],
    ] as const) {
      await pipelines.define({
        document: {
          apiVersion: 'bosun.dev/v1',
          kind: 'Pipeline',
          name,
          steps: { s: { command: [process.execPath, '-e', ''], secrets: { TOKEN: path } } },
        },
        createdBy: 'alice',
      });
      const { run, done } = await pipelines.start({ name, params: {}, createdBy: 'alice' });
      expect(await done).toBe('failed');
      const details = await pipelines.getRun(run.runId);
      expect(details.steps[0]!.reason).toMatch(reason);
      expect(details.steps[0]!.reason).not.toContain('abc');
    }
  });

  it('fails a step that declares secrets when the server has no secret store', async () => {
    const pipelines = h.service();
    await pipelines.define({
      document: {
        apiVersion: 'bosun.dev/v1',
        kind: 'Pipeline',
        name: 'nostore',
        steps: { s: { command: [process.execPath, '-e', ''], secrets: { TOKEN: 'team/token' } } },
      },
      createdBy: 'alice',
    });
    const { run, done } = await pipelines.start({ name: 'nostore', params: {}, createdBy: 'alice' });
    expect(await done).toBe('failed');
    expect((await pipelines.getRun(run.runId)).steps[0]!.reason).toMatch(/no secret store/);
  });
});
