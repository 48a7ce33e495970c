"""Builds the scan benchmark's corpus into OUT_DIR and writes OUT_DIR/cases.json.

usage: .cache/venv-scan-corpus/bin/python bench/scan/make_corpus.py OUT_DIR   (run by run_corpus_bench.ts)

Two halves:
- real models, logged with the real `mlflow` client (log_model into a local tracking folder): scikit-learn
  (many estimators and pipelines, pickle / cloudpickle / skops formats), XGBoost and LightGBM (native flavors and
  their scikit-learn API through mlflow.sklearn), PyTorch (mlflow.pytorch pickles the whole module) and Keras 3
  (.keras). Every one of them should scan `clean`.
- malicious pickles of every family, in every container (raw at protocols 0-5, PyTorch zip, joblib, numpy
  object arrays, gzip, zip, tar, tar.gz, a model folder). Each must be `unsafe` or `suspicious`, never `clean`.
  They are only ever written, never loaded.

A case is a file or a folder; cases.json lists {path, kind: real|malicious, group, name}.
"""
import glob
import gzip
import io
import json
import os
import pickle
import shutil
import sys
import tarfile
import warnings
import zipfile

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")

OUT = os.path.abspath(sys.argv[1])
os.makedirs(OUT, exist_ok=True)
CASES = []


def case(path, kind, group, name):
    CASES.append({"path": os.path.relpath(path, OUT), "kind": kind, "group": group, "name": name})


def write(rel, data):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---------------------------------------------------------------------------------------------------------
# Real models, logged through the mlflow client
# ---------------------------------------------------------------------------------------------------------
import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

mlflow.set_tracking_uri("sqlite:///" + os.path.join(OUT, "_mlruns", "mlflow.db"))
os.makedirs(os.path.join(OUT, "_mlruns"), exist_ok=True)
mlflow.set_experiment(
    experiment_id=mlflow.create_experiment("scan-corpus", artifact_location="file://" + os.path.join(OUT, "_mlruns", "artifacts"))
)


# Explicit requirements: mlflow would otherwise infer them by importing the model in a subprocess (~10 s each).
FAST = {"pip_requirements": ["mlflow"]}


def logged(group, name, log):
    """Logs one model in its own run and records the model's artifact folder as a case."""
    with mlflow.start_run(run_name=f"{group}-{name}"):
        info = log()
    src = mlflow.artifacts.download_artifacts(info.model_uri) if hasattr(info, "model_uri") else None
    dest = os.path.join(OUT, "real", group, name)
    shutil.copytree(src, dest)
    case(dest, "real", group, name)


from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor  # noqa: E402
from sklearn.gaussian_process.kernels import RBF, WhiteKernel  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.naive_bayes import MultinomialNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.cross_decomposition import PLSRegression  # noqa: E402
from sklearn.cluster import DBSCAN  # noqa: E402
from sklearn.decomposition import NMF, KernelPCA, LatentDirichletAllocation  # noqa: E402
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    AdaBoostClassifier,
    BaggingRegressor,
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    StackingClassifier,
    VotingClassifier,
)
from sklearn.experimental import enable_iterative_imputer  # noqa: E402,F401
from sklearn.impute import IterativeImputer  # noqa: E402
from sklearn.isotonic import IsotonicRegression  # noqa: E402
from sklearn.linear_model import ElasticNetCV, SGDClassifier  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.neighbors import RadiusNeighborsRegressor  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    FunctionTransformer,
    KBinsDiscretizer,
    LabelEncoder,
    PolynomialFeatures,
    QuantileTransformer,
    SplineTransformer,
    TargetEncoder,
)
from sklearn.svm import LinearSVC, OneClassSVM  # noqa: E402

X, y = load_iris(return_X_y=True)
Xc, yc = make_classification(n_samples=300, n_features=8, random_state=0)
Xr, yr = make_regression(n_samples=300, n_features=6, random_state=0)
frame = pd.DataFrame(
    {
        "age": np.arange(60) % 50 + 18.0,
        "income": np.linspace(1e3, 9e4, 60),
        "city": ["paris", "lyon", "nice"] * 20,
        "plan": ["a", "b"] * 30,
    }
)
frame_y = (frame["age"] > 40).astype(int)
texts = ["good model", "bad data", "great fit", "poor fit", "good data", "bad model"] * 5
text_y = [1, 0, 1, 0, 1, 0] * 5

SKLEARN = {
    "logreg": lambda: LogisticRegression(max_iter=500).fit(X, y),
    "random_forest": lambda: RandomForestClassifier(n_estimators=10, random_state=0).fit(Xc, yc),
    "gradient_boosting": lambda: GradientBoostingRegressor(n_estimators=20).fit(Xr, yr),
    "hist_gradient_boosting": lambda: HistGradientBoostingClassifier(max_iter=20).fit(Xc, yc),
    "svc": lambda: SVC(probability=True).fit(X, y),
    "knn": lambda: KNeighborsClassifier(algorithm="kd_tree").fit(X, y),
    "knn_ball_tree": lambda: KNeighborsClassifier(algorithm="ball_tree").fit(X, y),
    "kmeans": lambda: KMeans(n_clusters=3, n_init=2, random_state=0).fit(X),
    "pca_linear": lambda: make_pipeline(PCA(n_components=3), LinearRegression()).fit(Xr, yr),
    "column_transformer": lambda: Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [
                        ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["age", "income"]),
                        ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
                    ]
                ),
            ),
            ("clf", LogisticRegression()),
        ]
    ).fit(frame, frame_y),
    "tfidf_nb": lambda: make_pipeline(TfidfVectorizer(), MultinomialNB()).fit(texts, text_y),
    "isolation_forest": lambda: IsolationForest(n_estimators=10, random_state=0).fit(Xc),
    "grid_search": lambda: GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=StratifiedKFold(3)).fit(Xc, yc),
    "mlp": lambda: MLPClassifier(hidden_layer_sizes=(8,), max_iter=50).fit(X, y),
    "decision_tree": lambda: DecisionTreeClassifier(max_depth=4).fit(X, y),
    "calibrated": lambda: CalibratedClassifierCV(SVC(), cv=3).fit(X, y),
    "gaussian_process": lambda: GaussianProcessRegressor(kernel=RBF() + WhiteKernel()).fit(Xr[:50], yr[:50]),
    "stacking": lambda: StackingClassifier(
        [("lr", LogisticRegression(max_iter=300)), ("dt", DecisionTreeClassifier())], final_estimator=LogisticRegression()
    ).fit(X, y),
    "voting_soft": lambda: VotingClassifier(
        [("nb", GaussianNB()), ("qda", QuadraticDiscriminantAnalysis())], voting="soft"
    ).fit(X, y),
    "randomized_search_scipy": lambda: RandomizedSearchCV(
        LogisticRegression(max_iter=300), {"C": loguniform(1e-2, 1e2)}, n_iter=3, cv=3, random_state=0
    ).fit(X, y),
    "function_transformer_log1p": lambda: make_pipeline(FunctionTransformer(np.log1p), Ridge()).fit(np.abs(Xr), yr),
    "sgd": lambda: SGDClassifier(max_iter=20).fit(Xc, yc),
    "quantile_poly": lambda: make_pipeline(
        QuantileTransformer(n_quantiles=50), PolynomialFeatures(2), LinearRegression()
    ).fit(Xr, yr),
    "target_encoder": lambda: make_pipeline(
        ColumnTransformer([("te", TargetEncoder(), ["city"]), ("num", "passthrough", ["age"])]), LogisticRegression()
    ).fit(frame, frame_y),
    "iterative_imputer": lambda: make_pipeline(IterativeImputer(max_iter=3), Ridge()).fit(Xr, yr),
    "isotonic": lambda: IsotonicRegression().fit(Xr[:, 0], yr),
    "nmf": lambda: NMF(n_components=2, max_iter=50).fit(np.abs(Xc)),
    "lda_topics": lambda: LatentDirichletAllocation(n_components=2, max_iter=3).fit(np.abs(Xc)),
    "dbscan": lambda: DBSCAN().fit(X),
    "one_class_svm": lambda: OneClassSVM().fit(X),
    "elasticnet_cv": lambda: ElasticNetCV(cv=3).fit(Xr, yr),
    "adaboost": lambda: AdaBoostClassifier(n_estimators=10).fit(Xc, yc),
    "bagging_extra_trees": lambda: BaggingRegressor(ExtraTreesRegressor(n_estimators=5), n_estimators=3).fit(Xr, yr),
    "kernel_pca_linear_svc": lambda: make_pipeline(KernelPCA(3, kernel="rbf"), LinearSVC()).fit(Xc, yc),
    "lda_classifier": lambda: LinearDiscriminantAnalysis().fit(X, y),
    "spline_kbins": lambda: make_pipeline(
        ColumnTransformer([("s", SplineTransformer(), [0, 1]), ("k", KBinsDiscretizer(n_bins=3), [2, 3])]), Ridge()
    ).fit(Xr, yr),
    "pls": lambda: PLSRegression(2).fit(Xr, yr),
    "nearest_neighbors_radius": lambda: RadiusNeighborsRegressor(radius=5.0).fit(Xr, yr),
    "hist_gb_categorical": lambda: HistGradientBoostingRegressor(max_iter=10, categorical_features=[0]).fit(
        np.c_[np.arange(300) % 4, Xr[:, 1:]], yr
    ),
    "label_encoder": lambda: LabelEncoder().fit(["a", "b", "c"]),
}

import mlflow.sklearn  # noqa: E402

for name, make in SKLEARN.items():
    model = make()
    for fmt in ("pickle", "cloudpickle"):
        logged(
            f"sklearn-{fmt}",
            name,
            lambda: mlflow.sklearn.log_model(model, name="model", **FAST, serialization_format=fmt),
        )
# skops: mlflow's sklearn flavor with serialization_format="skops" (its schema names every type it loads)
for name in ("logreg", "random_forest", "column_transformer", "hist_gradient_boosting"):
    model = SKLEARN[name]()
    import skops.io

    # skops refuses types it does not trust by default; mlflow takes the list a user would confirm
    trusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    try:
        logged(
            "sklearn-skops",
            name,
            lambda: mlflow.sklearn.log_model(
                model, name="model", serialization_format="skops", skops_trusted_types=trusted, **FAST
            ),
        )
    except Exception as e:  # skops refuses some types unless trusted; the corpus records that and goes on
        print(f"skops {name}: {type(e).__name__}: {e}", file=sys.stderr)

import lightgbm  # noqa: E402
import mlflow.lightgbm  # noqa: E402
import mlflow.xgboost  # noqa: E402
import xgboost  # noqa: E402

booster = xgboost.train({"max_depth": 3, "objective": "binary:logistic"}, xgboost.DMatrix(Xc, label=yc), 10)
logged("xgboost", "booster_native", lambda: mlflow.xgboost.log_model(booster, name="model", **FAST))
xgb_clf = xgboost.XGBClassifier(n_estimators=10, max_depth=3).fit(Xc, yc)
logged("xgboost", "classifier_native", lambda: mlflow.xgboost.log_model(xgb_clf, name="model", **FAST))
for fmt in ("pickle", "cloudpickle"):
    logged("xgboost", f"classifier_sklearn_{fmt}", lambda: mlflow.sklearn.log_model(xgb_clf, name="model", **FAST, serialization_format=fmt))
xgb_reg = xgboost.XGBRegressor(n_estimators=10).fit(Xr, yr)
for fmt in ("pickle", "cloudpickle"):
    logged("xgboost", f"regressor_sklearn_{fmt}", lambda: mlflow.sklearn.log_model(xgb_reg, name="model", serialization_format=fmt, **FAST))
xgb_rank = xgboost.XGBRanker(n_estimators=5).fit(Xc[:60], yc[:60] + (np.arange(60) % 3), qid=np.repeat(np.arange(6), 10))
logged("xgboost", "ranker_sklearn_pickle", lambda: mlflow.sklearn.log_model(xgb_rank, name="model", serialization_format="pickle", **FAST))
lgb_booster = lightgbm.train({"objective": "binary", "verbose": -1}, lightgbm.Dataset(Xc, label=yc), 10)
logged("lightgbm", "booster_native", lambda: mlflow.lightgbm.log_model(lgb_booster, name="model", **FAST))
lgb_clf = lightgbm.LGBMClassifier(n_estimators=10, verbose=-1).fit(Xc, yc)
logged("lightgbm", "classifier_native", lambda: mlflow.lightgbm.log_model(lgb_clf, name="model", **FAST))
for fmt in ("pickle", "cloudpickle"):
    logged("lightgbm", f"classifier_sklearn_{fmt}", lambda: mlflow.sklearn.log_model(lgb_clf, name="model", **FAST, serialization_format=fmt))

lgb_reg = lightgbm.LGBMRegressor(n_estimators=10, verbose=-1).fit(Xr, yr)
for fmt in ("pickle", "cloudpickle"):
    logged("lightgbm", f"regressor_sklearn_{fmt}", lambda: mlflow.sklearn.log_model(lgb_reg, name="model", serialization_format=fmt, **FAST))

import mlflow.pytorch  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

TORCH = {
    "mlp": lambda: nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2), nn.Softmax(dim=1)),
    "cnn": lambda: nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 13 * 13, 10)
    ),
    "rnn_embedding": lambda: nn.ModuleDict(
        {"emb": nn.Embedding(100, 8), "lstm": nn.LSTM(8, 16, batch_first=True), "gru": nn.GRU(16, 8), "head": nn.Linear(8, 2)}
    ),
    "transformer": lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32), 1),
    "attention_norm": lambda: nn.ModuleList(
        [nn.MultiheadAttention(16, 2), nn.LayerNorm(16), nn.Conv1d(4, 4, 3), nn.GELU(), nn.Identity(), nn.Upsample(scale_factor=2)]
    ),
}
TORCH_INPUTS = {
    "mlp": torch.ones(2, 8),
    "cnn": torch.ones(2, 1, 28, 28),
    "transformer": torch.ones(3, 2, 16),
}
for name, make in TORCH.items():
    module = make().eval()
    # "pickle": torch.save of the whole module (mlflow's classic format); "pt2": torch.export's archive
    logged("pytorch", name, lambda: mlflow.pytorch.log_model(module, name="model", serialization_format="pickle", **FAST))
    if name in TORCH_INPUTS:
        try:
            logged(
                "pytorch-pt2",
                name,
                lambda: mlflow.pytorch.log_model(
                    module, name="model", serialization_format="pt2", input_example=TORCH_INPUTS[name].numpy(), **FAST
                ),
            )
        except Exception as e:  # torch.export cannot trace every module; the corpus records that and goes on
            print(f"pt2 {name}: {type(e).__name__}: {str(e)[:200]}", file=sys.stderr)
# torch.save of a state_dict and of a whole module (what people ship outside mlflow)
write("real/pytorch-files/state_dict.pt", b"")
torch.save(TORCH["cnn"]().state_dict(), os.path.join(OUT, "real/pytorch-files/state_dict.pt"))
case(os.path.join(OUT, "real/pytorch-files/state_dict.pt"), "real", "pytorch", "state_dict.pt")
torch.save(TORCH["mlp"](), os.path.join(OUT, "real/pytorch-files/whole_module.pt"))
case(os.path.join(OUT, "real/pytorch-files/whole_module.pt"), "real", "pytorch", "whole_module.pt")

import keras  # noqa: E402
import mlflow.keras  # noqa: E402

seq = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dropout(0.1), keras.layers.Dense(2, activation="softmax")])
seq.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
logged("keras", "sequential", lambda: mlflow.keras.log_model(seq, name="model", **FAST))
inp = keras.Input((28, 28, 1))
h = keras.layers.Conv2D(4, 3, activation="relu")(inp)
h = keras.layers.BatchNormalization()(h)
h = keras.layers.GlobalAveragePooling2D()(h)
out = keras.layers.Dense(10)(h)
functional = keras.Model(inp, out)
functional.compile(optimizer=keras.optimizers.SGD(0.01), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
logged("keras", "functional_cnn", lambda: mlflow.keras.log_model(functional, name="model", **FAST))
rnn_inp = keras.Input((10,))
r = keras.layers.Embedding(50, 8)(rnn_inp)
r = keras.layers.LSTM(8)(r)
rnn = keras.Model(rnn_inp, keras.layers.Dense(1, activation="sigmoid")(r))
logged("keras", "embedding_lstm", lambda: mlflow.keras.log_model(rnn, name="model", **FAST))
seq.save(os.path.join(OUT, "real/keras-files/sequential.keras")) if os.makedirs(os.path.join(OUT, "real/keras-files"), exist_ok=True) is None else None
case(os.path.join(OUT, "real/keras-files/sequential.keras"), "real", "keras", "sequential.keras")

# joblib files of the same estimators (what people also ship outside mlflow)
import joblib  # noqa: E402

for name in ("random_forest", "column_transformer", "hist_gradient_boosting"):
    path = os.path.join(OUT, "real/joblib", f"{name}.joblib")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    joblib.dump(SKLEARN[name](), path)
    case(path, "real", "sklearn-joblib", name)
    joblib.dump(SKLEARN[name](), path + ".z", compress=3)
    case(path + ".z", "real", "sklearn-joblib", name + " (zlib)")

# Models that carry code (expected not clean): a lambda or a __main__ function in a FunctionTransformer, a torch
# module class and an mlflow PythonModel defined in __main__ (cloudpickle writes their code into the file).
def add_one(x):
    return x + 1


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input


def code_case(name, log):
    with mlflow.start_run(run_name=f"code-{name}"):
        info = log()
    dest = os.path.join(OUT, "code", name)
    shutil.copytree(mlflow.artifacts.download_artifacts(info.model_uri), dest)
    CASES.append({"path": os.path.relpath(dest, OUT), "kind": "code", "group": "real models carrying code", "name": name})


import mlflow.pyfunc  # noqa: E402

lam = make_pipeline(FunctionTransformer(lambda a: a * 2), Ridge()).fit(Xr, yr)
code_case("sklearn lambda (cloudpickle)", lambda: mlflow.sklearn.log_model(lam, name="model", serialization_format="cloudpickle", **FAST))
main_fn = make_pipeline(FunctionTransformer(add_one), Ridge()).fit(Xr, yr)
code_case("sklearn __main__ function (pickle)", lambda: mlflow.sklearn.log_model(main_fn, name="model", serialization_format="pickle", **FAST))
code_case("torch __main__ module class", lambda: mlflow.pytorch.log_model(TinyNet(), name="model", serialization_format="pickle", **FAST))
code_case("pyfunc PythonModel in __main__", lambda: mlflow.pyfunc.log_model(name="model", python_model=Echo(), **FAST))
# models-from-code: the model is a Python file mlflow runs on load
model_py = os.path.join(OUT, "_mlruns", "echo_model.py")
with open(model_py, "w") as f:
    f.write("import mlflow\n\nclass Echo(mlflow.pyfunc.PythonModel):\n    def predict(self, context, model_input):\n        return model_input\n\nmlflow.models.set_model(Echo())\n")
code_case("pyfunc models-from-code", lambda: mlflow.pyfunc.log_model(name="model", python_model=model_py, **FAST))

shutil.rmtree(os.path.join(OUT, "_mlruns"), ignore_errors=True)

# ---------------------------------------------------------------------------------------------------------
# Malicious pickles (written, never loaded)
# ---------------------------------------------------------------------------------------------------------


def sb(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b if len(b) < 256 else b"X" + len(b).to_bytes(4, "little") + b


def args_p0(args):
    out = b"("
    for a in args:
        out += b"S" + repr(a).encode() + b"\n" if isinstance(a, str) else b"I%d\n" % a
    return out + b"t"


def call(module, name, args=("id",), proto=4):
    """A pickle that imports module.name and calls it with args (no Python object needed to exist here)."""
    if proto == 0:
        return b"c" + module.encode() + b"\n" + name.encode() + b"\n" + args_p0(args) + b"R."
    body = b"(" + b"".join(sb(a) if isinstance(a, str) else b"K" + bytes([a]) for a in args) + b"t"
    if proto == 2:
        return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n" + body + b"R."
    return bytes([0x80, proto]) + sb(module) + sb(name) + b"\x93" + body + b"R."


FAMILIES = {
    # family: [(module, name, args)]
    "os/posix/nt": [("os", "system", ("id",)), ("posix", "system", ("id",)), ("nt", "system", ("id",)), ("os", "execv", ("/bin/sh", "x"))],
    "subprocess": [("subprocess", "Popen", ("id",)), ("subprocess", "check_output", ("id",)), ("subprocess", "run", ("id",)), ("commands", "getoutput", ("id",))],
    "builtins eval/exec/compile": [("builtins", "eval", ("1",)), ("builtins", "exec", ("x=1",)), ("__builtin__", "eval", ("1",)), ("builtins", "compile", ("1", "f", "eval"))],
    "builtins getattr/__import__": [("builtins", "getattr", ("x", "y")), ("builtins", "__import__", ("os",)), ("builtins", "setattr", ("x", "y", 1))],
    "importlib/runpy/pkgutil": [("importlib", "import_module", ("os",)), ("runpy", "_run_code", ("1", "g")), ("runpy", "run_path", ("/x",)), ("pkgutil", "resolve_name", ("os:system",))],
    "pty/code/codeop/pdb": [("pty", "spawn", ("/bin/sh",)), ("code", "interact", ()), ("codeop", "compile_command", ("1",)), ("pdb", "run", ("1",)), ("timeit", "timeit", ("1",)), ("cProfile", "run", ("1",))],
    "network": [("webbrowser", "open", ("http://x",)), ("socket", "create_connection", ("x",)), ("requests", "get", ("http://x",)), ("urllib.request", "urlopen", ("http://x",)), ("http.client", "HTTPConnection", ("x",)), ("smtplib", "SMTP", ("x",))],
    "files": [("shutil", "rmtree", ("/x",)), ("builtins", "open", ("/x", "w")), ("io", "FileIO", ("/x",)), ("tempfile", "mkstemp", ()), ("dbm", "open", ("/x", "c")), ("glob", "glob", ("/*",)), ("linecache", "getline", ("/etc/passwd", 1))],
    "ctypes/native": [("ctypes", "CDLL", ("libc.so.6",)), ("_ctypes", "dlopen", ("x",)), ("numpy.ctypeslib", "load_library", ("x", "."))],
    "nested loaders": [("pickle", "loads", ("x",)), ("pandas.io.pickle", "read_pickle", ("/x",)), ("pandas", "read_pickle", ("/x",)), ("numpy", "load", ("/x",)), ("joblib", "load", ("/x",)), ("torch", "load", ("/x",)), ("torch.storage", "_load_from_bytes", ("x",)), ("mlflow.pyfunc", "load_model", ("runs:/x",)), ("keras.models", "load_model", ("/x",)), ("dill", "loads", ("x",)), ("marshal", "loads", ("x",))],
    "listed escapes": [("distutils.spawn", "spawn", ("id",)), ("site", "main", ()), ("_thread", "start_new_thread", ("x", "y")), ("lib2to3.main", "main", ("x",)), ("threading", "Thread", ()), ("atexit", "register", ("x",)), ("logging.config", "dictConfig", ("x",)), ("operator", "call", ("x",)), ("multiprocessing", "Process", ())],
    "gadgets": [("operator", "attrgetter", ("x",)), ("operator", "methodcaller", ("x",)), ("functools", "reduce", ("x", "y")), ("types", "FunctionType", ("x", "y")), ("builtins", "object.__subclasses__", ())],
    "on no list (unknown)": [("zipapp", "create_archive", ("/x",)), ("compileall", "compile_dir", ("/x",)), ("py_compile", "compile", ("/x",)), ("netrc", "netrc", ("/x",)), ("wave", "open", ("/x", "wb")), ("mimetypes", "init", ()), ("sklearn.linear_model._logistic", "_logistic_regression_path", ("x",)), ("torch.nn.modules.linear", "F", ()), ("sklearn.utils._joblib", "Memory", ("/x",)), ("numpy", "mean", ("x",)), ("xgboost.core", "_load_lib", ()), ("antigravity", "geohash", ("x",))],
}

n_mal = 0


def mal(rel, data, family, name):
    global n_mal
    n_mal += 1
    case(write(f"malicious/{rel}", data), "malicious", family, name)


def torch_zip(data_pkl):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/data/0", np.arange(16, dtype="<f4").tobytes())
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


def tar_of(members, mode):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode=mode) as t:
        for member_name, data in members:
            info = tarfile.TarInfo(member_name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return bio.getvalue()


for family, entries in FAMILIES.items():
    slug = family.replace("/", "_").replace(" ", "_")
    for module, name, args in entries:
        q = f"{module}.{name}"
        for proto in (0, 2, 4):
            mal(f"{slug}/{q}.p{proto}.pkl", call(module, name, args, proto), family, f"{q} p{proto}")
        p4 = call(module, name, args, 4)
        mal(f"{slug}/{q}.pt", torch_zip(call(module, name, args, 2)), family, f"{q} torch zip")
        mal(f"{slug}/{q}.pkl.gz", gzip.compress(p4), family, f"{q} gzip")
        mal(f"{slug}/{q}.tar", tar_of([("model/data.pkl", p4)], "w"), family, f"{q} tar")
        mal(f"{slug}/{q}.tar.gz", tar_of([("model/data.pkl", p4), ("model/MLmodel", b"flavors: {}\n")], "w:gz"), family, f"{q} tar.gz")
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("weights/blob", p4)
        mal(f"{slug}/{q}.zip", zbuf.getvalue(), family, f"{q} zip member")


class Call:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


# Real callables pickled by the pickler itself (module names as Python records them) in real containers
import builtins  # noqa: E402
import runpy  # noqa: E402
import subprocess  # noqa: E402

REAL_CALLS = {"os.system": (os.system, ("id",)), "subprocess.Popen": (subprocess.Popen, (["id"],)), "builtins.eval": (builtins.eval, ("1",)), "runpy._run_code": (runpy._run_code, ("1", {}))}
for q, (fn, args) in REAL_CALLS.items():
    obj = {"weights": np.ones(3), "hook": Call(fn, args)}
    for proto in (1, 3, 5):
        mal(f"pickler/{q}.p{proto}.pkl", pickle.dumps(obj, protocol=proto), "pickler-made", f"{q} p{proto}")
    jb = io.BytesIO()
    joblib.dump({"coef": np.ones((4, 3)), "hook": Call(fn, args)}, os.path.join(OUT, f"malicious/pickler/{q}.joblib"))
    case(os.path.join(OUT, f"malicious/pickler/{q}.joblib"), "malicious", "joblib", q)
    joblib.dump({"coef": np.ones((4, 3)), "hook": Call(fn, args)}, os.path.join(OUT, f"malicious/pickler/{q}.z.joblib"), compress=3)
    case(os.path.join(OUT, f"malicious/pickler/{q}.z.joblib"), "malicious", "joblib", q + " zlib")
    arr = np.empty(2, dtype=object)
    arr[1] = Call(fn, args)
    b = io.BytesIO()
    np.save(b, arr, allow_pickle=True)
    mal(f"pickler/{q}.npy", b.getvalue(), "numpy object array", q)
    joblib.dump({"w": np.ones(5), "objs": arr}, os.path.join(OUT, f"malicious/pickler/{q}.objarr.joblib"))
    case(os.path.join(OUT, f"malicious/pickler/{q}.objarr.joblib"), "malicious", "numpy object array", q + " in joblib")
    b = io.BytesIO()
    torch.save({"state": torch.ones(2), "hook": Call(fn, args)}, b)
    mal(f"pickler/{q}.torch.pt", b.getvalue(), "torch.save zip", q)
    # a real mlflow model folder whose model.pkl was replaced
    src = os.path.join(OUT, "real", "sklearn-pickle", "logreg")
    dest = os.path.join(OUT, "malicious", "mlflow-folder", q)
    shutil.copytree(src, dest)
    with open(os.path.join(dest, "model.pkl"), "wb") as f:
        pickle.dump(obj, f, protocol=4)
    case(dest, "malicious", "mlflow model folder", q)

# A real mlflow model folder whose MLmodel points mlflow at a loader module shipped in code/ (no pickle at all)
dest = os.path.join(OUT, "malicious", "mlflow-folder", "loader_module")
shutil.copytree(os.path.join(OUT, "real", "sklearn-pickle", "logreg"), dest)
with open(os.path.join(dest, "MLmodel")) as f:
    mlmodel = f.read().replace("loader_module: mlflow.sklearn", "code: code\n    loader_module: evil_loader")
with open(os.path.join(dest, "MLmodel"), "w") as f:
    f.write(mlmodel)
os.makedirs(os.path.join(dest, "code"))
with open(os.path.join(dest, "code", "evil_loader.py"), "w") as f:
    f.write("import os\n\ndef _load_pyfunc(path):\n    os.system('id')\n")
case(dest, "malicious", "mlflow model folder", "loader_module in code/")

# Tricks
tricks = {
    "STACK_GLOBAL from memoized strings (BINGET)": b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94" b"00h\x00h\x01\x93\x8c\x02id\x85R.",
    "STACK_GLOBAL name computed by a call": b"\x80\x04\x8c\x02os\x8c\x08builtins\x8c\x03str\x93\x8c\x06system\x85R\x93)R.",
    "INST (protocol 0)": b"(S'id'\nisubprocess\ncheck_output\n.",
    "OBJ (protocol 1)": b"(cposix\nsystem\nS'id'\no.",
    "NEWOBJ_EX of an unknown class": b"\x80\x04" + sb("mypkg.evil") + sb("Thing") + b"\x93)}\x92.",
    "numpy _ufunc_reconstruct('os', 'system')": b"\x80\x02cnumpy.core\n_ufunc_reconstruct\nX\x02\x00\x00\x00osX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R.",
    "getattr chain on an imported module": b"\x80\x02cbuiltins\ngetattr\ncbuiltins\n__import__\nX\x02\x00\x00\x00os\x85RX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R.",
    "BUILD on an import (monkeypatch)": b"\x80\x02ccollections\nOrderedDict\nN}X\x07\x00\x00\x00__doc__X\x01\x00\x00\x00xs\x86b.",
    "SETITEM on an import": b"\x80\x02ccopyreg\n_inverted_registry\nK\x01X\x02\x00\x00\x00osX\x06\x00\x00\x00system\x86s.",
    "EXT1 extension code": b"\x80\x02\x82\x01X\x02\x00\x00\x00id\x85R.",
    "call of a call's result": b"\x80\x02ccollections\nOrderedDict\n)RX\x02\x00\x00\x00id\x85R.",
    "functools.partial(os.system, 'id') called": b"\x80\x02cfunctools\npartial\ncos\nsystem\nX\x02\x00\x00\x00id\x86R)R.",
    "functools.partial(print, 'id') called": b"\x80\x02cfunctools\npartial\ncbuiltins\nprint\nX\x02\x00\x00\x00id\x86R)R.",
    "functools.partial of an allowed class, called": b"\x80\x02cfunctools\npartial\ncbuiltins\nlist\n\x85R)R.",
    "two pickles, second malicious": pickle.dumps({"a": 1}, protocol=4) + call("os", "system", ("id",), 4),
    "truncated after the call": call("subprocess", "Popen", ("id",), 4)[:-1],
}
for name, data in tricks.items():
    mal(f"tricks/{len(CASES)}.pkl", data, "tricks", name)
bz = io.BytesIO()
with zipfile.ZipFile(bz, "w") as z:
    z.writestr("bundle.tar", tar_of([("m/site.main.pkl", call("site", "main", (), 0))], "w"))
mal("tricks/tar_in_zip.zip", bz.getvalue(), "containers", "tar inside zip")
mal("tricks/zip_in_tar.tar", tar_of([("model.pt", torch_zip(call("runpy", "_run_code", ("1", "g"), 2)))], "w"), "containers", "torch zip inside tar")
mal("tricks/model.tgz", tar_of([("m/model.pkl", call("os", "system", ("id",), 2))], "w:gz"), "containers", ".tgz")
mal("tricks/pickle_in_txt.txt", call("os", "system", ("id",), 0), "containers", "protocol-0 pickle named .txt")
mal("tricks/polyglot.tar", tar_of([("cposix\nsystem\n(S'id'\ntR.", b"data")], "w"), "containers", "tar whose header is a pickle")

# JSON configs: a real .keras / .skops file with one name changed
real_keras = os.path.join(OUT, "real/keras-files/sequential.keras")
for module, name in (("os", "system"), ("builtins", "eval"), ("mypkg.layers", "Evil")):
    with zipfile.ZipFile(real_keras) as src_zip:
        members = {n: src_zip.read(n) for n in src_zip.namelist()}
    cfg = json.loads(members["config.json"])
    cfg["config"]["layers"].append({"module": module, "class_name": name, "config": {"name": "x"}, "registered_name": None})
    members["config.json"] = json.dumps(cfg).encode()
    kb = io.BytesIO()
    with zipfile.ZipFile(kb, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    mal(f"configs/keras_{module}.{name}.keras", kb.getvalue(), "Keras config module", f"{module}.{name}")
import skops.io  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

skops_bytes = skops.io.dumps(FunctionTransformer(func=np.log1p))
for module, name in (("os", "system"), ("builtins", "exec"), ("mypkg.features", "transform")):
    with zipfile.ZipFile(io.BytesIO(skops_bytes)) as src_zip:
        members = {n: src_zip.read(n) for n in src_zip.namelist()}
    members["schema.json"] = members["schema.json"].replace(b'"__class__": "log1p",\n        "__module__": "numpy"', f'"__class__": "{name}",\n        "__module__": "{module}"'.encode())
    assert name.encode() in members["schema.json"]
    sb_ = io.BytesIO()
    with zipfile.ZipFile(sb_, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    mal(f"configs/skops_{module}.{name}.skops", sb_.getvalue(), "skops schema function", f"{module}.{name}")

# Containers the scanner cannot open: the scan fails (fail closed), never clean
import bz2  # noqa: E402
import lzma  # noqa: E402

payload_tar = tar_of([("model/data.pkl", call("os", "system", ("id",), 4))], "w")
for rel, data in (
    ("model.tar.bz2", bz2.compress(payload_tar)),
    ("model.tar.xz", lzma.compress(payload_tar)),
    ("model.pkl.bz2", bz2.compress(call("os", "system", ("id",), 4))),
    ("model.7z", bytes([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]) + bytes(64)),
):
    path = write(f"malicious/fail-closed/{rel}", data)
    CASES.append({"path": os.path.relpath(path, OUT), "kind": "malicious", "group": "unsupported containers (fail closed)", "name": rel, "expect": "failed"})

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(CASES, f, indent=1)
print(f"{sum(c['kind'] == 'real' for c in CASES)} real, {n_mal} malicious (+ joblib/folders: {sum(c['kind'] == 'malicious' for c in CASES)})")
