#!/usr/bin/env bash
# Installs the real servers the bot and its tests use (Debian): Redis, Samba AD DC,
# Kamailio, and Chromium with an emoji font for the browser test and the sandbox's screenshot; and
# Python with venv (Debian's python3 cannot `-m venv` without python3-venv, which brings pip).
# Debian's `samba` alone cannot provision a domain: the AD schema is in samba-ad-provision and
# the DC's LDB modules come with samba-ad-dc.
# Then it checks that each server really starts here (tobitbot/servers/preflight.py) and names
# the package behind anything missing; with --warn that is reported but not fatal (the sandbox
# simulates what cannot run). Idempotent; needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
check=()
[ "${1:-}" = "--warn" ] && check=(--warn)
packages=(python3 python3-venv
          redis-server
          samba samba-ad-dc samba-ad-provision winbind
          kamailio kamailio-sqlite-modules kamailio-json-modules sqlite3
          chromium chromium-driver fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system: all packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-system: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-system: done"
fi
scripts/check-system.sh "${check[@]}"
