"""Drift at scale, issue 13's benchmark: ROWS + ROWS rows x COLUMNS numeric columns (default 1M + 1M x 50),
KS and Wasserstein per column, Bosun beside Evidently on the same data in the same run; then prediction
ingestion over HTTP in rows per second.

    .cache/venv-evidently/bin/python bench/drift/scale.py [ROWS] [COLUMNS]     # bench/evidently/run.sh makes the venv

1. Writes the reference and the current data once (seeded numpy: normal, gamma, uniform and lognormal columns;
   every fifth column shifted in the current data) as raw float64 files, column after column.
2. Evidently 0.7 in its own process: the files into two pandas DataFrames (np.fromfile, no parsing), then
   Report([DataDriftPreset(method="ks")]).run(...) and Report([DataDriftPreset(method="wasserstein")]).run(...),
   each timed. Peak RSS from wait4.
3. Bosun in its own process (bench/drift/scale-bosun.ts through tsx): the files into Float64Array views (no
   parsing), then per column the finite values sorted once and KS + normed Wasserstein on them. Peak RSS from
   wait4 (tsx's start-up included).
4. Compares the two tools' scores per column, then `scale-bosun.ts ingest` for rows per second.

INGEST_ROWS (default 50000) sets the records per ingestion run; BOSUN_THREADS (default: the cores) Bosun's
worker threads. "Raw data" is the float64 bytes of both sides (ROWS x COLUMNS x 8 x 2). Writes bench/results/drift-scale-<date>.json
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
TSX = os.path.join(ROOT, "node_modules", ".bin", "tsx")
SCRIPT = os.path.join(ROOT, "bench", "drift", "scale-bosun.ts")


def write_data(folder, rows, columns):
    import numpy as np

    rng = np.random.default_rng(20261207)
    paths = []
    for name, current in (("reference", False), ("current", True)):
        data = np.empty((columns, rows), dtype="<f8")
        for c in range(columns):
            shift = current and c % 5 == 0
            kind = c % 4
            if kind == 0:
                data[c] = rng.normal(0.05 if shift else 0.0, 1.0, rows)
            elif kind == 1:
                data[c] = rng.gamma(2.3 if shift else 2.0, 1.5, rows)
            elif kind == 2:
                data[c] = rng.uniform(0.0, 1.1 if shift else 1.0, rows)
            else:
                data[c] = rng.lognormal(0.1 if shift else 0.0, 0.5, rows)
        path = os.path.join(folder, f"{name}.f64")
        data.tofile(path)
        paths.append(path)
        del data
    return paths


CPU = []


def run_child(argv):
    """Runs argv; returns (exit code, stderr, seconds, peak RSS in MiB of the largest process of its tree).
    Appends the tree's CPU time (user + system, seconds) to CPU."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - t
        CPU.append(usage.ru_utime + usage.ru_stime)
        err.seek(0)
        return os.waitstatus_to_exitcode(status), err.read().decode(), seconds, usage.ru_maxrss / 1024


def evidently_child(ref, cur, columns, rows, out):
    import numpy as np
    import pandas as pd
    import evidently
    from evidently import Report
    from evidently.presets import DataDriftPreset

    names = [f"c{i}" for i in range(int(columns))]
    t0 = time.perf_counter()
    frames = [
        pd.DataFrame(np.fromfile(p, dtype="<f8").reshape(int(columns), int(rows)).T, columns=names, copy=False)
        for p in (ref, cur)
    ]
    t1 = time.perf_counter()
    scores = {}
    times = {}
    cpu = {}
    for method in ("ks", "wasserstein"):
        t = time.perf_counter()
        c = time.process_time()
        snapshot = Report([DataDriftPreset(method=method)]).run(current_data=frames[1], reference_data=frames[0])
        times[method] = time.perf_counter() - t
        cpu[method] = time.process_time() - c
        for m in snapshot.dict()["metrics"]:
            config = m.get("config", {})
            if config.get("type", "").endswith(":ValueDrift"):
                scores.setdefault(config["column"], {})[method] = float(m["value"])
    with open(out, "w") as f:
        json.dump(
            {
                "version": evidently.__version__,
                "load_s": t1 - t0,
                "compute_s": times,
                "compute_cpu_s": cpu,
                "columns": scores,
            },
            f,
        )


def main(rows, columns):
    raw_mib = 2 * rows * columns * 8 / 2**20
    with tempfile.TemporaryDirectory(prefix="bosun-drift-scale-") as tmp:
        t = time.perf_counter()
        ref, cur = write_data(tmp, rows, columns)
        print(f"data written in {time.perf_counter() - t:.1f} s ({raw_mib:.0f} MiB raw)", flush=True)

        ev_out = os.path.join(tmp, "evidently.json")
        rc, err, ev_wall, ev_peak = run_child(
            [sys.executable, __file__, "--evidently", ref, cur, str(columns), str(rows), ev_out]
        )
        ev_cpu = CPU[-1]
        if rc != 0:
            raise SystemExit(f"Evidently failed (exit {rc}):\n{err[-4000:]}")
        with open(ev_out) as f:
            ev = json.load(f)
        print(f"evidently: {ev_wall:.1f} s wall, {ev_peak:.0f} MiB peak, {ev['compute_s']}", flush=True)

        bo_out = os.path.join(tmp, "bosun.json")
        threads = os.environ.get("BOSUN_THREADS", str(os.cpu_count() or 1))
        rc, err, bo_wall, bo_peak = run_child(
            [TSX, SCRIPT, "drift", ref, cur, str(columns), str(rows), bo_out, threads]
        )
        bo_cpu = CPU[-1]
        if rc != 0:
            raise SystemExit(f"bosun failed (exit {rc}):\n{err[-4000:]}")
        with open(bo_out) as f:
            bo = json.load(f)
        print(f"bosun: {bo_wall:.1f} s wall, {bo_peak:.0f} MiB peak, compute {bo['compute_s']:.2f} s", flush=True)

        tiny_out = os.path.join(tmp, "tiny.json")
        tiny_ref = os.path.join(tmp, "tiny.f64")
        with open(tiny_ref, "wb") as f:
            f.write(bytes(8 * 8))
        _, _, _, bo_baseline = run_child([TSX, SCRIPT, "drift", tiny_ref, tiny_ref, "1", "8", tiny_out])

        ingest = []
        for batch in (1000, 10000):
            out = os.path.join(tmp, f"ingest-{batch}.json")
            rc, err, _, _ = run_child([TSX, SCRIPT, "ingest", os.environ.get("INGEST_ROWS", "50000"), str(batch), out])
            if rc != 0:
                raise SystemExit(f"ingest failed (exit {rc}):\n{err[-4000:]}")
            with open(out) as f:
                ingest.append(json.load(f))
            print(f"ingest: {ingest[-1]}", flush=True)

    diffs = {"ks_p": 0.0, "wasserstein_normed": 0.0}
    for i, b in enumerate(bo["columns"]):
        e = ev["columns"][f"c{i}"]
        diffs["ks_p"] = max(diffs["ks_p"], abs(e["ks"] - b["ks_p"]))
        diffs["wasserstein_normed"] = max(diffs["wasserstein_normed"], abs(e["wasserstein"] - b["wasserstein_normed"]))
    ev_compute = sum(ev["compute_s"].values())
    load = os.getloadavg()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    import numpy
    import pandas
    import scipy

    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, load average {load[0]:.1f} at the end",
        "versions": f"node {node}, python {platform.python_version()}, numpy {numpy.__version__},"
        f" pandas {pandas.__version__}, scipy {scipy.__version__}, evidently {ev['version']}",
        "rows_per_side": rows,
        "columns": columns,
        "raw_mib": raw_mib,
        "evidently": {
            "wall_s": ev_wall,
            "load_s": ev["load_s"],
            "compute_s": ev["compute_s"],
            "compute_total_s": ev_compute,
            "compute_cpu_s": sum(ev["compute_cpu_s"].values()),
            "process_cpu_s": ev_cpu,
            "peak_rss_mib": ev_peak,
        },
        "bosun": {
            "wall_s": bo_wall,
            "load_s": bo["load_s"],
            "threads": bo.get("threads", 1),
            "pool_start_s": bo.get("pool_start_s", 0.0),
            "compute_s": bo["compute_s"],
            "compute_cpu_s": bo["compute_cpu_s"],
            "process_cpu_s": bo_cpu,
            "peak_rss_mib": bo_peak,
            "baseline_rss_mib": bo_baseline,
        },
        "max_abs_diff": diffs,
        "drifted": {
            "evidently_ks": sum(1 for c in ev["columns"].values() if c["ks"] <= 0.05),
            "bosun_ks": sum(1 for c in bo["columns"] if c["ks_p"] <= 0.05),
            "evidently_wasserstein": sum(1 for c in ev["columns"].values() if c["wasserstein"] >= 0.1),
            "bosun_wasserstein": sum(1 for c in bo["columns"] if c["wasserstein_normed"] >= 0.1),
        },
        "ingest": ingest,
    }
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    out_dir = os.path.join(ROOT, "bench", "results")
    with open(os.path.join(out_dir, f"drift-scale-{stamp}.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(out_dir, f"drift-scale-{stamp}.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))


def cpu_rows(e, b):
    rows = []
    for key, what in (("compute_cpu_s", "compute, CPU time (s)"), ("process_cpu_s", "whole process, CPU time (s)")):
        if key in e and key in b:
            rows.append(f"| {what} | {e[key]:.2f} | {b[key]:.2f} | {e[key] / b[key]:.1f}x |")
    return rows


def markdown(r):
    e, b = r["evidently"], r["bosun"]
    lines = [
        f"# Drift at scale: {r['rows_per_side']:,} + {r['rows_per_side']:,} rows x {r['columns']} numeric columns,"
        f" {r['date']} (commit {r['commit']})",
        "",
        f"Machine: {r['machine']}. {r['versions']}. Raw data (float64, both sides): {r['raw_mib']:.0f} MiB.",
        "Both tools load the same raw float64 files (no parsing) and compute KS and Wasserstein on every column.",
        "Evidently: `DataDriftPreset(method=\"ks\")` then `DataDriftPreset(method=\"wasserstein\")`; Bosun: per column",
        "the finite values sorted once, then KS (D and p) and normed Wasserstein in one merge pass,"
        f" on {b.get('threads', 1)} worker thread(s) (their start-up, {b.get('pool_start_s', 0.0):.2f} s, timed apart).",
        "",
        "| | Evidently | Bosun | ratio |",
        "|---|---:|---:|---:|",
        f"| compute, KS + Wasserstein, {r['columns']} columns (s) | {e['compute_total_s']:.2f} (KS {e['compute_s']['ks']:.2f}"
        f" + W {e['compute_s']['wasserstein']:.2f}) | {b['compute_s']:.2f} | {e['compute_total_s'] / b['compute_s']:.1f}x |",
        *cpu_rows(e, b),
        f"| load of the raw files (s) | {e['load_s']:.2f} | {b['load_s']:.2f} | |",
        f"| process wall time (s) | {e['wall_s']:.2f} | {b['wall_s']:.2f} | {e['wall_s'] / b['wall_s']:.1f}x |",
        f"| peak RSS (MiB) | {e['peak_rss_mib']:.0f} | {b['peak_rss_mib']:.0f} (start-up alone {b['baseline_rss_mib']:.0f}) |"
        f" {e['peak_rss_mib'] / b['peak_rss_mib']:.2f}x |",
        f"| peak RSS / raw data | {e['peak_rss_mib'] / r['raw_mib']:.2f} | {b['peak_rss_mib'] / r['raw_mib']:.2f} | |",
        "",
        f"Largest difference between the tools over the columns: KS p-value {r['max_abs_diff']['ks_p']:.2e},"
        f" normed Wasserstein {r['max_abs_diff']['wasserstein_normed']:.2e}. Drifted columns: KS (p <= 0.05)"
        f" Evidently {r['drifted']['evidently_ks']}, Bosun {r['drifted']['bosun_ks']}; Wasserstein (>= 0.1)"
        f" Evidently {r['drifted']['evidently_wasserstein']}, Bosun {r['drifted']['bosun_wasserstein']}.",
        "",
        "Prediction ingestion (one Bosun server in the benchmark process, SQLite, 10 numeric features a record,"
        " batches POSTed one after another over HTTP):",
        "",
        "| records | batch | seconds | records/s |",
        "|---:|---:|---:|---:|",
    ]
    for i in r["ingest"]:
        lines.append(f"| {i['rows']:,} | {i['batch']:,} | {i['seconds']:.2f} | {i['rows_per_s']:,.0f} |")
    if r.get("notes"):
        lines += ["", "Notes:", ""] + [f"- {n}" for n in r["notes"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--evidently":
        evidently_child(*sys.argv[2:7])
    elif len(sys.argv) > 1 and sys.argv[1] == "--markdown":
        with open(sys.argv[2]) as f:
            sys.stdout.write(markdown(json.load(f)))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 50)
