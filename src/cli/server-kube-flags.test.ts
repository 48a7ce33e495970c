import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../shared/config.js';
import { serverCommand } from './server-command.js';

function harness(env: NodeJS.ProcessEnv = {}) {
  const started: ServerConfig[] = [];
  const errors: string[] = [];
  const command = serverCommand({
    start: (config) => {
      started.push(config);
      return Promise.resolve({ address: `http://${config.host}:${config.port}` });
    },
    env,
    print: () => undefined,
  });
  command.exitOverride().configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} });
  return { command, started, errors };
}

describe('bosun server --pipeline-executor kubernetes', () => {
  it('reads --kube-pending-timeout (BOSUN_KUBE_PENDING_TIMEOUT)', async () => {
    const { command, started } = harness();
    await command.parseAsync(['--pipeline-executor', 'kubernetes', '--kube-pending-timeout', '15m'], {
      from: 'user',
    });
    expect(started[0]?.kubernetes?.pendingTimeoutMs).toBe(900_000);
  });

  it('reads the --kube-* flags (volumes repeatable), each falling back to its BOSUN_KUBE_* variable', async () => {
    const { command, started } = harness({
      BOSUN_KUBE_IMAGE: 'env/image:1',
      BOSUN_KUBE_NAMESPACE: 'from-env',
    });
    await command.parseAsync(
      [
        '--pipeline-executor',
        'kubernetes',
        '--kube-namespace',
        'ml',
        '--kube-tracking-uri',
        'http://bosun.ml.svc:5000',
        '--kube-volume',
        'bosun-data:/data',
        '--kube-volume',
        'models:/models',
        '--kube-spot-toleration',
        'cloud.google.com/gke-spot=true:NoSchedule',
      ],
      { from: 'user' },
    );
    expect(started[0]?.pipelineExecutor).toBe('kubernetes');
    expect(started[0]?.kubernetes).toEqual({
      namespace: 'ml',
      image: 'env/image:1',
      trackingUri: 'http://bosun.ml.svc:5000',
      volumes: [
        { claimName: 'bosun-data', mountPath: '/data' },
        { claimName: 'models', mountPath: '/models' },
      ],
      spotToleration: {
        key: 'cloud.google.com/gke-spot',
        operator: 'Equal',
        value: 'true',
        effect: 'NoSchedule',
      },
    });

    const fromEnv = harness({
      BOSUN_PIPELINE_EXECUTOR: 'kubernetes',
      BOSUN_KUBE_VOLUMES: 'a:/a, b:/b',
      BOSUN_KUBE_SPOT_TOLERATION: 'spot:NoExecute',
    });
    await fromEnv.command.parseAsync([], { from: 'user' });
    expect(fromEnv.started[0]?.kubernetes).toEqual({
      volumes: [
        { claimName: 'a', mountPath: '/a' },
        { claimName: 'b', mountPath: '/b' },
      ],
      spotToleration: { key: 'spot', operator: 'Exists', effect: 'NoExecute' },
    });
  });

  it.each([
    [
      ['--pipeline-executor', 'kubernetes', '--kube-namespace', 'Not_A_Namespace'],
      /Invalid --kube-namespace/,
    ],
    [
      ['--pipeline-executor', 'kubernetes', '--kube-volume', 'data'],
      /Invalid --kube-volume 'data': expected CLAIM:\/absolute\/path/,
    ],
    [['--pipeline-executor', 'kubernetes', '--kube-volume', 'data:relative'], /Invalid --kube-volume/],
    [
      ['--pipeline-executor', 'kubernetes', '--kube-spot-toleration', 'spot:Sometimes'],
      /Invalid --kube-spot-toleration.*NoSchedule/,
    ],
    [
      ['--pipeline-executor', 'kubernetes', '--kube-tracking-uri', 'bosun:5000'],
      /Invalid --kube-tracking-uri/,
    ],
    [
      ['--kube-image', 'python:3.12'],
      /--kube-\* settings .* not kubernetes: add --pipeline-executor kubernetes/,
    ],
    [['--pipeline-executor', 'kubernets'], /expected local, workers or kubernetes/],
    [
      ['--pipeline-executor', 'kubernetes', '--kube-pending-timeout', 'forever'],
      /Invalid --kube-pending-timeout 'forever'/,
    ],
  ])('refuses %j, naming the problem', async (argv, message) => {
    const { command, started, errors } = harness();
    await expect(command.parseAsync(argv, { from: 'user' })).rejects.toThrow();
    expect(started).toEqual([]);
    expect(errors.join('')).toMatch(message);
  });
});
