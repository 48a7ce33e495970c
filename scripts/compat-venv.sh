#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment the MLflow compatibility suite runs in.
#
# Usage: scripts/compat-venv.sh VERSION_TAG DIR
#   VERSION_TAG  mlflow3 | mlflow2 (also accepted: 3, 2, v3, v2)
#   DIR          where the venv lives; created if missing
# Prints the venv's python interpreter path on stdout (everything else goes to stderr), e.g.
#   py=$(scripts/compat-venv.sh mlflow3 .venv-compat-3) && "$py" -m pytest tests/compat
#
# The venv is reused without touching the network when DIR/.bosun-compat-stamp holds the hash of the
# requirements file plus the interpreter version; otherwise the pinned requirements are (re)installed
# into it (an existing venv is upgraded in place, not recreated) and the stamp is rewritten.
# Env: PYTHON (interpreter used to create the venv; default python3.11, else python3).
set -euo pipefail

tag=${1:?usage: compat-venv.sh mlflow3|mlflow2 DIR}
dir=${2:?usage: compat-venv.sh mlflow3|mlflow2 DIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "$tag" in
mlflow3 | 3 | v3) req="$root/tests/compat/requirements-mlflow3.txt" ;;
mlflow2 | 2 | v2) req="$root/tests/compat/requirements-mlflow2.txt" ;;
*)
  echo "compat-venv.sh: unknown version tag '$tag' (expected mlflow3 or mlflow2)" >&2
  exit 2
  ;;
esac
[ -f "$req" ] || { echo "compat-venv.sh: missing $req" >&2; exit 1; }

if [ -n "${PYTHON:-}" ]; then
  base_python=$PYTHON
elif command -v python3.11 >/dev/null 2>&1; then
  base_python=python3.11
else
  base_python=python3
fi

mkdir -p "$(dirname "$dir")"
dir=$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")
stamp="$dir/.bosun-compat-stamp"
py="$dir/bin/python"

# Two test runs may prepare the same venv at once: serialise them.
lock="$dir.lock"
exec 9>"$lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

req_hash() {
  # The interpreter version is part of the stamp: a venv built by another Python is rebuilt.
  { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1
}

if [ -x "$py" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(req_hash)" ]; then
  echo "compat-venv.sh: reusing $dir ($(basename "$req"))" >&2
  echo "$py"
  exit 0
fi

if [ ! -x "$py" ] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "compat-venv.sh: creating $dir with $base_python" >&2
  "$base_python" -m venv --clear "$dir"
fi

echo "compat-venv.sh: installing $(basename "$req") into $dir" >&2
"$py" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2

# Fail here, not in the middle of the suite, if the pins did not take.
want=$(grep -E '^mlflow==' "$req" | cut -d= -f3)
got=$("$py" -c 'import mlflow; print(mlflow.__version__)')
if [ "$got" != "$want" ]; then
  echo "compat-venv.sh: expected mlflow $want in $dir, found $got" >&2
  exit 1
fi

req_hash >"$stamp"
echo "compat-venv.sh: ready: $dir (mlflow $got)" >&2
echo "$py"
