#!/usr/bin/env python3
"""Search at scale: POST /runs/search over 100,000 and 1,000,000 runs, MLflow and Bosun, on SQLite and PostgreSQL.

For each run count (BENCH_SCALE_RUNS) and each target (BENCH_SCALE_TARGETS), a server is started fresh, makes the
experiment through its API, is stopped, gets the generated runs written straight into its own schema (run_bench's
data: same seed, same rows; tags, params and latest metric values, not metric histories, which search never
reads), is started again and measured with run_bench's search shapes: the query of issue 14 (filter
"metrics.m1 > 0.5 and params.p1 = 'a'", order by metrics.m2 DESC, max_results 100) and the control (same filter,
start_time DESC). Every answer is checked against the one computed here before and while timing.

PostgreSQL targets use a fresh database on the server named by BENCH_PG_URI (a superuser URI), dropped afterwards;
after the load both servers' databases are ANALYZEd (PostgreSQL: VACUUM ANALYZE), as autovacuum would do shortly
after a bulk load.

Writes bench/results/search-scale-latest.json and prints a table. Needs `requests` and, for PostgreSQL,
`psycopg2` in the driver's Python (bench/run.sh's venv; `pip install psycopg2-binary`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import run_bench as rb

TARGETS = {
    "mlflow-pysqlite3": ("MLflow on SQLite (bundled 3.51)", "sqlite"),
    "bosun": ("Bosun on SQLite", "sqlite"),
    "mlflow-pg": ("MLflow on PostgreSQL", "postgres"),
    "bosun-pg": ("Bosun on PostgreSQL", "postgres"),
}
ROWS_PER_COPY = 50_000


def pg_admin_uri() -> str:
    uri = os.environ.get("BENCH_PG_URI", "").strip()
    if not uri:
        raise SystemExit("BENCH_PG_URI (a superuser URI, e.g. postgresql://postgres@127.0.0.1:55440/postgres) is needed for PostgreSQL targets")
    return uri


def pg_connect(uri: str):  # type: ignore[no-untyped-def]
    import psycopg2  # imported here: SQLite-only runs do not need it

    return psycopg2.connect(uri)


class PgDatabase:
    """A fresh database on the BENCH_PG_URI server, dropped by drop()."""

    def __init__(self, name: str) -> None:
        self.admin = pg_admin_uri()
        self.name = name
        self._exec(f"drop database if exists {name} with (force)")
        self._exec(f"create database {name}")
        base, _, _ = self.admin.rpartition("/")
        self.uri = f"{base}/{name}"

    def _exec(self, statement: str) -> None:
        conn = pg_connect(self.admin)
        conn.autocommit = True
        try:
            conn.cursor().execute(statement)
        finally:
            conn.close()

    def version(self) -> str:
        conn = pg_connect(self.uri)
        try:
            cur = conn.cursor()
            cur.execute("show server_version")
            return str(cur.fetchone()[0])
        finally:
            conn.close()

    def drop(self) -> None:
        self._exec(f"drop database if exists {self.name} with (force)")


def store_uri_command(cmd: list[str], uri: str) -> list[str]:
    out = list(cmd)
    out[out.index("--backend-store-uri") + 1] = uri
    return out


class MlflowPgServer(rb.MlflowServer):
    name = "mlflow-pg"
    pg: PgDatabase

    def command(self, port: int) -> list[str]:
        return store_uri_command(super().command(port), self.pg.uri)

    def shown_command(self) -> str:
        return super().shown_command().replace(self.pg.uri, "postgresql://<server>/<db>")

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out.pop("sqlite", None)
        out["postgres"] = self.pg.version()
        return out


class BosunPgServer(rb.BosunServer):
    name = "bosun-pg"
    pg: PgDatabase

    def command(self, port: int) -> list[str]:
        return store_uri_command(super().command(port), self.pg.uri)

    def shown_command(self) -> str:
        return super().shown_command().replace(self.pg.uri, "postgresql://<server>/<db>")

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out.pop("sqlite", None)
        out["postgres"] = self.pg.version()
        return out


# -- the rows, streamed table by table (1,000,000 runs are 6 million rows: never all in memory at once)


def table_rows(table: str, data: list[rb.SearchRun], experiment_id: int, artifact_location: str) -> Iterator[dict[str, Any]]:
    for r in data:
        if table == "runs":
            yield {
                "run_uuid": r.run_uuid,
                "name": r.name,
                "source_type": "UNKNOWN",
                "source_name": "",
                "entry_point_name": "",
                "user_id": "bench",
                "status": "FINISHED",
                "start_time": r.start_time,
                "end_time": r.start_time + 500,
                "source_version": "",
                "lifecycle_stage": "active",
                "artifact_uri": f"{artifact_location.rstrip('/')}/{r.run_uuid}/artifacts",
                "experiment_id": experiment_id,
                "deleted_time": None,
            }
        elif table == "tags":
            yield {"run_uuid": r.run_uuid, "key": "mlflow.runName", "value": r.name}
            yield {"run_uuid": r.run_uuid, "key": "mlflow.user", "value": "bench"}
        elif table == "params":
            for k, v in r.params.items():
                yield {"run_uuid": r.run_uuid, "key": k, "value": v}
        else:  # latest_metrics
            for k, v in r.metrics.items():
                yield {"run_uuid": r.run_uuid, "key": k, "value": v, "timestamp": r.start_time, "step": 0,
                       "is_nan": 0, "experiment_id": experiment_id}  # fmt: skip


TABLES = ["runs", "tags", "params", "latest_metrics"]
KNOWN = {t: set(next(table_rows(t, [rb.SearchRun("x", "x", 0, {"m": 0.0}, {"p": "a"})], 1, "a"))) for t in TABLES}


def usable_columns(table: str, cols: list[tuple[str, bool, bool]]) -> list[str]:
    """The table's columns we fill; refuses when the schema requires a column the benchmark does not know."""
    names = [c[0] for c in cols if c[0] in KNOWN[table]]
    missing = [c[0] for c in cols if c[1] and not c[2] and c[0] not in KNOWN[table]]
    if missing:
        raise RuntimeError(f"table {table}: required columns {missing} are unknown to the benchmark")
    return names


def populate_sqlite(path: Path, experiment_id: int, data: list[rb.SearchRun]) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB for the load: random-key index inserts at 1M runs
    try:
        (artifact_location,) = conn.execute(
            "SELECT artifact_location FROM experiments WHERE experiment_id = ?", (experiment_id,)
        ).fetchone()
        counts: dict[str, int] = {}
        t = time.perf_counter()
        with conn:
            for table in TABLES:
                cols = [(n, nn, d or rowid) for n, nn, d, rowid in rb.table_columns(conn, table)]
                names = usable_columns(table, cols)
                sql = f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) VALUES ({", ".join("?" for _ in names)})'
                counter = [0]

                def tuples(table: str = table, names: list[str] = names, counter: list[int] = counter) -> Iterator[tuple[Any, ...]]:
                    for row in table_rows(table, data, experiment_id, artifact_location):
                        counter[0] += 1
                        yield tuple(row[n] for n in names)

                conn.executemany(sql, tuples())
                counts[table] = counter[0]
        seconds = time.perf_counter() - t
        conn.execute("ANALYZE")
        return {"method": "db", "seconds": round(seconds, 1), "rows": counts}
    finally:
        conn.close()


def copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        raise ValueError(f"value {text!r} needs escaping")
    return text


def populate_pg(uri: str, experiment_id: int, data: list[rb.SearchRun]) -> dict[str, Any]:
    conn = pg_connect(uri)
    try:
        cur = conn.cursor()
        cur.execute("select artifact_location from experiments where experiment_id = %s", (experiment_id,))
        (artifact_location,) = cur.fetchone()
        counts: dict[str, int] = {}
        t = time.perf_counter()
        for table in TABLES:
            cur.execute(
                "select column_name, is_nullable = 'NO', column_default is not null or is_identity = 'YES' "
                "from information_schema.columns where table_schema = current_schema() and table_name = %s "
                "order by ordinal_position",
                (table,),
            )
            names = usable_columns(table, [(str(a), bool(b), bool(c)) for a, b, c in cur.fetchall()])
            buf = io.StringIO()
            n = 0

            def flush() -> None:
                buf.seek(0)
                cur.copy_expert(f'COPY "{table}" ({", ".join(names)}) FROM STDIN', buf)
                buf.seek(0)
                buf.truncate()

            for row in table_rows(table, data, experiment_id, artifact_location):
                buf.write("\t".join(copy_text(row[c]) for c in names))
                buf.write("\n")
                n += 1
                if n % ROWS_PER_COPY == 0:
                    flush()
            flush()
            counts[table] = n
        conn.commit()
        seconds = time.perf_counter() - t
        conn.autocommit = True
        # what autovacuum does after a bulk load (insert-triggered vacuum, then analyze): statistics, and the
        # visibility map that lets index-only scans skip the table
        cur.execute("vacuum analyze")
        return {"method": "db (COPY)", "seconds": round(seconds, 1), "rows": counts}
    finally:
        conn.close()


# Connections a server dropped (under heavy load uvicorn's supervisor restarts a worker that misses its health
# ping, and the request it held is lost); such a query is sent again, and the count is recorded per target.
dropped: dict[str, int] = {}
_search_once = rb.search_once


def retrying(server: rb.Server, call: Callable[[], Any]) -> Any:
    for _ in range(5):
        try:
            return call()
        except rb.requests.ConnectionError:
            dropped[server.name] = dropped.get(server.name, 0) + 1
            time.sleep(2)
    return call()


def search_once_retrying(server: rb.Server, eid: str, shape: rb.SearchShape, s: Any) -> Any:
    return retrying(server, lambda: _search_once(server, eid, shape, s))


rb.search_once = search_once_retrying


def make_server(kind: str, cfg: rb.Config, workdir: Path, runs: int) -> rb.Server:
    if kind == "mlflow-pysqlite3":
        return rb.MlflowPysqlite3Server(cfg, workdir)
    if kind == "bosun":
        return rb.BosunServer(cfg, workdir)
    server: MlflowPgServer | BosunPgServer = MlflowPgServer(cfg, workdir) if kind == "mlflow-pg" else BosunPgServer(cfg, workdir)
    server.pg = PgDatabase(f"bench_{kind.replace('-', '_')}_{runs}")
    return server


def bench_target(kind: str, cfg: rb.Config, data: list[rb.SearchRun], tmp_root: Path) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=tmp_root))
    server = make_server(kind, cfg, workdir, len(data))
    label, engine = TARGETS[kind]
    out: dict[str, Any] = {"label": label, "engine": engine}
    try:
        server.start()
        out["server"] = server.describe()
        eid = retrying(server, lambda: rb.create_experiment(server, "bench-search"))
        server.stop()
        rb.log(f"{kind}: populating {len(data)} runs")
        if isinstance(server, (MlflowPgServer, BosunPgServer)):
            out["populate"] = populate_pg(server.pg.uri, int(eid), data)
        else:
            out["populate"] = populate_sqlite(server.db_path, int(eid), data)
        rb.log(f"{kind}: populated in {out['populate']['seconds']} s: {out['populate']['rows']}")
        out["restart_seconds"] = round(server.start(), 2)
        for shape in rb.SEARCH_SHAPES:
            res = rb.time_search_shape(server, cfg, eid, shape, data)
            res.pop("memory", None)
            out[shape.name] = res
            res["dropped_connections_retried"] = dropped.pop(server.name, 0)
            rb.log(f"{kind} @ {len(data)}: {shape.name}: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms ({res['queries']} queries)")
    except Exception:
        logs = sorted(workdir.glob("server-*.log"))
        if logs:
            print(f"--- {kind}: end of {logs[-1].name}", file=sys.stderr)
            print(logs[-1].read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        server.stop()
        if isinstance(server, (MlflowPgServer, BosunPgServer)):
            server.pg.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=rb.REPO)
    return out.stdout.strip()


def main() -> int:
    cfg = rb.Config.from_env()
    sizes = [int(x.replace("_", "")) for x in os.environ.get("BENCH_SCALE_RUNS", "100000,1000000").split(",") if x.strip()]
    targets = [t.strip() for t in os.environ.get("BENCH_SCALE_TARGETS", ",".join(TARGETS)).split(",") if t.strip()]
    for t in targets:
        if t not in TARGETS:
            raise SystemExit(f"BENCH_SCALE_TARGETS: unknown target {t!r} (one of {', '.join(TARGETS)})")
    started = dt.datetime.now(dt.timezone.utc)
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_start": os.getloadavg()},
        "filter": rb.SEARCH_FILTER,
        "max_results": rb.SEARCH_MAX_RESULTS,
        "config": {"search_queries": cfg.search_queries, "search_min_queries": cfg.search_min_queries,
                   "search_budget_s": cfg.search_budget_s, "search_warmup": cfg.search_warmup},  # fmt: skip
        "sizes": {},
    }
    tmp_root = Path(tempfile.mkdtemp(prefix="bosun-search-scale-"))
    try:
        for n in sizes:
            rb.log(f"generating {n} runs")
            data = rb.search_dataset(n)
            report["sizes"][str(n)] = {}
            for kind in targets:
                report["sizes"][str(n)][kind] = bench_target(kind, cfg, data, tmp_root)
                report["sizes"][str(n)][kind]["loadavg_after"] = os.getloadavg()
                write_report(cfg, report)  # after every target, so a long run's finished part is kept
            del data
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
        report["machine"]["loadavg_end"] = os.getloadavg()
    lines = [
        "| Runs | Target | metric-ordered p50 / p95 (ms) | start_time-ordered p50 / p95 (ms) | Populate (s) |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for n, by_target in report["sizes"].items():
        for kind, r in by_target.items():
            m, s = r["order_by_metric"], r["order_by_start_time"]
            lines.append(
                f"| {int(n):,} | {r['label']} | {m['p50_ms']} / {m['p95_ms']} | {s['p50_ms']} / {s['p95_ms']} | {r['populate']['seconds']} |"
            )
    print("\n".join(lines))
    rb.log(f"wrote {write_report(cfg, report)}")
    return 0


def write_report(cfg: rb.Config, report: dict[str, Any]) -> Path:
    cfg.results_dir.mkdir(parents=True, exist_ok=True)
    out = cfg.results_dir / os.environ.get("BENCH_SCALE_OUT", "search-scale-latest.json")
    out.write_text(json.dumps(report, indent=2) + "\n")
    return out


if __name__ == "__main__":
    sys.exit(main())
