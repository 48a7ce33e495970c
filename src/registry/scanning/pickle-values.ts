/**
 * The symbolic values the pickle reader keeps on its stack and memo: just enough to resolve imports and to
 * name what a call or a mutation applies to. Everything else is `other`.
 */
import type { ImportRecord } from './import-log.js';

/** Symbolic values; containers keep at most MAX_ITEMS items (enough for the metadata the reader needs). */
export type Val =
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'seq'; items: Val[] }
  | { t: 'dict'; keys: Val[]; vals: Val[] }
  | { t: 'global'; module: string; name: string; rec?: ImportRecord }
  | { t: 'obj'; cls: Val; args: Val | null; state: Val | null }
  | { t: 'other' };
