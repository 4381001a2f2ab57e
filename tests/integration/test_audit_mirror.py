"""The audit mirror on real Redis and the Slack emulator over HTTP: every entry reaches the
channel in full (an over-long one in numbered parts), and an entry is acknowledged only once
Slack took the post that shows it."""

from __future__ import annotations

import pytest
import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.audit import AUDIT_STREAM, AuditLog
from bot.audit_mirror import GROUP, MIRROR_FAILED, PARTS_KEY, AuditMirror, audit_line
from tests.fixtures.slack import C_AUDIT, PEOPLE, audit_text

LONG = 20_000
READABLE = 3_900  # what a post may hold at most (Slack's own limit is 40,000)


@pytest.fixture
def mirror(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    yield AuditMirror(client, web, C_AUDIT), AuditLog(client)
    client.close()


def _flood(log: AuditLog) -> list[dict]:
    """One entry of 20,000 characters (a backend's error: typed text is cut when recorded, see
    the test below), then ordinary ones."""
    log.record("job_failed", actor="worker", request="r-1a2b3c4d5e", error="ldap: " + "x" * LONG)
    for n in range(5):
        log.record("refused", actor=PEOPLE.nobody, text=f"reset-password acme victim{n}",
                   reason="no role\nusage: reset-password CUSTOMER LOGIN")
    return [entry for _, entry, _, _ in log.entries()]


def _drain(mirror: AuditMirror) -> None:
    while mirror.poll(block_ms=10):
        pass


def _third_part(params: dict) -> bool:
    return "_part 3/" in str(params.get("text"))


def _pending(mirror: AuditMirror) -> int:
    return mirror.redis.xpending(AUDIT_STREAM, GROUP)["pending"]


def test_one_very_long_entry_is_split_and_hides_none_of_the_entries_after_it(mirror, slack_emulator):
    mirror, log = mirror
    entries = _flood(log)
    _drain(mirror)
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)
    posts = slack_emulator.messages(C_AUDIT)
    assert len(posts) > LONG // READABLE and all(len(p.text) <= READABLE for p in posts)
    assert _pending(mirror) == 0


def test_a_refused_command_of_any_length_is_one_small_entry_and_at_most_two_posts(mirror, slack_emulator):
    mirror, log = mirror
    huge = "add-user acme " + "x" * LONG
    log.record("refused", actor=PEOPLE.nobody, text=huge, reason="no role")
    log.record("refused", actor=PEOPLE.nobody, text="reset-password acme after-it", reason="no role")
    _drain(mirror)
    entries = [entry for _, entry, _, _ in log.entries()]
    assert entries[0]["text_length"] == len(huge) and len(entries[0]["text"]) < LONG // 4
    shown = audit_text(slack_emulator, C_AUDIT)
    assert len(slack_emulator.messages(C_AUDIT)) <= 2 and shown == "\n".join(audit_line(e) for e in entries)
    assert f"of {len(huge):,} characters, sha256 {entries[0]['text_sha256']}" in shown
    assert _pending(mirror) == 0


def test_a_post_slack_refuses_stays_pending_and_is_posted_later(mirror, slack_emulator):
    mirror, log = mirror
    slack_emulator.fail("chat.postMessage", "internal_error")
    entries = _flood(log)
    with pytest.raises(SlackApiError):
        mirror.poll(block_ms=10)
    assert slack_emulator.messages(C_AUDIT) == [] and _pending(mirror) == len(entries)
    _drain(mirror)
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)
    assert _pending(mirror) == 0


def test_a_split_entry_interrupted_goes_on_from_the_part_that_failed(mirror, slack_emulator):
    mirror, log = mirror
    slack_emulator.fail("chat.postMessage", "internal_error", match=lambda p: "_part 3/" in str(p.get("text")))
    entries = _flood(log)
    with pytest.raises(SlackApiError):
        mirror.poll(block_ms=10)
    assert len(slack_emulator.messages(C_AUDIT)) == 2 and _pending(mirror) == len(entries)
    _drain(mirror)
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)  # no part twice, none lost


def test_every_post_witnesses_the_hash_of_its_last_entry(mirror, slack_emulator):
    from bot.audit_witness import parse_witness

    mirror, log = mirror
    _flood(log)
    _drain(mirror)
    stored = {rid: digest for rid, _, _, digest in log.entries()}
    witnesses = [parse_witness(m.to_slack()) for m in slack_emulator.messages(C_AUDIT)]
    assert all(w is not None and stored[w[0]] == w[1] for w in witnesses)
    assert witnesses[-1][0] == list(stored)[-1]


def test_a_split_entry_goes_on_after_a_restart_from_the_part_that_failed(redis_url, slack_emulator):
    """How far the entry got is in Redis, not in the process that died."""
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    first, log = AuditMirror(client, web, C_AUDIT), AuditLog(client)
    slack_emulator.fail("chat.postMessage", "internal_error", match=_third_part)
    entries = _flood(log)
    with pytest.raises(SlackApiError):
        first.poll(block_ms=10)
    restarted = AuditMirror(client, web, C_AUDIT)
    restarted.consumer = first.consumer   # the same host and process id: its own pending list
    _drain(restarted)
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)  # no part twice
    assert _pending(restarted) == 0 and not client.exists(PARTS_KEY)
    client.close()


def test_a_split_entry_claimed_from_a_dead_bot_goes_on_from_the_part_that_failed(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    dead, log = AuditMirror(client, web, C_AUDIT), AuditLog(client)
    slack_emulator.fail("chat.postMessage", "internal_error", match=_third_part)
    entries = _flood(log)
    with pytest.raises(SlackApiError):
        dead.poll(block_ms=10)
    other = AuditMirror(client, web, C_AUDIT)
    other.consumer, other.claim_idle_ms = "another-bot", 0   # the dead one's entries are claimed at once
    _drain(other)
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)
    assert _pending(other) == 0
    client.close()


def test_a_post_slack_refuses_for_good_becomes_a_notice_and_blocks_nothing_after_it(mirror, slack_emulator):
    from bot.audit_witness import parse_witness

    mirror, log = mirror
    bad = log.record("refused", actor=PEOPLE.nobody, text="reset-password acme bad-blocks", reason="no role")
    slack_emulator.fail("chat.postMessage", "invalid_blocks",
                        match=lambda p: "bad-blocks" in str(p.get("text")))
    _drain(mirror)   # returns: nothing waits for a post Slack will never take
    log.record("refused", actor=PEOPLE.nobody, text="reset-password acme after-it", reason="no role")
    _drain(mirror)
    notice, after = slack_emulator.messages(C_AUDIT)
    assert f"`{bad}`" in notice.text and "invalid_blocks" in notice.text
    assert "tobitbot audit export" in notice.text
    assert "bad-blocks" not in notice.text and "after-it" in after.text
    assert parse_witness(notice.to_slack()) == (bad, log.entries()[0][3])
    assert _pending(mirror) == 0 and [e["action"] for _, e, _, _ in log.entries()] == ["refused", "refused"]


def test_posts_refused_for_good_even_as_notices_get_one_mirror_failed_entry_and_no_loop(mirror, slack_emulator):
    mirror, log = mirror
    slack_emulator.fail("chat.postMessage", "invalid_blocks", times=1_000)
    ids = [log.record("refused", actor=PEOPLE.nobody, text=f"reset-password acme v{n}") for n in range(3)]
    _drain(mirror)
    _drain(mirror)
    entries = [entry for _, entry, _, _ in log.entries()]
    failed = [e for e in entries if e["action"] == MIRROR_FAILED]
    assert len(entries) == 4 and len(failed) == 1 and failed[0]["error"] == "invalid_blocks, then invalid_blocks"
    assert all(entry_id in failed[0]["detail"] for entry_id in ids)
    assert _pending(mirror) == 0 and slack_emulator.messages(C_AUDIT) == []


@pytest.mark.parametrize("error", ["is_archived", "not_in_channel", "invalid_auth"])
def test_a_channel_or_token_that_refuses_every_post_keeps_the_entries_until_it_is_fixed(
        mirror, slack_emulator, error):
    """Not the post's fault: no notice, no mirror_failed, nothing acknowledged; once an operator
    fixed it, every entry is posted in order."""
    mirror, log = mirror
    slack_emulator.fail("chat.postMessage", error, times=5)
    for n in range(3):
        log.record("refused", actor=PEOPLE.nobody, text=f"reset-password acme w{n}")
    for _ in range(5):
        with pytest.raises(SlackApiError):
            mirror.poll(block_ms=10)
    assert _pending(mirror) == 3 and slack_emulator.messages(C_AUDIT) == []
    _drain(mirror)   # the channel works again
    entries = [entry for _, entry, _, _ in log.entries()]
    assert [e["action"] for e in entries] == ["refused"] * 3
    assert audit_text(slack_emulator, C_AUDIT) == "\n".join(audit_line(e) for e in entries)
    assert _pending(mirror) == 0
