#!/usr/bin/env bash
# Fuzzes every operation of the OpenAPI document the server serves (GET /api/bosun/v1/openapi.json) with
# schemathesis, against a throwaway server with auth on, signed in as its admin (HTTP Basic). Fails on a 5xx the
# operation does not document, a status or Content-Type the document does not list, bad input accepted, and an
# operation that answers without credentials. See tests/fuzz/README.md.
#
# Usage: scripts/fuzz-openapi.sh [JUNIT_XML]
#   JUNIT_XML  where the JUnit report goes (default .cache/test-reports/fuzz-openapi.xml)
# Exits non-zero when the fuzzer found a failure or could not run.
#
# Env:
#   BOSUN_TEST_SKIP_BUILD=1  use the existing dist/ instead of running `npm run build` first
#   BOSUN_FUZZ_MAX_EXAMPLES  test cases per operation in the fuzzing phase (default 100: ~2 minutes on 2 cores)
#   BOSUN_FUZZ_SEED          hypothesis seed (default a fixed one, so that CI runs are reproducible;
#                            `random` for a new one each run; the seed is printed either way)
#   BOSUN_FUZZ_TIMEOUT       optional limit in seconds for the fuzzer itself (default none: the run is bounded by
#                            its examples, not by the clock, so a slow machine takes longer but never fails for
#                            it); when a limit is set and reached, the run is reported as skipped with the reason
#   PYTHON                   interpreter that creates the venv (default python3.11, else python3)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
junit=${1:-$root/.cache/test-reports/fuzz-openapi.xml}
mkdir -p "$(dirname "$junit")"
junit=$(cd "$(dirname "$junit")" && pwd)/$(basename "$junit")
rm -f "$junit"
req="$root/tests/fuzz/requirements.txt"
support="$root/tests/fuzz/fuzz_support.py"
venv="$root/.cache/venv-fuzz"
max_examples=${BOSUN_FUZZ_MAX_EXAMPLES:-100}
seed=${BOSUN_FUZZ_SEED:-20241126}
[ "$seed" = random ] && seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fuzz_timeout=${BOSUN_FUZZ_TIMEOUT:-0}
admin_user=fuzz-admin
admin_password='Fuzz-Admin-Pass-2024!'
started=$(date +%s)
log() { echo "fuzz-openapi: $*" >&2; }

# ---- the venv (reused while the requirements and the interpreter are unchanged, as compat-venv.sh does) ----
if [ -n "${PYTHON:-}" ]; then
  base_python=$PYTHON
elif command -v python3.11 >/dev/null 2>&1; then
  base_python=python3.11
else
  base_python=python3
fi
py="$venv/bin/python"
stamp="$venv/.bosun-fuzz-stamp"
mkdir -p "$root/.cache"
exec 9>"$venv.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
req_hash() { { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1; }
if [ -x "$py" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(req_hash)" ]; then
  log "reusing $venv"
else
  if [ ! -x "$py" ] || ! "$py" -c 'import sys' >/dev/null 2>&1; then
    log "creating $venv with $base_python"
    "$base_python" -m venv --clear "$venv"
  fi
  log "installing $(basename "$req") into $venv"
  "$py" -m pip install --disable-pip-version-check --no-input -q -r "$req" >&2
  want=$(grep -E '^schemathesis==' "$req" | cut -d= -f3)
  got=$("$py" -c 'import importlib.metadata as m; print(m.version("schemathesis"))')
  [ "$got" = "$want" ] || { log "expected schemathesis $want in $venv, found $got"; exit 1; }
  req_hash >"$stamp"
fi
exec 9>&-

# ---- a throwaway server with auth on ----
if [ "${BOSUN_TEST_SKIP_BUILD:-}" != 1 ]; then
  log "building dist/ (npm run build)"
  (cd "$root" && npm run build --silent) >&2
fi
[ -f "$root/dist/cli/main.js" ] || { log "missing $root/dist/cli/main.js (run npm run build)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bosun-fuzz.XXXXXX")
server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail_run() {
  # The fuzzer could not run: one failed test case in the report, the server log on stderr.
  log "$1"
  [ -f "$work/server.log" ] && tail -n 40 "$work/server.log" >&2
  "$py" "$support" junit-case "$junit" "fuzz-openapi: setup" "$1"
  exit 1
}

# A master key, so that the secrets API is on and fuzzed too (without one every secret route answers 400).
(umask 077 && head -c 32 /dev/urandom | base64 >"$work/master.key")

base_url=
for attempt in 1 2 3; do
  port=$("$py" "$support" free-port)
  data="$work/data-$attempt"
  mkdir -p "$data"
  # BOSUN_LOCKOUT_MINUTES=0: the fuzzer sends its own username with made-up passwords to POST
  # /api/bosun/v1/session (it reads the name from earlier responses); with the default lockout, five of those lock
  # its admin out and the rest of the run tests only 401 answers. The lockout itself is tested in
  # src/server/api/session-routes.test.ts and src/security/users.
  BOSUN_DATA_DIR="$data" BOSUN_ADMIN_USERNAME="$admin_user" BOSUN_ADMIN_PASSWORD="$admin_password" \
    BOSUN_LOCKOUT_MINUTES=0 node "$root/dist/cli/main.js" server --auth --host 127.0.0.1 --port "$port" \
    --backend-store-uri "sqlite:///$data/bosun.db" --artifacts-destination "$data/artifacts" \
    --master-key-file "$work/master.key" \
    >"$work/server.log" 2>&1 &
  server_pid=$!
  if "$py" "$support" wait "http://127.0.0.1:$port/api/bosun/v1/openapi.json" 600 "$server_pid"; then
    base_url="http://127.0.0.1:$port"
    break
  fi
  stop_server
  log "server start $attempt failed; $(tail -n 3 "$work/server.log" | tr '\n' ' ')"
done
[ -n "$base_url" ] || fail_run "the server did not start (see the log above)"
log "server at $base_url (data in $work), pid $server_pid"

schema_url="$base_url/api/bosun/v1/openapi.json"
"$py" "$support" config "$schema_url" "$work/schemathesis.toml" || fail_run "could not read $schema_url"

# ---- the fuzzer ----
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance
checks=$checks,negative_data_rejection,ignored_auth
log "schemathesis: seed $seed, $max_examples examples per operation, checks $checks"
set +e
# Run from the work dir: schemathesis writes nothing into the repository.
limit=()
[ "$fuzz_timeout" != 0 ] && limit=(timeout -s INT -k 20 "$fuzz_timeout")
(cd "$work" && "${limit[@]}" "$venv/bin/st" --config-file "$work/schemathesis.toml" \
  run "$schema_url" \
  --auth "$admin_user:$admin_password" \
  --checks "$checks" \
  --exclude-name 'POST /api/bosun/v1/webhooks' \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --workers 1 \
  --request-timeout 300 \
  --generation-database none \
  --no-color \
  --report junit --report-junit-path "$junit")
status=$?
set -e

if [ "$fuzz_timeout" != 0 ] && { [ "$status" = 124 ] || [ "$status" = 130 ]; }; then
  "$py" "$support" junit-skip "$junit" "fuzz-openapi: time limit" \
    "skipped: BOSUN_FUZZ_TIMEOUT=${fuzz_timeout}s was reached before the fuzzer finished (seed $seed); unset it to run to the end"
  status=0
fi
[ -f "$junit" ] || "$py" "$support" junit-case "$junit" "fuzz-openapi: report" \
  "schemathesis exited with status $status and wrote no JUnit report (seed $seed)"

# The server must have survived, and the fuzzer must not have locked itself out (which would turn the rest of
# the run into a test of 401 answers).
after=0
if ! kill -0 "$server_pid" 2>/dev/null; then
  tail -n 40 "$work/server.log" >&2
  "$py" "$support" junit-case "$junit" "fuzz-openapi: server alive afterwards" "the server exited during fuzzing"
  after=1
elif ! "$py" "$support" check-admin "$base_url" "$admin_user" "$admin_password"; then
  "$py" "$support" junit-case "$junit" "fuzz-openapi: admin signs in afterwards" \
    "the admin no longer signs in after fuzzing: the run tested only 401 answers after some point"
  after=1
else
  "$py" "$support" junit-case "$junit" "fuzz-openapi: server alive and admin signs in afterwards"
fi
stop_server

log "done in $(($(date +%s) - started))s: schemathesis status $status; report $junit"
[ "$status" = 0 ] && [ "$after" = 0 ]
