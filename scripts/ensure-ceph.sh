#!/usr/bin/env bash
# Makes sure Ceph's object gateway (radosgw) and the single-node cluster it needs (ceph-mon, ceph-osd) are on
# this machine, installing them from Debian's archive if not. The S3 test server (scripts/s3-test-server.sh)
# runs them.
set -euo pipefail
if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Ceph is not installed and this user cannot install it: run 'sudo apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null
command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null
