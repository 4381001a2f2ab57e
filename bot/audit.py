"""The append-only audit log: a Redis stream, hash-chained, mirrored to the audit channel."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any, Callable, Iterable, Iterator

import redis

from commands.audit_chain import GENESIS, ChainWalk, assert_no_secret, entry_hash
from commands.lexer import MAX_TEXT

__all__ = ["AUDIT_HEAD", "AUDIT_STREAM", "AuditLog", "Row"]
log = logging.getLogger(__name__)
AUDIT_STREAM = "tobitbot:audit"
AUDIT_HEAD = "tobitbot:audit:head"  # the newest entry's hash, set with each append
PAGE = 1000  # entries per XRANGE: what a reader of the whole log holds at once
Row = tuple[str, dict[str, Any], str, str]  # (stream id, entry, previous hash, hash)
# fields that hold what someone typed: anyone may type, even without a role, and each entry
# is kept and mirrored to the audit channel
TYPED_FIELDS = ("text", "command", "break_glass_reason", "ticket")
# any text the lexer accepts is kept whole (replay decides it again); longer text was refused
TEXT_KEPT = MAX_TEXT


class AuditLog:
    def __init__(self, client: redis.Redis, mirror: Callable[[dict[str, Any]], None] | None = None):
        self._redis = client
        self._mirror = mirror

    def record(self, action: str, **fields: Any) -> str:
        """Append an entry; returns its stream id. Safe under concurrent writers (WATCH)."""
        entry = bounded({"at": round(time.time(), 3), "action": action,
                         **{k: v for k, v in fields.items() if v is not None}})
        assert_no_secret(entry)
        def append(pipe: redis.client.Pipeline) -> None:
            prev = pipe.get(AUDIT_HEAD)
            prev = prev.decode() if prev else GENESIS
            digest = entry_hash(prev, entry)
            pipe.multi()
            pipe.xadd(AUDIT_STREAM, {"entry": json.dumps(entry, ensure_ascii=False),
                                     "prev": prev, "hash": digest})
            pipe.set(AUDIT_HEAD, digest)

        # redis-py's own WATCH loop: a writer that raced another links to the new head
        entry_id = self._redis.transaction(append, AUDIT_HEAD)[0]
        if self._mirror:
            try:
                self._mirror(entry)
            except Exception:  # the log in Redis is the record; the mirror is a courtesy
                log.exception("could not mirror audit entry to Slack")
        return entry_id.decode() if isinstance(entry_id, bytes) else entry_id

    def entries(self, since_ms: int | None = None) -> list[Row]:
        return list(self.rows(since_ms))

    def rows(self, since_ms: int | None = None, page: int = PAGE) -> Iterator[Row]:
        """Every entry in stream order, read `page` at a time, so a long log is never in memory."""
        for batch in self._batches(since_ms, page):
            for rid, fields in batch:
                yield _row(rid, fields)

    def _batches(self, since_ms: int | None, page: int) -> Iterator[list]:
        """XRANGE replies `page` entries long, raw: entries are decoded one by one as they are
        used, so no page of decoded entries is held beside its reply."""
        start = f"{since_ms}-0" if since_ms else "-"
        while True:
            batch = self._redis.xrange(AUDIT_STREAM, min=start, count=page)
            yield batch
            if len(batch) < page:
                return
            start = "(" + batch[-1][0].decode()  # exclusive: the next page starts after this id

    def head(self) -> str | None:
        """The hash the newest entry had when it was appended (kept beside the stream)."""
        value = self._redis.get(AUDIT_HEAD)
        return value.decode() if value else None

    def last_id(self) -> str:
        """The newest entry's stream id, "" for an empty stream."""
        newest = self._redis.xrevrange(AUDIT_STREAM, count=1)
        return newest[0][0].decode() if newest else ""

    def hashes_of(self, entry_ids: Iterable[str]) -> dict[str, str | None]:
        """Each id's stored hash, None where the stream has no such entry (one round trip)."""
        ids = list(entry_ids)
        with self._redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xrange(AUDIT_STREAM, min=entry_id, max=entry_id, count=1)
            found = pipe.execute()
        return {entry_id: (rows[0][1][b"hash"].decode() if rows else None)
                for entry_id, rows in zip(ids, found)}

    def walk(self, report: Callable[[str], None], page: int = PAGE) -> ChainWalk:
        """Walk the chain a page at a time, passing each problem to `report` as it is found."""
        # the head is read first: appends during the walk follow it
        walk = ChainWalk(self.head(), check_head=True, head_key=AUDIT_HEAD)
        feed = walk.feed
        for batch in self._batches(None, page):
            for rid, fields in batch:
                for problem in feed(*_row(rid, fields)):
                    report(problem)
        for problem in walk.finish():
            report(problem)
        return walk

    def verify(self) -> list[str]:
        problems: list[str] = []
        self.walk(problems.append)
        return problems


def bounded(entry: dict[str, Any]) -> dict[str, Any]:
    """`entry` with each typed text over TEXT_KEPT characters cut to its start, beside its full
    length and sha256 (`text_length`, `text_sha256`): a megabyte typed stays a small entry, and
    the hash still tells which text it was."""
    cut = {}
    for key in TYPED_FIELDS:
        value = entry.get(key)
        if isinstance(value, str) and len(value) > TEXT_KEPT:
            cut[key] = value[:TEXT_KEPT]
            cut[f"{key}_length"] = len(value)
            cut[f"{key}_sha256"] = hashlib.sha256(value.encode()).hexdigest()
    return {**entry, **cut} if cut else entry


def _row(rid: bytes, fields: dict[bytes, bytes]) -> Row:
    return rid.decode(), json.loads(fields[b"entry"]), fields[b"prev"].decode(), fields[b"hash"].decode()
