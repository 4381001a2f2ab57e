"""How long `tobitbot sandbox` takes to start: until its web page and the bot's /healthz answer.

Starts the sandbox as a person does (a subprocess), twice on the same data dir: a first run
provisions the Samba domain, a second finds it. Printed, not asserted; the target is < 15 s.

    .venv/bin/python bench/bench_sandbox_start.py
"""

from __future__ import annotations

import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# run as a script from anywhere: the repository root holds the packages and tests/
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.sandbox_run import SandboxRun  # noqa: E402

TARGET = 15.0


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def timed_run(data_dir: Path) -> tuple[float, float]:
    """Seconds until the page and /healthz answer, and seconds that Ctrl-C takes to stop it."""
    run = SandboxRun(data_dir)
    started = time.perf_counter()
    run.start()
    try:
        run.wait_ready()
        while not (answers(run.web_url) and answers(run.bot_url + "/healthz")):
            time.sleep(0.05)
        ready = time.perf_counter() - started
    finally:
        stopping = time.perf_counter()
        run.stop()
    return ready, time.perf_counter() - stopping


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        data_dir = Path(tmp) / "data"
        for name in ("first run (provisions AD)", "second run (same --data-dir)"):
            ready, stopped = timed_run(data_dir)
            verdict = "under" if ready < TARGET else "OVER"
            print(f"{name:<30} ready in {ready:5.1f} s ({verdict} the {TARGET:.0f} s target), "
                  f"Ctrl-C stopped it in {stopped:4.1f} s")


if __name__ == "__main__":
    main()
