import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { closed, Description, pattern, ReferenceSchema } from './schema-parts.js';
import { ARTIFACT_KIND_PATTERN, ARTIFACT_KIND_RULE } from './syntax.js';

/**
 * The value types of the pipeline document as TypeBox schemas: constants, the seven types with their constraints,
 * and the three places a type is declared (a parameter, a step input, a step output).
 */

/** A constant in the document: a string, number, boolean, or a list of them. */
export const LiteralScalarSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
export const LiteralValueSchema = Type.Union(
  [Type.String(), Type.Number(), Type.Boolean(), Type.Array(LiteralScalarSchema)],
  {
    title: 'LiteralValue',
    description: 'a constant: a string, number, boolean, or a list of them',
  },
);

const typeMembers = {
  string: {
    type: Type.Literal('string'),
    pattern: Type.Optional(
      Type.String({ maxLength: 1000, description: 'an ECMAScript regular expression the value must match' }),
    ),
    min_length: Type.Optional(Type.Integer({ minimum: 0 })),
    max_length: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  int: {
    type: Type.Literal('int'),
    min: Type.Optional(Type.Integer()),
    max: Type.Optional(Type.Integer()),
  },
  float: {
    type: Type.Literal('float'),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
  },
  bool: { type: Type.Literal('bool') },
  enum: {
    type: Type.Literal('enum'),
    values: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 1000 }),
  },
  artifact: {
    type: Type.Literal('artifact'),
    kind: Type.Optional(pattern(ARTIFACT_KIND_PATTERN, ARTIFACT_KIND_RULE)),
  },
} as const;

/** What a list holds: any type but a list. */
export const ItemTypeSchema = Type.Union(
  [
    Type.Object(typeMembers.string, closed),
    Type.Object(typeMembers.int, closed),
    Type.Object(typeMembers.float, closed),
    Type.Object(typeMembers.bool, closed),
    Type.Object(typeMembers.enum, closed),
    Type.Object(typeMembers.artifact, closed),
  ],
  { title: 'ItemType', description: 'the type of each element of a list' },
);

const listMember = {
  type: Type.Literal('list'),
  items: ItemTypeSchema,
  min_items: Type.Optional(Type.Integer({ minimum: 0 })),
  max_items: Type.Optional(Type.Integer({ minimum: 0 })),
};

/**
 * The seven types with their constraints, each widened by `extra` fields (a param's `default`, an input's
 * binding); `artifacts: false` leaves artifacts out (pipeline parameters are values).
 */
function typedUnion<E extends Record<string, TSchema>>(extra: E, title: string, description: string) {
  return Type.Union(
    [
      Type.Object({ ...typeMembers.string, ...extra }, closed),
      Type.Object({ ...typeMembers.int, ...extra }, closed),
      Type.Object({ ...typeMembers.float, ...extra }, closed),
      Type.Object({ ...typeMembers.bool, ...extra }, closed),
      Type.Object({ ...typeMembers.enum, ...extra }, closed),
      Type.Object({ ...listMember, ...extra }, closed),
      Type.Object({ ...typeMembers.artifact, ...extra }, closed),
    ],
    { title, description },
  );
}

function valueUnion<E extends Record<string, TSchema>>(extra: E, title: string, description: string) {
  return Type.Union(
    [
      Type.Object({ ...typeMembers.string, ...extra }, closed),
      Type.Object({ ...typeMembers.int, ...extra }, closed),
      Type.Object({ ...typeMembers.float, ...extra }, closed),
      Type.Object({ ...typeMembers.bool, ...extra }, closed),
      Type.Object({ ...typeMembers.enum, ...extra }, closed),
      Type.Object({ ...listMember, ...extra }, closed),
    ],
    { title, description },
  );
}

/** A pipeline parameter: a typed value with an optional default, given when a run starts. */
export const ParamSchema = valueUnion(
  { default: Type.Optional(LiteralValueSchema), description: Description },
  'Param',
  'a pipeline parameter: a typed value given when a run starts (string, int, float, bool, enum or list)',
);

/** A step input: its type, and where its value comes from (exactly one of `from` and `value`). */
export const InputSchema = typedUnion(
  {
    from: Type.Optional(ReferenceSchema),
    value: Type.Optional(LiteralValueSchema),
    description: Description,
  },
  'Input',
  'a step input: its type and exactly one of from (a reference) and value (a constant)',
);

/** A step output: a named artifact (passed by reference through the artifact store) or a small typed value. */
export const OutputSchema = typedUnion(
  { description: Description },
  'Output',
  'a step output: an artifact or a small typed value',
);

export type ParamSpec = Static<typeof ParamSchema>;
export type InputSpec = Static<typeof InputSchema>;
export type OutputSpec = Static<typeof OutputSchema>;
export type ItemType = Static<typeof ItemTypeSchema>;
export type LiteralValue = Static<typeof LiteralValueSchema>;
export type LiteralScalar = Static<typeof LiteralScalarSchema>;
