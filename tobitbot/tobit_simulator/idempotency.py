"""Idempotency-Key replay: the same key and body get the stored answer, with no second effect.

Records live in the virtual server's state, so a replay works across simulator restarts and
even after the resource is gone (an archive re-run after the mailbox was deleted still gets its
archive_id back).
"""

from __future__ import annotations

import hashlib
from typing import Any

from tobitbot.tobit_simulator.problems import invalid

KEEP = 1000  # records per server; older ones are forgotten first (the file is rewritten per write)


def fingerprint(method: str, segments: tuple[str, ...], body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method, "/".join(segments)):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


def replay(state: dict[str, Any], key: str, print_: str) -> tuple[int, Any] | None:
    """The stored (status, body) for this key, None if new; 422 if reused for another request."""
    record = state["idempotency"].get(key)
    if record is None:
        return None
    if record["fingerprint"] != print_:
        raise invalid(f"Idempotency-Key {key!r} was already used for a different request",
                      "idempotency-key-reused")
    return record["status"], record["body"]


def remember(state: dict[str, Any], key: str, print_: str, status: int, body: Any) -> None:
    records = state["idempotency"]
    records[key] = {"fingerprint": print_, "status": status, "body": body}
    while len(records) > KEEP:
        del records[next(iter(records))]
