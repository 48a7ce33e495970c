#!/usr/bin/env bash
# Makes sure a Chromium from Debian's archive is on this machine (the web UI's browser tests drive it with
# playwright-core; no browser is ever downloaded), installing it when missing. Prints the browser's path.
set -euo pipefail
find_chromium() {
  for candidate in "${BOSUN_TEST_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
if find_chromium; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is not installed and this user cannot install it: run 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
find_chromium
