"""Reads the policy file from disk; `commands.policy` only ever sees its text.

`commands/` does no I/O, so reading (and turning a missing or unreadable file into a ConfigError
that names the path) happens here, at the edge.
"""

from __future__ import annotations

from pathlib import Path

from commands.errors import ConfigError
from commands.policy import Policy, load_policy_text


def load_policy_file(path: str | Path) -> Policy:
    """The validated policy in `path`; ConfigError naming the path (and line) when it is not."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: policy file not found") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: policy file is not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read policy file: {exc.strerror or exc}") from exc
    return load_policy_text(text, str(path))


def load_policy_or_refuse(path: str | Path) -> Policy:
    """The policy in `path`, or one that refuses every command and says why (deny by default).

    For start-up and reload: the bot keeps answering, but only with the reason the file failed.
    The caller should log `policy.load_error` as well.
    """
    try:
        return load_policy_file(path)
    except ConfigError as exc:
        return Policy.refusing(str(exc), source=str(path))
