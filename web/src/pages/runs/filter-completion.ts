import { quoteKey, type DataColumn } from './run-columns';

/** The run attributes MLflow's filter grammar knows (`attributes.status = 'FAILED'`). */
const attributeKeys = ['run_name', 'status', 'start_time', 'end_time', 'user_id', 'run_id', 'artifact_uri'];

/** Characters of a key being typed: `metrics.acc`, `params.` or a backtick-quoted key started. */
const keyChar = /[A-Za-z0-9_.`\-/]/;

/** The word the caret is in: where it starts and what has been typed of it. */
export interface TypedWord {
  start: number;
  end: number;
  text: string;
}

/** The key-like word ending at `caret` in `input` (empty text when the caret follows a space or operator). */
export function wordAt(input: string, caret: number): TypedWord {
  let start = caret;
  while (start > 0 && keyChar.test(input[start - 1] ?? '')) start--;
  let end = caret;
  while (end < input.length && keyChar.test(input[end] ?? '')) end++;
  return { start, end, text: input.slice(start, caret) };
}

/** A key as the grammar wants it written: bare when it is a plain identifier, else backtick-quoted. */
function writeKey(prefix: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${prefix}.${name}` : `${prefix}.${quoteKey(name)}`;
}

/** Every key a filter may name, from the columns the loaded runs have. */
export function filterKeys(columns: readonly DataColumn[]): string[] {
  return [...columns.map((c) => writeKey(c.kind, c.name)), ...attributeKeys.map((a) => `attributes.${a}`)];
}

/**
 * The keys to offer for the word being typed (case-insensitive; a word without a dot also matches the name
 * after the prefix, so `acc` offers `metrics.accuracy`), at most `limit`; nothing for an empty word or a word
 * that already is a complete key.
 */
export function completionsFor(word: string, keys: readonly string[], limit = 8): string[] {
  if (word.length === 0) return [];
  const lower = word.toLowerCase().replace(/`/g, '');
  const matches = keys.filter((key) => {
    const k = key.toLowerCase().replace(/`/g, '');
    if (k === lower) return false;
    return k.startsWith(lower) || (!lower.includes('.') && k.slice(k.indexOf('.') + 1).startsWith(lower));
  });
  return matches.slice(0, limit);
}
