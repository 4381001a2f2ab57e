"""A throwaway Debian redis-server on a free loopback port, with AOF persistence."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
import subprocess

from tobitbot.servers.process import free_port, spawn, stop, wait_for_port


@dataclass
class RedisServer:
    data_dir: Path
    port: int = 0
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run scripts/install-system.sh")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        argv = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.data_dir),
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                "--protected-mode", "yes", "--daemonize", "no"]
        log = self.data_dir / "redis.log"
        self.proc = spawn(argv, log)
        wait_for_port("127.0.0.1", self.port, timeout, self.proc, log)
        return self

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None
