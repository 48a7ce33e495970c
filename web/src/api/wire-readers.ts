import { ApiError } from './api-error';
import type { WireObject } from './http';

/** Readers that check one value of an answer and name it (`what`) when it is not the expected type. */
export interface WireReaders {
  bad(what: string): never;
  obj(v: unknown, what: string): WireObject;
  arr(v: unknown, what: string): unknown[];
  str(v: unknown, what: string): string;
  num(v: unknown, what: string): number;
}

/**
 * The readers of one API's answers: an unexpected value is an `ApiError` MALFORMED_RESPONSE naming the API and
 * the value. Example: `const { obj, str } = wireReaders('pipelines'); str(obj(answer, 'run').run_id, 'run id')`.
 */
export function wireReaders(api: string): WireReaders {
  const bad = (what: string): never => {
    throw new ApiError('MALFORMED_RESPONSE', 200, `The ${api} API answered an unexpected ${what}.`);
  };
  return {
    bad,
    obj: (v, what) =>
      typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as WireObject) : bad(what),
    arr: (v, what) => (Array.isArray(v) ? v : bad(what)),
    str: (v, what) => (typeof v === 'string' ? v : bad(what)),
    num: (v, what) => (typeof v === 'number' ? v : bad(what)),
  };
}
