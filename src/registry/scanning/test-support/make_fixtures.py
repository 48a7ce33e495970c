"""Writes the scanner's test files into sys.argv[1]. Malicious files are only ever written, never loaded.

Each dangerous object is an instance of `Call`, whose __reduce__ names a callable by reference: pickling it
records the import; nothing is called here or in the tests.
"""
import gzip
import io
import json
import os
import pickle
import runpy
import shutil
import socket
import subprocess
import sys
import webbrowser
import zipfile
import zlib
import builtins
import importlib
import operator
import functools

import numpy as np

OUT = sys.argv[1]
WITH_SKLEARN = len(sys.argv) < 3 or sys.argv[2] != "--stdlib-only"


class Call:
    def __init__(self, fn, args):
        self.fn = fn
        self.args = args

    def __reduce__(self):
        return (self.fn, self.args)


def w(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# family name -> (callable, args); module.name as the pickle records it
FAMILIES = {
    "os_system": (os.system, ("echo pwned",)),  # pickled as posix.system
    "builtins_exec": (builtins.exec, ("print(1)",)),
    "builtins_eval": (builtins.eval, ("1+1",)),
    "subprocess_popen": (subprocess.Popen, (["id"],)),
    "runpy_run_code": (runpy._run_code, ("print(1)", {})),
    "builtins_getattr": (builtins.getattr, (1, "real")),
    "socket_connection": (socket.create_connection, (("127.0.0.1", 1),)),
    "webbrowser_open": (webbrowser.open, ("http://example.invalid",)),
    "shutil_rmtree": (shutil.rmtree, ("/nonexistent",)),
    "importlib_import": (importlib.import_module, ("os",)),
    "pickle_loads": (pickle.loads, (b"N.",)),
    "operator_attrgetter": (operator.attrgetter, ("x",)),
    "functools_partial": (functools.partial, (print,)),
    "sys_exit": (sys.exit, (0,)),
}

payload = {}
for fam, (fn, args) in FAMILIES.items():
    obj = {"weights": [1.0, 2.0], "hook": Call(fn, args)}
    payload[fam] = obj
    for proto in (0, 2, 4, 5):
        w(f"raw/{fam}.p{proto}.pkl", pickle.dumps(obj, protocol=proto))

# The literal os.system (the pickler would write posix.system), by hand at protocols 0 and 2.
w("raw/os_literal.p0.pkl", b"cos\nsystem\n(S'echo pwned'\ntR.")
w("raw/os_literal.p2.pkl", b"\x80\x02cos\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.")
# Python 2 names: __builtin__.eval
w("raw/py2_builtin_eval.pkl", b"c__builtin__\neval\n(S'1+1'\ntR.")
# INST and OBJ opcodes
w("raw/inst_subprocess.pkl", b"(S'id'\nisubprocess\ncheck_output\n.")
w("raw/obj_posix.pkl", b"(cposix\nsystem\nS'id'\no.")

# Memo and stack tricks at protocol 4: module and name strings memoized, popped, fetched back with BINGET.
trick = (
    b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x8c\x02os\x94"  # memo 0 = 'os'
    b"\x8c\x06system\x94"  # memo 1 = 'system'
    b"00"  # POP POP
    b"h\x00h\x01"  # BINGET 0, BINGET 1
    b"\x93"  # STACK_GLOBAL -> os.system
    b"\x8c\x02id\x85R."
)
w("tricks/stack_global_binget.pkl", trick)
# LONG_BINPUT / LONG_BINGET and protocol-0 strings used by STACK_GLOBAL
w(
    "tricks/long_binget.pkl",
    b"\x80\x04S'subprocess'\nr\x10\x00\x00\x00S'Popen'\nr\x11\x00\x00\x0000j\x10\x00\x00\x00j\x11\x00\x00\x00\x93"
    b"]\x85R.",
)
# STACK_GLOBAL whose name comes from a call result (not a string the scanner can resolve)
w(
    "tricks/unresolved.pkl",
    b"\x80\x04\x8c\x02os\x8c\x08builtins\x8c\x03str\x93\x8c\x06system\x85R\x93)R.",
)
# Two pickles in one file, the second malicious
w("tricks/two_pickles.pkl", pickle.dumps({"a": 1}, protocol=4) + pickle.dumps(payload["builtins_exec"], protocol=4))
# Truncated and garbled streams
full = pickle.dumps(payload["subprocess_popen"], protocol=4)
w("broken/truncated.pkl", full[:-6])  # cut after the import and the call
clean_full = pickle.dumps({"weights": list(range(100))}, protocol=4)
w("broken/truncated_clean.pkl", clean_full[:-5])
w("broken/garbled.pkl", b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\xff\xfe\xfd.")
# Clean data pickles
w("clean/dict.p4.pkl", pickle.dumps({"a": [1, 2.5, "x"], "b": (None, True)}, protocol=4))
w("clean/numpy.p5.pkl", pickle.dumps(np.arange(12.0).reshape(3, 4), protocol=5))
w("clean/numpy.p2.pkl", pickle.dumps(np.arange(12.0).reshape(3, 4), protocol=2))


# PyTorch-style zip: archive/data.pkl, raw storages under archive/data/, a version file.
def torch_zip(name, data_pkl, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/data/0", np.arange(64, dtype="<f4").tobytes())
        z.writestr("archive/version", b"3\n")
    w(name, buf.getvalue())
    return buf.getvalue()


for fam in FAMILIES:
    torch_zip(f"torchzip/{fam}.pt", pickle.dumps(payload[fam], protocol=2))
torch_zip("torchzip/deflated_exec.pt", pickle.dumps(payload["builtins_exec"], protocol=2), zipfile.ZIP_DEFLATED)
clean_torch = torch_zip("torchzip/clean.pt", pickle.dumps({"step": 3, "lr": 0.1}, protocol=2))
# a storage member whose raw bytes happen to look like a pickle header is never read as a pickle
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps({"ok": 1}, protocol=2))
    z.writestr("archive/data/0", b"\x80\x02\xff\xff\xff\xff garbage")
w("torchzip/storage_like_pickle.pt", buf.getvalue())
# a member with no pickle name but pickle magic is still scanned
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("weights/blob", pickle.dumps(payload["os_system"], protocol=4))
w("zips/magic_member.zip", buf.getvalue())

# numpy: object arrays are pickles, numeric arrays are data
for fam in ("os_system", "builtins_eval", "subprocess_popen", "runpy_run_code"):
    arr = np.empty(2, dtype=object)
    arr[0] = 1
    arr[1] = Call(*FAMILIES[fam])
    bio = io.BytesIO()
    np.save(bio, arr, allow_pickle=True)
    w(f"npy/{fam}.npy", bio.getvalue())
bio = io.BytesIO()
np.save(bio, np.arange(1000, dtype="<f8"))
w("npy/clean_float.npy", bio.getvalue())
bio = io.BytesIO()
structured = np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")])
np.save(bio, structured)
w("npy/clean_structured.npy", bio.getvalue())
bio = io.BytesIO()
np.save(bio, np.array(["a", {"k": 1}], dtype=object), allow_pickle=True)
w("npy/clean_object.npy", bio.getvalue())
arr = np.empty(1, dtype=object)
arr[0] = Call(*FAMILIES["builtins_exec"])
bio = io.BytesIO()
np.savez(bio, weights=np.ones(4), evil=arr)
w("npy/evil.npz", bio.getvalue())
bio = io.BytesIO()
np.savez_compressed(bio, weights=np.ones(4), bias=np.zeros(2))
w("npy/clean.npz", bio.getvalue())

# gzip / zlib compressed pickles (the .pkl.gz bypass of modelscan)
w("compressed/python_model.pkl.gz", gzip.compress(pickle.dumps(payload["os_system"], protocol=4)))
w("compressed/model.bin.gz", gzip.compress(pickle.dumps(payload["builtins_exec"], protocol=2)))
w("compressed/model.zlib.pkl", zlib.compress(pickle.dumps(payload["subprocess_popen"], protocol=4)))
w("compressed/clean.pkl.gz", gzip.compress(pickle.dumps({"a": 1}, protocol=4)))

# Keras: .keras zip with config.json (TensorFlow is not installed, so the config is written by hand)
def keras_zip(name, layers):
    cfg = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "seq", "layers": layers},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.4.1"}))
        z.writestr("config.json", json.dumps(cfg))
        z.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(256))
    w(name, buf.getvalue())


dense = {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 4}}
lam = {
    "module": "keras.layers",
    "class_name": "Lambda",
    "config": {"name": "evil_lambda", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAA=="}}},
}
keras_zip("keras/lambda.keras", [dense, lam])
keras_zip("keras/clean.keras", [dense])
# Keras < 3.9 imported any `module` a config names (CVE-2025-1550), even with safe_mode on
keras_zip("keras/module_os.keras", [dense, {"module": "os", "class_name": "system", "config": {"name": "x"}}])
keras_zip("keras/module_custom.keras", [dense, {"module": "mypkg.layers", "class_name": "Evil", "config": {}}])


# skops: schema.json names every type and function loading imports
def skops_zip(name, func_module, func_name):
    schema = {
        "__class__": "FunctionTransformer",
        "__module__": "sklearn.preprocessing._function_transformer",
        "__loader__": "ObjectNode",
        "content": {
            "__class__": "dict",
            "__module__": "builtins",
            "__loader__": "DictNode",
            "content": {"func": {"__class__": func_name, "__module__": func_module, "__loader__": "FunctionNode"}},
        },
        "protocol": 2,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("schema.json", json.dumps(schema))
    w(name, buf.getvalue())


skops_zip("skops/log1p.skops", "numpy", "log1p")
skops_zip("skops/os_system.skops", "os", "system")
skops_zip("skops/custom.skops", "mypkg.features", "transform")
# HDF5 (h5py is not installed): the signature then the model_config attribute text, as Keras writes it
model_config = json.dumps({"class_name": "Sequential", "config": {"layers": [dense, lam]}})
w("keras/lambda.h5", b"\x89HDF\r\n\x1a\n" + bytes(512) + b"model_config" + model_config.encode() + bytes(128))
w("keras/clean.h5", b"\x89HDF\r\n\x1a\n" + bytes(512) + json.dumps({"config": {"layers": [dense]}}).encode())

# Zip bomb: 300 MB of zeros deflate to ~300 KB
bomb = io.BytesIO()
with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
    with z.open("archive/data.pkl", "w", force_zip64=True) as f:
        chunk = bytes(1024 * 1024)
        for _ in range(300):
            f.write(chunk)
w("bombs/zip_bomb.zip", bomb.getvalue())
# gzip bomb
gz = io.BytesIO()
with gzip.GzipFile(fileobj=gz, mode="wb", compresslevel=9) as g:
    chunk = bytes(1024 * 1024)
    for _ in range(300):
        g.write(chunk)
w("bombs/gzip_bomb.pkl.gz", gz.getvalue())
# Deep nesting: a pickle inside 5 levels of zip
inner = pickle.dumps({"a": 1}, protocol=4)
name = "data.pkl"
for level in range(5):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr(name, inner)
    inner = b.getvalue()
    name = f"level{level}.zip"
w("bombs/nested.zip", inner)

# Data files
w("data/model.safetensors", (20).to_bytes(8, "little") + b'{"__metadata__":{}} ' + bytes(64))
w("data/config.json", json.dumps({"class_name": "Dense"}).encode())
w("data/notes.txt", b"just text\n")
w("data/MLmodel", b"flavors:\n  python_function: {}\n")
# an MLmodel's loader_module is imported by mlflow on load: its own loaders are fine, anything else is not
w("mlmodel/sklearn/MLmodel", b"flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n")
w("mlmodel/custom/MLmodel", b"flavors:\n  python_function:\n    code: code\n    loader_module: evil_loader\n")
w("mlmodel/custom/code/evil_loader.py", b"import os\ndef _load_pyfunc(path):\n    os.system('id')\n")
w("mlmodel/os/MLmodel", b"flavors:\n  python_function:\n    loader_module: 'os'\n")
# A protocol-0 pickle hiding behind a data-looking name is still found
w("data/disguised.txt", b"cos\nsystem\n(S'echo pwned'\ntR.")


# Globals on no list before the allow list: written by hand (several of them cannot even be imported here:
# keras, distutils), one file per opcode that calls or instantiates an import.
UNLISTED = [
    ("pandas.io.pickle", "read_pickle"),
    ("distutils.spawn", "spawn"),
    ("mlflow.pyfunc", "load_model"),
    ("site", "main"),
    ("_thread", "start_new_thread"),
    ("keras.models", "load_model"),
    ("lib2to3.main", "main"),
    ("tempfile", "mkstemp"),
    ("dbm", "open"),
]


def sb(s):
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def by_opcode(module, name):
    m, n = module.encode(), name.encode()
    g = b"c" + m + b"\n" + n + b"\n"
    return {
        # protocol 0: GLOBAL then REDUCE
        "reduce.p0": g + b"(S'x'\ntR.",
        # protocol 4: STACK_GLOBAL from memoized strings, then REDUCE
        "reduce.p4": b"\x80\x04" + sb(module) + b"\x94" + sb(name) + b"\x94\x93" + sb("x") + b"\x85R.",
        "inst": b"(S'x'\ni" + m + b"\n" + n + b"\n.",
        "obj": b"(" + g + b"S'x'\no.",
        "newobj": b"\x80\x02" + g + b")\x81.",
        "newobj_ex": b"\x80\x04" + sb(module) + sb(name) + b"\x93)}\x92.",
        # NEWOBJ then BUILD: the class's __setstate__ runs with the state
        "build": b"\x80\x02" + g + b")\x81}X\x01\x00\x00\x00kK\x01sb.",
    }


for module, name in UNLISTED:
    for op, data in by_opcode(module, name).items():
        w(f"unlisted/{module}.{name}.{op}.pkl", data)
# a class on neither list (a team's own code): suspicious, not unsafe
for op, data in by_opcode("mypackage.models", "Thing").items():
    w(f"unknown/mypackage.models.Thing.{op}.pkl", data)
# numpy 1.x pickles ufuncs as _ufunc_reconstruct(module, name): an import in disguise
ufunc = b"\x80\x02cnumpy.core\n_ufunc_reconstruct\nX\x05\x00\x00\x00numpyX\x05\x00\x00\x00log1p\x86R."
w("tricks/ufunc_log1p.pkl", ufunc)
w("tricks/ufunc_os_system.pkl", ufunc.replace(b"X\x05\x00\x00\x00numpyX\x05\x00\x00\x00log1p", b"X\x02\x00\x00\x00osX\x06\x00\x00\x00system")[:-1] + b"X\x02\x00\x00\x00id\x85R.")
w("tricks/ufunc_computed.pkl", b"\x80\x02cnumpy.core\n_ufunc_reconstruct\ncbuiltins\nstr\nX\x02\x00\x00\x00os\x85RX\x06\x00\x00\x00system\x86R.")
# BUILD and SETITEM applied to an imported object itself (changing module state), and a call of a call's result
w("tricks/build_on_global.pkl", b"\x80\x02ccollections\nOrderedDict\nN}X\x07\x00\x00\x00__doc__X\x01\x00\x00\x00xs\x86b.")
w("tricks/setitem_on_global.pkl", b"\x80\x02ccopyreg\n_inverted_registry\nK\x01X\x02\x00\x00\x00osX\x06\x00\x00\x00system\x86s.")
w("tricks/indirect_call.pkl", b"\x80\x02ccollections\nOrderedDict\n)RX\x02\x00\x00\x00id\x85R.")

# the same callables inside containers: a tar (plain and gzip) and a PyTorch-style zip
import tarfile


def tar_of(members, mode):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode=mode) as t:
        for member_name, data in members:
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return bio.getvalue()


tar_members = [("model/README.md", b"a model\n")] + [
    (f"model/{module}.{name}.pkl", by_opcode(module, name)["reduce.p4"]) for module, name in UNLISTED
]
w("tar/unlisted.tar", tar_of(tar_members, "w"))
w("tar/unlisted.tar.gz", tar_of(tar_members, "w:gz"))
w("tar/unlisted.tgz", tar_of(tar_members, "w:gz"))
w("tar/os_system.tar", tar_of([("data.pkl", pickle.dumps(payload["os_system"], protocol=4))], "w"))
bio = io.BytesIO()
with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
    data = pickle.dumps(payload["builtins_exec"], protocol=2)
    info = tarfile.TarInfo("d/" + "long" * 40 + "/data.pkl")  # a name over 100 bytes: a pax header
    info.size = len(data)
    info.pax_headers = {"comment": "x"}
    t.addfile(info, io.BytesIO(data))
w("tar/exec_pax.tar", bio.getvalue())
bio = io.BytesIO()
with tarfile.open(fileobj=bio, mode="w", format=tarfile.GNU_FORMAT) as t:
    data = pickle.dumps(payload["subprocess_popen"], protocol=2)
    info = tarfile.TarInfo("g/" + "long" * 40 + "/data.pkl")  # a GNU long-name header
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
w("tar/popen_gnu.tar", bio.getvalue())
w("tar/clean.tar.gz", tar_of([("model/data.pkl", pickle.dumps({"a": [1, 2]}, protocol=4)), ("model/MLmodel", b"flavors: {}\n")], "w:gz"))
# a tar holding a zip holding a pickle, and a zip holding a tar
w("tar/zip_in_tar.tar", tar_of([("model.pt", torch_zip("torchzip/_inner.pt", pickle.dumps(payload["runpy_run_code"], protocol=2)))], "w"))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("bundle.tar", tar_of([("m/site.main.pkl", by_opcode("site", "main")["reduce.p0"])], "w"))
w("tar/tar_in_zip.zip", buf.getvalue())
# a tar whose first member name is also a complete protocol-0 pickle (pickle.load of the archive runs it)
w("tar/polyglot.tar", tar_of([("cposix\nsystem\n(S'id'\ntR.", b"data")], "w"))
# the same, with the pickle's string argument running 2 MB into the member data before the call
w("tar/polyglot_long.tar", tar_of([("czipapp\ncreate_archive\n(S'", b"x" * (2 * 1024 * 1024) + b"'\ntR.")], "w"))
# containers the scanner cannot open: they fail the scan (fail closed)
import bz2
import lzma

w("tar/os_system.tar.bz2", bz2.compress(tar_of([("data.pkl", pickle.dumps(payload["os_system"], protocol=4))], "w")))
w("tar/os_system.tar.xz", lzma.compress(tar_of([("data.pkl", pickle.dumps(payload["os_system"], protocol=4))], "w")))
w("tar/model.7z", bytes([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]) + bytes(64))
# a truncated tar (the member runs past the end) and a tar with a member count over a small limit
whole = tar_of([("a.pkl", pickle.dumps(list(range(5000)), protocol=4))], "w")
w("tar/truncated.tar", whole[:2048])
w("tar/many.tar", tar_of([(f"f{i}.txt", b"x") for i in range(50)], "w"))

if WITH_SKLEARN:
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    os.makedirs(os.path.join(OUT, "joblib"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "sklearn"), exist_ok=True)
    X, y = load_iris(return_X_y=True)
    lr = LogisticRegression(max_iter=300).fit(X, y)
    w("sklearn/logreg.p4.pkl", pickle.dumps(lr, protocol=4))
    w("sklearn/logreg.p2.pkl", pickle.dumps(lr, protocol=2))
    w("sklearn/logreg.p5.pkl", pickle.dumps(lr, protocol=5))
    rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    for name, obj in (("logreg", lr), ("forest", rf)):
        joblib.dump(obj, os.path.join(OUT, f"sklearn/{name}.joblib"))
        joblib.dump(obj, os.path.join(OUT, f"sklearn/{name}.z.joblib"), compress=3)
        joblib.dump(obj, os.path.join(OUT, f"sklearn/{name}.gz.joblib"), compress=("gzip", 3))
    # an object-dtype array inside a joblib file is a nested pickle
    joblib.dump({"labels": np.array(["a", "b"], dtype=object), "w": np.ones(3)}, os.path.join(OUT, "sklearn/objarr.joblib"))

    for fam in FAMILIES:
        # arrays first, so the scanner must skip joblib's raw array bytes to reach the payload
        evil = {"coef": np.ones((4, 3)), "ints": np.arange(7, dtype="<i2"), "hook": Call(*FAMILIES[fam])}
        joblib.dump(evil, os.path.join(OUT, f"joblib/{fam}.joblib"))
        joblib.dump(evil, os.path.join(OUT, f"joblib/{fam}.z.joblib"), compress=3)
    joblib.dump(payload["os_system"], os.path.join(OUT, "joblib/os_system.gz.joblib"), compress=("gzip", 3))
    joblib.dump(payload["os_system"], os.path.join(OUT, "joblib/os_system.bz2.joblib"), compress=("bz2", 3))
    joblib.dump(payload["os_system"], os.path.join(OUT, "joblib/os_system.xz.joblib"), compress=("xz", 3))
    # an evil object inside an object array inside joblib
    arr = np.empty(2, dtype=object)
    arr[0] = "x"
    arr[1] = Call(*FAMILIES["builtins_eval"])
    joblib.dump({"w": np.ones(5), "objs": arr}, os.path.join(OUT, "joblib/objarr_eval.joblib"))

    # the real mlflow client's sklearn flavor (cloudpickle by default)
    import mlflow.sklearn

    # explicit requirements: otherwise mlflow infers them by importing the model in a subprocess (~10 s each)
    req = {"pip_requirements": ["mlflow"]}
    mlflow.sklearn.save_model(lr, os.path.join(OUT, "mlflow_model"), **req)
    mlflow.sklearn.save_model(lr, os.path.join(OUT, "mlflow_model_cloudpickle"), serialization_format="cloudpickle", **req)

    # The allow list's false-positive check: estimators and pipelines saved by the real mlflow client in its two
    # pickle formats must all scan clean (the full corpus with XGBoost, LightGBM, PyTorch, Keras is bench/scan).
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from scipy.stats import loguniform
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import RandomizedSearchCV
    from sklearn.preprocessing import SplineTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import GridSearchCV
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.linear_model import Ridge
    from sklearn.svm import SVC

    frame = pd.DataFrame({"age": np.arange(40) + 18.0, "city": ["paris", "lyon"] * 20})
    texts = ["good model", "bad data", "great fit", "poor fit"] * 5
    fp_models = {
        "column_transformer": Pipeline(
            [
                (
                    "prep",
                    ColumnTransformer(
                        [
                            ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age"]),
                            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
                        ]
                    ),
                ),
                ("clf", LogisticRegression()),
            ]
        ).fit(frame, (frame["age"] > 30).astype(int)),
        "random_forest": rf,
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=10).fit(X, y),
        "knn_kd_tree": KNeighborsClassifier(algorithm="kd_tree").fit(X, y),
        "svc": SVC(probability=True).fit(X, y),
        "tfidf_nb": make_pipeline(TfidfVectorizer(), MultinomialNB()).fit(texts, [1, 0, 1, 0] * 5),
        "grid_search": GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=3).fit(X, y),
        # these three needed allow-list entries beyond classes: scipy.stats distributions, a spline's array
        # function, functools.partial(check_array)
        "randomized_search_scipy": RandomizedSearchCV(
            LogisticRegression(max_iter=300), {"C": loguniform(1e-2, 1e2)}, n_iter=2, cv=3, random_state=0
        ).fit(X, y),
        "spline": make_pipeline(SplineTransformer(), Ridge()).fit(X, y),
        "hist_gb_categorical": HistGradientBoostingRegressor(max_iter=5, categorical_features=[0]).fit(
            np.c_[np.arange(len(y)) % 4, X[:, 1:]], y
        ),
    }
    for fp_name, fp_model in fp_models.items():
        for fmt in ("pickle", "cloudpickle"):
            mlflow.sklearn.save_model(
                fp_model, os.path.join(OUT, f"mlflow_fp/{fmt}/{fp_name}"), serialization_format=fmt, **req
            )

print("ok")
