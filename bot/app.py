"""Builds the Bolt app: one place that registers every Slack handler.

Every listener answers Slack (ack) before anything that waits on Slack's Web API or a backend:
the slash command checks only what Redis can tell at once (slash.SlashCommand.admit), every
other handler runs on the bot's work pool after its ack (`answered_first`).
"""

from __future__ import annotations

import logging
import threading

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot import messages
from bot.approvals import Approvals
from bot.audit_mirror import AuditMirror
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.identity import GroupDirectory
from bot.job_actions import JobActions
from bot.notifier import Notifier, ensure_group
from bot.open_requests import door_client
from bot.slash import SlashCommand
from bot.surfaces import register_surfaces
from bot.work_pool import WorkPool, answered_first

log = logging.getLogger(__name__)


def slack_client(token: str, api_url: str) -> WebClient:
    """A Web API client that waits out 429s (Retry-After) and retries dropped connections."""
    return WebClient(token=token, base_url=api_url, timeout=10, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=3), ConnectionErrorRetryHandler(max_retry_count=2)])


def build_app(deps: BotDeps, *, bot_token: str, signing_secret: str,
              api_url: str) -> tuple[App, list[threading.Thread]]:
    """The Bolt app and the background threads that post to Slack (start them once)."""
    client = slack_client(bot_token, api_url)
    app = App(client=client, signing_secret=signing_secret, token_verification_enabled=False)
    groups = GroupDirectory(client)
    dispatcher = Dispatcher(deps)
    approvals = Approvals(deps, groups, dispatcher)
    pool = WorkPool()
    slash = SlashCommand(deps, groups, dispatcher, pool, door=door_client(deps.redis))
    app.command("/tobit")(slash)
    register_surfaces(app, deps, groups, slash, pool)  # App Home, the add-user shortcut and modal
    app.event("reaction_added")(answered_first(pool, approvals.on_reaction))
    app.event("reaction_removed")(lambda ack: ack())
    app.event("message")(lambda ack: ack())
    for action_id in (messages.APPROVE_ACTION, messages.REJECT_ACTION, messages.WITHDRAW_ACTION,
                      messages.BREAK_GLASS_ACK_ACTION):
        app.action(action_id)(answered_first(pool, approvals.on_action))
    job_actions = JobActions(deps, groups, dispatcher)
    for action_id in (messages.RETRY_ACTION, messages.UNDO_ACTION):
        app.action(action_id)(answered_first(pool, job_actions.on_action))
    ensure_group(deps.redis)  # before any command: no outcome may be published unseen
    threads: list[threading.Thread] = [Notifier(deps, client)]
    if deps.config.audit_channel:
        threads.append(AuditMirror(deps.redis, client, deps.config.audit_channel))
    return app, threads
