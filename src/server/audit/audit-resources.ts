import type { AuditResource } from '../../security/audit/index.js';
import type { AuditedInput, PolicyTable, RoutePolicy } from '../authz/policy-types.js';
import { auditIdentifier } from './audit-identifiers.js';

/**
 * How a route's identifiers name what its audit record is about. Each route plugin picks one for its routes
 * (`nameResources`), so the audit hook never guesses from a URL:
 * - `ids`: a run, a logged model or an experiment by id; a bare `name` is recorded as `named`;
 * - `registry`: as `ids`, but `name` (with `version`) is a registered model (a model version);
 * - `experiments`: as `ids`, but a bare `name` is an experiment's.
 */
export type ResourceNaming = 'ids' | 'registry' | 'experiments';

/**
 * What a request touched, from identifiers only (route params, then body, then query string; a refused read is
 * recorded too): never a value. Run ids come first, then logged-model ids, then what the naming says.
 * Example: `resourceOf('ids', { params: {}, body: { run_id: 'abc', value: 1 }, query: {} })` → `{type: 'run', id: 'abc'}`.
 */
export function resourceOf(naming: ResourceNaming, input: AuditedInput): AuditResource {
  const pick = (name: string): string | undefined => auditIdentifier(input, name);
  const runId = pick('run_id') ?? pick('run_uuid');
  if (runId) return { type: 'run', id: runId };
  const modelId = pick('model_id');
  if (modelId) return { type: 'logged_model', id: modelId };
  const name = pick('name');
  if (naming === 'registry' && name) {
    const version = pick('version');
    return version
      ? { type: 'model_version', id: `${name}/${version}` }
      : { type: 'registered_model', id: name };
  }
  const experimentId = pick('experiment_id');
  if (experimentId) return { type: 'experiment', id: experimentId };
  if (name) return { type: naming === 'experiments' ? 'experiment' : 'named', id: name };
  return { type: 'route', id: null };
}

/**
 * A policy table whose entries without an `audit` of their own name their resource with `naming`.
 * Example: `policies: nameResources('registry', combinePolicies({ ... }))`.
 */
export function nameResources(naming: ResourceNaming, table: PolicyTable): PolicyTable {
  const audit = (input: AuditedInput): AuditResource => resourceOf(naming, input);
  return Object.fromEntries(
    Object.entries(table).map(([key, policy]): [string, RoutePolicy] => [
      key,
      policy.audit ? policy : { ...policy, audit },
    ]),
  );
}
