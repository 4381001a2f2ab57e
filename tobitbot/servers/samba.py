"""A throwaway Samba AD domain controller serving LDAP/LDAPS on one loopback address.

Samba's LDAP ports are fixed (389, 636), so several DCs (tests, a sandbox) run side by side on
different loopback addresses (127.0.0.N): Linux routes all of 127/8 to `lo`, and Samba binds an
address it is given with a netmask ("127.0.0.N/8") even when no interface carries it, whereas a
bare "127.0.0.N" is looked up among the interfaces and silently dropped.

Provisioning takes ~3 s and is reused: a data dir that already holds a domain is just started
(`--data-dir` persistence). samba-tool writes smb.conf and sam.ldb early on, so a provisioning
cut short (Ctrl-C, a kill) leaves files that look like a domain: only the marker written once
samba-tool has succeeded counts, and a directory without it is removed and provisioned again.
samba-tool runs in a session of its own, so a Ctrl-C meant for the sandbox does not reach it.

Password policy stays at AD's defaults (complexity on), so the passwords the bot generates are
proven against the real policy.
"""

from __future__ import annotations

import logging
import random
import shutil
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tobitbot.servers.process import _tail, detached, spawn, stop

log = logging.getLogger(__name__)
DEFAULT_ADMIN_PASSWORD = "Tobit-Adm1n-Sandbox!"
LDAPS_PORT = 636


def free_loopback_ip(port: int = LDAPS_PORT, first: int = 2, last: int = 250) -> str:
    """A 127.0.0.N address whose `port` nobody listens on right now (N picked at random)."""
    candidates = list(range(first, last + 1))
    random.shuffle(candidates)
    for n in candidates:
        ip = f"127.0.0.{n}"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((ip, port))
            except OSError:
                continue
        return ip
    raise RuntimeError(f"no loopback address with port {port} free")


@dataclass
class SambaDC:
    data_dir: Path
    realm: str = "TOBIT.TEST"
    domain: str = "TOBIT"
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    host_ip: str = "127.0.0.1"
    host_name: str = "dc"
    proc: subprocess.Popen | None = field(default=None, repr=False)

    # ---- what clients need -------------------------------------------------------------------

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host_ip}:{LDAPS_PORT}"

    @property
    def base_dn(self) -> str:
        return ",".join(f"DC={part}" for part in self.realm.lower().split("."))

    @property
    def admin_user(self) -> str:
        return f"{self.domain}\\Administrator"

    @property
    def ca_file(self) -> Path:
        """Samba's self-signed CA; written on first start."""
        return self.data_dir / "private" / "tls" / "ca.pem"

    @property
    def tls_name(self) -> str:
        """The name in Samba's host certificate; clients connecting by IP check against it."""
        return f"{self.host_name.upper()}.{self.realm.lower()}"

    @property
    def smb_conf(self) -> Path:
        return self.data_dir / "etc" / "smb.conf"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "samba.log"

    @property
    def provisioned_marker(self) -> Path:
        """Written after samba-tool succeeded: the one sign of a complete domain."""
        return self.data_dir / ".provisioned"

    def is_provisioned(self) -> bool:
        if self.provisioned_marker.exists():
            return True
        # Data dirs from before the marker: a domain that samba served (its TLS CA is written
        # on the first start) or whose provisioning reached its last step (krb5.conf).
        private = self.data_dir / "private"
        return (self.smb_conf.exists() and (private / "sam.ldb").exists()
                and ((private / "tls" / "ca.pem").exists() or (private / "krb5.conf").exists()))

    def is_half_provisioned(self) -> bool:
        """A provisioning began here and never finished (interrupted, killed, failed)."""
        leftovers = (self.smb_conf, self.data_dir / "private", self.data_dir / "state")
        return not self.is_provisioned() and any(path.exists() for path in leftovers)

    # ---- life cycle ---------------------------------------------------------------------------

    def provision(self) -> None:
        tool = _binary("samba-tool")
        if self.is_half_provisioned():
            log.warning("%s holds a Samba domain whose provisioning never finished: removing it "
                        "and provisioning again", self.data_dir)
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [tool, "domain", "provision", f"--targetdir={self.data_dir}",
                f"--realm={self.realm}", f"--domain={self.domain}", "--server-role=dc",
                "--dns-backend=NONE", f"--host-ip={self.host_ip}", f"--host-name={self.host_name}",
                f"--adminpass={self.admin_password}", *self._self_contained_options()]
        # a session of its own: a Ctrl-C meant for the sandbox must not cut the domain in half
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, **detached())
        if result.returncode != 0:
            # samba-tool echoes no secrets; its tail says which option it disliked
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
            raise RuntimeError(f"samba-tool domain provision failed ({result.returncode}):\n{tail}")
        self.provisioned_marker.write_text("samba-tool domain provision finished\n")

    def start(self, timeout: float = 30.0) -> "SambaDC":
        """Provision if needed, start serving LDAP/LDAPS, return once an LDAPS bind works."""
        binary = _binary("samba")
        if not self.is_provisioned():
            self.provision()
        argv = [binary, "-s", str(self.smb_conf), "-i", "-M", "single",
                "--option=server services=ldap", *self._self_contained_options()]
        # -i (interactive) exits when stdin closes: the pipe is kept open until stop()
        self.proc = spawn(argv, self.log_file, stdin=subprocess.PIPE)
        self._wait_until_bindable(timeout)
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        stop(proc)
        if proc is not None and proc.stdin is not None:
            proc.stdin.close()

    def _self_contained_options(self) -> list[str]:
        # Everything Samba would otherwise put under /var or /run stays in the data dir, and it
        # listens on this one address only.
        run = self.data_dir / "run"
        options = {
            "interfaces": f"{self.host_ip}/8",
            "bind interfaces only": "yes",
            "log file": str(self.log_file),
            "pid directory": str(run),
            "ncalrpc dir": str(run / "ncalrpc"),
            "winbindd socket directory": str(run / "winbindd"),
            "cache directory": str(self.data_dir / "cache"),
        }
        return [f"--option={k}={v}" for k, v in options.items()]

    def _wait_until_bindable(self, timeout: float) -> None:
        import ldap3  # only this method needs it; the launcher module stays cheap to import

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise RuntimeError(f"samba exited with {code}{_tail(self.log_file)}")
            if self.ca_file.exists():
                try:
                    conn = self.connect()
                    conn.unbind()
                    return
                except ldap3.core.exceptions.LDAPException as exc:
                    last = exc
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"samba LDAPS on {self.host_ip} did not accept a bind after "
                           f"{timeout:.0f}s ({last}){_tail(self.log_file)}")

    # ---- administration -----------------------------------------------------------------------

    def connect(self):
        """An ldap3 connection bound as Administrator over verified LDAPS."""
        import ldap3

        tls = ldap3.Tls(ca_certs_file=str(self.ca_file), validate=ssl.CERT_REQUIRED,
                        valid_names=[self.tls_name])
        server = ldap3.Server(self.host_ip, port=LDAPS_PORT, use_ssl=True, tls=tls,
                              get_info=ldap3.NONE, connect_timeout=2)
        return ldap3.Connection(server, self.admin_user, self.admin_password, auto_bind=True,
                                raise_exceptions=True, receive_timeout=10)

    def ensure_customers_ou(self) -> str:
        """Create OU=Customers under the base DN unless it exists; return its DN."""
        import ldap3

        dn = f"OU=Customers,{self.base_dn}"
        conn = self.connect()
        try:
            conn.add(dn, ["top", "organizationalUnit"], {"description": "Tobit Service customers"})
        except ldap3.core.exceptions.LDAPEntryAlreadyExistsResult:
            pass
        finally:
            conn.unbind()
        return dn


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{name} is not installed: run scripts/install-system.sh")
    return path
