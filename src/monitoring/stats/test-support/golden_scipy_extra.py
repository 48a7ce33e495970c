"""Extra scipy golden cases for branches the shared golden file does not reach (exact Mann-Whitney, exact CvM,
one-sided KS, Welch, Fisher alternatives, interpolated AD with k = 3, larger contingency tables, kstwo's
Durbin-matrix branch at large n, BH against statsmodels' formula).
Run with the project's Python environment (scipy 1.17.1, numpy 2.4.6):
  .cache/venv-mlflow3/bin/python src/monitoring/stats/test-support/golden_scipy_extra.py \
    > src/monitoring/stats/test-support/golden-scipy-extra.json
then `npx prettier --write` the JSON. Never edit expected values by hand."""
import json, sys, warnings
import numpy as np, scipy
from scipy import stats

warnings.simplefilter("ignore")
rng = np.random.default_rng(20261207)
cases = []


def f(x):
    x = float(x)
    return "inf" if x == float("inf") else ("-inf" if x == float("-inf") else ("nan" if x != x else x))


def add(name, fn, inputs, out):
    cases.append({"name": name, "scipy_fn": fn, "inputs": inputs, "expected": {k: f(v) for k, v in out.items()}})


def r(a):
    return np.round(a, 4).tolist()


# Mann-Whitney exact (no ties, a size <= 8) and asymptotic without continuity, all alternatives.
for i, (m, n) in enumerate([(5, 7), (8, 20), (3, 40), (6, 6)]):
    x, y = rng.normal(0, 1, m), rng.normal(0.5, 1, n)
    for alt in ["two-sided", "less", "greater"]:
        res = stats.mannwhitneyu(x, y, alternative=alt)
        add(f"mwu_exact/{i}/{alt}", "mannwhitneyu(method=auto→exact)", {"x": r(x), "y": r(y), "alternative": alt},
            {"statistic": res.statistic, "pvalue": res.pvalue})
x, y = np.round(rng.normal(0, 1, 60), 1), np.round(rng.normal(0.2, 1, 45), 1)
res = stats.mannwhitneyu(x, y, use_continuity=False, alternative="greater")
add("mwu_asymp_nocont/greater", "mannwhitneyu(use_continuity=False)", {"x": x.tolist(), "y": y.tolist(),
    "alternative": "greater", "continuity": False}, {"statistic": res.statistic, "pvalue": res.pvalue})

# CvM exact (both <= 20), with and without ties.
for i, (m, n) in enumerate([(6, 9), (10, 10), (12, 20)]):
    x, y = np.round(rng.normal(0, 1, m), 1), np.round(rng.normal(0.4, 1, n), 1)
    res = stats.cramervonmises_2samp(x, y)
    add(f"cvm_exact/{i}", "cramervonmises_2samp(auto→exact)", {"x": x.tolist(), "y": y.tolist()},
        {"statistic": res.statistic, "pvalue": res.pvalue})

# KS one-sided, exact and asymp; equal and unequal sizes; two-sided exact with large lcm.
for i, (m, n) in enumerate([(40, 40), (35, 50), (3000, 4500)]):
    x, y = r(rng.normal(0, 1, m)), r(rng.normal(0.15, 1, n))
    for alt in ["less", "greater"]:
        for meth in ["exact", "asymp"]:
            res = stats.ks_2samp(x, y, alternative=alt, method=meth)
            add(f"ks_onesided/{i}/{alt}/{meth}", "ks_2samp", {"x": x, "y": y, "alternative": alt, "method": meth},
                {"statistic": res.statistic, "pvalue": res.pvalue})
x, y = r(rng.normal(0, 1, 997)), r(rng.normal(0.1, 1, 1009))
res = stats.ks_2samp(x, y)
add("ks_two_sided/coprime_sizes", "ks_2samp(auto→exact)", {"x": x, "y": y, "alternative": "two-sided", "method": "auto"},
    {"statistic": res.statistic, "pvalue": res.pvalue})

# kstwo branches: Durbin matrix at large n, Ruben-Gambino ends, x >= 0.5.
for n, d in [(2000, 0.012), (50000, 0.003), (30, 0.02), (30, 0.97), (80, 0.6), (120, 0.05), (1000, 0.06)]:
    add(f"kstwo.sf/n={n}/d={d}", "scipy.stats.kstwo.sf(d, n)", {"d": d, "n": n}, {"value": stats.kstwo.sf(d, n)})

# Welch and one-sided Student t.
x, y = r(rng.normal(0, 1, 40)), r(rng.normal(0.3, 2.5, 90))
for eq in [False, True]:
    for alt in ["two-sided", "less", "greater"]:
        res = stats.ttest_ind(x, y, equal_var=eq, alternative=alt)
        add(f"ttest/{'student' if eq else 'welch'}/{alt}", "ttest_ind", {"x": x, "y": y, "equal_var": eq,
            "alternative": alt}, {"statistic": res.statistic, "pvalue": res.pvalue})

# Fisher: alternatives and lopsided tables.
for t in [[[3, 17], [12, 8]], [[0, 10], [7, 3]], [[25, 5], [3, 40]], [[1, 1], [1, 1]], [[200, 180], [150, 210]]]:
    for alt in ["two-sided", "less", "greater"]:
        res = stats.fisher_exact(t, alternative=alt)
        add(f"fisher/{t}/{alt}", "fisher_exact", {"table": t, "alternative": alt},
            {"statistic": res.statistic, "pvalue": res.pvalue})

# Anderson-Darling k = 3 (interpolated p) and k = 2 interpolated.
a, b, c = r(rng.normal(0, 1, 50)), r(rng.normal(0.6, 1, 30)), r(rng.normal(0, 1.3, 40))
res = stats.anderson_ksamp([a, b, c])
add("anderson_ksamp/k=3", "anderson_ksamp", {"samples": [a, b, c]}, {"statistic": res.statistic, "pvalue": res.pvalue})
a, b = r(rng.normal(0, 1, 200)), r(rng.normal(0.3, 1, 150))
res = stats.anderson_ksamp([a, b])
add("anderson_ksamp/k=2", "anderson_ksamp", {"samples": [a, b]}, {"statistic": res.statistic, "pvalue": res.pvalue})

# Contingency tables: 3x4, with and without Yates on 2x2, G-test of homogeneity.
t = [[12, 30, 7, 51], [20, 25, 15, 40], [8, 9, 4, 30]]
res = stats.chi2_contingency(t)
add("chi2_contingency/3x4", "chi2_contingency", {"table": t, "correction": True}, {"statistic": res.statistic,
    "pvalue": res.pvalue, "dof": res.dof})
t = [[120, 80, 33, 7], [100, 95, 20, 15]]
res = stats.chi2_contingency(t, lambda_="log-likelihood")
add("g_contingency/2x4", "chi2_contingency(lambda_='log-likelihood')", {"table": t}, {"statistic": res.statistic,
    "pvalue": res.pvalue, "dof": res.dof})
res = stats.chisquare([30, 14, 34, 45, 57, 20], [38.3, 20.1, 32.0, 41.7, 47.9, 20.0])
add("chisquare/6cat", "chisquare", {"observed": [30, 14, 34, 45, 57, 20], "expected": [38.3, 20.1, 32.0, 41.7, 47.9, 20.0]},
    {"statistic": res.statistic, "pvalue": res.pvalue})
for k, x in [(25.0, 30.5), (0.5, 1e-4), (200.0, 210.0), (3.0, 40.0)]:
    add(f"chi2.sf/k={k}/x={x}", "scipy.stats.chi2.sf", {"x": x, "k": k}, {"value": stats.chi2.sf(x, k)})

# numpy bin rules not in the shared file.
x = np.round(rng.gamma(2.0, 1.5, 700), 5)
for rule in ["scott", "rice", "sqrt", "stone"]:
    e = np.histogram_bin_edges(x, bins=rule)
    cases.append({"name": f"histogram_bin_edges/{rule}", "scipy_fn": f"numpy.histogram_bin_edges(x,'{rule}')",
                  "inputs": {"x": x.tolist()}, "expected": {"n_bins": len(e) - 1, "first": f(e[0]), "last": f(e[-1])}})

json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "cases": cases}, sys.stdout)
