/**
 * The symbolic values the pickle reader keeps on its stack and memo: just enough to resolve imports and to
 * name what a call or a mutation applies to. Everything else is `other`.
 */
import { canonicalModule } from './globals-policy.js';
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

/** Names the value a non-import call or a mutation applies to. */
export function describe(v: Val): { target: string; module?: string; name?: string } {
  switch (v.t) {
    case 'global':
      return {
        target: `${canonicalModule(v.module)}.${v.name}`,
        module: canonicalModule(v.module),
        name: v.name,
      };
    case 'obj':
      return {
        target:
          v.cls.t === 'global'
            ? `the result of calling ${canonicalModule(v.cls.module)}.${v.cls.name}`
            : 'the result of another call',
      };
    case 'str':
    case 'int':
    case 'bool':
    case 'none':
      return { target: `a ${v.t === 'none' ? 'None' : v.t} value` };
    case 'seq':
    case 'dict':
      return { target: `a ${v.t === 'seq' ? 'tuple or list' : 'dict'}` };
    case 'other':
      return { target: 'an opaque value' };
  }
}
