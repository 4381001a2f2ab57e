"""Mirrors the audit log into the audit channel, from the stream, in order, in small batches.

The stream in Redis is the record; the channel is where people watch it, and where each post
witnesses the chain's hash (bot/audit_witness.py). Reading through a consumer group means a
restart resumes where it stopped and nothing is posted twice by two bot processes; an entry is
acknowledged only once Slack took the post that shows it (all of it), so a post that fails is
retried from the group's pending list and nothing is hidden from the channel. How far a split
entry got is kept in Redis (PARTS_KEY), so a restart or another process that claims it goes on
from the next part.

A post Slack refuses for good (bad blocks, too long) would block every entry after it: it is
replaced by a short notice naming its entries (`tobitbot audit export` shows them) with the same
witness, and acknowledged. If Slack refuses the notice too, a `mirror_failed` entry names them in
the stream; a `mirror_failed` entry that cannot be posted is only logged, so a refusing channel
never makes entries about entries without end. A refusal that is about the bot or the channel,
not the post (a revoked token, the bot not in the channel, the channel archived), would refuse
every post alike: nothing is acknowledged then, the error is logged with what to fix, and the
entries are posted, in order, once an operator has fixed it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.audit import AUDIT_STREAM, AuditLog
from bot.audit_posts import Post, pack
from bot.audit_witness import witness_block
from bot.slack_outbox import error_code, passes
from commands.lexer import from_slack
from commands.mrkdwn import escape as literal

log = logging.getLogger(__name__)
GROUP = "audit-mirror"
BATCH = 10
PARTS_KEY = "tobitbot:audit-mirror:parts"   # hash: entry id -> parts posted, of a split entry
PARTS_TTL_S = 7 * 86400   # an entry pending longer than that starts over: a part twice, none lost
CLAIM_IDLE_MS = 60_000    # a consumer silent this long is taken to be dead: its entries are claimed
MIRROR_FAILED = "mirror_failed"
# refusals of any post to this channel by this app: an operator must act, and then all is posted
OPERATOR_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                             "token_expired", "missing_scope", "not_in_channel",
                             "channel_not_found", "is_archived", "access_denied"})
OPERATOR_WAIT_S = 30
ICONS = {"allowed": ":large_green_circle:", "refused": ":no_entry:", "enqueued": ":inbox_tray:",
         "approval_requested": ":raised_hand:", "job_succeeded": ":white_check_mark:",
         "job_failed": ":x:", "job_undone": ":leftwards_arrow_with_hook:",
         "break_glass": ":rotating_light: *BREAK-GLASS*", "break_glass_reviewed": ":rotating_light:",
         MIRROR_FAILED: ":warning:"}


def audit_line(entry: dict) -> str:
    """One readable line per entry; values that are not shown stay in the stream."""
    at = dt.datetime.fromtimestamp(entry.get("at", 0), dt.timezone.utc).strftime("%H:%M:%S")
    action = entry.get("action", "?")
    parts = [f"`{at}`", ICONS.get(action, ":small_blue_diamond:"), f"*{action}*"]
    actor = entry.get("actor")
    if actor and actor != "worker" and actor != "bot":
        parts.append(f"<@{actor}>")
    # anyone's words, even in a refused command: escaped, so `<!channel>` pings nobody here
    typed = "command" if entry.get("command") else "text"
    if entry.get("command"):
        parts.append(f"`{literal(entry['command'])}`")
    elif entry.get("text"):   # as Slack sent it, escaped once already
        parts.append(f"`{literal(from_slack(entry['text']))}`")
    if entry.get(f"{typed}_length"):   # cut when recorded (bot/audit.py bounded)
        parts.append(f"_(the first {len(entry[typed]):,} of {entry[typed + '_length']:,} characters, "
                     f"sha256 {literal(str(entry.get(typed + '_sha256')))})_")
    for key in ("customer", "ticket", "request", "step", "detail", "outcome", "reason", "error"):
        if entry.get(key) not in (None, ""):
            parts.append(f"{key}: {literal(str(entry[key]))}")
    return " ".join(parts)


class AuditMirror(threading.Thread):
    def __init__(self, client: redis.Redis, slack: WebClient, channel: str):
        super().__init__(name="tobitbot-audit-mirror", daemon=True)
        self.redis, self.slack, self.channel = client, slack, channel
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._stop = threading.Event()
        self.claim_idle_ms = CLAIM_IDLE_MS
        self.log = AuditLog(client)   # no mirror of its own: this is the mirror
        self._create_group("$")  # from now on: history is in the stream, `tobitbot audit export` shows it

    def _create_group(self, start: str) -> None:
        try:
            self.redis.xgroup_create(AUDIT_STREAM, GROUP, id=start, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                try:
                    self.poll()
                except redis.ResponseError as exc:
                    if "NOGROUP" not in str(exc):
                        raise
                    # Redis lost the stream (a restore, a flush): mirror everything written since
                    log.warning("the audit stream or its consumer group is gone; mirroring it anew")
                    self.redis.delete(PARTS_KEY)
                    self._create_group("0")
            except SlackApiError as exc:
                if error_code(exc) in OPERATOR_ERRORS:
                    log.error("the audit channel %s refuses every post of this app (%s): invite "
                              "the bot, unarchive the channel or renew the token; the entries stay "
                              "pending and are posted once it works", self.channel, error_code(exc))
                    self._stop.wait(OPERATOR_WAIT_S)
                    continue
                log.warning("the audit channel refused a post (%s); its entries stay pending and "
                            "are posted again", exc.response.get("error"))
                self._stop.wait(2)
            except Exception:
                log.exception("audit mirror failed; retrying")
                self._stop.wait(2)

    def poll(self, block_ms: int = 1000) -> int:
        """Post the next entries; how many were posted in full (and acknowledged). A post Slack
        refuses for a while raises, leaving it and everything after it pending for the next poll."""
        rows = self._next_rows(block_ms)
        items, failures = [], set()
        for rid, fields in rows:
            entry_id, entry = rid.decode(), json.loads(fields[b"entry"])
            items.append((entry_id, fields[b"hash"].decode(), audit_line(entry)))
            if entry.get("action") == MIRROR_FAILED:
                failures.add(entry_id)
        posted = 0
        for post in pack(items, self._parts_posted([i for i, _, _ in items])):
            self._deliver(post, failures)
            with self.redis.pipeline() as pipe:   # acknowledged and forgotten together
                if post.carried:
                    pipe.hset(PARTS_KEY, post.carried[0], post.carried[1])
                    pipe.expire(PARTS_KEY, PARTS_TTL_S)
                if post.done:
                    pipe.xack(AUDIT_STREAM, GROUP, *post.done)
                    pipe.hdel(PARTS_KEY, *post.done)
                pipe.execute()
            posted += len(post.done)
        return posted

    def _parts_posted(self, entry_ids: list[str]) -> dict[str, int]:
        """How many parts of each entry were posted before (by this process or another)."""
        if not entry_ids:
            return {}
        found = self.redis.hmget(PARTS_KEY, entry_ids)
        return {entry_id: int(n) for entry_id, n in zip(entry_ids, found) if n is not None}

    def _deliver(self, post: Post, failures: set[str]) -> None:
        """Post it; if Slack refuses it for good, a notice in its place, or failing that an entry
        in the stream. Raises only what may pass (the post stays pending)."""
        try:
            self._post(post)
            return
        except SlackApiError as exc:
            if passes(exc) or error_code(exc) in OPERATOR_ERRORS:
                raise
            refused = error_code(exc)
        shown = _shown_ids(post)
        log.error("the audit channel refused a post for good (%s); entries %s are posted as a "
                  "notice", refused, ", ".join(shown))
        notice = (f":warning: Slack refused the audit post of entries {', '.join(f'`{i}`' for i in shown)} "
                  f"(`{refused}`): they are in the audit stream, `tobitbot audit export` shows them.")
        try:
            self._post(Post(notice, post.done, post.carried, post.witness))
            return
        except SlackApiError as exc:
            if passes(exc) or error_code(exc) in OPERATOR_ERRORS:
                raise
            also = error_code(exc)
        unseen = [i for i in shown if i not in failures]
        log.error("the audit channel refused the notice too (%s); entries %s are not shown there",
                  also, ", ".join(shown))
        if unseen:   # never about a mirror_failed entry itself: that would go on without end
            self.log.record(MIRROR_FAILED, actor="bot", detail="not shown in the audit channel: "
                            + ", ".join(unseen), error=f"{refused}, then {also}")

    def _post(self, post: Post) -> None:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": post.text}},
                  witness_block(*post.witness)]
        self.slack.chat_postMessage(channel=self.channel, text=post.text, blocks=blocks)

    def _next_rows(self, block_ms: int) -> list:
        """This consumer's own pending entries first (a post that failed), in stream order; then
        those a dead consumer left for a minute; then new ones."""
        mine = self.redis.xreadgroup(GROUP, self.consumer, {AUDIT_STREAM: "0"}, count=BATCH)
        rows = [e for _, batch in (mine or []) for e in batch]
        gone = [rid for rid, fields in rows if not fields]
        if gone:  # deleted from the stream while pending: nothing left to post (verify reports it)
            self.redis.xack(AUDIT_STREAM, GROUP, *gone)
        rows = [r for r in rows if r[1]]
        if rows or gone:
            return rows
        claimed = self.redis.xautoclaim(AUDIT_STREAM, GROUP, self.consumer, self.claim_idle_ms,
                                        count=BATCH)[1]
        fresh = self.redis.xreadgroup(GROUP, self.consumer, {AUDIT_STREAM: ">"}, count=BATCH, block=block_ms)
        return [r for r in list(claimed) + [e for _, b in (fresh or []) for e in b] if r[1]]


def _shown_ids(post: Post) -> list[str]:
    """The entries a post shows, in order: those it completes, then the one it carries on."""
    return list(post.done) + ([post.carried[0]] if post.carried else [])
