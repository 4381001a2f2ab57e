"""The `pbx.*` steps: fax number routes on the provider's PBX (R15-R17).

A number routes to exactly one mailbox (R15): adding a route for a number that routes to
another mailbox or customer is refused, and so is removing another customer's number. Undo
reverses only what this job changed, from the note apply left in the job context: a route
the job found in place is never removed by its undo.
"""

from __future__ import annotations

from typing import Any

from commands.errors import PermanentBackendError
from workers.steps.base import Backends, StepContext, StepImpl, register

ROUTE_FIELDS = ("number", "customer", "user", "mode", "target")


def _note_key(step_key: str, a: dict[str, Any]) -> str:
    return f"undo:{step_key}:{a['customer']}:{a['number']}"


def _wanted(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] for k in ROUTE_FIELDS}


def _add(b: Backends, route: dict[str, Any]) -> None:
    b.pbx.add_fax_route(route["number"], customer=route["customer"], user=route["user"],
                        mode=route["mode"], target=route["target"])


def _is_mailbox(route: dict[str, Any] | None, customer: str, user: str) -> bool:
    return route is not None and route["customer"] == customer and route["user"] == user


# ---- add -------------------------------------------------------------------------------------

def _add_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    current = b.pbx.get_fax_route(a["number"])
    if current is not None and not _is_mailbox(current, a["customer"], a["user"]):
        raise PermanentBackendError("pbx", f"{a['number']} already routes to mailbox "
                                    f"{current['user']} of customer {current['customer']}; "
                                    "a number routes to exactly one mailbox (R15)")
    # {"previous": None} means "this job created it"; a route is noted to be restored
    ctx.values[_note_key("pbx.add_fax_route", a)] = {"previous": current}
    _add(b, _wanted(a))


def _undo_add_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    note = ctx.values.get(_note_key("pbx.add_fax_route", a))
    if note is None:
        return
    current = b.pbx.get_fax_route(a["number"])
    if not _is_mailbox(current, a["customer"], a["user"]):
        return   # someone else's route by now: not ours to undo
    if note["previous"] is None:
        b.pbx.remove_fax_route(a["number"])
    else:
        _add(b, note["previous"])


register(StepImpl(
    "pbx.add_fax_route", apply=_add_fax_route,
    verify=lambda b, a, ctx: b.pbx.get_fax_route(a["number"]) == _wanted(a),
    undo=_undo_add_fax_route,
))


# ---- remove ----------------------------------------------------------------------------------

def _remove_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    current = b.pbx.get_fax_route(a["number"])
    if current is None:
        return
    if current["customer"] != a["customer"]:
        raise PermanentBackendError("pbx", f"{a['number']} routes to customer "
                                    f"{current['customer']}, not {a['customer']}; refusing to "
                                    "remove another customer's fax number")
    ctx.values[_note_key("pbx.remove_fax_route", a)] = current
    b.pbx.remove_fax_route(a["number"])


def _undo_remove_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = ctx.values.get(_note_key("pbx.remove_fax_route", a))
    if previous is not None and b.pbx.get_fax_route(a["number"]) is None:
        _add(b, previous)


register(StepImpl(
    "pbx.remove_fax_route", apply=_remove_fax_route,
    verify=lambda b, a, ctx: b.pbx.get_fax_route(a["number"]) is None,
    undo=_undo_remove_fax_route,
))
