"""A throwaway Kamailio fax PBX (deploy/kamailio/kamailio.cfg) on free loopback ports.

Everything Kamailio writes (route table, pid file, runtime dir, log) stays under `data_dir`,
so it runs without root and without /run or /var. The route table survives stop/start: the
SQLite file is created from deploy/kamailio/schema.sql only where it is missing, and a
restart keeps the same ports, so clients keep their addresses.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tobitbot.servers.process import _tail, free_port, spawn, stop

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "kamailio"
CONFIG = DEPLOY / "kamailio.cfg"
SCHEMA = DEPLOY / "schema.sql"
# Debian/Ubuntu multiarch first, then the paths of other distributions and source builds
MODULE_DIRS = ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/aarch64-linux-gnu/kamailio/modules",
               "/usr/lib64/kamailio/modules", "/usr/lib/kamailio/modules",
               "/usr/local/lib64/kamailio/modules", "/usr/local/lib/kamailio/modules")


def kamailio_binary() -> str | None:
    return shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin:/usr/local/sbin")


def module_dir() -> str:
    """Where this host keeps Kamailio's modules (the ones the config loads must be there)."""
    for candidate in MODULE_DIRS:
        if (Path(candidate) / "htable.so").exists():
            return candidate
    raise RuntimeError("Kamailio modules not found in " + ", ".join(MODULE_DIRS)
                       + ": install kamailio, kamailio-sqlite-modules and kamailio-json-modules")


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def create_route_table(path: Path) -> None:
    """Create the route table from schema.sql; harmless on an existing one (IF NOT EXISTS)."""
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA.read_text())
    finally:
        db.close()


@dataclass
class KamailioServer:
    data_dir: Path
    sip_port: int = 0
    rpc_port: int = 0
    fax_server_uri: str = "sip:127.0.0.1:5090"   # calls from its host:port are masked (R17)
    upstream_uri: str = "sip:127.0.0.1:5095"     # the carrier masked faxes leave through
    host: str = "127.0.0.1"
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def sip_address(self) -> tuple[str, int]:
        return (self.host, self.sip_port)

    @property
    def sip_uri(self) -> str:
        return f"sip:{self.host}:{self.sip_port}"

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}/RPC"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "fax.db"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "kamailio.log"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "run" / "kamailio.pid"

    # ---- life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> "KamailioServer":
        binary = kamailio_binary()
        if binary is None:
            raise RuntimeError("kamailio is not installed: run scripts/install-system.sh")
        run_dir = self.data_dir / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        self._clear_stale_pid_file()
        if not self.db_path.exists():
            create_route_table(self.db_path)
        self.sip_port = self.sip_port or free_udp_port(self.host)
        self.rpc_port = self.rpc_port or free_port(self.host)
        argv = [binary, "-f", str(CONFIG), "-L", module_dir(),
                "-DD", "-E",                       # foreground, log to stderr (our log file)
                "-Y", str(run_dir), "-P", str(self.pid_file), "-w", str(self.data_dir),
                "-m", "64", "-M", "8", *self._defines()]
        self.proc = spawn(argv, self.log_file)
        self._wait_until_answering(timeout)
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop(proc)

    def restart(self, timeout: float = 15.0) -> "KamailioServer":
        self.stop()
        return self.start(timeout)

    def _clear_stale_pid_file(self) -> None:
        """Kamailio refuses to start while the pid in its pid file is alive. A run that was killed
        leaves the file behind, and its pid may since belong to any other process: the file is
        removed unless that process is a Kamailio on this very data dir, which is refused."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (OSError, IndexError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return
        if _is_kamailio_using(pid, self.data_dir):
            raise RuntimeError(f"kamailio (pid {pid}) is already running on {self.data_dir}: "
                               "stop it (or the sandbox that started it) before starting another")
        self.pid_file.unlink(missing_ok=True)

    def _defines(self) -> list[str]:
        fax = urlsplit(self.fax_server_uri.replace("sip:", "sip://", 1))
        db_url = f"sqlite:///{self.db_path.resolve()}"   # sqlite:/// + absolute path
        values = {
            "SIP_LISTEN": f"udp:{self.host}:{self.sip_port}",
            "RPC_LISTEN": f"tcp:{self.host}:{self.rpc_port}",
            "RPC_PORT": str(self.rpc_port),
            "DB_URL": _quoted(db_url),
            "SQL_CON": _quoted(f"fax=>{db_url}"),
            "FAXSRV_IP": _quoted(socket.gethostbyname(fax.hostname or self.host)),
            "FAXSRV_PORT": str(fax.port or 5060),
            "UPSTREAM_URI": _quoted(self.upstream_uri),
        }
        return [arg for name, value in values.items() for arg in ("-A", f"{name}={value}")]

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"kamailio exited with {code}{_tail(self.log_file)}")
            try:
                self.rpc("core.version")
                return
            except OSError as exc:
                last = exc
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"kamailio JSON-RPC at {self.rpc_url} did not answer after "
                           f"{timeout:.0f}s ({last}){_tail(self.log_file)}")

    # ---- administration -----------------------------------------------------------------------

    def rpc(self, method: str, *params) -> dict:
        """One raw JSON-RPC call (for readiness and tests); the whole answer document."""
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1})
        request = urllib.request.Request(self.rpc_url, body.encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.loads(response.read())


def _is_kamailio_using(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is a live kamailio whose command line names `data_dir` (-w, -P, -Y)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if not argv or Path(argv[0].decode(errors="replace")).name != "kamailio":
        return False
    wanted = {str(data_dir), str(data_dir.resolve())}
    return any(arg == dir_ or arg.startswith(dir_ + "/")
               for arg in (a.decode(errors="replace") for a in argv[1:]) for dir_ in wanted)


def _quoted(value: str) -> str:
    # -A NAME="value" makes the define a string literal in the config
    if '"' in value:
        raise ValueError(f"a Kamailio define cannot hold a double quote: {value!r}")
    return f'"{value}"'
