#!/usr/bin/env bash
# Creates (or reuses) .cache/venv-scan-corpus, the Python environment that builds the scan benchmark's corpus
# (mlflow, scikit-learn, skops, XGBoost, LightGBM, PyTorch, Keras). Prints its python on stdout; everything
# else goes to stderr. Reused without touching the network while .bosun-corpus-stamp holds the hash of both
# requirement files and the interpreter version.
# Env: PYTHON (interpreter used to create the venv; default python3.11, else python3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
dir="$root/.cache/venv-scan-corpus"
req="$here/requirements-corpus.txt"
req_torch="$here/requirements-corpus-torch.txt"
py="$dir/bin/python"

if [ -n "${PYTHON:-}" ]; then
  base_python=$PYTHON
elif command -v python3.11 >/dev/null 2>&1; then
  base_python=python3.11
else
  base_python=python3
fi

mkdir -p "$root/.cache"
exec 9>"$dir.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

stamp_of() { { cat "$req" "$req_torch"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1; }

if [ -x "$py" ] && [ -f "$dir/.bosun-corpus-stamp" ] && [ "$(cat "$dir/.bosun-corpus-stamp")" = "$(stamp_of)" ]; then
  echo "corpus-venv.sh: reusing $dir" >&2
  echo "$py"
  exit 0
fi

if [ ! -x "$py" ] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "corpus-venv.sh: creating $dir with $base_python" >&2
  "$base_python" -m venv --clear "$dir"
fi
echo "corpus-venv.sh: installing $(basename "$req") and $(basename "$req_torch") (about 2.5 GB) into $dir" >&2
"$py" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2
"$py" -m pip install --disable-pip-version-check --no-input -q --no-deps -r "$req_torch" >&2
KERAS_BACKEND=torch "$py" -c 'import mlflow, sklearn, skops, xgboost, lightgbm, torch, keras; torch.ones(1)' >&2
stamp_of >"$dir/.bosun-corpus-stamp"
echo "corpus-venv.sh: ready: $dir" >&2
echo "$py"
