"""Who is asking (a Slack user and their user groups) and the roles a policy can give them.

Roles are ordered: each one may do everything the roles below it may. The order is the whole
model, so `Role` is an `IntEnum` and "at least operator" is `role >= Role.OPERATOR`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1      # reports only
    OPERATOR = 2    # day-to-day changes (add-user, enable-fax, ...)
    APPROVER = 3    # may approve someone else's risky command
    ADMIN = 4       # everything, including break-glass where the policy allows it

    @property
    def label(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: object) -> "Role | None":
        """The role named `text` ("operator"), or None when it names no role."""
        if not isinstance(text, str):
            return None
        return cls.__members__.get(text.strip().upper())


ROLE_NAMES: tuple[str, ...] = tuple(r.label for r in Role)


@dataclass(frozen=True)
class Identity:
    """A Slack user as the policy sees them: their user id and the ids of their user groups."""

    user_id: str
    group_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Callers often hold a set or list from the Slack API; freeze it so Identity stays hashable.
        object.__setattr__(self, "group_ids", frozenset(self.group_ids))
