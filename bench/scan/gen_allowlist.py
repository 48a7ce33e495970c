"""Lists the model classes of scikit-learn, XGBoost, LightGBM, PyTorch and Keras, and numpy's scalar types and
ufuncs, for the scanner's allow list, and writes src/registry/scanning/allowlist-libraries.ts.

usage: .cache/venv-scan-corpus/bin/python bench/scan/gen_allowlist.py [OUT_TS]
       (bench/scan/corpus-venv.sh makes that environment; the versions it pins are the ones listed)

Every entry is `cls.__module__ + '.' + cls.__qualname__` of a class *defined* in that module (what pickle
writes), never a module prefix and never a name a module merely re-exports. Only classes: module-level functions
of these libraries are not listed (the few reconstructor functions pickles need are written by hand in
allowlist.ts). A class is left out, and named on stderr, when the source of the constructor, `__new__` or
`__setstate__` it runs on load calls something that reaches files, processes, the network or code
(`open(`, `subprocess`, `exec(`, `load(`...), or when it lives in test, dataset, dask/spark, plotting, callback
or other code that is not part of a model (SKIP_PARTS, SKIP_MODULES).
"""
import importlib
import inspect
import os
import pkgutil
import re
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "src", "registry", "scanning", "allowlist-libraries.ts")

SKIP_PARTS = {
    "tests", "test", "testing", "_testing", "externals", "datasets", "conftest", "_build_utils",
    "__check_build", "benchmarks", "dask", "spark", "plotting", "_distributor", "federated", "collective",
    "tracker", "hub", "cpp_extension", "package", "_dynamo", "_inductor", "distributed", "multiprocessing",
    "jit", "onnx", "export", "fx", "utils_internal", "_export", "compiler", "backends", "testing_utils",
    "saving", "legacy", "tools", "dtensor", "_functorch", "profiler", "cuda", "mps", "xpu",
}
# Not model code: callbacks open sockets and threads (sklearn.callback listeners), test doubles, display and
# printing helpers, the parallel-execution wrappers.
SKIP_MODULES = (
    "sklearn.callback",
    "sklearn.utils._mocking",
    "sklearn.utils.estimator_checks",
    "sklearn.utils.parallel",
    "sklearn.utils._repr_html",
    "sklearn.utils._pprint",
    "sklearn.utils._plotting",
    "sklearn.utils._show_versions",
    "sklearn.inspection",
    "xgboost.callback",
    "xgboost.tracker",
    "lightgbm.callback",
    "keras.src.callbacks",
)
DANGER = re.compile(
    r"(?<![.\w])(open|exec|eval|compile|__import__)\s*\(|"
    r"\b(import_module|system|popen|Popen|check_output|check_call|urlopen|urlretrieve|rmtree|unlink|makedirs|"
    r"mkdir|mkstemp|mkdtemp|Thread|Process|start_new_thread)\s*\(|"
    r"\b(os\.remove|(pickle|torch|joblib|dill|cloudpickle|np|numpy|marshal)\.loads?)\s*\(|"
    r"\bsubprocess\b|\bsocket\.|\brequests\."
)
LOAD_METHODS = ("__init__", "__new__", "__setstate__")


def modules_of(package_name):
    pkg = importlib.import_module(package_name)
    yield pkg
    for info in pkgutil.walk_packages(pkg.__path__, package_name + "."):
        parts = set(info.name.split("."))
        if parts & SKIP_PARTS or any(info.name == m or info.name.startswith(m + ".") for m in SKIP_MODULES):
            continue
        try:
            yield importlib.import_module(info.name)
        except Exception as e:  # an optional dependency missing: the module's classes cannot be pickled either
            print(f"skip module {info.name}: {type(e).__name__}", file=sys.stderr)


def code_only(src):
    """The source without its docstrings and comments (so prose such as "file system (" is not read as code)."""
    import ast
    import textwrap

    tree = ast.parse(textwrap.dedent(src))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def risky(cls):
    """The first load-time method whose source calls something dangerous, or None."""
    for name in LOAD_METHODS:
        fn = getattr(cls, name, None)
        if fn is None or getattr(fn, "__module__", None) in (None, "builtins"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or owner.__module__ == "builtins":
            continue
        try:
            src = code_only(inspect.getsource(fn))
        except (TypeError, OSError):
            continue  # compiled (Cython, C++): no Python source to screen
        m = DANGER.search(src)
        if m:
            return f"{owner.__module__}.{owner.__qualname__}.{name} calls {m.group(0).strip()}"
    return None


def classes(package_name, keep=lambda cls: True):
    out = {}
    for mod in modules_of(package_name):
        for _, obj in list(vars(mod).items()):
            if not inspect.isclass(obj) or obj.__module__ != mod.__name__:
                continue
            if issubclass(obj, BaseException) or "<locals>" in obj.__qualname__:
                continue
            if not keep(obj):
                continue
            qualified = f"{obj.__module__}.{obj.__qualname__}"
            why = risky(obj)
            if why:
                print(f"left out {qualified}: {why}", file=sys.stderr)
                continue
            out[qualified] = obj
    return sorted(out)


def cython_helpers(package_name, included):
    """Cython's generated `__pyx_unpickle_<Class>(type, checksum, state)` of included classes (it only runs
    `<Class>.__new__(type)` and sets the state), and scikit-learn's `newObj(cls)` (`cls.__new__(cls)`)."""
    out = set()
    for mod in modules_of(package_name):
        for attr, obj in list(vars(mod).items()):
            if not callable(obj) or inspect.isclass(obj) or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if attr.startswith("__pyx_unpickle_") and f"{mod.__name__}.{attr[len('__pyx_unpickle_'):]}" in included:
                out.add(f"{mod.__name__}.{attr}")
            if attr == "newObj" and package_name == "sklearn":
                out.add(f"{mod.__name__}.{attr}")
    return sorted(out)


def numpy_random_classes():
    return classes("numpy.random")


def scipy_stats_entries():
    """Distributions (`scipy.stats.loguniform(...)` in a RandomizedSearchCV's parameter grid) and their frozen form."""
    from scipy.stats._distn_infrastructure import rv_frozen, rv_generic

    return classes("scipy.stats", lambda c: issubclass(c, (rv_generic, rv_frozen)))


def numpy_entries():
    import numpy as np

    names = set()
    for name in dir(np):
        obj = getattr(np, name, None)
        if isinstance(obj, type) and issubclass(obj, np.generic) and obj.__module__ == "numpy":
            names.add(f"numpy.{obj.__name__}")
        if isinstance(obj, np.ufunc):
            names.add(f"numpy.{obj.__name__}")
    return sorted(names)


def torch_entries():
    import torch
    import torch.nn
    import torch.optim

    nn_classes = classes(
        "torch.nn", lambda c: issubclass(c, torch.nn.Module) and c.__module__.startswith("torch.nn.modules.")
    )
    optim = classes(
        "torch.optim",
        lambda c: issubclass(c, torch.optim.Optimizer) or c.__name__.endswith("LR") or "lr_scheduler" in c.__module__,
    )
    dtypes = sorted({f"torch.{n}" for n in dir(torch) if isinstance(getattr(torch, n, None), torch.dtype)})
    storages = sorted({f"torch.{n}" for n in dir(torch) if n.endswith("Storage") and inspect.isclass(getattr(torch, n))})
    return nn_classes + optim + dtypes + storages


def keras_entries():
    import keras
    from keras.src.layers.layer import Layer
    from keras.src.optimizers.optimizer import Optimizer
    from keras.src.losses.loss import Loss
    from keras.src.metrics.metric import Metric
    from keras.src.initializers.initializer import Initializer
    from keras.src.regularizers.regularizers import Regularizer
    from keras.src.constraints.constraints import Constraint

    bases = (Layer, Optimizer, Loss, Metric, Initializer, Regularizer, Constraint)
    return classes("keras.src", lambda c: issubclass(c, bases) and c.__name__ != "Lambda")


def main():
    import sklearn
    import xgboost
    import lightgbm
    import torch
    import keras
    import numpy
    import scipy

    sk = classes("sklearn")
    np_random = numpy_random_classes()
    groups = [
        (f"numpy {numpy.__version__}: scalar types and ufuncs", numpy_entries()),
        (f"numpy {numpy.__version__}: Cython unpickle helpers of numpy.random", cython_helpers("numpy.random", set(np_random))),
        (f"scikit-learn {sklearn.__version__}: every class of its model code", sk),
        (
            f"scikit-learn {sklearn.__version__}: Cython unpickle helpers of those classes and `newObj` (trees, metrics)",
            cython_helpers("sklearn", set(sk)),
        ),
        (f"scipy {scipy.__version__}: scipy.stats distributions", scipy_stats_entries()),
        (f"XGBoost {xgboost.__version__}", classes("xgboost")),
        (f"LightGBM {lightgbm.__version__}", classes("lightgbm")),
        (f"PyTorch {torch.__version__.split('+')[0]}: torch.nn modules, optimizers, dtypes, storages", torch_entries()),
        (f"Keras {keras.__version__}: layers, models, optimizers, losses, metrics (not Lambda)", keras_entries()),
    ]
    lines = [
        "/**",
        " * Generated by bench/scan/gen_allowlist.py from the versions bench/scan/requirements-corpus*.txt pins:",
        " * do not edit by hand. Exact `module.qualname` of classes defined in each module (see allowlist.ts).",
        " */",
        "export const LIBRARY_ALLOW_LIST: readonly string[] = [",
    ]
    total = 0
    for title, names in groups:
        lines.append(f"  // {title}")
        for n in names:
            lines.append(f"  '{n}',")
        total += len(names)
    lines.append("];")
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {total} entries to {OUT}", file=sys.stderr)


main()
