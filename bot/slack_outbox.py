"""Slack posts and updates that must get through: kept in Redis first, then tried, and tried again
by the notifier thread while Slack cannot take them (a rate limit, a 5xx, the network down).

State first, Slack second: callers save what happened (the request, the approval, the queued
job) before they `send`, so Slack refusing a post delays the message, never the work. Each kept
call has a key: a newer call under the same key (the next update of one message, the newest
status line) replaces the older one, so a late retry never overwrites what was shown after it.
A call Slack refuses for good (an archived channel, bad blocks), or one still refused after a
day, is audited as `notify_failed` and dropped.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.deps import BotDeps

log = logging.getLogger(__name__)
CALLS_KEY = "tobitbot:outbox"          # hash: key -> the kept call (JSON)
DUE_KEY = "tobitbot:outbox:due"        # sorted set: key -> when it may be tried next
LEASE_S = 60            # a process trying a call holds it this long: a dead one's is tried again
MAX_DELAY_S = 30        # between tries while Slack refuses: short, a person waits for the message
GIVE_UP_S = 24 * 3600
TELL = "tell"           # an ephemeral to one person, or a direct message where Slack refuses that
# Slack's answers that may pass: the call is worth trying again later
PASSING_SLACK_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error",
                                  "service_unavailable", "request_timeout", "team_added_to_org"})

# take the call if it is due (score <= now) and hold it for a lease; 0 when another holds it
_CLAIM = """local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if due and tonumber(due) <= tonumber(ARGV[2]) then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) return 1 end
return 0"""
# after a failed try: schedule the call again (ARGV[3], at ARGV[4]) or, ARGV[3] empty, drop it;
# unless a newer call replaced it meanwhile: that one is due at once (ARGV[5])
_SETTLE = """if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1])
  else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
  return 1 end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
return 0"""
# after Slack took the call: drop it; a newer call that replaced it meanwhile is due at once, or,
# ARGV[3] = '1' (a post whose message the newer one revised), taken out and returned
_DONE = """local now = redis.call('HGET', KEYS[1], ARGV[1])
if now == ARGV[2] or (now and ARGV[3] == '1') then
  redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1])
  if now ~= ARGV[2] then return now end
  return false end
if now then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
return false"""


def error_code(exc: Exception) -> str:
    """Slack's error code, or the exception's kind: never a message that could quote a secret."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_api_error")
    return type(exc).__name__


def passes(exc: Exception) -> bool:
    """Would the same call likely work in a minute: Slack or the network was down, or busy."""
    if isinstance(exc, SlackApiError):
        return error_code(exc) in PASSING_SLACK_ERRORS or exc.response.status_code >= 500
    return isinstance(exc, (OSError, TimeoutError))   # URLError, refused, reset, timed out


@dataclass(frozen=True)
class SlackCall:
    """One Web API call (a WebClient method name and its arguments), and what it is about."""

    method: str                     # chat_postMessage, chat_update, chat_postEphemeral, or TELL
    args: dict[str, Any]
    purpose: str                    # for logs and audit entries: status, approval, vote_reply, ...
    about: dict[str, Any] = field(default_factory=dict)   # request, customer, ticket: audit fields
    ts_field: str | None = None     # the request record's field the posted message's ts goes to
    delivered_action: str | None = None   # audited once Slack took it
    first_tried: float = 0.0
    attempts: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "SlackCall":
        return cls(**json.loads(raw))


def _update_args(post_args: dict[str, Any]) -> dict[str, Any]:
    """What chat.update takes of a post's arguments (not its thread)."""
    return {name: value for name, value in post_args.items() if name in ("text", "blocks")}


def about(record) -> dict[str, Any]:
    return {"request": record.request_id, "customer": record.customer, "ticket": record.ticket}


class Outbox:
    def __init__(self, deps: BotDeps):
        self.deps = deps
        self._redis = deps.redis
        self._claim = self._redis.register_script(_CLAIM)
        self._settle = self._redis.register_script(_SETTLE)
        self._done = self._redis.register_script(_DONE)

    def send(self, client: WebClient, call: SlackCall, key: str | None = None) -> Any:
        """Keep the call, then try it now: Slack's answer, or None when it is kept for later
        (or was refused for good, and audited)."""
        key = key or f"{call.purpose}:{secrets.token_hex(6)}"
        self.keep(key, call)
        return self.deliver(client, key)

    def keep(self, key: str, call: SlackCall) -> None:
        """Replace any call kept under `key`; a replaced one keeps its turn (no hammering Slack)."""
        call = replace(call, first_tried=call.first_tried or time.time())
        with self._redis.pipeline() as pipe:
            pipe.hset(CALLS_KEY, key, call.to_json())
            pipe.zadd(DUE_KEY, {key: time.time()}, nx=True)
            pipe.execute()

    def revise(self, key: str, **args: Any) -> bool:
        """Change the arguments of the call kept under `key`; False if none is kept (any more).
        A post revised while Slack is taking it ends as that post and an update of its message."""
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(CALLS_KEY)
                    raw = pipe.hget(CALLS_KEY, key)
                    if raw is None:
                        return False
                    call = SlackCall.from_json(raw)
                    pipe.multi()
                    pipe.hset(CALLS_KEY, key, replace(call, args={**call.args, **args}).to_json())
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def is_kept(self, key: str) -> bool:
        return bool(self._redis.hexists(CALLS_KEY, key))

    def deliver_due(self, client: WebClient, limit: int = 20) -> int:
        """Try the calls whose turn it is (the notifier's loop); how many Slack took."""
        keys = self._redis.zrangebyscore(DUE_KEY, "-inf", time.time(), start=0, num=limit)
        return sum(1 for key in keys if self.deliver(client, key.decode()) is not None)

    def deliver(self, client: WebClient, key: str) -> Any:
        now = time.time()
        if not self._claim(keys=[DUE_KEY], args=[key, now, now + LEASE_S]):
            return None   # not its turn yet, or another process is trying it
        raw = self._redis.hget(CALLS_KEY, key)
        if raw is None:
            self._redis.zrem(DUE_KEY, key)
            return None
        call = SlackCall.from_json(raw)
        try:
            answer = self._call(client, call)
        except Exception as exc:
            if passes(exc) and now - call.first_tried < GIVE_UP_S:
                retry = replace(call, attempts=call.attempts + 1)
                delay = min(MAX_DELAY_S, 2 ** retry.attempts)
                log.warning("Slack did not take %s of request %s now (%s); trying again in %ss",
                            call.purpose, call.about.get("request"), error_code(exc), delay)
                self._settle(keys=[CALLS_KEY, DUE_KEY], args=[key, raw, retry.to_json(), now + delay, now])
                return None
            self._settle(keys=[CALLS_KEY, DUE_KEY], args=[key, raw, "", 0, now])
            log.warning("Slack refused %s of request %s for good (%s); giving up on it", call.purpose,
                        call.about.get("request"), error_code(exc))
            self.deps.audit.record("notify_failed", actor="bot", event=call.purpose, error=error_code(exc),
                                   **call.about)
            return None
        self._delivered(call, answer)   # first: a revision that finds no kept call reads the ts
        newer = self._done(keys=[CALLS_KEY, DUE_KEY], args=[key, raw, "1" if call.ts_field else "", now])
        if newer is not None:   # revised while it was being posted: show the newer text in it
            revised = SlackCall.from_json(newer)
            channel, ts = answer["channel"], answer["ts"]
            self.send(client, replace(revised, method="chat_update", ts_field=None, first_tried=0.0,
                                      attempts=0, args={**_update_args(revised.args), "channel": channel,
                                                        "ts": ts}), key=f"update:{channel}:{ts}")
        return answer

    def _call(self, client: WebClient, call: SlackCall) -> Any:
        if call.method != TELL:
            return getattr(client, call.method)(**call.args)
        args = call.args
        try:
            return client.chat_postEphemeral(**args)
        except Exception as exc:
            if passes(exc):
                raise
            log.warning("could not show %s to %s in %s (%s); sending a direct message", call.purpose,
                        args["user"], args["channel"], error_code(exc))
        dm = client.conversations_open(users=args["user"])["channel"]["id"]
        return client.chat_postMessage(channel=dm, text=messages.direct_notice(args["channel"], args["text"]))

    def _delivered(self, call: SlackCall, answer: Any) -> None:
        request = call.about.get("request")
        if call.ts_field and request:
            self.deps.requests.update(request, **{call.ts_field: answer["ts"]})
        if call.delivered_action:
            self.deps.audit.record(call.delivered_action, actor="bot", detail=call.purpose, **call.about)
