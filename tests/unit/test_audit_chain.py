"""The audit chain walked entry by entry: edits, removals in the middle and at the end (the
head), and witnesses the stream no longer agrees with."""

from __future__ import annotations

import pytest

from commands.audit_chain import GENESIS, ChainWalk, WitnessTally, entry_hash, stream_order


def _chain(n: int) -> list[tuple[str, dict, str, str]]:
    rows, prev = [], GENESIS
    for i in range(n):
        entry = {"action": "allowed", "n": i}
        digest = entry_hash(prev, entry)
        rows.append((f"{i + 1}-0", entry, prev, digest))
        prev = digest
    return rows


def _walk(rows, head, check_head=True) -> list[str]:
    walk, problems = ChainWalk(head, check_head), []
    for row in rows:
        problems += walk.feed(*row)
    return problems + walk.finish()


@pytest.mark.parametrize("cut, head_of, expect", [
    (slice(None), -1, None),                        # intact
    (slice(0, 3), -1, "the newest entries were removed"),
    (slice(0, 0), -1, "the stream is empty"),
    (slice(None), None, "is missing although the stream holds 4"),
    (slice(0, 3), 2, None),                         # the head is the newest entry left
])
def test_the_head_must_be_met_in_the_stream(cut, head_of, expect):
    rows = _chain(4)
    head = rows[head_of][3] if head_of is not None else None
    problems = _walk(rows[cut], head)
    assert (problems == []) if expect is None else any(expect in p for p in problems), problems


@pytest.mark.parametrize("head_key, named", [
    ("log:head", "the head (log:head) is"), ("", "the head is"),
])
def test_the_head_is_named_where_its_store_keeps_it(head_key, named):
    # the Redis key is bot/audit.py's to know; the core only names what it is given
    walk = ChainWalk(None, check_head=True, head_key=head_key)
    for row in _chain(2):
        walk.feed(*row)
    assert [p for p in walk.finish() if p.startswith(named)], walk.finish()


def test_an_entry_appended_after_the_head_was_read_is_not_a_problem():
    rows = _chain(4)
    assert _walk(rows, rows[1][3]) == []


def test_a_removed_or_edited_entry_in_the_middle_breaks_the_chain():
    rows = _chain(4)
    assert any("previous hash" in p for p in _walk(rows[:1] + rows[2:], rows[-1][3]))
    edited = rows[1][:1] + ({"action": "allowed", "n": 99},) + rows[1][2:]
    assert any("edited" in p for p in _walk([rows[0], edited] + rows[2:], rows[-1][3]))


def test_witnesses_missing_or_rewritten_are_counted():
    tally = WitnessTally()
    tally.add("5-0", "a" * 64, None)
    tally.add("9-0", "b" * 64, None)
    tally.add("3-0", "c" * 64, "d" * 64)
    tally.add("2-0", "e" * 64, "e" * 64)
    problems = tally.problems("4-0")
    assert f"2 witnessed entries missing, the newest witnessed was 9-0 with hash {'b' * 64}" in problems
    assert "1 witnessed entries have another hash in the stream" in problems
    assert any("before the newest witnessed entry 9-0" in p for p in problems)
    assert WitnessTally().problems("") == []


def test_stream_ids_sort_by_time_then_sequence():
    assert sorted(["10-0", "9-5", "9-10"], key=stream_order) == ["9-5", "9-10", "10-0"]
