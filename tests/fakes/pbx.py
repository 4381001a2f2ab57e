"""An in-memory Pbx with the real PBX's refusals (R15, bad input) and an outage switch."""

from __future__ import annotations

import re
from typing import Any

from commands.errors import PermanentBackendError, RetryableBackendError

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class FakePbx:
    """Routes by number; `calls` records writes; `down = True` makes every call fail retryably."""

    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False

    def _reachable(self) -> None:
        if self.down:
            raise RetryableBackendError("pbx", "fax.route_add at http://pbx/RPC failed: ConnectionError")

    def get_fax_route(self, number: str) -> dict[str, Any] | None:
        self._reachable()
        route = self.routes.get(number)
        return dict(route) if route else None

    def list_fax_routes(self) -> list[dict[str, Any]]:
        self._reachable()
        return [dict(self.routes[n]) for n in sorted(self.routes)]

    def add_fax_route(self, number: str, *, customer: str, user: str, mode: str, target: str) -> None:
        self._reachable()
        if not E164.match(number):
            raise PermanentBackendError("pbx", "fax.route_add: number must be E.164, like +4930123456")
        if mode not in ("shared", "dedicated"):
            raise PermanentBackendError("pbx", "fax.route_add: mode must be shared or dedicated")
        current = self.routes.get(number)
        if current and (current["customer"], current["user"]) != (customer, user):
            raise PermanentBackendError("pbx", f"fax.route_add: {number} already routes to mailbox "
                                        f"{current['user']} of customer {current['customer']}; "
                                        "a number routes to exactly one mailbox (R15)")
        self.calls.append(("add", number))
        self.routes[number] = {"number": number, "customer": customer, "user": user,
                               "mode": mode, "target": target}

    def remove_fax_route(self, number: str) -> None:
        self._reachable()
        self.calls.append(("remove", number))
        self.routes.pop(number, None)
