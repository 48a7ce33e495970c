import type { PromotionTarget } from '../registry-context.js';
import { InvalidParameterError } from '../../shared/index.js';
import { parseStage, validateAlias } from '../validation.js';

/**
 * Parses a policy target: `alias:<name>` or `stage:<Stage>` (stage names case-insensitive).
 * Example: `parseTarget('stage:production')` → `{ kind: 'stage', stage: 'Production' }`.
 */
export function parseTarget(text: unknown): PromotionTarget {
  if (typeof text !== 'string' || text === '') {
    throw new InvalidParameterError(
      "Missing value for required parameter 'target' (alias:<name> or stage:<Stage>).",
    );
  }
  const colon = text.indexOf(':');
  const kind = colon === -1 ? '' : text.slice(0, colon).toLowerCase();
  const rest = text.slice(colon + 1);
  if (kind === 'alias') return { kind: 'alias', alias: validateAlias(rest) };
  if (kind === 'stage') return { kind: 'stage', stage: parseStage(rest) };
  throw new InvalidParameterError(
    `Invalid target '${text.slice(0, 200)}': expected alias:<name> or stage:<Stage>.`,
  );
}

/** The canonical text of a target: `alias:champion`, `stage:Production`. */
export function formatTarget(target: PromotionTarget): string {
  return target.kind === 'alias' ? `alias:${target.alias}` : `stage:${target.stage}`;
}

/** How a target reads in a sentence: `alias 'champion'`, `stage 'Production'`. */
export function describeTarget(target: PromotionTarget): string {
  return target.kind === 'alias' ? `alias '${target.alias}'` : `stage '${target.stage}'`;
}
