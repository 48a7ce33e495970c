import { Type } from '@sinclair/typebox';
import { WorkerStore, workerToWire } from '../../pipelines/index.js';
import { apiPaths, signedIn } from '../authz/policy-helpers.js';
import type { PolicyTable } from '../authz/policy-types.js';
import type { RoutePlugin } from '../route-plugin.js';

const path = `${apiPaths.native}/pipelines/workers`;

const WorkerOut = Type.Object({
  name: Type.String({ description: 'as given with `bosun worker --name` (default: its host name)' }),
  worker_id: Type.String({ description: 'unique per worker process' }),
  host: Type.String(),
  pid: Type.Integer(),
  labels: Type.Object({
    cpu: Type.Number(),
    memory_bytes: Type.Number(),
    gpu: Type.Integer(),
    spot: Type.Boolean(),
  }),
  labels_text: Type.String({ description: 'cpu=8,memory=32Gi,gpu=1,spot=false' }),
  concurrency: Type.Integer({ description: 'steps it runs at once' }),
  running: Type.Integer({ description: 'steps running at its last heartbeat' }),
  state: Type.String({ enum: ['active', 'draining', 'stopped'] }),
  alive: Type.Boolean({
    description: 'heartbeat within the timeout (a silent worker has its steps handed back)',
  }),
  started_at: Type.Integer({ description: 'ms since the epoch' }),
  last_heartbeat: Type.Integer({ description: 'ms since the epoch' }),
});

/** Anyone who may read may list the workers (no secrets: names, labels, load). */
export const pipelineWorkerPolicies: PolicyTable = {
  [`GET ${path}`]: signedIn,
};

/**
 * `GET /api/bosun/v1/pipelines/workers`: the `bosun worker` processes of this database (running, draining, or
 * stopped within the last hour) and the server's executor (`local` or `workers`).
 */
export const pipelineWorkerRoutes: RoutePlugin = {
  name: 'pipeline-workers',
  policies: pipelineWorkerPolicies,
  register(app, services) {
    const store = new WorkerStore(services.database);
    app.get(
      path,
      {
        schema: {
          tags: ['pipelines'],
          summary: 'The pipeline workers (bosun worker) and the executor steps run on',
          response: {
            200: Type.Object({
              executor: Type.String({ description: 'where steps run: local, workers, ...' }),
              workers: Type.Array(WorkerOut),
            }),
          },
        },
      },
      async () => {
        const now = Date.now();
        const workers = await store.listWorkers(now - 3600_000);
        return {
          executor: services.config.pipelineExecutor ?? 'local',
          workers: workers.map((w) => workerToWire(w, now)),
        };
      },
    );
  },
};
