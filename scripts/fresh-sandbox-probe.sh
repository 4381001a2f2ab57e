#!/usr/bin/env bash
# Starts scripts/sandbox.sh (as a new user would), waits until it says it runs, fetches its web
# page, prints what it says about Active Directory, then stops it with SIGTERM as Ctrl-C would.
# Used by scripts/fresh-machine-check.sh --sandbox; exits non-zero if the page never answered.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${SANDBOX_PORT:-8765}
out=$(mktemp)
scripts/sandbox.sh --port "$port" >"$out" 2>&1 &
pid=$!
for _ in $(seq 900); do
  grep -q "is running" "$out" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
cat "$out"
status=$(python3 -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$port/', timeout=10).status)" || echo none)
echo "fresh-sandbox-probe: page http://127.0.0.1:$port/ answered $status"
grep "Active Directory" "$out" || true
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
tail -n 2 "$out"   # how it stopped
[ "$status" = 200 ]
