/**
 * Which pickle imports are safe, dangerous or unknown. The lists follow picklescan's `_safe_globals` /
 * `_unsafe_globals` and modelscan's `unsafe_globals` severities (shared/reference/security.md section 4), with a
 * few additions named in the comments. A blocklist is never complete, so anything on neither list is reported as
 * `unknown-global` (see docs/model-scanning.md for why that is informational by default).
 */
import type { Severity } from './types.js';

export type GlobalClass =
  | { kind: 'safe' }
  | { kind: 'dangerous'; severity: Severity; reason: string }
  | { kind: 'unknown'; severity: Severity };

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
  'functools.partial': { severity: 'HIGH', reason: 'binds arguments to any callable (picklescan)' },
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
  'pkgutil.resolve_name': { severity: 'CRITICAL', reason: 'imports arbitrary modules' },
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
 * Globals that only rebuild data (picklescan's allowlist plus the reconstructors numpy, scikit-learn, joblib
 * and PyTorch pickles need). These produce no finding.
 */
const SAFE_NAMES = new Set<string>([
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.deque',
  'collections.Counter',
  'copyreg._reconstructor',
  'copyreg.__newobj__',
  'copyreg.__newobj_ex__',
  '_codecs.encode',
  'builtins.object',
  'builtins.set',
  'builtins.frozenset',
  'builtins.bytearray',
  'builtins.bytes',
  'builtins.complex',
  'builtins.slice',
  'builtins.range',
  'builtins.list',
  'builtins.dict',
  'builtins.tuple',
  'builtins.int',
  'builtins.float',
  'builtins.str',
  'builtins.bool',
  'datetime.datetime',
  'datetime.date',
  'datetime.time',
  'datetime.timedelta',
  'datetime.timezone',
  'decimal.Decimal',
  'fractions.Fraction',
  'numpy.dtype',
  'numpy.ndarray',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random._mt19937.MT19937',
  'numpy.random._pcg64.PCG64',
  'numpy.random.mtrand.RandomState',
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch.Size',
  'torch.device',
  'torch.dtype',
  'torch.float32',
  'torch.float16',
  'torch.bfloat16',
  'torch.int64',
]);
for (const t of [
  'Long',
  'Float',
  'Half',
  'QUInt2x4',
  'QUInt4x2',
  'QInt32',
  'QInt8',
  'QUInt8',
  'ComplexFloat',
  'ComplexDouble',
  'Double',
  'BFloat16',
  'Bool',
  'Char',
  'Short',
  'Int',
  'Byte',
]) {
  SAFE_NAMES.add(`torch.${t}Storage`);
}
SAFE_NAMES.add('torch.storage.UntypedStorage');
SAFE_NAMES.add('torch.UntypedStorage');

/**
 * Namespaces of well-known ML libraries: an unknown global there (a scikit-learn estimator class, a scipy sparse
 * matrix) is reported LOW rather than MEDIUM. Dangerous entries inside them are matched first.
 */
const LIBRARY_PREFIXES = [
  'numpy',
  'scipy',
  'sklearn',
  'pandas',
  'torch',
  'xgboost',
  'lightgbm',
  'catboost',
  'joblib',
  'statsmodels',
  'transformers',
  'tokenizers',
  'collections',
];

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

/** Classifies one import (`module` as written in the pickle; Python 2 names are mapped first). */
export function classifyGlobal(rawModule: string, name: string): GlobalClass {
  const module = canonicalModule(rawModule);
  // `name` may be dotted ("Popen.__init__"); a dangerous prefix of it is still the dangerous object.
  const rule =
    lookupName(module, name) ??
    lookupModule(module) ??
    (module !== rawModule ? (lookupName(rawModule, name) ?? lookupModule(rawModule)) : undefined);
  if (rule) return { kind: 'dangerous', severity: rule.severity, reason: rule.reason };
  // A name that walks through a dunder (`object.__subclasses__`, `x.__globals__`) reaches arbitrary objects.
  if (
    /(^|\.)__(globals|builtins|subclasses|code|dict|getattribute|reduce_ex|class|init|call)__($|\.)/.test(
      name,
    )
  ) {
    return { kind: 'dangerous', severity: 'CRITICAL', reason: 'walks interpreter internals' };
  }
  if (SAFE_NAMES.has(`${module}.${name}`)) return { kind: 'safe' };
  const top = module.split('.')[0] ?? module;
  return { kind: 'unknown', severity: LIBRARY_PREFIXES.includes(top) ? 'LOW' : 'MEDIUM' };
}
