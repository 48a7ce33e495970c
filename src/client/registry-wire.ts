/** MLflow's wire form of registered models and model versions, read into the registry's domain types. */
import type { ModelAlias, ModelStage, ModelVersion, RegisteredModel } from './registry-types.js';
import { modelStages } from './registry-types.js';
import {
  malformed,
  readArray,
  readInteger,
  readObject,
  readOptionalString,
  readString,
  tagsFromWire,
} from './wire.js';

function readStage(value: unknown, where: string): ModelStage {
  const text = value ?? 'None';
  const stage = modelStages.find((s) => s.toLowerCase() === String(text).toLowerCase());
  if (stage === undefined) throw malformed(`${where}.current_stage '${String(text)}' is unknown`);
  return stage;
}

export function modelVersionFromWire(value: unknown, where = 'model_version'): ModelVersion {
  const o = readObject(value, where);
  const version: ModelVersion = {
    name: readString(o, 'name', where),
    version: String(readInteger(o, 'version', where)),
    creationTimestamp: readInteger(o, 'creation_timestamp', where, 0),
    lastUpdatedTimestamp: readInteger(o, 'last_updated_timestamp', where, 0),
    currentStage: readStage(o.current_stage, where),
    source: readOptionalString(o, 'source', where) ?? '',
    // The MLflow API has no storage location field; get-download-uri gives it.
    storageLocation: readOptionalString(o, 'storage_location', where) ?? '',
    status: 'READY',
    tags: tagsFromWire(o.tags, `${where}.tags`),
    aliases: readArray(o.aliases, `${where}.aliases`).map((a, i) => {
      if (typeof a !== 'string') throw malformed(`${where}.aliases[${i}] is not a string`);
      return a;
    }),
  };
  const description = readOptionalString(o, 'description', where);
  const runId = readOptionalString(o, 'run_id', where);
  const runLink = readOptionalString(o, 'run_link', where);
  const modelId = readOptionalString(o, 'model_id', where);
  if (description !== undefined && description !== '') version.description = description;
  if (runId !== undefined && runId !== '') version.runId = runId;
  if (runLink !== undefined && runLink !== '') version.runLink = runLink;
  if (modelId !== undefined && modelId !== '') version.modelId = modelId;
  return version;
}

export function registeredModelFromWire(value: unknown, where = 'registered_model'): RegisteredModel {
  const o = readObject(value, where);
  const model: RegisteredModel = {
    name: readString(o, 'name', where),
    creationTimestamp: readInteger(o, 'creation_timestamp', where, 0),
    lastUpdatedTimestamp: readInteger(o, 'last_updated_timestamp', where, 0),
    latestVersions: readArray(o.latest_versions, `${where}.latest_versions`).map((v, i) =>
      modelVersionFromWire(v, `${where}.latest_versions[${i}]`),
    ),
    tags: tagsFromWire(o.tags, `${where}.tags`),
    aliases: readArray(o.aliases, `${where}.aliases`).map((a, i): ModelAlias => {
      const ao = readObject(a, `${where}.aliases[${i}]`);
      return {
        alias: readString(ao, 'alias', `${where}.aliases[${i}]`),
        version: String(readInteger(ao, 'version', `${where}.aliases[${i}]`)),
      };
    }),
  };
  const description = readOptionalString(o, 'description', where);
  if (description !== undefined && description !== '') model.description = description;
  return model;
}
