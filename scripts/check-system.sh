#!/usr/bin/env bash
# Checks that each real server the tests and the sandbox start can start on this machine, prints
# its version, and names the Debian package behind anything missing (tobitbot/servers/preflight.py,
# standard library only, so it runs before the venv exists). --warn: report, but exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=()
[ "${1:-}" = "--warn" ] && mode=(--warn)
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec python3 -m tobitbot.servers.preflight "${mode[@]}"
