"""The canonical text of a command: what plans, approvals and the audit trail show.

`parse(command_text(cmd)) == cmd` for every command the parser builds; options at their
default are left out, so the text is as short as what a person would type.
"""

from __future__ import annotations

import dataclasses

from commands.catalogue import SPECS_BY_NAME
from commands.lexer import quote
from commands.model import Command, ShowPlan


def command_text(cmd: Command) -> str:
    """`add-user acme "Jane Doe" activesync=no`, for any command of `commands.model`."""
    if isinstance(cmd, ShowPlan):
        return f"plan {command_text(cmd.command)}"
    spec = SPECS_BY_NAME[cmd.name]
    defaults = {f.name: f.default for f in dataclasses.fields(cmd)}
    words = [spec.name]
    for param in spec.positionals:
        value = getattr(cmd, param.field)
        # an optional positional at its default is left out (`jobs`, not `jobs no`)
        if value is not None and (param.required or value != defaults[param.field]):
            words.append(quote(param.show(value)))
    for param in spec.options:
        value = getattr(cmd, param.field)
        if value is not None and (param.required or value != defaults[param.field]):
            words.append(f"{param.key}={quote(param.show(value))}")
    return " ".join(words)
