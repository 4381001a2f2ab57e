"""The audit chain's head witnessed outside Redis: each audit-channel post names its last
entry's stream id and hash in a context block, and `tobitbot audit verify` reads them back.

Someone who can write to Redis can delete the stream and its head together, or rewrite the
whole chain with fresh hashes; the channel's history, written by the bot, still has the hashes.
"""

from __future__ import annotations

import re
from typing import Iterator

from slack_sdk import WebClient

WITNESS_BLOCK_ID = "tobitbot-audit-witness"
HISTORY_PAGE = 200  # messages per conversations.history call, as Slack recommends
_WITNESS = re.compile(r"entry `(?P<id>\d+-\d+)` hash `(?P<hash>[0-9a-f]{64})`")


def witness_block(entry_id: str, digest: str) -> dict:
    return {"type": "context", "block_id": WITNESS_BLOCK_ID,
            "elements": [{"type": "mrkdwn", "text": f"audit chain: entry `{entry_id}` hash `{digest}`"}]}


def parse_witness(message: dict) -> tuple[str, str] | None:
    """(entry id, hash) from a post's witness block, None for any other message."""
    for block in message.get("blocks") or []:
        if block.get("block_id") != WITNESS_BLOCK_ID:
            continue
        for element in block.get("elements") or []:
            found = _WITNESS.search(str(element.get("text", "")))
            if found:
                return found["id"], found["hash"]
    return None


def read_witnesses(slack: WebClient, channel: str) -> Iterator[list[tuple[str, str]]]:
    """The witnesses the bot itself posted in `channel`, newest first, a history page at a time
    (a person's message that looks like one is not a witness)."""
    me = slack.auth_test()
    bot_id, bot_user = me.get("bot_id"), me.get("user_id")
    cursor = None
    while True:
        page = slack.conversations_history(channel=channel, limit=HISTORY_PAGE, cursor=cursor)
        witnesses = [w for m in page.get("messages", [])
                     if _is_mine(m, bot_id, bot_user)
                     and (w := parse_witness(m)) is not None]
        if witnesses:
            yield witnesses
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _is_mine(message: dict, bot_id: str | None, bot_user: str | None) -> bool:
    return bool((bot_id and message.get("bot_id") == bot_id)
                or (bot_user and message.get("user") == bot_user))
