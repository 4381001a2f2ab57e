"""SIP messages for the tests: parse what arrives, build INVITEs (with a T.38 offer) and replies.

Just enough of RFC 3261 for UDP on loopback: one header per line, no line folding, compact
header names understood on input, Content-Length always written.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

COMPACT = {"f": "from", "t": "to", "v": "via", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type"}
_USER = re.compile(r"sips?:([^@;>]+)@")


@dataclass
class SipMessage:
    first_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    # ---- reading --------------------------------------------------------------------------

    @property
    def is_request(self) -> bool:
        return not self.first_line.startswith("SIP/2.0 ")

    @property
    def method(self) -> str:
        return self.first_line.split(" ", 1)[0] if self.is_request else self.cseq_method

    @property
    def request_uri(self) -> str:
        return self.first_line.split(" ")[1]

    @property
    def status(self) -> int:
        return int(self.first_line.split(" ")[1])

    @property
    def cseq_method(self) -> str:
        return self.header("CSeq").split()[1]

    def header(self, name: str) -> str | None:
        """The first value of a header, by full or compact name, case-insensitive."""
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        wanted = COMPACT.get(name.lower(), name.lower())
        return [v for n, v in self.headers if COMPACT.get(n.lower(), n.lower()) == wanted]

    def user_of(self, name: str) -> str | None:
        """The user part of the URI in a header (From, To, P-Asserted-Identity...)."""
        value = self.header(name)
        found = _USER.search(value or "")
        return found.group(1) if found else None

    # ---- writing ---------------------------------------------------------------------------

    def encode(self) -> bytes:
        lines = [self.first_line]
        lines += [f"{n}: {v}" for n, v in self.headers if n.lower() not in ("content-length", "l")]
        lines.append(f"Content-Length: {len(self.body.encode())}")
        return ("\r\n".join(lines) + "\r\n\r\n" + self.body).encode()


def parse(data: bytes) -> SipMessage:
    head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    first, *lines = head.split("\r\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return SipMessage(first, headers, body)


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)   # the RFC 3261 magic cookie, then unique


def new_tag() -> str:
    return secrets.token_hex(6)


def t38_offer(host: str, port: int) -> str:
    """An SDP offer of T.38 fax over UDPTL, the way fax servers and XCAPI trunks offer it."""
    return "\r\n".join([
        "v=0",
        f"o=faxtest {secrets.randbelow(10**9)} 1 IN IP4 {host}",
        "s=fax",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=image {port} udptl t38",
        "a=T38FaxVersion:0",
        "a=T38MaxBitRate:14400",
        "a=T38FaxRateManagement:transferredTCF",
        "a=T38FaxMaxDatagram:400",
        "a=T38FaxUdpEC:t38UDPRedundancy",
    ]) + "\r\n"


def invite(request_uri: str, *, local: tuple[str, int], from_uri: str, to_uri: str,
           extra: list[tuple[str, str]] = (), call_id: str | None = None) -> SipMessage:
    host, port = local
    headers = [
        ("Via", f"SIP/2.0/UDP {host}:{port};branch={new_branch()};rport"),
        ("Max-Forwards", "70"),
        ("From", f"<{from_uri}>;tag={new_tag()}"),
        ("To", f"<{to_uri}>"),
        ("Call-ID", call_id or f"{secrets.token_hex(10)}@{host}"),
        ("CSeq", "1 INVITE"),
        ("Contact", f"<sip:fax@{host}:{port}>"),
        ("Content-Type", "application/sdp"),
        *extra,
    ]
    return SipMessage(f"INVITE {request_uri} SIP/2.0", headers, t38_offer(host, port + 1))


def ack_for(request: SipMessage, reply: SipMessage, local: tuple[str, int]) -> SipMessage:
    """The ACK that completes an INVITE transaction (RFC 3261 17.1.1.3 and 13.2.2.4)."""
    headers = [("Max-Forwards", "70"), ("From", request.header("From")), ("To", reply.header("To")),
               ("Call-ID", request.header("Call-ID")), ("CSeq", request.header("CSeq").split()[0] + " ACK")]
    if reply.status >= 300:
        # hop by hop: same branch and Request-URI as the INVITE
        return SipMessage(f"ACK {request.request_uri} SIP/2.0",
                          [("Via", request.header("Via"))] + headers)
    # a 2xx ACK is a new transaction to the callee's Contact, along the recorded route
    host, port = local
    target = _angle(reply.header("Contact")) or request.request_uri
    routes = [("Route", r) for r in reversed(reply.all("Record-Route"))]
    return SipMessage(f"ACK {target} SIP/2.0",
                      [("Via", f"SIP/2.0/UDP {host}:{port};branch={new_branch()};rport")]
                      + routes + headers)


def reply_to(request: SipMessage, status: int, reason: str, *, tag: str,
             contact: str | None = None, body: str = "") -> SipMessage:
    headers = [(n, v) for n, v in request.headers
               if COMPACT.get(n.lower(), n.lower()) in ("via", "from", "call-id", "cseq", "record-route")]
    to = request.header("To")
    headers.append(("To", to if ";tag=" in to or status == 100 else f"{to};tag={tag}"))
    if contact:
        headers.append(("Contact", f"<{contact}>"))
    if body:
        headers.append(("Content-Type", "application/sdp"))
    return SipMessage(f"SIP/2.0 {status} {reason}", headers, body)


def _angle(value: str | None) -> str | None:
    found = re.search(r"<([^>]+)>", value or "")
    return found.group(1) if found else None
