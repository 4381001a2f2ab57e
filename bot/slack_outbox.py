"""Slack posts and updates that must get through: kept in Redis first, then tried, and tried again
by the notifier thread while Slack cannot take them (a rate limit, a 5xx, the network down).

State first, Slack second: callers save what happened (the request, the approval, the queued
job) before they `send`, so Slack refusing a post delays the message, never the work. Each kept
call has a key: a newer call under the same key (the next update of one message, the newest
status line) replaces the older one, so a late retry never overwrites what was shown after it.
Each call is also numbered, and nothing older than what a key holds or Slack last took under it
is kept or sent: a status update by its job event's id in the outcomes stream (a dead bot's
older event, claimed a minute later, or another bot's, never follows a newer one), other calls
when they are kept or revised; a status post's revision, turned into an update once Slack
posted it, never follows a newer update of that line, nor an update the post's text.

A try holds its call for a lease and is fenced by a token: one that outlives the lease changes
nothing. Tries go out without the SDK's retries (the outbox is the retry), so no try sleeps out
Retry-After; a 429 schedules the next try after it and pauses the backlog until then.
A call Slack refuses for good (an archived channel, bad blocks), or one still refused after a
day, is audited as `notify_failed` and dropped.
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import messages
from bot.deps import BotDeps
from bot.outbox_scripts import (CALLS_KEY, CLAIM, DONE, DUE_KEY, HOLDER_KEY, KEEP, REVISE, SEQ_KEY, SETTLE,
                                SHOWN_KEY)

log = logging.getLogger(__name__)
LEASE_S = 60            # a process trying a call holds it this long: a dead one's is tried again
TRY_TIMEOUT_S = 10      # per Web API request; a try makes at most three (TELL), well within the lease
MAX_DELAY_S = 30        # between tries while Slack refuses: short, a person waits for the message
GIVE_UP_S = 24 * 3600
SHOWN_TTL_S = 2 * GIVE_UP_S   # longer than any older call of the same key can be kept
NOT_KEPT, REVISED, STALE = 0, 1, 2   # what revise did: nothing kept, revised, refused as older
TELL = "tell"           # an ephemeral to one person, or a direct message where Slack refuses that
# Slack's answers that may pass: the call is worth trying again later
PASSING_SLACK_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error",
                                  "service_unavailable", "request_timeout", "team_added_to_org"})


def error_code(exc: Exception) -> str:
    """Slack's error code, or the exception's kind: never a message that could quote a secret."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_api_error")
    return type(exc).__name__


def retry_after(exc: Exception) -> float | None:
    """Seconds Slack asked us to wait (a 429's Retry-After), else None."""
    if not isinstance(exc, SlackApiError) or (exc.response.status_code != 429
                                              and error_code(exc) != "ratelimited"):
        return None
    for name, value in (exc.response.headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, (list, tuple)) else value
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0


def without_retries(client: WebClient) -> WebClient:
    """The same client (token, URL, proxy, TLS) without the SDK's retries and with a short
    timeout: the outbox is the retry. A client that sleeps out Retry-After three times could
    outlive the lease (another process then posts the same call) and stalls the notifier."""
    quiet = copy.copy(client)
    quiet.retry_handlers = []
    quiet.timeout = TRY_TIMEOUT_S
    return quiet


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
        self._keep = self._redis.register_script(KEEP)
        self._revise = self._redis.register_script(REVISE)
        self._claim = self._redis.register_script(CLAIM)
        self._settle = self._redis.register_script(SETTLE)
        self._done = self._redis.register_script(DONE)
        self._quiet_until = 0.0   # Slack said 429: no call of the backlog before Retry-After

    def send(self, client: WebClient, call: SlackCall, key: str | None = None, *,
             seq: str | None = None) -> Any:
        """Keep the call, then try it now: Slack's answer, or None when it is kept for later
        (or was refused for good, and audited, or refused as older: see `keep`)."""
        key = key or f"{call.purpose}:{secrets.token_hex(6)}"
        if not self.keep(key, call, seq=seq):
            return None
        return self.deliver(client, key)

    def keep(self, key: str, call: SlackCall, *, seq: str | None = None, pipe=None) -> bool:
        """Replace any call kept under `key`; a replaced one keeps its turn (no hammering Slack).
        A call numbered `seq` (`ms-n`: its event's stream id, or a number drawn earlier) is
        refused when a newer one is kept under the key or Slack took one: an older text must
        never follow a newer one. Without `seq` it is numbered now and always kept. `pipe`: as
        part of the caller's transaction."""
        call = replace(call, first_tried=call.first_tried or time.time())
        keys = [CALLS_KEY, DUE_KEY, SEQ_KEY, SHOWN_KEY.format(key=key)]
        args = [key, call.to_json(), time.time(), "" if seq is None else seq]
        if pipe is not None:
            self._keep(keys=keys, args=args, client=pipe)
            return True
        return bool(self._keep(keys=keys, args=args))

    def revise(self, key: str, *, seq: str | None = None, **args: Any) -> int:
        """Change the arguments of the call kept under `key`, numbered `seq` (as in `keep`; none:
        the newest): REVISED, NOT_KEPT if none is kept (any more), STALE if the kept call or the
        one Slack took is newer. A post revised while Slack is taking it ends as that post and an
        update of its message."""
        while True:
            raw = self._redis.hget(CALLS_KEY, key)
            if raw is None:
                return NOT_KEPT
            call = SlackCall.from_json(raw)
            revised = replace(call, args={**call.args, **args}).to_json()
            done = self._revise(keys=[CALLS_KEY, SEQ_KEY, SHOWN_KEY.format(key=key)],
                                args=[key, raw, revised, "" if seq is None else seq])
            if done != -1:
                return int(done)

    def is_kept(self, key: str) -> bool:
        return bool(self._redis.hexists(CALLS_KEY, key))

    def deliver_due(self, client: WebClient, limit: int = 20) -> int:
        """Try the calls whose turn it is (the notifier's loop); how many Slack took. Stops at a
        rate limit: the calls behind it would only be refused too."""
        keys = self._redis.zrangebyscore(DUE_KEY, "-inf", time.time(), start=0, num=limit)
        taken = 0
        for key in keys:
            if time.time() < self._quiet_until:
                break
            taken += self.deliver(client, key.decode()) is not None
        return taken

    def deliver(self, client: WebClient, key: str) -> Any:
        now, token = time.time(), secrets.token_hex(8)
        claimed = self._claim(keys=[CALLS_KEY, DUE_KEY, SEQ_KEY, HOLDER_KEY],
                              args=[key, now, now + LEASE_S, token])
        if not claimed:
            return None   # not its turn yet, another process is trying it, or nothing is kept
        raw, seq = claimed[0], claimed[1].decode() if isinstance(claimed[1], bytes) else str(claimed[1])
        call = SlackCall.from_json(raw)
        try:
            answer = self._call(without_retries(client), call)
        except Exception as exc:
            self._failed(key, raw, call, exc, now, token)
            return None
        self._delivered(call, answer)   # first: a revision that finds no kept call reads the ts
        shown = SHOWN_KEY.format(key=key)
        # a post's text is shown in its message: no older update of that message may follow it
        message_shown = (SHOWN_KEY.format(key=f"update:{answer['channel']}:{answer['ts']}")
                         if call.ts_field else shown)
        done = self._done(keys=[CALLS_KEY, DUE_KEY, SEQ_KEY, HOLDER_KEY, shown, message_shown],
                          args=[key, raw, seq, "1" if call.ts_field else "", now, token, SHOWN_TTL_S])
        if int(done[0]) == -1:
            log.warning("the try of %s of request %s outlived its lease; another try holds it now",
                        call.purpose, call.about.get("request"))
        elif int(done[0]) == 1:   # revised while it was being posted: show the newer text in it
            revised = SlackCall.from_json(done[1])
            channel, ts = answer["channel"], answer["ts"]
            update_key = f"update:{channel}:{ts}"
            update = replace(revised, method="chat_update", ts_field=None, first_tried=0.0, attempts=0,
                             args={**_update_args(revised.args), "channel": channel, "ts": ts})
            revised_seq = done[2].decode() if isinstance(done[2], bytes) else str(done[2])
            if self.keep(update_key, update, seq=revised_seq):   # unless a newer update came
                self.deliver(client, update_key)
        return answer

    def _failed(self, key: str, raw: bytes, call: SlackCall, exc: Exception, now: float, token: str) -> None:
        keys = [CALLS_KEY, DUE_KEY, SEQ_KEY, HOLDER_KEY]
        if passes(exc) and now - call.first_tried < GIVE_UP_S:
            retry = replace(call, attempts=call.attempts + 1)
            wait = retry_after(exc)
            delay = wait if wait is not None else min(MAX_DELAY_S, 2 ** retry.attempts)
            if wait is not None:
                self._quiet_until = max(self._quiet_until, now + wait)
            log.warning("Slack did not take %s of request %s now (%s); trying again in %ss",
                        call.purpose, call.about.get("request"), error_code(exc), delay)
            self._settle(keys=keys, args=[key, raw, retry.to_json(), now + delay, now, token])
            return
        if self._settle(keys=keys, args=[key, raw, "", 0, now, token]) == -1:
            return   # another try holds the call now: it decides
        log.warning("Slack refused %s of request %s for good (%s); giving up on it", call.purpose,
                    call.about.get("request"), error_code(exc))
        self.deps.audit.record("notify_failed", actor="bot", event=call.purpose, error=error_code(exc),
                               **call.about)

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
