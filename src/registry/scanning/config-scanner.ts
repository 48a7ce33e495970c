/**
 * Checks the imports a JSON model config asks its loader to make, against the same lists as pickle imports:
 *
 * - Keras (`config.json` of a `.keras` file): every object with a `module` and a `class_name`. Keras resolves
 *   `keras.*` names through its own registry of exported objects; before Keras 3.9 any other module was
 *   imported as written (CVE-2025-1550), so a module outside the Keras namespaces that is not allow-listed is
 *   suspicious and a dangerous one (`os`, `subprocess`...) is unsafe, even with safe_mode on.
 * - skops (`schema.json` of a `.skops` file): every object with a `__module__` and a `__class__`, and each
 *   function a `FunctionNode` names (`module_path`, `function`). skops refuses untrusted types at load time
 *   unless told to trust them; the scanner reports them the same way as pickle imports.
 *
 * Nothing in the JSON is evaluated; a file that is not valid JSON yields nothing here.
 */
import { classifyGlobal, dangerousModule } from './globals-policy.js';
import type { ScanFinding } from './types.js';

/** Namespaces whose names Keras resolves through its registry of exported objects, not by importing. */
const KERAS_NAMESPACES = new Set(['keras', 'keras_hub', 'keras_cv', 'keras_nlp', 'tf_keras']);
/** Walk bound: objects visited in one config (real configs have a few thousand). */
const MAX_NODES = 2_000_000;

interface Reference {
  module: string;
  name: string;
  via: string;
}

function references(root: unknown): Reference[] {
  const out: Reference[] = [];
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_NODES) {
    const node = stack.pop();
    visited += 1;
    if (Array.isArray(node)) {
      for (const v of node) if (v !== null && typeof v === 'object') stack.push(v);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const o = node as Record<string, unknown>;
    if (typeof o['module'] === 'string' && typeof o['class_name'] === 'string') {
      out.push({ module: o['module'], name: o['class_name'], via: 'Keras config' });
    }
    if (typeof o['__module__'] === 'string' && typeof o['__class__'] === 'string') {
      out.push({ module: o['__module__'], name: o['__class__'], via: 'skops schema' });
    }
    if (o['__loader__'] === 'FunctionNode') {
      const content = o['content'];
      if (content !== null && typeof content === 'object' && !Array.isArray(content)) {
        const c = content as Record<string, unknown>;
        if (typeof c['module_path'] === 'string' && typeof c['function'] === 'string') {
          out.push({ module: c['module_path'], name: c['function'], via: 'skops schema (function)' });
        }
      }
    }
    for (const v of Object.values(o)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return out;
}

/** Findings for the imports named in a JSON config (none for JSON that names no module). */
export function scanJsonConfig(file: string, bytes: Buffer, allow?: ReadonlySet<string>): ScanFinding[] {
  if (bytes.indexOf('"module"') < 0 && bytes.indexOf('"__module__"') < 0) return [];
  let root: unknown;
  try {
    root = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  const seen = new Map<string, { ref: Reference; count: number }>();
  for (const ref of references(root)) {
    const key = `${ref.module}\u0000${ref.name}`;
    const s = seen.get(key);
    if (s) s.count += 1;
    else seen.set(key, { ref, count: 1 });
  }
  const findings: ScanFinding[] = [];
  for (const { ref, count } of seen.values()) {
    const cls = classifyGlobal(ref.module, ref.name, allow);
    const qualified = `${ref.module}.${ref.name}`;
    const times = count > 1 ? ` (${count} times)` : '';
    if (cls.kind === 'dangerous') {
      findings.push({
        file,
        kind: 'dangerous-global',
        module: ref.module,
        name: ref.name,
        severity: cls.severity,
        detail: `the ${ref.via} names ${qualified}${times}, which ${cls.reason}; loading it imports that`,
      });
      continue;
    }
    const top = ref.module.split('.')[0] ?? ref.module;
    if (cls.kind === 'safe' || (ref.via === 'Keras config' && KERAS_NAMESPACES.has(top))) continue;
    findings.push({
      file,
      kind: 'unknown-global',
      module: ref.module,
      name: ref.name,
      severity: 'MEDIUM',
      detail: `the ${ref.via} names ${qualified}${times}, which is not on the allow list of known-safe constructors; loading it imports that`,
    });
  }
  return findings;
}

const LOADER_MODULE = /^\s*loader_module:\s*['"]?([A-Za-z_][\w.]*)['"]?\s*$/gm;

/**
 * An MLmodel file: mlflow imports each flavor's `loader_module` and calls its `_load_pyfunc`. mlflow's own
 * loaders (`mlflow.sklearn`...) are the normal case; any other module is code from outside the lists (a
 * module shipped in the model's `code/` folder, or anything else importable), so it is suspicious, or unsafe
 * when the module is on the deny list.
 */
export function scanMlmodel(file: string, bytes: Buffer): ScanFinding[] {
  const text = bytes.toString('utf8');
  const findings: ScanFinding[] = [];
  LOADER_MODULE.lastIndex = 0;
  for (let m = LOADER_MODULE.exec(text); m; m = LOADER_MODULE.exec(text)) {
    const module = m[1] as string;
    if (module === 'mlflow' || module.startsWith('mlflow.')) continue;
    const rule = dangerousModule(module);
    findings.push({
      file,
      kind: rule ? 'dangerous-global' : 'unknown-global',
      module,
      name: '_load_pyfunc',
      severity: rule ? rule.severity : 'MEDIUM',
      detail: `the MLmodel names loader_module ${module}, which mlflow imports to load the model${
        rule ? `; it ${rule.reason}` : ", and which is not one of mlflow's own loaders"
      }`,
    });
  }
  return findings;
}
