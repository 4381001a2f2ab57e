"""What was said: channel messages with their threads and reactions, and ephemeral messages."""

from __future__ import annotations

import copy

from tobitbot.slack_emulator.model import JSON, Ephemeral, Message, TsClock
from tobitbot.slack_emulator.state import SharedState, SlackError


class Conversations:
    def __init__(self, state: SharedState, clock: TsClock) -> None:
        self._state = state
        self._clock = clock
        self._messages: dict[str, list[Message]] = {}  # channel -> messages, oldest first
        self._ephemerals: list[Ephemeral] = []

    def post(self, channel: str, text: str, blocks: list[JSON], user: str, *,
             bot_id: str | None = None, app_id: str | None = None, thread_ts: str | None = None,
             source: str = "api") -> Message:
        with self._state.cond:
            if thread_ts is not None:
                # A reply to a reply lands in the parent's thread, as in Slack.
                thread_ts = self._find(channel, thread_ts).thread_ts or thread_ts
            message = Message(channel=channel, ts=self._clock.next(), text=text,
                              blocks=list(blocks), user=user, bot_id=bot_id, app_id=app_id,
                              thread_ts=thread_ts, source=source)
            if thread_ts is not None:
                self._find(channel, thread_ts).thread_ts = thread_ts
            self._messages.setdefault(channel, []).append(message)
            self._state.changed()
            return copy.deepcopy(message)

    def update(self, channel: str, ts: str, text: str | None, blocks: list[JSON] | None,
               editor: str | None = None) -> Message:
        """Change a message's text and/or blocks; `editor` must be its author when given."""
        with self._state.cond:
            message = self._find(channel, ts)
            if editor is not None and message.user != editor:
                raise SlackError("cant_update_message")
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = list(blocks)
            message.edited_ts = self._clock.next()
            self._state.changed()
            return copy.deepcopy(message)

    def delete(self, channel: str, ts: str) -> None:
        with self._state.cond:
            message = self._find(channel, ts)
            self._messages[channel].remove(message)
            self._state.changed()

    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> Message:
        with self._state.cond:
            message = self._find(channel, ts)
            users = message.reactions.setdefault(name, [])
            if user in users:
                raise SlackError("already_reacted")
            users.append(user)
            self._state.changed()
            return copy.deepcopy(message)

    def remove_reaction(self, channel: str, ts: str, name: str, user: str) -> Message:
        with self._state.cond:
            message = self._find(channel, ts)
            users = message.reactions.get(name, [])
            if user not in users:
                raise SlackError("no_reaction")
            users.remove(user)
            if not users:
                del message.reactions[name]
            self._state.changed()
            return copy.deepcopy(message)

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[JSON], *,
                       thread_ts: str | None = None, source: str = "api") -> Ephemeral:
        with self._state.cond:
            ephemeral = Ephemeral(channel=channel, user=user, ts=self._clock.next(), text=text,
                                  blocks=list(blocks), thread_ts=thread_ts, source=source)
            self._ephemerals.append(ephemeral)
            self._state.changed()
            return copy.deepcopy(ephemeral)

    def replace_ephemeral(self, ts: str, text: str, blocks: list[JSON]) -> Ephemeral:
        with self._state.cond:
            ephemeral = self._find_ephemeral(ts)
            ephemeral.text, ephemeral.blocks = text, list(blocks)
            self._state.changed()
            return copy.deepcopy(ephemeral)

    def delete_ephemeral(self, ts: str) -> None:
        with self._state.cond:
            self._find_ephemeral(ts).deleted = True
            self._state.changed()

    def snapshot(self) -> list[Message]:
        """Every channel message, oldest first per channel (ephemerals are not kept, as in Slack)."""
        with self._state.cond:
            return copy.deepcopy([m for messages in self._messages.values() for m in messages])

    def restore(self, messages: list[Message]) -> None:
        """Put back what `snapshot` returned (a sandbox's history from its last run)."""
        with self._state.cond:
            for message in messages:
                self._messages.setdefault(message.channel, []).append(copy.deepcopy(message))
            self._state.changed()

    # Queries: deep copies, safe to keep and compare.

    def message(self, channel: str, ts: str) -> Message:
        with self._state.cond:
            return copy.deepcopy(self._find(channel, ts))

    def has_message(self, channel: str, ts: str) -> bool:
        with self._state.cond:
            return any(m.ts == ts for m in self._messages.get(channel, []))

    def messages(self, channel: str, include_thread_replies: bool = False) -> list[Message]:
        """The channel's messages, oldest first; thread replies only when asked."""
        with self._state.cond:
            return copy.deepcopy([m for m in self._messages.get(channel, [])
                                  if include_thread_replies or not m.is_reply])

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The thread's parent then its replies, oldest first; a reply's ts finds its thread."""
        with self._state.cond:
            parent_ts = self._find(channel, ts).thread_ts or ts
            return copy.deepcopy([m for m in self._messages.get(channel, [])
                                  if m.ts == parent_ts or m.thread_ts == parent_ts])

    def replies(self, channel: str, ts: str) -> list[Message]:
        return self.thread(channel, ts)[1:]

    def ephemerals(self, user: str | None = None, channel: str | None = None,
                   include_deleted: bool = False) -> list[Ephemeral]:
        with self._state.cond:
            return copy.deepcopy([e for e in self._ephemerals
                                  if (user is None or e.user == user)
                                  and (channel is None or e.channel == channel)
                                  and (include_deleted or not e.deleted)])

    def ephemeral(self, ts: str) -> Ephemeral:
        with self._state.cond:
            return copy.deepcopy(self._find_ephemeral(ts))

    def has_ephemeral(self, ts: str) -> bool:
        with self._state.cond:
            return any(e.ts == ts for e in self._ephemerals)

    def _find(self, channel: str, ts: str) -> Message:
        for message in self._messages.get(channel, []):
            if message.ts == ts:
                return message
        raise SlackError("message_not_found")

    def _find_ephemeral(self, ts: str) -> Ephemeral:
        for ephemeral in self._ephemerals:
            if ephemeral.ts == ts:
                return ephemeral
        raise SlackError("message_not_found")
