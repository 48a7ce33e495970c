/**
 * The allow list: imports a pickle may make and still be `clean`. Every entry is an exact `module.qualname`,
 * as `pickle` writes it (`obj.__module__` and `obj.__qualname__`), never a module prefix: `numpy.dtype` is
 * listed, `numpy.*` is not, so a dangerous function that happens to live in (or be re-exported by) a module
 * whose classes are listed is still not clean. An entry may be imported and called (REDUCE, NEWOBJ, INST,
 * OBJ) and given state (BUILD): each one only rebuilds data. Anything else makes the verdict `suspicious`.
 *
 * Two parts: the reconstructors of the standard library, numpy, pandas, scipy, joblib and PyTorch, written
 * by hand below; and the model classes of scikit-learn, XGBoost, LightGBM, PyTorch (`torch.nn`) and Keras,
 * plus numpy's scalar types and ufuncs, listed by introspection in `allowlist-libraries.ts` (made by
 * bench/scan/gen_allowlist.py, which also says which classes it left out and why).
 */
import { LIBRARY_ALLOW_LIST } from './allowlist-libraries.js';

/** The standard library: containers, numbers, dates and the protocol's own reconstructors. */
const STDLIB = [
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
  'builtins.Ellipsis',
  'builtins.NotImplemented',
  'builtins.NoneType',
  'collections.OrderedDict',
  'collections.defaultdict',
  'collections.deque',
  'collections.Counter',
  'collections.ChainMap',
  // A partial only binds arguments: its callable and arguments are imports vetted on their own, and calling the
  // partial while loading takes a REDUCE of a non-import (an indirect call, suspicious). HistGradientBoosting
  // with categorical features keeps `partial(check_array, ...)`.
  'functools.partial',
  // copyreg's helpers: `__newobj__(cls, *args)` is `cls.__new__`, `_reconstructor(cls, base, state)` is
  // `base.__new__(cls, state)` and `base.__init__`: both only reach classes that are themselves vetted imports.
  'copyreg._reconstructor',
  'copyreg.__newobj__',
  'copyreg.__newobj_ex__',
  // bytes at protocols 0-2: `_codecs.encode('...', 'latin1')`
  '_codecs.encode',
  'codecs.encode',
  'datetime.datetime',
  'datetime.date',
  'datetime.time',
  'datetime.timedelta',
  'datetime.timezone',
  'decimal.Decimal',
  'fractions.Fraction',
  're._compile',
  're.Pattern',
  'array.array',
  'array._array_reconstructor',
  'pathlib.Path',
  'pathlib.PosixPath',
  'pathlib.WindowsPath',
  'pathlib.PurePath',
  'pathlib.PurePosixPath',
  'pathlib.PureWindowsPath',
  'enum.Enum',
];

/** numpy's array, dtype, scalar and random-state reconstructors (numpy 1.x `core` and 2.x `_core`). */
const NUMPY = [
  'numpy.dtype',
  'numpy.ndarray',
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.core.multiarray.scalar',
  'numpy._core.multiarray.scalar',
  'numpy.core.numeric._frombuffer',
  'numpy._core.numeric._frombuffer',
  // `_ufunc_reconstruct(module, name)` imports module.name: the scanner reads its two string arguments as an
  // import and classifies that one (an argument that is not a literal string is unresolved, hence unsafe).
  'numpy.core._ufunc_reconstruct',
  'numpy._core._ufunc_reconstruct',
  'numpy.ma.core._mareconstruct',
  'numpy.ma.core.MaskedArray',
  'numpy.ma.MaskedArray',
  'numpy.random._pickle.__randomstate_ctor',
  'numpy.random._pickle.__bit_generator_ctor',
  'numpy.random._pickle.__generator_ctor',
  'numpy.random._mt19937.MT19937',
  'numpy.random._pcg64.PCG64',
  'numpy.random._pcg64.PCG64DXSM',
  'numpy.random._philox.Philox',
  'numpy.random._sfc64.SFC64',
  'numpy.random._generator.Generator',
  'numpy.random.mtrand.RandomState',
  'numpy.random.bit_generator.SeedSequence',
];

/** DataFrames, Series and indexes as pandas pickles them (fitted scikit-learn models may keep some). */
const PANDAS = [
  'pandas.core.frame.DataFrame',
  'pandas.core.series.Series',
  'pandas.core.internals.managers.BlockManager',
  'pandas.core.internals.managers.SingleBlockManager',
  'pandas._libs.internals._unpickle_block',
  'pandas.core.internals.blocks.new_block',
  'pandas.core.indexes.base._new_Index',
  'pandas.core.indexes.base.Index',
  'pandas.core.indexes.range.RangeIndex',
  'pandas.core.indexes.multi.MultiIndex',
  'pandas.core.indexes.datetimes.DatetimeIndex',
  'pandas.core.indexes.datetimes._new_DatetimeIndex',
  'pandas.core.indexes.category.CategoricalIndex',
  'pandas.core.arrays.categorical.Categorical',
  'pandas.core.dtypes.dtypes.CategoricalDtype',
  'pandas.core.arrays.string_.StringArray',
  'pandas.core.dtypes.dtypes.DatetimeTZDtype',
  'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked',
  'pandas.core.arrays.datetimes.DatetimeArray',
  'pandas._libs.tslibs.timestamps._unpickle_timestamp',
  'pandas._libs.tslibs.timedeltas._timedelta_unpickle',
  'pandas._libs.tslibs.nattype.__nat_unpickle',
  'pandas.core.flags.Flags',
];

/** scipy sparse matrices and arrays (e.g. a fitted TfidfVectorizer's idf diagonal), splines. */
const SCIPY = [
  'scipy.interpolate._bsplines.BSpline',
  // the array namespace function a BSpline keeps (SplineTransformer): it only builds an array
  'scipy._lib.array_api_compat.numpy._aliases.asarray',
  'scipy.sparse._csr.csr_matrix',
  'scipy.sparse._csc.csc_matrix',
  'scipy.sparse._coo.coo_matrix',
  'scipy.sparse._bsr.bsr_matrix',
  'scipy.sparse._dia.dia_matrix',
  'scipy.sparse._dok.dok_matrix',
  'scipy.sparse._lil.lil_matrix',
  'scipy.sparse._csr.csr_array',
  'scipy.sparse._csc.csc_array',
  'scipy.sparse._coo.coo_array',
  'scipy.sparse._bsr.bsr_array',
  'scipy.sparse._dia.dia_array',
  'scipy.sparse._dok.dok_array',
  'scipy.sparse._lil.lil_array',
];

/**
 * scikit-learn functions (not classes) that real fitted models keep as attributes, reviewed one by one: they
 * validate or convert arrays and touch nothing else.
 */
const SKLEARN_FUNCTIONS = ['sklearn.utils.validation.check_array'];

/** joblib's wrappers around the raw array bytes it writes between pickle opcodes. */
const JOBLIB = ['joblib.numpy_pickle.NumpyArrayWrapper', 'joblib.numpy_pickle_compat.ZNDArrayWrapper'];

/** PyTorch's tensor, parameter and storage reconstructors (torch.save's `data.pkl`). */
const TORCH = [
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_tensor_v3',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  'torch._utils._rebuild_qtensor',
  'torch._utils._rebuild_sparse_tensor',
  'torch._utils._rebuild_device_tensor_from_numpy',
  'torch._utils._rebuild_meta_tensor_no_storage',
  'torch._utils._rebuild_wrapper_subclass',
  // `_rebuild_from_type_v2(func, type, args, state)` calls `func(*args)`: func is itself an import, vetted.
  'torch._tensor._rebuild_from_type_v2',
  'torch.Size',
  'torch.device',
  'torch.dtype',
  'torch.layout',
  'torch.memory_format',
  'torch.strided',
  'torch.sparse_coo',
  'torch.contiguous_format',
  'torch.preserve_format',
  'torch.channels_last',
  'torch.storage.UntypedStorage',
  'torch.storage.TypedStorage',
  'torch.UntypedStorage',
  'torch.TypedStorage',
  'torch.nn.parameter.Parameter',
  'torch.nn.parameter.Buffer',
  'torch.nn.parameter.UninitializedParameter',
  'torch.nn.parameter.UninitializedBuffer',
  'torch.Tensor',
  // activation functions a module keeps as an attribute (TransformerEncoderLayer's `activation`): tensor math
  'torch.nn.functional.relu',
  'torch.nn.functional.gelu',
  'torch.nn.functional.silu',
  'torch.nn.functional.elu',
  'torch.nn.functional.selu',
  'torch.nn.functional.leaky_relu',
  'torch.nn.functional.softplus',
  'torch.nn.functional.tanh',
  'torch.nn.functional.sigmoid',
  'torch.nn.functional.softmax',
  'torch.nn.functional.log_softmax',
  'torch._C._nn.gelu',
  'torch.relu',
  'torch.tanh',
  'torch.sigmoid',
];

const ALLOW = new Set<string>([
  ...STDLIB,
  ...NUMPY,
  ...PANDAS,
  ...SCIPY,
  ...SKLEARN_FUNCTIONS,
  ...JOBLIB,
  ...TORCH,
  ...LIBRARY_ALLOW_LIST,
]);

/** True when `qualified` (`module.qualname`, Python 3 module names) is on the allow list. */
export function isAllowListed(qualified: string): boolean {
  return ALLOW.has(qualified);
}

/** How many entries the allow list has (for docs and benchmarks). */
export function allowListSize(): number {
  return ALLOW.size;
}
