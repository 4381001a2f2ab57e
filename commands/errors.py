"""The project's one error tree.

    TobitbotError
    ├── UserError            a refusal a support engineer can act on; shown in Slack as is
    │   ├── ParseError       the command text is malformed (says what to type instead)
    │   ├── PermissionDenied the policy does not let this user run this here
    │   ├── RuleViolation    a service rule (R1..R21) forbids it; carries the rule id
    │   ├── NotFound         an unknown customer or user (with a "did you mean")
    │   └── ContractError    a value on a customer's OU that the bot does not know
    ├── BackendError         a backend (AD, Tobit, PBX) failed while a job ran
    │   ├── RetryableBackendError   transient: connection refused, timeout, busy
    │   └── PermanentBackendError   the server refused: constraint, policy, conflict
    └── ConfigError          settings or policy file invalid; names the bad setting or line

Adapters map vendor exceptions into this tree at their edge (`raise Mapped(...) from exc`).
Anything else reaching the user is shown as "internal error, reference <id>".
"""

from __future__ import annotations


class TobitbotError(Exception):
    """Root of every error the project raises on purpose."""


class UserError(TobitbotError):
    """A refusal with a message that a support engineer can act on.

    The text is plain words, anyone's words among them: the shell escapes all of it where it
    renders it. `channels` are the channel ids it names on purpose as `<#id>`, which the shell
    keeps as links (the core knows them from the policy or from Slack, never from what was typed).
    """

    def __init__(self, message: str, *, rule: str | None = None, hint: str | None = None,
                 channels: tuple[str, ...] = ()):
        self.message = message
        self.rule = rule
        self.hint = hint
        self.channels = channels
        super().__init__(self.text())

    def text(self) -> str:
        parts = [f"{self.message} ({self.rule})" if self.rule else self.message]
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


class ParseError(UserError):
    """The command text could not be understood."""


class PermissionDenied(UserError):
    """The policy does not allow this user, command or channel."""


class RuleViolation(UserError):
    """A service rule forbids the command; `rule` names it (R1..R21)."""

    def __init__(self, rule: str, message: str, *, hint: str | None = None):
        super().__init__(message, rule=rule, hint=hint)


class NotFound(UserError):
    """An unknown customer, user or job."""


class ContractError(UserError):
    """A value on a customer's OU that the bot does not recognise: refused in doubt, never read
    as a default (`tobitbot:mail-product=Exchange` is not Tobit)."""


class BackendError(TobitbotError):
    """A backend failed while executing a step."""

    retryable = False

    def __init__(self, backend: str, message: str):
        self.backend = backend
        self.message = message
        super().__init__(f"{backend}: {message}")


class RetryableBackendError(BackendError):
    """Transient: trying again later may succeed."""

    retryable = True


class PermanentBackendError(BackendError):
    """The server refused; trying again will not help."""


class ConfigError(TobitbotError):
    """Invalid settings or policy; the message names the setting or line."""
