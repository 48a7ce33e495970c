"""Step `prepare` of the example pipeline: loads the iris data set, keeps `--rows` rows, splits it, and writes the
split to `--out` (the path Bosun gives for the step's `table` output)."""

import argparse
import pickle

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

x, y = load_iris(return_X_y=True)
split = train_test_split(x[: args.rows], y[: args.rows], test_size=0.25, random_state=0, stratify=y[: args.rows])
with open(args.out, "wb") as handle:
    pickle.dump(split, handle)
