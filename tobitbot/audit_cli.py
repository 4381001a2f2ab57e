"""`tobitbot audit verify` and `tobitbot audit export`: the operator's view of the audit log."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import redis

from bot.audit import AuditLog


def verify(client: redis.Redis, out: TextIO = sys.stdout) -> int:
    """Check the hash chain; exit status 0 when intact, 1 when anything was edited or removed."""
    log = AuditLog(client)
    entries = log.entries()
    problems = log.verify()
    for problem in problems:
        print(f"BROKEN {problem}", file=out)
    print(f"{len(entries)} entries, chain {'intact' if not problems else 'BROKEN'}", file=out)
    return 0 if not problems else 1


def export(client: redis.Redis, out: TextIO = sys.stdout) -> int:
    """Write every entry as one JSON line, with its stream id and hashes (for archiving)."""
    for entry_id, entry, prev, digest in AuditLog(client).entries():
        out.write(json.dumps({"id": entry_id, **entry, "prev_hash": prev, "hash": digest},
                             ensure_ascii=False) + "\n")
    return 0
