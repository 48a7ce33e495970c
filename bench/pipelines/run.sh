#!/usr/bin/env bash
# Orchestration overhead per no-op step: Bosun (local, and with 3 workers on PostgreSQL), Prefect and Airflow on
# the same DAGs (N no-op steps, wide and deep), on this machine, in one run. See docs/benchmarks.md
# ("Pipelines: orchestration overhead beside Prefect and Airflow").
#
#   bench/pipelines/run.sh                 # N=1000; writes bench/results/pipelines-overhead-<date>.{json,md}
#   BENCH_N=100 bench/pipelines/run.sh     # a smoke run
#
# Settings: BENCH_N (1000), BENCH_PARALLEL (16: Bosun's maxParallel and Prefect's thread pool),
# BENCH_TARGETS (bosun,bosun-workers,prefect,airflow), BENCH_PG_URI (default BOSUN_TEST_PG_URI; without one
# bosun-workers is left out), BENCH_WORKERS (3), BENCH_PYTHON (python3.11), BENCH_RESULTS_DIR (bench/results),
# BENCH_AIRFLOW_DEEP_N (default N: Airflow's dag.test() takes ~6.7 s per task of a 1,000-task chain here),
# BENCH_NOOP_MS (default: measured once by bench/pipelines/noop_baseline.py; the same figure for every target).
set -euo pipefail
cd "$(dirname "$0")/../.."

N="${BENCH_N:-1000}"
PARALLEL="${BENCH_PARALLEL:-16}"
TARGETS="${BENCH_TARGETS:-bosun,bosun-workers,prefect,airflow}"
PG_URI="${BENCH_PG_URI:-${BOSUN_TEST_PG_URI:-}}"
WORKERS="${BENCH_WORKERS:-3}"
PY="${BENCH_PYTHON:-python3.11}"
RESULTS="${BENCH_RESULTS_DIR:-bench/results}"
STAMP="$(date -u +%Y-%m-%d)"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/bosun-bench-pipelines-XXXXXX")"
SAMPLER=""
# `|| true`: under `set -e` a failing command in the trap ends the script with its status, here 1 (kill of a sampler
# already stopped), before `rm` runs: every complete run exited 1 and left its folder in the temporary folder.
trap 'if [[ -n "$SAMPLER" ]]; then kill "$SAMPLER" 2>/dev/null || true; fi; rm -rf "$OUT"' EXIT

has() { [[ ",$TARGETS," == *",$1,"* ]]; }

# The peers' virtual environments, once, with every package pinned (pip freeze of a working install).
venv() {
  local name="$1" dir=".cache/bench-venv-$1"
  if [[ ! -x "$dir/bin/python" ]] || ! cmp -s "bench/pipelines/requirements-$name.txt" "$dir/.requirements.txt"; then
    rm -rf "$dir"
    "$PY" -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q -r "bench/pipelines/requirements-$name.txt"
    cp "bench/pipelines/requirements-$name.txt" "$dir/.requirements.txt"
  fi
}
has prefect && venv prefect
has airflow && venv airflow

# Load average every 5 s while the targets run.
( while true; do echo "$(date -u +%s) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 5; done ) > "$OUT/load.txt" &
SAMPLER=$!

# The no-op's own cost, measured once by a small fresh process and subtracted from every target's time per step.
BENCH_NOOP_MS="${BENCH_NOOP_MS:-$(python3 -I -S bench/pipelines/noop_baseline.py)}"
export BENCH_NOOP_MS
echo "== no-op alone: ${BENCH_NOOP_MS} ms (true started and waited for by a fresh python3 -I -S)" >&2

run() { # target, command...
  local target="$1"; shift
  echo "== $target (N=$N)" >&2
  local start; start="$(date -u +%s)"
  # A target that fails (or is stopped) leaves the others' figures: the report lists what finished.
  if "$@" > "$OUT/$target.json"; then
    echo "   $(( $(date -u +%s) - start )) s" >&2
  else
    echo "   $target failed after $(( $(date -u +%s) - start )) s" >&2
  fi
}
has bosun && run bosun npx tsx bench/pipeline-overhead.ts "$N" "$PARALLEL" --json
if has bosun-workers; then
  if [[ -n "$PG_URI" ]]; then
    BENCH_PG_URI="$PG_URI" run bosun-workers npx tsx bench/pipeline-overhead.ts "$N" "$PARALLEL" --json --workers "$WORKERS"
  else
    echo "== bosun-workers left out: no BENCH_PG_URI" >&2
  fi
fi
has prefect && run prefect .cache/bench-venv-prefect/bin/python bench/pipelines/prefect_overhead.py "$N" "$PARALLEL"
has airflow && run airflow env BENCH_AIRFLOW_DEEP_N="${BENCH_AIRFLOW_DEEP_N:-$N}" .cache/bench-venv-airflow/bin/python bench/pipelines/airflow_overhead.py "$N"
kill "$SAMPLER" 2>/dev/null || true

mkdir -p "$RESULTS"
"$PY" bench/pipelines/report.py "$OUT" "$RESULTS/pipelines-overhead-$STAMP.json" "$RESULTS/pipelines-overhead-$STAMP.md" "$(git rev-parse --short HEAD)"
cat "$RESULTS/pipelines-overhead-$STAMP.md"
