#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster for the tests, on 127.0.0.1, trust auth, as user postgres.
# Usage: scripts/pg-test-cluster.sh start DIR PORT   -> prints the superuser URI
#        scripts/pg-test-cluster.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_pg "$pgbin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_pg "$pgbin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  [ -f "$dir/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
