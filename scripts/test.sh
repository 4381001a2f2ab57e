#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every tier (unit, integration with
# real Redis / Samba AD / Kamailio / Tobit simulator, end-to-end through the Slack emulator).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-system.sh
scripts/install-python.sh
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
