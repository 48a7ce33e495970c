/**
 * Governance, lineage and registry events as the version page shows them: Bosun's documented native API
 * (`/api/bosun/v1/registry`, `/lineage`, `/webhooks`), read by the TypeScript client's wire readers.
 */
import {
  approvalFromWire,
  policyFromWire,
  promotionCheckFromWire,
  scanFromWire,
} from '../../../src/client/governance-wire';
import { lineageFromWire } from '../../../src/client/lineage-client';
import type {
  Approval,
  ModelVersionLineage,
  PromotionCheck,
  PromotionPolicy,
  ScanRecord,
} from '../../../src/client/registry-types';
import { readArray } from '../../../src/client/wire';
import { ApiError } from './api-error';
import { callApi, type WireObject } from './http';

export type {
  Approval,
  MetricCondition,
  ModelVersionLineage,
  PromotionCheck,
  PromotionPolicy,
  ScanFinding,
  ScanRecord,
} from '../../../src/client/registry-types';

const registry = '/api/bosun/v1/registry';
const q = encodeURIComponent;
const versionPath = (name: string, version: string): string =>
  `${registry}/models/${q(name)}/versions/${q(version)}`;

export async function listPolicies(name: string, signal?: AbortSignal): Promise<PromotionPolicy[]> {
  const answer = await callApi('GET', `${registry}/models/${q(name)}/policies`, undefined, signal);
  return readArray(answer.policies ?? [], 'policies').map((p) => policyFromWire(p));
}

/** The latest scan, or undefined when the version was never scanned (404). */
export async function getScan(
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ScanRecord | undefined> {
  try {
    const answer = await callApi('GET', `${versionPath(name, version)}/scan`, undefined, signal);
    return scanFromWire(answer.scan);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export async function rescan(name: string, version: string): Promise<ScanRecord> {
  const answer = await callApi('POST', `${versionPath(name, version)}/scan`, {});
  return scanFromWire(answer.scan);
}

export async function listApprovals(
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<Approval[]> {
  const answer = await callApi('GET', `${versionPath(name, version)}/approvals`, undefined, signal);
  return readArray(answer.approvals ?? [], 'approvals').map((a) => approvalFromWire(a));
}

/**
 * `actor`: the acting user's name, given only when authentication is off (with it on, the server takes the
 * signed-in user and refuses any other name).
 */
export async function requestApproval(
  name: string,
  version: string,
  target: string,
  comment: string,
  actor?: string,
): Promise<Approval> {
  const body: WireObject = { target };
  if (comment !== '') body.comment = comment;
  if (actor !== undefined && actor !== '') body.user = actor;
  const answer = await callApi('POST', `${versionPath(name, version)}/approvals`, body);
  return approvalFromWire(answer.approval);
}

export async function decideApproval(
  id: number,
  decision: 'approve' | 'reject',
  comment: string,
  actor?: string,
): Promise<Approval> {
  const body: WireObject = {};
  if (comment !== '') body.comment = comment;
  if (actor !== undefined && actor !== '') body.user = actor;
  const answer = await callApi('POST', `${registry}/approvals/${id}/${decision}`, body);
  return approvalFromWire(answer.approval);
}

export async function checkPromotion(
  name: string,
  version: string,
  target: string,
  signal?: AbortSignal,
): Promise<PromotionCheck> {
  const answer = await callApi(
    'GET',
    `${versionPath(name, version)}/promotion-check?target=${q(target)}`,
    undefined,
    signal,
  );
  return promotionCheckFromWire(answer);
}

/** Sets the alias or stage through the policy gate; a refusal is an ApiError with the server's reason. */
export async function promote(name: string, version: string, target: string, actor?: string): Promise<void> {
  const body: WireObject = { target };
  if (actor !== undefined && actor !== '') body.user = actor;
  await callApi('POST', `${versionPath(name, version)}/promote`, body);
}

export async function getLineage(
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ModelVersionLineage> {
  const answer = await callApi(
    'GET',
    `/api/bosun/v1/lineage/models/${q(name)}/versions/${q(version)}`,
    undefined,
    signal,
  );
  return lineageFromWire(answer.lineage);
}

/** A registry event (version created, stage changed, promotion refused...). */
export interface RegistryEvent {
  id: number;
  type: string;
  modelName: string;
  version?: string;
  actor?: string;
  payload: WireObject;
  createdAt: number;
}

function eventFromWire(value: unknown): RegistryEvent {
  const o = value as WireObject;
  return {
    id: Number(o.id),
    type: String(o.type),
    modelName: String(o.model_name),
    ...(o.version !== undefined ? { version: String(o.version) } : {}),
    ...(o.actor !== undefined ? { actor: String(o.actor) } : {}),
    payload: (o.payload ?? {}) as WireObject,
    createdAt: Number(o.created_at),
  };
}

/** A model's (or one version's) registry events, newest first. */
export async function listRegistryEvents(
  name: string,
  version: string | undefined,
  signal?: AbortSignal,
): Promise<RegistryEvent[]> {
  const params = new URLSearchParams({ model_name: name, order: 'desc', max_results: '100' });
  if (version !== undefined) params.set('version', version);
  const answer = await callApi('GET', `/api/bosun/v1/registry/events?${params}`, undefined, signal);
  return readArray(answer.events ?? [], 'events').map(eventFromWire);
}

export interface Webhook {
  id: number;
  modelName?: string;
  url: string;
  events: string[];
  active: boolean;
}

export interface WebhookDelivery {
  id: number;
  eventId: number;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode?: number;
  lastError?: string;
  updatedAt: number;
}

/** The webhooks that fire for a model (its own and the ones for every model). */
export async function listWebhooks(name: string, signal?: AbortSignal): Promise<Webhook[]> {
  const answer = await callApi('GET', `/api/bosun/v1/webhooks?model_name=${q(name)}`, undefined, signal);
  return readArray(answer.webhooks ?? [], 'webhooks').map((value) => {
    const o = value as WireObject;
    return {
      id: Number(o.id),
      ...(o.model_name !== undefined ? { modelName: String(o.model_name) } : {}),
      url: String(o.url),
      events: readArray(o.events ?? [], 'events').map(String),
      active: o.active === true,
    };
  });
}

export async function listDeliveries(webhookId: number, signal?: AbortSignal): Promise<WebhookDelivery[]> {
  const answer = await callApi(
    'GET',
    `/api/bosun/v1/webhooks/${webhookId}/deliveries?max_results=50`,
    undefined,
    signal,
  );
  return readArray(answer.deliveries ?? [], 'deliveries').map((value) => {
    const o = value as WireObject;
    return {
      id: Number(o.id),
      eventId: Number(o.event_id),
      eventType: String(o.event_type),
      status: o.status as WebhookDelivery['status'],
      attempts: Number(o.attempts),
      ...(o.last_status_code !== undefined ? { lastStatusCode: Number(o.last_status_code) } : {}),
      ...(o.last_error !== undefined ? { lastError: String(o.last_error) } : {}),
      updatedAt: Number(o.updated_at),
    };
  });
}
