"""Mirrors the audit log into the audit channel, from the stream, in order, in small batches.

The stream in Redis is the record; the channel is where people watch it, and where each post
witnesses the chain's hash (bot/audit_witness.py). Reading through a consumer group means a
restart resumes where it stopped and nothing is posted twice by two bot processes; an entry is
acknowledged only once Slack took the post that shows it (all of it), so a post that fails is
retried from the group's pending list and nothing is hidden from the channel.
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

from bot.audit import AUDIT_STREAM
from bot.audit_posts import Post, pack
from bot.audit_witness import witness_block
from commands.lexer import from_slack
from commands.mrkdwn import escape as literal

log = logging.getLogger(__name__)
GROUP = "audit-mirror"
BATCH = 10
ICONS = {"allowed": ":large_green_circle:", "refused": ":no_entry:", "enqueued": ":inbox_tray:",
         "approval_requested": ":raised_hand:", "job_succeeded": ":white_check_mark:",
         "job_failed": ":x:", "job_undone": ":leftwards_arrow_with_hook:",
         "break_glass": ":rotating_light: *BREAK-GLASS*", "break_glass_reviewed": ":rotating_light:"}


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
        self._parts: dict[str, int] = {}  # entry id -> parts posted, for a split entry under way
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
                    self._parts.clear()
                    self._create_group("0")
            except SlackApiError as exc:
                log.warning("the audit channel refused a post (%s); its entries stay pending and "
                            "are posted again", exc.response.get("error"))
                self._stop.wait(2)
            except Exception:
                log.exception("audit mirror failed; retrying")
                self._stop.wait(2)

    def poll(self, block_ms: int = 1000) -> int:
        """Post the next entries; how many were posted in full (and acknowledged). A post Slack
        refuses raises, leaving it and everything after it pending for the next poll."""
        rows = self._next_rows(block_ms)
        items = [(rid.decode(), fields[b"hash"].decode(), audit_line(json.loads(fields[b"entry"])))
                 for rid, fields in rows]
        posted = 0
        for post in pack(items, self._parts):
            self._post(post)
            if post.carried:
                self._parts[post.carried[0]] = post.carried[1]
            if post.done:
                self.redis.xack(AUDIT_STREAM, GROUP, *post.done)
                for entry_id in post.done:
                    self._parts.pop(entry_id, None)
                posted += len(post.done)
        return posted

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
        claimed = self.redis.xautoclaim(AUDIT_STREAM, GROUP, self.consumer, 60_000, count=BATCH)[1]
        fresh = self.redis.xreadgroup(GROUP, self.consumer, {AUDIT_STREAM: ">"}, count=BATCH, block=block_ms)
        return [r for r in list(claimed) + [e for _, b in (fresh or []) for e in b] if r[1]]
