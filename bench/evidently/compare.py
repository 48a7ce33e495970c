"""Evidently's DataDriftPreset and `bosun drift` on the same reference/current files, same machine, same run.

Run through bench/evidently/run.sh (it creates the pinned Evidently venv). Usage:
    compare.py SIZES                      # e.g. 10000,100000,1000000 (rows per side)
    compare.py --evidently REF CUR OUT    # internal: one Evidently run in its own process

For each size it writes reference.csv and current.csv (seeded: 4 numeric columns, 2 of them shifted; 2
categorical columns, 1 with other shares) to a temporary folder, then runs, each in a child process whose peak
RSS is read from wait4:
  - Evidently: pandas.read_csv of both files, then Report([DataDriftPreset()]).run(current, reference);
  - Bosun: `tsx src/cli/main.ts drift REF CUR --json --no-html` (the CLI from source: tsx's start-up is in
    its time, and measured alone on a 2-row file as `bosun_startup_s`).
It compares per column the method, score, threshold and verdict, and writes bench/results/evidently-<date>.json
and .md.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NUMERIC = ["num_same_a", "num_same_b", "num_shift_mean", "num_shift_scale"]
CATEGORICAL = ["cat_same", "cat_shift"]

# Evidently's method names (ValueDrift metric ids) -> Bosun's DRIFT_METHODS names.
METHOD_NAMES = {
    "Wasserstein distance (normed)": "wasserstein",
    "Jensen-Shannon distance": "jensenshannon",
    "K-S p_value": "ks",
    "chi-square p_value": "chisquare",
    "Z-test p_value": "z",
}


def write_data(folder, rows):
    import numpy as np

    rng = np.random.default_rng(rows)
    cats = np.array(["a", "b", "c", "d"])

    def side(current):
        cols = {
            "num_same_a": rng.normal(0, 1, rows),
            "num_same_b": rng.gamma(2.0, 1.5, rows),
            "num_shift_mean": rng.normal(0.3 if current else 0, 1, rows),
            "num_shift_scale": rng.normal(0, 1.6 if current else 1, rows),
            "cat_same": cats[rng.choice(4, rows, p=[0.4, 0.3, 0.2, 0.1])],
            "cat_shift": cats[rng.choice(4, rows, p=[0.1, 0.2, 0.3, 0.4] if current else [0.4, 0.3, 0.2, 0.1])],
        }
        return cols

    paths = []
    for name, current in (("reference", False), ("current", True)):
        cols = side(current)
        path = os.path.join(folder, f"{name}.csv")
        with open(path, "w") as f:
            f.write(",".join(NUMERIC + CATEGORICAL) + "\n")
            # %.10f keeps a fractional part on every value, so both tools type the column numerical.
            numeric = np.column_stack([cols[c] for c in NUMERIC])
            lines = [",".join(f"{v:.10f}" for v in row) for row in numeric]
            for i, line in enumerate(lines):
                f.write(f"{line},{cols['cat_same'][i]},{cols['cat_shift'][i]}\n")
        paths.append(path)
    return paths


def run_child(argv, cwd=ROOT):
    """Runs argv; returns (exit code, stdout, stderr, seconds, peak RSS in MiB of the largest process of its tree)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        # wait4's usage covers the child and the descendants it waited for (tsx waits for its node process).
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read().decode(), err.read().decode(), seconds, usage.ru_maxrss / 1024


def evidently_child(ref, cur, out):
    import pandas as pd
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset

    t0 = time.perf_counter()
    reference = pd.read_csv(ref)
    current = pd.read_csv(cur)
    t1 = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(current_data=current, reference_data=reference)
    t2 = time.perf_counter()
    result = snapshot.dict()
    columns = {}
    dataset = None
    for m in result["metrics"]:
        config = m.get("config", {})
        kind = config.get("type", "")
        if kind.endswith(":ValueDrift"):
            columns[config["column"]] = {
                "method_evidently": config["method"],
                "threshold": float(config["threshold"]),
                "score": float(m["value"]),
            }
        elif kind.endswith(":DriftedColumnsCount"):
            dataset = {**m["value"], "drift_share": config.get("drift_share")}
    with open(out, "w") as f:
        json.dump(
            {
                "version": evidently.__version__,
                "read_s": t1 - t0,
                "compute_s": t2 - t1,
                "columns": columns,
                "dataset": dataset,
                "metric_names": [m.get("metric_name") for m in result["metrics"]],
            },
            f,
        )


def evidently_verdict(method, score, threshold):
    # As Evidently's legacy stattests decide: K-S p <= threshold, the other p-value tests p < threshold, a
    # distance when distance >= threshold (evidently/legacy/calculations/stattests/*.py).
    if method == "K-S p_value":
        return score <= threshold
    return score < threshold if method.endswith("p_value") else score >= threshold


def compare_size(rows, folder):
    ref, cur = write_data(folder, rows)
    raw_mib = (os.path.getsize(ref) + os.path.getsize(cur)) / 2**20
    ev_out = os.path.join(folder, "evidently.json")
    rc, _, err, ev_s, ev_peak = run_child([sys.executable, __file__, "--evidently", ref, cur, ev_out])
    if rc != 0:
        raise SystemExit(f"Evidently failed on {rows} rows (exit {rc}):\n{err[-4000:]}")
    with open(ev_out) as f:
        ev = json.load(f)
    tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
    rc, out, err, bo_s, bo_peak = run_child([tsx, "src/cli/main.ts", "drift", ref, cur, "--json", "--no-html"])
    if rc not in (0, 1):
        raise SystemExit(f"bosun drift failed on {rows} rows (exit {rc}):\n{err[-4000:]}")
    bo = json.loads(out)
    columns = []
    for c in bo["columns"]:
        e = ev["columns"].get(c["name"])
        row = {
            "column": c["name"],
            "bosun_type": c["type"],
            "bosun_method": c.get("method"),
            "bosun_score": c.get("score"),
            "bosun_threshold": c.get("threshold"),
            "bosun_drift": c.get("driftDetected"),
        }
        if e is not None:
            e_drift = evidently_verdict(e["method_evidently"], e["score"], e["threshold"])
            row.update(
                evidently_method=e["method_evidently"],
                evidently_score=e["score"],
                evidently_threshold=e["threshold"],
                evidently_drift=e_drift,
                same_method=METHOD_NAMES.get(e["method_evidently"]) == c.get("method"),
                same_verdict=e_drift == c.get("driftDetected"),
                abs_diff=abs(e["score"] - c["score"]) if isinstance(c.get("score"), (int, float)) else None,
            )
        columns.append(row)
    return {
        "rows_per_side": rows,
        "csv_mib_both": raw_mib,
        "evidently": {
            "wall_s": ev_s,
            "read_s": ev["read_s"],
            "compute_s": ev["compute_s"],
            "peak_rss_mib": ev_peak,
            "dataset": ev["dataset"],
            "version": ev["version"],
        },
        "bosun": {"wall_s": bo_s, "peak_rss_mib": bo_peak, "dataset": bo["dataset"]},
        "columns": columns,
    }


def main(sizes):
    results = []
    with tempfile.TemporaryDirectory(prefix="bosun-evidently-") as tmp:
        tiny = os.path.join(tmp, "tiny")
        os.mkdir(tiny)
        with open(os.path.join(tiny, "a.csv"), "w") as f:
            f.write("x\n0.5\n1.5\n")
        tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
        a = os.path.join(tiny, "a.csv")
        _, _, _, startup_s, _ = run_child([tsx, "src/cli/main.ts", "drift", a, a, "--json", "--no-html"])
        for rows in sizes:
            folder = os.path.join(tmp, str(rows))
            os.mkdir(folder)
            r = compare_size(rows, folder)
            results.append(r)
            print(
                f"{rows:>8} rows: evidently {r['evidently']['wall_s']:.2f} s (compute {r['evidently']['compute_s']:.2f} s,"
                f" {r['evidently']['peak_rss_mib']:.0f} MiB), bosun {r['bosun']['wall_s']:.2f} s"
                f" ({r['bosun']['peak_rss_mib']:.0f} MiB); verdicts agree:"
                f" {all(c.get('same_verdict') for c in r['columns'])}",
                flush=True,
            )
            shutil_rm(folder)
    load = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    import numpy, pandas, scipy

    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, load average {load[0]:.1f} at the end",
        "versions": f"node {node}, python {platform.python_version()}, numpy {numpy.__version__},"
        f" pandas {pandas.__version__}, scipy {scipy.__version__}",
        "bosun_startup_s": startup_s,
        "sizes": results,
    }
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    out_dir = os.path.join(ROOT, "bench", "results")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, f"evidently-{stamp}.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(out_dir, f"evidently-{stamp}.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))


def shutil_rm(folder):
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def markdown(report):
    lines = [
        f"# Evidently DataDriftPreset vs `bosun drift`, {report['date']} (commit {report['commit']})",
        "",
        f"Machine: {report['machine']}. {report['versions']}, evidently {report['sizes'][0]['evidently']['version']}.",
        f"Bosun runs from source through tsx; its start-up alone (2-row file) took {report['bosun_startup_s']:.2f} s.",
        "",
        "Wall times are whole processes (Python and Evidently imports, Node and tsx start-up included). *Work* is",
        "reading both CSV files plus the drift computation: for Evidently `pandas.read_csv` + `Report.run`, timed",
        "inside its process; for Bosun the wall time minus the start-up above (an estimate).",
        "",
        "| rows per side | CSV MiB (both) | Evidently wall s | Evidently work s (read + compute) | Evidently peak MiB | Bosun wall s | Bosun work s | Bosun peak MiB | wall E/B | work E/B | peak E/B |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["sizes"]:
        e, b = s["evidently"], s["bosun"]
        e_work = e["read_s"] + e["compute_s"]
        b_work = max(b["wall_s"] - report["bosun_startup_s"], 1e-3)
        lines.append(
            f"| {s['rows_per_side']:,} | {s['csv_mib_both']:.1f} | {e['wall_s']:.2f} |"
            f" {e_work:.2f} ({e['read_s']:.2f} + {e['compute_s']:.2f}) | {e['peak_rss_mib']:.0f} |"
            f" {b['wall_s']:.2f} | {b_work:.2f} | {b['peak_rss_mib']:.0f} |"
            f" {e['wall_s'] / b['wall_s']:.2f}× | {e_work / b_work:.2f}× | {e['peak_rss_mib'] / b['peak_rss_mib']:.2f}× |"
        )
    for s in report["sizes"]:
        lines += [
            "",
            f"## {s['rows_per_side']:,} rows per side",
            "",
            f"Dataset: Evidently {json.dumps(s['evidently']['dataset'])}; Bosun drifted"
            f" {s['bosun']['dataset']['driftedColumns']} of {s['bosun']['dataset']['testedColumns']}"
            f" (share {s['bosun']['dataset']['driftShare']}, drift {s['bosun']['dataset']['driftDetected']}).",
            "",
            "| column | Evidently method | Bosun method | Evidently score | Bosun score | abs diff | threshold | drift E / B |",
            "|---|---|---|---:|---:|---:|---:|---|",
        ]
        for c in s["columns"]:
            diff = c.get("abs_diff")
            lines.append(
                f"| {c['column']} | {c.get('evidently_method')} | {c['bosun_method']} | {c.get('evidently_score')!r} |"
                f" {c['bosun_score']!r} | {'' if diff is None else f'{diff:.2e}'} |"
                f" {c.get('evidently_threshold')} / {c['bosun_threshold']} | {c.get('evidently_drift')} / {c['bosun_drift']} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1] == "--evidently":
        evidently_child(*sys.argv[2:5])
    elif sys.argv[1] == "--markdown":  # re-render a results JSON: compare.py --markdown JSON > MD
        with open(sys.argv[2]) as f:
            sys.stdout.write(markdown(json.load(f)))
    else:
        main([int(s) for s in sys.argv[1].split(",")])
