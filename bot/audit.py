"""The append-only audit log: a Redis stream, hash-chained, mirrored to the audit channel."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

import redis

from commands.audit_chain import GENESIS, assert_no_secret, entry_hash, verify_chain

AUDIT_STREAM = "tobitbot:audit"
AUDIT_HEAD = "tobitbot:audit:head"
log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, client: redis.Redis, mirror: Callable[[dict[str, Any]], None] | None = None):
        self._redis = client
        self._mirror = mirror

    def record(self, action: str, **fields: Any) -> str:
        """Append an entry; returns its stream id. Safe under concurrent writers (WATCH)."""
        entry = {"at": round(time.time(), 3), "action": action,
                 **{k: v for k, v in fields.items() if v is not None}}
        assert_no_secret(entry)
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(AUDIT_HEAD)
                    prev = pipe.get(AUDIT_HEAD)
                    prev = prev.decode() if prev else GENESIS
                    digest = entry_hash(prev, entry)
                    pipe.multi()
                    pipe.xadd(AUDIT_STREAM, {"entry": json.dumps(entry, ensure_ascii=False),
                                             "prev": prev, "hash": digest})
                    pipe.set(AUDIT_HEAD, digest)
                    entry_id = pipe.execute()[0]
                    break
                except redis.WatchError:
                    continue
        if self._mirror:
            try:
                self._mirror(entry)
            except Exception:  # the log in Redis is the record; the mirror is a courtesy
                log.exception("could not mirror audit entry to Slack")
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def entries(self, since_ms: int | None = None) -> list[tuple[str, dict[str, Any], str, str]]:
        start = f"{since_ms}-0" if since_ms else "-"
        rows = self._redis.xrange(AUDIT_STREAM, min=start)
        return [(rid.decode(), json.loads(f[b"entry"]), f[b"prev"].decode(), f[b"hash"].decode())
                for rid, f in rows]

    def verify(self) -> list[str]:
        return verify_chain(self.entries())
