import type { AttemptResult, Attempt } from '../executor/step-launcher.js';
import type { CodeBundleRef } from './code-shipping.js';

/** What the server sends a worker for one attempt: the attempt (without its callback) and how to run it. */
export interface WorkerJob {
  v: 1;
  attempt: Omit<Attempt, 'onStarted'>;
  /** The interpreter the server would use; a worker's `--python` wins. */
  python: string;
  /** The server has auth on: the step gets a scoped MLFLOW_TRACKING_TOKEN (issued by the worker, in the database). */
  stepTokens: boolean;
  /**
   * The pipeline run's code, shipped (`--worker-code bundle`, the default): the worker runs the attempt in its
   * unpacked copy instead of `attempt.codeDir`. Absent with `--worker-code shared` (the code is at the same path on
   * every worker).
   */
  codeBundle?: CodeBundleRef;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a job's data as a worker fetched it (written by a server of another version, perhaps). */
export function parseWorkerJob(data: unknown): WorkerJob | string {
  if (!isObject(data) || data['v'] !== 1)
    return 'the job is not a Bosun step attempt of a version this worker knows';
  const a = data['attempt'];
  if (!isObject(a)) return 'the job has no attempt';
  for (const key of [
    'stepRunId',
    'step',
    'codeDir',
    'experimentId',
    'parentRunId',
    'pipelineName',
    'createdBy',
  ])
    if (typeof a[key] !== 'string') return `the job's attempt has no ${key}`;
  for (const key of ['itemIndex', 'attempt'])
    if (typeof a[key] !== 'number') return `the job's attempt has no ${key}`;
  if (!isObject(a['spec']) || !isObject(a['inputs']) || !isObject(a['code']))
    return "the job's attempt has no spec, inputs or code";
  if (typeof data['python'] !== 'string' || typeof data['stepTokens'] !== 'boolean')
    return 'the job has no python or stepTokens';
  const bundle = data['codeBundle'];
  if (
    bundle !== undefined &&
    (!isObject(bundle) ||
      typeof bundle['digest'] !== 'string' ||
      !/^[0-9a-f]{64}$/.test(bundle['digest']) ||
      typeof bundle['runArtifactUri'] !== 'string' ||
      typeof bundle['path'] !== 'string')
  )
    return "the job's code bundle is not a digest, run artifact URI and path";
  return data as unknown as WorkerJob;
}

/** Reads a result a worker stored; anything unreadable is a failure saying so. */
export function parseAttemptResult(text: string): AttemptResult {
  try {
    const v = JSON.parse(text) as unknown;
    if (isObject(v)) {
      switch (v['kind']) {
        case 'succeeded':
          if (isObject(v['outputs']) && typeof v['exitCode'] === 'number')
            return v as unknown as AttemptResult;
          break;
        case 'failed':
        case 'preempted':
          if (typeof v['reason'] === 'string') return v as unknown as AttemptResult;
          break;
        case 'killed':
          if (['cancelled', 'pipeline-timeout', 'lease-lost', 'shutdown'].includes(String(v['why'])))
            return v as unknown as AttemptResult;
          break;
      }
    }
  } catch {
    // fall through
  }
  return { kind: 'failed', reason: 'the worker stored a result this server cannot read' };
}
