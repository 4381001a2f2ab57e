"""Which steps of a job are done, and their outputs: the memory that makes re-runs safe.

Kept in a Redis hash per request, written after each verified step, so a job that is run again
(after a crash, a retry, or a second delivery) continues where it stopped.
"""

from __future__ import annotations

import json
from typing import Any

import redis

JOURNAL_KEY = "tobitbot:job:{request_id}:journal"
JOURNAL_TTL = 30 * 24 * 3600


class RedisJournal:
    def __init__(self, client: redis.Redis, request_id: str):
        self._redis = client
        self._key = JOURNAL_KEY.format(request_id=request_id)

    def done_steps(self) -> set[int]:
        raw = self._redis.hget(self._key, "done")
        return set(json.loads(raw)) if raw else set()

    def values(self) -> dict[str, Any]:
        raw = self._redis.hget(self._key, "values")
        return json.loads(raw) if raw else {}

    def undone_steps(self) -> set[int]:
        """The steps rolled back and not done again since: what an undo lost midway had undone."""
        raw = self._redis.hget(self._key, "undone")
        return set(json.loads(raw)) if raw else set()

    def mark_done(self, index: int, values: dict[str, Any]) -> None:
        done = sorted(self.done_steps() | {index})
        with self._redis.pipeline() as pipe:
            pipe.hset(self._key, mapping={"done": json.dumps(done),
                                          "undone": json.dumps(sorted(self.undone_steps() - {index})),
                                          "values": json.dumps(values, ensure_ascii=False)})
            pipe.expire(self._key, JOURNAL_TTL)
            pipe.execute()

    def mark_undone(self, index: int) -> None:
        self._redis.hset(self._key, mapping={"done": json.dumps(sorted(self.done_steps() - {index})),
                                             "undone": json.dumps(sorted(self.undone_steps() | {index}))})

    def runs(self) -> int:
        """How many runs have started so far (reads, unlike `attempts`)."""
        return int(self._redis.hget(self._key, "attempts") or 0)

    def attempts(self) -> int:
        """Counts runs of this job, including this one."""
        return int(self._redis.hincrby(self._key, "attempts", 1))
