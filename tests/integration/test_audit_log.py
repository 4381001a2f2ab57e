"""The audit log on a real Redis: chained, concurrent-safe, tamper-evident, secret-free."""

from __future__ import annotations

import io
import json
import threading

import pytest
import redis

from bot.audit import AUDIT_HEAD, AUDIT_STREAM, PAGE, AuditLog
from commands.audit_chain import GENESIS, entry_hash
from tobitbot import audit_cli


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


def test_chain_verifies_and_export_writes_every_entry(client):
    log = AuditLog(client)
    for i in range(5):
        log.record("allowed", actor="U1", customer="acme", command=f"add-user acme \"User {i}\"")
    out = io.StringIO()
    assert audit_cli.verify(client, out) == 0 and "5 entries, chain intact" in out.getvalue()
    out = io.StringIO()
    audit_cli.export(client, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["command"] for line in lines] == [f"add-user acme \"User {i}\"" for i in range(5)]


def test_typed_text_is_kept_whole_up_to_the_lexers_bound_and_cut_beyond_it(client):
    """Whatever is typed, the entry stays small; what could be a command is kept whole."""
    import hashlib

    from commands.lexer import MAX_TEXT

    log = AuditLog(client)
    whole, huge = "x" * MAX_TEXT, "add-user acme " + "x" * 20_000
    log.record("refused", actor="U_NOBODY", text=whole, reason="no role")
    log.record("refused", actor="U_NOBODY", text=huge, ticket="T" * 30_000, reason="no role")
    kept, cut = [entry for _, entry, _, _ in log.entries()]
    assert kept["text"] == whole and "text_length" not in kept
    assert cut["text"] == huge[:MAX_TEXT] and cut["text_length"] == len(huge)
    assert cut["text_sha256"] == hashlib.sha256(huge.encode()).hexdigest()
    assert cut["ticket"] == "T" * MAX_TEXT and cut["ticket_length"] == 30_000
    assert len(client.xrange(AUDIT_STREAM)[-1][1][b"entry"]) < 2 * MAX_TEXT + 500
    assert log.verify() == []


def test_concurrent_writers_keep_one_unbroken_chain(client):
    log = AuditLog(client)
    threads = [threading.Thread(target=lambda n=n: [log.record("step", actor=f"W{n}", n=i)
                                                    for i in range(20)]) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(log.entries()) == 80 and log.verify() == []


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_tampering_is_detected(client, tamper):
    log = AuditLog(client)
    ids = [log.record("allowed", actor="U1", n=i) for i in range(4)]
    if tamper == "edit":
        # rebuild the stream with entry 2 rewritten but its stored hashes kept, as someone with
        # write access to Redis could
        rows = client.xrange(AUDIT_STREAM)
        client.delete(AUDIT_STREAM)
        for n, (_, fields) in enumerate(rows):
            entry = json.loads(fields[b"entry"])
            if n == 1:
                entry["actor"] = "U_MALLORY"
            client.xadd(AUDIT_STREAM, {"entry": json.dumps(entry), "prev": fields[b"prev"],
                                       "hash": fields[b"hash"]})
    else:
        client.xdel(AUDIT_STREAM, ids[2])
    out = io.StringIO()
    assert audit_cli.verify(client, out) == 1
    assert "BROKEN" in out.getvalue()


def test_entries_named_like_secrets_are_refused(client):
    with pytest.raises(ValueError, match="password"):
        AuditLog(client).record("reset", actor="U1", password="hunter2")


@pytest.mark.parametrize("removal", ["newest entry", "newest two", "whole stream"])
def test_removing_the_newest_entries_is_detected_by_the_head(client, removal):
    log = AuditLog(client)
    ids = [log.record("allowed", actor="U1", n=i) for i in range(4)]
    if removal == "whole stream":
        client.delete(AUDIT_STREAM)
    else:
        client.xdel(AUDIT_STREAM, *ids[-(1 if removal == "newest entry" else 2):])
    out = io.StringIO()
    assert audit_cli.verify(client, out) == 1
    assert f"BROKEN the head ({AUDIT_HEAD})" in out.getvalue() and "chain BROKEN" in out.getvalue()


class CountingRedis(redis.Redis):
    """A real client that remembers how many entries each XRANGE gave back."""

    pages: list[int]

    def xrange(self, *args, **kwargs):
        rows = super().xrange(*args, **kwargs)
        self.pages.append(len(rows))
        return rows


def test_verify_reads_a_long_stream_in_pages(redis_url):
    client = CountingRedis.from_url(redis_url)
    _fill(client, 2_500)
    client.pages = []
    out = io.StringIO()
    assert audit_cli.verify(client, out) == 0 and "2500 entries, chain intact" in out.getvalue()
    assert sum(client.pages) == 2_500 and max(client.pages) <= PAGE < 2_500


def _fill(client: redis.Redis, n: int) -> None:
    """`n` chained entries, written as AuditLog.record writes them, in one pipeline."""
    prev = GENESIS
    with client.pipeline(transaction=False) as pipe:
        for i in range(n):
            entry = {"at": i, "action": "allowed", "actor": "U1", "n": i}
            digest = entry_hash(prev, entry)
            pipe.xadd(AUDIT_STREAM, {"entry": json.dumps(entry), "prev": prev, "hash": digest})
            prev = digest
        pipe.set(AUDIT_HEAD, prev)
        pipe.execute()
