#!/usr/bin/env bash
# Runs the sandbox: installs what it needs (Debian; both steps are idempotent), then starts
# `tobitbot sandbox` with any arguments given (--data-dir DIR, --port N, --workers N).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system.sh --warn   # what cannot run here is simulated or reported, not fatal
scripts/install-python.sh
exec .venv/bin/tobitbot sandbox "$@"
