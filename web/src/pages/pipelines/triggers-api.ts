import { callApi } from '../../api/http';
import { wireReaders } from '../../api/wire-readers';

/*
 * The pipeline page's calls to the triggers API (/api/bosun/v1/pipelines/triggers, see docs/pipelines.md
 * "Triggers"), parsed at the edge into the camelCase types the page uses.
 */

const base = '/api/bosun/v1/pipelines/triggers';

/** What starts a pipeline run: a registry event, a monitoring alert or a webhook call. */
export interface PipelineTrigger {
  name: string;
  kind: string;
  filter: Record<string, unknown>;
  params: Record<string, unknown>;
  enabled: boolean;
  createdBy: string;
  createdAt: number;
}

/** One event (or webhook call) that fired a trigger: the run it started, or why it did not. */
export interface TriggerFiring {
  trigger: string;
  eventKey: string;
  state: string;
  runId: string | null;
  error: string | null;
  createdAt: number;
}

const { obj, arr, str, num } = wireReaders('triggers');
const strOrNull = (v: unknown, what: string): string | null =>
  v === null || v === undefined ? null : str(v, what);

function parseTrigger(v: unknown): PipelineTrigger {
  const t = obj(v, 'trigger');
  return {
    name: str(t.name, 'trigger name'),
    kind: str(t.kind, 'trigger kind'),
    filter: obj(t.filter, 'trigger filter'),
    params: obj(t.params, 'trigger params'),
    enabled: t.enabled === true,
    createdBy: str(t.created_by, 'trigger author'),
    createdAt: num(t.created_at, 'trigger creation time'),
  };
}

function parseFiring(v: unknown): TriggerFiring {
  const f = obj(v, 'firing');
  return {
    trigger: str(f.trigger, 'firing trigger'),
    eventKey: str(f.event_key, 'firing event'),
    state: str(f.state, 'firing state'),
    runId: strOrNull(f.run_id, 'firing run id'),
    error: strOrNull(f.error, 'firing error'),
    createdAt: num(f.created_at, 'firing time'),
  };
}

/** A pipeline's triggers, each with its most recent firings (newest first). */
export async function listTriggers(
  pipeline: string,
  signal?: AbortSignal,
): Promise<{ trigger: PipelineTrigger; firings: TriggerFiring[] }[]> {
  const answer = await callApi('GET', `${base}?pipeline=${encodeURIComponent(pipeline)}`, undefined, signal);
  const triggers = arr(answer.triggers, 'trigger list').map(parseTrigger);
  return Promise.all(
    triggers.map(async (trigger) => {
      const path = `${base}/${encodeURIComponent(pipeline)}/${encodeURIComponent(trigger.name)}`;
      const details = await callApi('GET', path, undefined, signal);
      return { trigger, firings: arr(details.firings, 'firing list').map(parseFiring) };
    }),
  );
}
