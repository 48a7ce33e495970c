import { Type, type TSchema } from '@sinclair/typebox';

/** A wire field that is the schema's value or JSON `null` (the Bosun routes' convention for "not known"). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
