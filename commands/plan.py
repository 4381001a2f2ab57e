"""Plans: what a command will do, as an ordered list of idempotent steps.

A plan is what the bot shows, what an approval is bound to (`fingerprint`), what the worker
executes and what the audit log records. Step arguments are plain JSON; a string value of the
form "${name}" is filled at run time from an earlier step's output (for example `${sam}`, the
account name `ad.create_user` chose).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    backend: str                 # "ad" | "tobit" | "pbx"
    action: str                  # "create_user", ...; `key` is "ad.create_user"
    args: dict[str, Any]
    summary: str                 # one line for people: "create AD account for Jane Doe"

    @property
    def key(self) -> str:
        return f"{self.backend}.{self.action}"

    def to_json(self) -> dict[str, Any]:
        return {"backend": self.backend, "action": self.action, "args": self.args,
                "summary": self.summary}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Step":
        return cls(data["backend"], data["action"], dict(data["args"]), data["summary"])


@dataclass(frozen=True)
class Plan:
    command: str                      # canonical command text, as it can be typed again
    customer: str | None
    steps: tuple[Step, ...]
    risky: bool = False
    checks: tuple[str, ...] = ()      # rule ids that were checked and passed
    warnings: tuple[str, ...] = ()    # said to the user, do not block (R8 certificate, ...)
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command, "customer": self.customer,
            "steps": [s.to_json() for s in self.steps], "risky": self.risky,
            "checks": list(self.checks), "warnings": list(self.warnings), "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Plan":
        return cls(
            command=data["command"], customer=data["customer"],
            steps=tuple(Step.from_json(s) for s in data["steps"]), risky=data["risky"],
            checks=tuple(data["checks"]), warnings=tuple(data["warnings"]),
            notes=tuple(data.get("notes", ())),
        )

    def fingerprint(self) -> str:
        """Stable hash of what will be done; an approval is bound to it."""
        body = json.dumps({"command": self.command, "steps": [s.to_json() for s in self.steps]},
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]
