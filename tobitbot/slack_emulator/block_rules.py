"""The Block Kit limits Slack enforces, so a message Slack would refuse is refused here too.

Only the limits a chat-ops bot runs into are checked (counts, lengths, known block types); the
full Block Kit schema is Slack's business.
"""

from __future__ import annotations

from typing import Any

from tobitbot.slack_emulator.state import SlackError

BLOCK_TYPES = {"actions", "context", "divider", "file", "header", "image", "input", "rich_text",
               "section", "video", "markdown"}
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255


def check_blocks(blocks: Any, limit: int = MAX_MESSAGE_BLOCKS) -> list[dict]:
    """The blocks if Slack would accept them; `invalid_blocks` otherwise."""
    if blocks is None:
        return []
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise SlackError("invalid_blocks")
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            raise SlackError("invalid_blocks")
        _check_block(block)
    return blocks


def _check_block(block: dict) -> None:
    kind = block["type"]
    if kind == "section" and _text_len(block.get("text")) > MAX_SECTION_TEXT:
        raise SlackError("invalid_blocks")
    if kind == "header" and not 0 < _text_len(block.get("text")) <= MAX_HEADER_TEXT:
        raise SlackError("invalid_blocks")
    if kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= MAX_ACTION_ELEMENTS:
            raise SlackError("invalid_blocks")
        for element in elements:
            _check_element(element)
    if kind == "section" and isinstance(block.get("accessory"), dict):
        _check_element(block["accessory"])


def _check_element(element: Any) -> None:
    if not isinstance(element, dict) or "type" not in element:
        raise SlackError("invalid_blocks")
    if len(str(element.get("action_id", ""))) > MAX_ACTION_ID:
        raise SlackError("invalid_blocks")
    if element["type"] == "button" and len(str(element.get("value", ""))) > MAX_BUTTON_VALUE:
        raise SlackError("invalid_blocks")


def _text_len(text: Any) -> int:
    if isinstance(text, dict):
        return len(str(text.get("text", "")))
    return 0


def find_action(blocks: list[dict], action_id: str) -> tuple[str, dict] | None:
    """The block id and element that carry `action_id`, the way a click on it reports them."""
    for block in blocks:
        candidates = list(block.get("elements") or [])
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id", ""), element
    return None
