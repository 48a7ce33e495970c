/** MLflow's wire form of registry objects (registered models, model versions) and their conversions. */
import { Type, type Static } from '@sinclair/typebox';
import type { ModelVersion, RegisteredModel } from '../../registry/index.js';
import { TagOut } from './wire-schemas.js';
import { tagsToWire } from './wire.js';

const Opt = Type.Optional;

export const ModelVersionOut = Type.Object({
  name: Type.String(),
  version: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  current_stage: Type.String({ description: 'None, Staging, Production or Archived' }),
  description: Opt(Type.String()),
  source: Type.String(),
  run_id: Opt(Type.String()),
  status: Type.String({ description: 'always READY: versions are registered synchronously' }),
  run_link: Opt(Type.String()),
  tags: Opt(Type.Array(TagOut)),
  aliases: Opt(Type.Array(Type.String())),
  model_id: Opt(Type.String()),
});
export type ModelVersionOutWire = Static<typeof ModelVersionOut>;

export const RegisteredModelOut = Type.Object({
  name: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  description: Opt(Type.String()),
  latest_versions: Opt(Type.Array(ModelVersionOut, { description: 'the latest version in each stage' })),
  tags: Opt(Type.Array(TagOut)),
  aliases: Opt(Type.Array(Type.Object({ alias: Type.String(), version: Type.String() }))),
});
export type RegisteredModelOutWire = Static<typeof RegisteredModelOut>;

export function modelVersionToWire(v: ModelVersion): ModelVersionOutWire {
  return {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    current_stage: v.currentStage,
    // MLflow's server stores a version's missing description as "" (the proto default) and sends it; its client
    // reads an absent one as None.
    description: v.description ?? '',
    source: v.source,
    run_id: v.runId,
    status: v.status,
    run_link: v.runLink,
    tags: tagsToWire(v.tags),
    aliases: v.aliases.length > 0 ? [...v.aliases] : undefined,
    model_id: v.modelId,
  };
}

export function registeredModelToWire(m: RegisteredModel): RegisteredModelOutWire {
  return {
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    description: m.description,
    latest_versions: m.latestVersions.length > 0 ? m.latestVersions.map(modelVersionToWire) : undefined,
    tags: tagsToWire(m.tags),
    aliases:
      m.aliases.length > 0 ? m.aliases.map((a) => ({ alias: a.alias, version: a.version })) : undefined,
  };
}
