"""Runs the bot's own processes (`tobitbot serve`, `tobitbot worker`) as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tobitbot.servers.process import free_port, spawn, stop


@dataclass
class BotProcesses:
    env: dict[str, str]                # TOBITBOT_* settings
    log_dir: Path
    workers: int = 1
    port: int = 0
    serve: subprocess.Popen | None = field(default=None, repr=False)
    worker_procs: list[subprocess.Popen] = field(default_factory=list, repr=False)

    @property
    def request_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOBITBOT_")}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self, timeout: float = 20.0) -> "BotProcesses":
        self.port = self.port or free_port()
        self.serve = spawn([sys.executable, "-m", "tobitbot.cli", "serve", "--host", "127.0.0.1",
                            "--port", str(self.port)], self.log_dir / "serve.log", env=self._env())
        for _ in range(self.workers):
            self.start_worker()
        self._wait_healthy(timeout)
        return self

    def start_worker(self) -> subprocess.Popen:
        n = len(self.worker_procs) + 1
        proc = spawn([sys.executable, "-m", "tobitbot.cli", "worker", "--name",
                      f"worker-{n}-{os.getpid()}-{time.monotonic_ns()}"],
                     self.log_dir / f"worker-{n}.log", env=self._env())
        self.worker_procs.append(proc)
        return proc

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.serve.poll() is not None:
                raise RuntimeError("tobitbot serve exited:\n" + self.log_tail("serve.log"))
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("tobitbot serve did not answer /healthz:\n" + self.log_tail("serve.log"))

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for proc in self.worker_procs:
            stop(proc)
        stop(self.serve)
        self.worker_procs, self.serve = [], None
