import { BosunError } from '../../shared/index.js';

/** What fires a trigger: a registry event, a monitoring alert, or an authenticated webhook call (CI). */
export type TriggerKind = 'registry_event' | 'monitoring_alert' | 'webhook';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['registry_event', 'monitoring_alert', 'webhook'];

/**
 * A monitor alert's condition and whether the event is its firing or its resolution. Monitoring is a sibling
 * layer, so its list (ALERT_CONDITIONS in src/monitoring/service/monitoring-types.ts) is repeated here;
 * src/platform/alert-conditions.test.ts keeps the two equal.
 */
export type AlertConditionName = 'data_drift' | 'performance' | 'schema';
export const ALERT_CONDITION_NAMES: readonly AlertConditionName[] = ['data_drift', 'performance', 'schema'];
export type AlertChange = 'firing' | 'resolved';
export const ALERT_CHANGES: readonly AlertChange[] = ['firing', 'resolved'];

/**
 * Which events fire a trigger, per kind. Absent fields match everything. Example (a new version of `churn`
 * whose registered model is tagged `team=growth`):
 * `{ kind: 'registry_event', eventTypes: ['model_version.created'], modelName: 'churn', modelTags: { team: 'growth' } }`.
 */
export type TriggerFilter =
  | {
      kind: 'registry_event';
      /** Registry event types (`model_version.created`, `alias.set`...); at least one. */
      eventTypes: readonly string[];
      modelName?: string;
      /** Tags the registered model must carry (when the event is handled). */
      modelTags: Readonly<Record<string, string>>;
      /** For alias events: only this alias. */
      alias?: string;
    }
  | {
      kind: 'monitoring_alert';
      modelName?: string;
      monitorName?: string;
      conditions: readonly AlertConditionName[];
      states: readonly AlertChange[];
    }
  | { kind: 'webhook' };

/** A stored trigger. */
export interface PipelineTrigger {
  triggerId: string;
  name: string;
  kind: TriggerKind;
  pipelineName: string;
  pipelineVersion?: number;
  filter: TriggerFilter;
  /** The run's parameters; strings may hold `{{event.<field>}}` (event kinds). */
  params: Record<string, unknown>;
  enabled: boolean;
  createdBy: string;
  createdAt: number;
}

/** `pending` (recorded, not started yet) -> `starting` (one server claimed it) -> `started`, or `failed`. */
export type FiringState = 'pending' | 'starting' | 'started' | 'failed';
export const FIRING_STATES: readonly FiringState[] = ['pending', 'starting', 'started', 'failed'];

/** One event (or webhook call) that fired a trigger. */
export interface TriggerFiring {
  triggerId: string;
  triggerName: string;
  /** `event:<outbox id>` or `webhook:<key>`: unique per trigger, so a second delivery starts nothing. */
  eventKey: string;
  eventId?: number;
  state: FiringState;
  params?: Record<string, unknown>;
  runId?: string;
  error?: string;
  createdAt: number;
}

/** What the pipeline service stores on a run before its steps start: tags, and files by artifact path. */
export interface RunAttachment {
  tags: readonly { key: string; value: string }[];
  files: readonly { path: string; content: string }[];
}

/** What a trigger needs to start a run (the pipeline service in a server; a fake in tests). */
export interface TriggerStarter {
  /** Starts a run; returns its id. Throws when the pipeline or its parameters are refused. */
  start(input: {
    pipelineName: string;
    version?: number;
    params: Record<string, unknown>;
    createdBy: string;
    /** Tags and files stored on the run before any step starts (the trigger's context: an alert's drift report). */
    attach?: RunAttachment;
  }): Promise<string>;
}

/** A webhook call without the trigger's token, with a wrong one, or for no webhook trigger (HTTP 401). */
export class TriggerTokenError extends BosunError {
  constructor() {
    super('UNAUTHENTICATED', 'Invalid or missing trigger token (Authorization: Bearer <token>).');
  }
}
