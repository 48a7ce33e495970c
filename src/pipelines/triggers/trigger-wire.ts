import { filterToWire } from './trigger-filter.js';
import type { PipelineTrigger, TriggerFiring } from './trigger-types.js';

/*
 * The wire forms of triggers and firings (snake_case), shared by the HTTP API and the CLI's --json output so that
 * both print the same objects. A trigger's token never appears here (only in the answer that creates it).
 */

/** The wire form of a trigger. */
export function triggerToWire(t: PipelineTrigger) {
  return {
    name: t.name,
    kind: t.kind,
    pipeline: t.pipelineName,
    version: t.pipelineVersion ?? null,
    filter: filterToWire(t.filter),
    params: t.params,
    enabled: t.enabled,
    created_by: t.createdBy,
    created_at: t.createdAt,
  };
}

/** The wire form of one firing. */
export function firingToWire(f: TriggerFiring) {
  return {
    trigger: f.triggerName,
    event_key: f.eventKey,
    event_id: f.eventId ?? null,
    state: f.state,
    params: f.params ?? null,
    run_id: f.runId ?? null,
    error: f.error ?? null,
    created_at: f.createdAt,
  };
}
