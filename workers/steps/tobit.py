"""The `tobit.*` steps: apply, verify and undo through a customer's MailServer.

Undo reverses only what this job changed: apply notes the previous state in the job context
(under "undo:..." keys, which the journal keeps), and undo acts only on such a note. A step
that was skipped because its effect was already there has no note, so undo leaves it alone:
undoing a job must never delete a mailbox that existed before it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from commands.errors import PermanentBackendError
from workers.ports import MailServer
from workers.steps.base import Backends, StepContext, StepImpl, register


def idempotency_key(ctx: StepContext, step_key: str, args: dict[str, Any]) -> str:
    """Same request, step and arguments -> same key, so a re-run cannot act twice."""
    body = json.dumps([ctx.request_id, step_key, args], sort_keys=True, ensure_ascii=False)
    return "tobitbot-" + hashlib.sha256(body.encode()).hexdigest()[:40]


def _server(b: Backends, a: dict[str, Any]) -> MailServer:
    return b.mail.for_customer(a["customer"])


def _note(ctx: StepContext, step_key: str, a: dict[str, Any], ident: str, value: Any) -> None:
    ctx.values[f"undo:{step_key}:{a['customer']}:{ident}"] = value


def _noted(ctx: StepContext, step_key: str, a: dict[str, Any], ident: str) -> Any:
    return ctx.values.get(f"undo:{step_key}:{a['customer']}:{ident}")


def _mailbox_has(b: Backends, a: dict[str, Any], **fields: Any) -> bool:
    box = _server(b, a).get_mailbox(a["user"])
    return box is not None and all(box.get(k) == v for k, v in fields.items())


# ---- pool (R7) -------------------------------------------------------------------------------

def _set_pool(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    server = _server(b, a)
    _note(ctx, "tobit.set_pool", a, "pool_mb", server.get_pool()["pool_mb"])
    server.set_pool(int(a["pool_mb"]))


def _undo_set_pool(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = _noted(ctx, "tobit.set_pool", a, "pool_mb")
    if previous is not None:
        _server(b, a).set_pool(previous)


register(StepImpl(
    "tobit.set_pool", apply=_set_pool,
    verify=lambda b, a, ctx: _server(b, a).get_pool()["pool_mb"] == int(a["pool_mb"]),
    undo=_undo_set_pool,
))


# ---- mailboxes -------------------------------------------------------------------------------

def _create_mailbox(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    server = _server(b, a)
    if server.get_mailbox(a["user"]) is None:
        _note(ctx, "tobit.create_mailbox", a, a["user"], True)
    server.create_mailbox(a["user"], a["display_name"], a["mail"],
                          idempotency_key=idempotency_key(ctx, "tobit.create_mailbox", a))


def _undo_create_mailbox(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    if not _noted(ctx, "tobit.create_mailbox", a, a["user"]):
        return
    server = _server(b, a)
    if server.get_mailbox(a["user"]) is None:
        return
    # R19 holds even for a rollback: whatever arrived meanwhile is exported, never destroyed
    server.archive_mailbox(a["user"], "export",
                           idempotency_key=idempotency_key(ctx, "tobit.create_mailbox.undo", a))
    server.delete_mailbox(a["user"])


register(StepImpl(
    "tobit.create_mailbox", apply=_create_mailbox,
    verify=lambda b, a, ctx: _mailbox_has(b, a, display_name=a["display_name"], mail=a["mail"]),
    undo=_undo_create_mailbox,
))


def _set_activesync(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    server = _server(b, a)
    box = server.get_mailbox(a["user"])
    if box is not None:
        _note(ctx, "tobit.set_activesync", a, a["user"], box["activesync"])
    server.set_activesync(a["user"], bool(a["enabled"]))


def _undo_set_activesync(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = _noted(ctx, "tobit.set_activesync", a, a["user"])
    if previous is not None:
        _server(b, a).set_activesync(a["user"], previous)


register(StepImpl(
    "tobit.set_activesync", apply=_set_activesync,
    verify=lambda b, a, ctx: _mailbox_has(b, a, activesync=bool(a["enabled"])),
    undo=_undo_set_activesync,
))


def _set_signature(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    server = _server(b, a)
    box = server.get_mailbox(a["user"])
    if box is not None:
        _note(ctx, "tobit.set_signature", a, a["user"], box["signature"])
    server.set_signature(a["user"], a["text"])


def _undo_set_signature(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = _noted(ctx, "tobit.set_signature", a, a["user"])
    if previous is not None:
        _server(b, a).set_signature(a["user"], previous)


register(StepImpl(
    "tobit.set_signature", apply=_set_signature,
    verify=lambda b, a, ctx: _mailbox_has(b, a, signature=a["text"]),
    undo=_undo_set_signature,
))


def _archive_mailbox(b: Backends, a: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    result = _server(b, a).archive_mailbox(
        a["user"], a["mode"], idempotency_key=idempotency_key(ctx, "tobit.archive_mailbox", a))
    return {"archive_id": result["archive_id"]}


def _replayed_archive(b: Backends, a: dict[str, Any], ctx: StepContext) -> dict[str, Any] | None:
    """This step's earlier answer, once the mailbox is gone; None if it never archived.

    Asked only when the mailbox does not exist, so the server either replays the answer stored
    under this step's Idempotency-Key or refuses with 404: it cannot archive anything anew.
    """
    try:
        return _archive_mailbox(b, a, ctx)
    except PermanentBackendError:
        return None


def _verify_archive(b: Backends, a: dict[str, Any], ctx: StepContext) -> bool:
    box = _server(b, a).get_mailbox(a["user"])
    if box is None:  # a re-run after tobit.delete_mailbox: done if this step archived it
        return _replayed_archive(b, a, ctx) is not None
    return box["archived"] and box["archive_mode"] == a["mode"]


def _recall_archive(b: Backends, a: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    box = _server(b, a).get_mailbox(a["user"])
    if box is None:
        return _replayed_archive(b, a, ctx) or {}
    return {"archive_id": box["archive_id"]}


register(StepImpl(
    "tobit.archive_mailbox", apply=_archive_mailbox, verify=_verify_archive,
    recall=_recall_archive,
))


def _delete_mailbox(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    _server(b, a).delete_mailbox(a["user"])  # the server refuses unless archived (R19)


register(StepImpl(
    "tobit.delete_mailbox", apply=_delete_mailbox,
    verify=lambda b, a, ctx: _server(b, a).get_mailbox(a["user"]) is None,
))


# ---- fax routes (R15) ------------------------------------------------------------------------

def _route_user(b: Backends, a: dict[str, Any]) -> str | None:
    route = _server(b, a).get_fax_route(a["number"])
    return None if route is None else route["user"]


def _add_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    if _route_user(b, a) is None:
        _note(ctx, "tobit.add_fax_route", a, a["number"], True)
    _server(b, a).add_fax_route(a["number"], a["user"])


def _undo_add_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    if _noted(ctx, "tobit.add_fax_route", a, a["number"]) and _route_user(b, a) == a["user"]:
        _server(b, a).remove_fax_route(a["number"])


register(StepImpl(
    "tobit.add_fax_route", apply=_add_fax_route,
    verify=lambda b, a, ctx: _route_user(b, a) == a["user"],
    undo=_undo_add_fax_route,
))


def _remove_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = _route_user(b, a)
    if previous is not None:
        _note(ctx, "tobit.remove_fax_route", a, a["number"], previous)
    _server(b, a).remove_fax_route(a["number"])


def _undo_remove_fax_route(b: Backends, a: dict[str, Any], ctx: StepContext) -> None:
    previous = _noted(ctx, "tobit.remove_fax_route", a, a["number"])
    if previous is not None:
        _server(b, a).add_fax_route(a["number"], previous)


register(StepImpl(
    "tobit.remove_fax_route", apply=_remove_fax_route,
    verify=lambda b, a, ctx: _route_user(b, a) is None,
    undo=_undo_remove_fax_route,
))
