/**
 * The lexical rules of a pipeline document: what a name, a duration, a path or a secret path looks like. Each is a
 * regular expression (it goes into the published JSON Schema unchanged) and a sentence for error messages.
 */

/** The document's version; a reader refuses any other (see docs/pipelines.md, "Versioning"). */
export const PIPELINE_API_VERSION = 'bosun.dev/v1';
export const PIPELINE_KIND = 'Pipeline';

/**
 * Step, parameter, input and output names: usable unchanged as a Python keyword argument and inside a `when`
 * expression (`steps.train.outputs.model`), so no `-` or `.`.
 */
export const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';
export const NAME_RULE = 'a letter or _, then letters, digits or _ (at most 63)';

/** A pipeline's own name (it names the experiment its runs go to). */
export const PIPELINE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
export const PIPELINE_NAME_RULE = 'a letter or digit, then letters, digits, _, . or - (at most 128)';

/** `train`, `model`, `dataset`: an artifact's kind, compared between the output and the input it feeds. */
export const ARTIFACT_KIND_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
export const ARTIFACT_KIND_RULE = 'a lowercase letter, then lowercase letters, digits, _ or -';

/** `90s`, `5m`, `1h30m`, `7d`, `250ms`: one or more whole numbers with a unit. */
export const DURATION_PATTERN = '^([0-9]{1,9}(ms|s|m|h|d))+$';
export const DURATION_RULE = 'whole numbers with units ms, s, m, h, d, such as 90s, 1h30m or 7d';

/** `module.path:function`, resolved against the step's Python environment. */
export const FUNCTION_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$';
export const FUNCTION_RULE = 'module:function, such as pipelines.train:train';

/**
 * A path inside the pipeline's code folder: relative, `/`-separated, no `..` segment (the code digest of a step
 * covers only its folder, so a step cannot reach outside it).
 */
export const RELATIVE_PATH_PATTERN = '^(?!/)(?!.*(^|/)\\.\\.(/|$))(?!.*//)[^\\x00\\\\]{1,1024}$';
export const RELATIVE_PATH_RULE = 'a relative path with / separators and no .. segment';

/** Environment variable names a step sets (plain `env` or `secrets`). */
export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
export const ENV_NAME_RULE = 'a letter or _, then letters, digits or _';
/** Prefixes Bosun sets itself (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, BOSUN_...): a step cannot override them. */
export const RESERVED_ENV_PREFIXES = ['MLFLOW_', 'BOSUN_'] as const;

/**
 * A secret path in Bosun's secret store (`team/db-password`): the same rule as the store's own
 * `validateSecretPath` (segments of [A-Za-z0-9_.-], no `.` or `..` segment); a test keeps the two equal.
 */
export const SECRET_PATH_PATTERN =
  '^(?!(.*/)?\\.{1,2}(/|$))[A-Za-z0-9_.-]{1,512}(/[A-Za-z0-9_.-]{1,512}){0,63}$';
export const SECRET_PATH_RULE = 'segments of letters, digits, _, . and - separated by single /';

/** A label key or value, a resource class name. */
export const LABEL_KEY_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9_./-]{0,61}[A-Za-z0-9])?$';
export const LABEL_KEY_RULE = 'letters, digits, _, ., / and -, starting and ending with a letter or digit';
export const RESOURCE_CLASS_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$';
export const RESOURCE_CLASS_RULE = 'a letter or digit, then letters, digits, _, . or -';

/** Memory as Kubernetes writes it: `512Mi`, `4Gi`, `1.5G`, `1000000`. */
export const MEMORY_PATTERN = '^[0-9]{1,12}(\\.[0-9]{1,6})?(Ki|Mi|Gi|Ti|K|M|G|T)?$';
export const MEMORY_RULE = 'a number with an optional unit Ki, Mi, Gi, Ti, K, M, G or T, such as 512Mi';

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration string (`1h30m` is 5,400,000), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(DURATION_PATTERN).test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/([0-9]+)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (durationUnits[match[2] ?? ''] ?? 0);
  }
  return total;
}
