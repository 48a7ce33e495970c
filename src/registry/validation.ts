import {
  int32Max,
  InvalidParameterError,
  isSerialId,
  registeredModelNameMaxLength,
  registeredModelNameProblem,
} from '../shared/index.js';
import { validateKey, validateLength } from '../tracking/index.js';
import { modelStages, type ModelStage, type Tag } from './types.js';

/** MLflow's limits for the registry. */
export const registryLimits = {
  tagValueLength: 100_000,
  aliasLength: 255,
  nameLength: registeredModelNameMaxLength,
  descriptionLength: 100_000,
  searchModelsDefault: 100,
  searchModelsMax: 1000,
  searchVersionsDefault: 10_000,
  searchVersionsMax: 200_000,
} as const;

/** Registered-model names: non-blank, no `/` or `:`, nothing that path normalisation would change. */
export function validateModelName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string') {
    throw new InvalidParameterError(`Registered model ${what} cannot be empty.`);
  }
  const problem = registeredModelNameProblem(name);
  switch (problem) {
    case undefined:
      return name;
    case 'blank':
      throw new InvalidParameterError(`Registered model ${what} cannot be empty.`);
    case 'too-long':
      return validateLength(what, name, registryLimits.nameLength);
    case 'separator':
      throw new InvalidParameterError(
        `Invalid registered model ${what} '${name}': names may not contain '/', ':' or '\\', nor be '.' or '..'.`,
      );
    case 'control':
      throw new InvalidParameterError(
        `Invalid registered model ${what}: control characters are not allowed.`,
      );
  }
}

/**
 * Version numbers: 1 to 2147483647, as that number or in its one spelling as text (no sign, leading zero, blank,
 * decimal point, exponent or non-ASCII digit), so that `01` never names version 1 by another name.
 */
export function parseVersion(version: unknown): number {
  const text = typeof version === 'number' ? String(version) : version;
  if (typeof text !== 'string' || !isSerialId(text)) {
    throw new InvalidParameterError(
      `Parameter 'version' must be an integer from 1 to ${int32Max} without sign, leading zeros or blanks, got '${String(version).slice(0, 40)}'.`,
    );
  }
  return Number(text);
}

/** Aliases: `[\w-]+`, at most 255 characters; `latest` and `v<digits>` are reserved (they name versions). */
export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || alias === '') {
    throw new InvalidParameterError('Registered model alias name cannot be empty.');
  }
  if (alias.length > registryLimits.aliasLength) {
    throw new InvalidParameterError(
      `Registered model alias name '${alias.slice(0, 50)}...' exceeds the maximum length of ${registryLimits.aliasLength} characters.`,
    );
  }
  if (!/^[\w-]+$/u.test(alias)) {
    throw new InvalidParameterError(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new InvalidParameterError(
      `'${alias}' alias name (case insensitive) is reserved. Alias names may not be 'latest' or 'v<number>'.`,
    );
  }
  return alias;
}

export function validateRegistryTag(tag: Tag): Tag {
  validateKey('tag', tag.key);
  const value = String(tag.value ?? '');
  validateLength('value', value, registryLimits.tagValueLength);
  return { key: tag.key, value };
}

export function validateDescription(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  return validateLength('description', description, registryLimits.descriptionLength);
}

/** Stage names are case-insensitive on input (`production`, `PRODUCTION`); returned in MLflow's spelling. */
export function parseStage(stage: unknown): ModelStage {
  if (typeof stage === 'string') {
    const found = modelStages.find((s) => s.toLowerCase() === stage.trim().toLowerCase());
    if (found) return found;
  }
  throw new InvalidParameterError(
    `Invalid Model Version stage: ${String(stage)}. Value must be one of ${modelStages.join(', ')}.`,
  );
}
