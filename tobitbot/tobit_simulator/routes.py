"""Which operation of the simulated API a method and path name (deploy/tobit/openapi.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

from tobitbot.tobit_simulator.server_model import E164_RE, USER_RE, ServerModel

# One URL prefix per virtual server; a path straight under /v1 is the "default" server.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DEFAULT_SLUG = "default"

Result = tuple[int, dict[str, Any] | None]
Operation = Callable[[ServerModel, dict[str, str], dict[str, Any]], Result]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    operation: Operation
    writes: bool


def _ok(body: dict[str, Any]) -> Result:
    return 200, body


def _deleted(delete: Callable[[str], None], key: str) -> Result:
    delete(key)
    return 204, None


ROUTES: tuple[Route, ...] = (
    Route("GET", ("v1", "health"), lambda m, p, b: _ok(m.health()), False),
    Route("GET", ("v1", "pool"), lambda m, p, b: _ok(m.pool()), False),
    Route("PUT", ("v1", "pool"), lambda m, p, b: _ok(m.set_pool(b)), True),
    Route("GET", ("v1", "mailboxes"), lambda m, p, b: _ok(m.list_mailboxes()), False),
    Route("GET", ("v1", "mailboxes", "{user}"), lambda m, p, b: _ok(m.mailbox(p["user"])), False),
    Route("PUT", ("v1", "mailboxes", "{user}"), lambda m, p, b: m.put_mailbox(p["user"], b), True),
    Route("DELETE", ("v1", "mailboxes", "{user}"),
          lambda m, p, b: _deleted(m.delete_mailbox, p["user"]), True),
    Route("POST", ("v1", "mailboxes", "{user}", "archive"),
          lambda m, p, b: (201, m.archive(p["user"], b)), True),
    Route("PUT", ("v1", "mailboxes", "{user}", "activesync"),
          lambda m, p, b: _ok(m.set_activesync(p["user"], b)), True),
    Route("PUT", ("v1", "mailboxes", "{user}", "signature"),
          lambda m, p, b: _ok(m.set_signature(p["user"], b)), True),
    Route("GET", ("v1", "fax-routes"), lambda m, p, b: _ok(m.fax_routes()), False),
    Route("GET", ("v1", "fax-routes", "{number}"),
          lambda m, p, b: _ok(m.fax_route(p["number"])), False),
    Route("PUT", ("v1", "fax-routes", "{number}"),
          lambda m, p, b: m.put_fax_route(p["number"], b), True),
    Route("DELETE", ("v1", "fax-routes", "{number}"),
          lambda m, p, b: _deleted(m.delete_fax_route, p["number"]), True),
    # x-simulator-only: lets tests fill mailboxes
    Route("PUT", ("v1", "simulator", "mailboxes", "{user}", "usage"),
          lambda m, p, b: _ok(m.set_usage(p["user"], b)), True),
)

_PARAMS = {"{user}": USER_RE, "{number}": E164_RE}


def split_path(path: str) -> tuple[str, tuple[str, ...]] | None:
    """(slug, segments after the slug), or None when the path names no virtual server."""
    raw = path.split("?", 1)[0].strip("/")
    # unquote, not unquote_plus: "+" in "+4930..." is part of the fax number
    segments = tuple(unquote(s) for s in raw.split("/")) if raw else ()
    if segments[:1] == ("v1",):
        return DEFAULT_SLUG, segments
    if segments and SLUG_RE.match(segments[0]) and segments[1:2] == ("v1",):
        return segments[0], segments[1:]
    return None


def match(method: str, segments: tuple[str, ...]) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path parameters, path_known); path_known with no route means wrong method."""
    path_known = False
    for route in ROUTES:
        params = _bind(route.pattern, segments)
        if params is None:
            continue
        path_known = True
        if route.method == method:
            return route, params, True
    return None, {}, path_known


def _bind(pattern: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, seg in zip(pattern, segments):
        if part in _PARAMS:
            if not _PARAMS[part].match(seg):
                return None
            params[part[1:-1]] = seg
        elif part != seg:
            return None
    return params
