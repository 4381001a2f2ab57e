"""Posts what workers publish: status updates in the request's thread, the final outcome,
one-time passwords to the requester only, and an audit entry for every event. An event that
Slack refuses for good (an archived channel, invalid blocks) is audited as such and
acknowledged: it never blocks the events after it. An outcome whose post failed for a passing
reason (rate limit, Slack or the network down, after the SDK's own retries) stays pending and is
posted again a minute later; the status line and the notice that a password was lost go
through the outbox (bot/slack_outbox.py), which this thread also works off. An event's audit
entry is written once all the same. The thread also ends the requests a dead bot left posting.

Reads the shared outcomes stream through a Redis consumer group, so several bot processes
share the work and each event is handled once; unacknowledged events of a dead process are
claimed again after a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import redis
from slack_sdk import WebClient

from bot import messages
from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.request_store import NOT_POSTED, NOT_RUN, POSTING, RETRYING
from bot.slack_outbox import NOT_KEPT, TELL, Outbox, SlackCall, about, error_code, passes
from commands import events
from commands.events import OUTCOMES_STREAM, JobEvent

log = logging.getLogger(__name__)
GROUP = "bot"
CLAIM_IDLE_MS = 60_000
AUDITED_KEY = "tobitbot:notify:audited:{event_id}"   # an event retried is audited once
AUDITED_TTL_S = 7 * 86400
POSTING_SWEEP_S = 120   # a post takes seconds (minutes at worst, Retry-After): longer, its bot died


def undelivered_text(record, user: str | None) -> str:
    """Said in the thread when neither the ephemeral nor the direct message got through."""
    whose = f" for `{user}`" if user else ""
    again = f"reset-password {record.customer} {user}" if user and record.customer else "reset-password"
    return (f":warning: <@{record.requester}>, the new password{whose} could not be delivered to you, "
            f"neither here nor as a direct message, and it is kept nowhere. Run `{again}` to set "
            "another one.")


def stream_order(entry_id: bytes | str) -> tuple[int, int]:
    """A stream entry id (`ms-n`) as something that compares in the stream's order."""
    ms, _, n = (entry_id.decode() if isinstance(entry_id, bytes) else entry_id).partition("-")
    return int(ms), int(n or 0)


def ensure_group(client: redis.Redis, start: str = "$") -> None:
    try:
        client.xgroup_create(OUTCOMES_STREAM, GROUP, id=start, mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


class Notifier(threading.Thread):
    def __init__(self, deps: BotDeps, client: WebClient):
        super().__init__(name="tobitbot-notifier", daemon=True)
        self.deps = deps
        self.client = client
        self.outbox = Outbox(deps)
        self.approvals = ApprovalStore(deps.redis)
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        ensure_group(self.deps.redis)
        while not self._stop.is_set():
            try:
                try:
                    self.poll(block_ms=1000)
                    self.outbox.deliver_due(self.client)
                    self.sweep_posting()
                    self.sweep_not_queued()
                except redis.ResponseError as exc:
                    if "NOGROUP" not in str(exc):
                        raise
                    # Redis lost the stream (a restore, a flush): read everything published since
                    log.warning("the outcomes stream or its consumer group is gone; reading it anew")
                    ensure_group(self.deps.redis, start="0")
            except Exception:  # keep posting later events; this one stays pending and is retried
                log.exception("notifier failed; retrying in a second")
                self._stop.wait(1)

    def poll(self, block_ms: int = 1000) -> int:
        r = self.deps.redis
        claimed = r.xautoclaim(OUTCOMES_STREAM, GROUP, self.consumer, CLAIM_IDLE_MS, count=50)[1]
        fresh = r.xreadgroup(GROUP, self.consumer, {OUTCOMES_STREAM: ">"}, count=50, block=block_ms)
        entries = list(claimed) + [e for _, batch in (fresh or []) for e in batch]
        parsed = [(eid, JobEvent.from_json(fields[b"event"])) for eid, fields in entries if fields]
        # only the newest status of each request is worth a chat.update within one batch: the
        # newest by the stream's order (a claimed event may be older or newer than a fresh one)
        latest: dict[str, bytes] = {}
        for eid, ev in sorted(parsed, key=lambda entry: stream_order(entry[0])):
            if ev.kind != events.SECRET_READY:
                latest[ev.request_id] = eid
        for eid, event in parsed:
            try:
                self.handle(event, update_status=latest.get(event.request_id) == eid,
                            event_id=eid.decode() if isinstance(eid, bytes) else str(eid))
            except Exception as exc:
                if passes(exc) and event.kind in events.FINAL:
                    # left pending: claimed again and posted in a minute. Only an outcome's own
                    # post can fail so; the status line goes through the outbox, which retries it
                    log.warning("could not post %s of request %s now (%s); trying again later",
                                event.kind, event.request_id, error_code(exc))
                    continue
                # refused for good: retried, it would fail the same way every minute
                log.exception("could not post %s of request %s; giving up on it", event.kind,
                              event.request_id)
                self.deps.audit.record("notify_failed", actor="bot", request=event.request_id,
                                       event=event.kind, error=error_code(exc))
            r.xack(OUTCOMES_STREAM, GROUP, eid)
        return len(parsed)

    def handle(self, event: JobEvent, update_status: bool = True, event_id: str | None = None) -> None:
        record = self.deps.requests.get(event.request_id)
        if record is None:
            log.warning("event for unknown request %s", event.request_id)
            return
        if event_id is None or self.deps.redis.set(AUDITED_KEY.format(event_id=event_id), 1,
                                                    nx=True, ex=AUDITED_TTL_S):
            self.audit(event, record)
        if event.kind == events.SECRET_READY:
            self.deliver_secret(event, record)
            return
        if event.kind in events.FINAL and record.state != event.kind:
            # first: the request's state (Retry/Undo, `jobs`) must not hang on Slack answering
            record = self.deps.requests.update(record.request_id, state=event.kind) or record
        # a step's line after the outcome's would say the request still runs: an older event a
        # dead bot left pending (claimed a minute later), or another bot's, leaves the line alone
        if update_status and (event.kind in events.FINAL or record.state not in events.FINAL):
            self.update_status(record, messages.status_text(event) + messages.ticket_note(record.ticket),
                               seq=event_id)
        if event.kind in events.FINAL:
            self.client.chat_postMessage(channel=record.channel, thread_ts=record.message_ts,
                                         text=messages.final_text(event),
                                         blocks=messages.final_blocks(event, record.ticket))

    def sweep_posting(self) -> int:
        """End the requests a dead bot left posting (it died before Slack answered): not posted,
        so never run, and their requesters told; how many. A bot still posting one finds it
        ended and does not run it (Dispatcher.show), so it ends once either way."""
        swept = 0
        for request_id in self.deps.requests.left_posting(time.time() - POSTING_SWEEP_S):
            record = self.deps.requests.update(request_id, only_from=POSTING, state=NOT_POSTED)
            if record is None:   # it moved on meanwhile, or its record expired
                self.deps.requests.forget_posting(request_id)
                continue
            self.approvals.discard(request_id)   # never linked to a message: nobody votes on it
            self.deps.audit.record("request_not_posted", actor="bot", request=request_id,
                                   customer=record.customer, command=record.command,
                                   error="bot_stopped_while_posting", ticket=record.ticket)
            notice = SlackCall(TELL, {"channel": record.channel, "user": record.requester,
                                      "text": messages.request_left_posting(record.command, request_id)},
                               "request_not_posted", about(record))
            self.outbox.send(self.client, notice, key=f"request_not_posted:{request_id}")
            swept += 1
        return swept

    def sweep_not_queued(self) -> int:
        """End the requests a dead bot left approved (or retried) but never queued: marked not
        run, audited, and their thread says so with a Retry button; how many. The approval is
        closed by then, so nothing else would ever run or end them."""
        since = time.time() - POSTING_SWEEP_S
        left = [(rid, "pending_approval") for rid in self.approvals.approved_before(since)]
        left += [(rid, RETRYING) for rid in self.deps.requests.left_in(RETRYING, since)]
        swept = 0
        for request_id, state in left:
            record = self.deps.requests.update(request_id, only_from=state, state=NOT_RUN)
            if state == RETRYING:
                self.deps.requests.forget_in(RETRYING, request_id)
            else:
                self.approvals.forget_approved(request_id)
            if record is None:   # queued, not run or stale meanwhile, or its record expired
                continue
            self.deps.audit.record("request_not_run", actor="bot", request=request_id,
                                   customer=record.customer, command=record.command,
                                   error=f"bot_stopped_while_{state}", ticket=record.ticket)
            text, blocks = messages.request_not_run(record.requester, record.command, request_id,
                                                    messages.not_run_bot_stopped())
            notice = SlackCall("chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                                                    "text": text, "blocks": blocks},
                               "request_not_run", about(record))
            self.outbox.send(self.client, notice, key=f"request_not_run:{request_id}")
            swept += 1
        return swept

    def update_status(self, record, text: str, seq: str | None = None) -> None:
        """The status line, through the outbox: while Slack has not posted it yet, the kept post
        itself is given the newer text; a status update Slack refuses now is kept, and a newer
        one replaces it. `seq`: the event's id in the outcomes stream, so that the line follows
        the events' order, not the order bots handle them in: an older one changes nothing."""
        if not record.status_ts and self.outbox.revise(f"status:{record.request_id}", seq=seq,
                                                       text=text) != NOT_KEPT:
            return   # revised, or the kept post already shows a newer event
        record = self.deps.requests.get(record.request_id) or record   # posted meanwhile?
        if record.status_ts:
            self.outbox.send(self.client, SlackCall("chat_update", {"channel": record.channel,
                                                                    "ts": record.status_ts, "text": text},
                                                    "status", about(record)),
                             key=f"update:{record.channel}:{record.status_ts}", seq=seq)

    def deliver_secret(self, event: JobEvent, record) -> None:
        """The secret leaves Redis when it is taken, so a refused ephemeral (the requester is not
        in the channel: a modal posts in the support channel) falls back to a direct message;
        only when that fails too does the thread say the password is lost."""
        user = event.extra.get("user") or "the user"
        secret = self.deps.secrets.take(event.request_id, event.secret or "")

        def text(direct: bool = False) -> str:
            return (messages.password_notice(user, secret, direct=direct) if secret
                    else messages.password_lost(user))

        # any failure, not only Slack's refusals: the secret is out of Redis, a retry cannot show it
        try:
            self.client.chat_postEphemeral(channel=record.channel, user=record.requester,
                                           thread_ts=record.message_ts, text=text())
            return
        except Exception as exc:
            log.warning("could not show request %s's %s in %s (%s); sending a direct message",
                        record.request_id, event.secret, record.channel, error_code(exc))
        try:
            dm = self.client.conversations_open(users=record.requester)["channel"]["id"]
            self.client.chat_postMessage(channel=dm,
                                         text=messages.direct_notice(record.channel, text(direct=True)))
            return
        except Exception as exc:
            log.warning("could not send request %s's %s to %s directly either (%s)",
                        record.request_id, event.secret, record.requester, error_code(exc))
            reason = error_code(exc)
        self.deps.audit.record("secret_undelivered", actor="bot", request=record.request_id,
                               customer=record.customer, error=reason, ticket=record.ticket)
        # the secret is gone (R18), the word that it is must not be: kept until Slack takes it
        notice = SlackCall("chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                                                "text": undelivered_text(record, event.extra.get("user"))},
                           "secret_undelivered", about(record), delivered_action="secret_undelivered_told")
        self.outbox.send(self.client, notice, key=f"secret_undelivered:{record.request_id}:{event.secret}")

    def audit(self, event: JobEvent, record) -> None:
        fields = {"request": event.request_id, "customer": record.customer, "step": event.step,
                  "detail": event.summary, "error": event.error, "ticket": record.ticket}
        if event.kind == events.SECRET_READY:
            fields["detail"] = f"one-time {event.secret} shown to the requester only"
        self.deps.audit.record("job_" + event.kind, actor="worker", **fields)
