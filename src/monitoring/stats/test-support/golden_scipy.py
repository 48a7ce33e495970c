"""The shared scipy 1.17.1 / numpy 2.4.6 golden cases for the drift statistics (72 cases), generated when the test
runs: golden-scipy.test.ts runs this file with the test Python (the mlflow 3.x environment, see
src/shared/test-support/test-python.ts) and reads the JSON it prints, so no 3 MB fixture is committed.
By hand:  .cache/venv-mlflow3/bin/python src/monitoring/stats/test-support/golden_scipy.py > golden-scipy.json
Each case stores inputs (small, exact decimal floats) and scipy's outputs with repr() precision; the versions are
recorded and checked by the test. Add cases here; never edit expected values by hand."""
import json, sys, warnings, numpy as np, scipy
from scipy import stats
from scipy.spatial import distance

warnings.simplefilter("ignore")  # anderson_ksamp warns when it caps or floors p, as these cases mean it to
def f(x):  # float -> JSON-safe
    x = float(x)
    return "inf" if x == float("inf") else ("-inf" if x == float("-inf") else ("nan" if x != x else x))

rng = np.random.default_rng(20240601)
cases = []
def add(name, fn, inputs, out):
    cases.append({"name": name, "scipy_fn": fn, "inputs": inputs, "expected": {k: f(v) for k, v in out.items()}})

samples = {
  "small_ties": (np.round(rng.normal(0, 1, 25), 1), np.round(rng.normal(0.3, 1, 31), 1)),
  "medium": (np.round(rng.normal(0, 1, 800), 6), np.round(rng.normal(0.1, 1.1, 1200), 6)),
  "large_asymp": (np.round(rng.normal(0, 1, 12000), 6), np.round(rng.normal(0.02, 1, 15000), 6)),
  "equal_n": (np.round(rng.exponential(1, 300), 6), np.round(rng.exponential(1.2, 300), 6)),
}
for key, (a, b) in samples.items():
    A, B = a.tolist(), b.tolist()
    inp = {"x": A, "y": B}
    for m in ["auto", "exact", "asymp"]:
        if m == "exact" and max(len(A), len(B)) > 10000: continue
        r = stats.ks_2samp(a, b, method=m)
        add(f"ks_2samp/{key}/{m}", "scipy.stats.ks_2samp", {**inp, "method": m}, {"statistic": r.statistic, "pvalue": r.pvalue})
    add(f"wasserstein/{key}", "scipy.stats.wasserstein_distance", inp, {"value": stats.wasserstein_distance(a, b)})
    add(f"wasserstein_norm_evidently/{key}", "wasserstein_distance(x,y)/max(np.std(x),0.001)", inp,
        {"value": stats.wasserstein_distance(a, b) / max(float(np.std(a)), 0.001)})
    add(f"energy/{key}", "scipy.stats.energy_distance", inp, {"value": stats.energy_distance(a, b)})
    r = stats.cramervonmises_2samp(a, b)
    add(f"cvm/{key}", "scipy.stats.cramervonmises_2samp(method='auto')", inp, {"statistic": r.statistic, "pvalue": r.pvalue})
    r = stats.anderson_ksamp([a, b])  # midrank; p capped to [0.001, 0.25] (warns)
    add(f"anderson_ksamp/{key}", "scipy.stats.anderson_ksamp([x,y])", inp, {"statistic": r.statistic, "pvalue": r.pvalue})
    r = stats.mannwhitneyu(a, b, alternative="two-sided")
    add(f"mannwhitneyu/{key}", "scipy.stats.mannwhitneyu(two-sided, method=auto)", inp, {"statistic": r.statistic, "pvalue": r.pvalue})
    r = stats.ttest_ind(a, b)
    add(f"ttest_ind/{key}", "scipy.stats.ttest_ind(equal_var=True)", inp, {"statistic": r.statistic, "pvalue": r.pvalue})

# distributions over bins/categories
P = np.array([0.1, 0.2, 0.3, 0.4]); Q = np.array([0.15, 0.25, 0.2, 0.4]); Z = np.array([0.5, 0.5, 0.0, 0.0])
for nm, (p, q) in {"pq": (P, Q), "pz": (P, Z), "disjoint": (np.array([1.0, 0.0]), np.array([0.0, 1.0]))}.items():
    add(f"jensenshannon_e/{nm}", "scipy.spatial.distance.jensenshannon(p,q)", {"p": p.tolist(), "q": q.tolist()}, {"value": distance.jensenshannon(p, q)})
    add(f"jensenshannon_2/{nm}", "scipy.spatial.distance.jensenshannon(p,q,base=2)", {"p": p.tolist(), "q": q.tolist()}, {"value": distance.jensenshannon(p, q, base=2)})
    add(f"kl/{nm}", "scipy.stats.entropy(p,q)", {"p": p.tolist(), "q": q.tolist()}, {"value": stats.entropy(p, q)})
    add(f"hellinger/{nm}", "sqrt(1-sum(sqrt(p*q)))", {"p": p.tolist(), "q": q.tolist()}, {"value": np.sqrt(max(0.0, 1 - np.sum(np.sqrt(p * q))))})
add("psi/pq", "sum((p-q)*ln(p/q))", {"p": P.tolist(), "q": Q.tolist()}, {"value": np.sum((P - Q) * np.log(P / Q))})

ref = np.array([50, 30, 20]); cur = np.array([45, 35, 20])
r = stats.chisquare(cur, ref * cur.sum() / ref.sum())
add("chisquare_gof_evidently", "scipy.stats.chisquare(cur, ref*sum(cur)/sum(ref))", {"ref": ref.tolist(), "cur": cur.tolist()}, {"statistic": r.statistic, "pvalue": r.pvalue})
for corr in [True, False]:
    r = stats.chi2_contingency(np.vstack([ref, cur]), correction=corr)
    add(f"chi2_contingency_3cat/correction={corr}", "scipy.stats.chi2_contingency", {"table": [ref.tolist(), cur.tolist()], "correction": corr}, {"statistic": r.statistic, "pvalue": r.pvalue, "dof": r.dof})
    t2 = [[30, 70], [45, 75]]; r = stats.chi2_contingency(t2, correction=corr)
    add(f"chi2_contingency_2x2/correction={corr}", "scipy.stats.chi2_contingency", {"table": t2, "correction": corr}, {"statistic": r.statistic, "pvalue": r.pvalue, "dof": r.dof})
r = stats.power_divergence(cur, ref, lambda_="log-likelihood")
add("g_test_evidently(unscaled f_exp)", "scipy.stats.power_divergence(cur, ref, lambda_='log-likelihood')", {"ref": ref.tolist(), "cur": cur.tolist()}, {"statistic": r.statistic, "pvalue": r.pvalue})
r = stats.fisher_exact([[30, 70], [45, 75]])
add("fisher_exact_2x2", "scipy.stats.fisher_exact", {"table": [[30, 70], [45, 75]]}, {"statistic": r.statistic, "pvalue": r.pvalue})
# two-proportion z-test (pooled), as in Evidently z_stattest
r1, n1, r2, n2 = 30, 100, 45, 120
p1, p2 = r1 / n1, r2 / n2; Pp = (r1 + r2) / (n1 + n2); z = (p1 - p2) / np.sqrt(Pp * (1 - Pp) * (1 / n1 + 1 / n2))
add("z_two_proportions_pooled", "2*scipy.stats.norm.sf(|z|)", {"x1": r1, "n1": n1, "x2": r2, "n2": n2}, {"z": z, "pvalue": 2 * stats.norm.sf(abs(z))})
# kstwo / kstwobign distribution checks
for n, d in [(10, 0.3), (500, 0.05), (7000, 0.02), (100000, 0.005)]:
    add(f"kstwo.sf/n={n}/d={d}", "scipy.stats.kstwo.sf(d, n)", {"d": d, "n": n}, {"value": stats.kstwo.sf(d, n)})
    add(f"kstwobign.sf/n={n}/d={d}", "scipy.stats.kstwobign.sf(d*sqrt(n))", {"d": d, "n": n}, {"value": stats.kstwobign.sf(d * np.sqrt(n))})
# numpy binning rules used by Evidently/NannyML
x = samples["medium"][0]
for rule in ["sturges", "doane", "auto", "fd"]:
    e = np.histogram_bin_edges(x, bins=rule)
    cases.append({"name": f"histogram_bin_edges/{rule}", "scipy_fn": f"numpy.histogram_bin_edges(x,'{rule}')", "inputs": {"x": x.tolist()},
                  "expected": {"n_bins": len(e) - 1, "first": f(e[0]), "last": f(e[-1])}})
json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "cases": cases}, sys.stdout)
