"""The `ad.*` steps: each one Directory call, a check of its effect, and its undo.

`verify` reads AD and answers "is the effect there?", so a re-run skips what is done.
`ad.create_user` marks the account with the request id: a re-run finds that account (recall)
instead of creating a namesake "jdoe2".
"""

from __future__ import annotations

from typing import Any

from workers.passwords import generate_password
from workers.steps.base import Backends, StepContext, StepImpl, register

Args = dict[str, Any]


def _user(b: Backends, a: Args) -> dict[str, Any] | None:
    return b.directory.find_user(a["customer"], a["user"])


def _has(b: Backends, a: Args, field: str, value: Any) -> bool:
    user = _user(b, a)
    return user is not None and value in user[field]


# ---- customer -----------------------------------------------------------------------------

register(StepImpl(
    "ad.create_customer",
    apply=lambda b, a, c: b.directory.create_customer(a["customer"], a["display_name"]),
    verify=lambda b, a, c: (s := b.directory.customer(a["customer"])) is not None
    and s.display_name == a["display_name"],
    undo=lambda b, a, c: b.directory.delete_customer(a["customer"]),
))


def _previous_key(a: Args) -> str:
    # where the value before this step is kept for undo; not a "${name}" a plan could use
    return f"previous-contract:{a['customer']}:{a['key']}"


def _set_contract(b: Backends, a: Args, c: StepContext) -> dict[str, Any]:
    previous = b.directory.get_contract(a["customer"]).get(a["key"])
    b.directory.set_contract(a["customer"], a["key"], a["value"])
    return {_previous_key(a): previous}


register(StepImpl(
    "ad.set_contract",
    apply=_set_contract,
    verify=lambda b, a, c: b.directory.get_contract(a["customer"]).get(a["key"]) == a["value"],
    # only what this step changed is put back; skipped (already there) means nothing to undo
    undo=lambda b, a, c: b.directory.set_contract(
        a["customer"], a["key"], c.values.get(_previous_key(a), a["value"])),
    recall=lambda b, a, c: {_previous_key(a): a["value"]},
))


def _has_domain(b: Backends, a: Args) -> bool:
    state = b.directory.customer(a["customer"])
    return state is not None and a["domain"].lower() in (d.name for d in state.domains)


register(StepImpl(
    "ad.add_domain",
    apply=lambda b, a, c: b.directory.add_domain(a["customer"], a["domain"]),
    verify=lambda b, a, c: _has_domain(b, a),
    undo=lambda b, a, c: b.directory.remove_domain(a["customer"], a["domain"]),
))
register(StepImpl(
    "ad.remove_domain",
    apply=lambda b, a, c: b.directory.remove_domain(a["customer"], a["domain"]),
    verify=lambda b, a, c: not _has_domain(b, a),
    undo=lambda b, a, c: b.directory.add_domain(a["customer"], a["domain"]),
))


# ---- users --------------------------------------------------------------------------------

def _account(user: dict[str, Any]) -> dict[str, Any]:
    return {"sam": user["sam"], "upn": user["upn"], "mail": user["mail"]}


def _create_user(b: Backends, a: Args, c: StepContext) -> dict[str, Any]:
    made = b.directory.create_user(
        a["customer"], given_name=a["given_name"], surname=a["surname"],
        display_name=a["display_name"], email=a.get("email"), solo=bool(a.get("solo")),
        marker=c.request_id, sam=a.get("sam"))
    return _account(made)


def _recall_user(b: Backends, a: Args, c: StepContext) -> dict[str, Any]:
    found = b.directory.find_user_by_marker(a["customer"], c.request_id)
    return _account(found) if found else {}


def _delete_marked_user(b: Backends, a: Args, c: StepContext) -> None:
    found = b.directory.find_user_by_marker(a["customer"], c.request_id)
    if found is not None:
        b.directory.delete_user(a["customer"], found["sam"])


register(StepImpl(
    "ad.create_user",
    apply=_create_user,
    verify=lambda b, a, c: b.directory.find_user_by_marker(a["customer"], c.request_id) is not None,
    undo=_delete_marked_user,
    recall=_recall_user,
))


def _set_password(b: Backends, a: Args, c: StepContext) -> dict[str, Any]:
    user = _user(b, a) or {}
    # AD refuses a password containing the account name or parts of the display name
    avoid = tuple(filter(None, (user.get("sam"), user.get("display_name"), a["user"])))
    password = generate_password(avoid=avoid)
    b.directory.set_password(a["customer"], a["user"], password, bool(a["must_change"]))
    return {"secret:password": password}


register(StepImpl(
    "ad.set_password",
    apply=_set_password,
    # the password cannot be read back; what can be checked is the account and its flag
    verify=lambda b, a, c: (u := _user(b, a)) is not None
    and u.get("must_change", bool(a["must_change"])) == bool(a["must_change"]),
))
register(StepImpl(
    "ad.enable_user",
    apply=lambda b, a, c: b.directory.set_enabled(a["customer"], a["user"], True),
    verify=lambda b, a, c: (u := _user(b, a)) is not None and u["enabled"],
    undo=lambda b, a, c: b.directory.set_enabled(a["customer"], a["user"], False),
))
register(StepImpl(
    "ad.disable_user",
    apply=lambda b, a, c: b.directory.set_enabled(a["customer"], a["user"], False),
    verify=lambda b, a, c: (u := _user(b, a)) is not None and not u["enabled"],
    undo=lambda b, a, c: b.directory.set_enabled(a["customer"], a["user"], True),
))
register(StepImpl(
    "ad.delete_user",
    apply=lambda b, a, c: b.directory.delete_user(a["customer"], a["user"]),
    verify=lambda b, a, c: _user(b, a) is None,
))
register(StepImpl(
    "ad.add_to_group",
    apply=lambda b, a, c: b.directory.add_to_group(a["customer"], a["user"], a["group"]),
    verify=lambda b, a, c: _has(b, a, "groups", a["group"]),
    undo=lambda b, a, c: b.directory.remove_from_group(a["customer"], a["user"], a["group"]),
))
register(StepImpl(
    "ad.remove_from_group",
    apply=lambda b, a, c: b.directory.remove_from_group(a["customer"], a["user"], a["group"]),
    verify=lambda b, a, c: not _has(b, a, "groups", a["group"]),
    undo=lambda b, a, c: b.directory.add_to_group(a["customer"], a["user"], a["group"]),
))
register(StepImpl(
    "ad.add_fax_number",
    apply=lambda b, a, c: b.directory.add_fax_number(a["customer"], a["user"], a["number"]),
    verify=lambda b, a, c: _has(b, a, "fax_numbers", a["number"]),
    undo=lambda b, a, c: b.directory.remove_fax_number(a["customer"], a["user"], a["number"]),
))
register(StepImpl(
    "ad.remove_fax_number",
    apply=lambda b, a, c: b.directory.remove_fax_number(a["customer"], a["user"], a["number"]),
    verify=lambda b, a, c: not _has(b, a, "fax_numbers", a["number"]),
    undo=lambda b, a, c: b.directory.add_fax_number(a["customer"], a["user"], a["number"]),
))
