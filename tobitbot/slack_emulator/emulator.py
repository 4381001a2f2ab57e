"""A local Slack workspace the bot talks to over real HTTP, in both directions.

The bot calls its Web API at `api_url` (slack_sdk's WebClient(base_url=api_url)); the emulator
calls the bot's Request URL with signed slash commands, events and interactions. Tests set the
workspace up, act as users, and read back what the bot did.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from tobitbot.slack_emulator.bot_requests import BotRequests
from tobitbot.slack_emulator.http_app import EmulatorApp
from tobitbot.slack_emulator.http_server import EmulatorHttpServer
from tobitbot.slack_emulator.model import (ApiCall, Channel, Ephemeral, HttpResult, JSON,
                                           Message, User, Usergroup, View)
from tobitbot.slack_emulator.response_urls import ResponseUrls
from tobitbot.slack_emulator.workspace import Identity, Workspace

T = TypeVar("T")


class SlackEmulator:
    def __init__(self, bot_token: str, signing_secret: str, request_url: str | None = None,
                 port: int = 0, identity: Identity | None = None) -> None:
        self.bot_token = bot_token
        self.port = port
        self.workspace = Workspace(identity)
        self._response_urls = ResponseUrls(self.workspace)
        self.app = EmulatorApp(self.workspace, bot_token, self._response_urls)
        self.bot = BotRequests(self.workspace, self._response_urls, signing_secret, request_url)
        self._server: EmulatorHttpServer | None = None

    # Lifecycle

    def start(self) -> "SlackEmulator":
        self._server = EmulatorHttpServer(self.app, port=self.port)
        self.port = self._server.port
        self.workspace.web_url = self.url
        self._response_urls.base_url = self.url
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> "SlackEmulator":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    @property
    def signing_secret(self) -> str:
        return self.bot.signing_secret

    @property
    def identity(self) -> Identity:
        return self.workspace.identity

    def set_request_url(self, url: str) -> None:
        self.bot.request_url = url

    # Setting up the workspace

    def add_user(self, id: str, name: str, email: str, is_bot: bool = False,
                 real_name: str = "") -> User:
        return self.workspace.directory.add_user(User(id, name, email, is_bot, real_name))

    def add_usergroup(self, id: str, handle: str, members: list[str], name: str = "") -> Usergroup:
        return self.workspace.directory.add_usergroup(Usergroup(id, handle, list(members), name))

    def set_usergroup_members(self, id: str, members: list[str]) -> None:
        self.workspace.directory.set_usergroup_members(id, members)

    def add_channel(self, id: str, name: str, is_private: bool = False) -> Channel:
        return self.workspace.directory.add_channel(Channel(id, name, is_private))

    def post_as_user(self, user_id: str, channel: str, text: str, blocks: list[JSON] | None = None,
                     thread_ts: str | None = None, send_event: bool = False) -> Message:
        """A message a person wrote; with `send_event`, the bot also gets its `message` event."""
        self.workspace.directory.user(user_id)
        target = self.workspace.directory.channel(channel)
        message = self.workspace.conversations.post(target.id, text, blocks or [], user_id,
                                                    thread_ts=thread_ts, source="user")
        if send_event:
            event = {**message.to_slack(), "channel": target.id,
                     "channel_type": "im" if target.is_im else "channel"}
            self.bot.event(event)
        return message

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` (a name, or a pattern such as `chat.*`
        whose calls share the `times`) with HTTP 429 and Retry-After."""
        self.workspace.calls.rate_limit(method, times, retry_after)

    def slow(self, method: str, seconds: float) -> None:
        """Answer every call of `method` (a name or a pattern such as `chat.*`) only after
        `seconds`, as a slow Slack does; `slow(method, 0)` ends it."""
        self.workspace.calls.slow(method, seconds)

    def fail(self, method: str, error: str, times: int = 1,
             match: Callable[[JSON], bool] | None = None) -> None:
        """Refuse the next `times` calls of `method` whose parameters `match` accepts with
        `{"ok": false, "error": error}`, as Slack would: e.g. `user_not_in_channel` for an
        ephemeral to someone who is not in the channel, which the emulator does not track."""
        self.workspace.calls.fail(method, error, times, match)

    def outage(self, status: int = 429, methods: set[str] | None = None, retry_after: int = 1,
               starts_when: Callable[[str, JSON], bool] | None = None) -> None:
        """Answer every Web API call (or those of `methods`) with HTTP `status` (429 with
        Retry-After, or a 5xx) until `end_outage()`; with `starts_when`, from the first call
        `starts_when(method, params)` accepts (that call included)."""
        self.app.outages.begin(status, methods, retry_after, starts_when)

    def end_outage(self) -> None:
        self.app.outages.end()

    # Acting as users (see BotRequests for the options every one of these takes)

    def slash_command(self, user_id: str, channel_id: str, command: str = "/tobit",
                      text: str = "", **options) -> HttpResult:
        return self.bot.slash_command(user_id, channel_id, command, text, **options)

    def reaction_added(self, user_id: str, channel_id: str, ts: str, reaction: str,
                       **options) -> HttpResult:
        return self.bot.reaction_added(user_id, channel_id, ts, reaction, **options)

    def reaction_removed(self, user_id: str, channel_id: str, ts: str, reaction: str,
                         **options) -> HttpResult:
        return self.bot.reaction_removed(user_id, channel_id, ts, reaction, **options)

    def event(self, event: JSON, **options) -> HttpResult:
        return self.bot.event(event, **options)

    def block_action(self, user_id: str, channel_id: str, message_ts: str, action_id: str,
                     value: str | None = None, block_id: str | None = None,
                     **options) -> HttpResult:
        return self.bot.block_action(user_id, channel_id, message_ts, action_id, value, block_id,
                                     **options)

    def shortcut(self, user_id: str, callback_id: str, **options) -> HttpResult:
        return self.bot.shortcut(user_id, callback_id, **options)

    def app_home_opened(self, user_id: str, **options) -> HttpResult:
        return self.bot.app_home_opened(user_id, **options)

    def view_action(self, user_id: str, view_id: str, action_id: str, **options) -> HttpResult:
        return self.bot.view_action(user_id, view_id, action_id, **options)

    def view_submission(self, user_id: str, view: str | JSON, values: JSON | None = None,
                        **options) -> HttpResult:
        return self.bot.view_submission(user_id, view, values, **options)

    def url_verification(self, challenge: str | None = None, **options) -> HttpResult:
        return self.bot.url_verification(challenge, **options)

    def redeliver(self, previous: HttpResult, retry_num: int | None = 1,
                  retry_reason: str = "http_timeout") -> HttpResult:
        return self.bot.redeliver(previous, retry_num, retry_reason)

    def deliveries(self) -> list[HttpResult]:
        return self.bot.deliveries()

    # Reading back what happened

    def calls(self, method: str | None = None) -> list[ApiCall]:
        return self.workspace.calls.calls(method)

    def messages(self, channel: str, include_thread_replies: bool = False) -> list[Message]:
        return self.workspace.conversations.messages(channel, include_thread_replies)

    def message(self, channel: str, ts: str) -> Message:
        return self.workspace.conversations.message(channel, ts)

    def thread(self, channel: str, ts: str) -> list[Message]:
        return self.workspace.conversations.thread(channel, ts)

    def ephemerals(self, user: str | None = None, channel: str | None = None) -> list[Ephemeral]:
        return self.workspace.conversations.ephemerals(user, channel)

    def reactions(self, channel: str, ts: str) -> dict[str, list[str]]:
        return self.workspace.conversations.message(channel, ts).reactions

    def views(self, user: str | None = None, type: str | None = None) -> list[View]:
        return self.workspace.surfaces.views(user, type)

    def direct_channel(self, user_id: str) -> str:
        """The id of the bot's direct-message channel with `user_id`."""
        return self.workspace.directory.channel(user_id).id

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block until `predicate()` (which may call the queries above) is truthy; return it."""
        return self.workspace.state.wait_for(predicate, timeout)
