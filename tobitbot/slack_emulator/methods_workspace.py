"""Web API methods that read the workspace or show views: auth, conversations, users, groups.

Same contract as methods_chat: (workspace, params) -> answer fields, or SlackError(code).
"""

from __future__ import annotations

import base64

from tobitbot.slack_emulator.block_rules import MAX_VIEW_BLOCKS, check_blocks
from tobitbot.slack_emulator.model import JSON, Message, View
from tobitbot.slack_emulator.params import required
from tobitbot.slack_emulator.state import SlackError
from tobitbot.slack_emulator.workspace import Workspace


def auth_test(ws: Workspace, params: JSON) -> JSON:
    bot = ws.identity
    return {"url": f"{ws.web_url}/", "team": bot.team_domain, "user": bot.bot_name,
            "team_id": bot.team_id, "user_id": bot.bot_user_id, "bot_id": bot.bot_id,
            "is_enterprise_install": False}


def conversations_info(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    return {"channel": channel.to_slack()}


def conversations_open(ws: Workspace, params: JSON) -> JSON:
    """The bot's direct-message channel with one person (group DMs are not emulated)."""
    users = [u.strip() for u in str(params.get("users") or "").split(",") if u.strip()]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 1:
        raise SlackError("not_implemented")
    channel = ws.directory.channel(ws.directory.user(users[0]).id)
    full = str(params.get("return_im")).lower() in ("true", "1")
    return {"channel": channel.to_slack() if full else {"id": channel.id}}


def conversations_history(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or "inf")
    inclusive = bool(params.get("inclusive"))
    messages = [m for m in reversed(ws.conversations.messages(channel.id))
                if (oldest < float(m.ts) < latest)
                or (inclusive and float(m.ts) in (oldest, latest))]
    page, more = _page(messages, params)
    return {"messages": [_with_replies(ws, m) for m in page], "has_more": bool(more),
            "pin_count": 0, "response_metadata": {"next_cursor": more}}


def conversations_replies(ws: Workspace, params: JSON) -> JSON:
    channel = ws.directory.channel(required(params, "channel", "channel_not_found"))
    ts = required(params, "ts", "thread_not_found")
    if not ws.conversations.has_message(channel.id, ts):
        raise SlackError("thread_not_found")
    thread = ws.conversations.thread(channel.id, ts)
    page, more = _page(thread, params)
    answer = [m.to_slack(thread[1:]) if m is thread[0] else m.to_slack() for m in page]
    return {"messages": answer, "has_more": bool(more),
            "response_metadata": {"next_cursor": more}}


def _with_replies(ws: Workspace, message: Message) -> JSON:
    if message.thread_ts != message.ts:
        return message.to_slack()
    return message.to_slack(ws.conversations.replies(message.channel, message.ts))


def _page(items: list, params: JSON) -> tuple[list, str]:
    """One page of `items` and the cursor to the next one ("" at the end), as Slack pages."""
    limit = int(params.get("limit") or 100)
    cursor = params.get("cursor") or ""
    start = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    end = start + limit
    more = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return items[start:end], more


def users_info(ws: Workspace, params: JSON) -> JSON:
    user = ws.directory.user(required(params, "user", "user_not_found"))
    return {"user": user.to_slack(ws.identity.team_id)}


def users_lookup_by_email(ws: Workspace, params: JSON) -> JSON:
    email = str(required(params, "email", "users_not_found")).lower()
    for user in ws.directory.users():
        if user.email.lower() == email:
            return {"user": user.to_slack(ws.identity.team_id)}
    raise SlackError("users_not_found")


def usergroups_list(ws: Workspace, params: JSON) -> JSON:
    include_users = bool(params.get("include_users"))
    return {"usergroups": [group.to_slack(ws.identity.team_id, include_users)
                           for group in ws.directory.usergroups()]}


def usergroups_users_list(ws: Workspace, params: JSON) -> JSON:
    group = ws.directory.usergroup(required(params, "usergroup", "no_such_subteam"))
    return {"users": list(group.members)}


def views_open(ws: Workspace, params: JSON) -> JSON:
    definition = _view_definition(params)
    return _view_answer(ws, ws.surfaces.open(required(params, "trigger_id",
                                                       "invalid_trigger_id"), definition))


def views_publish(ws: Workspace, params: JSON) -> JSON:
    user = ws.directory.user(required(params, "user_id", "user_not_found"))
    return _view_answer(ws, ws.surfaces.publish(user.id, _view_definition(params)))


def views_update(ws: Workspace, params: JSON) -> JSON:
    if not params.get("view_id") and not params.get("external_id"):
        raise SlackError("invalid_arguments")
    view = ws.surfaces.update(_view_definition(params), view_id=params.get("view_id"),
                              external_id=params.get("external_id"), hash=params.get("hash"))
    return _view_answer(ws, view)


def _view_definition(params: JSON) -> JSON:
    definition = required(params, "view", "invalid_arguments")
    if not isinstance(definition, dict):
        raise SlackError("invalid_arguments")
    check_blocks(definition.get("blocks", []), MAX_VIEW_BLOCKS)
    return definition


def _view_answer(ws: Workspace, view: View) -> JSON:
    bot = ws.identity
    return {"view": view.to_slack(bot.team_id, bot.app_id, bot.bot_id)}


METHODS = {
    "auth.test": auth_test,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.open": conversations_open,
    "conversations.replies": conversations_replies,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.publish": views_publish,
    "views.update": views_update,
}
