#!/usr/bin/env bash
# Creates .venv (Python >= 3.11) and installs the project with its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed")'
# pip, not python: a venv that failed half-way (no python3-venv) leaves .venv/bin/python behind
[ -x .venv/bin/pip ] || "$PY" -m venv --clear .venv
# pinned (constraints.txt): what passed here is what a fresh machine installs
.venv/bin/python -m pip install -q --upgrade pip -c constraints.txt
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
echo "install-python: .venv ready"
