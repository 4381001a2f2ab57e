"""KamailioPbx: fax routes on the provider's Kamailio (the Pbx port).

Writes go through the config's own methods (fax.route_add / fax.route_remove), which store
the route in SQLite and in memory under one lock and refuse a number that already routes to
another mailbox (R15). Reads use Kamailio's htable RPCs on the in-memory table, which is what
calls are routed by; its value packs "customer,mailbox,mode,target" (deploy/kamailio/README.md).
"""

from __future__ import annotations

from typing import Any

from workers.pbx.jsonrpc import JsonRpcClient, RpcError

TABLE = "fax"


class KamailioPbx:
    def __init__(self, rpc_url: str, timeout: float = 3.0):
        self._rpc = JsonRpcClient(rpc_url, timeout)

    def __repr__(self) -> str:
        return f"KamailioPbx({self._rpc.url!r})"

    def close(self) -> None:
        self._rpc.close()

    def get_fax_route(self, number: str) -> dict[str, Any] | None:
        try:
            item = self._rpc.call("htable.get", [TABLE, number])["item"]
        except RpcError as exc:
            # htable.get has no "absent" answer of its own, only this error text
            if "doesn't exist" in exc.message:
                return None
            raise
        return unpack(item["name"], item["value"])

    def list_fax_routes(self) -> list[dict[str, Any]]:
        slots = self._rpc.call("htable.dump", [TABLE]) or []
        routes = [unpack(item["name"], item["value"]) for slot in slots for item in slot["slot"]]
        return sorted(routes, key=lambda r: r["number"])

    def add_fax_route(self, number: str, *, customer: str, user: str, mode: str, target: str) -> None:
        self._rpc.call("fax.route_add", {"number": number, "customer": customer, "user": user,
                                         "mode": mode, "target": target})

    def remove_fax_route(self, number: str) -> None:
        self._rpc.call("fax.route_remove", {"number": number})

    def reload(self) -> None:
        """Load the routes again from the table (after someone edited the SQLite file)."""
        self._rpc.call("htable.reload", [TABLE])


def unpack(number: str, value: str) -> dict[str, Any]:
    """A route from the htable's packed value; the target is last, so it may hold no comma."""
    customer, user, mode, target = value.split(",", 3)
    return {"number": number, "customer": customer, "user": user, "mode": mode, "target": target}
