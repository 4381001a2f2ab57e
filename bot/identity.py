"""Who is asking: the Slack user's group ids, resolved through the API and cached briefly.

Roles come only from the policy file; Slack only tells us group membership.
"""

from __future__ import annotations

import threading
import time

from slack_sdk import WebClient

from commands.policy import Identity


class GroupDirectory:
    def __init__(self, client: WebClient, ttl_seconds: float = 60.0):
        self._client = client
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._members: dict[str, set[str]] = {}
        self._fetched = 0.0

    def identity(self, user_id: str) -> Identity:
        return Identity(user_id, frozenset(g for g, users in self._groups().items() if user_id in users))

    def _groups(self) -> dict[str, set[str]]:
        with self._lock:
            if time.monotonic() - self._fetched > self._ttl:
                groups = self._client.usergroups_list(include_users=True)["usergroups"]
                self._members = {g["id"]: set(g.get("users") or ()) for g in groups}
                self._fetched = time.monotonic()
            return self._members
