"""Where a request was asked and shown: what the notifier needs to answer in the right thread."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis

from bot.request_index import index_request

REQUEST_KEY = "tobitbot:request:{request_id}"
SEEN_KEY = "tobitbot:seen:{key}"
REQUEST_TTL = 30 * 24 * 3600
POSTING_KEY = "tobitbot:requests:posting"   # sorted set: request id -> when it began posting
POSTING, NOT_POSTED, POSTED = "posting", "not_posted", "posted"
NOT_RUN = "not_run"   # allowed (and approved, if risky) but its job could not be queued: Retry runs it
RETRYING = "retrying"   # a not-run request whose Retry was clicked: one click takes it
# states a live bot leaves within seconds: each indexed from when it was entered (sorted set
# request id -> time), so one that a dead bot left there is found and ended by the notifier
PASSING_KEYS = {POSTING: POSTING_KEY, RETRYING: "tobitbot:requests:retrying"}


def new_request_id() -> str:
    return "r-" + secrets.token_hex(5)


@dataclass
class RequestRecord:
    request_id: str
    requester: str
    channel: str
    command: str
    customer: str | None
    plan: dict[str, Any]
    message_ts: str = ""          # the request message in the channel
    status_ts: str = ""           # the status message in its thread, updated in place
    state: str = "queued"         # posting | not_posted | posted | queued | not_run | pending_approval | ...
    ticket: str | None = None     # the support ticket, shown with every message and audit entry
    break_glass_reason: str | None = None   # set: an admin ran it at once, a second admin reviews
    review_ts: str = ""           # break-glass: the review request message in the channel


class RequestStore:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def save(self, record: RequestRecord, pipe: redis.client.Pipeline | None = None) -> None:
        """Save the record; on `pipe`, as part of the caller's transaction (executed by it)."""
        if pipe is None:
            with self._redis.pipeline() as own:
                self.save(record, own)
                own.execute()
            return
        pipe.set(REQUEST_KEY.format(request_id=record.request_id),
                 json.dumps(asdict(record), ensure_ascii=False), ex=REQUEST_TTL)
        index_request(pipe, record.request_id, record.customer, record.requester, REQUEST_TTL)
        _index_passing(pipe, record)

    def update(self, request_id: str, only_from: str | None = None, **changes: Any) -> RequestRecord | None:
        """Change some fields of a saved request, in one optimistic transaction: the notifier
        (its state) and a late Slack post (its status message's ts) write the same record.
        With `only_from`, only while the request is in that state (None otherwise): two parties
        that may each end a state (the poster and the sweep of requests left posting) end it once."""
        key = REQUEST_KEY.format(request_id=request_id)

        def change(pipe: redis.client.Pipeline) -> RequestRecord | None:
            raw = pipe.get(key)
            if raw is None:
                return None
            saved = json.loads(raw)
            if only_from is not None and saved.get("state") != only_from:
                return None
            record = RequestRecord(**{**saved, **changes})
            pipe.multi()
            pipe.set(key, json.dumps(asdict(record), ensure_ascii=False), keepttl=True)
            _index_passing(pipe, record)
            return record

        # redis-py's own WATCH loop: read, queue, EXEC, and again from the read if the key moved
        return self._redis.transaction(change, key, value_from_callable=True)

    def left_posting(self, since: float) -> list[str]:
        """Requests that began posting before `since` and are posting still (or were never
        saved again: then their record tells)."""
        return self.left_in(POSTING, since)

    def forget_posting(self, request_id: str) -> None:
        self.forget_in(POSTING, request_id)

    def left_in(self, state: str, since: float) -> list[str]:
        """Requests that entered a passing state (PASSING_KEYS) before `since` and are in it still."""
        return [rid.decode() for rid in self._redis.zrangebyscore(PASSING_KEYS[state], "-inf", since)]

    def forget_in(self, state: str, request_id: str) -> None:
        self._redis.zrem(PASSING_KEYS[state], request_id)

    def get(self, request_id: str) -> RequestRecord | None:
        raw = self._redis.get(REQUEST_KEY.format(request_id=request_id))
        return RequestRecord(**json.loads(raw)) if raw else None

    def first_time(self, key: str, ttl: int = 3600) -> bool:
        """True once per key: Slack's retries and duplicate deliveries get False."""
        return bool(self._redis.set(SEEN_KEY.format(key=key), "1", nx=True, ex=ttl))


def _index_passing(pipe: redis.client.Pipeline, record: RequestRecord) -> None:
    """A request posting (or retrying) is indexed from when it entered that state, so one that a
    dead bot left there is found; any other state takes it out."""
    for state, key in PASSING_KEYS.items():
        if record.state == state:
            pipe.zadd(key, {record.request_id: time.time()}, nx=True)
        else:
            pipe.zrem(key, record.request_id)
