#!/usr/bin/env bash
# Tracking benchmark: MLflow server vs Bosun, both on SQLite, on this machine. See bench/README.md.
#
#   bench/run.sh                                   # full run (several minutes)
#   BENCH_RUNS=2000 BENCH_HISTORY_STEPS=5000 BENCH_INGEST_BATCHES=3 BENCH_SEARCH_QUERIES=5 bench/run.sh   # smoke run
#
# It (a) creates or reuses a venv at .cache/bench-venv with the pinned MLflow server, (b) builds Bosun,
# (c) runs bench/run_bench.py, which starts each server on a free port with a fresh temporary directory,
# prints a table and writes bench/results/<date>-tracking.json and bench/results/latest.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MLFLOW_VERSION="${BENCH_MLFLOW_VERSION:-3.17.2}" # 3.18.0 does not install here; keep the pin explicit
VENV="${BENCH_VENV:-$ROOT/.cache/bench-venv}"
PYTHON="${BENCH_PYTHON:-python3}"

TARGETS=",${BENCH_TARGETS:-mlflow,mlflow-pysqlite3,bosun,bosun-auth},"
want_mlflow=0
case "$TARGETS" in *,mlflow,* | *,mlflow-pysqlite3,*) want_mlflow=1 ;; esac
want_bosun=0
case "$TARGETS" in *,bosun,* | *,bosun-auth,*) want_bosun=1 ;; esac

# (a) the MLflow server, pinned, in its own venv (skipped when BENCH_MLFLOW_BIN points at an existing one)
if [[ $want_mlflow == 1 && -z "${BENCH_MLFLOW_BIN:-}" ]]; then
  installed=""
  if [[ -x "$VENV/bin/python" ]]; then
    installed="$("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)' 2>/dev/null || true)"
  fi
  if [[ "$installed" != "$MLFLOW_VERSION" ]] || ! "$VENV/bin/python" -c 'import pysqlite3' 2>/dev/null; then
    echo "== installing mlflow==$MLFLOW_VERSION and pysqlite3-binary into $VENV (once; takes a few minutes)"
    "$PYTHON" -m venv "$VENV"
    # pysqlite3-binary: a recent SQLite for the `mlflow-pysqlite3` target (see bench/README.md)
    "$VENV/bin/python" -m pip install --quiet "mlflow==$MLFLOW_VERSION" requests pysqlite3-binary
  fi
  export BENCH_MLFLOW_BIN="$VENV/bin/mlflow"
fi

# the driver needs only the standard library and requests: use the venv's interpreter when there is one
DRIVER_PY="$PYTHON"
if [[ -n "${BENCH_MLFLOW_BIN:-}" && -x "$(dirname "$BENCH_MLFLOW_BIN")/python" ]]; then
  DRIVER_PY="$(dirname "$BENCH_MLFLOW_BIN")/python"
fi
if ! "$DRIVER_PY" -c 'import requests' 2>/dev/null; then
  echo "error: $DRIVER_PY has no 'requests' module (pip install requests, or set BENCH_PYTHON)" >&2
  exit 1
fi

# (b) Bosun, built from this checkout
if [[ $want_bosun == 1 ]]; then
  if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    echo "== npm run build"
    npm run build --silent
  fi
  if [[ -z "${BENCH_BOSUN_CMD:-}" && ! -f "$ROOT/dist/cli/main.js" ]]; then
    echo "error: dist/cli/main.js is missing after the build" >&2
    exit 1
  fi
fi

# (c)-(e) run, print, record
echo "== running the benchmark with $DRIVER_PY"
exec "$DRIVER_PY" "$ROOT/bench/run_bench.py"
