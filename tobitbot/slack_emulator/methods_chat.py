"""Web API methods that post, change and react to messages: chat.* and reactions.*.

Each method takes the workspace and the call's parameters (already decoded from form or JSON)
and returns the fields of Slack's answer besides `"ok": true`, or raises SlackError(code).
"""

from __future__ import annotations

from tobitbot.slack_emulator.block_rules import check_blocks
from tobitbot.slack_emulator.model import JSON
from tobitbot.slack_emulator.params import required
from tobitbot.slack_emulator.state import SlackError
from tobitbot.slack_emulator.workspace import Workspace


def post_message(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    text, blocks = params.get("text") or "", check_blocks(params.get("blocks"))
    if not text and not blocks:
        raise SlackError("no_text")
    thread_ts = params.get("thread_ts") or None
    if thread_ts and not ws.conversations.has_message(channel.id, thread_ts):
        raise SlackError("thread_not_found")
    bot = ws.identity
    message = ws.conversations.post(channel.id, text, blocks, bot.bot_user_id, bot_id=bot.bot_id,
                                    app_id=bot.app_id, thread_ts=thread_ts)
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}


def post_ephemeral(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    user = ws.directory.user(required(params, "user", "user_not_found"))
    text, blocks = params.get("text") or "", check_blocks(params.get("blocks"))
    if not text and not blocks:
        raise SlackError("no_text")
    ephemeral = ws.conversations.post_ephemeral(channel.id, user.id, text, blocks,
                                                thread_ts=params.get("thread_ts") or None)
    return {"message_ts": ephemeral.ts}


def update(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    ts = required(params, "ts", "message_not_found")
    blocks = check_blocks(params["blocks"]) if "blocks" in params else None
    message = ws.conversations.update(channel.id, ts, params.get("text"), blocks,
                                      editor=ws.identity.bot_user_id)
    return {"channel": channel.id, "ts": ts, "text": message.text, "message": message.to_slack()}


def delete(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    ts = required(params, "ts", "message_not_found")
    if ws.conversations.message(channel.id, ts).user != ws.identity.bot_user_id:
        raise SlackError("cant_delete_message")
    ws.conversations.delete(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


def get_permalink(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    message = ws.conversations.message(channel.id, required(params, "message_ts",
                                                            "message_not_found"))
    link = f"{ws.web_url}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def reactions_add(ws: Workspace, params: JSON) -> JSON:
    channel, ts, name = _reaction_target(ws, params)
    ws.conversations.add_reaction(channel, ts, name, ws.identity.bot_user_id)
    return {}


def reactions_remove(ws: Workspace, params: JSON) -> JSON:
    channel, ts, name = _reaction_target(ws, params)
    ws.conversations.remove_reaction(channel, ts, name, ws.identity.bot_user_id)
    return {}


def reactions_get(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    message = ws.conversations.message(channel.id, required(params, "timestamp",
                                                            "message_not_found"))
    return {"type": "message", "channel": channel.id, "message": message.to_slack()}


def _reaction_target(ws: Workspace, params: JSON) -> tuple[str, str, str]:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    ts = required(params, "timestamp", "message_not_found")
    name = str(required(params, "name", "invalid_name")).strip(":")
    return channel.id, ts, name


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
}
