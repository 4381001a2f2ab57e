"""The bodies Slack sends an app: slash commands, Events API envelopes, interactivity payloads.

Field for field what Slack sends (legacy verification token included), so Bolt's parsing and
matching run exactly as in production.
"""

from __future__ import annotations

import json
import secrets
import string
import time
from urllib.parse import urlencode

from tobitbot.slack_emulator.model import JSON, Channel, User
from tobitbot.slack_emulator.workspace import Identity


def new_event_id() -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "Ev" + "".join(secrets.choice(alphabet) for _ in range(10))


def channel_name(channel: Channel) -> str:
    return "directmessage" if channel.is_im else channel.name


def slash_command(bot: Identity, token: str, user: User, channel: Channel, command: str,
                  text: str, response_url: str, trigger_id: str) -> bytes:
    return urlencode({
        "token": token, "team_id": bot.team_id, "team_domain": bot.team_domain,
        "channel_id": channel.id, "channel_name": channel_name(channel),
        "user_id": user.id, "user_name": user.name, "command": command, "text": text,
        "api_app_id": bot.app_id, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    }).encode()


def event_callback(bot: Identity, token: str, event: JSON, event_id: str | None = None) -> bytes:
    now = int(time.time())
    return json.dumps({
        "token": token, "team_id": bot.team_id, "context_team_id": bot.team_id,
        "context_enterprise_id": None, "api_app_id": bot.app_id,
        "event": {**event, "event_ts": f"{time.time():.6f}"},
        "type": "event_callback", "event_id": event_id or new_event_id(), "event_time": now,
        "authorizations": [{"enterprise_id": None, "team_id": bot.team_id,
                            "user_id": bot.bot_user_id, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(24),
    }).encode()


def reaction_event(kind: str, user: str, reaction: str, channel: str, ts: str,
                   item_user: str) -> JSON:
    return {"type": kind, "user": user, "reaction": reaction, "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts}}


def url_verification(token: str, challenge: str) -> bytes:
    return json.dumps({"token": token, "challenge": challenge,
                       "type": "url_verification"}).encode()


def _actor(bot: Identity, user: User) -> JSON:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": bot.team_id}


def _team(bot: Identity) -> JSON:
    return {"id": bot.team_id, "domain": bot.team_domain}


def block_actions(bot: Identity, token: str, user: User, channel: Channel, container: JSON,
                  message: JSON | None, action: JSON, response_url: str,
                  trigger_id: str) -> bytes:
    """A click in a message; Slack leaves `message` out when the message is ephemeral."""
    payload: JSON = {
        "type": "block_actions", "user": _actor(bot, user), "api_app_id": bot.app_id,
        "token": token, "container": container, "trigger_id": trigger_id, "team": _team(bot),
        "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel_name(channel)},
        "state": {"values": {}}, "response_url": response_url,
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    if message is not None:
        payload["message"] = message
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_submission(bot: Identity, token: str, user: User, view: JSON,
                    trigger_id: str) -> bytes:
    payload = {
        "type": "view_submission", "team": _team(bot), "user": _actor(bot, user),
        "api_app_id": bot.app_id, "token": token, "trigger_id": trigger_id, "view": view,
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def shortcut(bot: Identity, token: str, user: User, callback_id: str, trigger_id: str) -> bytes:
    """A global shortcut (the lightning menu): no channel, no message, only a trigger id."""
    payload = {
        "type": "shortcut", "token": token, "action_ts": f"{time.time():.6f}", "team": _team(bot),
        "user": _actor(bot, user), "is_enterprise_install": False, "enterprise": None,
        "callback_id": callback_id, "trigger_id": trigger_id,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_block_actions(bot: Identity, token: str, user: User, view: JSON, action: JSON,
                       trigger_id: str) -> bytes:
    """A click in a home tab or modal: the container is the view, and there is no channel."""
    payload = {
        "type": "block_actions", "user": _actor(bot, user), "api_app_id": bot.app_id,
        "token": token, "trigger_id": trigger_id, "team": _team(bot), "enterprise": None,
        "is_enterprise_install": False, "view": view,
        "container": {"type": "view", "view_id": view["id"]},
        "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
