/**
 * A pickle reader that never executes anything: it walks a stream opcode by opcode (protocols 0-5) and keeps a
 * symbolic stack and memo, just deep enough to resolve what each import names (`STACK_GLOBAL` operands that come
 * from strings or memo gets) and what REDUCE / BUILD / NEWOBJ / INST / OBJ call. Everything else is an opaque
 * placeholder. A malformed or truncated stream is an error (the caller fails the scan), never a guess.
 *
 * joblib writes numpy array bytes raw between pickle opcodes (after the BUILD of a
 * `joblib.numpy_pickle.NumpyArrayWrapper`); the reader skips them the way joblib reads them, and also reads
 * the skipped region the way plain `pickle.load` would, so a payload hidden there is still reported.
 */
import type { ScanBudget } from './budget.js';
import { canonicalModule } from './globals-policy.js';
import { ImportLog } from './import-log.js';
import { describe, type Val } from './pickle-values.js';
import { ScanFormatError, ScanLimitError } from './types.js';

export { ImportLog } from './import-log.js';

const MAX_ITEMS = 256;
const MAX_STRING = 4096;
const OTHER: Val = { t: 'other' };
const NONE: Val = { t: 'none' };
const TRUE: Val = { t: 'bool', v: true };
const FALSE: Val = { t: 'bool', v: false };
const UNRESOLVED = 'unknown';

/** The legacy (non-zip) PyTorch file starts with this magic number pickled as a LONG1 at protocol 2. */
const TORCH_LEGACY_PREFIX = Buffer.from([
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
]);

const UFUNC_RECONSTRUCT = new Set(['numpy.core._ufunc_reconstruct', 'numpy._core._ufunc_reconstruct']);

/** The pickle memo: dense array for the usual sequential indices, a map for anything else. */
class Memo {
  private readonly dense: Val[] = [];
  private sparse: Map<number, Val> | undefined;
  size = 0;

  get(i: number): Val | undefined {
    return i < this.dense.length ? this.dense[i] : this.sparse?.get(i);
  }

  set(i: number, v: Val): void {
    if (i < this.dense.length) {
      this.dense[i] = v;
      return;
    }
    if (i === this.dense.length && !this.sparse?.has(i)) {
      this.dense.push(v);
      this.size += 1;
      return;
    }
    this.sparse ??= new Map();
    if (!this.sparse.has(i)) this.size += 1;
    this.sparse.set(i, v);
  }
}

export interface PickleReadOptions {
  budget: ScanBudget;
  /** Where imports and uses are recorded (its allow-list extras apply). */
  log: ImportLog;
  /** Apply joblib's NumpyArrayWrapper reading (skip raw array bytes). */
  joblib: boolean;
}

class Machine {
  pos: number;
  stack: Val[] = [];
  meta: Val[][] = [];
  stopped = false;
  private ops = 0;
  /** Offset of the opcode being executed. */
  private at = 0;

  constructor(
    private readonly buf: Buffer,
    start: number,
    readonly memo: Memo,
    private readonly opts: PickleReadOptions,
    /** Read-only memo consulted on a miss (for speculative reads that must not disturb the real memo). */
    private readonly parentMemo?: Memo,
  ) {
    this.pos = start;
  }

  private fail(message: string): never {
    throw new ScanFormatError(`pickle: ${message} at offset ${this.pos}`);
  }

  private need(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.buf.length) this.fail('truncated stream');
    this.pos = at + n;
    return at;
  }

  private readLine(): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail('truncated stream (missing newline)');
    const s = this.buf.toString('latin1', this.pos, nl);
    this.pos = nl + 1;
    return s;
  }

  private readUtf8Line(): string {
    const nl = this.buf.indexOf(0x0a, this.pos);
    if (nl < 0) this.fail('truncated stream (missing newline)');
    const bytes = this.buf.subarray(this.pos, nl);
    this.pos = nl + 1;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail('import name is not UTF-8');
    }
  }

  private len8(): number {
    const at = this.need(8);
    const n = this.buf.readBigUInt64LE(at);
    if (n > BigInt(this.buf.length - this.pos)) this.fail('truncated stream (length past the end)');
    return Number(n);
  }

  private push(v: Val): void {
    this.stack.push(v);
    if (this.stack.length > this.opts.budget.limits.maxStackSize) {
      throw new ScanLimitError(
        'maxStackSize',
        `pickle stack deeper than ${this.opts.budget.limits.maxStackSize}`,
      );
    }
  }

  private pop(): Val {
    const v = this.stack.pop();
    if (v === undefined) this.fail('stack underflow');
    return v;
  }

  private top(): Val {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined) this.fail('stack underflow');
    return v;
  }

  private mark(): void {
    this.meta.push(this.stack);
    if (this.meta.length > this.opts.budget.limits.maxStackSize) {
      throw new ScanLimitError('maxStackSize', `more than ${this.opts.budget.limits.maxStackSize} MARKs`);
    }
    this.stack = [];
  }

  private popMark(): Val[] {
    const items = this.stack;
    const prev = this.meta.pop();
    if (prev === undefined) this.fail('MARK expected');
    this.stack = prev;
    return items;
  }

  private memoPut(i: number): void {
    if (!Number.isSafeInteger(i) || i < 0) this.fail('negative memo index');
    const v = this.top();
    this.memo.set(i, v);
    if (this.memo.size > this.opts.budget.limits.maxMemoSize) {
      throw new ScanLimitError(
        'maxMemoSize',
        `pickle memo larger than ${this.opts.budget.limits.maxMemoSize}`,
      );
    }
  }

  private memoGet(i: number): void {
    const v = this.memo.get(i) ?? this.parentMemo?.get(i);
    if (v === undefined) this.fail(`memo value ${i} not found`);
    this.push(v);
  }

  private importGlobal(module: string, name: string, op: string): Val {
    const log = this.opts.log;
    const rec = log.add({ module, name, cls: log.classify(module, name), offset: this.at, op });
    return { t: 'global', module, name, rec };
  }

  private unresolved(module: string, name: string, op: string): Val {
    const rec = this.opts.log.add({ module, name, cls: { kind: 'unresolved' }, offset: this.at, op });
    return { t: 'global', module, name, rec };
  }

  /** Records a call of `callee`; a callee that is not an import cannot be vetted by the allow list. */
  private noteCall(callee: Val, how: string): void {
    if (callee.t === 'global') {
      callee.rec?.calls.add(how);
      return;
    }
    this.opts.log.use({ kind: 'indirect-call', op: how, offset: this.at, ...describe(callee) });
  }

  /** BUILD, SETITEM(S), APPEND(S) and ADDITEMS on an import change that module-level object. */
  private noteMutation(target: Val, how: string): void {
    if (target.t === 'global') {
      this.opts.log.use({ kind: 'global-mutation', op: how, offset: this.at, ...describe(target) });
    }
  }

  /** REDUCE: `_ufunc_reconstruct(module, name)` is an import of module.name; anything else is a call. */
  private reduce(callee: Val, args: Val): Val {
    if (callee.t === 'global' && UFUNC_RECONSTRUCT.has(`${canonicalModule(callee.module)}.${callee.name}`)) {
      callee.rec?.calls.add('REDUCE');
      const m = args.t === 'seq' ? args.items[0] : undefined;
      const n = args.t === 'seq' ? args.items[1] : undefined;
      const op = `REDUCE(${callee.name})`;
      if (m?.t === 'str' && n?.t === 'str') return this.importGlobal(m.v, n.v, op);
      return this.unresolved(m?.t === 'str' ? m.v : UNRESOLVED, n?.t === 'str' ? n.v : UNRESOLVED, op);
    }
    this.noteCall(callee, 'REDUCE');
    return { t: 'obj', cls: callee, args, state: null };
  }

  private str(bytesStart: number, n: number, enc: 'utf8' | 'latin1'): Val {
    if (n > MAX_STRING) return OTHER;
    return { t: 'str', v: this.buf.toString(enc, bytesStart, bytesStart + n) };
  }

  /** Appends to a container on the stack (at most MAX_ITEMS kept). */
  private static addItems(target: Val, items: Val[]): void {
    if (target.t === 'seq') {
      for (const it of items) if (target.items.length < MAX_ITEMS) target.items.push(it);
    }
  }

  private static setItems(target: Val, items: Val[]): void {
    if (target.t !== 'dict') return;
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (target.keys.length >= MAX_ITEMS) return;
      target.keys.push(items[i] as Val);
      target.vals.push(items[i + 1] as Val);
    }
  }

  private parseIntLine(line: string): Val {
    const t = line.endsWith('L') ? line.slice(0, -1) : line;
    if (!/^\s*[-+]?\d+\s*$/.test(t)) this.fail(`bad integer literal ${JSON.stringify(line.slice(0, 40))}`);
    const n = Number(t);
    return Number.isSafeInteger(n) ? { t: 'int', v: n } : OTHER;
  }

  /** Runs until STOP (returns true) or until `end` is reached (returns false). */
  run(end: number): boolean {
    const buf = this.buf;
    const budget = this.opts.budget;
    try {
      while (this.pos < end) {
        if (++this.ops >= 65536) {
          budget.addOpcodes(this.ops);
          this.ops = 0;
        }
        this.at = this.pos;
        const op = buf[this.pos++] as number;
        switch (op) {
          case 0x28: // MARK
            this.mark();
            break;
          case 0x2e: // STOP
            this.pop();
            this.stopped = true;
            return true;
          case 0x30: // POP
            if (this.stack.length > 0) this.stack.pop();
            else this.popMark();
            break;
          case 0x31: // POP_MARK
            this.popMark();
            break;
          case 0x32: // DUP
            this.push(this.top());
            break;
          case 0x46: {
            // FLOAT
            const line = this.readLine();
            if (Number.isNaN(Number(line)) && !/^[-+]?(nan|inf)/i.test(line.trim())) this.fail('bad float');
            this.push(OTHER);
            break;
          }
          case 0x49: {
            // INT
            const line = this.readLine();
            if (line === '00') this.push(FALSE);
            else if (line === '01') this.push(TRUE);
            else this.push(this.parseIntLine(line));
            break;
          }
          case 0x4c: // LONG
            this.push(this.parseIntLine(this.readLine()));
            break;
          case 0x4a: // BININT
            this.push({ t: 'int', v: buf.readInt32LE(this.need(4)) });
            break;
          case 0x4b: // BININT1
            this.push({ t: 'int', v: buf[this.need(1)] as number });
            break;
          case 0x4d: // BININT2
            this.push({ t: 'int', v: buf.readUInt16LE(this.need(2)) });
            break;
          case 0x8a: {
            // LONG1
            const n = buf[this.need(1)] as number;
            const at = this.need(n);
            this.push(
              n > 0 && n <= 6 ? { t: 'int', v: buf.readIntLE(at, n) } : n === 0 ? { t: 'int', v: 0 } : OTHER,
            );
            break;
          }
          case 0x8b: {
            // LONG4
            const n = buf.readInt32LE(this.need(4));
            if (n < 0) this.fail('LONG pickle has negative byte count');
            const at = this.need(n);
            this.push(n > 0 && n <= 6 ? { t: 'int', v: buf.readIntLE(at, n) } : OTHER);
            break;
          }
          case 0x47: // BINFLOAT
            this.need(8);
            this.push(OTHER);
            break;
          case 0x4e: // NONE
            this.push(NONE);
            break;
          case 0x88: // NEWTRUE
            this.push(TRUE);
            break;
          case 0x89: // NEWFALSE
            this.push(FALSE);
            break;
          case 0x50: // PERSID
            this.readLine();
            this.push(OTHER);
            break;
          case 0x51: // BINPERSID
            this.pop();
            this.push(OTHER);
            break;
          case 0x52: {
            // REDUCE
            const args = this.pop();
            const callee = this.pop();
            this.push(this.reduce(callee, args));
            break;
          }
          case 0x53: {
            // STRING
            const line = this.readLine();
            const q = line[0];
            if (line.length < 2 || (q !== '"' && q !== "'") || line[line.length - 1] !== q) {
              this.fail('the STRING opcode argument must be quoted');
            }
            const body = line.slice(1, -1);
            this.push(body.length > MAX_STRING ? OTHER : { t: 'str', v: decodePyEscapes(body) });
            break;
          }
          case 0x54: {
            // BINSTRING
            const n = buf.readInt32LE(this.need(4));
            if (n < 0) this.fail('BINSTRING pickle has negative byte count');
            this.push(this.str(this.need(n), n, 'latin1'));
            break;
          }
          case 0x55: {
            // SHORT_BINSTRING
            const n = buf[this.need(1)] as number;
            this.push(this.str(this.need(n), n, 'latin1'));
            break;
          }
          case 0x56: {
            // UNICODE (raw-unicode-escape)
            const line = this.readLine();
            this.push(line.length > MAX_STRING ? OTHER : { t: 'str', v: decodeRawUnicodeEscape(line) });
            break;
          }
          case 0x58: {
            // BINUNICODE
            const n = buf.readUInt32LE(this.need(4));
            this.push(this.str(this.need(n), n, 'utf8'));
            break;
          }
          case 0x8c: {
            // SHORT_BINUNICODE
            const n = buf[this.need(1)] as number;
            this.push(this.str(this.need(n), n, 'utf8'));
            break;
          }
          case 0x8d: {
            // BINUNICODE8
            const n = this.len8();
            this.push(this.str(this.need(n), n, 'utf8'));
            break;
          }
          case 0x42: // BINBYTES
            this.need(buf.readUInt32LE(this.need(4)));
            this.push(OTHER);
            break;
          case 0x43: // SHORT_BINBYTES
            this.need(buf[this.need(1)] as number);
            this.push(OTHER);
            break;
          case 0x8e: // BINBYTES8
          case 0x96: // BYTEARRAY8
            this.need(this.len8());
            this.push(OTHER);
            break;
          case 0x29: // EMPTY_TUPLE
            this.push({ t: 'seq', items: [] });
            break;
          case 0x85: // TUPLE1
            this.push({ t: 'seq', items: [this.pop()] });
            break;
          case 0x86: {
            // TUPLE2
            const b = this.pop();
            const a = this.pop();
            this.push({ t: 'seq', items: [a, b] });
            break;
          }
          case 0x87: {
            // TUPLE3
            const c = this.pop();
            const b = this.pop();
            const a = this.pop();
            this.push({ t: 'seq', items: [a, b, c] });
            break;
          }
          case 0x74: // TUPLE
          case 0x6c: // LIST
          case 0x91: // FROZENSET
            this.push({ t: 'seq', items: this.popMark().slice(0, MAX_ITEMS) });
            break;
          case 0x5d: // EMPTY_LIST
          case 0x8f: // EMPTY_SET
            this.push({ t: 'seq', items: [] });
            break;
          case 0x7d: // EMPTY_DICT
            this.push({ t: 'dict', keys: [], vals: [] });
            break;
          case 0x64: {
            // DICT
            const items = this.popMark();
            if (items.length % 2 !== 0) this.fail('odd number of items for DICT');
            const d: Val = { t: 'dict', keys: [], vals: [] };
            Machine.setItems(d, items);
            this.push(d);
            break;
          }
          case 0x61: {
            // APPEND
            const v = this.pop();
            const target = this.top();
            if (target.t === 'global') this.noteMutation(target, 'APPEND');
            Machine.addItems(target, [v]);
            break;
          }
          case 0x65: // APPENDS
          case 0x90: {
            // ADDITEMS
            const items = this.popMark();
            const target = this.top();
            if (target.t === 'global') this.noteMutation(target, op === 0x65 ? 'APPENDS' : 'ADDITEMS');
            Machine.addItems(target, items);
            break;
          }
          case 0x73: {
            // SETITEM
            const v = this.pop();
            const k = this.pop();
            const target = this.top();
            if (target.t === 'global') this.noteMutation(target, 'SETITEM');
            Machine.setItems(target, [k, v]);
            break;
          }
          case 0x75: {
            // SETITEMS
            const items = this.popMark();
            if (items.length % 2 !== 0) this.fail('odd number of items for SETITEMS');
            const target = this.top();
            if (target.t === 'global') this.noteMutation(target, 'SETITEMS');
            Machine.setItems(target, items);
            break;
          }
          case 0x62: {
            // BUILD
            const state = this.pop();
            const target = this.top();
            if (target.t === 'global') this.noteMutation(target, 'BUILD');
            if (target.t === 'obj') {
              this.noteCall(target.cls, 'BUILD');
              target.state = state;
              if (this.opts.joblib && isGlobal(target.cls, 'joblib.numpy_pickle', 'NumpyArrayWrapper')) {
                this.skipJoblibArray(state);
              }
            }
            break;
          }
          case 0x63: {
            // GLOBAL
            const module = this.readUtf8Line();
            const name = this.readUtf8Line();
            this.push(this.importGlobal(module, name, 'GLOBAL'));
            break;
          }
          case 0x93: {
            // STACK_GLOBAL
            const name = this.pop();
            const module = this.pop();
            if (module.t === 'str' && name.t === 'str') {
              this.push(this.importGlobal(module.v, name.v, 'STACK_GLOBAL'));
            } else {
              const m = module.t === 'str' ? module.v : UNRESOLVED;
              const n = name.t === 'str' ? name.v : UNRESOLVED;
              this.push(this.unresolved(m, n, 'STACK_GLOBAL'));
            }
            break;
          }
          case 0x69: {
            // INST
            const module = this.readUtf8Line();
            const name = this.readUtf8Line();
            const cls = this.importGlobal(module, name, 'INST');
            const args = this.popMark();
            this.noteCall(cls, 'INST');
            this.push({ t: 'obj', cls, args: { t: 'seq', items: args.slice(0, MAX_ITEMS) }, state: null });
            break;
          }
          case 0x6f: {
            // OBJ
            const items = this.popMark();
            const cls = items[0];
            if (cls === undefined) this.fail('OBJ without a class');
            this.noteCall(cls, 'OBJ');
            this.push({ t: 'obj', cls, args: { t: 'seq', items: items.slice(1, MAX_ITEMS) }, state: null });
            break;
          }
          case 0x81: {
            // NEWOBJ
            const args = this.pop();
            const cls = this.pop();
            this.noteCall(cls, 'NEWOBJ');
            this.push({ t: 'obj', cls, args, state: null });
            break;
          }
          case 0x92: {
            // NEWOBJ_EX
            this.pop();
            const args = this.pop();
            const cls = this.pop();
            this.noteCall(cls, 'NEWOBJ_EX');
            this.push({ t: 'obj', cls, args, state: null });
            break;
          }
          case 0x82: // EXT1
          case 0x83: // EXT2
          case 0x84: {
            // EXT4
            const code =
              op === 0x82
                ? (buf[this.need(1)] as number)
                : op === 0x83
                  ? buf.readUInt16LE(this.need(2))
                  : buf.readInt32LE(this.need(4));
            this.opts.log.add({
              module: 'copyreg',
              name: `extension[${code}]`,
              cls: { kind: 'extension', code },
              offset: this.at,
              op: op === 0x82 ? 'EXT1' : op === 0x83 ? 'EXT2' : 'EXT4',
            });
            this.push(OTHER);
            break;
          }
          case 0x80: {
            // PROTO
            const p = buf[this.need(1)] as number;
            if (p > 5) this.fail(`unsupported pickle protocol ${p}`);
            break;
          }
          case 0x95: // FRAME
            this.need(8);
            break;
          case 0x94: // MEMOIZE
            this.memoPut(this.memo.size);
            break;
          case 0x70: // PUT
            this.memoPut(Number(this.readLine()));
            break;
          case 0x71: // BINPUT
            this.memoPut(buf[this.need(1)] as number);
            break;
          case 0x72: // LONG_BINPUT
            this.memoPut(buf.readUInt32LE(this.need(4)));
            break;
          case 0x67: {
            // GET
            const line = this.readLine();
            if (!/^\d+$/.test(line)) this.fail('bad GET index');
            this.memoGet(Number(line));
            break;
          }
          case 0x68: // BINGET
            this.memoGet(buf[this.need(1)] as number);
            break;
          case 0x6a: // LONG_BINGET
            this.memoGet(buf.readUInt32LE(this.need(4)));
            break;
          case 0x97: // NEXT_BUFFER
            this.push(OTHER);
            break;
          case 0x98: // READONLY_BUFFER
            this.top();
            break;
          default:
            this.pos -= 1;
            this.fail(`invalid opcode 0x${op.toString(16).padStart(2, '0')}`);
        }
      }
      return false;
    } finally {
      budget.addOpcodes(this.ops);
      this.ops = 0;
    }
  }

  /**
   * After the BUILD of a NumpyArrayWrapper, joblib reads the array from the file: for object dtypes a nested
   * pickle, otherwise an optional alignment-padding byte (and that many bytes) then itemsize * count raw bytes.
   */
  private skipJoblibArray(state: Val): void {
    const shape = dictGet(state, 'shape');
    const dtype = dictGet(state, 'dtype');
    const aligned = dictGet(state, 'numpy_array_alignment_bytes') !== undefined;
    const regionStart = this.pos;
    if (dtype && dtypeHasObject(dtype)) {
      // A nested, plain pickle with its own stack and memo.
      const nested = new Machine(this.buf, this.pos, new Memo(), { ...this.opts, joblib: false });
      if (!nested.run(this.buf.length)) this.fail('truncated nested pickle of a joblib object array');
      this.pos = nested.pos;
      return;
    }
    const count = shapeCount(shape);
    const itemsize = dtype ? dtypeItemsize(dtype) : undefined;
    if (count === undefined || itemsize === undefined) {
      this.fail('joblib NumpyArrayWrapper without a readable shape and dtype');
    }
    if (aligned) {
      const pad = this.buf[this.need(1)] as number;
      this.need(pad);
    }
    const bytes = count * itemsize;
    if (!Number.isSafeInteger(bytes)) this.fail('joblib array too large');
    this.need(bytes);
    this.readRegionAsPlainPickle(regionStart, this.pos);
  }

  /**
   * Plain `pickle.load` would read the bytes joblib treats as array data as opcodes. Read them that way too,
   * without disturbing this machine, and keep any dangerous import found before the read breaks down.
   */
  private readRegionAsPlainPickle(start: number, end: number): void {
    const log = new ImportLog(this.opts.log.allowExtras);
    const spec = new Machine(this.buf, start, new Memo(), { ...this.opts, log, joblib: false }, this.memo);
    spec.stack = this.stack.slice();
    spec.meta = this.meta.map((s) => s.slice());
    try {
      spec.run(end);
    } catch (e) {
      if (e instanceof ScanLimitError) throw e;
      // Expected: array bytes are rarely a valid pickle.
    }
    const note = 'hidden in joblib array bytes, reached when the file is read with plain pickle.load';
    const whole = spec.pos >= end;
    for (const r of log.records.values()) {
      if (r.cls.kind === 'safe') continue;
      // Array bytes that break down as opcodes are data; keep what a real payload needs: a dangerous import,
      // or an import that was called, or anything at all when the bytes read to the end as a pickle.
      if (r.cls.kind === 'dangerous' || whole || (r.cls.kind === 'unknown' && r.calls.size > 0)) {
        const rec = this.opts.log.add({
          module: r.module,
          name: r.name,
          cls: r.cls,
          offset: r.offset,
          op: [...r.ops][0] ?? 'GLOBAL',
        });
        for (const c of r.calls) rec.calls.add(c);
        rec.note = note;
      }
    }
    if (whole) for (const u of log.uses.values()) this.opts.log.use({ ...u, note });
  }
}

function isGlobal(v: Val, module: string, name: string): boolean {
  return v.t === 'global' && v.module === module && v.name === name;
}

function dictGet(d: Val, key: string): Val | undefined {
  if (d.t !== 'dict') return undefined;
  for (let i = 0; i < d.keys.length; i++) {
    const k = d.keys[i];
    if (k && k.t === 'str' && k.v === key) return d.vals[i];
  }
  return undefined;
}

function shapeCount(shape: Val | undefined): number | undefined {
  if (!shape || shape.t !== 'seq') return undefined;
  let count = 1;
  for (const d of shape.items) {
    if (d.t !== 'int' || d.v < 0) return undefined;
    count *= d.v;
  }
  return count;
}

/** numpy.dtype rebuilt as REDUCE(numpy.dtype, ('f8', False, True)) then BUILD((3, '<', None, names, fields, elsize, alignment, flags)). */
function dtypeParts(dtype: Val): { type: string; state: Val[] } | undefined {
  if (dtype.t !== 'obj' || dtype.cls.t !== 'global' || dtype.cls.name !== 'dtype') return undefined;
  const args = dtype.args;
  const first = args && args.t === 'seq' ? args.items[0] : undefined;
  if (!first || first.t !== 'str') return undefined;
  const state = dtype.state && dtype.state.t === 'seq' ? dtype.state.items : [];
  return { type: first.v, state };
}

function dtypeHasObject(dtype: Val): boolean {
  const parts = dtypeParts(dtype);
  if (!parts) return false;
  if (/^[|<>=]?O/.test(parts.type)) return true;
  const flags = parts.state[7];
  return flags !== undefined && flags.t === 'int' && (flags.v & 1) === 1;
}

function dtypeItemsize(dtype: Val): number | undefined {
  const parts = dtypeParts(dtype);
  if (!parts) return undefined;
  const elsize = parts.state[5];
  if (elsize && elsize.t === 'int' && elsize.v > 0) return elsize.v;
  const m = /^[|<>=]?[a-zA-Z](\d+)/.exec(parts.type);
  if (m?.[1]) return Number(m[1]);
  if (/^[|<>=]?[?bB]$/.test(parts.type)) return 1;
  return undefined;
}

/** Python's escape decoding for the quoted STRING opcode (enough for names; unknown escapes are kept). */
function decodePyEscapes(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      "'": "'",
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
    };
    return map[e] ?? `\\${e}`;
  });
}

function decodeRawUnicodeEscape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4?: string, u8?: string) =>
    String.fromCodePoint(parseInt((u4 ?? u8) as string, 16)),
  );
}

export interface PickleStreamResult {
  /** Pickles read to their STOP. */
  pickles: number;
  /** Offset after the last byte read. */
  end: number;
}

/**
 * Reads every pickle concatenated in `buf` from `start` to the end (one memo across them, as a reused
 * Unpickler). Trailing ASCII whitespace or NUL bytes are ignored; anything else that is not a complete pickle
 * throws `ScanFormatError`. The legacy PyTorch format (magic-number pickle, then four pickles, then raw
 * storages) stops after its five pickles.
 */
export function readPickleStream(buf: Buffer, start: number, opts: PickleReadOptions): PickleStreamResult {
  const memo = new Memo();
  const legacyTorch = buf.subarray(start, start + TORCH_LEGACY_PREFIX.length).equals(TORCH_LEGACY_PREFIX);
  let pos = start;
  let pickles = 0;
  while (pos < buf.length) {
    if (pickles > 0 && isPadding(buf, pos)) break;
    if (legacyTorch && pickles >= 5) break;
    const m = new Machine(buf, pos, memo, opts);
    if (!m.run(buf.length)) {
      throw new ScanFormatError(`pickle: truncated stream (no STOP before the end, offset ${m.pos})`);
    }
    pos = m.pos;
    pickles += 1;
  }
  if (pickles === 0) throw new ScanFormatError('pickle: empty stream');
  return { pickles, end: pos };
}

/** Reads exactly one pickle from `start`; returns the offset after its STOP. */
export function readOnePickle(buf: Buffer, start: number, opts: PickleReadOptions): number {
  const m = new Machine(buf, start, new Memo(), opts);
  if (!m.run(buf.length)) throw new ScanFormatError(`pickle: truncated stream (no STOP before the end)`);
  return m.pos;
}

function isPadding(buf: Buffer, pos: number): boolean {
  for (let i = pos; i < buf.length; i++) {
    const b = buf[i] as number;
    if (b !== 0 && b !== 0x0a && b !== 0x0d && b !== 0x20 && b !== 0x09) return false;
  }
  return true;
}

/** True when the bytes start like a pickle with a protocol header (0x80 then 2-5, or 0x80 0x00/0x01). */
export function hasPickleMagic(buf: Buffer, at = 0): boolean {
  return buf[at] === 0x80 && (buf[at + 1] ?? 0xff) <= 5;
}
