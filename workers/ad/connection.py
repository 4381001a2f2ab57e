"""One bound LDAPS connection per directory call, with every ldap3 error mapped.

Connection per call rather than a pool or ldap3's RESTARTABLE strategy: the bot makes a few
calls per job, a TLS handshake on a LAN costs milliseconds, and a fresh connection never
carries a half-dead socket from an earlier job. Retrying a transient fault is the job queue's
business (RetryableBackendError), not a loop hidden in here that would stall a job for long.
"""

from __future__ import annotations

import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import ldap3
from ldap3.core.exceptions import LDAPException

from workers.ad.errors import map_error


@dataclass(frozen=True)
class LdapSettings:
    url: str
    user: str
    password: str
    base_dn: str
    ca_file: str | None = None
    tls_verify: bool = True           # opting out is explicit, for a lab only
    tls_name: str | None = None       # name in the certificate when `url` uses an IP address
    connect_timeout: int = 5         # seconds; ldap3 packs them into socket options as integers
    receive_timeout: int = 15


class Connector:
    """Opens bound connections to AD; `session()` is the only way in."""

    def __init__(self, settings: LdapSettings):
        self.settings = settings
        if not settings.url.lower().startswith("ldaps://"):
            # unicodePwd can only be written over an encrypted connection, and the bot's
            # password must not cross the wire in clear: plain ldap:// is refused outright
            raise ValueError(f"AD url must be ldaps://, got {settings.url!r}")
        self._tls = ldap3.Tls(
            ca_certs_file=settings.ca_file,
            validate=ssl.CERT_REQUIRED if settings.tls_verify else ssl.CERT_NONE,
            valid_names=[settings.tls_name] if settings.tls_name else None,
        )

    @contextmanager
    def session(self) -> Iterator[ldap3.Connection]:
        s = self.settings
        try:
            # a new Server each time: ldap3 remembers a failed address as unavailable on the
            # Server object, which would outlive the outage it recorded
            server = ldap3.Server(s.url, use_ssl=True, tls=self._tls, get_info=ldap3.NONE,
                                  connect_timeout=int(s.connect_timeout))
            conn = ldap3.Connection(server, s.user, s.password, auto_bind=True,
                                    raise_exceptions=True, receive_timeout=int(s.receive_timeout))
            try:
                yield conn
            finally:
                _quietly_unbind(conn)
        except LDAPException as exc:
            raise map_error(exc, s.url) from exc


def _quietly_unbind(conn: ldap3.Connection) -> None:
    # the work is done (or has failed with its own error); a dying socket at goodbye is noise
    try:
        conn.unbind()
    except LDAPException:
        pass
