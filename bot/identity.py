"""Who is asking: the Slack user's group ids, resolved through the API and cached briefly.

Roles come only from the policy file; Slack only tells us group membership. When Slack cannot
list the groups, nobody's roles are known and every decision is a refusal (deny in doubt): an
old list is not used, since a person removed from a group must lose the role.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from commands.errors import PermissionDenied
from commands.policy import Identity

log = logging.getLogger(__name__)


class RolesUnknown(PermissionDenied):
    """Slack did not answer `usergroups.list`: the person's roles cannot be told."""

    def __init__(self) -> None:
        super().__init__("Slack could not tell which user groups you are in, so the bot cannot "
                         "tell your roles and refuses in doubt. Nothing was done.",
                         hint="Try again in a minute.")


class GroupDirectory:
    def __init__(self, client: WebClient, ttl_seconds: float = 60.0):
        self._client = client
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._members: dict[str, set[str]] = {}
        self._fetched: float | None = None

    def identity(self, user_id: str) -> Identity:
        """The person's group ids; RolesUnknown when Slack cannot list the groups."""
        return Identity(user_id, frozenset(g for g, users in self._groups().items() if user_id in users))

    def _groups(self) -> dict[str, set[str]]:
        with self._lock:
            if self._fetched is None or time.monotonic() - self._fetched > self._ttl:
                try:
                    groups = self._client.usergroups_list(include_users=True)["usergroups"]
                except (SlackClientError, OSError, KeyError, TypeError) as exc:
                    log.warning("usergroups.list failed, refusing in doubt: %s", exc)
                    raise RolesUnknown() from exc
                self._members = {g["id"]: set(g.get("users") or ()) for g in groups}
                self._fetched = time.monotonic()
            return self._members
