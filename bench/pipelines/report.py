"""Folds the targets' JSON lines (one file per target in a folder) and the load samples into the results JSON and
a Markdown table. Standard library only.

    python bench/pipelines/report.py OUT_DIR RESULTS.json RESULTS.md COMMIT
"""

import json
import os
import platform
import sys
import time

out_dir, json_path, md_path, commit = sys.argv[1:5]

LABELS = {
    "bosun": "Bosun, local (SQLite, steps as child processes of the server)",
    "bosun-workers": "Bosun, 3 workers on PostgreSQL",
    "prefect": "Prefect",
    "airflow": "Airflow",
}


def last_json_line(path: str):
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


targets = {}
for name in LABELS:
    path = os.path.join(out_dir, f"{name}.json")
    if os.path.exists(path):
        found = last_json_line(path)
        if found is not None:
            targets[name] = found

loads = []
load_path = os.path.join(out_dir, "load.txt")
if os.path.exists(load_path):
    with open(load_path, encoding="utf-8") as f:
        loads = [float(line.split()[1]) for line in f if line.strip()]

machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}
try:
    with open("/proc/meminfo", encoding="utf-8") as f:
        machine["mem_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
except OSError:
    pass
result = {
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "commit": commit,
    "machine": machine,
    "load_1m": {"min": min(loads), "max": max(loads), "mean": sum(loads) / len(loads)} if loads else None,
    "load_samples": loads,
    "targets": targets,
}
with open(json_path, "w", encoding="utf-8") as f:
    json.dump(result, f, indent=2)


def fmt(x: float) -> str:
    return f"{x:,.1f}"


bosun = targets.get("bosun")
rows = [
    "| Target | Version, mode | N (wide / deep) | No-op alone (ms) | Wide: ms/step (overhead) | Deep: ms/step (overhead) |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
]
for name, t in targets.items():
    version = t.get("version", f"commit {commit}")
    mode = t.get("mode", "")
    # A shape run on fewer steps (Airflow's deep chain with BENCH_AIRFLOW_DEEP_N) shows its own N: "1000 / 50".
    sizes = [t[shape].get("n", t["n"]) for shape in ("wide", "deep")]
    n = str(t["n"]) if sizes[0] == sizes[1] == t["n"] else f"{sizes[0]} / {sizes[1]}"
    rows.append(
        f"| {LABELS[name]} | {version}, {mode} | {n} | {fmt(t['noop_ms'])} | "
        f"{fmt(t['wide']['per_step_ms'])} ({fmt(t['wide']['overhead_ms'])}) | "
        f"{fmt(t['deep']['per_step_ms'])} ({fmt(t['deep']['overhead_ms'])}) |"
    )
ratios = []
if bosun is not None:
    for name in ("prefect", "airflow"):
        peer = targets.get(name)
        if peer is None:
            continue
        for shape in ("wide", "deep"):
            mine, theirs = bosun[shape]["overhead_ms"], peer[shape]["overhead_ms"]
            ratio = theirs / mine if mine > 0 else float("inf")
            ratios.append(f"| {LABELS[name]} | {shape} | {fmt(theirs)} | {fmt(mine)} | {ratio:,.1f}× |")
load = result["load_1m"]
md = [
    f"Run of {result['date']}, Bosun at {commit}; load average (1 min) during the run "
    + (f"{load['min']:.1f}–{load['max']:.1f} (mean {load['mean']:.1f})" if load else "not sampled")
    + f" on {machine['cpus']} CPUs.",
    "",
    *rows,
]
if ratios:
    md += [
        "",
        "| Peer | Shape | Peer overhead (ms/step) | Bosun local overhead (ms/step) | Bosun's advantage |",
        "| --- | --- | ---: | ---: | ---: |",
        *ratios,
    ]
with open(md_path, "w", encoding="utf-8") as f:
    f.write("\n".join(md) + "\n")
