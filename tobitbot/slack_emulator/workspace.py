"""One emulated Slack workspace: its identity and all its state behind one lock."""

from __future__ import annotations

from dataclasses import dataclass

from tobitbot.slack_emulator.call_log import CallLog
from tobitbot.slack_emulator.conversations import Conversations
from tobitbot.slack_emulator.directory import Directory
from tobitbot.slack_emulator.model import TsClock, User
from tobitbot.slack_emulator.state import SharedState
from tobitbot.slack_emulator.surfaces import Surfaces


@dataclass(frozen=True)
class Identity:
    """Who the workspace and the installed bot are, as auth.test and payloads tell it."""

    team_id: str = "T_TOBIT"
    team_domain: str = "tobit-service"
    bot_user_id: str = "U_TOBITBOT"
    bot_id: str = "B_TOBITBOT"
    app_id: str = "A_TOBITBOT"
    bot_name: str = "tobitbot"


class Workspace:
    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity or Identity()
        self.state = SharedState()
        self.directory = Directory(self.state)
        self.conversations = Conversations(self.state, TsClock())
        self.surfaces = Surfaces(self.state)
        self.calls = CallLog(self.state)
        # Where permalinks point: the emulator's own address once it listens.
        self.web_url = f"https://{self.identity.team_domain}.slack.com"
        bot = self.identity
        self.directory.add_user(User(id=bot.bot_user_id, name=bot.bot_name, email="", is_bot=True))
