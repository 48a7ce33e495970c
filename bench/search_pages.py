#!/usr/bin/env python3
"""Deep pages and several experiments: two Bosun builds (A and B) on one database, timed back to back.

search_scale.py times page 1 of one experiment. This times, on the same generated runs (BENCH_SCALE_RUNS, one
size; SQLite and/or PostgreSQL per BENCH_PAGES_TARGETS = bosun,bosun-pg), the issue's query
("metrics.m1 > 0.5 and params.p1 = 'a'", metrics.m2 DESC, 100 results) as:
  page1         page 1 of the experiment
  page50        page 50 (runs 4,901-5,000 of ~12,500 matches), reached with the token each build hands out
                (a keyset token from a build that has them, an offset token from one that does not)
  page50_offset page 50 asked with an offset token ({"offset": 4900}), as earlier versions and MLflow make them
  multi3        page 1 over three experiments (the populated one and two that hold a few runs each)
The two builds run side by side (BENCH_PAGES_A_CMD / BENCH_PAGES_B_CMD, e.g. "node /tmp/old/dist/cli/main.js"),
each on its own database holding the same rows (so each build's own migrations, such as indexes, apply to it); each round asks every shape of A then of B, so load swings hit both alike. Every
answer is compared between the builds (and page 50 by both tokens) before timing. Writes
bench/results/$BENCH_PAGES_OUT (default search-pages-latest.json) and prints a table.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import run_bench as rb
import search_scale as ss

PAGE = 100
DEPTH = 50


def search(server: rb.Server, s: Any, body: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    t = time.perf_counter()
    r = s.post(server.base + rb.API + "/runs/search", data=json.dumps(body).encode(), headers=rb.JSON_HEADERS, timeout=600)
    elapsed = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{server.name} runs/search -> {r.status_code}: {r.text[:300]}")
    return elapsed, r.json()


def body(eids: list[str], token: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "experiment_ids": eids,
        "filter": rb.SEARCH_FILTER,
        "order_by": ["metrics.m2 DESC"],
        "max_results": PAGE,
        "run_view_type": "ACTIVE_ONLY",
    }
    if token:
        out["page_token"] = token
    return out


def ids(res: dict[str, Any]) -> list[str]:
    return [r["info"]["run_id"] for r in res.get("runs", [])]


def shapes(server: rb.Server, s: Any, eid: str, extra: list[str]) -> dict[str, dict[str, Any]]:
    """The request body of each shape for this server (page 50 reached through its own tokens)."""
    token = None
    for _ in range(DEPTH - 1):
        _, res = search(server, s, body([eid], token))
        token = res["next_page_token"]
    offset = base64.b64encode(json.dumps({"offset": (DEPTH - 1) * PAGE}).encode()).decode()
    return {
        "page1": body([eid]),
        "page50": body([eid], token),
        "page50_offset": body([eid], offset),
        "multi3": body([eid, *extra]),
    }


def prepared_server(
    kind: str, name: str, cmd: list[str], data: list[rb.SearchRun], workdir: Path, out: dict[str, Any]
) -> tuple[rb.Server, str, list[str]]:
    """A server of one build on its own database, populated with `data`: the experiment ids and rows are the same
    for every build, so answers compare between them, and each build's migrations (indexes) apply to its own."""
    cfg = rb.Config.from_env()
    cfg.bosun_cmd = cmd
    srv = ss.make_server(kind, cfg, workdir, len(data))
    if isinstance(srv, ss.BosunPgServer):  # one database per build
        srv.pg.drop()
        srv.pg = ss.PgDatabase(f"{srv.pg.name}_{name.lower()}")
    srv.start()
    eid = rb.create_experiment(srv, "bench-pages")
    extra = [rb.create_experiment(srv, f"bench-pages-{i}") for i in (2, 3)]
    for e in extra:  # a few runs in each other experiment, so the merge has something to merge
        for i in range(3):
            rb.api(srv, "POST", "/runs/create", {"experiment_id": e, "start_time": 1000 + i, "run_name": f"x{i}"})
    srv.stop()
    if isinstance(srv, ss.BosunPgServer):
        out[f"populate_{name}"] = ss.populate_pg(srv.pg.uri, int(eid), data)
    else:
        out[f"populate_{name}"] = ss.populate_sqlite(srv.db_path, int(eid), data)
    srv.start()
    return srv, eid, extra


def run_target(kind: str, cfg: rb.Config, data: list[rb.SearchRun], tmp_root: Path, rounds: int) -> dict[str, Any]:
    cmds = {"A": os.environ["BENCH_PAGES_A_CMD"].split(), "B": os.environ["BENCH_PAGES_B_CMD"].split()}
    servers: dict[str, rb.Server] = {}
    workdirs: list[Path] = []
    out: dict[str, Any] = {"label": ss.TARGETS[kind][0], "loadavg_start": os.getloadavg()}
    try:
        eid, extra = "", []
        for name, cmd in cmds.items():
            workdir = Path(tempfile.mkdtemp(prefix=f"{kind}-{name}-", dir=tmp_root))
            workdirs.append(workdir)
            servers[name], eid, extra = prepared_server(kind, name, cmd, data, workdir, out)
        sessions = {n: rb.requests.Session() for n in servers}
        bodies = {n: shapes(srv, sessions[n], eid, extra) for n, srv in servers.items()}
        answers = {n: {k: ids(search(servers[n], sessions[n], b)[1]) for k, b in bodies[n].items()} for n in servers}
        for k in answers["A"]:
            if answers["A"][k] != answers["B"][k] or len(answers["A"][k]) != PAGE:
                raise RuntimeError(f"{kind}: {k}: the builds disagree or the page is short")
        if answers["A"]["page50"] != answers["A"]["page50_offset"]:
            raise RuntimeError(f"{kind}: page 50 differs by keyset and by offset token")
        times: dict[str, dict[str, list[float]]] = {n: {k: [] for k in bodies[n]} for n in servers}
        for r in range(rounds + 2):
            for n in servers:
                for k, b in bodies[n].items():
                    elapsed, _ = search(servers[n], sessions[n], b)
                    if r >= 2:  # two warm-up rounds
                        times[n][k].append(elapsed * 1000)
        out["ms"] = {
            n: {k: {"p50": round(statistics.median(v), 1), "p95": round(sorted(v)[max(0, int(len(v) * 0.95 + 0.5) - 1)], 1)}
                for k, v in by.items()}  # fmt: skip
            for n, by in times.items()
        }
        out["loadavg_end"] = os.getloadavg()
        return out
    finally:
        for srv in servers.values():
            srv.stop()
            if os.environ.get("BENCH_PAGES_KEEP"):  # keep the databases for EXPLAIN by hand
                rb.log(f"kept {srv.workdir}" + (f" and {srv.pg.uri}" if isinstance(srv, ss.BosunPgServer) else ""))
            elif isinstance(srv, ss.BosunPgServer):
                srv.pg.drop()
        if not os.environ.get("BENCH_PAGES_KEEP"):
            for w in workdirs:
                shutil.rmtree(w, ignore_errors=True)


def main() -> int:
    cfg = rb.Config.from_env()
    n = int(os.environ.get("BENCH_SCALE_RUNS", "100000").replace("_", ""))
    rounds = int(os.environ.get("BENCH_PAGES_ROUNDS", "20"))
    targets = [t for t in os.environ.get("BENCH_PAGES_TARGETS", "bosun,bosun-pg").split(",") if t]
    report: dict[str, Any] = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "runs": n,
        "rounds": rounds,
        "A": os.environ["BENCH_PAGES_A_CMD"],
        "B": os.environ["BENCH_PAGES_B_CMD"],
        "targets": {},
    }
    data = rb.search_dataset(n)
    tmp_root = Path(tempfile.mkdtemp(prefix="bosun-search-pages-"))
    try:
        for kind in targets:
            report["targets"][kind] = run_target(kind, cfg, data, tmp_root, rounds)
    finally:
        if not os.environ.get("BENCH_PAGES_KEEP"):
            shutil.rmtree(tmp_root, ignore_errors=True)
    cfg.results_dir.mkdir(parents=True, exist_ok=True)
    path = cfg.results_dir / os.environ.get("BENCH_PAGES_OUT", "search-pages-latest.json")
    path.write_text(json.dumps(report, indent=2) + "\n")
    print("| Target | Shape | A p50 / p95 (ms) | B p50 / p95 (ms) |\n| --- | --- | ---: | ---: |")
    for kind, r in report["targets"].items():
        for k in r["ms"]["A"]:
            a, b = r["ms"]["A"][k], r["ms"]["B"][k]
            print(f"| {r['label']} | {k} | {a['p50']} / {a['p95']} | {b['p50']} / {b['p95']} |")
    rb.log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
