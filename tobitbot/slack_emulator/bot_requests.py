"""What users do, sent to the bot's Request URL: commands, reactions, clicks, submissions.

Each method changes the workspace first where Slack would (a reaction shows before the event
arrives), then delivers the signed request and applies the bot's synchronous answer (the ack)
the way Slack does. Every delivery is kept, so a test can re-deliver one verbatim.
"""

from __future__ import annotations

import json
import secrets
import threading

from tobitbot.slack_emulator import payloads
from tobitbot.slack_emulator.block_rules import find_action
from tobitbot.slack_emulator.delivery import ACK_TIMEOUT, deliver
from tobitbot.slack_emulator.model import JSON, HttpResult
from tobitbot.slack_emulator.response_urls import ResponseUrls
from tobitbot.slack_emulator.workspace import Workspace

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


class BotRequests:
    def __init__(self, ws: Workspace, response_urls: ResponseUrls, signing_secret: str,
                 request_url: str | None = None) -> None:
        self._ws = ws
        self._response_urls = response_urls
        self.signing_secret = signing_secret
        self.request_url = request_url
        self.verification_token = secrets.token_hex(12)  # the legacy `token` field
        self.ack_timeout = ACK_TIMEOUT
        self._deliveries: list[HttpResult] = []
        self._lock = threading.Lock()

    def deliveries(self) -> list[HttpResult]:
        with self._lock:
            return list(self._deliveries)

    def slash_command(self, user_id: str, channel_id: str, command: str = "/tobit",
                      text: str = "", **options) -> HttpResult:
        user, channel = self._ws.directory.user(user_id), self._ws.directory.channel(channel_id)
        body = payloads.slash_command(
            self._ws.identity, self.verification_token, user, channel, command, text,
            self._response_urls.issue(channel.id, user.id),
            self._ws.surfaces.issue_trigger(user.id))
        result = self._send(body, FORM, **options)
        conversations, bot = self._ws.conversations, self._ws.identity
        if result.status != 200:
            # What Slack shows the user when the app does not acknowledge the command.
            timed_out = "timed out" in (result.error or "")
            reason = "operation_timeout" if timed_out else "dispatch_failed"
            conversations.post_ephemeral(channel.id, user.id,
                                         f'{command} failed with the error "{reason}"',
                                         [], source="slack")
            return result
        ack = _ack_document(result)
        text, blocks = ack.get("text") or "", ack.get("blocks") or []
        if text or blocks:
            if ack.get("response_type") == "in_channel":
                conversations.post(channel.id, text, blocks, bot.bot_user_id, bot_id=bot.bot_id,
                                   app_id=bot.app_id, source="slash_command")
            else:
                conversations.post_ephemeral(channel.id, user.id, text, blocks, source="ack")
        return result

    def reaction_added(self, user_id: str, channel_id: str, ts: str, reaction: str,
                       **options) -> HttpResult:
        message = self._ws.conversations.add_reaction(channel_id, ts, reaction, user_id)
        event = payloads.reaction_event("reaction_added", user_id, reaction, channel_id, ts,
                                        message.user)
        return self.event(event, **options)

    def reaction_removed(self, user_id: str, channel_id: str, ts: str, reaction: str,
                         **options) -> HttpResult:
        message = self._ws.conversations.remove_reaction(channel_id, ts, reaction, user_id)
        event = payloads.reaction_event("reaction_removed", user_id, reaction, channel_id, ts,
                                        message.user)
        return self.event(event, **options)

    def event(self, event: JSON, event_id: str | None = None, **options) -> HttpResult:
        """Deliver any Events API event inside Slack's event_callback envelope."""
        body = payloads.event_callback(self._ws.identity, self.verification_token, event,
                                       event_id)
        return self._send(body, JSON_TYPE, **options)

    def url_verification(self, challenge: str | None = None, **options) -> HttpResult:
        body = payloads.url_verification(self.verification_token,
                                         challenge or secrets.token_urlsafe(24))
        return self._send(body, JSON_TYPE, **options)

    def block_action(self, user_id: str, channel_id: str, message_ts: str, action_id: str,
                     value: str | None = None, block_id: str | None = None,
                     **options) -> HttpResult:
        """Click the element `action_id` of a message (or ephemeral) that shows it."""
        user, channel = self._ws.directory.user(user_id), self._ws.directory.channel(channel_id)
        conversations = self._ws.conversations
        is_ephemeral = not conversations.has_message(channel.id, message_ts)
        if is_ephemeral:
            shown = conversations.ephemeral(message_ts)
            blocks, message = shown.blocks, None
        else:
            shown = conversations.message(channel.id, message_ts)
            blocks, message = shown.blocks, shown.to_slack()
        found = find_action(blocks, action_id)
        if found is None:
            raise ValueError(f"message {message_ts} shows no element with action_id {action_id}")
        element_block_id, element = found
        action = {"type": element["type"], "action_id": action_id,
                  "block_id": block_id or element_block_id}
        for name in ("text", "style", "value"):
            if name in element:
                action[name] = element[name]
        if value is not None:
            action["value"] = value
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel.id,
                     "is_ephemeral": is_ephemeral}
        body = payloads.block_actions(
            self._ws.identity, self.verification_token, user, channel, container, message,
            action, self._response_urls.issue(channel.id, user.id, message_ts, is_ephemeral),
            self._ws.surfaces.issue_trigger(user.id))
        return self._send(body, FORM, **options)

    def shortcut(self, user_id: str, callback_id: str, **options) -> HttpResult:
        """Run a global shortcut from the shortcuts menu."""
        user = self._ws.directory.user(user_id)
        body = payloads.shortcut(self._ws.identity, self.verification_token, user, callback_id,
                                 self._ws.surfaces.issue_trigger(user.id))
        return self._send(body, FORM, **options)

    def app_home_opened(self, user_id: str, **options) -> HttpResult:
        """The user opens the app's Home tab; the event carries the home view if one exists."""
        user = self._ws.directory.user(user_id)
        event: JSON = {"type": "app_home_opened", "user": user.id, "tab": "home",
                       "channel": self._ws.directory.channel(user.id).id}
        homes = self._ws.surfaces.views(user=user.id, type="home")
        if homes:
            bot = self._ws.identity
            event["view"] = homes[0].to_slack(bot.team_id, bot.app_id, bot.bot_id)
        return self.event(event, **options)

    def view_action(self, user_id: str, view_id: str, action_id: str, **options) -> HttpResult:
        """Click the element `action_id` in a home tab or modal the user sees."""
        user = self._ws.directory.user(user_id)
        shown = self._ws.surfaces.view(view_id)
        found = find_action(shown.definition.get("blocks", []), action_id)
        if found is None:
            raise ValueError(f"view {view_id} shows no element with action_id {action_id}")
        block_id, element = found
        action = {"type": element["type"], "action_id": action_id, "block_id": block_id,
                  **{k: element[k] for k in ("text", "style", "value") if k in element}}
        bot = self._ws.identity
        body = payloads.view_block_actions(bot, self.verification_token, user,
                                           shown.to_slack(bot.team_id, bot.app_id, bot.bot_id),
                                           action, self._ws.surfaces.issue_trigger(user.id))
        return self._send(body, FORM, **options)

    def view_submission(self, user_id: str, view: str | JSON, values: JSON | None = None,
                        **options) -> HttpResult:
        """Submit a modal the bot opened (by id, or its view dict) with the given input values."""
        user = self._ws.directory.user(user_id)
        view_id = view if isinstance(view, str) else view["id"]
        shown = self._ws.surfaces.view(view_id)
        bot = self._ws.identity
        document = shown.to_slack(bot.team_id, bot.app_id, bot.bot_id)
        document["state"] = {"values": values or {}}
        body = payloads.view_submission(bot, self.verification_token, user, document,
                                        self._ws.surfaces.issue_trigger(user.id))
        result = self._send(body, FORM, **options)
        if result.status == 200:
            self._apply_view_answer(user.id, view_id, _ack_document(result))
        return result

    def _apply_view_answer(self, user_id: str, view_id: str, answer: JSON) -> None:
        action, surfaces = answer.get("response_action"), self._ws.surfaces
        if action == "update":
            surfaces.update(answer["view"], view_id=view_id)
        elif action == "push":
            surfaces.open(surfaces.issue_trigger(user_id), answer["view"])
        elif action == "clear":
            for open_view in surfaces.views(user=user_id, type="modal"):
                surfaces.close(open_view.id)
        elif action != "errors":  # errors keep the modal open for the user to correct
            surfaces.close(view_id)

    def redeliver(self, previous: HttpResult, retry_num: int | None = 1,
                  retry_reason: str = "http_timeout") -> HttpResult:
        """Send an earlier request's body again (same event_id), freshly signed, like a retry."""
        content_type = previous.request_headers.get("Content-Type", JSON_TYPE)
        return self._deliver(previous.request_body, content_type, retry_num=retry_num,
                             retry_reason=retry_reason)

    def _send(self, body: bytes, content_type: str, signing_secret_override: str | None = None,
              timestamp_override: int | None = None, retry_num: int | None = None,
              retry_reason: str = "http_timeout") -> HttpResult:
        """Deliver once; with `retry_num`, resend the same body as retries 1..retry_num."""
        kwargs = {"signing_secret": signing_secret_override, "timestamp": timestamp_override}
        result = self._deliver(body, content_type, **kwargs)
        for attempt in range(1, (retry_num or 0) + 1):
            result = self._deliver(body, content_type, retry_num=attempt,
                                   retry_reason=retry_reason, **kwargs)
        return result

    def _deliver(self, body: bytes, content_type: str, signing_secret: str | None = None,
                 **options) -> HttpResult:
        if not self.request_url:
            raise RuntimeError("no request URL: call set_request_url() with the bot's address")
        result = deliver(self.request_url, body, content_type,
                         signing_secret or self.signing_secret, timeout=self.ack_timeout,
                         **options)
        with self._lock:
            self._deliveries.append(result)
        return result


def _ack_document(result: HttpResult) -> JSON:
    """The bot's synchronous answer as Slack reads it: JSON, or plain text as the message."""
    if result.status != 200 or not result.body.strip():
        return {}
    if (result.header("Content-Type") or "").startswith("application/json"):
        try:
            document = json.loads(result.body)
            return document if isinstance(document, dict) else {}
        except ValueError:
            return {}
    return {"text": result.body}
