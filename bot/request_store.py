"""Where a request was asked and shown: what the notifier needs to answer in the right thread."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

import redis

from bot.request_index import index_request

REQUEST_KEY = "tobitbot:request:{request_id}"
SEEN_KEY = "tobitbot:seen:{key}"
REQUEST_TTL = 30 * 24 * 3600


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
    state: str = "queued"         # posting | not_posted | queued | pending_approval | running | ...
    ticket: str | None = None     # the support ticket, shown with every message and audit entry
    break_glass_reason: str | None = None   # set: an admin ran it at once, a second admin reviews
    review_ts: str = ""           # break-glass: the review request message in the channel


class RequestStore:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def save(self, record: RequestRecord) -> None:
        with self._redis.pipeline() as pipe:
            pipe.set(REQUEST_KEY.format(request_id=record.request_id),
                     json.dumps(asdict(record), ensure_ascii=False), ex=REQUEST_TTL)
            index_request(pipe, record.request_id, record.customer, record.requester, REQUEST_TTL)
            pipe.execute()

    def update(self, request_id: str, **changes: Any) -> RequestRecord | None:
        """Change some fields of a saved request, in one optimistic transaction: the notifier
        (its state) and a late Slack post (its status message's ts) write the same record."""
        key = REQUEST_KEY.format(request_id=request_id)
        while True:
            with self._redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        return None
                    record = RequestRecord(**{**json.loads(raw), **changes})
                    pipe.multi()
                    pipe.set(key, json.dumps(asdict(record), ensure_ascii=False), keepttl=True)
                    pipe.execute()
                    return record
                except redis.WatchError:
                    continue

    def get(self, request_id: str) -> RequestRecord | None:
        raw = self._redis.get(REQUEST_KEY.format(request_id=request_id))
        return RequestRecord(**json.loads(raw)) if raw else None

    def first_time(self, key: str, ttl: int = 3600) -> bool:
        """True once per key: Slack's retries and duplicate deliveries get False."""
        return bool(self._redis.set(SEEN_KEY.format(key=key), "1", nx=True, ex=ttl))
