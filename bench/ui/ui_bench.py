"""Web UI benchmark (issue 11): Bosun's UI and MLflow's own UI over an experiment of 100,000 runs, and a chart
of 100 runs x 100,000 steps of one metric.

Not a test: it prints and records numbers. For each server it starts the server on a fresh SQLite file, creates
two experiments through the API, stops the server and writes straight into the server's own schema (refusing a
schema with a required column it does not know): the same generated runs (3 metrics, 3 params, 2 tags each, fixed
seed) with bench/run_bench.py's populate_db, and 100 runs with a 100,000-step metric `loss` (10M rows, identical
in both servers). Then it restarts the server and drives Debian's Chromium with bench/ui/measure.mjs, repeating
each measure BENCH_UI_REPEATS times (fresh browser context each time) and recording every sample and the median.

    .cache/venv-mlflow3/bin/python bench/ui/ui_bench.py

Needs `npm run build` (dist/ with the built UI). Settings: BENCH_UI_RUNS (100000), BENCH_UI_TARGETS (bosun,mlflow),
BENCH_UI_PARTS (table,sortfilter,chart), BENCH_UI_REPEATS (5), BENCH_UI_CHART_RUNS (100), BENCH_UI_CHART_STEPS (100000),
BENCH_UI_STEP_TIMEOUT_MS (300000: a sort/filter not shown by then is recorded as such),
BENCH_UI_CHART_TIMEOUT_MS (120000: the cap for a chart to draw), BENCH_UI_RESULTS (the JSON written, default
bench/results/ui-latest.json), BENCH_KEEP_TMP (1: keep each server's temporary folder, its database and log).

Where the chart's time goes: bench/ui/chart-profile.mjs (waterfall, server wait, JS profile) on a server it made.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import run_bench as rb  # noqa: E402

REPO = rb.REPO
FILTER = "metrics.m1 > 0.5 and params.p1 = 'a'"


def chromium() -> str:
    return subprocess.run(["bash", str(REPO / "scripts" / "ensure-chromium.sh")], capture_output=True, text=True, check=True).stdout.strip()


def pages(target: str, base: str, eid: str) -> dict[str, str]:
    if target == "bosun":
        path = f"{base}/#/experiments/{eid}"
        return {
            "first": path,
            "sort": f"{path}?{urllib.parse.urlencode({'sort': '-metrics.m2'})}",
            "filter": f"{path}?{urllib.parse.urlencode({'filter': FILTER})}",
        }
    # MLflow 3's runs page keeps its state in the hash's query (searchFilter, orderByKey, orderByAsc).
    path = f"{base}/#/experiments/{eid}/runs"
    return {
        "first": path,
        "sort": f"{path}?{urllib.parse.urlencode({'orderByKey': 'metrics.`m2`', 'orderByAsc': 'false'})}",
        "filter": f"{path}?{urllib.parse.urlencode({'searchFilter': FILTER})}",
    }


CHART_METRIC = "loss"


def chart_dataset(n: int) -> list[rb.SearchRun]:
    """The chart experiment's runs: their own fixed seed, names chart-000..; the big experiment is untouched."""
    rng = random.Random(20261207)
    return [
        rb.SearchRun(
            run_uuid=f"{rng.getrandbits(128):032x}",
            name=f"chart-{i:03d}",
            start_time=rb.T0 + i * 1000,
            metrics={"m1": rng.random(), "m2": rng.random(), "m3": rng.random()},
            params={"p1": rng.choice("abcd"), "p2": str(rng.randint(1, 1000)), "p3": "adam"},
        )
        for i in range(n)
    ]


def loss_value(run: int, step: int, steps: int) -> float:
    """A training-loss-like curve per run: decays with the step, its own rate and noise (deterministic)."""
    x = step / steps
    return 0.05 + (1.0 + run / 50) * math.exp(-4.0 * x * (1 + run / 100)) + 0.03 * math.sin(step * 0.37 + run)


def populate_history(server: rb.Server, runs: list[rb.SearchRun], steps: int) -> dict[str, object]:
    """Write `steps` points of CHART_METRIC per run (step 0..steps-1, a timestamp 10 ms apart) into the server's own
    `metrics` table and its latest value into `latest_metrics`, in the columns both schemas share; refuses a
    schema with another required column. Straight into SQLite because log-batch (1,000 points a request) would
    need 10,000 requests per server; MLflow ingests about 15-20k points/s here (see the ingestion table), so
    10M points would take 10 minutes or more per run of the benchmark for MLflow alone."""
    conn = sqlite3.connect(server.db_path)
    try:
        names = ["run_uuid", "key", "value", "is_nan", "timestamp", "step"]
        for table in ("metrics", "latest_metrics"):
            cols = rb.table_columns(conn, table)
            missing = [c[0] for c in cols if c[1] and not c[2] and not c[3] and c[0] not in names]
            if missing:
                raise RuntimeError(f"table {table}: required columns {missing} are unknown to the benchmark")
        conn.execute("PRAGMA synchronous = OFF")
        t = time.perf_counter()
        sql = f"INSERT INTO metrics ({', '.join(names)}) VALUES (?, ?, ?, 0, ?, ?)"

        def rows():
            for i, r in enumerate(runs):
                for step in range(steps):
                    yield (r.run_uuid, CHART_METRIC, loss_value(i, step, steps), r.start_time + step * 10, step)

        with conn:
            conn.executemany(sql, rows())
            conn.executemany(
                f"INSERT INTO latest_metrics ({', '.join(names)}) VALUES (?, ?, ?, 0, ?, ?)",
                [
                    (r.run_uuid, CHART_METRIC, loss_value(i, steps - 1, steps), r.start_time + (steps - 1) * 10, steps - 1)
                    for i, r in enumerate(runs)
                ],
            )
        return {"method": "db", "points": len(runs) * steps, "seconds": round(time.perf_counter() - t, 1)}
    finally:
        conn.close()


def fill_derived_columns(server: rb.Server) -> dict[str, int]:
    """Columns a server copies from `runs` onto other tables when it writes them itself, filled the same way for
    the rows written here: Bosun's `latest_metrics.experiment_id` (migration 0018, the metric-ordered search
    index). Without it a sort by a metric would not see the rows written straight into the database."""
    conn = sqlite3.connect(server.db_path)
    try:
        filled: dict[str, int] = {}
        if any(c[0] == "experiment_id" for c in rb.table_columns(conn, "latest_metrics")):
            with conn:
                cur = conn.execute(
                    "UPDATE latest_metrics SET experiment_id = (SELECT r.experiment_id FROM runs r"
                    " WHERE r.run_uuid = latest_metrics.run_uuid) WHERE experiment_id IS NULL"
                )
            filled["latest_metrics.experiment_id"] = cur.rowcount
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'metric_step_summaries'").fetchone():
            # Bosun's per-run step summaries (migration 0023, read by get-history-bulk-interval), summarised as that
            # migration does for histories written before it: every history here is the grid 0..steps-1
            with conn:
                cur = conn.execute(
                    "INSERT INTO metric_step_summaries (run_uuid, key, step_count, first_step, last_step, step_gcd)"
                    " SELECT run_uuid, key, COUNT(DISTINCT step), MIN(step), MAX(step), NULL FROM metrics"
                    " WHERE (run_uuid, key) NOT IN (SELECT run_uuid, key FROM metric_step_summaries)"
                    " GROUP BY run_uuid, key"
                )
                filled["metric_step_summaries"] = cur.rowcount
                conn.execute(
                    "UPDATE metric_step_summaries SET step_gcd = CASE WHEN step_count = 1 THEN 0"
                    " ELSE (last_step - first_step) / (step_count - 1) END"
                    " WHERE step_gcd IS NULL AND (step_count = 1 OR (last_step - first_step) = step_count - 1)"
                )
        return filled
    finally:
        conn.close()


def chart_page(target: str, base: str, eid: str, runs: list[rb.SearchRun]) -> str:
    ids = [r.run_uuid for r in runs]
    if target == "bosun":
        return f"{base}/#/charts?{urllib.parse.urlencode({'runs': ','.join(ids), 'metrics': CHART_METRIC})}"
    # MLflow's compare view links each metric to its metric page (MetricView: every compared run's history of that
    # metric as one Plotly line chart), at the URL its Routes.getMetricPageRoute builds: `#/metric?runs=[…]&metric="…"
    # &experiments=[…]&plot_metric_keys=[…]&…`, JSON values, `runs` first (the page reads the query key "?runs").
    def js(value: object) -> str:
        return json.dumps(value, separators=(",", ":"))

    query = "&".join(
        [
            f"runs={js(ids)}",
            f"metric={urllib.parse.quote(js(CHART_METRIC))}",
            f"experiments={js([eid])}",
            f"plot_metric_keys={urllib.parse.quote(js([CHART_METRIC]))}",
            "plot_layout={}&x_axis=step&y_axis_scale=linear&line_smoothness=1&show_point=false",
            "deselected_curves=[]&last_linear_y_axis_range=[]",
        ]
    )
    return f"{base}/#/metric?{query}"


def median(values: list[float]) -> float | None:
    s = sorted(v for v in values if v is not None)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def main() -> int:
    os.environ.setdefault("BENCH_MLFLOW_BIN", str(REPO / ".cache" / "venv-mlflow3" / "bin" / "mlflow"))
    cfg = rb.Config.from_env()
    n = int(os.environ.get("BENCH_UI_RUNS", "100000"))
    targets = [t for t in os.environ.get("BENCH_UI_TARGETS", "bosun,mlflow").split(",") if t]
    parts = [p for p in os.environ.get("BENCH_UI_PARTS", "table,sortfilter,chart").split(",") if p]
    repeats = int(os.environ.get("BENCH_UI_REPEATS", "5"))
    chart_runs = chart_dataset(int(os.environ.get("BENCH_UI_CHART_RUNS", "100")))
    chart_steps = int(os.environ.get("BENCH_UI_CHART_STEPS", "100000"))
    data = rb.search_dataset(n if {"table", "sortfilter"} & set(parts) else 0)
    expect: dict[str, str] = {}
    if data:
        hits = [r for r in data if r.metrics["m1"] > 0.5 and r.params["p1"] == "a"]
        expect = {
            "first": max(data, key=lambda r: r.start_time).name,
            "sort": max(data, key=lambda r: r.metrics["m2"]).name,
            "filter": max(hits, key=lambda r: r.start_time).name,
        }
    browser = chromium()
    results: dict[str, object] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
            "chromium": subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip(),
        },
        "runs": len(data),
        "parts": parts,
        "repeats": repeats,
        "chart": {"runs": len(chart_runs), "steps": chart_steps, "metric": CHART_METRIC},
        "filter": FILTER,
        "expect": expect,
        "targets": {},
    }
    for target in targets:
        work = Path(tempfile.mkdtemp(prefix=f"bench-ui-{target}-"))
        server = rb.BosunServer(cfg, work) if target == "bosun" else rb.MlflowServer(cfg, work)
        server.start()
        try:
            eid = rb.create_experiment(server, "bench-ui")
            chart_eid = rb.create_experiment(server, "bench-ui-chart")
            server.stop()
            populated: dict[str, object] = {}
            if data:
                populated["table"] = rb.populate_db(server, eid, data)
            if "chart" in parts:
                populated["chart_runs"] = rb.populate_db(server, chart_eid, chart_runs)
                populated["chart_history"] = populate_history(server, chart_runs, chart_steps)
            populated["derived"] = fill_derived_columns(server)
            server.start()
            rb.log(f"{target}: written {json.dumps(populated)}; measuring")
            spec = {
                "target": target,
                "chromium": browser,
                "base": server.base,
                "parts": parts,
                "repeats": repeats,
                "pages": {**(pages(target, server.base, eid) if data else {}), "chart": chart_page(target, server.base, chart_eid, chart_runs)},
                "expect": expect,
                "chart_runs": len(chart_runs),
                "scroll_at": [640, 500],
                # a fast, steady scroll: 5,000 px/s (about 150 rows/s) for at most 20 s, towards row ~3,000
                "steady_scroll": {"speed": 5000, "depth": 100_000, "max_ms": 20_000},
                "step_timeout_ms": int(os.environ.get("BENCH_UI_STEP_TIMEOUT_MS", "300000")),
                "chart_timeout_ms": int(os.environ.get("BENCH_UI_CHART_TIMEOUT_MS", "120000")),
            }
            out = subprocess.run(
                ["node", str(REPO / "bench" / "ui" / "measure.mjs"), json.dumps(spec)],
                capture_output=True, text=True, cwd=REPO, timeout=7200,
            )  # fmt: skip
            if out.returncode != 0:
                rb.log(f"{target}: measure failed: {out.stderr[-2000:]}")
                results["targets"][target] = {"error": out.stderr[-2000:]}  # type: ignore[index]
            else:
                measured = json.loads(out.stdout.strip().splitlines()[-1])
                measured["server"] = server.describe()
                measured["populated"] = populated
                results["targets"][target] = measured  # type: ignore[index]
                rb.log(f"{target}: {json.dumps(measured)}")
        finally:
            server.stop()
            if not cfg.keep_tmp:  # its database holds 10M metric rows (1.4 GB): BENCH_KEEP_TMP=1 keeps it
                shutil.rmtree(work, ignore_errors=True)
        # written after each target, so a slow second target does not lose the first one's numbers
        dest = Path(os.environ.get("BENCH_UI_RESULTS", str(REPO / "bench" / "results" / "ui-latest.json")))
        dest.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
