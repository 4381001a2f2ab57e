"""Modals and home tabs the bot shows, and the trigger ids that allow opening a modal.

Slack hands out a trigger id with every slash command and interaction; it opens one modal and
expires after three seconds, so a bot that is slow to open its modal fails here as it would there.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from dataclasses import dataclass

from tobitbot.slack_emulator.model import JSON, View
from tobitbot.slack_emulator.state import SharedState, SlackError

TRIGGER_TTL = 3.0


@dataclass
class _Trigger:
    user: str
    issued: float
    used: bool = False


class Surfaces:
    def __init__(self, state: SharedState, trigger_ttl: float = TRIGGER_TTL) -> None:
        self._state = state
        self.trigger_ttl = trigger_ttl
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, View] = {}
        self._ids = itertools.count(1)

    def issue_trigger(self, user: str) -> str:
        trigger_id = f"{int(time.time())}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        with self._state.cond:
            self._triggers[trigger_id] = _Trigger(user=user, issued=time.monotonic())
        return trigger_id

    def open(self, trigger_id: str, definition: JSON) -> View:
        with self._state.cond:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise SlackError("invalid_trigger_id")
            if trigger.used or time.monotonic() - trigger.issued > self.trigger_ttl:
                raise SlackError("expired_trigger_id")
            trigger.used = True
            return self._new_view(trigger.user, definition)

    def publish(self, user: str, definition: JSON) -> View:
        """The user's home tab, replaced as a whole on every publish."""
        with self._state.cond:
            for view in self._views.values():
                if view.user == user and view.type == "home":
                    return self._replace(view, definition)
            return self._new_view(user, definition)

    def update(self, definition: JSON, view_id: str | None = None,
               external_id: str | None = None, hash: str | None = None) -> View:
        with self._state.cond:
            view = self._find(view_id, external_id)
            if hash is not None and hash != view.hash:
                raise SlackError("hash_conflict")
            return self._replace(view, definition)

    def close(self, view_id: str) -> None:
        with self._state.cond:
            self._find(view_id, None).is_open = False
            self._state.changed()

    def view(self, view_id: str) -> View:
        with self._state.cond:
            return copy.deepcopy(self._find(view_id, None))

    def views(self, user: str | None = None, type: str | None = None,
              open_only: bool = True) -> list[View]:
        with self._state.cond:
            return copy.deepcopy([v for v in self._views.values()
                                  if (user is None or v.user == user)
                                  and (type is None or v.type == type)
                                  and (v.is_open or not open_only)])

    def _new_view(self, user: str, definition: JSON) -> View:
        if definition.get("type") not in ("modal", "home"):
            raise SlackError("invalid_arguments")
        view_id = f"V{next(self._ids):08d}"
        view = View(id=view_id, user=user, type=definition["type"],
                    definition=copy.deepcopy(definition), hash=_new_hash(), root_view_id=view_id)
        self._views[view_id] = view
        self._state.changed()
        return copy.deepcopy(view)

    def _replace(self, view: View, definition: JSON) -> View:
        view.definition = copy.deepcopy(definition)
        view.type = definition.get("type", view.type)
        view.hash = _new_hash()
        view.is_open = True
        self._state.changed()
        return copy.deepcopy(view)

    def _find(self, view_id: str | None, external_id: str | None) -> View:
        for view in self._views.values():
            if (view_id and view.id == view_id) or (
                    external_id and view.definition.get("external_id") == external_id):
                return view
        raise SlackError("not_found")


def _new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"
