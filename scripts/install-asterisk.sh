#!/usr/bin/env bash
# Provide Asterisk >= 20. Use the system's when present; otherwise build a
# Debian sid chroot holding Asterisk 22 (Debian 12 ships none).
# Usage: install-asterisk.sh [CHROOT_DIR]   (default /var/lib/hotline/asterisk-root)
set -euo pipefail
root=${1:-${HOTLINE_ASTERISK_ROOT:-/var/lib/hotline/asterisk-root}}

if command -v asterisk >/dev/null 2>&1; then
  echo "asterisk: using the system's $(command -v asterisk)"; exit 0
fi
if [ -x "$root/usr/sbin/asterisk" ]; then
  echo "asterisk: chroot ready at $root"; exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-asterisk: needs root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }

tmp="$root.partial"
rm -rf "$tmp"; mkdir -p "$(dirname "$root")"
debootstrap --variant=minbase --include=asterisk,asterisk-core-sounds-en-gsm sid "$tmp" http://deb.debian.org/debian
# Without the host's name in /etc/hosts Asterisk stalls on DNS for every call.
printf '127.0.0.1 localhost %s\n::1 localhost\n' "$(hostname)" > "$tmp/etc/hosts"
mv "$tmp" "$root"
echo "asterisk: chroot ready at $root ($(chroot "$root" asterisk -V))"
