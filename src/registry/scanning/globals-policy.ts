/**
 * Which pickle imports are dangerous, allow-listed or unknown. The deny list follows picklescan's
 * `_unsafe_globals` and modelscan's `unsafe_globals` severities (shared/reference/security.md section 4), with
 * more doors to the same rooms named in the comments; it only decides how bad a finding is. What decides
 * whether a file is clean is the allow list (`allowlist.ts`): exact `module.qualname` entries, never module
 * prefixes. Anything on neither list is `unknown` and makes the verdict `suspicious` (docs/model-scanning.md).
 */
import { isAllowListed } from './allowlist.js';
import type { Severity } from './types.js';

export type GlobalClass =
  { kind: 'safe' } | { kind: 'dangerous'; severity: Severity; reason: string } | { kind: 'unknown' };

/**
 * Python 2 names that `pickle` maps to Python 3 modules for protocols < 3 (`fix_imports`, `_compat_pickle`), so
 * `commands.getoutput` is classified as `subprocess.getoutput`.
 */
const PY2_MODULES: Record<string, string> = {
  __builtin__: 'builtins',
  exceptions: 'builtins',
  copy_reg: 'copyreg',
  commands: 'subprocess',
  cPickle: 'pickle',
  httplib: 'http.client',
  urllib2: 'urllib.request',
  urlparse: 'urllib.parse',
  BaseHTTPServer: 'http.server',
  SimpleHTTPServer: 'http.server',
  CGIHTTPServer: 'http.server',
  SocketServer: 'socketserver',
  cookielib: 'http.cookiejar',
  thread: '_thread',
  Queue: 'queue',
  StringIO: 'io',
  cStringIO: 'io',
  UserDict: 'collections',
  ConfigParser: 'configparser',
  xmlrpclib: 'xmlrpc.client',
};

export function canonicalModule(module: string): string {
  return PY2_MODULES[module] ?? module;
}

interface Rule {
  severity: Severity;
  reason: string;
}

const EXEC = 'runs code or commands';
const NET = 'opens network connections';
const FILE = 'reads or writes files';

/** Whole modules (and their submodules). */
const DANGEROUS_MODULES: Record<string, Rule> = {
  // modelscan CRITICAL modules
  os: { severity: 'CRITICAL', reason: EXEC },
  posix: { severity: 'CRITICAL', reason: EXEC },
  nt: { severity: 'CRITICAL', reason: EXEC },
  subprocess: { severity: 'CRITICAL', reason: EXEC },
  sys: { severity: 'CRITICAL', reason: 'changes the interpreter' },
  pty: { severity: 'CRITICAL', reason: EXEC },
  runpy: { severity: 'CRITICAL', reason: EXEC },
  socket: { severity: 'CRITICAL', reason: NET },
  pickle: { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  _pickle: { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  bdb: { severity: 'CRITICAL', reason: EXEC },
  pdb: { severity: 'CRITICAL', reason: EXEC },
  shutil: { severity: 'CRITICAL', reason: FILE },
  asyncio: { severity: 'CRITICAL', reason: EXEC },
  // picklescan whole-module entries
  commands: { severity: 'CRITICAL', reason: EXEC },
  ctypes: { severity: 'CRITICAL', reason: 'calls native code' },
  _ctypes: { severity: 'CRITICAL', reason: 'calls native code' },
  venv: { severity: 'CRITICAL', reason: EXEC },
  pip: { severity: 'CRITICAL', reason: EXEC },
  uuid: { severity: 'CRITICAL', reason: EXEC },
  cProfile: { severity: 'CRITICAL', reason: EXEC },
  profile: { severity: 'CRITICAL', reason: EXEC },
  timeit: { severity: 'CRITICAL', reason: EXEC },
  pydoc: { severity: 'CRITICAL', reason: EXEC },
  test: { severity: 'CRITICAL', reason: EXEC },
  _osx_support: { severity: 'CRITICAL', reason: EXEC },
  _aix_support: { severity: 'CRITICAL', reason: EXEC },
  _pyrepl: { severity: 'CRITICAL', reason: EXEC },
  idlelib: { severity: 'CRITICAL', reason: EXEC },
  'numpy.f2py': { severity: 'CRITICAL', reason: EXEC },
  'numpy.testing._private.utils': { severity: 'CRITICAL', reason: EXEC },
  'distutils.file_util': { severity: 'HIGH', reason: FILE },
  // additions: same families, other doors
  _posixsubprocess: { severity: 'CRITICAL', reason: EXEC },
  multiprocessing: { severity: 'CRITICAL', reason: EXEC },
  importlib: { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
  imp: { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
  zipimport: { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
  code: { severity: 'CRITICAL', reason: EXEC },
  codeop: { severity: 'CRITICAL', reason: EXEC },
  marshal: { severity: 'CRITICAL', reason: 'builds code objects' },
  shelve: { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  dill: { severity: 'CRITICAL', reason: 'builds functions from code' },
  cloudpickle: { severity: 'CRITICAL', reason: 'builds functions from code' },
  trace: { severity: 'CRITICAL', reason: EXEC },
  doctest: { severity: 'CRITICAL', reason: EXEC },
  ensurepip: { severity: 'CRITICAL', reason: EXEC },
  platform: { severity: 'HIGH', reason: EXEC },
  // callables that escaped every list before the allow list (and their neighbours)
  site: { severity: 'CRITICAL', reason: EXEC },
  _thread: { severity: 'CRITICAL', reason: 'starts threads running any callable' },
  threading: { severity: 'HIGH', reason: 'starts threads running any callable' },
  concurrent: { severity: 'CRITICAL', reason: EXEC },
  _multiprocessing: { severity: 'CRITICAL', reason: EXEC },
  atexit: { severity: 'CRITICAL', reason: 'registers code to run at exit' },
  distutils: { severity: 'CRITICAL', reason: EXEC },
  setuptools: { severity: 'CRITICAL', reason: EXEC },
  lib2to3: { severity: 'CRITICAL', reason: 'rewrites files and loads pickles' },
  unittest: { severity: 'CRITICAL', reason: 'imports and runs modules' },
  mailcap: { severity: 'CRITICAL', reason: EXEC },
  'logging.config': { severity: 'CRITICAL', reason: 'imports and calls anything named in a configuration' },
  'logging.handlers': { severity: 'HIGH', reason: `${FILE} or ${NET}` },
  _winapi: { severity: 'CRITICAL', reason: EXEC },
  msvcrt: { severity: 'HIGH', reason: 'calls native code' },
  winreg: { severity: 'HIGH', reason: 'changes the registry' },
  _winreg: { severity: 'HIGH', reason: 'changes the registry' },
  _socket: { severity: 'CRITICAL', reason: NET },
  _ssl: { severity: 'HIGH', reason: NET },
  select: { severity: 'HIGH', reason: NET },
  selectors: { severity: 'HIGH', reason: NET },
  wsgiref: { severity: 'HIGH', reason: NET },
  urllib: { severity: 'HIGH', reason: NET },
  'http.cookiejar': { severity: 'HIGH', reason: FILE },
  tempfile: { severity: 'HIGH', reason: FILE },
  dbm: { severity: 'HIGH', reason: FILE },
  _dbm: { severity: 'HIGH', reason: FILE },
  _gdbm: { severity: 'HIGH', reason: FILE },
  glob: { severity: 'HIGH', reason: FILE },
  fileinput: { severity: 'HIGH', reason: FILE },
  linecache: { severity: 'HIGH', reason: FILE },
  filecmp: { severity: 'HIGH', reason: FILE },
  zipfile: { severity: 'HIGH', reason: FILE },
  tarfile: { severity: 'HIGH', reason: FILE },
  gzip: { severity: 'HIGH', reason: FILE },
  bz2: { severity: 'HIGH', reason: FILE },
  lzma: { severity: 'HIGH', reason: FILE },
  mmap: { severity: 'HIGH', reason: FILE },
  fcntl: { severity: 'HIGH', reason: FILE },
  signal: { severity: 'HIGH', reason: 'changes signal handlers' },
  _signal: { severity: 'HIGH', reason: 'changes signal handlers' },
  gc: { severity: 'HIGH', reason: 'reaches every live object' },
  inspect: { severity: 'HIGH', reason: 'reaches interpreter state' },
  pkgutil: { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
  getpass: { severity: 'HIGH', reason: 'reads the terminal' },
  pwd: { severity: 'HIGH', reason: 'reads user accounts' },
  grp: { severity: 'HIGH', reason: 'reads user accounts' },
  spwd: { severity: 'HIGH', reason: 'reads user accounts' },
  resource: { severity: 'HIGH', reason: 'changes process limits' },
  tkinter: { severity: 'HIGH', reason: EXEC },
  _tkinter: { severity: 'HIGH', reason: EXEC },
  'pandas.io': { severity: 'HIGH', reason: `${FILE} or ${NET}` },
  'pandas.io.pickle': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'pandas.core.computation': { severity: 'CRITICAL', reason: 'evaluates expressions' },
  'numpy.ctypeslib': { severity: 'CRITICAL', reason: 'loads native libraries' },
  'numpy.distutils': { severity: 'CRITICAL', reason: EXEC },
  'numpy.lib.format': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'numpy.lib.npyio': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'numpy.lib._npyio_impl': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'numpy.testing': { severity: 'CRITICAL', reason: EXEC },
  'scipy.io': { severity: 'HIGH', reason: FILE },
  'sklearn.datasets': { severity: 'HIGH', reason: `${FILE} or ${NET}` },
  'sklearn.utils._testing': { severity: 'CRITICAL', reason: EXEC },
  'sklearn.externals': { severity: 'HIGH', reason: 'vendored code outside the model classes' },
  'torch.hub': { severity: 'CRITICAL', reason: 'downloads and runs code' },
  'torch.package': { severity: 'CRITICAL', reason: 'imports code shipped in a package' },
  'torch.utils.cpp_extension': { severity: 'CRITICAL', reason: 'compiles and loads native code' },
  'torch.multiprocessing': { severity: 'CRITICAL', reason: EXEC },
  'torch.distributed': { severity: 'CRITICAL', reason: NET },
  'torch._dynamo': { severity: 'CRITICAL', reason: EXEC },
  'torch._inductor': { severity: 'CRITICAL', reason: EXEC },
  'torch.fx.graph_module': { severity: 'CRITICAL', reason: 'runs Python code carried in the file' },
  'torch.jit': { severity: 'CRITICAL', reason: 'compiles and runs code' },
  'torch.serialization': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'tensorflow.io': { severity: 'HIGH', reason: FILE },
  'keras.saving': { severity: 'CRITICAL', reason: 'loads a nested model' },
  'keras.src.saving': { severity: 'CRITICAL', reason: 'loads a nested model' },
  'keras.utils': { severity: 'HIGH', reason: `${FILE} or ${NET}` },
  'mlflow.pyfunc': { severity: 'CRITICAL', reason: 'loads and runs a nested model' },
  'mlflow.projects': { severity: 'CRITICAL', reason: EXEC },
  'mlflow.artifacts': { severity: 'HIGH', reason: NET },
  // modelscan HIGH and picklescan network modules
  webbrowser: { severity: 'HIGH', reason: NET },
  httplib: { severity: 'HIGH', reason: NET },
  'http.client': { severity: 'HIGH', reason: NET },
  'http.server': { severity: 'HIGH', reason: NET },
  'requests.api': { severity: 'HIGH', reason: NET },
  requests: { severity: 'HIGH', reason: NET },
  urllib3: { severity: 'HIGH', reason: NET },
  httpx: { severity: 'HIGH', reason: NET },
  'urllib.request': { severity: 'HIGH', reason: NET },
  aiohttp: { severity: 'HIGH', reason: NET },
  ssl: { severity: 'HIGH', reason: NET },
  ftplib: { severity: 'HIGH', reason: NET },
  smtplib: { severity: 'HIGH', reason: NET },
  telnetlib: { severity: 'HIGH', reason: NET },
  poplib: { severity: 'HIGH', reason: NET },
  imaplib: { severity: 'HIGH', reason: NET },
  nntplib: { severity: 'HIGH', reason: NET },
  xmlrpc: { severity: 'HIGH', reason: NET },
  socketserver: { severity: 'HIGH', reason: NET },
  sqlite3: { severity: 'HIGH', reason: FILE },
};

/** Specific `module.name` entries (a name matches itself and its dotted attributes). */
const DANGEROUS_NAMES: Record<string, Rule> = {
  'builtins.eval': { severity: 'CRITICAL', reason: EXEC },
  'builtins.exec': { severity: 'CRITICAL', reason: EXEC },
  'builtins.execfile': { severity: 'CRITICAL', reason: EXEC },
  'builtins.compile': { severity: 'CRITICAL', reason: EXEC },
  'builtins.apply': { severity: 'CRITICAL', reason: EXEC },
  'builtins.getattr': { severity: 'CRITICAL', reason: 'reaches any attribute' },
  'builtins.setattr': { severity: 'CRITICAL', reason: 'changes any attribute' },
  'builtins.delattr': { severity: 'CRITICAL', reason: 'changes any attribute' },
  'builtins.open': { severity: 'CRITICAL', reason: FILE },
  'builtins.breakpoint': { severity: 'CRITICAL', reason: EXEC },
  'builtins.__import__': { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
  'builtins.globals': { severity: 'CRITICAL', reason: 'reaches interpreter state' },
  'builtins.locals': { severity: 'CRITICAL', reason: 'reaches interpreter state' },
  'builtins.vars': { severity: 'CRITICAL', reason: 'reaches interpreter state' },
  'builtins.input': { severity: 'HIGH', reason: 'reads the terminal' },
  'builtins.memoryview': { severity: 'MEDIUM', reason: 'raw memory access' },
  'operator.attrgetter': { severity: 'CRITICAL', reason: 'reaches any attribute' },
  'operator.methodcaller': { severity: 'CRITICAL', reason: 'calls any method' },
  'operator.itemgetter': { severity: 'MEDIUM', reason: 'gadget for attribute chains (picklescan)' },
  '_operator.attrgetter': { severity: 'CRITICAL', reason: 'reaches any attribute' },
  '_operator.methodcaller': { severity: 'CRITICAL', reason: 'calls any method' },
  '_operator.itemgetter': { severity: 'MEDIUM', reason: 'gadget for attribute chains (picklescan)' },
  'functools.reduce': { severity: 'HIGH', reason: 'calls any callable' },
  'types.CodeType': { severity: 'CRITICAL', reason: 'builds code objects' },
  'types.FunctionType': { severity: 'CRITICAL', reason: 'builds functions from code' },
  'logging.FileHandler': { severity: 'HIGH', reason: FILE },
  'io.FileIO': { severity: 'HIGH', reason: FILE },
  '_io.FileIO': { severity: 'HIGH', reason: FILE },
  'io.open': { severity: 'CRITICAL', reason: FILE },
  '_io.open': { severity: 'CRITICAL', reason: FILE },
  'io.open_code': { severity: 'HIGH', reason: FILE },
  'codecs.open': { severity: 'HIGH', reason: FILE },
  'operator.call': { severity: 'CRITICAL', reason: 'calls any callable' },
  '_operator.call': { severity: 'CRITICAL', reason: 'calls any callable' },
  'builtins.help': { severity: 'HIGH', reason: 'starts the interactive help' },
  // Python 2's `__builtin__.reduce` and `intern`, which pickle maps to functools.reduce and sys.intern
  'builtins.reduce': { severity: 'HIGH', reason: 'calls any callable' },
  'builtins.intern': { severity: 'CRITICAL', reason: 'changes the interpreter' },
  'builtins.exit': { severity: 'HIGH', reason: 'ends the process' },
  'builtins.quit': { severity: 'HIGH', reason: 'ends the process' },
  'numpy.memmap': { severity: 'HIGH', reason: FILE },
  'numpy.core.memmap': { severity: 'HIGH', reason: FILE },
  'numpy._core.memmap': { severity: 'HIGH', reason: FILE },
  'numpy.fromfile': { severity: 'HIGH', reason: FILE },
  'numpy.tofile': { severity: 'HIGH', reason: FILE },
  'numpy.save': { severity: 'HIGH', reason: FILE },
  'numpy.savez': { severity: 'HIGH', reason: FILE },
  'numpy.savetxt': { severity: 'HIGH', reason: FILE },
  'numpy.loadtxt': { severity: 'HIGH', reason: FILE },
  'numpy.genfromtxt': { severity: 'HIGH', reason: FILE },
  'pandas.eval': { severity: 'CRITICAL', reason: 'evaluates expressions' },
  'torch.storage._load_from_bytes': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'torch.export.load': { severity: 'CRITICAL', reason: 'loads a nested model' },
  'torch.compile': { severity: 'CRITICAL', reason: EXEC },
  'lib2to3.pgen2.grammar.Grammar.loads': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'lib2to3.pgen2.pgen.ParserGenerator.make_label': { severity: 'CRITICAL', reason: EXEC },
  'numpy.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'numpy.lib.npyio.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'pandas.read_pickle': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'joblib.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'joblib.numpy_pickle.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'torch.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'torch.serialization.load': { severity: 'CRITICAL', reason: 'loads a nested pickle' },
  'torch._inductor.codecache.compile_file': { severity: 'CRITICAL', reason: EXEC },
  'torch._dynamo.guards.GuardBuilder.get': { severity: 'CRITICAL', reason: EXEC },
  'torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression': {
    severity: 'CRITICAL',
    reason: EXEC,
  },
  'torch.jit.unsupported_tensor_ops.execWrapper': { severity: 'CRITICAL', reason: EXEC },
  'torch.utils._config_module.ConfigModule.load_config': { severity: 'CRITICAL', reason: EXEC },
  'torch.utils.bottleneck.__main__.run_cprofile': { severity: 'CRITICAL', reason: EXEC },
  'torch.utils.bottleneck.__main__.run_autograd_prof': { severity: 'CRITICAL', reason: EXEC },
  'torch.utils.collect_env.run': { severity: 'CRITICAL', reason: EXEC },
  'torch.utils.data.datapipes.utils.decoder.basichandlers': { severity: 'CRITICAL', reason: EXEC },
};

/**
 * Names that load another model or file, or run something, in the namespaces of ML libraries (whose module
 * layout changes between versions, so their loaders are matched by their last name part).
 */
const ML_NAMESPACES = new Set([
  'mlflow',
  'keras',
  'tf_keras',
  'tensorflow',
  'torch',
  'sklearn',
  'xgboost',
  'lightgbm',
  'catboost',
  'joblib',
  'transformers',
  'skops',
  'dill',
  'cloudpickle',
  'pandas',
  'numpy',
  'scipy',
]);
const LOADER_NAMES = new Set([
  'load',
  'loads',
  'load_model',
  'load_pyfunc',
  '_load_pyfunc',
  'load_weights',
  'load_state_dict_from_url',
  'download_url_to_file',
  'download_artifacts',
  'get_file',
  'from_pretrained',
  'load_from_checkpoint',
  'read_pickle',
  'load_library',
  'run_path',
  'run_module',
  'system',
  'spawn',
  'popen',
  'execute',
]);

function lookupModule(module: string): Rule | undefined {
  let m = module;
  for (;;) {
    const rule = DANGEROUS_MODULES[m];
    if (rule) return rule;
    const dot = m.lastIndexOf('.');
    if (dot < 0) return undefined;
    m = m.slice(0, dot);
  }
}

function lookupName(module: string, name: string): Rule | undefined {
  let n = name;
  for (;;) {
    const rule = DANGEROUS_NAMES[`${module}.${n}`];
    if (rule) return rule;
    const dot = n.lastIndexOf('.');
    if (dot < 0) return undefined;
    n = n.slice(0, dot);
  }
}

/**
 * Classifies one import (`module` as written in the pickle; Python 2 names are mapped first): `dangerous` when on
 * the deny list, else `safe` when `module.name` is on the allow list (or in `extraAllowed`), else `unknown`.
 */
export function classifyGlobal(
  rawModule: string,
  name: string,
  extraAllowed?: ReadonlySet<string>,
): GlobalClass {
  const module = canonicalModule(rawModule);
  // `name` may be dotted ("Popen.__init__"); a dangerous prefix of it is still the dangerous object.
  const rule =
    lookupName(module, name) ??
    lookupModule(module) ??
    (module !== rawModule ? (lookupName(rawModule, name) ?? lookupModule(rawModule)) : undefined) ??
    lookupLoader(module, name);
  if (rule) return { kind: 'dangerous', severity: rule.severity, reason: rule.reason };
  // A name that walks through a dunder (`object.__subclasses__`, `x.__globals__`) reaches arbitrary objects.
  if (
    /(^|\.)__(globals|builtins|subclasses|code|dict|getattribute|reduce_ex|class|init|call|import__|loader__|spec__)__($|\.)/.test(
      name,
    )
  ) {
    return { kind: 'dangerous', severity: 'CRITICAL', reason: 'walks interpreter internals' };
  }
  const qualified = `${module}.${name}`;
  if (isAllowListed(qualified) || extraAllowed?.has(qualified) === true) return { kind: 'safe' };
  return { kind: 'unknown' };
}

/** The deny-list rule of a whole module (an MLmodel's `loader_module`), if any. */
export function dangerousModule(module: string): { severity: Severity; reason: string } | undefined {
  return lookupModule(canonicalModule(module)) ?? lookupModule(module);
}

function lookupLoader(module: string, name: string): Rule | undefined {
  const top = module.split('.')[0] ?? module;
  const last = name.slice(name.lastIndexOf('.') + 1);
  if (!ML_NAMESPACES.has(top) || !LOADER_NAMES.has(last)) return undefined;
  return { severity: 'CRITICAL', reason: 'loads another model or file, or runs something' };
}
