import { Type, type SchemaOptions } from '@sinclair/typebox';

/**
 * A string that is one of `values`: typed as their union and documented as an enum, but
 * serialised as a plain string. A union of literals would make fast-json-stringify throw (a 500) on a
 * value outside it, such as one that a newer Hearth wrote to the database.
 */
export const StringEnum = <const T extends readonly string[]>(values: T, options: SchemaOptions = {}) =>
  Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
