"""The audit log's hash chain: each entry's hash covers its content and the previous hash,
so an edit or a deletion anywhere breaks every hash after it."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

GENESIS = "0" * 64
FORBIDDEN_KEYS = ("password", "secret", "token")


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


def assert_no_secret(entry: dict[str, Any]) -> None:
    """Refuse entries that carry a field named like a secret (R18)."""
    for key in entry:
        if any(word in key.lower() for word in FORBIDDEN_KEYS):
            raise ValueError(f"audit entries never carry secrets: field {key!r}")


def verify_chain(entries: Iterable[tuple[str, dict[str, Any], str, str]]) -> list[str]:
    """Check (id, entry, prev_hash, hash) tuples in order; return the problems found."""
    problems, expected_prev = [], GENESIS
    for entry_id, entry, prev_hash, digest in entries:
        if prev_hash != expected_prev:
            problems.append(f"{entry_id}: previous hash does not match (an entry was removed or reordered)")
        if entry_hash(prev_hash, entry) != digest:
            problems.append(f"{entry_id}: content does not match its hash (the entry was edited)")
        expected_prev = digest
    return problems
