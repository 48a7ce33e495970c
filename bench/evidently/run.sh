#!/usr/bin/env bash
# Evidently DataDriftPreset vs `bosun drift` on the same files, in the same run, on this machine.
#
#   bench/evidently/run.sh [SIZES]        # default: 10000,100000,1000000 rows per side
#
# Creates .cache/venv-evidently (Python venv, evidently pinned below, from PyPI) when it is missing, then runs
# bench/evidently/compare.py with it: it generates the datasets, runs both tools on each size (each in its own
# process, timed, peak RSS measured), compares column by column, and writes bench/results/evidently-*.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVIDENTLY_VERSION=0.7.21 # the version ../shared/reference/drift.md documents
# evidently 0.7.21 declares no upper bound on pandas, but fails to import under pandas 3 (ImportError:
# cannot import name 'infer_dtype_from_object' from 'pandas.core.dtypes.common'): pin the last 2.x.
PANDAS_VERSION=2.3.3
VENV=.cache/venv-evidently
if ! "$VENV/bin/python" -c "import evidently, pandas, sys; sys.exit(evidently.__version__ != '$EVIDENTLY_VERSION' or pandas.__version__ != '$PANDAS_VERSION')" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check -q "evidently==$EVIDENTLY_VERSION" "pandas==$PANDAS_VERSION"
fi
exec "$VENV/bin/python" bench/evidently/compare.py "${1:-10000,100000,1000000}"
