"""How long the fax PBX takes to route an INVITE: p50/p95 on loopback, printed, not asserted.

Starts a throwaway Kamailio (tobitbot.servers.kamailio) with the test SIP user agents around
it, times adding routes through KamailioPbx (which leaves `count` routes in the table), then
times sequential INVITEs from send to final reply: routed inbound, unrouted (404) and masked
outbound. The answering user agent replies at once, so a routed call is Kamailio's routing
plus two UDP hops each way.

    .venv/bin/python bench/bench_pbx.py [--count 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

# run as a script from anywhere: the repository root holds the packages and tests/sip
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sip.peer import SipPeer  # noqa: E402
from tobitbot.servers.kamailio import KamailioServer  # noqa: E402
from workers.pbx import KamailioPbx  # noqa: E402

NUMBER, UNROUTED, DESTINATION = "+4930123456", "+4930999999", "+4989555000"


def timed(count: int, call) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    cuts = statistics.quantiles(samples, n=100)
    print(f"{name:<28} n={len(samples):<5} p50={cuts[49]:6.2f} ms  p95={cuts[94]:6.2f} ms  "
          f"max={max(samples):6.2f} ms")


def expect(status: int, reply) -> None:
    if reply.status != status:
        raise SystemExit(f"expected {status}, got {reply.first_line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="INVITEs per scenario")
    count = parser.parse_args().count
    fax, carrier, caller = SipPeer("faxserver"), SipPeer("carrier"), SipPeer("caller")
    with tempfile.TemporaryDirectory(prefix="bench-pbx-") as data_dir:
        server = KamailioServer(Path(data_dir), fax_server_uri=fax.uri, upstream_uri=carrier.uri)
        started = time.perf_counter()
        server.start()
        print(f"kamailio started in {(time.perf_counter() - started) * 1000:.0f} ms")
        pbx = KamailioPbx(server.rpc_url)
        try:
            host, port = fax.address
            target = f"sip:jdoe@{host}:{port}"
            # each a new number, so each is a real write-through (SQLite, then the htable)
            numbers = iter(f"+49301{n:07d}" for n in range(10**7))
            report("fax.route_add, new number", timed(count, lambda: pbx.add_fax_route(
                next(numbers), customer="acme", user="jdoe", mode="shared", target=target)))
            pbx.add_fax_route(NUMBER, customer="acme", user="jdoe", mode="shared", target=target)
            report("inbound, routed -> 200", timed(count, lambda: expect(
                200, caller.invite(server.sip_address, NUMBER))))
            report("inbound, unrouted -> 404", timed(count, lambda: expect(
                404, caller.invite(server.sip_address, UNROUTED))))
            masked = [("X-Tobit-Customer", "acme"), ("X-Tobit-Mailbox", "jdoe"),
                      ("X-Tobit-Fax-Number", NUMBER)]
            report("outbound, masked -> 200", timed(count, lambda: expect(
                200, fax.invite(server.sip_address, DESTINATION, headers=masked))))
        finally:
            pbx.close()
            server.stop()
            for peer in (fax, carrier, caller):
                peer.close()


if __name__ == "__main__":
    main()
