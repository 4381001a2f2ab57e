import pytest

from bot.tables import MAX_BLOCK_TEXT, MAX_BLOCKS, MAX_MESSAGE_TEXT, code_chunks, table_messages


@pytest.mark.parametrize("rows", [0, 1, 40, 400, 5000])
def test_long_tables_are_split_within_slack_limits_and_keep_every_row(rows):
    data = [(f"user{i:05d}", f"Jörg Müller {i}", f"+4930{i:07d}") for i in range(rows)]
    messages = table_messages("*Users of acme*", ["user", "name", "fax"], data)
    blocks = [b for _, bl in messages for b in bl]
    assert all(len(bl) <= MAX_BLOCKS for _, bl in messages)
    # and the whole message stays short of Slack's msg_too_long (its text is cut at 40,000)
    assert all(sum(len(b["text"]["text"]) for b in bl if b["type"] == "section") <= MAX_MESSAGE_TEXT
               for _, bl in messages)
    assert all(len(b["text"]["text"]) <= MAX_BLOCK_TEXT for b in blocks if b["type"] == "section")
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert all(name in shown for name, _, _ in data)


def test_every_part_repeats_the_header():
    chunks = code_chunks(["user", "mailbox"], [(f"u{i}", "x" * 60) for i in range(200)])
    assert len(chunks) > 1
    assert all(c.splitlines()[1].startswith("user") for c in chunks)
