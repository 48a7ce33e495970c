import { randomBytes, randomUUID } from 'node:crypto';

/** A run id as MLflow makes them: 32 lowercase hex characters. */
export function newRunId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A logged-model id as MLflow 3 makes them: `m-` and 32 hex characters. */
export function newLoggedModelId(): string {
  return `m-${randomUUID().replaceAll('-', '')}`;
}

const adjectives = [
  'able',
  'bold',
  'calm',
  'deft',
  'eager',
  'fair',
  'glad',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'quiet',
  'rapid',
  'sly',
  'tidy',
  'vivid',
];
const nouns = [
  'anchor',
  'bosun',
  'cutter',
  'dinghy',
  'ensign',
  'galley',
  'harbor',
  'keel',
  'mast',
  'oar',
  'rudder',
  'sail',
  'tide',
  'wake',
  'yawl',
  'wharf',
];

/** A readable random run name, `adjective-noun-NNN`, used when the client gives none. */
export function newRunName(): string {
  const b = randomBytes(3);
  return `${adjectives[b[0]! % adjectives.length]}-${nouns[b[1]! % nouns.length]}-${b[2]! % 1000}`;
}
