/**
 * The pipelines browser tests' fixture (issue 12 point 10): pipelines defined and run through Bosun's documented
 * pipelines API on the main fixture server (its local executor runs the steps as child processes, `sh` only):
 *
 * - `ui-e2e-train`: prepare → train (fan-out over two learning rates) → report, run twice with the same
 *   parameters: the first run succeeds, the second takes every step from the cache;
 * - `ui-e2e-broken`: check → fail (exits 3 after printing to stdout and stderr) → never (skipped): a failed run;
 * - `ui-e2e-sleepy`: one step that prints and sleeps, for the tests to start from the UI and cancel.
 */

/** What the pipelines tests read (`inject('e2ePipelines')`). */
export interface PipelineFixture {
  train: { name: string; firstRunId: string; cachedRunId: string; experimentId: string };
  broken: { name: string; runId: string };
  sleepy: { name: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2ePipelines: PipelineFixture;
  }
}

const train = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'ui-e2e-train',
  description: 'Prepares rows, trains once per learning rate, reports.',
  params: {
    rows: { type: 'int', min: 1, default: 3, description: 'rows to prepare' },
  },
  steps: {
    prepare: {
      command: [
        'sh',
        '-c',
        'echo "preparing $1 rows"; echo "$1" > "$2"',
        'sh',
        '{{inputs.rows}}',
        '{{outputs.count}}',
      ],
      inputs: { rows: { type: 'int', from: 'params.rows' } },
      outputs: { count: { type: 'int' } },
    },
    train: {
      for_each: { items: { value: [0.1, 0.01] } },
      command: [
        'sh',
        '-c',
        'echo "training on $2 rows with lr $1"; echo "lr $1: no GPU, using the CPU" >&2; echo 0.9 > "$3"',
        'sh',
        '{{inputs.lr}}',
        '{{inputs.count}}',
        '{{outputs.accuracy}}',
      ],
      inputs: {
        lr: { type: 'float', from: 'item' },
        count: { type: 'int', from: 'steps.prepare.outputs.count' },
      },
      outputs: { accuracy: { type: 'float' } },
    },
    report: {
      command: ['sh', '-c', 'echo "report of $1"', 'sh', '{{inputs.accuracies}}'],
      inputs: {
        accuracies: { type: 'list', items: { type: 'float' }, from: 'steps.train.outputs.accuracy' },
      },
    },
  },
};

const broken = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'ui-e2e-broken',
  steps: {
    check: { command: ['sh', '-c', 'echo "checking the data"'] },
    fail: {
      after: ['check'],
      command: ['sh', '-c', 'echo "loading rows"; echo "boom: column price is missing" >&2; exit 3'],
    },
    never: { after: ['fail'], command: ['sh', '-c', 'echo "never printed"'] },
  },
};

const sleepy = {
  apiVersion: 'bosun.dev/v1',
  kind: 'Pipeline',
  name: 'ui-e2e-sleepy',
  steps: {
    nap: {
      command: ['sh', '-c', 'echo "going to sleep"; sleep 600; echo "woke up"'],
      cache: { enabled: false },
    },
  },
};

type Json = Record<string, unknown>;

async function call(baseUrl: string, method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
  const res = await fetch(`${baseUrl}/api/bosun/v1/pipelines${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Starts a run and waits for it to end; answers its id, or fails naming the state it ended in. */
async function runToEnd(baseUrl: string, pipeline: string, expected: string): Promise<string> {
  const started = (await call(baseUrl, 'POST', '/runs', { pipeline })).run as Json;
  const runId = String(started.run_id);
  for (let i = 0; i < 1200; i++) {
    const { run, steps } = (await call(baseUrl, 'GET', `/runs/${runId}`)) as { run: Json; steps: Json[] };
    if (run.status !== 'running') {
      if (run.status !== expected) {
        throw new Error(
          `${pipeline} run ${runId} ended ${String(run.status)}: ${JSON.stringify({ run, steps })}`,
        );
      }
      return runId;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${pipeline} run ${runId} did not end`);
}

/**
 * Defines the three pipelines on the main fixture server and runs the first twice and the second once; on
 * failure stops that server (as global-setup would) and throws.
 */
export async function populatePipelines(main: {
  context: { baseUrl: string };
  stop: () => Promise<void>;
}): Promise<PipelineFixture> {
  const { baseUrl } = main.context;
  try {
    let experimentId = '';
    for (const document of [train, broken, sleepy]) {
      const answer = await call(baseUrl, 'POST', '/definitions', { document });
      if (document === train) experimentId = String((answer.pipeline as Json).experiment_id);
    }
    const firstRunId = await runToEnd(baseUrl, train.name, 'succeeded');
    const cachedRunId = await runToEnd(baseUrl, train.name, 'succeeded');
    const brokenRunId = await runToEnd(baseUrl, broken.name, 'failed');
    return {
      train: { name: train.name, firstRunId, cachedRunId, experimentId },
      broken: { name: broken.name, runId: brokenRunId },
      sleepy: { name: sleepy.name },
    };
  } catch (err) {
    await main.stop();
    throw err;
  }
}
