#!/usr/bin/env bash
# Installs the real servers the bot and its tests use (Debian): Redis, Samba AD DC, Kamailio,
# and Chromium with an emoji font for the browser test and the sandbox's screenshot; and Python
# with venv (Debian's python3 cannot `-m venv` without python3-venv, which brings pip into it).
# Idempotent; needs root (or sudo).
set -euo pipefail
packages=(python3 python3-venv
          redis-server redis-sentinel samba samba-ad-dc samba-ad-provision winbind kamailio kamailio-sqlite-modules kamailio-json-modules sqlite3
          chromium chromium-driver fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-system: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system: done"
