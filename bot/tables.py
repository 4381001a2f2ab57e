"""Tables for Slack: tabulate in code blocks, split so no block or message exceeds Slack's limits.

Slack allows 3,000 characters in a section's text and 50 blocks in a message, and refuses a
message it finds too long (`msg_too_long`; its `text` is cut at 40,000). Long tables are cut
between rows, each part repeating the header, and parts are grouped into messages of at most
MAX_MESSAGE_TEXT characters: well inside the limit, and still readable on a laptop.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from tabulate import tabulate

MAX_BLOCK_TEXT = 3000
MAX_BLOCKS = 50
MAX_MESSAGE_TEXT = 12_000
FENCE = "```"


def code_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """The table as ```-fenced texts, each within one section block's limit."""
    lines = tabulate(list(rows), headers=list(headers), tablefmt="simple").splitlines()
    head, body = lines[:2], lines[2:]
    budget = MAX_BLOCK_TEXT - 2 * len(FENCE) - 2
    chunks, current = [], list(head)
    for line in body or [""]:
        line = line[: budget - sum(len(h) + 1 for h in head) - 1]  # a pathological row is cut, not lost silently
        if sum(len(x) + 1 for x in current) + len(line) + 1 > budget and len(current) > len(head):
            chunks.append(current)
            current = list(head)
        current.append(line)
    chunks.append(current)
    return [FENCE + "\n" + "\n".join(c).rstrip() + "\n" + FENCE for c in chunks]


def table_messages(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[tuple[str, list[dict]]]:
    """(fallback text, blocks) per message: a title section, then the table's parts."""
    rows = list(rows)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": title[:MAX_BLOCK_TEXT]}}]
    if not rows:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "(none)"}]})
    else:
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": c}}
                   for c in code_chunks(headers, rows)]
    parts: list[list[dict]] = [[]]
    for block in blocks:
        size = sum(_text_size(b) for b in parts[-1]) + _text_size(block)
        if parts[-1] and (len(parts[-1]) == MAX_BLOCKS or size > MAX_MESSAGE_TEXT):
            parts.append([])
        parts[-1].append(block)
    return [(title + (f" (part {n})" if len(parts) > 1 else ""), part)
            for n, part in enumerate(parts, 1)]


def _text_size(block: dict) -> int:
    text = block.get("text") or (block.get("elements") or [{}])[0]
    return len(text.get("text", ""))
