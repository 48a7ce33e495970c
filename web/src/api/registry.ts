/**
 * The model registry calls the pages make: MLflow's documented registry REST API (`/api/2.0/mlflow/...`), the
 * answers read by the TypeScript client's own wire readers (src/client/registry-wire.ts) into the server's
 * domain types.
 */
import type { ModelStage, ModelVersion, RegisteredModel } from '../../../src/client/registry-types';
import { modelVersionFromWire, registeredModelFromWire } from '../../../src/client/registry-wire';
import { nextPageTokenFromWire, readArray } from '../../../src/client/wire';
import { callApi, type WireObject } from './http';
import type { Page } from './tracking';

export type {
  ModelAlias,
  ModelStage,
  ModelVersion,
  RegisteredModel,
} from '../../../src/client/registry-types';
export { modelStages } from '../../../src/client/registry-types';

const mlflow = '/api/2.0/mlflow';
const q = encodeURIComponent;

/** One page of registered models; `filter` is MLflow's grammar (`name LIKE '%iris%'`). */
export async function searchRegisteredModels(
  query: { filter?: string; maxResults: number; pageToken?: string },
  signal?: AbortSignal,
): Promise<Page<RegisteredModel>> {
  const params = new URLSearchParams({ max_results: String(query.maxResults), order_by: 'name ASC' });
  if (query.filter !== undefined && query.filter !== '') params.set('filter', query.filter);
  if (query.pageToken !== undefined) params.set('page_token', query.pageToken);
  const answer = await callApi('GET', `${mlflow}/registered-models/search?${params}`, undefined, signal);
  const items = readArray(answer.registered_models ?? [], 'registered_models').map((m) =>
    registeredModelFromWire(m),
  );
  const next = nextPageTokenFromWire(answer);
  return next === undefined ? { items } : { items, nextPageToken: next };
}

export async function getRegisteredModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
  const answer = await callApi('GET', `${mlflow}/registered-models/get?name=${q(name)}`, undefined, signal);
  return registeredModelFromWire(answer.registered_model);
}

/** Every version of a model, newest first (pages of 1000 followed to the end). */
export async function listModelVersions(name: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const params = new URLSearchParams({
      filter: `name = '${name.replace(/'/g, "\\'")}'`,
      max_results: '1000',
      order_by: 'version_number DESC',
    });
    if (pageToken !== undefined) params.set('page_token', pageToken);
    const answer = await callApi('GET', `${mlflow}/model-versions/search?${params}`, undefined, signal);
    versions.push(
      ...readArray(answer.model_versions ?? [], 'model_versions').map((v) => modelVersionFromWire(v)),
    );
    pageToken = nextPageTokenFromWire(answer);
  } while (pageToken !== undefined);
  return versions;
}

export async function getModelVersion(
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ModelVersion> {
  const answer = await callApi(
    'GET',
    `${mlflow}/model-versions/get?name=${q(name)}&version=${q(version)}`,
    undefined,
    signal,
  );
  return modelVersionFromWire(answer.model_version);
}

export async function renameRegisteredModel(name: string, newName: string): Promise<void> {
  await callApi('POST', `${mlflow}/registered-models/rename`, { name, new_name: newName });
}

export async function deleteRegisteredModel(name: string): Promise<void> {
  await callApi('DELETE', `${mlflow}/registered-models/delete`, { name });
}

export async function updateRegisteredModelDescription(name: string, description: string): Promise<void> {
  await callApi('PATCH', `${mlflow}/registered-models/update`, { name, description });
}

export async function setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
  await callApi('POST', `${mlflow}/registered-models/set-tag`, { name, key, value });
}

export async function deleteRegisteredModelTag(name: string, key: string): Promise<void> {
  await callApi('DELETE', `${mlflow}/registered-models/delete-tag`, { name, key });
}

export async function setModelAlias(name: string, alias: string, version: string): Promise<void> {
  await callApi('POST', `${mlflow}/registered-models/alias`, { name, alias, version });
}

export async function deleteModelAlias(name: string, alias: string): Promise<void> {
  await callApi('DELETE', `${mlflow}/registered-models/alias`, { name, alias });
}

export async function updateModelVersionDescription(
  name: string,
  version: string,
  description: string,
): Promise<void> {
  await callApi('PATCH', `${mlflow}/model-versions/update`, { name, version, description });
}

export async function setModelVersionTag(
  name: string,
  version: string,
  key: string,
  value: string,
): Promise<void> {
  await callApi('POST', `${mlflow}/model-versions/set-tag`, { name, version, key, value });
}

export async function deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
  await callApi('DELETE', `${mlflow}/model-versions/delete-tag`, { name, version, key });
}

/** MLflow's stage transition (no policy gate for stages without a policy; a policy's refusal is a 409). */
export async function transitionStage(name: string, version: string, stage: ModelStage): Promise<void> {
  const body: WireObject = { name, version, stage, archive_existing_versions: false };
  await callApi('POST', `${mlflow}/model-versions/transition-stage`, body);
}

export async function deleteModelVersion(name: string, version: string): Promise<void> {
  await callApi('DELETE', `${mlflow}/model-versions/delete`, { name, version });
}

/** Where the version's files are (`get-download-uri`), to find its MLmodel file. */
export async function getDownloadUri(name: string, version: string, signal?: AbortSignal): Promise<string> {
  const answer = await callApi(
    'GET',
    `${mlflow}/model-versions/get-download-uri?name=${q(name)}&version=${q(version)}`,
    undefined,
    signal,
  );
  return String(answer.artifact_uri ?? '');
}

/** One column of a model signature (MLflow's colspec / tensor spec, as logged in the MLmodel file). */
export interface SignatureColumn {
  name: string;
  type: string;
}

export interface ModelSignature {
  inputs: SignatureColumn[];
  outputs: SignatureColumn[];
}

function signatureColumns(json: string | undefined): SignatureColumn[] {
  if (json === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return [];
    return parsed.map((c: unknown, i) => {
      const o = (typeof c === 'object' && c !== null ? c : {}) as WireObject;
      const type =
        o.type === 'tensor' ? `tensor ${JSON.stringify(o['tensor-spec'] ?? {})}` : String(o.type ?? '?');
      return { name: typeof o.name === 'string' ? o.name : `#${i}`, type };
    });
  } catch {
    return [];
  }
}

/**
 * The signature in an MLmodel file (YAML): MLflow writes `signature:` with `inputs:`/`outputs:` as single-quoted
 * JSON strings, which is all this reads. Undefined when the file has no signature.
 */
export function signatureOfMlmodel(text: string): ModelSignature | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^signature:\s*$/.test(l));
  if (start === -1) return undefined;
  const fields: Record<string, string> = {};
  let open: { key: string; parts: string[] } | undefined;
  for (const line of lines.slice(start + 1)) {
    if (open !== undefined) {
      // A long single-quoted scalar continues on the next lines (YAML folds them with one space).
      open.parts.push(line.trim());
      if (/(^|[^'])('')*'$/.test(line.trim())) {
        const joined = open.parts.join(' ');
        fields[open.key] = joined.slice(0, -1).replace(/''/g, "'");
        open = undefined;
      }
      continue;
    }
    if (!/^\s/.test(line)) break;
    const match = /^\s+(inputs|outputs):\s*'(.*)$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    const rest = match[2];
    if (/(^|[^'])('')*'$/.test(rest)) fields[match[1]] = rest.slice(0, -1).replace(/''/g, "'");
    else open = { key: match[1], parts: [rest] };
  }
  return { inputs: signatureColumns(fields.inputs), outputs: signatureColumns(fields.outputs) };
}

/**
 * The signature of a version, read from its MLmodel file through the artifact proxy; undefined when the
 * version's files are not behind the proxy or have no signature.
 */
export async function getVersionSignature(
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ModelSignature | undefined> {
  const uri = await getDownloadUri(name, version, signal);
  const match = /^mlflow-artifacts:\/+(.*)$/.exec(uri);
  if (match?.[1] === undefined) return undefined;
  const path = match[1].replace(/\/+$/, '').split('/').map(encodeURIComponent).join('/');
  const response = await fetch(`api/2.0/mlflow-artifacts/artifacts/${path}/MLmodel`, {
    credentials: 'same-origin',
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) return undefined;
  return signatureOfMlmodel(await response.text());
}
