import type { PipelineSchedule, ScheduleFire } from './schedule-types.js';

/*
 * The wire forms of schedules (snake_case), shared by the HTTP API and the CLI's --json output so that both print
 * the same objects.
 */

/** The wire form of a schedule. */
export function scheduleToWire(s: PipelineSchedule) {
  return {
    name: s.name,
    pipeline: s.pipelineName,
    version: s.pipelineVersion ?? null,
    cron: s.cron,
    timezone: s.timezone,
    params: s.params,
    catch_up: s.catchUp,
    catch_up_cap: s.catchUpCap,
    max_concurrent: s.maxConcurrent,
    enabled: s.enabled,
    next_fire_at: s.nextFireAt ?? null,
    last_fire_at: s.lastFireAt ?? null,
    missed: s.missed,
    created_by: s.createdBy,
    created_at: s.createdAt,
  };
}

/** The wire form of one scheduled (or backfilled) time. */
export function fireToWire(f: ScheduleFire) {
  return {
    fire_time: f.fireTime,
    source: f.source,
    state: f.state,
    run_id: f.runId ?? null,
    error: f.error ?? null,
  };
}
