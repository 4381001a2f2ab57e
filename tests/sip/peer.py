"""A tiny SIP user agent on a UDP loopback port: the caller, the fax server, a trunk, a carrier.

It records every request that reaches it and answers INVITEs itself (200 OK with a T.38
answer, or the status set in `answer`), so a test can send a call through Kamailio and then
look at exactly what arrived where. It can also place calls (`invite`) from its own port,
which is how the fax server's outgoing faxes come from the fax server's address.
"""

from __future__ import annotations

import queue
import socket
import threading
import time

from tests.sip.message import SipMessage, ack_for, invite, new_tag, parse, reply_to, t38_offer

REASONS = {200: "OK", 404: "Not Found", 486: "Busy Here", 488: "Not Acceptable Here"}


class SipPeer:
    def __init__(self, name: str, host: str = "127.0.0.1", answer: int = 200):
        self.name = name
        self.answer = answer
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.2)
        self.received: list[SipMessage] = []
        self._arrived = threading.Condition()
        self._replies: dict[str, queue.Queue] = {}
        self._running = True
        self._thread = threading.Thread(target=self._serve, name=f"sip-{name}", daemon=True)
        self._thread.start()

    @property
    def address(self) -> tuple[str, int]:
        return self._sock.getsockname()

    @property
    def uri(self) -> str:
        host, port = self.address
        return f"sip:{host}:{port}"

    def close(self) -> None:
        self._running = False
        # an empty datagram wakes the receiving thread now instead of at its next timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as waker:
            waker.sendto(b"", self.address)
        self._thread.join(2)
        self._sock.close()

    # ---- placing calls -----------------------------------------------------------------------

    def invite(self, proxy: tuple[str, int], number: str, *, headers: list[tuple[str, str]] = (),
               from_uri: str | None = None, timeout: float = 5.0) -> SipMessage:
        """Call `number` through the proxy; return the final reply (the call is ACKed)."""
        host, port = self.address
        request = invite(f"sip:{number}@{proxy[0]}:{proxy[1]}", local=self.address,
                         from_uri=from_uri or f"sip:{self.name}@{host}:{port}",
                         to_uri=f"sip:{number}@{proxy[0]}", extra=list(headers))
        final = self.request(proxy, request, timeout)
        self.send(proxy, ack_for(request, final, self.address))
        return final

    def request(self, proxy: tuple[str, int], message: SipMessage, timeout: float) -> SipMessage:
        """Send a request and wait for its final (>= 200) reply; provisional ones are skipped."""
        replies = self._replies.setdefault(message.header("Call-ID"), queue.Queue())
        self.send(proxy, message)
        deadline = time.monotonic() + timeout
        try:
            while True:
                reply = replies.get(timeout=max(0.0, deadline - time.monotonic()))
                if reply.status >= 200 and reply.cseq_method == message.method:
                    return reply
        except queue.Empty:
            raise TimeoutError(f"{self.name}: no final reply to {message.first_line}") from None
        finally:
            self._replies.pop(message.header("Call-ID"), None)

    def send(self, address: tuple[str, int], message: SipMessage) -> None:
        self._sock.sendto(message.encode(), address)

    # ---- receiving ---------------------------------------------------------------------------

    def wait_for(self, method: str, timeout: float = 3.0, count: int = 1) -> SipMessage:
        """The `count`-th request of `method` that reached this peer (waits for it)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.requests(method)) >= count, timeout):
                raise TimeoutError(f"{self.name}: no {method} arrived within {timeout}s")
            return self.requests(method)[count - 1]

    def requests(self, method: str) -> list[SipMessage]:
        return [m for m in list(self.received) if m.method == method]

    def _serve(self) -> None:
        while self._running:
            try:
                data, source = self._sock.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            if not data:
                continue
            message = parse(data)
            if not message.is_request:
                replies = self._replies.get(message.header("Call-ID"))
                if replies is not None:
                    replies.put(message)
                continue
            with self._arrived:
                self.received.append(message)
                self._arrived.notify_all()
            self._answer(message, source)

    def _answer(self, request: SipMessage, source: tuple[str, int]) -> None:
        if request.method == "ACK":
            return
        host, port = self.address
        status = self.answer if request.method == "INVITE" else 200
        body = t38_offer(host, port + 1) if request.method == "INVITE" and status == 200 else ""
        reply = reply_to(request, status, REASONS.get(status, "Whatever"), tag=new_tag(),
                         contact=f"sip:{self.name}@{host}:{port}", body=body)
        # replies go back where the request came from: the proxy (RFC 3581 rport behaviour)
        self._sock.sendto(reply.encode(), source)
