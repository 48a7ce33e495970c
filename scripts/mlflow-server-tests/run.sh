#!/usr/bin/env bash
# Runs MLflow's own server tests against Bosun or against MLflow's own server; see README.md.
#
#   MLFLOW_SERVER_TESTS_DIR=/path/to/checkout scripts/mlflow-server-tests/run.sh bosun|mlflow|mlflow-fixture [pytest args]
#
# The checkout (outside this repository) holds tests/tracking/test_rest_tracking.py,
# tests/tracking/test_model_registry.py, the parts of MLflow's tests/ they import, and a venv/ with the mlflow
# release that matches them. Without pytest arguments both files run; --results-json FILE records each outcome.
set -euo pipefail

target=${1:?usage: run.sh bosun|mlflow|mlflow-fixture [pytest args]}
shift
here=$(cd "$(dirname "$0")" && pwd)
checkout=${MLFLOW_SERVER_TESTS_DIR:?set MLFLOW_SERVER_TESTS_DIR to the checkout of MLflow tests (see README.md)}
python=${MLFLOW_SERVER_TESTS_PYTHON:-$checkout/venv/bin/python}

args=(-p server_under_test --server-under-test "$target" -p no:cacheprovider -q -rfE)
# Optional plugins, used only when the checkout's environment has them.
if "$python" -c 'import pytest_timeout' 2>/dev/null; then
  args+=(--timeout "${MLFLOW_SERVER_TESTS_TIMEOUT:-900}")
fi
if [ -n "${MLFLOW_SERVER_TESTS_WORKERS:-}" ] && "$python" -c 'import xdist' 2>/dev/null; then
  args+=(-n "$MLFLOW_SERVER_TESTS_WORKERS")
fi
if [ $# -eq 0 ]; then
  set -- tests/tracking/test_rest_tracking.py tests/tracking/test_model_registry.py
fi

cd "$checkout"
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec "$python" -m pytest "${args[@]}" "$@"
