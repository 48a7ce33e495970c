#!/usr/bin/env bash
# The README's test command: lint, type-check, build, then every test suite against real SQLite, a throwaway
# PostgreSQL cluster, a throwaway S3 server (Ceph radosgw) and the real mlflow clients (newest 3.x and last
# 2.x). Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
reports="$repo/.cache/test-reports"
rm -rf "$reports" && mkdir -p "$reports"
failures=0
step() { printf '\n==> %s\n' "$*"; }

# What the run makes in the temp folder (the tests, the servers and CLIs they start, pip, pytest, Chromium) goes in
# one folder of its own, removed at exit with the test clusters: a run leaves nothing in /tmp, even when stopped.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/bosun-test-run.XXXXXX")
export TMPDIR=$run_tmp
pgdir= s3dir=
cleanup() {
  [ -z "$s3dir" ] || { bash scripts/s3-test-server.sh stop "$s3dir"; rm -rf "$s3dir"; }
  [ -z "$pgdir" ] || { bash scripts/pg-test-cluster.sh stop "$pgdir"; rm -rf "$pgdir"; }
  rm -rf "$run_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "dependencies"
[ -d node_modules/better-sqlite3/build ] || npm ci --no-audit --no-fund || exit 1
bash scripts/ensure-postgres.sh || exit 1
bash scripts/ensure-ceph.sh || exit 1
bash scripts/ensure-chromium.sh >/dev/null || exit 1 # the web UI's browser tests drive Debian's chromium

step "lint and format"
npx eslint . || failures=$((failures + 1))
npx prettier --check . >/dev/null || { npx prettier --list-different .; failures=$((failures + 1)); }

step "type-check and build"
npx tsc -p tsconfig.json --noEmit || failures=$((failures + 1))
npx tsc -p web/tsconfig.json || failures=$((failures + 1)) # the web UI (and its browser tests)
npx tsc -p examples/pipelines/tsconfig.json || failures=$((failures + 1)) # the TypeScript form of the example pipeline
npm run build --silent || exit 1

step "PostgreSQL test cluster"
pgdir=$(mktemp -d /tmp/bosun-test-pg.XXXXXX)
pgport=${BOSUN_TEST_PG_PORT:-55432}
BOSUN_TEST_PG_URI=$(bash scripts/pg-test-cluster.sh start "$pgdir" "$pgport") || { cat "$pgdir/server.log"; exit 1; }
export BOSUN_TEST_PG_URI
echo "PostgreSQL at $BOSUN_TEST_PG_URI"

step "S3 test server (Ceph radosgw)"
s3dir=$(mktemp -d /tmp/bosun-test-s3.XXXXXX)
s3port=${BOSUN_TEST_S3_PORT:-57480}
BOSUN_TEST_S3_ENDPOINT=$(bash scripts/s3-test-server.sh start "$s3dir" "$s3port") || { tail -n 30 "$s3dir"/log/*.log; exit 1; }
export BOSUN_TEST_S3_ENDPOINT BOSUN_TEST_S3_ACCESS_KEY_ID=BOSUNTESTACCESSKEY BOSUN_TEST_S3_SECRET_ACCESS_KEY=BOSUNTESTSECRETKEY
echo "S3 at $BOSUN_TEST_S3_ENDPOINT"

# Before the unit tests: the scanner's tests write their fixtures with the mlflow 3.x environment's Python.
step "python environments (mlflow 3.x and 2.x)"
BOSUN_TEST_PYTHON=$(bash scripts/compat-venv.sh mlflow3 "$repo/.cache/venv-mlflow3") || exit 1
bash scripts/compat-venv.sh mlflow2 "$repo/.cache/venv-mlflow2" >/dev/null || exit 1
export BOSUN_TEST_PYTHON

step "Python package (bosun_pipelines and bosun_monitoring, installed from ./python into the mlflow 3.x environment, pytest)"
pkgdir=$(mktemp -d "$run_tmp/bosun-pipelines-pkg.XXXXXX") # a copy, so the build leaves nothing in python/
cp -r python "$pkgdir/" && "$repo/.cache/venv-mlflow3/bin/python" -m pip install --quiet --force-reinstall "$pkgdir/python" ||
  failures=$((failures + 1))
rm -rf "$pkgdir"
"$repo/.cache/venv-mlflow3/bin/python" -m pytest python/tests -q -p no:cacheprovider --junitxml="$reports/python-pipelines.xml" || true

step "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=junit --outputFile.junit="$reports/vitest.xml" || true

step "web UI in a real browser (Debian's chromium + playwright-core, a server populated by the mlflow client)"
BOSUN_TEST_SKIP_BUILD=1 npx vitest run --config web/e2e/vitest.browser.config.ts --reporter=default --reporter=junit \
  --outputFile.junit="$reports/browser.xml" || true

for v in mlflow3 mlflow2; do
  step "compatibility suite with $v (SQLite and PostgreSQL)"
  "$repo/.cache/venv-$v/bin/python" -m pytest tests/compat -q -p no:cacheprovider --junitxml="$reports/compat-$v.xml" || true
done

# The whole suite again with authentication on, as a non-admin user: mlflow 3.x by password, 2.x by API token.
step "compatibility suite with mlflow3, authentication on (password sign-in, SQLite)"
BOSUN_COMPAT_BACKENDS=sqlite BOSUN_COMPAT_AUTH=password "$repo/.cache/venv-mlflow3/bin/python" -m pytest tests/compat -q \
  -p no:cacheprovider --junitxml="$reports/compat-mlflow3-auth-password.xml" || true
step "compatibility suite with mlflow2, authentication on (token sign-in, SQLite)"
BOSUN_COMPAT_BACKENDS=sqlite BOSUN_COMPAT_AUTH=token "$repo/.cache/venv-mlflow2/bin/python" -m pytest tests/compat -q \
  -p no:cacheprovider --junitxml="$reports/compat-mlflow2-auth-token.xml" || true

# And once with artifacts in a bucket of the S3 server started above: proxied, and written by the client itself.
step "compatibility suite with mlflow3, artifacts in S3 (proxied and --no-serve-artifacts, SQLite)"
BOSUN_COMPAT_BACKENDS=sqlite BOSUN_COMPAT_ARTIFACTS=s3 "$repo/.cache/venv-mlflow3/bin/python" -m pytest tests/compat -q \
  -p no:cacheprovider --junitxml="$reports/compat-mlflow3-s3.xml" || true

step "robustness suites (bad input, concurrency, crash, security)"
BOSUN_TEST_SKIP_BUILD=1 "$repo/.cache/venv-mlflow3/bin/python" -m pytest tests/robustness -q -p no:cacheprovider --junitxml="$reports/robustness.xml" || true

# The example pipeline (examples/pipelines) on a real server: compiled from Python, run twice (the second from the
# cache), failed and resumed, lineage followed; scikit-learn comes from PyPI into the step environment it builds.
step "example pipeline end to end (tests/examples, SQLite)"
BOSUN_TEST_SKIP_BUILD=1 "$repo/.cache/venv-mlflow3/bin/python" -m pytest tests/examples -q -p no:cacheprovider \
  --junitxml="$reports/examples.xml" || true

# bosun import from a real `mlflow server` (PyPI, the 3.x environment) into Bosun on SQLite and PostgreSQL.
step "import suite (bosun import from a real MLflow server, SQLite and PostgreSQL)"
"$repo/.cache/venv-mlflow3/bin/python" -m pytest tests/import -q -p no:cacheprovider --junitxml="$reports/import.xml" || true

step "OpenAPI fuzzing (schemathesis against a server with auth on, bounded budget)"
BOSUN_TEST_SKIP_BUILD=1 bash scripts/fuzz-openapi.sh "$reports/fuzz-openapi.xml" || true

python3 scripts/summarize-reports.py "$reports" "$failures"
