"""Start a local server process, wait until it listens, stop it for sure.

Each server leads a session of its own, so a Ctrl-C at the terminal reaches only the launcher,
which then stops the servers in order. The launcher can also die without stopping them (SIGKILL,
a crash): on Linux every server is therefore started with a parent-death signal, SIGTERM, on
which each of them shuts down cleanly, taking its own children (gunicorn's and Kamailio's
workers) along (workers/parent_death.py, shared with the RQ worker). The kernel sends it when the *thread* that started the server ends, so servers
are started from the main thread.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from workers.parent_death import death_signal_setter


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen | None = None,
                  log: Path | None = None) -> None:
    """Block until something accepts on host:port; fail with the log's tail if it dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}{_tail(log)}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f}s{_tail(log)}")


def _tail(log: Path | None, lines: int = 20) -> str:
    if log is None or not log.exists():
        return ""
    return "\n--- " + str(log) + " ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stop(proc: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """Terminate the process group, then kill it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def detached(sig: int = signal.SIGTERM) -> dict:
    """Popen options for a server: a session of its own (no terminal signals), and `sig` once
    the process that started it is gone."""
    return {"start_new_session": True, "preexec_fn": death_signal_setter(sig)}


def spawn(argv: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """Start argv in its own process group with output to `log`, ended with SIGTERM should this
    process die without stopping it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:   # the child keeps its own copy of the descriptor
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **detached(), **kwargs)
