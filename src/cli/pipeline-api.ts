import { BosunClientError } from '../client/index.js';
import {
  approvalToWire,
  definitionToWire,
  pipelineRunToWire,
  planEntryToWire,
  stepLogToWire,
  stepRunToWire,
  type ExecutorEvent,
  type PipelineService,
} from '../pipelines/index.js';
import { loadClientConfig } from '../shared/index.js';
import type { CliIo } from './cli-context.js';

type Json = Record<string, unknown>;

/** Where to read a step's two log streams from (a previous answer's `stdout_next` and `stderr_next`). */
export interface LogOffsets {
  stdout: number;
  stderr: number;
}

/**
 * What `bosun pipeline run|runs|logs|cancel|resume|plan` do, over the server's database (runs driven by this
 * process) or over a server's HTTP API (runs driven by the server). Answers are the API's wire objects, so both
 * print the same `--json`.
 */
export interface PipelineApi {
  define(document: unknown, codeDir: string | undefined): Promise<Json>;
  definitionParams(name: string): Promise<Json>;
  start(
    name: string,
    params: Json,
    onEvent: (e: ExecutorEvent) => void,
  ): Promise<{ run: Json; done: () => Promise<unknown> }>;
  getRun(runId: string): Promise<Json>;
  listRuns(query: { pipeline?: string; status?: string; limit?: number }): Promise<Json[]>;
  /**
   * The steps' logs. With `offsets` (bytes), each stream answers only what follows them, with
   * `stdout_offset`/`stdout_next` (and the same for stderr) saying where it starts and where the next read does.
   */
  logs(runId: string, step?: string, item?: number, offsets?: LogOffsets): Promise<Json[]>;
  cancel(runId: string): Promise<Json>;
  resume(
    runId: string,
    onEvent: (e: ExecutorEvent) => void,
  ): Promise<{ run: Json; done: () => Promise<unknown> }>;
  plan(name: string, params: Json): Promise<Json[]>;
  /** Approval steps waiting for a decision, oldest first (of one pipeline when given). */
  approvals(query: { pipeline?: string; limit?: number }): Promise<Json[]>;
  /** A run's approval requests; a waiting one that names a model shows the candidate beside the champion. */
  runApprovals(runId: string): Promise<Json[]>;
  /** Approves or rejects a waiting approval step, with a comment (`user`: without auth, who decides). */
  decide(
    runId: string,
    step: string,
    decision: 'approve' | 'reject',
    input: { comment?: string; user?: string },
  ): Promise<Json>;
  /** Whether `start` and `resume` run the steps in this process (so the command waits for them). */
  readonly local: boolean;
}

/** The database form: this process drives what it starts (the CLI serves the tracking API to its steps). */
export function databasePipelineApi(pipelines: PipelineService, createdBy: string): PipelineApi {
  return {
    local: true,
    async define(document, codeDir) {
      const { definition, created } = await pipelines.define({
        document,
        ...(codeDir !== undefined ? { codeDir } : {}),
        createdBy,
      });
      return { pipeline: definitionToWire(definition), created };
    },
    async definitionParams(name) {
      const d = await pipelines.store.getDefinition(name);
      return ((d.spec as Json)['params'] as Json | undefined) ?? {};
    },
    async start(name, params, onEvent) {
      const { run, done } = await pipelines.start({ name, params, createdBy, onEvent });
      return { run: pipelineRunToWire(run), done: () => done };
    },
    async getRun(runId) {
      const d = await pipelines.getRun(runId);
      return {
        run: pipelineRunToWire(d.run),
        version: d.definition.version,
        steps: d.steps.map(stepRunToWire),
      };
    },
    async listRuns(query) {
      const runs = await pipelines.listRuns({
        ...(query.pipeline !== undefined ? { pipeline: query.pipeline } : {}),
        ...(query.status !== undefined ? { status: query.status as 'running' } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      });
      return runs.map(pipelineRunToWire);
    },
    async logs(runId, step, item, offsets) {
      const logs = await pipelines.logs(
        runId,
        { ...(step !== undefined ? { step } : {}), ...(item !== undefined ? { item } : {}) },
        offsets ?? {},
      );
      return logs.map(stepLogToWire);
    },
    async cancel(runId) {
      return pipelineRunToWire(await pipelines.cancel(runId));
    },
    async resume(runId, onEvent) {
      const { run, done } = await pipelines.resume(runId, onEvent);
      return { run: pipelineRunToWire(run), done: () => done };
    },
    async plan(name, params) {
      return (await pipelines.plan({ name, params })).map(planEntryToWire);
    },
    async approvals(query) {
      const pending = await pipelines.approvals.pending(query);
      return pending.map((p) => approvalToWire(p.approval, p.run.pipelineName) as unknown as Json);
    },
    async runApprovals(runId) {
      const run = await pipelines.store.getRun(runId);
      const out: Json[] = [];
      for (const approval of await pipelines.approvals.forRun(runId)) {
        const comparison =
          approval.status === 'waiting'
            ? await pipelines.approvals.compare(approval).catch(() => undefined)
            : undefined;
        out.push(approvalToWire(approval, run.pipelineName, comparison) as unknown as Json);
      }
      return out;
    },
    async decide(runId, step, decision, input) {
      const run = await pipelines.store.getRun(runId);
      const decided = await pipelines.approvals.decide(runId, step, decision, {
        user: input.user ?? createdBy,
        ...(input.comment !== undefined ? { comment: input.comment } : {}),
      });
      return approvalToWire(decided, run.pipelineName) as unknown as Json;
    },
  };
}

/** A JSON request to a server's pipelines API (`path` under /api/bosun/v1/pipelines); errors as BosunClientError. */
export type PipelineHttpCall = (method: string, path: string, body?: unknown) => Promise<Json>;

/** Requests to the pipelines API of the server `--tracking-uri` (or the client configuration) names, signed in as configured. */
export function pipelineHttpCall(options: { trackingUri?: string }, io: CliIo): PipelineHttpCall {
  const config = loadClientConfig({ trackingUri: options.trackingUri }, io.env);
  const base = `${config.trackingUri.replace(/\/+$/, '')}/api/bosun/v1/pipelines`;
  const headers: Record<string, string> = {};
  if (config.username !== undefined && config.password !== undefined) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
  } else if (config.token !== undefined) headers['authorization'] = `Bearer ${config.token}`;
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    let res: Response;
    try {
      res = await (io.fetch ?? fetch)(`${base}${path}`, {
        method,
        // A JSON content type only with a body: the server refuses an empty JSON body (cancel, resume).
        ...(body !== undefined
          ? { headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) }
          : { headers }),
      });
    } catch (err) {
      throw new BosunClientError(
        'TEMPORARILY_UNAVAILABLE',
        0,
        `Cannot reach ${config.trackingUri}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = {};
    }
    if (!res.ok) {
      throw new BosunClientError(
        String(json['error_code'] ?? 'INTERNAL_ERROR'),
        res.status,
        String(json['message'] ?? text),
      );
    }
    return json;
  };
  return call;
}

/** The HTTP form: the server drives the runs; the CLI polls. */
export function httpPipelineApi(options: { trackingUri?: string }, io: CliIo): PipelineApi {
  const call = pipelineHttpCall(options, io);
  const seg = encodeURIComponent;
  const poll = async (runId: string): Promise<unknown> => {
    for (;;) {
      const answer = await call('GET', `/runs/${seg(runId)}`);
      if ((answer['run'] as Json)['status'] !== 'running') return answer;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  return {
    local: false,
    define: (document, codeDir) =>
      call('POST', '/definitions', { document, ...(codeDir !== undefined ? { code_dir: codeDir } : {}) }),
    async definitionParams(name) {
      const answer = await call('GET', `/definitions/${seg(name)}`);
      return (((answer['pipeline'] as Json)['document'] as Json)['params'] as Json | undefined) ?? {};
    },
    async start(name, params) {
      const answer = await call('POST', '/runs', { pipeline: name, params });
      const run = answer['run'] as Json;
      return { run, done: () => poll(String(run['run_id'])) };
    },
    getRun: (runId) => call('GET', `/runs/${seg(runId)}`),
    async listRuns(query) {
      const q = new URLSearchParams();
      if (query.pipeline !== undefined) q.set('pipeline', query.pipeline);
      if (query.status !== undefined) q.set('status', query.status);
      if (query.limit !== undefined) q.set('max_results', String(query.limit));
      return (await call('GET', `/runs?${q.toString()}`))['runs'] as Json[];
    },
    async logs(runId, step, item, offsets) {
      const q = new URLSearchParams();
      if (step !== undefined) q.set('step', step);
      if (item !== undefined) q.set('item', String(item));
      if (offsets !== undefined) {
        q.set('stdout_offset', String(offsets.stdout));
        q.set('stderr_offset', String(offsets.stderr));
      }
      return (await call('GET', `/runs/${seg(runId)}/logs?${q.toString()}`))['logs'] as Json[];
    },
    async cancel(runId) {
      return (await call('POST', `/runs/${seg(runId)}/cancel`))['run'] as Json;
    },
    async resume(runId) {
      const run = (await call('POST', `/runs/${seg(runId)}/resume`))['run'] as Json;
      return { run, done: () => poll(runId) };
    },
    async plan(name, params) {
      return (await call('POST', '/plan', { pipeline: name, params }))['plan'] as Json[];
    },
    async approvals(query) {
      const q = new URLSearchParams();
      if (query.pipeline !== undefined) q.set('pipeline', query.pipeline);
      if (query.limit !== undefined) q.set('max_results', String(query.limit));
      return (await call('GET', `/approvals?${q.toString()}`))['approvals'] as Json[];
    },
    async runApprovals(runId) {
      return (await call('GET', `/runs/${seg(runId)}/approvals`))['approvals'] as Json[];
    },
    async decide(runId, step, decision, input) {
      const answer = await call('POST', `/runs/${seg(runId)}/approvals/${seg(step)}/${decision}`, {
        ...(input.comment !== undefined ? { comment: input.comment } : {}),
        ...(input.user !== undefined ? { user: input.user } : {}),
      });
      return answer['approval'] as Json;
    },
  };
}
