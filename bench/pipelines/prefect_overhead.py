"""Prefect beside Bosun: N no-op tasks as a wide flow (all independent, submitted at once to a thread pool of
`parallel` workers) and a deep one (a chain: each task waits for the one before), each task running `true` as a
process (what a Bosun step does). Prefect's default local mode: a temporary API server on SQLite that records
every flow and task run (started once and warmed up before the clock starts). Prints one JSON object.

    .cache/bench-venv-prefect/bin/python bench/pipelines/prefect_overhead.py N PARALLEL
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
PARALLEL = int(sys.argv[2]) if len(sys.argv) > 2 else 16

home = tempfile.mkdtemp(prefix="bosun-bench-prefect-")
atexit.register(shutil.rmtree, home, ignore_errors=True)
os.environ["PREFECT_HOME"] = home
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# A busy 2-core machine takes longer than the default 20 s to start the temporary server.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import prefect  # noqa: E402
from prefect import flow, task  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402


@task
def noop() -> None:
    subprocess.run(["true"], check=True)


@flow(task_runner=ThreadPoolTaskRunner(max_workers=PARALLEL))
def wide(n: int) -> int:
    futures = [noop.submit() for _ in range(n)]
    for f in futures:
        f.result()
    return n


@flow
def deep(n: int) -> int:
    prev = None
    for _ in range(n):
        prev = noop.submit(wait_for=[prev] if prev is not None else [])
        prev.result()
    return n


def spawn_ms() -> float:
    """The no-op's own cost, the same for every target: BENCH_NOOP_MS (bench/pipelines/run.sh measures it once), or
    measured as run.sh does, by bench/pipelines/noop_baseline.py in a fresh `python3 -I -S` process."""
    given = os.environ.get("BENCH_NOOP_MS")
    if given:
        return float(given)
    baseline = os.path.join(os.path.dirname(os.path.abspath(__file__)), "noop_baseline.py")
    done = subprocess.run([sys.executable, "-I", "-S", baseline], check=True, capture_output=True, text=True)
    return float(done.stdout)


def main() -> None:
    wide(2)  # starts the temporary server, creates the tables, imports everything
    deep(2)
    noop_ms = spawn_ms()
    results = {
        "engine": "prefect",
        "version": prefect.__version__,
        "mode": f"ThreadPoolTaskRunner({PARALLEL}), temporary local server (SQLite)",
        "n": N,
        "parallel": PARALLEL,
        "noop_ms": noop_ms,
    }
    for name, fn in (("wide", wide), ("deep", deep)):
        start = time.perf_counter()
        assert fn(N) == N
        ms = (time.perf_counter() - start) * 1000
        results[name] = {"total_ms": ms, "per_step_ms": ms / N, "overhead_ms": ms / N - noop_ms}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
