"""One simulated Tobit server: its mailboxes, pool and fax routes, and the rules it enforces.

State is a plain JSON-able dict (see `empty_server`) so the store can write it to disk as is.
Every method either changes the state and returns the JSON body to send, or raises `Problem`
without having changed anything.
"""

from __future__ import annotations

import re
from typing import Any

from tobitbot.tobit_simulator.problems import conflict, invalid, not_found

USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
MAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_MB = 100_000_000
TOBIT_VERSION = "8.x (SIMULATOR)"


def empty_server() -> dict[str, Any]:
    # pool 0: nothing can be created until the bot has set the booked pool (R7)
    return {"pool_mb": 0, "mailboxes": {}, "fax_routes": {}, "idempotency": {}, "archive_seq": 0}


class ServerModel:
    """The rules a real Tobit provisioning endpoint enforces, over one server's state."""

    def __init__(self, state: dict[str, Any]):
        self.state = state

    # ---- server --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "version": TOBIT_VERSION, "simulator": True}

    def used_mb(self) -> int:
        return sum(m["used_mb"] for m in self.state["mailboxes"].values())

    def pool(self) -> dict[str, Any]:
        return {"pool_mb": self.state["pool_mb"], "used_mb": self.used_mb()}

    def set_pool(self, body: dict[str, Any]) -> dict[str, Any]:
        pool_mb = _int_field(body, "pool_mb")
        used = self.used_mb()
        if pool_mb < used:
            raise conflict("pool-too-small", f"the mailboxes already use {used} MB; "
                           f"a pool of {pool_mb} MB cannot hold them", "R7")
        self.state["pool_mb"] = pool_mb
        return self.pool()

    # ---- mailboxes -----------------------------------------------------------------------

    def mailbox(self, user: str) -> dict[str, Any]:
        box = self.state["mailboxes"].get(user)
        if box is None:
            raise not_found(f"no mailbox {user!r} on this server")
        return box

    def list_mailboxes(self) -> dict[str, Any]:
        return {"mailboxes": [self.state["mailboxes"][u] for u in sorted(self.state["mailboxes"])]}

    def put_mailbox(self, user: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_fields(body, {"display_name", "mail"})
        display_name = body.get("display_name")
        mail = body.get("mail")
        if not isinstance(display_name, str) or not 1 <= len(display_name) <= 256:
            raise invalid("display_name must be a string of 1 to 256 characters")
        if not isinstance(mail, str) or len(mail) > 254 or not MAIL_RE.match(mail):
            raise invalid("mail must be an e-mail address")
        for other, box in self.state["mailboxes"].items():
            if other != user and box["mail"].casefold() == mail.casefold():
                raise conflict("mail-taken", f"{mail} is already the address of mailbox {other!r}")
        existing = self.state["mailboxes"].get(user)
        if existing is not None:
            existing.update(display_name=display_name, mail=mail)
            return 200, existing
        if self.used_mb() >= self.state["pool_mb"]:
            raise conflict("pool-exhausted", f"the storage pool is full ({self.used_mb()} of "
                           f"{self.state['pool_mb']} MB used); book more storage", "R7")
        box = {"user": user, "display_name": display_name, "mail": mail, "activesync": True,
               "signature": "", "used_mb": 0, "archived": False, "archive_id": None,
               "archive_mode": None}
        self.state["mailboxes"][user] = box
        return 201, box

    def delete_mailbox(self, user: str) -> None:
        box = self.mailbox(user)
        if not box["archived"]:
            raise conflict("not-archived", f"mailbox {user!r} must be archived or exported "
                           "before it is deleted", "R19")
        routed = sorted(n for n, u in self.state["fax_routes"].items() if u == user)
        if routed:
            raise conflict("fax-routed", f"fax numbers {', '.join(routed)} still deliver to "
                           f"mailbox {user!r}; remove those routes first", "R15")
        del self.state["mailboxes"][user]

    def archive(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        _check_fields(body, {"mode"})
        mode = body.get("mode")
        if mode not in ("archive", "export"):
            raise invalid("mode must be 'archive' or 'export'")
        box = self.mailbox(user)
        self.state["archive_seq"] += 1
        archive_id = f"{mode}-{self.state['archive_seq']:06d}"
        box.update(archived=True, archive_id=archive_id, archive_mode=mode)
        return {"archive_id": archive_id, "user": user, "mode": mode}

    def set_activesync(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        _check_fields(body, {"enabled"})
        if not isinstance(body.get("enabled"), bool):
            raise invalid("enabled must be true or false")
        box = self.mailbox(user)
        box["activesync"] = body["enabled"]
        return box

    def set_signature(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        _check_fields(body, {"text"})
        text = body.get("text")
        if not isinstance(text, str) or len(text) > 4000:
            raise invalid("text must be a string of at most 4000 characters")
        box = self.mailbox(user)
        box["signature"] = text
        return box

    def set_usage(self, user: str, body: dict[str, Any]) -> dict[str, Any]:
        used_mb = _int_field(body, "used_mb")
        box = self.mailbox(user)
        total = self.used_mb() - box["used_mb"] + used_mb
        if total > self.state["pool_mb"]:
            raise conflict("pool-exhausted", f"storing {used_mb} MB in {user!r} would use "
                           f"{total} of {self.state['pool_mb']} MB", "R7")
        box["used_mb"] = used_mb
        return box

    # ---- fax routes ----------------------------------------------------------------------

    def fax_routes(self) -> dict[str, Any]:
        routes = self.state["fax_routes"]
        return {"fax_routes": [{"number": n, "user": routes[n]} for n in sorted(routes)]}

    def fax_route(self, number: str) -> dict[str, Any]:
        user = self.state["fax_routes"].get(number)
        if user is None:
            raise not_found(f"fax number {number} is not routed on this server")
        return {"number": number, "user": user}

    def put_fax_route(self, number: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_fields(body, {"user"})
        user = body.get("user")
        if not isinstance(user, str) or not USER_RE.match(user):
            raise invalid("user must be an account name")
        if user not in self.state["mailboxes"]:
            raise invalid(f"there is no mailbox {user!r} to deliver fax to", "no-such-mailbox")
        current = self.state["fax_routes"].get(number)
        if current == user:
            return 200, {"number": number, "user": user}
        if current is not None:
            raise conflict("number-taken", f"{number} already routes to mailbox {current!r}; "
                           "a number routes to exactly one mailbox", "R15")
        self.state["fax_routes"][number] = user
        return 201, {"number": number, "user": user}

    def delete_fax_route(self, number: str) -> None:
        self.fax_route(number)
        del self.state["fax_routes"][number]


def _check_fields(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid(f"unknown fields: {', '.join(unknown)}")
    missing = sorted(allowed - set(body))
    if missing:
        raise invalid(f"missing fields: {', '.join(missing)}")


def _int_field(body: dict[str, Any], name: str) -> int:
    _check_fields(body, {name})
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MB:
        raise invalid(f"{name} must be a whole number of MB from 0 to {MAX_MB}")
    return value
