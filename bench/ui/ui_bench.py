"""Web UI benchmark (issue 11): Bosun's UI and MLflow's own UI over an experiment of 100,000 runs.

Not a test: it prints and records numbers. For each server it starts the server on a fresh SQLite file, creates
the experiment through the API, stops the server and writes the same generated runs (3 metrics, 3 params, 2 tags
each, fixed seed) straight into the server's own schema with bench/run_bench.py's populate_db (refusing a schema
with a required column it does not know), restarts it, then drives Debian's Chromium with bench/ui/measure.mjs.

    BENCH_MLFLOW_BIN=.cache/venv-mlflow3/bin/mlflow .cache/venv-mlflow3/bin/python bench/ui/ui_bench.py

Needs `npm run build` (dist/ with the built UI). BENCH_UI_RUNS (100000), BENCH_UI_TARGETS (bosun,mlflow).
Writes bench/results/ui-latest.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
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


def main() -> int:
    os.environ.setdefault("BENCH_MLFLOW_BIN", str(REPO / ".cache" / "venv-mlflow3" / "bin" / "mlflow"))
    cfg = rb.Config.from_env()
    n = int(os.environ.get("BENCH_UI_RUNS", "100000"))
    targets = [t for t in os.environ.get("BENCH_UI_TARGETS", "bosun,mlflow").split(",") if t]
    data = rb.search_dataset(n)
    newest = max(data, key=lambda r: r.start_time).name
    top_m2 = max(data, key=lambda r: r.metrics["m2"]).name
    hits = [r for r in data if r.metrics["m1"] > 0.5 and r.params["p1"] == "a"]
    newest_hit = max(hits, key=lambda r: r.start_time).name
    expect = {"first": newest, "sort": top_m2, "filter": newest_hit}
    browser = chromium()
    results: dict[str, object] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_at_start": os.getloadavg(),
            "chromium": subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip(),
        },
        "runs": n,
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
            server.stop()
            populated = rb.populate_db(server, eid, data)
            server.start()
            rb.log(f"{target}: {n} runs written in {populated['seconds']}s; measuring")
            spec = {
                "target": target,
                "chromium": browser,
                "base": server.base,
                "pages": pages(target, server.base, eid),
                "expect": expect,
                "scroll_at": [640, 500],
                "step_timeout_ms": int(os.environ.get("BENCH_UI_STEP_TIMEOUT_MS", "300000")),
            }
            out = subprocess.run(
                ["node", str(REPO / "bench" / "ui" / "measure.mjs"), json.dumps(spec)],
                capture_output=True, text=True, cwd=REPO, timeout=1800,
            )  # fmt: skip
            if out.returncode != 0:
                rb.log(f"{target}: measure failed: {out.stderr[-2000:]}")
                results["targets"][target] = {"error": out.stderr[-2000:]}  # type: ignore[index]
            else:
                measured = json.loads(out.stdout.strip().splitlines()[-1])
                measured["server"] = server.describe()
                results["targets"][target] = measured  # type: ignore[index]
                rb.log(f"{target}: {json.dumps(measured)}")
        finally:
            server.stop()
        # written after each target, so a slow second target does not lose the first one's numbers
        dest = REPO / "bench" / "results" / "ui-latest.json"
        dest.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
