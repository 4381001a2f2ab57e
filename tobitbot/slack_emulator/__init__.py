"""A local Slack workspace for tests and the sandbox: Web API in, signed requests out."""

from tobitbot.slack_emulator.emulator import SlackEmulator
from tobitbot.slack_emulator.model import (ApiCall, Channel, Ephemeral, HttpResult, Message, User,
                                           Usergroup, View)
from tobitbot.slack_emulator.state import SlackError
from tobitbot.slack_emulator.workspace import Identity

__all__ = ["ApiCall", "Channel", "Ephemeral", "HttpResult", "Identity", "Message", "SlackEmulator",
           "SlackError", "User", "Usergroup", "View"]
