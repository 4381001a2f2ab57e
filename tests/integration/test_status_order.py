"""The status line follows the order of the job's events, not the order the bot got to them,
against real Redis and the Slack emulator: a dead bot's older events, claimed a minute after a
new bot showed "Finished", and two bots sharing one request's events, never put an older step
back on the line."""

from __future__ import annotations

import pytest
import redis
from rq import Queue
from slack_sdk import WebClient

from bot import messages, notifier as notifier_module
from bot.deps import BotDeps
from bot.notifier import GROUP, Notifier, ensure_group
from bot.request_store import RequestRecord, new_request_id
from bot.slack_outbox import SlackCall, about
from commands import events
from commands.events import OUTCOMES_STREAM, JobEvent
from tests.fixtures.slack import C_SUPPORT, PEOPLE

TOTAL = 3


@pytest.fixture
def setup(redis_url, slack_emulator):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: None, queue=Queue(connection=client),
                   secrets=None)
    ensure_group(client)
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    yield deps, web
    slack_emulator.end_outage()
    client.close()


def _request(deps, web, notifier: Notifier, *, posted: bool = True) -> RequestRecord:
    """A running request whose status line is posted (or kept, Slack not having taken it)."""
    ts = web.chat_postMessage(channel=C_SUPPORT, text='add-user acme "Jan Doe"')["ts"]
    record = RequestRecord(new_request_id(), PEOPLE.operator, C_SUPPORT, 'add-user acme "Jan Doe"',
                           "acme", {"steps": []}, message_ts=ts, state="running")
    deps.requests.save(record)
    post = SlackCall("chat_postMessage", {"channel": C_SUPPORT, "thread_ts": ts,
                                          "text": messages.status_queued(TOTAL, None)},
                     "status", about(record), ts_field="status_ts")
    key = f"status:{record.request_id}"
    if posted:
        notifier.outbox.send(web, post, key=key)
    else:
        notifier.outbox.keep(key, post)
    return deps.requests.get(record.request_id)


def _step(record, n: int) -> JobEvent:
    return JobEvent(record.request_id, events.STEP_DONE, step=n, total=TOTAL, summary=f"step {n}",
                    elapsed_ms=5)


def _done(record) -> JobEvent:
    return JobEvent(record.request_id, events.SUCCEEDED, total=TOTAL, summary=record.command)


def _publish(deps, event: JobEvent) -> None:
    deps.redis.xadd(OUTCOMES_STREAM, {"event": event.to_json()})


def _read_by(deps, consumer: str) -> None:
    """`consumer` is handed the oldest unread event and never acknowledges it (it died)."""
    assert deps.redis.xreadgroup(GROUP, consumer, {OUTCOMES_STREAM: ">"}, count=1)


def _line(slack_emulator, record) -> str:
    return slack_emulator.message(C_SUPPORT, record.status_ts).text


def _updates(slack_emulator, record) -> list[str]:
    return [c.params["text"] for c in slack_emulator.calls("chat.update")
            if c.ok and c.params.get("ts") == record.status_ts]


def test_a_dead_bots_older_step_claimed_after_done_leaves_the_line_at_done(setup, slack_emulator,
                                                                          monkeypatch):
    deps, web = setup
    bot = Notifier(deps, web)
    record = _request(deps, web, bot)
    _publish(deps, _step(record, 3))
    _publish(deps, _done(record))
    _read_by(deps, "old-host-1")      # the bot that died had read step 3

    assert bot.poll(block_ms=100) == 1                  # the new bot reads Done at once
    assert _line(slack_emulator, record) == messages.final_status_text(_done(record))
    monkeypatch.setattr(notifier_module, "CLAIM_IDLE_MS", 0)   # the minute is over
    assert bot.poll(block_ms=100) == 1                  # and claims the dead bot's step 3

    assert _line(slack_emulator, record) == messages.final_status_text(_done(record))
    assert _updates(slack_emulator, record)[-1] == messages.final_status_text(_done(record))
    assert deps.redis.xpending(OUTCOMES_STREAM, GROUP)["pending"] == 0


def test_two_bots_on_one_request_show_its_newest_step_whichever_handles_it_first(setup, slack_emulator):
    deps, web = setup
    first, second = Notifier(deps, web), Notifier(deps, web)
    first.consumer, second.consumer = "host-a-1", "host-b-2"
    record = _request(deps, web, first)
    _publish(deps, _step(record, 1))
    _publish(deps, _step(record, 2))
    _read_by(deps, first.consumer)                     # the first bot has step 1 in hand ...

    assert second.poll(block_ms=100) == 1               # ... while the second shows step 2
    assert first.poll(block_ms=100) == 0                # nothing new for the first: it still has
    entries = deps.redis.xrange(OUTCOMES_STREAM)        # step 1, which it handles only now
    first.handle(_step(record, 1), event_id=entries[0][0].decode())

    assert _line(slack_emulator, record) == messages.status_text(_step(record, 2))
    assert _updates(slack_emulator, record) == [messages.status_text(_step(record, 2))]


def test_an_older_step_neither_revises_the_kept_status_post_nor_updates_the_line_it_became(setup,
                                                                                          slack_emulator):
    deps, web = setup
    first, second = Notifier(deps, web), Notifier(deps, web)
    record = _request(deps, web, first, posted=False)   # kept: Slack did not take it yet
    _publish(deps, _step(record, 1))
    _publish(deps, _step(record, 2))
    older, newer = [eid.decode() for eid, _ in deps.redis.xrange(OUTCOMES_STREAM)]

    second.handle(_step(record, 2), event_id=newer)      # the kept post now says step 2
    first.handle(_step(record, 1), event_id=older)       # handled later, happened before
    first.outbox.deliver_due(web)
    first.handle(_step(record, 1), event_id=older)       # once more, now that the line is posted

    record = deps.requests.get(record.request_id)
    assert _line(slack_emulator, record) == messages.status_text(_step(record, 2))
    assert _updates(slack_emulator, record) == []


def test_a_step_published_after_the_outcome_does_not_reopen_a_finished_request(setup, slack_emulator):
    """A second run of the job (a horse thought dead) can publish a step after Done: newer in the
    stream, but the request's record is final, and its line stays so."""
    deps, web = setup
    bot = Notifier(deps, web)
    record = _request(deps, web, bot)
    _publish(deps, _done(record))
    assert bot.poll(block_ms=100) == 1
    _publish(deps, _step(record, 2))

    assert bot.poll(block_ms=100) == 1

    assert _line(slack_emulator, record) == messages.final_status_text(_done(record))
    assert _updates(slack_emulator, record) == [messages.final_status_text(_done(record))]
