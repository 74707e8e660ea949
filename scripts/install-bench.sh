#!/usr/bin/env bash
# What `make bench` needs on top of `make install`: dumpcap (Debian's tshark) for the
# latency capture, py-spy in the virtualenv (the `bench` extra; psutil comes with `test`). Only when missing.
set -euo pipefail
VENV="${1:-.venv}"
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

if ! command -v dumpcap >/dev/null; then
  echo "apt: installing tshark (dumpcap)"
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq tshark >/dev/null
fi

if ! "$VENV/bin/python" -c "import psutil" 2>/dev/null || [ ! -x "$VENV/bin/py-spy" ]; then
  "$VENV/bin/pip" install -q -e '.[test,bench]'
fi
