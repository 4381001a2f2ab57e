"""`tobitbot audit verify` against the audit channel's witnesses, on real Redis and the Slack
emulator's conversations.history over HTTP: what Redis alone cannot show, the channel does."""

from __future__ import annotations

import io
import json

import pytest
import redis
from slack_sdk import WebClient

from bot.audit import AUDIT_HEAD, AUDIT_STREAM, AuditLog
from bot.audit_mirror import AuditMirror
from bot.audit_witness import HISTORY_PAGE, read_witnesses, witness_block
from commands.audit_chain import GENESIS, entry_hash
from tests.fixtures.slack import C_AUDIT, PEOPLE
from tobitbot import audit_cli


@pytest.fixture
def mirrored(redis_url, slack_emulator):
    """A log whose entries the mirror posted, one post per entry, more posts than a history page."""
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    mirror, log = AuditMirror(client, web, C_AUDIT), AuditLog(client)
    for n in range(HISTORY_PAGE + 5):
        log.record("refused", actor=PEOPLE.nobody, text=f"reset-password acme victim{n}")
        mirror.poll(block_ms=10)
    yield client, log, web
    client.close()


def _verify(client, web) -> tuple[int, str]:
    out = io.StringIO()
    status = audit_cli.verify(client, out, witnesses=read_witnesses(web, C_AUDIT))
    return status, out.getvalue()


def test_an_untouched_log_agrees_with_every_witness(mirrored):
    client, _, web = mirrored
    status, out = _verify(client, web)
    assert status == 0, out
    assert f"{HISTORY_PAGE + 5} witnesses from the audit channel, all in the stream" in out


def test_deleting_the_stream_and_its_head_together_is_reported_from_the_witnesses(mirrored):
    client, log, web = mirrored
    newest = log.entries()[-1]
    client.delete(AUDIT_STREAM, AUDIT_HEAD)
    log.record("allowed", actor=PEOPLE.operator, text="list-users acme")  # a fresh, intact chain
    status, out = _verify(client, web)
    assert status == 1 and "1 entries, chain intact" in out
    assert (f"BROKEN {HISTORY_PAGE + 5} witnessed entries missing, the newest witnessed was "
            f"{newest[0]} with hash {newest[3]}") in out


def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_the_witnesses(mirrored):
    client, _, web = mirrored
    rows = client.xrange(AUDIT_STREAM)
    client.delete(AUDIT_STREAM)
    prev = GENESIS
    for n, (rid, fields) in enumerate(rows):  # keeps ids, head and links consistent: only Slack knows
        entry = json.loads(fields[b"entry"])
        if n == 3:
            entry["actor"] = "U_MALLORY"
        digest = entry_hash(prev, entry)
        client.xadd(AUDIT_STREAM, {"entry": json.dumps(entry), "prev": prev, "hash": digest}, id=rid)
        prev = digest
    client.set(AUDIT_HEAD, prev)
    status, out = _verify(client, web)
    assert status == 1 and "chain intact" in out
    assert f"BROKEN {HISTORY_PAGE + 5 - 3} witnessed entries have another hash in the stream" in out


def test_a_witness_posted_by_a_person_is_not_taken(mirrored, slack_emulator):
    client, log, web = mirrored
    block = witness_block("9999999999999-0", "f" * 64)
    slack_emulator.post_as_user(PEOPLE.nobody, C_AUDIT, "fake", blocks=[block])
    status, out = _verify(client, web)
    assert status == 0, out


def test_no_witness_in_the_channel_while_the_stream_holds_entries_is_unchecked(redis_url, slack_emulator,
                                                                                 capsys):
    """The bot's own posts are not found (another app's token, the wrong channel): nothing was
    compared, so verify must not pass."""
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    log = AuditLog(client)
    for n in range(3):
        log.record("refused", actor=PEOPLE.nobody, text=f"reset-password acme victim{n}")
    newest = log.entries()[-1]
    slack_emulator.post_as_user(PEOPLE.nobody, C_AUDIT, "fake", blocks=[witness_block(*newest[::3])])
    status, out = _verify(client, web)
    assert status == audit_cli.UNCHECKED and "3 entries, chain intact" in out, out
    assert "all in the stream" not in out
    assert "no witness found in the audit channel" in capsys.readouterr().err
    client.close()


def test_an_empty_stream_and_a_channel_without_witnesses_are_intact(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    status, out = _verify(client, web)
    assert status == audit_cli.INTACT and "0 entries, chain intact" in out, out
    client.close()
