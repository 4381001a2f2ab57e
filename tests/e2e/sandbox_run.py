"""`tobitbot sandbox` as a real subprocess, the way a person starts it: for tests and the benchmark.

The sandbox prints where everything is once it runs; this reads the web page's and the bot's
URLs from that summary, and can list every process the sandbox started (its descendants).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READY = "tobitbot sandbox is running"


class SandboxRun:
    def __init__(self, data_dir: Path, port: int = 0, workers: int = 1,
                 options: tuple[str, ...] = (), terminal: bool = False) -> None:
        self.data_dir = Path(data_dir)
        self.log = self.data_dir.parent / f"{self.data_dir.name}-sandbox-{time.monotonic_ns()}.out"
        self.argv = [sys.executable, "-m", "tobitbot.cli", "sandbox", "--data-dir",
                     str(self.data_dir), "--port", str(port), "--workers", str(workers),
                     *options]
        self.proc: subprocess.Popen | None = None
        # terminal=True: its own process group, as a shell's foreground job, for `ctrl_c()`
        self.terminal = terminal

    def start(self) -> "SandboxRun":
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOBITBOT_")}
        env["PYTHONUNBUFFERED"] = "1"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=ROOT, env=env, start_new_session=self.terminal)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 120.0) -> "SandboxRun":
        deadline = time.monotonic() + timeout
        while READY not in self.output():
            if self.proc.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.proc.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"sandbox not ready after {timeout:.0f}s:\n{self.output()}")
            time.sleep(0.1)
        return self

    def _printed(self, label: str) -> str:
        match = re.search(rf"^\s+{label}\s+(\S+)", self.output(), re.MULTILINE)
        if match is None:
            raise LookupError(f"the sandbox did not print {label!r}:\n{self.output()}")
        return match.group(1)

    @property
    def web_url(self) -> str:
        return self._printed(re.escape("Slack (web page)"))

    @property
    def bot_url(self) -> str:
        """The bot's base URL (the printed Request URL without /slack/events)."""
        return self._printed("bot").removesuffix("/slack/events")

    def descendants(self) -> set[int]:
        """Every live process below the sandbox (servers lead their own sessions, not trees)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, todo = set(), [self.proc.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C: SIGINT to the sandbox; its exit code once it has stopped everything."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def ctrl_c(self, timeout: float = 60.0) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
        assert self.terminal, "ctrl_c() needs SandboxRun(..., terminal=True)"
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def processes_using(data_dir: Path) -> list[int]:
    """Live processes whose command line, environment, working directory or open files name
    `data_dir`: every server the sandbox starts does (its files and logs live there), so none may
    be left once it has stopped. Redis and Samba rewrite their command lines (`redis-server
    127.0.0.1:PORT`, `samba: root process`): their working directory and files still tell."""
    needle = str(Path(data_dir).resolve())
    found = [int(entry.name) for entry in Path("/proc").iterdir()
             if entry.name.isdigit() and int(entry.name) != os.getpid() and _uses(entry, needle)]
    return [pid for pid in found if is_running(pid)]


def _uses(proc: Path, directory: str) -> bool:
    if any(path == directory or path.startswith(directory + "/") for path in _paths(proc)):
        return True
    for name in ("cmdline", "environ"):
        try:
            if directory.encode() in (proc / name).read_bytes():
                return True
        except OSError:
            continue
    return False


def _paths(proc: Path):
    """The process's working directory and the files it has open (those still there)."""
    try:
        links = [proc / "cwd", *(proc / "fd").iterdir()]
    except OSError:
        return
    for link in links:
        try:
            yield os.readlink(link)
        except OSError:
            continue


def is_running(pid: int) -> bool:
    """True unless the process is gone or a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
