/**
 * The one spelling of each kind of identifier. A request that names a resource by another spelling of its id
 * (`01`, `+1`, `1.0`, ` 1`, `１`, `0x1`, `1e0`) is refused, never normalised: a permission check that compares the
 * id as text and a database that reads it as a number would otherwise disagree about which resource is meant.
 * The HTTP schemas (JSON Schema `pattern`s) and the domain parse functions both use these rules.
 *
 * Example: `new RegExp(anchored(experimentIdSyntax)).test('01')` → false; `isExperimentId('1')` → true.
 */

/** Experiment ids, model version numbers and other serial ids are 32-bit integer columns (PostgreSQL `serial`). */
export const int32Max = 2147483647;

/**
 * A regular expression (without anchors) matching the decimal spellings of `min`..`max` with no sign, no leading
 * zero, no blank and ASCII digits only. `min` is 0 or 1.
 */
export function decimalRangeSyntax(min: 0 | 1, max: number): string {
  const digits = String(max);
  const alternatives: string[] = min === 0 ? ['0'] : [];
  if (digits.length > 1) {
    alternatives.push(digits.length === 2 ? '[1-9]' : `[1-9][0-9]{0,${digits.length - 2}}`);
  }
  // Numbers as long as `max`: a prefix of max, then a smaller digit, then anything.
  for (let i = 0; i < digits.length; i++) {
    const d = Number(digits[i]);
    const lowest = i === 0 ? 1 : 0;
    if (d - 1 >= lowest) {
      const rest = digits.length - i - 1;
      const smaller = d - 1 === lowest ? String(lowest) : `[${lowest}-${d - 1}]`;
      alternatives.push(`${digits.slice(0, i)}${smaller}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
    }
  }
  alternatives.push(digits);
  return alternatives.join('|');
}

/** `^(?:syntax)$`. */
export function anchored(syntax: string): string {
  return `^(?:${syntax})$`;
}

/** `^(?:|syntax)$`: the id, or `""` (which MLflow's proto2 wire format cannot tell from an absent field). */
export function anchoredOrEmpty(syntax: string): string {
  return `^(?:|${syntax})$`;
}

/** Experiment ids: `0` (the Default experiment) to 2147483647. */
export const experimentIdSyntax = decimalRangeSyntax(0, int32Max);

/** Model version numbers, approval ids, token ids, webhook ids, secret versions: 1 to 2147483647. */
export const serialIdSyntax = decimalRangeSyntax(1, int32Max);

/**
 * Run ids, MLflow's rule: an ASCII letter or digit, then up to 255 ASCII letters, digits, `_` or `-`. The server
 * makes 32 lowercase hex characters; other shapes (runs made by other tools, a client's guess) are kept, as MLflow
 * does: run ids are compared as exact text everywhere (both databases, the permission check), so no two spellings
 * name one run.
 */
export const runIdSyntax = '[A-Za-z0-9][A-Za-z0-9_-]{0,255}';

/** Logged-model ids: `m-` and 32 hex characters when the server makes them; any id of up to 64 `[A-Za-z0-9_-]`. */
export const loggedModelIdSyntax = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';

/** Usernames: 1 to 64 ASCII letters, digits, `_ . @ -` (compared case-insensitively, so only ASCII case folds). */
export const usernameSyntax = '[A-Za-z0-9_.@-]{1,64}';

const experimentIdRegExp = new RegExp(anchored(experimentIdSyntax));
const serialIdRegExp = new RegExp(anchored(serialIdSyntax));

/** Whether `value` is an experiment id in its one spelling. */
export function isExperimentId(value: string): boolean {
  return experimentIdRegExp.test(value);
}

/** Whether `value` is a positive 32-bit serial id (a version number...) in its one spelling. */
export function isSerialId(value: string): boolean {
  return serialIdRegExp.test(value);
}

/** The longest registered model name (MLflow's limit). */
export const registeredModelNameMaxLength = 500;

/** Why a text cannot name a registered model. */
export type ModelNameProblem = 'blank' | 'too-long' | 'separator' | 'control';

/**
 * What is wrong with `name` as a registered model's name, or undefined when nothing is. Names are compared as
 * exact text by the permission check and by both databases (no trimming, case or unicode folding), so the name a
 * grant is on is the name the store finds; the rule only keeps out names no model can have.
 */
export function registeredModelNameProblem(name: string): ModelNameProblem | undefined {
  if (name.trim() === '') return 'blank';
  if (name.length > registeredModelNameMaxLength) return 'too-long';
  if (name.includes('/') || name.includes(':') || name.includes('\\') || name === '.' || name === '..') {
    return 'separator';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return 'control';
  return undefined;
}
