import { createHash } from 'node:crypto';
import type { PipelineTrigger, RunAttachment } from './trigger-types.js';

/** Where a trigger's named artifacts are stored in the pipeline run's artifacts: `trigger/<name>/<file>`. */
export const TRIGGER_ARTIFACT_DIR = 'trigger';
/** The tag holding the digest of the trigger artifact `<name>`: `bosun.trigger.artifact.<name>.digest`. */
export const triggerArtifactDigestTag = (name: string): string => `bosun.trigger.artifact.${name}.digest`;
/** The tag recording why the trigger context could not be made (a throw of the context source). */
export const TRIGGER_CONTEXT_ERROR_TAG = 'bosun.trigger.error';

/** The event a firing came from, as the context source sees it. */
export interface TriggerEvent {
  id: number;
  type: string;
  /** The event's subject (a monitor id for alerts, a model name for registry events). */
  subject: string;
  payload: Readonly<Record<string, unknown>>;
}

/**
 * What a trigger attaches to the run it starts, before any step starts: tags on the pipeline run, and named
 * artifacts, each a folder of files stored at `trigger/<name>/` of the pipeline run, which a step reads as an
 * artifact input `from: trigger.<name>` (names as the document's names: a letter or `_`, then letters, digits, `_`).
 * Example: `{ tags: { 'bosun.trigger.result_id': '2' }, artifacts: { drift_report: { 'report.json': '{...}' } } }`.
 */
export interface TriggerContext {
  tags: Readonly<Record<string, string>>;
  artifacts: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Builds the context of a run a trigger starts from its event (the composition root wires one: a monitoring
 * alert's drift report). It should not throw for a report that cannot be made (it tags the run with the reason);
 * a throw is recorded on the run as `bosun.trigger.error` and the run starts anyway.
 */
export type TriggerContextSource = (input: {
  trigger: PipelineTrigger;
  event: TriggerEvent;
}) => Promise<TriggerContext | undefined>;

const ARTIFACT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The digest of a flat folder of files, as the executor digests a folder it uploads (each file's name and SHA-256,
 * in name order), so a step's `bosun.input.NAME.digest` and cache key read the same for it.
 */
export function folderDigest(files: Readonly<Record<string, string>>): string {
  const lines = Object.keys(files)
    .sort((a, b) => (a < b ? -1 : 1))
    .map((name) => `${name}\t${hex(files[name] ?? '')}`);
  return `sha256:${hex(lines.join('\n'))}`;
}

/** The attachment of a context: every file at `trigger/<name>/<file>`, each artifact's digest as a tag. */
export function toAttachment(context: TriggerContext): RunAttachment {
  const tags = Object.entries(context.tags).map(([key, value]) => ({ key, value: value.slice(0, 5000) }));
  const files: { path: string; content: string }[] = [];
  for (const [name, folder] of Object.entries(context.artifacts)) {
    if (!ARTIFACT_NAME.test(name))
      throw new Error(`trigger artifact name '${name.slice(0, 64)}' is not a name`);
    for (const [file, content] of Object.entries(folder)) {
      if (!FILE_NAME.test(file))
        throw new Error(`trigger artifact file '${file.slice(0, 64)}' is not a file name`);
      files.push({ path: `${TRIGGER_ARTIFACT_DIR}/${name}/${file}`, content });
    }
    tags.push({ key: triggerArtifactDigestTag(name), value: folderDigest(folder) });
  }
  return { tags, files };
}
