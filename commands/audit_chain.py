"""The audit log's hash chain: each entry's hash covers its content and the previous hash,
so an edit or a deletion anywhere breaks every hash after it, and the head (kept beside the
chain and witnessed in the audit channel) shows a deletion at the end."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

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


class ChainWalk:
    """Checks the chain one entry at a time, holding only the previous hash, so a stream of any
    length is verified in flat memory; `head` is the hash the log says its newest entry has, and
    `head_key` where the log keeps it (named in the problems; the store's, not the core's)."""

    def __init__(self, head: str | None = None, check_head: bool = False,
                 head_key: str = "") -> None:
        self.head, self.check_head = head, check_head
        self._head_named = f"the head ({head_key})" if head_key else "the head"
        self.count, self.last_id, self.last_hash = 0, "", GENESIS
        self._expected_prev, self._head_seen = GENESIS, False

    def feed(self, entry_id: str, entry: dict[str, Any], prev_hash: str, digest: str) -> Sequence[str]:
        """The problems this entry shows (usually none)."""
        problems: Sequence[str] = ()  # no list per entry: a million entries are walked
        if prev_hash != self._expected_prev or entry_hash(prev_hash, entry) != digest:
            problems = self._problems(entry_id, entry, prev_hash, digest)
        self._expected_prev = digest
        self.count, self.last_id, self.last_hash = self.count + 1, entry_id, digest
        # the head was read before the walk began: entries written since follow it, so it must
        # be met somewhere, not necessarily last
        self._head_seen = self._head_seen or digest == self.head
        return problems

    def _problems(self, entry_id: str, entry: dict[str, Any], prev_hash: str, digest: str) -> list[str]:
        problems = []
        if prev_hash != self._expected_prev:
            problems.append(f"{entry_id}: previous hash does not match (an entry was removed or reordered)")
        if entry_hash(prev_hash, entry) != digest:
            problems.append(f"{entry_id}: content does not match its hash (the entry was edited)")
        return problems

    def finish(self) -> list[str]:
        """The problems only the end of the walk shows: the newest entries removed."""
        if not self.check_head:
            return []
        if self.head is None:
            if self.count:
                return [f"{self._head_named} is missing although the stream holds "
                        f"{self.count} entries: it was deleted"]
            return []
        if self._head_seen:
            return []
        if not self.count:
            return [f"{self._head_named} names entry hash {self.head}, but the stream is "
                    "empty: it was deleted"]
        return [f"{self._head_named} names entry hash {self.head}, which no entry has; the stream "
                f"ends at {self.last_id} with {self.last_hash}: the newest entries were removed"]


def stream_order(entry_id: str) -> tuple[int, int]:
    """A Redis stream id ("1712345678901-3") as something that sorts in stream order."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class WitnessTally:
    """Compares what the audit channel witnessed, (entry id, hash) per post, with what the stream
    holds: a witnessed entry that is gone or has another hash means the stream was cut or
    rewritten, even when the stream and its head were replaced together."""

    def __init__(self) -> None:
        self.checked = self.missing = self.differing = 0
        self.newest: tuple[str, str] | None = None          # (id, hash) of the newest witness
        self.newest_missing: tuple[str, str] | None = None
        self.rewritten: list[str] = []

    def add(self, entry_id: str, witnessed_hash: str, stored_hash: str | None) -> None:
        """One witness and the hash the stream holds for its id (None: no such entry)."""
        self.checked += 1
        if self.newest is None or stream_order(entry_id) > stream_order(self.newest[0]):
            self.newest = (entry_id, witnessed_hash)
        if stored_hash is None:
            self.missing += 1
            if self.newest_missing is None or stream_order(entry_id) > stream_order(self.newest_missing[0]):
                self.newest_missing = (entry_id, witnessed_hash)
        elif stored_hash != witnessed_hash:
            self.differing += 1
            if len(self.rewritten) < MAX_LISTED:
                self.rewritten.append(f"{entry_id}: the stream's hash {stored_hash} is not the witnessed "
                                      f"{witnessed_hash} (the entry or one before it was rewritten)")

    def problems(self, stream_last_id: str) -> list[str]:
        problems = list(self.rewritten)
        if self.differing:
            problems.append(f"{self.differing} witnessed entries have another hash in the stream")
        if self.missing:
            newest_id, newest_hash = self.newest_missing or ("", "")
            problems.append(f"{self.missing} witnessed entries missing, the newest witnessed was "
                            f"{newest_id} with hash {newest_hash}")
        if self.newest and (not stream_last_id
                            or stream_order(stream_last_id) < stream_order(self.newest[0])):
            problems.append(f"the stream ends at {stream_last_id or '(empty)'}, before the newest "
                            f"witnessed entry {self.newest[0]}: the newest entries were removed")
        return problems


MAX_LISTED = 100  # rewritten witnesses listed one by one; more are counted in the summary

