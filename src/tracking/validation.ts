import {
  anchored,
  int32Max,
  InvalidParameterError,
  isExperimentId,
  loggedModelIdSyntax,
  runIdSyntax,
} from '../shared/index.js';
import { limits } from './limits.js';
import type { Metric, Tag } from './types.js';

const validKey = /^[/\w.\- :]*$/;

/** Keys are path-like names: letters, digits, `_ - . space : /`, no `..` tricks, at most 250 characters. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidParameterError(`Invalid ${kind} name: '${String(key)}'. Names may not be empty.`);
  }
  if (key.length > limits.entityKeyLength) {
    throw new InvalidParameterError(
      `'${kind === 'metric' ? 'key' : 'key'}' exceeds the maximum length of ${limits.entityKeyLength} characters (got ${key.length}).`,
    );
  }
  if (!validKey.test(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  const segments = key.split('/');
  if (
    key.startsWith('/') ||
    key.endsWith('/') ||
    segments.some((s) => s === '.' || s === '..') ||
    key.includes('//')
  ) {
    throw new InvalidParameterError(
      `Invalid ${kind} name: '${key}'. Names cannot resolve to a different path when normalized.`,
    );
  }
  return key;
}

export function validateLength(what: string, value: string, max: number): string {
  if (value.length > max) {
    throw new InvalidParameterError(
      `'${what}' exceeds the maximum length of ${max} characters (got ${value.length}).`,
    );
  }
  return value;
}

export function validateParam(param: Tag): Tag {
  validateKey('param', param.key);
  validateLength('value', String(param.value), limits.paramValueLength);
  return param;
}

export function validateTag(tag: Tag): Tag {
  validateKey('tag', tag.key);
  validateLength('value', String(tag.value), limits.tagValueLength);
  return tag;
}

function isInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

export function validateMetric(metric: Metric): Metric {
  validateKey('metric', metric.key);
  if (typeof metric.value !== 'number') {
    throw new InvalidParameterError(
      `Got invalid value ${String(metric.value)} for metric '${metric.key}' (timestamp=${metric.timestamp}). Please specify value as a valid double (64-bit floating point)`,
    );
  }
  if (!isInteger(metric.timestamp) || metric.timestamp < 0) {
    throw new InvalidParameterError(
      `Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}' (value=${metric.value}). Timestamp must be a nonnegative long (64-bit integer)`,
    );
  }
  if (!isInteger(metric.step)) {
    throw new InvalidParameterError(
      `Got invalid step ${String(metric.step)} for metric '${metric.key}' (value=${metric.value}). Step must be a valid long (64-bit integer).`,
    );
  }
  return metric;
}

export function validateBatchSizes(metrics: number, params: number, tags: number): void {
  if (metrics > limits.metricsPerBatch) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${limits.metricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`,
    );
  }
  if (params > limits.paramsPerBatch) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${limits.paramsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`,
    );
  }
  if (tags > limits.tagsPerBatch) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${limits.tagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`,
    );
  }
  const total = metrics + params + tags;
  if (total > limits.entitiesPerBatch) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${limits.entitiesPerBatch} total metrics, params, and tags. Got ${total}.`,
    );
  }
}

export function validateMaxResults(maxResults: number | undefined, max: number, fallback: number): number {
  if (maxResults === undefined || maxResults === 0) return fallback;
  if (!isInteger(maxResults) || maxResults < 0) {
    throw new InvalidParameterError(
      `Invalid value ${String(maxResults)} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (maxResults > max) {
    throw new InvalidParameterError(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${max}`,
    );
  }
  return maxResults;
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new InvalidParameterError(
      `Invalid experiment name: '${String(name)}'. Experiment name must be a non-empty string.`,
    );
  }
  return validateLength('name', name, limits.experimentNameLength);
}

/** Artifact locations recorded on experiments: no traversal, query or fragment (MLflow CVE-2023-6909 family). */
export function validateArtifactLocation(location: string): string {
  validateLength('artifact_location', location, limits.artifactLocationLength);
  if (location.includes('#') || location.includes('?')) {
    throw new InvalidParameterError(
      `Invalid artifact location '${location}': query strings and fragments are not allowed.`,
    );
  }
  let decoded = location;
  for (let i = 0; i < 3; i++) {
    try {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    } catch {
      throw new InvalidParameterError(`Invalid artifact location '${location}': bad percent-encoding.`);
    }
  }
  if (decoded.split(/[\\/]/).some((segment) => segment === '..') || decoded.includes('\0')) {
    throw new InvalidParameterError(
      `Invalid artifact location '${location}': path traversal is not allowed.`,
    );
  }
  if (/^runs:/i.test(location)) {
    throw new InvalidParameterError(
      `Invalid artifact location '${location}': 'runs:' URIs cannot be experiment locations.`,
    );
  }
  return location;
}

/**
 * Experiment ids, on the wire as text: `0` or a positive integer up to 2147483647 (the 32-bit column), in its one
 * spelling (no sign, leading zero, blank, decimal point, exponent or non-ASCII digit); or that number itself.
 * Another spelling would name the same row in the database but a different resource to a permission check.
 */
export function parseExperimentId(id: unknown): number {
  const text = typeof id === 'number' ? String(id) : id;
  if (typeof text !== 'string' || !isExperimentId(text)) {
    throw new InvalidParameterError(
      `Invalid experiment ID: '${String(id).slice(0, 40)}'. Experiment IDs are integers from 0 to ${int32Max}, written without sign, leading zeros or blanks.`,
    );
  }
  return Number(text);
}

const runIdRegExp = new RegExp(anchored(runIdSyntax));

/** Run ids, MLflow's rule (see `runIdSyntax`): compared as exact text, so their one spelling is themselves. */
export function validateRunId(runId: unknown): string {
  if (typeof runId !== 'string' || !runIdRegExp.test(runId)) {
    throw new InvalidParameterError(`Invalid run ID: '${String(runId)}'`);
  }
  return runId;
}

const loggedModelIdRegExp = new RegExp(anchored(loggedModelIdSyntax));

/** Logged model ids (see `loggedModelIdSyntax`), compared as exact text like run ids. */
export function validateLoggedModelId(modelId: unknown): string {
  if (typeof modelId !== 'string' || !loggedModelIdRegExp.test(modelId)) {
    throw new InvalidParameterError(`Invalid logged model ID: '${String(modelId).slice(0, 100)}'`);
  }
  return modelId;
}
