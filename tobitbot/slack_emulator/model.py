"""The things an emulated Slack workspace holds: users, groups, channels, messages, views, calls.

Records are plain mutable dataclasses inside the workspace (which guards them with its lock);
queries hand out deep copies, so a test can never see a message change under its feet.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class User:
    id: str
    name: str
    email: str
    is_bot: bool = False
    real_name: str = ""
    deleted: bool = False

    def to_slack(self, team_id: str) -> JSON:
        real_name = self.real_name or self.name
        return {
            "id": self.id, "team_id": team_id, "name": self.name, "real_name": real_name,
            "deleted": self.deleted, "is_bot": self.is_bot, "is_app_user": False,
            "is_admin": False, "tz": "Europe/Berlin",
            "profile": {"email": self.email, "real_name": real_name, "display_name": self.name,
                        "team": team_id},
        }


@dataclass
class Usergroup:
    id: str
    handle: str
    members: list[str]
    name: str = ""

    def to_slack(self, team_id: str, include_users: bool) -> JSON:
        group = {"id": self.id, "team_id": team_id, "is_usergroup": True, "handle": self.handle,
                 "name": self.name or self.handle, "description": "", "date_delete": 0,
                 "user_count": len(self.members)}
        if include_users:
            group["users"] = list(self.members)
        return group


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the other side of a direct-message channel
    created: int = field(default_factory=lambda: int(time.time()))

    def to_slack(self) -> JSON:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.user, "created": self.created}
        return {"id": self.id, "name": self.name, "is_channel": not self.is_private,
                "is_group": self.is_private, "is_im": False, "is_private": self.is_private,
                "is_archived": False, "is_member": True, "created": self.created}


@dataclass
class Message:
    """A channel message; `user` is who posted it, `bot_id` is set when the bot did."""

    channel: str
    ts: str
    text: str
    blocks: list[JSON]
    user: str
    bot_id: str | None = None
    app_id: str | None = None
    thread_ts: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)  # name -> users, in order
    edited_ts: str | None = None
    source: str = "api"  # api, slash_command, response_url, user

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_slack(self, replies: list["Message"] | None = None) -> JSON:
        message: JSON = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.blocks:
            message["blocks"] = self.blocks
        if self.bot_id:
            message["bot_id"] = self.bot_id
            message["app_id"] = self.app_id
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if replies:
            message["reply_count"] = len(replies)
            message["reply_users"] = sorted({reply.user for reply in replies})
            message["latest_reply"] = replies[-1].ts
        if self.edited_ts:
            message["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.reactions:
            message["reactions"] = [{"name": name, "users": list(users), "count": len(users)}
                                    for name, users in self.reactions.items()]
        return message


@dataclass
class Ephemeral:
    """A message only `user` sees; Slack keeps none, the emulator keeps them for the tests."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON]
    thread_ts: str | None = None
    source: str = "api"  # api, ack, response_url, slack (Slack's own notices)
    deleted: bool = False

    def to_slack(self) -> JSON:
        message: JSON = {"type": "message", "ts": self.ts, "text": self.text, "is_ephemeral": True}
        if self.blocks:
            message["blocks"] = self.blocks
        return message


@dataclass
class View:
    """A modal or home tab the bot opened, published or updated for a user."""

    id: str
    user: str
    type: str
    definition: JSON
    hash: str
    root_view_id: str
    is_open: bool = True

    def to_slack(self, team_id: str, app_id: str, bot_id: str) -> JSON:
        return {**self.definition, "id": self.id, "team_id": team_id, "type": self.type,
                "hash": self.hash, "root_view_id": self.root_view_id, "app_id": app_id,
                "bot_id": bot_id, "state": {"values": {}},
                "private_metadata": self.definition.get("private_metadata", ""),
                "callback_id": self.definition.get("callback_id", ""),
                "external_id": self.definition.get("external_id", "")}


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the bot made it; `status` is 429 when the emulator throttled it."""

    method: str
    params: JSON
    at: float
    status: int
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class HttpResult:
    """What the bot answered to one request the emulator sent it (status 0: no answer)."""

    status: int
    body: str
    headers: dict[str, str]
    request_body: bytes = b""
    request_headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def header(self, name: str) -> str | None:
        """A response header, whatever case the bot's server wrote it in."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str | None:
        """The event_id of the Events API request this answers, for checking de-duplication."""
        try:
            return json.loads(self.request_body).get("event_id")
        except (ValueError, AttributeError):
            return None


class TsClock:
    """Message timestamps like Slack's: "seconds.micros", unique and strictly increasing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, int(time.time() * 1_000_000))
            return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"
