#!/usr/bin/env bash
# Starts (or stops) a throwaway S3 server for the tests: Ceph's object gateway (radosgw) on a single-node cluster
# (one monitor, one in-memory OSD), everything under DIR, listening on 127.0.0.1 only. Data lives in memory
# (memstore, 3 GiB cap; deleted objects are freed within seconds): a restart starts empty. Needs
# scripts/ensure-ceph.sh first.
# Usage: scripts/s3-test-server.sh start DIR PORT   -> prints the endpoint, http://127.0.0.1:PORT
#        scripts/s3-test-server.sh stop DIR
# Credentials: access key BOSUNTESTACCESSKEY, secret key BOSUNTESTSECRETKEY (region us-east-1, path-style).
# The monitor listens on PORT+1 (BOSUN_TEST_S3_MON_PORT overrides it). Nothing outside DIR is read or written:
# every daemon gets DIR/ceph.conf, whose keyring, sockets, pid files and logs all live in DIR.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
access_key=BOSUNTESTACCESSKEY
secret_key=BOSUNTESTSECRETKEY

stop_daemon() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "$cmd" in
start)
  port=${3:?port}
  mon_port=${BOSUN_TEST_S3_MON_PORT:-$((port + 1))}
  for tool in radosgw ceph-mon ceph-osd ceph-authtool monmaptool ceph radosgw-admin curl; do
    command -v "$tool" >/dev/null || { echo "$tool not found (run scripts/ensure-ceph.sh)" >&2; exit 1; }
  done
  dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
  # Unix sockets live in DIR/run: their paths must stay under 108 bytes.
  [ ${#dir} -le 80 ] || { echo "state directory path too long for Ceph's sockets: $dir" >&2; exit 1; }
  rm -rf "$dir/mon" "$dir/osd" "$dir/run" "$dir/log" "$dir/rgw"
  mkdir -p "$dir/mon/a" "$dir/osd/0" "$dir/run" "$dir/log" "$dir/rgw"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<EOC
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:$mon_port
mon_initial_members = a
public_addr = 127.0.0.1
auth_allow_insecure_global_id_reclaim = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_crit = 1
mon_data_avail_warn = 2
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
run_dir = $dir/run
pid_file = $dir/run/\$name.pid
admin_socket = $dir/run/\$name.asok
log_file = $dir/log/\$name.log
keyring = $dir/keyring
crash_dir = $dir/run
[mon]
mon_data = $dir/mon/\$id
mon_allow_pool_delete = true
[osd]
osd_data = $dir/osd/\$id
osd_objectstore = memstore
memstore_device_bytes = 3221225472
osd_max_object_name_len = 2048
osd_max_object_namespace_len = 64
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$port
rgw_data = $dir/rgw
rgw_dns_name = localhost
# Deleted and overwritten objects are freed at once (radosgw's default waits two hours), or the in-memory OSD
# fills up over a test run and every write blocks.
rgw_gc_obj_min_wait = 0
rgw_gc_processor_period = 5
rgw_gc_processor_max_time = 5
EOC
  conf=(--conf "$dir/ceph.conf")
  {
    ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *'
    ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *'
    ceph-authtool "$dir/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap osd 'allow *' --cap mgr 'allow profile osd'
    ceph-authtool "$dir/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' --cap mgr 'allow rw'
    monmaptool --create --clobber --addv a "[v2:127.0.0.1:$mon_port]" --fsid "$fsid" "$dir/monmap"
    ceph-mon "${conf[@]}" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
    ceph-mon "${conf[@]}" -i a
    ceph "${conf[@]}" auth import -i "$dir/keyring"
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    id=$(ceph "${conf[@]}" osd new "$osd_uuid")
    ceph-osd "${conf[@]}" -i "$id" --mkfs --osd-uuid "$osd_uuid"
    ceph-osd "${conf[@]}" -i "$id"
  } >>"$dir/log/setup.log" 2>&1 || { echo "Ceph set-up failed; see $dir/log" >&2; tail -n 20 "$dir/log/setup.log" >&2; exit 1; }
  up=
  for _ in $(seq 1 120); do
    if ceph "${conf[@]}" osd stat 2>/dev/null | grep -q "1 up"; then up=1; break; fi
    sleep 0.5
  done
  [ -n "$up" ] || { echo "the Ceph OSD did not come up; see $dir/log" >&2; exit 1; }
  radosgw "${conf[@]}" -n client.rgw.a >>"$dir/log/setup.log" 2>&1
  up=
  for _ in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
    sleep 0.5
  done
  [ -n "$up" ] || { echo "radosgw did not answer on port $port; see $dir/log" >&2; exit 1; }
  radosgw-admin "${conf[@]}" user create --uid bosun-test --display-name bosun-test \
    --access-key "$access_key" --secret "$secret_key" >>"$dir/log/setup.log" 2>&1
  echo "http://127.0.0.1:$port"
  ;;
stop)
  [ -d "$dir/run" ] || exit 0
  stop_daemon "$dir/run/client.rgw.a.pid"
  stop_daemon "$dir/run/osd.0.pid"
  stop_daemon "$dir/run/mon.a.pid"
  ;;
*) echo "unknown command $cmd" >&2; exit 2 ;;
esac
