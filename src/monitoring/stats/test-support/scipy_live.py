"""Answers the live scipy comparison (scipy-live.test.ts): reads {"cases": [{"id", "fn", "args"}]} as JSON on
stdin, computes each case with scipy/numpy, writes {"scipy", "numpy", "results": [{"id", "out"} | {"id", "error"}]}.
Non-finite numbers travel as the strings "nan", "inf", "-inf" in both directions."""
import json
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

warnings.simplefilter("ignore")


def arr(v):
    return np.array([float(x) for x in v], dtype=float)  # float("nan"), float("-inf") parse the strings


def enc(x):
    if isinstance(x, (list, tuple, np.ndarray)):
        return [enc(v) for v in x]
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def run(fn, a):
    if fn == "ks_2samp":
        r = stats.ks_2samp(arr(a["x"]), arr(a["y"]), alternative=a["alternative"], method=a["method"])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "ks_2samp_finite":  # what datasetDrift does: drop NaN and ±inf per side, then the default test
        x, y = arr(a["x"]), arr(a["y"])
        r = stats.ks_2samp(x[np.isfinite(x)], y[np.isfinite(y)])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "wasserstein":
        return {"value": stats.wasserstein_distance(arr(a["x"]), arr(a["y"]))}
    if fn == "wasserstein_norm":
        x = arr(a["x"])
        return {"value": stats.wasserstein_distance(x, arr(a["y"])) / max(np.std(x), 0.001)}
    if fn == "energy":
        return {"value": stats.energy_distance(arr(a["x"]), arr(a["y"]))}
    if fn == "cvm":
        r = stats.cramervonmises_2samp(arr(a["x"]), arr(a["y"]))
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "anderson":
        r = stats.anderson_ksamp([arr(a["x"]), arr(a["y"])])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "mwu":
        r = stats.mannwhitneyu(arr(a["x"]), arr(a["y"]), alternative=a["alternative"])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "ttest":
        r = stats.ttest_ind(arr(a["x"]), arr(a["y"]), equal_var=a["equal_var"])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "jensenshannon":
        base = None if a["base"] == "e" else a["base"]
        return {"value": distance.jensenshannon(arr(a["p"]), arr(a["q"]), base=base)}
    if fn == "entropy":
        return {"value": stats.entropy(arr(a["p"]), arr(a["q"]))}
    if fn == "chi2_contingency":
        r = stats.chi2_contingency(np.array(a["table"]), correction=a["correction"])
        return {"statistic": r.statistic, "pvalue": r.pvalue, "dof": r.dof}
    if fn == "chisquare":
        r = stats.chisquare(arr(a["observed"]), arr(a["expected"]))
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "fisher":
        r = stats.fisher_exact(a["table"], alternative=a["alternative"])
        return {"statistic": r.statistic, "pvalue": r.pvalue}
    if fn == "bin_edges":
        return {"edges": np.histogram_bin_edges(arr(a["x"]), bins=a["rule"])}
    raise ValueError(f"unknown function {fn}")


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            out = run(case["fn"], case["args"])
            results.append({"id": case["id"], "out": {k: enc(v) for k, v in out.items()}})
        except Exception as e:  # reported per case; the test decides whether an error was expected
            results.append({"id": case["id"], "error": f"{type(e).__name__}: {e}"})
    json.dump({"scipy": scipy.__version__, "numpy": np.__version__, "results": results}, sys.stdout)


main()
