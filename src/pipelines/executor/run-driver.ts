import { parseDuration, type PipelineGraph, type PipelineSpec, type StepSpec } from '../spec/index.js';
import type { PipelineRun, StepRun } from '../store/pipeline-store-types.js';
import { isTerminal, type RunStatus } from '../store/step-state.js';
import { retryBudgets, retryDelayMs } from './backoff.js';
import { cacheKey } from './cache-key.js';
import type { ExecutorDeps } from './executor-deps.js';
import { killOrphanGroup } from './process-tree.js';
import { LaunchHandle } from './launch-handle.js';
import { blockers, unitName } from './unit-blockers.js';
import type { Slots } from './slots.js';
import { codeVersion, type CodeVersion } from './reproducibility.js';
import { evaluateCondition } from './run-values.js';
import { stepPython, type AttemptResult } from './step-launcher.js';
import { localStepBackend } from './step-backend.js';
import { fanOutItems, lookupReference, resolveInputs, sameGroup, type UnitScope } from './unit-values.js';
import { sha256 } from './digests.js';
import { triggerArtifactsOf } from './trigger-artifacts.js';
import { effectiveStep } from './effective-step.js';
import { ApprovalSteps } from './approval-steps.js';
import { endStepRun, type StepEmit } from './end-step.js';
import {
  APPROVAL_STORE_READS,
  PIPELINE_STORE_READS,
  watchWrites,
  type StepRowChange,
} from './watched-store.js';
import { attemptPrice } from '../cost/attempt-price.js';
import type { AttemptUsagePatch } from '../store/attempt-usage-columns.js';

/** How often a run with a waiting approval step looks for a decision made elsewhere (at most). */
const APPROVAL_POLL_MS = 1000;

/**
 * Drives one pipeline run in this process while it holds the run's lease: creates the step runs (fan-out items
 * once their list is known), skips steps whose condition is false or whose inputs will never exist, reuses cached
 * results, starts ready steps within the concurrency caps, retries with backoff under the two budgets, renews
 * leases, obeys cancellation and the pipeline timeout, runs exit handlers, and ends the run.
 */
export class RunDriver {
  #steps: StepRun[] = [];
  /** `#steps` by step name, each step's units by item index. */
  #byStep = new Map<string, StepRun[]>();
  /** Step runs this driver changed since the last refresh; `#staleAll`: re-read every one (first, after additions). */
  readonly #stale = new Set<string>();
  /** Step runs this driver changed since the last refresh, as its writes returned them: nothing to re-read. */
  readonly #fresh = new Map<string, StepRun>();
  #staleAll = true;
  readonly #running = new Map<string, LaunchHandle>();
  #wake: () => void = () => undefined;
  #abort: { status: RunStatus; reason: string } | undefined;
  #lost = false;
  #shutdown = false;
  #crashed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #phase: 'main' | 'exit' = 'main';
  #mainStatus: RunStatus | undefined;
  #code: Promise<CodeVersion> | undefined;
  #triggerArtifacts: Awaited<ReturnType<typeof triggerArtifactsOf>> | undefined;
  readonly #freezeDigest = new Map<string, Promise<string | undefined>>();
  /** The run's approval steps: asking, applying decisions and timeouts, cancelling. */
  readonly #approvals: ApprovalSteps;
  /** `emit` as the step-ending helpers and the approval steps take it. */
  readonly #emitter: StepEmit = (unit, state, reason) => this.emit(unit, state, reason);
  /** Each step's spec with the pipeline's defaults filled in (the document does not change while it runs). */
  readonly #specs = new Map<string, StepSpec>();
  /**
   * Pending step runs found ready to start but for a free slot: their upstream steps have ended, so nothing else
   * can change about them; a pass skips them until a slot is free instead of deciding them again (a wide run of
   * N steps decided every waiting one on every pass: N² decisions).
   */
  readonly #waitingForSlot = new Set<string>();
  /** Every step run of the run by id (the same objects as `#steps`). */
  #byId = new Map<string, StepRun>();
  /**
   * Steps the next pass looks at: those with a step run that changed since the last pass, and the steps that
   * depend on them (whether a pending step run can go depends only on its direct upstream steps' runs).
   * `#lookAtAll`: every step (the first pass, after a full re-read, a new phase, a cancel). Before, every pass
   * decided every pending step run: a chain of 1,000 steps made ~2,000 passes over ~1,000 of them.
   */
  readonly #dirty = new Set<string>();
  #lookAtAll = true;

  constructor(
    private readonly deps: ExecutorDeps,
    private readonly run: PipelineRun,
    private readonly spec: PipelineSpec,
    private readonly graph: PipelineGraph,
    private readonly slots: Slots,
  ) {
    // Every write this driver makes goes through these wrappers, so a refresh re-reads only what changed.
    const changed = (change: StepRowChange) => {
      if ('all' in change) this.#staleAll = true;
      else if ('row' in change) {
        this.#stale.delete(change.row.stepRunId);
        this.#fresh.set(change.row.stepRunId, change.row);
      } else {
        this.#fresh.delete(change.stepRunId);
        this.#stale.add(change.stepRunId);
      }
    };
    this.deps = {
      ...deps,
      store: watchWrites(deps.store, PIPELINE_STORE_READS, changed),
      approvals: watchWrites(deps.approvals, APPROVAL_STORE_READS, changed),
    };
    this.#approvals = new ApprovalSteps(this.deps, run, {
      emit: this.#emitter,
      stepSpec: (name) => this.stepSpec(name),
    });
  }

  /** Cancels from this process (the CLI's Ctrl-C, the API): the same path as a cancel seen by the heartbeat. */
  abort(status: RunStatus, reason: string): void {
    if (this.#abort === undefined) this.#abort = { status, reason };
    this.#lookAtAll = true;
    this.#wake();
  }

  /** Looks again at once (an approval was decided in this process): otherwise the next heartbeat does. */
  nudge(): void {
    this.#wake();
  }

  /** Stops driving without ending the run (the server shuts down): steps are killed and left to a takeover. */
  shutdown(): void {
    this.#lost = true;
    this.#shutdown = true;
    for (const launcher of this.#running.values()) launcher.kill('shutdown');
    this.#wake();
  }

  private stepSpec(name: string): StepSpec {
    let spec = this.#specs.get(name);
    if (spec === undefined) {
      spec = effectiveStep(this.spec, name);
      this.#specs.set(name, spec);
    }
    return spec;
  }

  /** Only for tests: stops as a killed process would, writing nothing more and leaving its steps' processes. */
  crashForTests(): void {
    this.#crashed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#wake();
  }

  private unitsOf(step: string): StepRun[] {
    return this.#byStep.get(step)?.slice() ?? [];
  }

  private scope(): UnitScope {
    return {
      params: this.run.params,
      pipeline: {
        name: this.run.pipelineName,
        runId: this.run.runId,
        ...(this.#phase === 'exit' && this.#mainStatus !== undefined ? { status: this.#mainStatus } : {}),
      },
      graph: this.graph,
      ...(this.#triggerArtifacts !== undefined ? { triggerArtifacts: this.#triggerArtifacts } : {}),
      unitsOf: (step) => {
        const units = this.unitsOf(step);
        return units.length === 0 ? undefined : units;
      },
    };
  }

  /**
   * Brings `#steps` up to date: every step run of the run at first, after rows were added, and after the heartbeat
   * (which also picks up anything written elsewhere); otherwise the step runs this driver's own writes changed, as
   * those writes returned them (re-read only when a write returned nothing).
   */
  private async refresh(): Promise<void> {
    const ids = [...this.#stale];
    this.#stale.clear();
    const fresh = new Map(this.#fresh);
    this.#fresh.clear();
    if (!this.#staleAll && ids.length === 0 && fresh.size === 0) return;
    if (!this.#staleAll) {
      for (const row of await Promise.all(ids.map((id) => this.deps.store.getStep(id))))
        fresh.set(row.stepRunId, row);
      // A row this driver has not seen yet (added elsewhere): read them all.
      if ([...fresh.keys()].every((id) => this.#byId.has(id))) {
        for (const row of fresh.values()) this.replace(row);
        if (!this.#staleAll) return;
      }
    }
    this.#staleAll = false;
    this.#lookAtAll = true;
    this.#steps = await this.deps.store.listSteps(this.run.runId);
    const byStep = new Map<string, StepRun[]>();
    for (const unit of this.#steps) {
      const units = byStep.get(unit.step);
      if (units === undefined) byStep.set(unit.step, [unit]);
      else units.push(unit);
    }
    for (const units of byStep.values()) units.sort((a, b) => a.itemIndex - b.itemIndex);
    this.#byStep = byStep;
    this.#byId = new Map(this.#steps.map((s) => [s.stepRunId, s]));
  }

  /** Puts a changed step run in place of the one read before, and marks its step and those after it for a look. */
  private replace(row: StepRun): void {
    const old = this.#byId.get(row.stepRunId);
    const at = old === undefined ? -1 : this.#steps.indexOf(old);
    const units = this.#byStep.get(row.step);
    const atUnit = old === undefined || units === undefined ? -1 : units.indexOf(old);
    if (at < 0 || atUnit < 0 || units === undefined) {
      // Not where it was read (cannot happen while the three indexes are kept together): read everything again.
      this.#staleAll = true;
      return;
    }
    this.#byId.set(row.stepRunId, row);
    this.#steps[at] = row;
    units[atUnit] = row;
    this.#dirty.add(row.step);
    for (const next of this.graph.downstream(row.step)) this.#dirty.add(next);
  }

  /**
   * The steps one pass looks at: every one when `#lookAtAll`; else the changed ones and what depends on them,
   * plus what can change with no step run changing: a retry's wait running out, an approval decided elsewhere, a
   * slot freed for a step run waiting for one, a fan-out step whose items are not known yet.
   */
  private stepsToLook(): ReadonlySet<string> | 'all' {
    const dirty = new Set(this.#dirty);
    this.#dirty.clear();
    if (this.#lookAtAll) {
      this.#lookAtAll = false;
      return 'all';
    }
    for (const unit of this.#steps) {
      if (unit.state === 'waiting' || (unit.state === 'pending' && unit.notBefore !== undefined))
        dirty.add(unit.step);
    }
    if (this.slots.available()) {
      for (const id of this.#waitingForSlot) {
        const unit = this.#byId.get(id);
        if (unit !== undefined) dirty.add(unit.step);
      }
    }
    for (const step of this.graph.steps)
      if (step.fanOut !== undefined && !this.#byStep.has(step.name)) dirty.add(step.name);
    return dirty;
  }

  private emit(unit: StepRun, state: string, reason?: string, retryInMs?: number): void {
    this.deps.onEvent({
      kind: 'step',
      runId: this.run.runId,
      step: unit.step,
      itemIndex: unit.itemIndex,
      state,
      ...(reason !== undefined ? { reason } : {}),
      attempt: unit.attempt,
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    });
  }

  /** Drives the run to its end (or until the lease is lost or the process shuts down); returns its status. */
  async drive(): Promise<RunStatus | undefined> {
    const { deps } = this;
    this.#code = codeVersion(this.run.codeDir);
    this.#triggerArtifacts = await triggerArtifactsOf(deps.tracking, this.run.runId);
    await deps.store.addSteps(
      this.graph.steps
        .filter((s) => s.fanOut === undefined)
        .map((s) => ({ runId: this.run.runId, step: s.name, itemIndex: -1, phase: s.phase })),
      deps.clock.now(),
    );
    await this.refresh();
    await this.recoverLostSteps();
    if (this.#steps.some((s) => s.phase === 'main' && s.state === 'cancelled') && this.run.cancelRequested) {
      this.#abort = { status: 'cancelled', reason: 'cancelled' };
    }

    const heartbeat = setInterval(() => {
      if (this.#crashed) return;
      void deps.store
        .heartbeat(this.run.runId, deps.owner, deps.clock.now() + deps.leaseMs)
        .then(({ held, cancelRequested }) => {
          if (!held) {
            this.#lost = true;
            for (const launcher of this.#running.values()) launcher.kill('lease-lost');
            this.#wake();
          } else if (cancelRequested) this.abort('cancelled', 'cancelled on request');
        })
        .catch(() => undefined);
    }, deps.heartbeatMs);
    const timeoutMs = this.spec.timeout !== undefined ? parseDuration(this.spec.timeout) : undefined;
    const pipelineTimer =
      timeoutMs !== undefined
        ? setTimeout(
            () => this.abort('failed', `the pipeline timed out after ${this.spec.timeout ?? ''}`),
            Math.max(0, (this.run.startedAt ?? deps.clock.now()) + timeoutMs - deps.clock.now()),
          )
        : undefined;
    this.#heartbeat = heartbeat;
    // A decision made through another process (another server, the CLI on the database) is seen within a second.
    const approvalPoll = setInterval(
      () => {
        if (!this.#crashed && this.#steps.some((s) => s.state === 'waiting')) this.#wake();
      },
      Math.min(deps.heartbeatMs, APPROVAL_POLL_MS),
    );
    const unsubscribe = this.slots.onRelease(() => this.#wake());
    try {
      return await this.loop();
    } finally {
      clearInterval(heartbeat);
      clearInterval(approvalPoll);
      if (pipelineTimer !== undefined) clearTimeout(pipelineTimer);
      unsubscribe();
    }
  }

  private async loop(): Promise<RunStatus | undefined> {
    const { deps } = this;
    for (;;) {
      const woken = new Promise<void>((resolve) => (this.#wake = resolve));
      if (this.#crashed) return undefined;
      await this.refresh();
      if (this.#lost) {
        while (this.#running.size > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#shutdown) await deps.store.releaseRun(this.run.runId, deps.owner);
        return undefined;
      }
      if (this.#abort !== undefined && this.#phase === 'main') await this.cancelPending();
      const progressed = await this.advance();
      if (progressed) continue;
      const open = this.#steps.filter((s) => s.phase === this.#phase && !isTerminal(s.state));
      if (open.length === 0 && this.#running.size === 0 && this.expandedAll()) {
        if (this.#phase === 'main') {
          this.#mainStatus = this.mainStatus();
          this.#phase = 'exit';
          this.#lookAtAll = true;
          continue;
        }
        return this.finish();
      }
      const waits = open
        .filter((s) => s.state === 'pending' && s.notBefore !== undefined && s.notBefore > deps.clock.now())
        .map((s) => (s.notBefore ?? 0) - deps.clock.now());
      const deadlines = open
        .filter((s) => s.state === 'waiting')
        .map((s) => this.#approvals.deadlines.get(s.stepRunId))
        .filter((d): d is number => d !== undefined)
        .map((d) => Math.max(0, d - deps.clock.now()));
      if (this.#running.size === 0 && waits.length > 0) {
        await Promise.race([deps.clock.sleep(Math.min(...waits, ...deadlines)), woken]);
      } else if (deadlines.length > 0) {
        await Promise.race([deps.clock.sleep(Math.min(...deadlines)), woken]);
      } else {
        await woken;
      }
    }
  }

  /** Whether every step of the current phase has its step runs (fan-out items known). */
  private expandedAll(): boolean {
    return this.graph.steps
      .filter((s) => s.phase === this.#phase)
      .every((s) => this.unitsOf(s.name).length > 0);
  }

  private mainStatus(): RunStatus {
    if (this.#abort !== undefined) return this.#abort.status;
    const main = this.#steps.filter((s) => s.phase === 'main');
    if (main.some((s) => s.state === 'cancelled')) return 'cancelled';
    if (main.some((s) => s.state === 'failed')) return 'failed';
    return 'succeeded';
  }

  private async finish(): Promise<RunStatus> {
    const { deps } = this;
    let status = this.#mainStatus ?? 'failed';
    let error = this.#abort?.reason;
    if (status === 'failed' && error === undefined) {
      const failed = this.#steps.filter((s) => s.phase === 'main' && s.state === 'failed').map(unitName);
      error = failed.length > 0 ? `step(s) failed: ${failed.join(', ')}` : 'a step could not run';
    }
    const failedHandlers = this.#steps
      .filter((s) => s.phase === 'exit' && s.state === 'failed')
      .map(unitName);
    if (status === 'succeeded' && failedHandlers.length > 0) {
      status = 'failed';
      error = `exit handler(s) failed: ${failedHandlers.join(', ')}`;
    }
    await deps.store.finishRun(this.run.runId, deps.owner, status, error, deps.clock.now());
    await deps.tracking.updateRun({
      runId: this.run.runId,
      status: status === 'succeeded' ? 'FINISHED' : status === 'cancelled' ? 'KILLED' : 'FAILED',
      endTime: deps.clock.now(),
    });
    deps.onEvent({ kind: 'run', runId: this.run.runId, status, ...(error !== undefined ? { error } : {}) });
    return status;
  }

  /** Cancellation (or the pipeline's timeout): running steps are killed, pending main steps cancelled. */
  private async cancelPending(): Promise<void> {
    const reason = this.#abort?.reason ?? 'cancelled';
    for (const launcher of this.#running.values())
      launcher.kill(this.#abort?.status === 'cancelled' ? 'cancelled' : 'pipeline-timeout');
    for (const unit of this.#steps) {
      if (unit.phase === 'main' && unit.state === 'waiting') await this.#approvals.cancel(unit, reason);
      if (unit.phase !== 'main' || unit.state !== 'pending') continue;
      await endStepRun(this.deps, this.#emitter, unit, 'pending', 'cancelled', reason);
    }
    for (const step of this.graph.steps.filter(
      (s) => s.phase === 'main' && this.unitsOf(s.name).length === 0,
    )) {
      await this.deps.store.addSteps(
        [{ runId: this.run.runId, step: step.name, itemIndex: -1, phase: 'main' }],
        this.deps.clock.now(),
      );
    }
    await this.refresh();
    for (const unit of this.#steps.filter((s) => s.phase === 'main' && s.state === 'pending')) {
      await this.deps.store.transition(
        unit.stepRunId,
        'pending',
        'cancelled',
        { reason },
        this.deps.clock.now(),
      );
    }
    await this.refresh();
  }

  /**
   * Step runs left `running` by a process that is gone (its lease expired): its process group is killed when it
   * ran on this host, then the step is retried under its preemption budget, or fails saying why.
   */
  private async recoverLostSteps(): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    for (const unit of this.#steps.filter((s) => s.state === 'running' && s.leaseOwner !== deps.owner)) {
      if (unit.leaseExpiresAt !== undefined && unit.leaseExpiresAt >= now) continue;
      if (unit.host === deps.host && unit.pid !== undefined) killOrphanGroup(unit.pid);
      if (unit.mlflowRunId !== undefined) {
        await deps.tracking
          .updateRun({ runId: unit.mlflowRunId, status: 'KILLED', endTime: now })
          .catch(() => undefined);
      }
      const budget = retryBudgets(this.stepSpec(unit.step).retry).preemptions;
      const reason = `the process running it was lost (lease held by ${unit.leaseOwner ?? 'nobody'} expired)`;
      await this.retryOrEnd(unit, 'preempted', `preempted: ${reason}`, unit.leaseOwner, budget);
    }
    await this.refresh();
  }

  private async retryOrEnd(
    unit: StepRun,
    kind: 'failed' | 'preempted',
    reason: string,
    owner: string | undefined,
    budget: number,
    attempt: { exitCode?: number; attemptUsage?: AttemptUsagePatch } = {},
  ): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    const used = kind === 'failed' ? unit.failureAttempts : unit.preemptionAttempts;
    const spec = this.stepSpec(unit.step);
    if (used < budget && this.#abort === undefined) {
      const n = used + 1;
      const delay = retryDelayMs(spec.retry, n, deps.random);
      const patch = kind === 'failed' ? { failureAttempts: n } : { preemptionAttempts: n };
      const moved = await deps.store.transition(
        unit.stepRunId,
        'running',
        'pending',
        {
          ...patch,
          notBefore: now + delay,
          reason: `retry ${n} of ${budget} in ${delay} ms after: ${reason}`,
          clearLease: true,
          ...attempt,
        },
        now,
        owner,
      );
      if (moved) this.emit(unit, 'retrying', reason, delay);
      return;
    }
    const final =
      kind === 'preempted' && budget >= 0 ? `${reason}; its preemption budget (${budget}) is spent` : reason;
    const moved = await deps.store.transition(
      unit.stepRunId,
      'running',
      'failed',
      {
        reason:
          used >= budget && budget > 0 && kind === 'failed' ? `${reason} (after ${used} retries)` : final,
        endedAt: now,
        clearLease: true,
        ...attempt,
      },
      now,
      owner,
    );
    if (moved) this.emit(unit, 'failed', final);
  }

  /** One pass over the steps of the current phase; true when anything changed. */
  private async advance(): Promise<boolean> {
    let changed = false;
    const look = this.stepsToLook();
    for (const name of this.graph.order) {
      if (look !== 'all' && !look.has(name)) continue;
      const node = this.graph.step(name);
      if (node === undefined || node.phase !== this.#phase) continue;
      if (await this.expand(name)) changed = true;
      for (const unit of this.unitsOf(name)) {
        if (unit.state === 'waiting') {
          if (await this.#approvals.settle(unit)) changed = true;
          continue;
        }
        if (unit.state !== 'pending' || this.#running.has(unit.stepRunId)) continue;
        if (this.#waitingForSlot.has(unit.stepRunId) && !this.slotFor(unit.step)) continue;
        if (await this.consider(unit)) changed = true;
      }
    }
    if (changed) await this.refresh();
    return changed;
  }

  /** Creates a fan-out step's units once its items are known; true when it did. */
  private async expand(name: string): Promise<boolean> {
    const node = this.graph.step(name);
    if (node?.fanOut === undefined || this.unitsOf(name).length > 0) return false;
    const spec = this.stepSpec(name);
    const now = this.deps.clock.now();
    const add = async (items: unknown[] | undefined, reason?: string) => {
      if (items !== undefined && items.length > 0) {
        await this.deps.store.addSteps(
          items.map((item, i) => ({
            runId: this.run.runId,
            step: name,
            itemIndex: i,
            item,
            phase: node.phase,
          })),
          now,
        );
      } else {
        await this.deps.store.addSteps(
          [{ runId: this.run.runId, step: name, itemIndex: -1, phase: node.phase }],
          now,
        );
        await this.refresh();
        const marker = this.unitsOf(name)[0];
        if (marker !== undefined) {
          await this.deps.store.transition(
            marker.stepRunId,
            'pending',
            'skipped',
            { reason: reason ?? 'condition: the fan-out has no items' },
            now,
          );
          this.emit(marker, 'skipped', reason);
        }
      }
      await this.refresh();
      return true;
    };
    if (spec.for_each?.items_of !== undefined) {
      const leader = this.unitsOf(spec.for_each.items_of);
      if (leader.length === 0) return false;
      if (leader.every((u) => u.itemIndex < 0)) return add(undefined, leader[0]?.reason);
      return add(leader.filter((u) => u.itemIndex >= 0).map((u) => u.item));
    }
    // Items from upstream outputs: wait for every step it reads outside its group.
    const upstream = this.graph.upstream(name).filter((up) => !sameGroup(this.graph, name, up));
    for (const up of upstream) {
      const units = this.unitsOf(up);
      if (units.length === 0 || units.some((u) => !isTerminal(u.state))) return false;
    }
    const blocked = blockers(this.graph, (step) => this.unitsOf(step), name, -1);
    if (blocked.failedOrSkipped !== undefined) return add(undefined, blocked.failedOrSkipped);
    const items = fanOutItems(this.scope(), name, spec);
    if (items === undefined) return false;
    if ('missing' in items) return add(undefined, `upstream: ${items.missing} does not exist`);
    return add(items.items);
  }

  /** Whether a step run of `step` could start now: the pipeline's cap, its fan-out group's, this process's slots. */
  private slotFor(step: string): boolean {
    if (!this.slots.available()) return false;
    if (this.spec.concurrency !== undefined && this.#running.size >= this.spec.concurrency) return false;
    const fanOutCap = this.fanOutCap(step);
    return fanOutCap === undefined || this.groupRunning(step) < fanOutCap;
  }

  private groupRunning(name: string): number {
    const root = this.graph.step(name)?.fanOut?.root;
    if (root === undefined) return 0;
    return [...this.#running.values()].filter((h) => this.graph.step(h.step)?.fanOut?.root === root).length;
  }

  /** Decides about one pending unit: skip, fail, reuse a cached result, start it, or leave it waiting. */
  private async consider(unit: StepRun): Promise<boolean> {
    const { deps } = this;
    const now = deps.clock.now();
    const spec = this.stepSpec(unit.step);
    const blocked = blockers(this.graph, (step) => this.unitsOf(step), unit.step, unit.itemIndex);
    if (!blocked.ready) return false;
    if (blocked.failedOrSkipped !== undefined) {
      return endStepRun(deps, this.#emitter, unit, 'pending', 'skipped', blocked.failedOrSkipped);
    }
    const scope = this.scope();
    if (spec.when !== undefined) {
      const verdict = evaluateCondition(spec.when, (ref) => lookupReference(scope, ref, unit.step, unit));
      if ('missing' in verdict || !verdict.result) {
        const reason =
          'missing' in verdict
            ? `upstream: ${verdict.missing} does not exist`
            : `condition: '${spec.when}' is false`;
        return endStepRun(deps, this.#emitter, unit, 'pending', 'skipped', reason);
      }
    }
    const resolved = resolveInputs(scope, unit.step, spec, unit);
    if ('missing' in resolved) {
      const reason = `input ${resolved.missing} was never produced`;
      return endStepRun(deps, this.#emitter, unit, 'pending', 'failed', reason);
    }
    if (unit.notBefore !== undefined && unit.notBefore > now) return false;

    if (spec.approval !== undefined) return this.#approvals.request(unit, spec, resolved.inputs);

    const cacheEnabled = spec.cache?.enabled !== false && spec.approval === undefined;
    let cache: { key: string; parts: Record<string, string> } | undefined;
    if (cacheEnabled) {
      cache = await cacheKey(spec, resolved.inputs, await this.keyEnvironment(spec));
      const maxAge = spec.cache?.max_age !== undefined ? parseDuration(spec.cache.max_age) : undefined;
      const hit = await deps.store.findCached(cache.key, maxAge !== undefined ? now - maxAge : undefined);
      if (hit !== undefined) return this.useCached(unit, hit, cache);
    }

    if (!this.slotFor(unit.step) || !this.slots.tryTake()) {
      this.#waitingForSlot.add(unit.stepRunId);
      return false;
    }
    this.#waitingForSlot.delete(unit.stepRunId);
    const attempt = unit.attempt + 1;
    const claimed = await deps.store.claimStep(unit.stepRunId, deps.owner, now + deps.leaseMs, now, {
      attempt,
      host: deps.host,
      startedAt: unit.startedAt ?? now,
      ...(cache !== undefined ? { cacheKey: cache.key, cacheParts: cache.parts } : {}),
    });
    if (!claimed) {
      this.slots.release();
      return false;
    }
    this.start({ ...unit, attempt }, spec, resolved.inputs, cache);
    return true;
  }

  private fanOutCap(step: string): number | undefined {
    const root = this.graph.step(step)?.fanOut?.root;
    if (root === undefined) return undefined;
    return this.stepSpec(root).for_each?.concurrency;
  }

  private async keyEnvironment(spec: StepSpec) {
    const python = stepPython(spec, this.deps.python);
    if (python === undefined) return { codeDir: this.run.codeDir };
    let digest = this.#freezeDigest.get(python);
    if (digest === undefined) {
      digest = this.deps.pipFreeze
        .freeze(python, this.run.codeDir)
        .then((f) => (f === undefined ? undefined : sha256(f)));
      this.#freezeDigest.set(python, digest);
    }
    return { codeDir: this.run.codeDir, python: { path: python, freezeDigest: await digest } };
  }

  private async useCached(
    unit: StepRun,
    hit: StepRun,
    cache: { key: string; parts: Record<string, string> },
  ): Promise<boolean> {
    const { deps } = this;
    const now = deps.clock.now();
    const runName = unit.itemIndex >= 0 ? `${unit.step}[${unit.itemIndex}]` : unit.step;
    const run = await deps.tracking.startRun({
      experimentId: this.run.experimentId,
      runName,
      startTime: now,
      tags: [
        { key: 'mlflow.parentRunId', value: this.run.runId },
        { key: 'mlflow.runName', value: runName },
        { key: 'bosun.pipeline.run_id', value: this.run.runId },
        { key: 'bosun.pipeline.step', value: unit.step },
        { key: 'bosun.pipeline.step_run_id', value: unit.stepRunId },
        { key: 'bosun.pipeline.cache', value: 'hit' },
        { key: 'bosun.pipeline.cache_key', value: cache.key },
        { key: 'bosun.pipeline.cached_from_step_run', value: hit.stepRunId },
        ...(hit.mlflowRunId !== undefined
          ? [{ key: 'bosun.pipeline.cached_from_run', value: hit.mlflowRunId }]
          : []),
      ],
    });
    await deps.tracking.endRun({ runId: run.runId, status: 'FINISHED', endTime: now });
    const moved = await deps.store.transition(
      unit.stepRunId,
      'pending',
      'cached',
      {
        outputs: hit.outputs ?? {},
        cacheKey: cache.key,
        cacheParts: cache.parts,
        cachedFrom: hit.stepRunId,
        mlflowRunId: run.runId,
        startedAt: now,
        endedAt: now,
        reason: `cache hit: step run ${hit.stepRunId}`,
      },
      now,
    );
    if (moved) {
      // The saving: what the reused step run cost (unknown when it had no price).
      await deps.costs?.recordSaving(unit.stepRunId, hit.usage?.costUsd, hit.usage?.resourceClass);
      if (hit.usage?.costUsd !== undefined) {
        await deps.tracking.logBatch(run.runId, {
          metrics: [{ key: 'bosun.cost.saved_usd', value: hit.usage.costUsd, timestamp: now, step: 0 }],
        });
      }
      this.emit(unit, 'cached');
    }
    return moved !== undefined;
  }

  private start(
    unit: StepRun,
    spec: StepSpec,
    inputs: Record<string, unknown>,
    cache: { key: string } | undefined,
  ): void {
    const { deps } = this;
    const handle = new LaunchHandle(unit.step);
    this.#running.set(unit.stepRunId, handle);
    this.emit(unit, 'running');
    const price = attemptPrice(spec, deps.resourceClasses);
    void (async () => {
      let result: AttemptResult;
      try {
        const code = await (this.#code ?? Promise.resolve({ gitCommit: undefined, dirtyDigest: undefined }));
        const trackingUri = deps.trackingUri();
        if (trackingUri === undefined)
          throw new Error('no tracking URI for the step processes (the server is not listening yet)');
        const launcher = (deps.backend ?? localStepBackend).prepare(
          {
            tracking: deps.tracking,
            artifacts: deps.artifacts,
            trackingUri,
            python: deps.python,
            baseEnv: deps.baseEnv,
            workRoot: deps.workRoot,
            pipFreeze: deps.pipFreeze,
            venvs: deps.venvs,
            ...(deps.secrets !== undefined ? { secrets: deps.secrets } : {}),
            ...(deps.stepTokens !== undefined ? { stepTokens: deps.stepTokens } : {}),
            now: () => deps.clock.now(),
            ...(deps.measureUsage === false ? { measureUsage: false } : {}),
          },
          {
            stepRunId: unit.stepRunId,
            step: unit.step,
            spec,
            itemIndex: unit.itemIndex,
            attempt: unit.attempt,
            inputs,
            codeDir: this.run.codeDir,
            experimentId: this.run.experimentId,
            parentRunId: this.run.runId,
            pipelineName: this.run.pipelineName,
            createdBy: this.run.createdBy,
            code,
            cache,
            ...(price !== undefined ? { price } : {}),
            onStarted: async ({ mlflowRunId, pid }) => {
              await deps.store.updateRunning(
                unit.stepRunId,
                deps.owner,
                { mlflowRunId, ...(pid !== undefined ? { pid } : {}) },
                deps.clock.now(),
              );
            },
          },
        );
        handle.attach(launcher);
        result = await launcher.run();
      } catch (err) {
        result = { kind: 'failed', reason: `the executor failed to run it: ${(err as Error).message}` };
      }
      try {
        // The attempt's usage is added by the update that ends it: one statement, not a read and two writes.
        const usage =
          deps.costs !== undefined && result.usage !== undefined ? { usage: result.usage, price } : undefined;
        if (!this.#crashed) await this.record(unit, spec, result, usage);
      } catch {
        // The database is unreachable: the lease will expire and another process takes the step over.
      } finally {
        this.#running.delete(unit.stepRunId);
        this.slots.release();
        this.#wake();
      }
    })();
  }

  private async record(
    unit: StepRun,
    spec: StepSpec,
    result: AttemptResult,
    attemptUsage: AttemptUsagePatch | undefined,
  ): Promise<void> {
    const { deps } = this;
    const now = deps.clock.now();
    const budgets = retryBudgets(spec.retry);
    switch (result.kind) {
      case 'succeeded': {
        const moved = await deps.store.transition(
          unit.stepRunId,
          'running',
          'succeeded',
          {
            outputs: result.outputs,
            exitCode: result.exitCode,
            endedAt: now,
            reason: undefined,
            clearLease: true,
            ...(attemptUsage !== undefined ? { attemptUsage } : {}),
          },
          now,
          deps.owner,
        );
        if (moved) this.emit(unit, 'succeeded');
        return;
      }
      case 'failed':
        return this.retryOrEnd(
          await this.current(unit),
          'failed',
          result.reason,
          deps.owner,
          budgets.failures,
          {
            ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
            ...(attemptUsage !== undefined ? { attemptUsage } : {}),
          },
        );
      case 'preempted':
        return this.retryOrEnd(
          await this.current(unit),
          'preempted',
          result.reason,
          deps.owner,
          budgets.preemptions,
          attemptUsage !== undefined ? { attemptUsage } : {},
        );
      case 'killed': {
        if (result.why === 'lease-lost') return;
        if (result.why === 'shutdown') {
          const reason = 'preempted: the server running it shut down';
          return this.retryOrEnd(
            await this.current(unit),
            'preempted',
            reason,
            deps.owner,
            budgets.preemptions,
            attemptUsage !== undefined ? { attemptUsage } : {},
          );
        }
        const reason = this.#abort?.reason ?? 'cancelled';
        const to = result.why === 'cancelled' ? 'cancelled' : 'failed';
        const moved = await deps.store.transition(
          unit.stepRunId,
          'running',
          to,
          { reason, endedAt: now, clearLease: true, ...(attemptUsage !== undefined ? { attemptUsage } : {}) },
          now,
          deps.owner,
        );
        if (moved) this.emit(unit, to, reason);
        return;
      }
    }
  }

  private async current(unit: StepRun): Promise<StepRun> {
    return this.deps.store.getStep(unit.stepRunId);
  }
}
