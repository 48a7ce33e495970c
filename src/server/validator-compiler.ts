import { Ajv, type Options } from 'ajv';
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
 * Request validation with two rule sets. Query strings and path parameters arrive as text, so they are coerced
 * (`"25"` to 25, a repeated key to an array). JSON bodies are typed already: coercing them would let `["a"]` or
 * `true` pass as a string, which MLflow's protobuf parser refuses, so bodies are checked as they are, apart
 * from the int64-as-string and enum-as-number forms the wire format allows.
 */
export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common: Options = {
    useDefaults: true,
    removeAdditional: true,
    allErrors: false,
    verbose: true,
    strict: false,
  };
  const bodies = withWireKeywords(new Ajv({ ...common, coerceTypes: false }));
  const text = withWireKeywords(new Ajv({ ...common, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : text).compile(schema as object);
}
