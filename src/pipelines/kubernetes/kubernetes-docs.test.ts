import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildStepJob, buildStepSecret, type StepJobInput } from './job-manifest.js';
import { kubernetesExecutorRole } from './kube-rbac.js';

const docs = readFileSync(new URL('../../../docs/pipelines.md', import.meta.url), 'utf8');

/** The YAML block right after `<!-- generated: NAME -->` in docs/pipelines.md. */
function block(name: string): string {
  const marker = `<!-- generated: ${name} -->\n\`\`\`yaml\n`;
  const start = docs.indexOf(marker);
  expect(start, `docs/pipelines.md has the marker for ${name}`).toBeGreaterThan(-1);
  const from = start + marker.length;
  return docs.slice(from, docs.indexOf('```', from));
}

/** The attempt the docs show: the `train` step of the section's example, first attempt. */
const example: StepJobInput = {
  namespace: 'ml',
  name: 'bosun-6f1c0d2e9a7b4c58b3e1f0a2d4c6e8f0-1',
  pipelineRunId: '0b7e4a6c2d8f4e1a9c3b5d7f1e2a4c6b',
  pipelineName: 'train-classifier',
  step: 'train',
  itemIndex: -1,
  stepRunId: '6f1c0d2e9a7b4c58b3e1f0a2d4c6e8f0',
  attempt: 1,
  image: 'registry.example.com/ml/train:1.4',
  argv: [
    'python',
    'train.py',
    '--out',
    '/data/work/6f1c0d2e9a7b4c58b3e1f0a2d4c6e8f0/attempt-1/outputs/model',
  ],
  workingDir: '/data/code/train-classifier',
  env: {
    MLFLOW_TRACKING_URI: 'http://bosun.ml.svc:5000',
    MLFLOW_RUN_ID: 'a41f5c3e8b2d4f6a9e1c7b3d5f2a8c4e',
    MLFLOW_EXPERIMENT_ID: '3',
    BOSUN_PIPELINE_RUN_ID: '0b7e4a6c2d8f4e1a9c3b5d7f1e2a4c6b',
    BOSUN_PIPELINE_STEP: 'train',
    BOSUN_OUTPUTS_DIR: '/data/work/6f1c0d2e9a7b4c58b3e1f0a2d4c6e8f0/attempt-1/outputs',
    WANDB_API_KEY: 'never-shown',
    MLFLOW_TRACKING_TOKEN: 'never-shown-either',
  },
  secretEnv: ['WANDB_API_KEY', 'MLFLOW_TRACKING_TOKEN'],
  resources: { class: 'gpu.spot', cpu: 4, memory: '16Gi', gpu: 1 },
  placement: {
    nodeSelector: { 'cloud.google.com/gke-accelerator': 'nvidia-l4' },
    tolerations: [
      { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ],
  },
  activeDeadlineSeconds: 7200,
  ttlSecondsAfterFinished: 3600,
  volumes: [{ claimName: 'bosun-data', mountPath: '/data' }],
  serviceAccountName: undefined,
};

describe('docs/pipelines.md, Kubernetes executor', () => {
  it('shows the Job the backend builds for the example step', () => {
    expect(block('kubernetes-job')).toBe(stringify(buildStepJob(example)));
  });

  it('shows the Secret it builds (values as base64 placeholders of the example)', () => {
    const secret = buildStepSecret(
      example,
      { WANDB_API_KEY: '<value of team/wandb>', MLFLOW_TRACKING_TOKEN: '<the step token>' },
      { uid: '<the Job uid>' },
    );
    expect(block('kubernetes-secret')).toBe(stringify(secret));
  });

  it('shows the Role the executor needs', () => {
    expect(block('kubernetes-role')).toBe(stringify(kubernetesExecutorRole('ml')));
  });
});
