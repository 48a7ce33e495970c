import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../shared/config.js';
import { serverCommand } from './server-command.js';

/** An absolute folder name, only parsed and sent, never created or read. */
const artifactsDir = join(tmpdir(), 'bosun-artifacts-example');

function harness(env: NodeJS.ProcessEnv = {}) {
  const started: ServerConfig[] = [];
  const printed: string[] = [];
  const command = serverCommand({
    start: async (config) => {
      started.push(config);
      return { address: `http://${config.host}:${config.port}` };
    },
    env,
    print: (line) => printed.push(line),
  });
  command.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return { command, started, printed };
}

describe('bosun server', () => {
  it('takes the resource classes file from --resource-classes, else BOSUN_RESOURCE_CLASSES_FILE', async () => {
    const flagged = harness({ BOSUN_RESOURCE_CLASSES_FILE: join(tmpdir(), 'env.yaml') });
    await flagged.command.parseAsync(['--resource-classes', join(tmpdir(), 'flag.yaml')], { from: 'user' });
    expect(flagged.started[0]?.resourceClassesFile).toBe(join(tmpdir(), 'flag.yaml'));
    const fromEnv = harness({ BOSUN_RESOURCE_CLASSES_FILE: join(tmpdir(), 'env.yaml') });
    await fromEnv.command.parseAsync([], { from: 'user' });
    expect(fromEnv.started[0]?.resourceClassesFile).toBe(join(tmpdir(), 'env.yaml'));
    const none = harness();
    await none.command.parseAsync([], { from: 'user' });
    expect(none.started[0]?.resourceClassesFile).toBeUndefined();
  });

  it("maps MLflow's flag names onto the server config and prints the address", async () => {
    const { command, started, printed } = harness();
    await command.parseAsync(
      [
        '--host',
        '0.0.0.0',
        '-p',
        '5055',
        '--backend-store-uri',
        'sqlite:///x.db',
        '--artifacts-destination',
        artifactsDir,
        '--default-artifact-root',
        'mlflow-artifacts:/',
        '--no-serve-artifacts',
        '--sqlite-synchronous',
        'full',
        '--log-level',
        'warn',
      ],
      { from: 'user' },
    );
    expect(started).toEqual([
      expect.objectContaining({
        host: '0.0.0.0',
        port: 5055,
        backendStoreUri: 'sqlite:///x.db',
        artifactsDestination: artifactsDir,
        defaultArtifactRoot: 'mlflow-artifacts:/',
        serveArtifacts: false,
        sqliteSynchronous: 'FULL',
        logLevel: 'warn',
      }),
    ]);
    expect(printed).toEqual(['Bosun listening on http://0.0.0.0:5055']);
  });

  it('lets flags win over the environment, which wins over defaults', async () => {
    const { command, started } = harness({ BOSUN_PORT: '6000', BOSUN_HOST: '10.0.0.1' });
    await command.parseAsync(['--port', '7000'], { from: 'user' });
    expect(started[0]).toMatchObject({ port: 7000, host: '10.0.0.1', serveArtifacts: true });
  });

  it('rejects a bad port with exit code 2 and starts nothing', async () => {
    const { command, started } = harness();
    await expect(command.parseAsync(['--port', 'eighty'], { from: 'user' })).rejects.toMatchObject({
      exitCode: 2,
    });
    expect(started).toEqual([]);
  });
});
