"""An in-memory MailServer with the same refusals as the provisioning API (pool, R15, R19)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from commands.errors import NotFound, PermanentBackendError, RetryableBackendError


class FakeMailServer:
    """One customer's Tobit server; `calls` records writes, `fail_next` injects one error."""

    def __init__(self, pool_mb: int = 10 * 5120):
        self.pool_mb = pool_mb
        self.mailboxes: dict[str, dict[str, Any]] = {}
        self.routes: dict[str, str] = {}
        self.keys: dict[str, Any] = {}
        self.calls: list[tuple[str, ...]] = []
        self.fail_next: Exception | None = None
        self._ids = itertools.count(1)

    def _write(self, *call: str) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.calls.append(call)

    def _box(self, user: str) -> dict[str, Any]:
        if user not in self.mailboxes:
            raise PermanentBackendError("tobit", f"HTTP 404: no mailbox {user!r}")
        return self.mailboxes[user]

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "version": "fake", "simulator": True}

    def get_pool(self) -> dict[str, Any]:
        return {"pool_mb": self.pool_mb, "used_mb": sum(b["used_mb"] for b in self.mailboxes.values())}

    def set_pool(self, pool_mb: int) -> None:
        self._write("set_pool", str(pool_mb))
        if pool_mb < self.get_pool()["used_mb"]:
            raise PermanentBackendError("tobit", "HTTP 409: pool below usage (R7)")
        self.pool_mb = pool_mb

    def get_mailbox(self, user: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.mailboxes.get(user))

    def list_mailboxes(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(self.mailboxes[u]) for u in sorted(self.mailboxes)]

    def create_mailbox(self, user: str, display_name: str, mail: str, *,
                       idempotency_key: str) -> dict[str, Any]:
        if idempotency_key in self.keys:
            return copy.deepcopy(self.keys[idempotency_key])
        self._write("create_mailbox", user)
        if user in self.mailboxes:
            self.mailboxes[user].update(display_name=display_name, mail=mail)
        else:
            pool = self.get_pool()
            if pool["used_mb"] >= pool["pool_mb"]:
                raise PermanentBackendError("tobit", "HTTP 409: the storage pool is full (R7)")
            self.mailboxes[user] = {"user": user, "display_name": display_name, "mail": mail,
                                    "activesync": True, "signature": "", "used_mb": 0,
                                    "archived": False, "archive_id": None, "archive_mode": None}
        self.keys[idempotency_key] = copy.deepcopy(self.mailboxes[user])
        return copy.deepcopy(self.mailboxes[user])

    def set_activesync(self, user: str, enabled: bool) -> None:
        self._write("set_activesync", user, str(enabled))
        self._box(user)["activesync"] = enabled

    def set_signature(self, user: str, text: str) -> None:
        self._write("set_signature", user)
        self._box(user)["signature"] = text

    def archive_mailbox(self, user: str, mode: str, *, idempotency_key: str) -> dict[str, Any]:
        if idempotency_key in self.keys:
            return dict(self.keys[idempotency_key])
        box = self._box(user)  # refused before it counts as a call: nothing was archived
        self._write("archive_mailbox", user, mode)
        archive_id = f"{mode}-{next(self._ids)}"
        box.update(archived=True, archive_id=archive_id, archive_mode=mode)
        self.keys[idempotency_key] = {"archive_id": archive_id, "user": user, "mode": mode}
        return dict(self.keys[idempotency_key])

    def delete_mailbox(self, user: str) -> None:
        self._write("delete_mailbox", user)
        if user not in self.mailboxes:
            return
        if not self.mailboxes[user]["archived"]:
            raise PermanentBackendError("tobit", "HTTP 409: archive or export it first (R19)")
        if user in self.routes.values():
            raise PermanentBackendError("tobit", "HTTP 409: fax numbers still route to it (R15)")
        del self.mailboxes[user]

    def get_fax_route(self, number: str) -> dict[str, Any] | None:
        user = self.routes.get(number)
        return None if user is None else {"number": number, "user": user}

    def add_fax_route(self, number: str, user: str) -> None:
        self._write("add_fax_route", number, user)
        if user not in self.mailboxes:
            raise PermanentBackendError("tobit", f"HTTP 422: no mailbox {user!r}")
        if self.routes.get(number, user) != user:
            raise PermanentBackendError("tobit", "HTTP 409: number routes elsewhere (R15)")
        self.routes[number] = user

    def remove_fax_route(self, number: str) -> None:
        self._write("remove_fax_route", number)
        self.routes.pop(number, None)


class FakeMailServers:
    """MailServers over FakeMailServer, one per customer that has a server."""

    def __init__(self, **servers: FakeMailServer):
        self.servers = dict(servers)

    def for_customer(self, customer: str) -> FakeMailServer:
        if customer not in self.servers:
            raise NotFound(f"customer {customer} has no Tobit server URL (tobit_url) on record")
        return self.servers[customer]


def busy() -> RetryableBackendError:
    return RetryableBackendError("tobit", "HTTP 503: busy")
