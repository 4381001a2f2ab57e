"""A workspace's channel history in a JSON file, so `tobitbot sandbox --data-dir` keeps it."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from tobitbot.slack_emulator.model import Message
from tobitbot.slack_emulator.workspace import Workspace


def save_history(workspace: Workspace, path: Path) -> None:
    messages = [dataclasses.asdict(m) for m in workspace.conversations.snapshot()]
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"messages": messages}, ensure_ascii=False))
    os.replace(temporary, path)


def load_history(workspace: Workspace, path: Path) -> int:
    """Restore the history saved at `path`, if any; how many messages came back."""
    if not path.exists():
        return 0
    messages = [Message(**m) for m in json.loads(path.read_text())["messages"]]
    workspace.conversations.restore(messages)
    return len(messages)
