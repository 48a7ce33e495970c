/**
 * What one pickle stream imported and did: each import (deduplicated by module and name) with its class, the
 * opcodes that made and used it and where; calls of values that are not imports; changes made to imports
 * themselves. `toFindings` turns them into scan findings.
 */
import { canonicalModule, classifyGlobal, type GlobalClass } from './globals-policy.js';
import type { ScanFinding } from './types.js';

export interface ImportRecord {
  module: string;
  name: string;
  cls: GlobalClass | { kind: 'unresolved' } | { kind: 'extension'; code: number };
  count: number;
  /** Byte offset of the first opcode that made this import. */
  offset: number;
  /** The opcodes that made the import (GLOBAL, STACK_GLOBAL, INST, EXT1...). */
  ops: Set<string>;
  /** The opcodes that called it or gave it state (REDUCE, NEWOBJ, BUILD...). */
  calls: Set<string>;
  note?: string;
}

/** Something done to a value rather than an import: a call of a non-import, or a change to an import. */
interface UseRecord {
  kind: 'indirect-call' | 'global-mutation';
  op: string;
  offset: number;
  count: number;
  /** What was called or changed: `module.name` of an import, or a description. */
  target: string;
  module?: string;
  name?: string;
  note?: string;
}

/** Imports (deduplicated by module and name) and uses seen in one file. */
export class ImportLog {
  readonly records = new Map<string, ImportRecord>();
  readonly uses = new Map<string, UseRecord>();
  private readonly classes = new Map<string, GlobalClass>();

  /** `allowExtras`: `module.qualname` entries allowed on top of the allow list (ScanOptions.allowGlobals). */
  constructor(readonly allowExtras?: ReadonlySet<string>) {}

  /** Classifies `module.name` once per log. */
  classify(module: string, name: string): GlobalClass {
    const key = `${module}\u0000${name}`;
    let c = this.classes.get(key);
    if (!c) {
      c = classifyGlobal(module, name, this.allowExtras);
      this.classes.set(key, c);
    }
    return c;
  }

  add(record: Omit<ImportRecord, 'count' | 'calls' | 'ops'> & { op: string }): ImportRecord {
    const key = `${record.module}\u0000${record.name}\u0000${record.cls.kind}`;
    let r = this.records.get(key);
    if (!r) {
      const { op: _op, ...rest } = record;
      r = { ...rest, count: 0, calls: new Set(), ops: new Set() };
      this.records.set(key, r);
    }
    r.ops.add(record.op);
    r.count += 1;
    return r;
  }

  use(record: Omit<UseRecord, 'count'>): void {
    const key = `${record.kind}\u0000${record.op}\u0000${record.target}`;
    const r = this.uses.get(key);
    if (r) r.count += 1;
    else this.uses.set(key, { ...record, count: 1 });
  }

  toFindings(file: string): ScanFinding[] {
    const out: ScanFinding[] = [];
    for (const r of this.records.values()) {
      const calls = r.calls.size > 0 ? `; called via ${[...r.calls].sort().join(', ')}` : '';
      const times = r.count > 1 ? ` (${r.count} times)` : '';
      const note = r.note ? `; ${r.note}` : '';
      const module = canonicalModule(r.module);
      const qualified = `${module}.${r.name}${module !== r.module ? ` (written as ${r.module}.${r.name})` : ''}`;
      const how = `with ${[...r.ops].sort().join(', ')} at offset ${r.offset}${times}`;
      const where = { offset: r.offset, opcodes: [...r.ops, ...[...r.calls].sort()] };
      switch (r.cls.kind) {
        case 'safe':
          break;
        case 'dangerous':
          out.push({
            file,
            kind: 'dangerous-global',
            module,
            name: r.name,
            severity: r.cls.severity,
            detail: `imports ${qualified} ${how}, which ${r.cls.reason}${calls}${note}`,
            ...where,
          });
          break;
        case 'unknown':
          out.push({
            file,
            kind: 'unknown-global',
            module,
            name: r.name,
            severity: 'MEDIUM',
            detail: `imports ${qualified} ${how}, which is not on the allow list of known-safe constructors${calls}${note}`,
            ...where,
          });
          break;
        case 'unresolved':
          out.push({
            file,
            kind: 'unresolved-global',
            module: r.module,
            name: r.name,
            severity: 'CRITICAL',
            detail: `imports ${qualified} ${how} from an operand that is not a resolvable string${calls}${note}`,
            ...where,
          });
          break;
        case 'extension':
          out.push({
            file,
            kind: 'extension-global',
            severity: 'CRITICAL',
            detail: `imports through copyreg extension code ${r.cls.code} ${how}, which cannot be resolved${calls}${note}`,
            ...where,
          });
          break;
      }
    }
    for (const u of this.uses.values()) {
      const times = u.count > 1 ? ` (${u.count} times)` : '';
      const note = u.note ? `; ${u.note}` : '';
      const names = {
        ...(u.module !== undefined ? { module: u.module } : {}),
        ...(u.name !== undefined ? { name: u.name } : {}),
      };
      const where = { offset: u.offset, opcodes: [u.op] };
      switch (u.kind) {
        case 'indirect-call':
          out.push({
            file,
            kind: 'indirect-call',
            ...names,
            severity: 'MEDIUM',
            detail: `${u.op} at offset ${u.offset}${times} calls ${u.target}, not an import the allow list can vet${note}`,
            ...where,
          });
          break;
        case 'global-mutation':
          out.push({
            file,
            kind: 'global-mutation',
            ...names,
            severity: 'CRITICAL',
            detail: `${u.op} at offset ${u.offset}${times} changes the imported object ${u.target} itself (module state, not an instance)${note}`,
            ...where,
          });
          break;
      }
    }
    return out;
  }
}
