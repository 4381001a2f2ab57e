"""Start a local server process, wait until it listens, stop it for sure.

Each server leads a session of its own, so a Ctrl-C at the terminal reaches only the launcher,
which then stops the servers in order. The launcher can also die without stopping them (SIGKILL,
a crash): on Linux every server is therefore started with a parent-death signal, SIGTERM, on
which each of them shuts down cleanly, taking its own children (gunicorn's and Kamailio's
workers) along. The kernel sends it when the *thread* that started the server ends, so servers
are started from the main thread.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1   # <linux/prctl.h>


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


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A preexec_fn that asks the kernel to send `sig` to the child when this process dies
    (prctl PR_SET_PDEATHSIG; it survives exec). None where Linux's prctl is not available."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl   # looked up here, not after fork
    except (OSError, AttributeError):
        return None
    parent, death_signal = os.getpid(), ctypes.c_ulong(int(sig))   # built before the fork

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        if os.getppid() != parent:   # the parent died before prctl: nobody would signal us
            # not os.kill(sig): until exec the parent's Python handler for `sig` would catch it
            os._exit(1)

    return set_death_signal


def detached(sig: int = signal.SIGTERM) -> dict:
    """Popen options for a server: a session of its own (no terminal signals), and `sig` once
    the process that started it is gone."""
    return {"start_new_session": True, "preexec_fn": die_with_parent(sig)}


def spawn(argv: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """Start argv in its own process group with output to `log`, ended with SIGTERM should this
    process die without stopping it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:   # the child keeps its own copy of the descriptor
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **detached(), **kwargs)
