"""Approval requests in Redis; every transition runs in an optimistic transaction (WATCH), so
concurrent or duplicated votes are applied one at a time and "approved" happens once."""

from __future__ import annotations

import time
from typing import Callable

import redis

from commands.approval import ApprovalState

APPROVAL_KEY = "tobitbot:approval:{request_id}"
BY_MESSAGE_KEY = "tobitbot:approval:msg:{channel}:{ts}"
PENDING_SET = "tobitbot:approvals:pending"
# request id -> when it was approved: found by the notifier's sweep if its bot died before queueing it
APPROVED_SET = "tobitbot:approvals:approved"
KEEP_SECONDS = 30 * 24 * 3600

Transition = Callable[[ApprovalState], tuple[ApprovalState, str]]


class ApprovalStore:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def create(self, state: ApprovalState) -> None:
        """Store the state before the message is posted, so no early reaction finds nothing."""
        with self._redis.pipeline() as pipe:
            pipe.set(APPROVAL_KEY.format(request_id=state.request_id), state.to_json(), ex=KEEP_SECONDS)
            pipe.zadd(PENDING_SET, {state.request_id: state.expires_at})
            pipe.execute()

    def discard(self, request_id: str) -> None:
        """Forget an approval request that was never shown: no vote can find it, no list shows it."""
        with self._redis.pipeline() as pipe:
            pipe.delete(APPROVAL_KEY.format(request_id=request_id))
            pipe.zrem(PENDING_SET, request_id)
            pipe.execute()

    def link_message(self, request_id: str, channel: str, message_ts: str) -> None:
        self._redis.set(BY_MESSAGE_KEY.format(channel=channel, ts=message_ts), request_id, ex=KEEP_SECONDS)

    def get(self, request_id: str) -> ApprovalState | None:
        raw = self._redis.get(APPROVAL_KEY.format(request_id=request_id))
        return ApprovalState.from_json(raw) if raw else None

    def request_for_message(self, channel: str, ts: str) -> str | None:
        raw = self._redis.get(BY_MESSAGE_KEY.format(channel=channel, ts=ts))
        return raw.decode() if raw else None

    def pending(self) -> list[ApprovalState]:
        ids = self._redis.zrangebyscore(PENDING_SET, time.time(), "+inf")
        return [s for s in (self.get(i.decode()) for i in ids) if s and s.status == "pending"]

    def approved_before(self, since: float) -> list[str]:
        """Requests approved before `since` whose sweep has not looked at them yet."""
        return [rid.decode() for rid in self._redis.zrangebyscore(APPROVED_SET, "-inf", since)]

    def forget_approved(self, request_id: str) -> None:
        self._redis.zrem(APPROVED_SET, request_id)

    def transition(self, request_id: str, step: Transition) -> tuple[ApprovalState, str]:
        key = APPROVAL_KEY.format(request_id=request_id)

        def change(pipe: redis.client.Pipeline) -> tuple[ApprovalState, str]:
            raw = pipe.get(key)
            if raw is None:
                raise KeyError(request_id)
            old = ApprovalState.from_json(raw)
            new, outcome = step(old)
            pipe.multi()
            if new != old:
                pipe.set(key, new.to_json(), ex=KEEP_SECONDS)
                if new.status != "pending":
                    pipe.zrem(PENDING_SET, request_id)
                if new.status == "approved" and old.status != "approved":
                    pipe.zadd(APPROVED_SET, {request_id: time.time()})
            return new, outcome

        # redis-py's own WATCH loop: a vote that raced another is decided again on what it wrote
        return self._redis.transaction(change, key, value_from_callable=True)
