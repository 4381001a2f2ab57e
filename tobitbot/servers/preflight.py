"""Can each real server the tests and the sandbox start really start here? And if not, why, and
which Debian package brings what is missing.

Run by scripts/install-system.sh right after installing (`python3 -m tobitbot.servers.preflight`),
so a machine that lacks a part fails there, in one table, instead of as a hundred errors deep in
the test fixtures. Debian splits its servers finely: `samba` alone brings neither the AD schema
that provisioning loads (samba-ad-provision) nor the DC's LDB modules (samba-ad-dc, through
samba-dsdb-modules), and a Kamailio module lives in the package of its database or format.
So each check first looks for the files that are known to go missing, naming their package, and
then starts the server for real (a throwaway Redis, Kamailio and headless Chromium; a throwaway
Samba domain provisioned into a temporary directory), since only a start proves it starts.

Standard library only: it runs before the project's venv exists.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

SBIN = "/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin"
SAMBA_SETUP = Path("/usr/share/samba/setup")
SAMBA_SCHEMA_FILES = ("ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf",
                      "ad-schema/AD_DS_Classes__Windows_Server_2012_R2.ldf", "provision.ldif")
SAMBA_LDB_MODULES = ("samba_secrets.so", "samba_dsdb.so")
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
# the Kamailio modules that do not come with the `kamailio` package itself
KAMAILIO_MODULE_PACKAGES = {"db_sqlite": "kamailio-sqlite-modules", "json": "kamailio-json-modules"}


@dataclass
class Finding:
    """One server: the version it reports, and what keeps it from starting (nothing: it starts)."""

    server: str
    version: str = "-"
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=SBIN)


def _run(argv: list[str], timeout: float = 60) -> tuple[int, str]:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return -1, str(exc)
    return done.returncode, (done.stdout + done.stderr).strip()


def _first_line(text: str) -> str:
    return text.splitlines()[0].strip() if text else "-"


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(line.strip() for line in text.splitlines()[-lines:])


# ---- Samba AD DC ----------------------------------------------------------------------------

def samba_ldb_dir() -> Path | None:
    """Where this Samba build loads its LDB modules from (`samba -b` names MODULESDIR)."""
    binary = which("samba")
    if binary is None:
        return None
    _, out = _run([binary, "-b"], timeout=20)
    match = re.search(r"MODULESDIR:\s*(\S+)", out)
    return Path(match.group(1)) / "ldb" if match else None


def samba_file_problems(setup: Path = SAMBA_SETUP, ldb_dir: Path | None = None) -> list[str]:
    """What provisioning a DC needs and is not here, each with the package that brings it."""
    problems = [f"{tool} not found (install samba)" for tool in ("samba", "samba-tool")
                if which(tool) is None]
    if problems:
        return problems
    missing = [name for name in SAMBA_SCHEMA_FILES if not (setup / name).exists()]
    if missing:
        problems.append(f"the AD schema files provisioning loads are missing ({setup / missing[0]}"
                        f"{' and more' if len(missing) > 1 else ''}): install samba-ad-provision")
    ldb_dir = ldb_dir if ldb_dir is not None else samba_ldb_dir()
    absent = [m for m in SAMBA_LDB_MODULES if ldb_dir is None or not (ldb_dir / m).exists()]
    if absent:
        problems.append(f"the DC's LDB modules are missing ({', '.join(absent)} in {ldb_dir}): "
                        "install samba-ad-dc")
    return problems


def check_samba(provision: bool = True) -> Finding:
    finding = Finding("Samba AD DC")
    if which("samba"):
        finding.version = _first_line(_run([which("samba"), "--version"], timeout=20)[1])
    finding.problems = samba_file_problems()
    if finding.problems or not provision:
        return finding
    if os.geteuid() != 0:
        finding.problems.append("a throwaway provisioning needs root (the tests and the sandbox "
                                "run a DC as root)")
        return finding
    from tobitbot.servers.samba import SambaDC, free_loopback_ip

    with tempfile.TemporaryDirectory(prefix="tobitbot-preflight-samba-") as tmp:
        try:
            SambaDC(Path(tmp) / "dc", host_ip=free_loopback_ip()).provision()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            finding.problems.append(f"a throwaway provisioning failed: {_tail(str(exc))}")
    return finding


# ---- Kamailio -------------------------------------------------------------------------------

def kamailio_module_problems(config: Path, module_dir: Path | None) -> list[str]:
    """Each module the config loads that is not in the module dir, with its package."""
    wanted = re.findall(r'^\s*loadmodule\s+"([^"]+)\.so"', config.read_text(), re.MULTILINE)
    problems = []
    for module in wanted:
        if module_dir is None or not (module_dir / f"{module}.so").exists():
            package = KAMAILIO_MODULE_PACKAGES.get(module, "kamailio")
            problems.append(f"module {module}.so is missing: install {package}")
    return problems


def check_kamailio(start: bool = True) -> Finding:
    from tobitbot.servers import kamailio

    finding = Finding("Kamailio")
    binary = kamailio.kamailio_binary()
    if binary is None:
        finding.problems.append("kamailio not found (install kamailio)")
        return finding
    finding.version = _first_line(_run([binary, "-v"], timeout=20)[1])
    directory = next((Path(d) for d in kamailio.MODULE_DIRS if (Path(d) / "tm.so").exists()), None)
    finding.problems = kamailio_module_problems(kamailio.CONFIG, directory)
    if finding.problems or not start:
        return finding
    with tempfile.TemporaryDirectory(prefix="tobitbot-preflight-kamailio-") as tmp:
        server = kamailio.KamailioServer(Path(tmp))
        try:
            server.start(timeout=30)
        except (RuntimeError, TimeoutError, OSError) as exc:
            finding.problems.append(f"it did not start: {_tail(str(exc))}")
        finally:
            server.stop()
    return finding


# ---- Redis ----------------------------------------------------------------------------------

def _ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


def check_redis(start: bool = True) -> Finding:
    from tobitbot.servers.redis import RedisServer

    finding = Finding("Redis")
    if which("redis-server") is None:
        finding.problems.append("redis-server not found (install redis-server)")
        return finding
    finding.version = _first_line(_run([which("redis-server"), "--version"])[1]).split(" sha=")[0]
    if not start:
        return finding
    with tempfile.TemporaryDirectory(prefix="tobitbot-preflight-redis-") as tmp:
        server = RedisServer(Path(tmp))
        try:
            server.start()
            if not _ping(server.port):
                finding.problems.append("it started but did not answer PING")
        except (RuntimeError, TimeoutError, OSError) as exc:
            finding.problems.append(f"it did not start: {_tail(str(exc))}")
        finally:
            server.stop()
    return finding


# ---- Chromium (the browser test and the sandbox's screenshot) -------------------------------

def check_chromium(start: bool = True) -> Finding:
    finding = Finding("Chromium")
    binary = which("chromium")
    if binary is None:
        finding.problems.append("chromium not found (install chromium)")
        return finding
    finding.version = _first_line(_run([binary, "--version"])[1])
    if which("chromedriver") is None:
        finding.problems.append("chromedriver not found (install chromium-driver)")
    if not EMOJI_FONT.exists():
        finding.problems.append(f"{EMOJI_FONT} is missing: install fonts-noto-color-emoji")
    if finding.problems or not start:
        return finding
    with tempfile.TemporaryDirectory(prefix="tobitbot-preflight-chromium-") as profile:
        code, out = _run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                          "--no-first-run", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={profile}", "--dump-dom",
                          "data:text/html,<p>preflight-ok</p>"], timeout=90)
    if code != 0 or "preflight-ok" not in out:
        finding.problems.append(f"headless chromium did not render a page ({code}): {_tail(out)}")
    return finding


CHECKS: dict[str, Callable[[bool], Finding]] = {
    "redis": check_redis, "samba": check_samba, "kamailio": check_kamailio, "chromium": check_chromium}


def report(findings: list[Finding]) -> str:
    width = max(len(f.server) for f in findings)
    lines = []
    for f in findings:
        state = "ok" if f.ok else "CANNOT START: " + "; ".join(f.problems)
        lines.append(f"  {f.server:<{width}}  {f.version}\n  {'':<{width}}  -> {state}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="preflight", description=__doc__.splitlines()[0])
    parser.add_argument("--warn", action="store_true",
                        help="report what cannot start, but exit 0 (the sandbox simulates it)")
    parser.add_argument("--files-only", action="store_true", help="check files, start nothing")
    parser.add_argument("servers", nargs="*", metavar="SERVER",
                        help=f"some of {', '.join(CHECKS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.servers) - set(CHECKS))
    if unknown:
        parser.error(f"unknown server {', '.join(unknown)}: choose from {', '.join(CHECKS)}")
    findings = [CHECKS[name](not args.files_only) for name in args.servers or CHECKS]
    print("preflight: the real servers on this machine", flush=True)
    print(report(findings), flush=True)
    bad = [f.server for f in findings if not f.ok]
    if bad:
        print(f"preflight: {', '.join(bad)} cannot start here: install what is named above "
              "(scripts/install-system.sh)", file=sys.stderr)
        return 0 if args.warn else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
