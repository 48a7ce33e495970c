import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ArtifactRoots } from '../../artifacts/index.js';
import type { DatabaseHandle } from '../../db/index.js';
import { InvalidParameterError, NotFoundError } from '../../shared/index.js';
import type { TrackingService } from '../../tracking/index.js';
import { formatDiagnostic, validatePipeline, type PipelineGraph, type PipelineSpec } from '../spec/index.js';
import { PipelineStore } from '../store/pipeline-store.js';
import type { PipelineDefinition, PipelineRun, StepRun } from '../store/pipeline-store-types.js';
import type { RunStatus } from '../store/step-state.js';
import { ArtifactIo } from '../executor/artifact-io.js';
import { canonicalJson, sha256 } from '../executor/digests.js';
import {
  systemExecutorClock,
  type ExecutorClock,
  type ExecutorDeps,
  type ExecutorEvent,
} from '../executor/executor-deps.js';
import type { StepSecrets } from '../executor/step-secrets.js';
import { PipFreezeCache } from '../executor/reproducibility.js';
import { StepVenvs } from '../executor/step-venv.js';
import { RunDriver } from '../executor/run-driver.js';
import { Slots } from '../executor/slots.js';
import type { StepBackend } from '../executor/step-backend.js';
import { resolveParams } from '../executor/run-values.js';
import { planRun, type PlanEntry } from './plan.js';
import { emptyLogChunk } from './log-chunk.js';
import { readLiveLog, readStoredLogs, type LogOffsets } from './step-log-reads.js';
import { stepLog, type StepLog } from './step-log.js';
import type { StepTokenIssuer } from '../step-token/index.js';
import { PipelineApprovalStore } from '../store/approval-store.js';
import { PipelineApprovals, type ModelApprovals } from '../approvals/index.js';
import { checkResourceClasses, ResourceClasses } from '../resources/index.js';
import { PipelineCosts } from '../cost/cost-service.js';
import type { RunAttachment } from '../triggers/trigger-types.js';

/** How the service is built (the platform passes the first four; tests may set the rest). */
export interface PipelineServiceOptions {
  handle: Pick<DatabaseHandle, 'db'>;
  tracking: TrackingService;
  artifactRoots: ArtifactRoots;
  /** The folder script paths resolve against when a definition names none (the server's working folder). */
  defaultCodeDir: string;
  /** The environment steps start from (see `stepBaseEnvironment`). */
  baseEnv: Record<string, string>;
  /** Where steps' declared secrets are read (audited); without it a step that declares secrets fails. */
  secrets?: StepSecrets;
  /** With auth on: gives each step process a scoped, short-lived MLFLOW_TRACKING_TOKEN (see StepTokenService). */
  stepTokens?: StepTokenIssuer;
  /** The registry's approvals and metrics, for approval steps that name a model (see `registryModelApprovals`). */
  modelApprovals?: ModelApprovals;
  python?: string;
  workRoot?: string;
  /** Where the virtual environments of steps with requirements are built (default: `<workRoot>/envs`). */
  envRoot?: string;
  clock?: ExecutorClock;
  random?: () => number;
  leaseMs?: number;
  heartbeatMs?: number;
  maxParallel?: number;
  owner?: string;
  host?: string;
  /** Where step attempts run (default: child processes of this process, `localStepBackend`). */
  backend?: StepBackend;
  /** The server's resource classes (`--resource-classes FILE`); none by default, so naming a class is refused. */
  resourceClasses?: ResourceClasses;
  /**
   * Measure each step's CPU time and peak memory (default true): the step runs under a small Python wrapper,
   * one interpreter start per attempt (docs/pipelines.md "Costs"). Wall time and cost are recorded either way.
   */
  measureUsage?: boolean;
}

/** A pipeline run with its step runs. */
export interface RunDetails {
  run: PipelineRun;
  definition: { name: string; version: number };
  steps: StepRun[];
}

/** Checks a document for running: valid (every step kind, approvals included, runs here). */
export function checkRunnable(document: unknown): { spec: PipelineSpec; graph: PipelineGraph } {
  const result = validatePipeline(document);
  if (!result.ok) {
    const lines = result.diagnostics.slice(0, 20).map((d) => formatDiagnostic(d, 'pipeline'));
    throw new InvalidParameterError(`The pipeline is not valid:\n${lines.join('\n')}`);
  }
  return { spec: result.spec, graph: result.graph };
}

/**
 * Pipelines as a service: versioned definitions, runs driven by the local executor (every step a child process
 * of this one and an MLflow run nested in the pipeline's), cancellation, resume, logs, plans, and recovery of
 * runs a lost process left behind. The server, the CLI and tests build one per process over the platform's
 * database, tracking service and artifact roots.
 *
 * @example
 * const pipelines = new PipelineService({ handle, tracking, artifactRoots, defaultCodeDir: process.cwd(), baseEnv });
 * pipelines.serveAt('http://127.0.0.1:5000');
 * const { run, done } = await pipelines.start({ name: 'train', params: {}, createdBy: 'alice' });
 */
export class PipelineService {
  readonly store: PipelineStore;
  /** The server's resource classes: what a step's class costs and where it is placed. */
  readonly resourceClasses: ResourceClasses;
  /** Cost roll-ups per pipeline run, pipeline and model version. */
  readonly costs: PipelineCosts;
  /** Approval steps: waiting requests, decisions, the candidate beside the champion. */
  readonly approvals: PipelineApprovals;
  readonly #deps: ExecutorDeps;
  readonly #slots: Slots;
  readonly #drivers = new Map<
    string,
    { driver: RunDriver | undefined; done: Promise<RunStatus | undefined> }
  >();
  readonly #listeners = new Map<string, Set<(event: ExecutorEvent) => void>>();
  #trackingUri: string | undefined;
  #recovery: NodeJS.Timeout | undefined;

  constructor(private readonly options: PipelineServiceOptions) {
    this.store = new PipelineStore(options.handle);
    this.resourceClasses = options.resourceClasses ?? ResourceClasses.none;
    this.costs = new PipelineCosts(options.handle, this.store, options.tracking);
    const approvalStore = new PipelineApprovalStore(options.handle);
    const host = options.host ?? hostname();
    this.#deps = {
      store: this.store,
      tracking: options.tracking,
      artifacts: new ArtifactIo(options.artifactRoots),
      trackingUri: () => this.#trackingUri,
      owner: options.owner ?? `${host}:${process.pid}:${randomBytes(4).toString('hex')}`,
      host,
      workRoot: options.workRoot ?? join(tmpdir(), 'bosun-pipelines'),
      python: options.python ?? 'python3',
      baseEnv: options.baseEnv,
      ...(options.secrets !== undefined ? { secrets: options.secrets } : {}),
      ...(options.stepTokens !== undefined ? { stepTokens: options.stepTokens } : {}),
      clock: options.clock ?? systemExecutorClock,
      approvals: approvalStore,
      ...(options.modelApprovals !== undefined ? { modelApprovals: options.modelApprovals } : {}),
      ...(options.backend !== undefined ? { backend: options.backend } : {}),
      resourceClasses: this.resourceClasses,
      costs: this.costs.store,
      ...(options.measureUsage === false ? { measureUsage: false } : {}),
      random: options.random ?? Math.random,
      leaseMs: options.leaseMs ?? 30_000,
      heartbeatMs: options.heartbeatMs ?? 10_000,
      maxParallel: options.maxParallel ?? 16,
      pipFreeze: new PipFreezeCache(),
      venvs: new StepVenvs(
        options.envRoot ?? join(options.workRoot ?? join(tmpdir(), 'bosun-pipelines'), 'envs'),
      ),
      onEvent: (event) => {
        for (const listener of this.#listeners.get(event.runId) ?? []) listener(event);
      },
    };
    this.#slots = new Slots(this.#deps.maxParallel);
    this.approvals = new PipelineApprovals({
      store: this.store,
      approvals: approvalStore,
      modelApprovals: options.modelApprovals,
      now: () => this.#deps.clock.now(),
      nudge: (runId) => this.#drivers.get(runId)?.driver?.nudge(),
    });
  }

  /** Who holds this process's leases. */
  get owner(): string {
    return this.#deps.owner;
  }

  /** The URL step processes log to: the server's own (set once it listens). */
  serveAt(trackingUri: string): void {
    this.#trackingUri = trackingUri;
  }

  /** Follows the step and run events of a run driven in this process; returns the unsubscribe function. */
  watch(runId: string, listener: (event: ExecutorEvent) => void): () => void {
    const set = this.#listeners.get(runId) ?? new Set();
    set.add(listener);
    this.#listeners.set(runId, set);
    return () => set.delete(listener);
  }

  private async experimentFor(name: string): Promise<string> {
    try {
      return (await this.options.tracking.getExperimentByName(name)).experimentId;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      try {
        return await this.options.tracking.createExperiment({
          name,
          tags: [{ key: 'bosun.pipeline', value: name }],
        });
      } catch {
        return (await this.options.tracking.getExperimentByName(name)).experimentId;
      }
    }
  }

  /** Stores a document as a new version of its pipeline (the same document keeps its version). */
  async define(input: {
    document: unknown;
    codeDir?: string;
    createdBy: string;
  }): Promise<{ definition: PipelineDefinition; created: boolean }> {
    const { spec } = checkRunnable(input.document);
    const experimentId = await this.experimentFor(spec.name);
    return this.store.define({
      name: spec.name,
      spec,
      digest: sha256(canonicalJson(spec)),
      codeDir: input.codeDir,
      experimentId,
      createdBy: input.createdBy,
      now: this.#deps.clock.now(),
    });
  }

  /** Starts a run of a defined pipeline; `done` settles when this process stops driving it. */
  async start(input: {
    name: string;
    version?: number;
    params: Record<string, unknown>;
    createdBy: string;
    onEvent?: (event: ExecutorEvent) => void;
    /** Tags and artifact files stored on the run before any step starts (what a trigger attaches). */
    attach?: RunAttachment;
  }): Promise<{ run: PipelineRun; done: Promise<RunStatus | undefined> }> {
    if (this.#trackingUri === undefined) {
      throw new InvalidParameterError(
        'Pipelines run only in a process that serves the tracking API (bosun server)',
      );
    }
    const definition = await this.store.getDefinition(input.name, input.version);
    const { spec } = checkRunnable(definition.spec);
    checkResourceClasses(spec, this.resourceClasses);
    const params = resolveParams(spec, input.params);
    const codeDir = definition.codeDir ?? this.options.defaultCodeDir;
    const now = this.#deps.clock.now();
    const parent = await this.options.tracking.createRun({
      experimentId: definition.experimentId,
      runName: `${spec.name}-v${definition.version}`,
      startTime: now,
      userId: input.createdBy,
      tags: [
        { key: 'bosun.pipeline.name', value: spec.name },
        { key: 'bosun.pipeline.version', value: String(definition.version) },
        { key: 'bosun.pipeline.digest', value: definition.digest },
        { key: 'mlflow.source.type', value: 'JOB' },
      ],
    });
    const runId = parent.info.runId;
    await this.options.tracking.logBatch(runId, {
      params: Object.entries(params).map(([key, value]) => ({
        key,
        value: typeof value === 'string' ? value : JSON.stringify(value),
      })),
    });
    if (input.attach !== undefined) await this.attach(runId, parent.info.artifactUri, input.attach);
    const run = await this.store.createRun(
      {
        runId,
        definitionId: definition.definitionId,
        pipelineName: spec.name,
        experimentId: definition.experimentId,
        params,
        codeDir,
        createdBy: input.createdBy,
      },
      this.#deps.owner,
      now + this.#deps.leaseMs,
      now,
    );
    if (input.onEvent !== undefined) this.watch(runId, input.onEvent);
    return { run, done: this.drive(run) };
  }

  /**
   * Stores a trigger's attachment on a new run, before its pipeline run exists (so no step, here or on another
   * server, can start before it): files first, then tags (the digest tags say the files are there). A file that
   * cannot be stored is recorded as `bosun.trigger.error` and the run goes on without it.
   */
  private async attach(runId: string, artifactUri: string, attachment: RunAttachment): Promise<void> {
    let tags = attachment.tags;
    try {
      for (const file of attachment.files) {
        await this.#deps.artifacts.uploadText(file.content, artifactUri, file.path);
      }
    } catch (err) {
      const reason = `the trigger's artifacts could not be stored: ${err instanceof Error ? err.message : String(err)}`;
      tags = [
        ...tags.filter((t) => !t.key.startsWith('bosun.trigger.artifact.')),
        { key: 'bosun.trigger.error', value: reason.slice(0, 1000) },
      ];
    }
    if (tags.length > 0) await this.options.tracking.logBatch(runId, { tags: [...tags] });
  }

  private drive(run: PipelineRun): Promise<RunStatus | undefined> {
    const existing = this.#drivers.get(run.runId);
    if (existing !== undefined) return existing.done;
    const entry: { driver: RunDriver | undefined; done: Promise<RunStatus | undefined> } = {
      driver: undefined,
      done: Promise.resolve(undefined),
    };
    entry.done = (async () => {
      const definition = await this.store.getDefinitionById(run.definitionId);
      const { spec, graph } = checkRunnable(definition.spec);
      const driver = new RunDriver(this.#deps, run, spec, graph, this.#slots);
      entry.driver = driver;
      return driver.drive();
    })().finally(() => {
      this.#drivers.delete(run.runId);
      this.#listeners.delete(run.runId);
    });
    this.#drivers.set(run.runId, entry);
    return entry.done;
  }

  /** A run and its step runs. */
  async getRun(runId: string): Promise<RunDetails> {
    const run = await this.store.getRun(runId);
    const definition = await this.store.getDefinitionById(run.definitionId);
    // In document order (steps, then exit handlers), items in order.
    const spec = definition.spec as Partial<PipelineSpec>;
    const names = [...Object.keys(spec.steps ?? {}), ...Object.keys(spec.on_exit ?? {})];
    const steps = (await this.store.listSteps(runId)).sort(
      (a, b) => names.indexOf(a.step) - names.indexOf(b.step) || a.itemIndex - b.itemIndex,
    );
    return { run, definition: { name: definition.name, version: definition.version }, steps };
  }

  listRuns(query: { pipeline?: string; status?: RunStatus; limit?: number }): Promise<PipelineRun[]> {
    return this.store.listRuns(query);
  }

  /**
   * Cancels a run: at once when this process drives it, otherwise through the database (the driving process sees
   * it at its next heartbeat). InvalidStateError when it has ended.
   */
  async cancel(runId: string): Promise<PipelineRun> {
    const run = await this.store.requestCancel(runId);
    this.#drivers.get(runId)?.driver?.abort('cancelled', 'cancelled on request');
    return run;
  }

  /** Resumes a failed or cancelled run from its failed steps; what succeeded is kept. */
  async resume(
    runId: string,
    onEvent?: (event: ExecutorEvent) => void,
  ): Promise<{ run: PipelineRun; done: Promise<RunStatus | undefined> }> {
    if (this.#trackingUri === undefined) {
      throw new InvalidParameterError(
        'Pipelines run only in a process that serves the tracking API (bosun server)',
      );
    }
    const current = await this.store.getRun(runId);
    checkResourceClasses(
      checkRunnable((await this.store.getDefinitionById(current.definitionId)).spec).spec,
      this.resourceClasses,
    );
    const now = this.#deps.clock.now();
    await this.store.reopenRun(runId, this.#deps.owner, now + this.#deps.leaseMs, now);
    await this.options.tracking.updateRun({ runId, status: 'RUNNING' });
    const run = await this.store.getRun(runId);
    if (onEvent !== undefined) this.watch(runId, onEvent);
    return { run, done: this.drive(run) };
  }

  /**
   * Takes over running runs nobody drives (their process died: the lease expired) and drives them here; their
   * lost steps are retried under their preemption budget or fail with the reason. Returns the runs taken.
   */
  async recover(): Promise<string[]> {
    if (this.#trackingUri === undefined) return [];
    const now = this.#deps.clock.now();
    const taken: string[] = [];
    for (const run of await this.store.orphanedRuns(now)) {
      if (this.#drivers.has(run.runId)) continue;
      if (!(await this.store.claimRun(run.runId, this.#deps.owner, now + this.#deps.leaseMs, now))) continue;
      taken.push(run.runId);
      void this.drive(await this.store.getRun(run.runId)).catch(() => undefined);
    }
    return taken;
  }

  /** Runs `recover` now and every `intervalMs` (default: the lease time) until `shutdown`. */
  startRecovery(intervalMs = this.#deps.leaseMs, onError: (err: unknown) => void = () => undefined): void {
    if (this.#recovery !== undefined) return;
    const tick = () => void this.recover().catch(onError);
    tick();
    this.#recovery = setInterval(tick, intervalMs);
    this.#recovery.unref();
  }

  /** The run's driver in this process finishing (undefined when it is not driven here). */
  done(runId: string): Promise<RunStatus | undefined> | undefined {
    return this.#drivers.get(runId)?.done;
  }

  /**
   * Stops driving: running steps are killed and handed back as preemptions, leases released, so the next process
   * (or this one restarted) takes the runs over at once.
   */
  async shutdown(): Promise<void> {
    if (this.#recovery !== undefined) clearInterval(this.#recovery);
    this.#recovery = undefined;
    const pending = [...this.#drivers.values()];
    for (const { driver } of pending) driver?.shutdown();
    await Promise.allSettled(pending.map((d) => d.done));
  }

  /** Only for tests: stops this process's drivers as a crash would, leaving rows and leases as they are. */
  crashForTests(): void {
    if (this.#recovery !== undefined) clearInterval(this.#recovery);
    for (const { driver } of this.#drivers.values()) driver?.crashForTests();
  }

  /**
   * The logs of a run's steps (stdout and stderr of each step run's latest attempt), read from the step runs'
   * artifacts, or from the live files while a step runs in this process. With `from` (byte offsets, a follower's
   * previous `stdoutNext`/`stderrNext`), each stream holds only what follows them and only that is read.
   */
  async logs(
    runId: string,
    filter: { step?: string; item?: number } = {},
    from: LogOffsets = {},
  ): Promise<StepLog[]> {
    const { steps } = await this.getRun(runId);
    const out: StepLog[] = [];
    for (const s of steps) {
      if (filter.step !== undefined && s.step !== filter.step) continue;
      if (filter.item !== undefined && s.itemIndex !== filter.item) continue;
      let streams = { stdout: emptyLogChunk, stderr: emptyLogChunk };
      if (s.state === 'running') {
        const work = join(this.#deps.workRoot, s.stepRunId, `attempt-${s.attempt}`);
        streams = {
          stdout: await readLiveLog(join(work, 'stdout.txt'), from.stdout),
          stderr: await readLiveLog(join(work, 'stderr.txt'), from.stderr),
        };
      } else if (s.mlflowRunId !== undefined) {
        const info = await this.options.tracking.getRunInfo(s.mlflowRunId);
        streams = await readStoredLogs(this.options.artifactRoots, info.artifactUri, from);
      }
      out.push(stepLog(s, streams));
    }
    if (filter.step !== undefined && out.length === 0) {
      throw new NotFoundError(
        `Pipeline run '${runId}' has no step '${filter.step}'${filter.item !== undefined ? ` item ${filter.item}` : ''}`,
      );
    }
    return out;
  }

  /** Which steps a run with these parameters would take from the cache, and why the others would run. */
  async plan(input: {
    name: string;
    version?: number;
    params: Record<string, unknown>;
  }): Promise<PlanEntry[]> {
    const definition = await this.store.getDefinition(input.name, input.version);
    const { spec, graph } = checkRunnable(definition.spec);
    const params = resolveParams(spec, input.params);
    return planRun({
      store: this.store,
      spec,
      graph,
      params,
      pipelineName: spec.name,
      codeDir: definition.codeDir ?? this.options.defaultCodeDir,
      python: this.#deps.python,
      pipFreeze: this.#deps.pipFreeze,
      now: this.#deps.clock.now(),
    });
  }
}
