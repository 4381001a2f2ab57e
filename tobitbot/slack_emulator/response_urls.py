"""The response_url Slack hands out with each command and interaction, and what a post to it does.

Slack's rules, kept here: a response is ephemeral to the user unless `response_type` is
`in_channel`; `replace_original` / `delete_original` act on the message that was clicked; a URL
takes five responses within thirty minutes, then it is spent.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from tobitbot.slack_emulator.block_rules import check_blocks
from tobitbot.slack_emulator.model import JSON
from tobitbot.slack_emulator.state import SlackError
from tobitbot.slack_emulator.workspace import Workspace

MAX_USES = 5
LIFETIME = 30 * 60.0


@dataclass
class _Origin:
    """Where the response goes: the channel and user, and the clicked message if any."""

    channel: str
    user: str
    message_ts: str | None
    is_ephemeral: bool
    issued: float
    uses: int = 0


class ResponseUrls:
    PATH = "/response_url/"

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._origins: dict[str, _Origin] = {}
        self.base_url = ""  # set once the emulator listens

    def issue(self, channel: str, user: str, message_ts: str | None = None,
              is_ephemeral: bool = False) -> str:
        token = secrets.token_urlsafe(18)
        with self._ws.state.cond:
            self._origins[token] = _Origin(channel, user, message_ts, is_ephemeral,
                                           issued=time.monotonic())
        return f"{self.base_url}{self.PATH}{token}"

    def respond(self, token: str, payload: JSON) -> None:
        """Apply one post to a response_url; SlackError when the URL is unknown or spent."""
        with self._ws.state.cond:
            origin = self._origins.get(token)
            if origin is None:
                raise SlackError("no_service")
            if origin.uses >= MAX_USES or time.monotonic() - origin.issued > LIFETIME:
                raise SlackError("used_url")
            origin.uses += 1
            self._apply(origin, payload)

    def _apply(self, origin: _Origin, payload: JSON) -> None:
        conversations, bot = self._ws.conversations, self._ws.identity
        text, blocks = payload.get("text") or "", check_blocks(payload.get("blocks"))
        if origin.message_ts and payload.get("delete_original"):
            if origin.is_ephemeral:
                conversations.delete_ephemeral(origin.message_ts)
            else:
                conversations.delete(origin.channel, origin.message_ts)
            return
        if origin.message_ts and payload.get("replace_original"):
            if origin.is_ephemeral:
                conversations.replace_ephemeral(origin.message_ts, text, blocks)
            else:
                conversations.update(origin.channel, origin.message_ts, text, blocks)
            return
        if not text and not blocks:
            raise SlackError("no_text")
        thread_ts = payload.get("thread_ts") or None
        if payload.get("response_type") == "in_channel":
            conversations.post(origin.channel, text, blocks, bot.bot_user_id, bot_id=bot.bot_id,
                               app_id=bot.app_id, thread_ts=thread_ts, source="response_url")
        else:
            conversations.post_ephemeral(origin.channel, origin.user, text, blocks,
                                         thread_ts=thread_ts, source="response_url")
