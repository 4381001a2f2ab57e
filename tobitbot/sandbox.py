"""`tobitbot sandbox`: the whole bot on this machine, with a local Slack in the browser.

Runs a SandboxStack until SIGINT (Ctrl-C), SIGTERM or SIGHUP (the terminal closed, the SSH
connection dropped), then stops every process it started. A signal that arrives while the stack
starts is noted and acted on between steps, so no server is ever half-spawned and forgotten.
Should the sandbox itself be killed, its servers get SIGTERM from the kernel (servers.process).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import tempfile
import threading
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _say(text: str) -> None:
    """Print for the person at the terminal; once the terminal is gone (SIGHUP), stopping goes
    on without them rather than failing on a write."""
    try:
        print(text, flush=True)
    except OSError:
        pass


def add_parser(sub) -> None:
    sandbox = sub.add_parser("sandbox", help="run everything locally with a Slack-like web page")
    sandbox.add_argument("--data-dir", type=Path, default=None,
                         help="keep state here between runs (default: a temporary directory, "
                              "removed at exit)")
    sandbox.add_argument("--port", type=int, default=8000,
                         help="port of the web page on 127.0.0.1 (0: any free port)")
    sandbox.add_argument("--workers", type=int, default=1, help="RQ workers to run")
    sandbox.add_argument("--simulated-directory", action="store_true",
                         help="simulate Active Directory even where Samba is installed")
    sandbox.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tobitbot.sandbox_stack import SandboxStack

    say = _say
    temporary = args.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="tobitbot-sandbox-")) if temporary else args.data_dir
    stopping = threading.Event()

    def on_signal(signum: int, frame) -> None:
        if not stopping.is_set():
            say(f"sandbox: {signal.Signals(signum).name} received, stopping ...")
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    stack = SandboxStack(data_dir.resolve(), port=args.port, workers=max(1, args.workers),
                         simulated_directory=args.simulated_directory, say=say)
    # the in-process servers (emulator, Tobit simulator) log to a file: the terminal shows the summary
    stack.log_dir.mkdir(parents=True, exist_ok=True)
    log_file = stack.log_dir / "sandbox.log"
    logging.basicConfig(filename=log_file, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        say(f"sandbox: starting in {stack.data_dir} ...")
        stack.start(interrupted=stopping.is_set)
        say(stack.summary())
        while not stopping.wait(0.5):
            pass
        return 0
    except InterruptedError:
        return 130
    except (RuntimeError, TimeoutError) as exc:   # the launchers' own words, with log tails
        say(f"sandbox: could not start: {exc}")
        return 1
    except Exception as exc:  # noqa: BLE001 - the person at the terminal gets the reason
        logging.getLogger(__name__).exception("sandbox failed")
        temporary = False   # keep the logs for a look
        say(f"sandbox: could not start: {exc}\n(details in {log_file})")
        return 1
    finally:
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)
        say("sandbox: stopped")

