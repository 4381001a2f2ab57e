"""Packing audit lines into posts: nothing cut, parts numbered, acknowledgements only for what a
post completes, and an interrupted entry resumed from the part that failed."""

from __future__ import annotations

import pytest

from bot.audit_posts import pack, split_line

H = "h" * 64


@pytest.mark.parametrize("line, size", [
    ("x" * 10, 3), ("x" * 9, 3), ("abc", 10), ("a&amp;b&lt;c" * 20, 7), ("&amp;" * 50, 6)])
def test_split_line_keeps_every_character_and_never_ends_inside_an_entity(line, size):
    pieces = split_line(line, size)
    assert "".join(pieces) == line and all(0 < len(p) <= size for p in pieces)
    assert all("&" not in p or ";" in p[p.rindex("&"):] for p in pieces)


def test_short_lines_share_a_post_until_it_is_full():
    items = [(f"{n}-0", H, "l" * 40) for n in range(5)]
    posts = pack(items, {}, limit=100)
    assert [p.done for p in posts] == [("0-0", "1-0"), ("2-0", "3-0"), ("4-0",)]
    assert [p.witness[0] for p in posts] == ["1-0", "3-0", "4-0"]
    assert all(len(p.text) <= 100 for p in posts)


def test_a_long_line_goes_out_in_numbered_parts_and_is_done_with_its_last():
    posts = pack([("1-0", H, "a" * 250), ("2-0", H, "b")], {}, limit=100)
    assert [p.text.split(" ", 1)[0] for p in posts] == ["_part", "_part", "_part", "_part"]
    assert [p.done for p in posts] == [(), (), (), ("1-0", "2-0")]
    assert [p.carried for p in posts] == [("1-0", 1), ("1-0", 2), ("1-0", 3), None]
    assert all(len(p.text) <= 100 for p in posts)


def test_an_interrupted_entry_goes_on_after_the_parts_already_posted():
    first = pack([("1-0", H, "a" * 250)], {}, limit=100)
    again = pack([("1-0", H, "a" * 250)], {"1-0": 2}, limit=100)
    assert [p.text for p in again] == [p.text for p in first[2:]]


def test_nothing_to_pack_is_no_post():
    assert pack([], {}) == []
