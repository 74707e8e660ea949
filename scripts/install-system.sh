#!/usr/bin/env bash
# The apt packages the hotline and its tests need, installed only when missing,
# and the PostgreSQL server the tests use, started if it is installed but down.
set -euo pipefail
packages=(sip-tester espeak-ng sox ffmpeg debootstrap util-linux python3-venv postgresql
          chromium)  # chromium: the web page's browser tests (Playwright drives it; no browser download)
sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A pyenv or system Python that already has venv needs no python3-venv.
if python3 -c "import ensurepip" 2>/dev/null; then
  missing=("${missing[@]/python3-venv}")
fi
# A PostgreSQL already serving on 127.0.0.1:5432 (any install) is enough.
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  missing=("${missing[@]/postgresql}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "apt: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
  for v in $(ls /etc/postgresql); do
    $sudo pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
fi
