#!/usr/bin/env python3
"""Tracking benchmark: the MLflow server and Bosun, side by side, on SQLite, on this machine.

Each server is started fresh (new temporary directory, new SQLite file) and measured on:

1. ingestion: metric points per second through POST /runs/log-batch, BENCH_CLIENTS concurrent clients,
   batches of BENCH_BATCH_SIZE metrics, a fixed number of batches per client; only 200 responses count;
2. search: p50/p95 latency of POST /runs/search (filter on a metric and a param, order by a metric,
   max_results 100) over BENCH_RUNS runs, populated identically for both servers;
3. history: time to fetch a BENCH_HISTORY_STEPS-step metric with GET /metrics/get-history, following
   page tokens with max_results=25000 (what the mlflow client sends);
4. memory: RSS (and PSS) of the server's whole process tree, read from /proc, idle and at peak under load.

Every phase checks the answers (status codes, counts, the exact run ids a search must return), so a server
that answers fast but wrongly fails the benchmark instead of winning it.

Configuration is read from the environment (see bench/README.md). Only the standard library and `requests`.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests

REPO = Path(__file__).resolve().parent.parent
API = "/api/2.0/mlflow"
JSON_HEADERS = {"Content-Type": "application/json"}
HISTORY_PAGE = 25000  # mlflow.store.tracking.GET_METRIC_HISTORY_MAX_RESULTS: the page size the client asks for
SEARCH_FILTER = "metrics.m1 > 0.5 and params.p1 = 'a'"
SEARCH_MAX_RESULTS = 100
# target name -> label; `mlflow` is the server as installed (it uses the SQLite its Python links),
# `mlflow-pysqlite3` the same server on the newer SQLite bundled in the pysqlite3-binary wheel
TARGETS = {
    "mlflow": "MLflow",
    "mlflow-pysqlite3": "MLflow (bundled SQLite)",
    "bosun": "Bosun",
    # the same server with authentication and permissions on, driven by a non-admin user (HTTP Basic): the cost
    # of signing in and of the per-request permission checks
    "bosun-auth": "Bosun (auth on)",
}
SHIM_DIR = Path(__file__).resolve().parent / "mlflow_sqlite_shim"


# ----------------------------------------------------------------------------------------------- config


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw.replace("_", ""))
    if value < 0:
        raise SystemExit(f"{name} must be >= 0, got {value}")
    return value


@dataclass
class Config:
    targets: list[str]
    clients: int
    batch_size: int
    ingest_batches: int  # per client
    ingest_warmup: int  # per client, before the clock starts
    runs: int
    history_steps: int
    history_repeats: int
    search_queries: int
    search_warmup: int
    search_min_queries: int
    search_warmup_skip_s: float
    search_budget_s: float
    populate: str  # "db" or "api"
    mlflow_bin: str
    bosun_cmd: list[str]
    results_dir: Path
    keep_tmp: bool
    startup_timeout: float
    sample_interval: float

    @staticmethod
    def from_env() -> "Config":
        targets = [t.strip() for t in os.environ.get("BENCH_TARGETS", ",".join(TARGETS)).split(",") if t.strip()]
        for t in targets:
            if t not in TARGETS:
                raise SystemExit(f"BENCH_TARGETS: unknown target {t!r} (one of {', '.join(TARGETS)})")
        populate = os.environ.get("BENCH_POPULATE", "db").strip()
        if populate not in ("db", "api"):
            raise SystemExit("BENCH_POPULATE must be 'db' or 'api'")
        batch_size = env_int("BENCH_BATCH_SIZE", 1000)
        if not 1 <= batch_size <= 1000:
            raise SystemExit("BENCH_BATCH_SIZE must be 1..1000 (the MLflow API limit per log-batch)")
        default_mlflow = REPO / ".cache" / "bench-venv" / "bin" / "mlflow"
        bosun_cmd = os.environ.get("BENCH_BOSUN_CMD", f"node {REPO / 'dist' / 'cli' / 'main.js'}").split()
        return Config(
            targets=targets,
            clients=max(1, env_int("BENCH_CLIENTS", 8)),
            batch_size=batch_size,
            ingest_batches=env_int("BENCH_INGEST_BATCHES", 50),
            ingest_warmup=env_int("BENCH_INGEST_WARMUP", 2),
            runs=env_int("BENCH_RUNS", 100_000),
            history_steps=env_int("BENCH_HISTORY_STEPS", 100_000),
            history_repeats=max(1, env_int("BENCH_HISTORY_REPEATS", 3)),
            search_queries=max(1, env_int("BENCH_SEARCH_QUERIES", 30)),
            search_warmup=env_int("BENCH_SEARCH_WARMUP", 8),
            search_min_queries=max(1, env_int("BENCH_SEARCH_MIN_QUERIES", 3)),
            search_warmup_skip_s=float(os.environ.get("BENCH_SEARCH_WARMUP_SKIP_S", "30")),
            search_budget_s=float(os.environ.get("BENCH_SEARCH_BUDGET_S", "120")),
            populate=populate,
            mlflow_bin=os.environ.get("BENCH_MLFLOW_BIN", str(default_mlflow)),
            bosun_cmd=bosun_cmd,
            results_dir=Path(os.environ.get("BENCH_RESULTS_DIR", str(REPO / "bench" / "results"))),
            keep_tmp=os.environ.get("BENCH_KEEP_TMP", "") not in ("", "0"),
            startup_timeout=float(os.environ.get("BENCH_STARTUP_TIMEOUT", "120")),
            sample_interval=float(os.environ.get("BENCH_SAMPLE_INTERVAL", "0.1")),
        )


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------------------------- /proc


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def process_tree(root: int) -> list[int]:
    """The root pid and all its descendants, from /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        if not stat:
            continue
        # the command name (field 2) may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 2:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if os.path.exists(f"/proc/{pid}"):
            out.append(pid)
            todo.extend(children.get(pid, []))
    return out


def rss_kb(pid: int) -> int:
    status = _read(f"/proc/{pid}/status")
    if not status:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kb(pid: int) -> int:
    rollup = _read(f"/proc/{pid}/smaps_rollup")
    if not rollup:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def cmdline(pid: int) -> str:
    raw = _read(f"/proc/{pid}/cmdline") or ""
    return raw.replace("\0", " ").strip()


def ppid_of(pid: int) -> int:
    stat = _read(f"/proc/{pid}/stat") or ""
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1]) if len(fields) > 1 else 0


def mb(kb: float) -> float:
    return round(kb / 1024.0, 1)


class MemorySampler:
    """Samples the RSS of a process tree (and of a 'serving' subset of it) on a thread; keeps the peaks."""

    def __init__(self, server: "Server", interval: float) -> None:
        self.server = server
        self.interval = interval
        self.peak_total_kb = 0
        self.peak_serving_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        pids = process_tree(self.server.pid)
        total = sum(rss_kb(p) for p in pids)
        serving = sum(rss_kb(p) for p in self.server.serving_pids(pids))
        self.peak_total_kb = max(self.peak_total_kb, total)
        self.peak_serving_kb = max(self.peak_serving_kb, serving)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def result(self) -> dict[str, Any]:
        return {
            "peak_rss_mb": mb(self.peak_total_kb),
            "peak_serving_rss_mb": mb(self.peak_serving_kb),
            "samples": self.samples,
        }


# ----------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    name = "?"

    def __init__(self, cfg: Config, workdir: Path) -> None:
        self.cfg = cfg
        self.workdir = workdir
        self.db_path = workdir / "tracking.db"
        self.artifacts = workdir / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0
        # HTTP Basic credentials every request sends (None: the server has no authentication)
        self.auth: tuple[str, str] | None = None

    # subclass API
    def command(self, port: int) -> list[str]:
        raise NotImplementedError

    def serving_pids(self, pids: list[int]) -> list[int]:
        """The processes that serve HTTP requests (all of them unless the subclass knows better)."""
        return pids

    def describe(self) -> dict[str, Any]:
        return {}

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def shown_command(self) -> str:
        """The command line as recorded in the results: temporary paths and the port replaced by placeholders."""
        text = " ".join(self.command(0)).replace(str(self.workdir), "<tmp>").replace(str(REPO) + "/", "")
        return text.replace("--port 0", "--port <port>")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start the server and wait for GET /health; returns the seconds it took."""
        self.port = free_port()
        self.starts += 1
        logf = open(self.workdir / f"server-{self.starts}.log", "wb")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command(self.port),
            cwd=self.workdir,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches every worker it forks
            env={**self.env(), "PYTHONUNBUFFERED": "1"},
        )
        logf.close()
        deadline = t0 + self.cfg.startup_timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {logf.name}")
            try:
                if requests.get(self.base + "/health", timeout=2).status_code == 200:
                    return time.perf_counter() - t0
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer /health within {self.cfg.startup_timeout}s")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            pgid = os.getpgid(self.proc.pid)
        except ProcessLookupError:
            pgid = None
        if pgid is not None:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        if pgid is not None:
            # workers that outlive their parent still carry its process group id
            deadline = time.time() + 10
            while time.time() < deadline and _group_alive(pgid):
                time.sleep(0.2)
            if _group_alive(pgid):
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def memory_snapshot(self) -> dict[str, Any]:
        pids = process_tree(self.pid)
        procs = []
        for p in pids:
            procs.append({"pid": p, "ppid": ppid_of(p), "rss_mb": mb(rss_kb(p)), "pss_mb": mb(pss_kb(p)), "cmd": cmdline(p)[:160]})
        serving = set(self.serving_pids(pids))
        return {
            "processes": len(pids),
            "rss_mb": round(sum(p["rss_mb"] for p in procs), 1),
            "pss_mb": round(sum(p["pss_mb"] for p in procs), 1),
            "serving_processes": len(serving),
            "serving_rss_mb": round(sum(p["rss_mb"] for p in procs if p["pid"] in serving), 1),
            "serving_pss_mb": round(sum(p["pss_mb"] for p in procs if p["pid"] in serving), 1),
            "per_process": procs,
        }

    def idle_memory(self, settle: float = 5.0) -> dict[str, Any]:
        """Wait for the server to settle, then take the median of a few snapshots (by total RSS).

        Settling: at least `settle` seconds, then until neither the set of processes nor their total RSS (±2%)
        has changed for 5 s (MLflow 3 starts its job runner's consumers some seconds after /health answers),
        at most 60 s more.
        """
        time.sleep(settle)
        def state() -> tuple[list[int], int]:
            pids = sorted(process_tree(self.pid))
            return pids, sum(rss_kb(p) for p in pids)

        deadline = time.time() + 60
        stable_since = time.time()
        last_pids, last_rss = state()
        while time.time() < deadline and time.time() - stable_since < 5:
            time.sleep(0.5)
            pids, rss = state()
            if pids != last_pids or abs(rss - last_rss) > 0.02 * max(last_rss, 1):
                stable_since, last_pids, last_rss = time.time(), pids, rss
        snaps = []
        for _ in range(5):
            snaps.append(self.memory_snapshot())
            time.sleep(0.4)
        snaps.sort(key=lambda s: s["rss_mb"])
        return snaps[len(snaps) // 2]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class MlflowServer(Server):
    name = "mlflow"
    pysqlite3 = False

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.pysqlite3:
            env["PYTHONPATH"] = os.pathsep.join(p for p in [str(SHIM_DIR), env.get("PYTHONPATH", "")] if p)
        return env

    def venv_python(self) -> str:
        return str(Path(self.cfg.mlflow_bin).parent / "python")

    def sqlite_version(self) -> str:
        code = "import sqlite3; print(sqlite3.sqlite_version)"
        out = subprocess.run([self.venv_python(), "-c", code], capture_output=True, text=True, env=self.env())
        return out.stdout.strip()

    def command(self, port: int) -> list[str]:
        # MLflow's documented defaults: no --workers, no --gunicorn-opts (MLflow 3 runs uvicorn with 4 workers).
        return [
            self.cfg.mlflow_bin,
            "server",
            "--backend-store-uri",
            f"sqlite:///{self.db_path}",
            "--default-artifact-root",
            str(self.artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]

    def serving_pids(self, pids: list[int]) -> list[int]:
        # the uvicorn (or gunicorn) master and the workers it spawns; not the `mlflow server` CLI parent nor
        # the background job runner and its huey consumers, which MLflow 3 also starts by default
        masters = [p for p in pids if " uvicorn " in f" {cmdline(p)} " or "gunicorn" in cmdline(p)]
        if not masters:
            return pids
        out: list[int] = []
        for m in masters:
            out.extend(process_tree(m))
        return sorted(set(out) & set(pids))

    def describe(self) -> dict[str, Any]:
        version = subprocess.run(
            [self.venv_python(), "-c", "import mlflow; print(mlflow.__version__)"], capture_output=True, text=True
        ).stdout.strip()
        system_sqlite = subprocess.run(
            [self.venv_python(), "-c", "import sqlite3; print(sqlite3.sqlite_version)"], capture_output=True, text=True
        ).stdout.strip()
        used = self.sqlite_version()
        if self.pysqlite3 and used == system_sqlite:
            raise RuntimeError("mlflow-pysqlite3: pysqlite3-binary is not installed in the MLflow venv (bench/run.sh installs it)")
        shown = self.shown_command()
        if self.pysqlite3:
            shown = "PYTHONPATH=bench/mlflow_sqlite_shim " + shown
        return {"version": version, "sqlite": used, "python": platform.python_version(), "command": shown}


class MlflowPysqlite3Server(MlflowServer):
    name = "mlflow-pysqlite3"
    pysqlite3 = True



class BosunServer(Server):
    name = "bosun"

    def command(self, port: int) -> list[str]:
        return [
            *self.cfg.bosun_cmd,
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{self.db_path}",
            "--artifacts-destination",
            str(self.artifacts),
        ]

    def describe(self) -> dict[str, Any]:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        code = "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)"
        sqlite = subprocess.run(["node", "-e", code], capture_output=True, text=True, cwd=REPO).stdout.strip()
        pkg = json.loads((REPO / "package.json").read_text())
        return {"version": pkg.get("version"), "node": node, "sqlite": sqlite, "command": self.shown_command()}


class BosunAuthServer(BosunServer):
    """Bosun with `--auth`; the benchmark signs in as a non-admin user (made with `bosun users create`), who owns
    (MANAGE, as creator) the experiments it makes, so every request is authenticated and permission-checked."""

    name = "bosun-auth"
    admin = ("bench-admin", "Bench-Admin-Pass-2024!")
    user = ("bench-user", "Bench-User-Pass-2024!")

    def command(self, port: int) -> list[str]:
        return [*super().command(port), "--auth"]

    def env(self) -> dict[str, str]:
        return {**super().env(), "BOSUN_ADMIN_USERNAME": self.admin[0], "BOSUN_ADMIN_PASSWORD": self.admin[1]}

    def start(self) -> float:
        took = super().start()
        if self.auth is None:
            subprocess.run(
                [*self.cfg.bosun_cmd, "users", "create", "--username", self.user[0],
                 "--backend-store-uri", f"sqlite:///{self.db_path}"],  # fmt: skip
                env={**os.environ, "BOSUN_USER_PASSWORD": self.user[1]},
                cwd=REPO,
                check=True,
                capture_output=True,
            )
            self.auth = self.user
        return took


# ----------------------------------------------------------------------------------------------- HTTP helpers


_local = threading.local()
# The credentials of the server being measured (servers are measured one at a time).
_current_auth: tuple[str, str] | None = None


def session() -> requests.Session:
    s = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.auth = _current_auth
        _local.session = s
    s.auth = _current_auth
    return s


def api(server: Server, method: str, path: str, body: Any = None, params: Any = None) -> Any:
    url = server.base + API + path
    r = session().request(method, url, json=body, params=params, timeout=600)
    if r.status_code != 200:
        raise RuntimeError(f"{server.name} {method} {path} -> {r.status_code}: {r.text[:300]}")
    return r.json()


def create_experiment(server: Server, name: str) -> str:
    return str(api(server, "POST", "/experiments/create", {"name": name})["experiment_id"])


def create_run(server: Server, experiment_id: str, name: str, start_time: int) -> str:
    out = api(server, "POST", "/runs/create", {"experiment_id": experiment_id, "run_name": name, "start_time": start_time})
    return str(out["run"]["info"]["run_id"])


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


# ----------------------------------------------------------------------------------------------- phases

T0 = 1_700_000_000_000  # a fixed base timestamp (ms) so both servers get byte-identical payloads


def metric_batch_body(run_id: str, batch: int, size: int, keys: int = 10) -> bytes:
    steps_per_batch = (size + keys - 1) // keys
    metrics = []
    for j in range(size):
        step = batch * steps_per_batch + j // keys
        metrics.append({"key": f"m{j % keys}", "value": (step * 7919 + j) % 10007 / 10007.0, "timestamp": T0 + step, "step": step})
    return json.dumps({"run_id": run_id, "metrics": metrics}).encode()


def phase_ingest(server: Server, cfg: Config) -> dict[str, Any]:
    eid = create_experiment(server, "bench-ingest")
    run_ids = [create_run(server, eid, f"ingest-{c}", T0 + c) for c in range(cfg.clients)]
    # encode every body before the clock starts: the client's JSON work is not the server's
    w = cfg.ingest_warmup
    bodies = [
        [metric_batch_body(run_ids[c], b, cfg.batch_size) for b in range(w, w + cfg.ingest_batches)] for c in range(cfg.clients)
    ]
    url = server.base + API + "/runs/log-batch"

    # warm-up, not timed: a few batches per client so that every worker process has loaded its code
    def warm(c: int) -> None:
        for b in range(w):
            r = session().post(url, data=metric_batch_body(run_ids[c], b, cfg.batch_size), headers=JSON_HEADERS, timeout=600)
            if r.status_code != 200:
                raise RuntimeError(f"{server.name} log-batch (warm-up) -> {r.status_code}: {r.text[:300]}")

    with cf.ThreadPoolExecutor(cfg.clients) as pool:
        list(pool.map(warm, range(cfg.clients)))
    start_gate = threading.Barrier(cfg.clients + 1)

    def client(c: int) -> tuple[int, int, list[float], list[str]]:
        s = requests.Session()
        s.auth = _current_auth
        ok = failed = 0
        lat: list[float] = []
        errors: list[str] = []
        start_gate.wait()
        for body in bodies[c]:
            t = time.perf_counter()
            try:
                r = s.post(url, data=body, headers=JSON_HEADERS, timeout=600)
                lat.append(time.perf_counter() - t)
                if r.status_code == 200:
                    ok += 1
                else:
                    failed += 1
                    if len(errors) < 3:
                        errors.append(f"{r.status_code}: {r.text[:200]}")
            except requests.RequestException as e:
                failed += 1
                if len(errors) < 3:
                    errors.append(repr(e)[:200])
        s.close()
        return ok, failed, lat, errors

    with MemorySampler(server, cfg.sample_interval) as sampler, cf.ThreadPoolExecutor(cfg.clients) as pool:
        futures = [pool.submit(client, c) for c in range(cfg.clients)]
        start_gate.wait()
        t0 = time.perf_counter()
        results = [f.result() for f in futures]
        elapsed = time.perf_counter() - t0
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    errors = [e for r in results for e in r[3]]
    # verify that what was acknowledged was stored: the last step of every key of one run
    keys_per = 10
    expected_last = (w + cfg.ingest_batches) * ((cfg.batch_size + keys_per - 1) // keys_per) - 1
    run = api(server, "GET", "/runs/get", params={"run_id": run_ids[0]})["run"]
    latest = {m["key"]: int(m["step"]) for m in run["data"].get("metrics", [])}
    verified = cfg.ingest_batches == 0 or failed > 0 or all(latest.get(f"m{k}") == expected_last for k in range(min(keys_per, cfg.batch_size)))
    points = ok * cfg.batch_size
    return {
        "clients": cfg.clients,
        "batch_size": cfg.batch_size,
        "warmup_batches": cfg.clients * w,
        "batches_sent": cfg.clients * cfg.ingest_batches,
        "batches_ok": ok,
        "batches_failed": failed,
        "errors": errors,
        "points_acknowledged": points,
        "seconds": round(elapsed, 3),
        "points_per_sec": round(points / elapsed, 1) if elapsed > 0 else None,
        "batch_latency_p50_ms": round(pct(lat, 50) * 1000, 2) if lat else None,
        "batch_latency_p95_ms": round(pct(lat, 95) * 1000, 2) if lat else None,
        "latest_step_verified": verified,
        "memory": sampler.result(),
    }


def phase_history(server: Server, cfg: Config) -> dict[str, Any]:
    eid = create_experiment(server, "bench-history")
    run_id = create_run(server, eid, "history", T0)
    n = cfg.history_steps
    bodies = []
    for b in range(0, n, 1000):
        metrics = [{"key": "loss", "value": 1.0 / (s + 1), "timestamp": T0 + s, "step": s} for s in range(b, min(n, b + 1000))]
        bodies.append(json.dumps({"run_id": run_id, "metrics": metrics}).encode())
    url = server.base + API + "/runs/log-batch"

    def send(body: bytes) -> None:
        r = session().post(url, data=body, headers=JSON_HEADERS, timeout=600)
        if r.status_code != 200:
            raise RuntimeError(f"{server.name} log-batch (history) -> {r.status_code}: {r.text[:300]}")

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(cfg.clients) as pool:
        list(pool.map(send, bodies))
    load_s = time.perf_counter() - t

    def fetch() -> tuple[float, int, int]:
        s = requests.Session()
        s.auth = _current_auth
        t0 = time.perf_counter()
        token: str | None = None
        count = pages = 0
        steps_sum = 0
        while True:
            params = {"run_id": run_id, "metric_key": "loss", "max_results": HISTORY_PAGE}
            if token:
                params["page_token"] = token
            r = s.get(server.base + API + "/metrics/get-history", params=params, timeout=600)
            if r.status_code != 200:
                raise RuntimeError(f"{server.name} get-history -> {r.status_code}: {r.text[:300]}")
            body = r.json()
            page = body.get("metrics", [])
            count += len(page)
            steps_sum += sum(int(m["step"]) for m in page)
            pages += 1
            token = body.get("next_page_token") or None
            if not token:
                break
            if pages > n // max(1, HISTORY_PAGE) + 5:
                raise RuntimeError(f"{server.name} get-history: too many pages (token loop?)")
        elapsed = time.perf_counter() - t0
        s.close()
        if count != n or steps_sum != n * (n - 1) // 2:
            raise RuntimeError(f"{server.name} get-history returned {count} points (expected {n}) or wrong steps")
        return elapsed, count, pages

    times = []
    pages = 0
    with MemorySampler(server, cfg.sample_interval) as sampler:
        fetch()  # warm-up (first read of the table pages)
        for _ in range(cfg.history_repeats):
            elapsed, _count, pages = fetch()
            times.append(elapsed)
    return {
        "steps": n,
        "page_size": HISTORY_PAGE,
        "pages": pages,
        "load_seconds": round(load_s, 2),
        "fetch_seconds": [round(x, 3) for x in times],
        "fetch_median_s": round(statistics.median(times), 3),
        "fetch_min_s": round(min(times), 3),
        "memory": sampler.result(),
    }


# -- search data: generated once from a fixed seed, inserted identically in both servers


@dataclass
class SearchRun:
    run_uuid: str
    name: str
    start_time: int
    metrics: dict[str, float]
    params: dict[str, str]


def search_dataset(n: int) -> list[SearchRun]:
    rng = random.Random(20240601)
    out = []
    for i in range(n):
        out.append(
            SearchRun(
                run_uuid=f"{rng.getrandbits(128):032x}",
                name=f"run-{i:06d}",
                start_time=T0 + i * 1000,
                metrics={"m1": rng.random(), "m2": rng.random(), "m3": rng.random()},
                params={"p1": rng.choice("abcd"), "p2": str(rng.randint(1, 1000)), "p3": rng.choice(["adam", "sgd", "rmsprop"])},
            )
        )
    return out


@dataclass
class SearchShape:
    name: str
    order_by: list[str]
    sort_key: Callable[[SearchRun], Any]


SEARCH_SHAPES = [
    # the query of the issue: a metric and a param in the filter, ordered by another metric
    SearchShape("order_by_metric", ["metrics.m2 DESC"], lambda r: -r.metrics["m2"]),
    # control: the same filter in MLflow's default order (start_time DESC); no metric join for the ordering
    SearchShape("order_by_start_time", ["attributes.start_time DESC"], lambda r: -r.start_time),
]


def expected_search(data: list[SearchRun], shape: SearchShape) -> list[str]:
    hits = [r for r in data if r.metrics["m1"] > 0.5 and r.params["p1"] == "a"]
    hits.sort(key=shape.sort_key)
    return [r.name for r in hits[:SEARCH_MAX_RESULTS]]


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, bool, bool, bool]]:
    """(name, notnull, has_default, is_rowid_pk) for each column of a table."""
    rows = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    if not rows:
        raise RuntimeError(f"table {table} not found in the server's database")
    pk_cols = [r for r in rows if r[5] > 0]
    out = []
    for _cid, name, ctype, notnull, default, pk in rows:
        rowid = pk > 0 and len(pk_cols) == 1 and str(ctype).upper() == "INTEGER"
        out.append((name, bool(notnull), default is not None, rowid))
    return out


def bulk_insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> int:
    """Insert rows, writing every column the table has among the keys given; refuse when a required column
    of the server's schema is not one we know how to fill (the schema changed: fix the benchmark)."""
    if not rows:
        return 0
    cols = table_columns(conn, table)
    have = set(rows[0])
    names = [c[0] for c in cols if c[0] in have]
    missing = [c[0] for c in cols if c[1] and not c[2] and not c[3] and c[0] not in have]
    if missing:
        raise RuntimeError(f"table {table}: required columns {missing} are unknown to the benchmark")
    sql = f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in names)}) VALUES ({", ".join("?" for _ in names)})'
    conn.executemany(sql, ([r[n] for n in names] for r in rows))
    return len(rows)


def populate_db(server: Server, experiment_id: str, data: list[SearchRun]) -> dict[str, Any]:
    """Write the runs straight into the server's own SQLite schema (the server is stopped)."""
    conn = sqlite3.connect(server.db_path)
    try:
        (artifact_location,) = conn.execute(
            "SELECT artifact_location FROM experiments WHERE experiment_id = ?", (int(experiment_id),)
        ).fetchone()
        runs, tags, params, metrics, latest = [], [], [], [], []
        for r in data:
            runs.append(
                {
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
                    "experiment_id": int(experiment_id),
                    "deleted_time": None,
                }
            )
            tags.append({"run_uuid": r.run_uuid, "key": "mlflow.runName", "value": r.name})
            tags.append({"run_uuid": r.run_uuid, "key": "mlflow.user", "value": "bench"})
            for k, v in r.params.items():
                params.append({"run_uuid": r.run_uuid, "key": k, "value": v})
            for k, v in r.metrics.items():
                row = {"run_uuid": r.run_uuid, "key": k, "value": v, "timestamp": r.start_time, "step": 0, "is_nan": 0}
                metrics.append(row)
                # Bosun keeps the run's experiment on its latest values (migration 0018); MLflow has no such column
                latest.append({**row, "experiment_id": int(experiment_id)})
        t = time.perf_counter()
        with conn:
            counts = {
                "runs": bulk_insert(conn, "runs", runs),
                "tags": bulk_insert(conn, "tags", tags),
                "params": bulk_insert(conn, "params", params),
                "metrics": bulk_insert(conn, "metrics", metrics),
                "latest_metrics": bulk_insert(conn, "latest_metrics", latest),
            }
        return {"method": "db", "seconds": round(time.perf_counter() - t, 2), "rows": counts}
    finally:
        conn.close()


def populate_api(server: Server, experiment_id: str, data: list[SearchRun], clients: int) -> dict[str, Any]:
    """Create every run with runs/create and log its metrics, params and tags with one log-batch."""

    def one(r: SearchRun) -> None:
        run_id = create_run(server, experiment_id, r.name, r.start_time)
        body = {
            "run_id": run_id,
            "metrics": [{"key": k, "value": v, "timestamp": r.start_time, "step": 0} for k, v in r.metrics.items()],
            "params": [{"key": k, "value": v} for k, v in r.params.items()],
            "tags": [{"key": "mlflow.user", "value": "bench"}],
        }
        api(server, "POST", "/runs/log-batch", body)
        api(server, "POST", "/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": r.start_time + 500})

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(clients) as pool:
        for _ in pool.map(one, data, chunksize=64):
            pass
    return {"method": "api", "seconds": round(time.perf_counter() - t, 2), "rows": {"runs": len(data)}}


def search_once(
    server: Server, experiment_id: str, shape: SearchShape, s: requests.Session
) -> tuple[float, list[str], dict[str, Any]]:
    body = json.dumps(
        {
            "experiment_ids": [experiment_id],
            "filter": SEARCH_FILTER,
            "order_by": shape.order_by,
            "max_results": SEARCH_MAX_RESULTS,
            "run_view_type": "ACTIVE_ONLY",
        }
    ).encode()
    t = time.perf_counter()
    r = s.post(server.base + API + "/runs/search", data=body, headers=JSON_HEADERS, timeout=3600)
    elapsed = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{server.name} runs/search -> {r.status_code}: {r.text[:300]}")
    out = r.json()
    names = [run["info"].get("run_name", "") for run in out.get("runs", [])]
    return elapsed, names, out


def check_run_shape(server: Server, sample: SearchRun, found: dict[str, Any]) -> None:
    """A populated run must read back through the API like one the server wrote itself."""
    data = found.get("data", {})
    metrics = {m["key"]: float(m["value"]) for m in data.get("metrics", [])}
    params = {p["key"]: p["value"] for p in data.get("params", [])}
    tags = {t["key"]: t["value"] for t in data.get("tags", [])}
    problems = []
    if metrics != sample.metrics:
        problems.append(f"metrics {metrics} != {sample.metrics}")
    if params != sample.params:
        problems.append(f"params {params} != {sample.params}")
    if tags.get("mlflow.runName") != sample.name:
        problems.append(f"tag mlflow.runName {tags.get('mlflow.runName')!r}")
    if found["info"].get("status") != "FINISHED":
        problems.append(f"status {found['info'].get('status')!r}")
    if problems:
        raise RuntimeError(f"{server.name}: populated run reads back wrong: {'; '.join(problems)}")


def time_search_shape(
    server: Server, cfg: Config, eid: str, shape: SearchShape, data: list[SearchRun]
) -> dict[str, Any]:
    """One query checked against the answer computed here, warm-up, then timed sequential queries.

    Timed queries stop at BENCH_SEARCH_QUERIES, or once BENCH_SEARCH_BUDGET_S is spent and at least
    BENCH_SEARCH_MIN_QUERIES were timed (a server taking minutes per query still gets measured, just fewer
    times). Warm-up (BENCH_SEARCH_WARMUP queries) is skipped only when the checked query took longer than
    BENCH_SEARCH_WARMUP_SKIP_S: a query that slow is not waiting on cold caches, and warming would cost minutes.
    """
    expected = expected_search(data, shape)
    s = requests.Session()
    s.auth = _current_auth
    first_s, names, out = search_once(server, eid, shape, s)
    if names != expected:
        first_bad = next((i for i, (a, b) in enumerate(zip(names, expected)) if a != b), min(len(names), len(expected)))
        raise RuntimeError(
            f"{server.name}: search {shape.name} returned {len(names)} runs, differing from the expected answer at rank {first_bad}"
        )
    by_name = {r.name: r for r in data}
    if out.get("runs"):
        check_run_shape(server, by_name[names[0]], out["runs"][0])
    warm = 0
    if first_s <= cfg.search_warmup_skip_s:
        for _ in range(cfg.search_warmup):
            search_once(server, eid, shape, s)
            warm += 1
    lat: list[float] = []
    t_start = time.perf_counter()
    with MemorySampler(server, cfg.sample_interval) as sampler:
        while len(lat) < cfg.search_queries:
            if len(lat) >= cfg.search_min_queries and time.perf_counter() - t_start > cfg.search_budget_s:
                break
            elapsed, names, _ = search_once(server, eid, shape, s)
            if names != expected:
                raise RuntimeError(f"{server.name}: search {shape.name} answer changed between queries")
            lat.append(elapsed)
    s.close()
    return {
        "order_by": shape.order_by,
        "results_verified": True,
        "returned": len(expected),
        "first_query_ms": round(first_s * 1000, 2),
        "warmup": warm,
        "queries": len(lat),
        "budget_cut": len(lat) < cfg.search_queries,
        "p50_ms": round(pct(lat, 50) * 1000, 2),
        "p95_ms": round(pct(lat, 95) * 1000, 2),
        "mean_ms": round(statistics.mean(lat) * 1000, 2),
        "min_ms": round(min(lat) * 1000, 2),
        "max_ms": round(max(lat) * 1000, 2),
        "latencies_ms": [round(x * 1000, 2) for x in lat],
        "memory": sampler.result(),
    }


def phase_search(server: Server, cfg: Config, data: list[SearchRun]) -> dict[str, Any]:
    result: dict[str, Any] = {"runs": len(data), "filter": SEARCH_FILTER, "max_results": SEARCH_MAX_RESULTS}
    eid = create_experiment(server, "bench-search")
    if cfg.populate == "db":
        server.stop()
        result["populate"] = populate_db(server, eid, data)
        result["restart_seconds"] = round(server.start(), 2)
    else:
        result["populate"] = populate_api(server, eid, data, cfg.clients)
    log(f"{server.name}: populated {len(data)} runs ({result['populate']['method']}) in {result['populate']['seconds']}s")
    for shape in SEARCH_SHAPES:
        res = time_search_shape(server, cfg, eid, shape, data)
        result[shape.name] = res
        log(
            f"{server.name}: search {shape.name}: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms "
            f"({res['queries']} queries; first {res['first_query_ms']} ms)"
        )
    return result


# ----------------------------------------------------------------------------------------------- driver

_running: list[Server] = []


def _stop_all() -> None:
    for server in list(_running):
        try:
            server.stop()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            print(f"warning: stopping {server.name}: {e!r}", file=sys.stderr)


def make_server(kind: str, cfg: Config, workdir: Path) -> Server:
    if kind == "mlflow":
        return MlflowServer(cfg, workdir)
    if kind == "mlflow-pysqlite3":
        return MlflowPysqlite3Server(cfg, workdir)
    if kind == "bosun-auth":
        return BosunAuthServer(cfg, workdir)
    return BosunServer(cfg, workdir)


def bench_server(kind: str, cfg: Config, data: list[SearchRun], tmp_root: Path) -> dict[str, Any]:
    global _current_auth
    workdir = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=tmp_root))
    server = make_server(kind, cfg, workdir)
    out: dict[str, Any] = {"label": TARGETS[kind], "server": server.describe()}
    _running.append(server)
    try:
        log(f"{kind}: starting ({out['server'].get('version')}, SQLite {out['server'].get('sqlite')})")
        out["startup_seconds"] = round(server.start(), 2)
        _current_auth = server.auth
        idle = server.idle_memory()
        out["memory_idle"] = idle
        log(
            f"{kind}: up in {out['startup_seconds']}s; idle RSS {idle['rss_mb']} MB in {idle['processes']} processes "
            f"({idle['serving_rss_mb']} MB in the {idle['serving_processes']} serving HTTP)"
        )

        if cfg.ingest_batches > 0:
            log(f"{kind}: ingestion, {cfg.clients} clients x {cfg.ingest_batches} batches x {cfg.batch_size} metrics")
            ing = out["ingest"] = phase_ingest(server, cfg)
            log(
                f"{kind}: {ing['points_per_sec']} points/s ({ing['batches_failed']} failed batches), "
                f"peak RSS {ing['memory']['peak_rss_mb']} MB"
            )

        if cfg.history_steps > 0:
            log(f"{kind}: metric history of {cfg.history_steps} steps")
            out["history"] = phase_history(server, cfg)
            log(f"{kind}: history fetch median {out['history']['fetch_median_s']}s over {out['history']['pages']} pages")

        out["memory_after_load"] = server.idle_memory(settle=2.0)

        if cfg.runs > 0:
            log(f"{kind}: search over {cfg.runs} runs")
            out["search"] = phase_search(server, cfg, data)
        out["memory_final"] = server.memory_snapshot()
        out["db_bytes"] = sum(p.stat().st_size for p in workdir.glob("tracking.db*"))
    finally:
        server.stop()
        _running.remove(server)
        if not cfg.keep_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def get(d: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


# label, path into a target's results, unit, and which way is better ("higher" or "lower")
ROWS: list[tuple[str, tuple[str, ...], str, str]] = [
    ("ingest: metric points/s (log-batch, concurrent clients)", ("ingest", "points_per_sec"), "pts/s", "higher"),
    ("ingest: log-batch latency p50", ("ingest", "batch_latency_p50_ms"), "ms", "lower"),
    ("ingest: log-batch latency p95", ("ingest", "batch_latency_p95_ms"), "ms", "lower"),
    ("search (order by metric): p50", ("search", "order_by_metric", "p50_ms"), "ms", "lower"),
    ("search (order by metric): p95", ("search", "order_by_metric", "p95_ms"), "ms", "lower"),
    ("search (order by start_time): p50", ("search", "order_by_start_time", "p50_ms"), "ms", "lower"),
    ("search (order by start_time): p95", ("search", "order_by_start_time", "p95_ms"), "ms", "lower"),
    ("history: fetch all steps (median)", ("history", "fetch_median_s"), "s", "lower"),
    ("memory: idle RSS, whole process tree", ("memory_idle", "rss_mb"), "MB", "lower"),
    ("memory: idle PSS, whole process tree", ("memory_idle", "pss_mb"), "MB", "lower"),
    ("memory: idle RSS, HTTP-serving processes", ("memory_idle", "serving_rss_mb"), "MB", "lower"),
    ("memory: peak RSS in ingestion, whole tree", ("ingest", "memory", "peak_rss_mb"), "MB", "lower"),
    ("memory: peak RSS in ingestion, HTTP-serving", ("ingest", "memory", "peak_serving_rss_mb"), "MB", "lower"),
    ("memory: peak RSS in search, whole tree", ("search", "order_by_metric", "memory", "peak_rss_mb"), "MB", "lower"),
    ("processes at idle (serving HTTP)", ("memory_idle", "processes"), "", "none"),
    ("startup to /health", ("startup_seconds",), "s", "lower"),
]


def advantage(bosun: Any, other: Any, better: str) -> float | None:
    """How many times better Bosun is than `other` (>1: Bosun better), in the row's direction."""
    if better == "higher":
        return ratio(bosun, other)
    if better == "lower":
        return ratio(other, bosun)
    return None


def summary_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for label, path, unit, better in ROWS:
        values = {k: get(v, *path) for k, v in results.items()}
        if all(v is None for v in values.values()):
            continue
        row: dict[str, Any] = {"metric": label, "unit": unit, "better": better, "values": values}
        if path == ("memory_idle", "processes"):
            row["values"] = {k: f"{v} ({get(results[k], 'memory_idle', 'serving_processes')})" for k, v in values.items()}
        if "bosun" in results:
            row["bosun_advantage_x"] = {
                k: advantage(values.get("bosun"), v, better) for k, v in values.items() if k != "bosun"
            }
        rows.append(row)
    return rows


def fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:g}"
    if isinstance(v, int) and abs(v) >= 10000:
        return f"{v:,}"
    return str(v)


def render_table(rows: list[dict[str, Any]], results: dict[str, Any]) -> list[str]:
    kinds = list(results)
    others = [k for k in kinds if k != "bosun"] if "bosun" in kinds else []
    head = ["Metric", "Unit", *[TARGETS[k] for k in kinds], *[f"Bosun vs {TARGETS[k]}" for k in others]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(kinds) + len(others))]
    for r in rows:
        cells = [r["metric"], r["unit"], *[fmt(r["values"].get(k)) for k in kinds]]
        for k in others:
            adv = r.get("bosun_advantage_x", {}).get(k)
            cells.append(f"{adv:g}×" if adv is not None else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def targets_check(results: dict[str, Any]) -> list[dict[str, Any]]:
    b = results.get("bosun")
    if not b:
        return []
    out = []
    for kind, m in results.items():
        if kind.startswith("bosun"):
            continue
        checks = [
            ("ingestion rate ≥ 10×", ratio(get(b, "ingest", "points_per_sec"), get(m, "ingest", "points_per_sec")), 10.0),
            (
                "search p95 (order by metric) ≥ 10× lower",
                ratio(get(m, "search", "order_by_metric", "p95_ms"), get(b, "search", "order_by_metric", "p95_ms")),
                10.0,
            ),
            (
                "memory ≤ 1/5: peak RSS in ingestion, whole tree",
                ratio(get(m, "ingest", "memory", "peak_rss_mb"), get(b, "ingest", "memory", "peak_rss_mb")),
                5.0,
            ),
            (
                "memory ≤ 1/5: peak RSS in ingestion, HTTP-serving processes only",
                ratio(get(m, "ingest", "memory", "peak_serving_rss_mb"), get(b, "ingest", "memory", "peak_serving_rss_mb")),
                5.0,
            ),
        ]
        for target, r, need in checks:
            out.append({"against": kind, "target": target, "ratio": r, "needed": need, "met": r is not None and r >= need})
    return out


def machine_info() -> dict[str, Any]:
    cpu = ""
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in (_read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "driver_python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write_reports(cfg: Config, report: dict[str, Any], table: list[str], started: dt.datetime) -> Path:
    cfg.results_dir.mkdir(parents=True, exist_ok=True)
    json_path = cfg.results_dir / f"{started.strftime('%Y-%m-%d')}-tracking.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    info = report["machine"]
    md = [
        f"# Tracking benchmark — {started.strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Machine: {info['cpu']} ({info['cpus']} CPUs), {info['memory_gb']} GB RAM; load average "
        f"{info['loadavg_at_start'][0]} at start, {info['loadavg_at_end'][0]} at end (the machine was shared).",
        "",
        f"Sizes: ingestion {cfg.clients} clients × {cfg.ingest_batches} batches × {cfg.batch_size} metrics; "
        f"search over {cfg.runs:,} runs (populated via {cfg.populate}; up to {cfg.search_queries} timed queries "
        f"per shape, at least {cfg.search_min_queries}, {cfg.search_budget_s:g} s budget); history "
        f"{cfg.history_steps:,} steps in pages of {HISTORY_PAGE} (median of {cfg.history_repeats}).",
        "",
    ]
    for kind, res in report["results"].items():
        srv = res.get("server", {})
        idle = res.get("memory_idle", {})
        md.append(
            f"- **{TARGETS[kind]}** {srv.get('version', '')}, SQLite {srv.get('sqlite', '?')}: `{srv.get('command', '')}` — "
            f"{idle.get('processes')} processes at idle, {idle.get('serving_processes')} of them serving HTTP"
        )
        s = res.get("search", {})
        for shape in SEARCH_SHAPES:
            sh = s.get(shape.name)
            if sh:
                md.append(f"  - search {shape.name}: {sh['queries']} timed queries, {sh['warmup']} warm-up, first {sh['first_query_ms']} ms")
    md += ["", *table, ""]
    if report["targets"]:
        md += ["Targets from the issue:", ""]
        md += [
            f"- {'met' if c['met'] else '**missed**'} vs {TARGETS[c['against']]}: {c['target']} — {c['ratio']}× (needs {c['needed']:g}×)"
            for c in report["targets"]
        ]
        md.append("")
    rel = json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path
    md.append(f"Full figures, per-process memory and every latency sample: `{rel}`.")
    (cfg.results_dir / "latest.md").write_text("\n".join(md) + "\n")
    return json_path


def main() -> int:
    cfg = Config.from_env()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = dt.datetime.now(dt.timezone.utc)
    info = machine_info()
    shown_cfg = {k: (str(v) if isinstance(v, Path) else v) for k, v in cfg.__dict__.items()}
    log(f"config: {json.dumps(shown_cfg)}")
    log(f"machine: {info}")
    data = search_dataset(cfg.runs)
    tmp_root = Path(tempfile.mkdtemp(prefix="bosun-bench-"))
    results: dict[str, Any] = {}
    try:
        for kind in cfg.targets:
            results[kind] = bench_server(kind, cfg, data, tmp_root)
    finally:
        _stop_all()
        if not cfg.keep_tmp:
            shutil.rmtree(tmp_root, ignore_errors=True)
    info["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]

    rows = summary_rows(results)
    checks = targets_check(results)
    report = {
        "benchmark": "tracking",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": info,
        "config": {k: v for k, v in shown_cfg.items() if k != "results_dir"},
        "summary": rows,
        "targets": checks,
        "results": results,
    }
    table = render_table(rows, results)
    print()
    print("\n".join(table))
    if checks:
        print()
        for c in checks:
            print(f"  {'MET ' if c['met'] else 'MISS'}  vs {c['against']}: {c['target']}: {c['ratio']}× (needs {c['needed']:g}×)")
    json_path = write_reports(cfg, report, table, started)
    log(f"wrote {json_path} and {cfg.results_dir / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
