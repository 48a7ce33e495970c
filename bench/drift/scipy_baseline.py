"""scipy side of bench/drift/drift-stats.bench.ts: reads the float64 columns it wrote and times ks_2samp (method
'auto') plus wasserstein_distance per column, printing JSON (seconds, versions, values)."""
import json, sys, time
import numpy as np, scipy
from scipy import stats

folder, columns, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ref = [np.fromfile(f"{folder}/ref{c}.f64", dtype=np.float64, count=rows) for c in range(columns)]
cur = [np.fromfile(f"{folder}/cur{c}.f64", dtype=np.float64, count=rows) for c in range(columns)]
results = []
t = time.perf_counter()
for c in range(columns):
    ks = stats.ks_2samp(ref[c], cur[c])
    w1 = stats.wasserstein_distance(ref[c], cur[c])
    results.append({"ks_d": float(ks.statistic), "ks_p": float(ks.pvalue), "w1": float(w1)})
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "versions": f"scipy {scipy.__version__}, numpy {np.__version__}", "results": results}))
