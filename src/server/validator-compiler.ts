import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/** Marks an int64 field: a JSON number, or a string of digits that is turned into a number once valid. */
export const int64Keyword = 'x-int64';
/** Marks an enum field: a name, or a proto enum number that is turned into its text once valid. */
export const enumKeyword = 'x-enum';

type DataContext = { parentData: unknown; parentDataProperty: string | number };

function replaceIn(ctx: DataContext | undefined, value: unknown): void {
  if (ctx?.parentData && typeof ctx.parentData === 'object') {
    (ctx.parentData as Record<string | number, unknown>)[ctx.parentDataProperty] = value;
  }
}

function withWireKeywords(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: int64Keyword,
    schemaType: 'boolean',
    modifying: true,
    validate: (_schema: boolean, data: unknown, _parent?: unknown, ctx?: DataContext) => {
      if (typeof data === 'string') replaceIn(ctx, Number(data));
      return true;
    },
  });
  ajv.addKeyword({
    keyword: enumKeyword,
    schemaType: 'boolean',
    modifying: true,
    validate: (_schema: boolean, data: unknown, _parent?: unknown, ctx?: DataContext) => {
      if (typeof data === 'number') replaceIn(ctx, String(data));
      return true;
    },
  });
  return ajv;
}

/**
 * For query strings and path parameters: an int64 is its string form only. AJV's coercion would otherwise let
 * the `integer` branch take `"0.0"` or `"1e2"`, which MLflow's parser refuses.
 */
function int64AsDigits(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(int64AsDigits);
  if (typeof schema !== 'object' || schema === null) return schema;
  const node = schema as Record<string, unknown>;
  const digits = Array.isArray(node.anyOf)
    ? (node.anyOf as unknown[]).find((b) => (b as { type?: unknown } | null)?.type === 'string')
    : undefined;
  // Kept inside `anyOf`, which AJV checks before the keyword turns the text into a number.
  if (node[int64Keyword] === true && digits !== undefined) return { ...node, anyOf: [digits] };
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, int64AsDigits(value)]));
}

/**
 * Request validation with two rule sets. Query strings and path parameters arrive as text, so they are coerced
 * (`"25"` to 25, a repeated key to an array). JSON bodies are typed already: coercing them would let `["a"]` or
 * `true` pass as a string, which MLflow's protobuf parser refuses, so bodies are checked as they are, apart
 * from the int64-as-string and enum-as-number forms the wire format allows.
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => compiled(httpPart === 'body' ? 'body' : 'text', schema as object);
}

const common: Options = {
  useDefaults: true,
  removeAdditional: true,
  allErrors: false,
  verbose: true,
  strict: false,
};
/** Created on first use: the two rule sets (see `requestValidatorCompiler`). */
let validators: { body: Ajv; text: Ajv } | undefined;
/** Compiled validators by rule set and schema text, shared by every app this process builds. */
const compiledBySchema = new Map<string, ValidateFunction>();

/**
 * The validator of `schema` under a rule set, compiled once per process. Compiling is most of the time it takes
 * to build an app (a few hundred routes); an app built again (a second server in one process, as tests and
 * `bosun` commands do) reuses them. A validator keeps no state between calls apart from `errors`, which Fastify
 * reads right after the call that set it.
 */
function compiled(kind: 'body' | 'text', schema: object): ValidateFunction {
  validators ??= {
    body: withWireKeywords(new Ajv({ ...common, coerceTypes: false })),
    text: withWireKeywords(new Ajv({ ...common, coerceTypes: 'array' })),
  };
  const key = `${kind}:${JSON.stringify(schema)}`;
  let validate = compiledBySchema.get(key);
  if (validate === undefined) {
    validate =
      kind === 'body'
        ? validators.body.compile(schema)
        : validators.text.compile(int64AsDigits(schema) as object);
    compiledBySchema.set(key, validate);
  }
  return validate;
}
