"""Writes large real files for the scan benchmark: a scikit-learn RandomForest, pickled and joblib-dumped, and
a pickle of a million small Python objects.

usage: make_big_model.py OUT_DIR N_TREES
"""
import os
import pickle
import sys

import joblib
import numpy as np
from sklearn.ensemble import RandomForestClassifier

out, trees = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
X = rng.normal(size=(20000, 20))
y = (X[:, 0] + rng.normal(size=20000) > 0).astype(int)
rf = RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=2).fit(X, y)
with open(os.path.join(out, "forest.pkl"), "wb") as f:
    pickle.dump(rf, f, protocol=5)
joblib.dump(rf, os.path.join(out, "forest.joblib"))
# opcode-dense: many small Python objects (what a pickled vocabulary or feature table looks like)
rows = [(i, float(i) / 7.0, f"token-{i}", {"id": i, "ok": i % 2 == 0}) for i in range(1_000_000)]
with open(os.path.join(out, "objects.pkl"), "wb") as f:
    pickle.dump(rows, f, protocol=4)
print(os.path.getsize(os.path.join(out, "forest.pkl")), os.path.getsize(os.path.join(out, "objects.pkl")))
