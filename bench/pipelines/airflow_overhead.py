"""Airflow beside Bosun: a DAG of N no-op tasks, wide (all independent) and deep (a chain), each task running
`true` as a process (what a Bosun step does), executed with `dag.test()`: Airflow's fastest local mode, which
needs no scheduler, API server or executor process and runs the task instances one after another in this process,
recording each in the metadata database (SQLite, made with `airflow db migrate` before the clock starts).
Prints one JSON object.

    .cache/bench-venv-airflow/bin/python bench/pipelines/airflow_overhead.py N
"""

import atexit
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200

home = tempfile.mkdtemp(prefix="bosun-bench-airflow-")
atexit.register(shutil.rmtree, home, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = home
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = os.path.join(home, "dags")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home}/airflow.db"
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.makedirs(os.path.join(home, "dags"), exist_ok=True)
os.environ["BENCH_N"] = str(N)
subprocess.run(
    [os.path.join(os.path.dirname(sys.executable), "airflow"), "db", "migrate"],
    check=True,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)

import airflow  # noqa: E402

# dag.test() parses the DAG from the DAGs folder (Airflow 3 runs only serialized DAGs): the DAGs live in a file there.
DAG_FILE = """
import os
import subprocess

from airflow.sdk import DAG, task


@task
def noop() -> None:
    subprocess.run(["true"], check=True)


def build(name, n, shape):
    with DAG(dag_id=name, schedule=None, catchup=False) as dag:
        prev = None
        for i in range(n):
            t = noop.override(task_id=f"s{i}")()
            if shape == "deep" and prev is not None:
                prev >> t
            prev = t
    return dag


N = int(os.environ["BENCH_N"])
warmup = build("warmup", 2, "deep")
bench_wide = build("bench_wide", N, "wide")
bench_deep = build("bench_deep", int(os.environ.get("BENCH_AIRFLOW_DEEP_N", N)), "deep")
"""


with open(os.path.join(home, "dags", "bench_dags.py"), "w") as f:
    f.write(DAG_FILE)


def run(dag, n: int) -> dict:
    """Runs the DAG; the time is the dag run's own (start to end, as recorded), and dag.test()'s whole call."""
    start = time.perf_counter()
    dr = dag.test()
    wall_ms = (time.perf_counter() - start) * 1000
    if str(dr.state) not in ("success", "DagRunState.SUCCESS"):
        raise SystemExit(f"{dag.dag_id}: {dr.state}")
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        states = [
            str(ti.state)
            for ti in session.query(TaskInstance).filter(
                TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dr.run_id
            )
        ]
    if len(states) != n or any(s not in ("success", "TaskInstanceState.SUCCESS") for s in states):
        raise SystemExit(f"{dag.dag_id}: task states {sorted(set(states))} of {len(states)}")
    run_ms = (dr.end_date - dr.start_date).total_seconds() * 1000
    return {"total_ms": run_ms, "dag_test_ms": wall_ms}


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
    logging.getLogger("airflow").setLevel(logging.WARNING)
    sys.path.insert(0, os.path.join(home, "dags"))
    import bench_dags  # noqa: PLC0415  (the file written below)

    run(bench_dags.warmup, 2)
    noop_ms = spawn_ms()
    results = {"engine": "airflow", "version": airflow.__version__, "n": N, "mode": "dag.test()", "noop_ms": noop_ms}
    for shape in ("wide", "deep"):
        size = N if shape == "wide" else int(os.environ.get("BENCH_AIRFLOW_DEEP_N", N))
        r = run(getattr(bench_dags, f"bench_{shape}"), size)
        r.update(n=size, per_step_ms=r["total_ms"] / size, overhead_ms=r["total_ms"] / size - noop_ms)
        results[shape] = r
    print(json.dumps(results))


if __name__ == "__main__":
    main()
