"""The bot's work pool: a listener answers Slack before its handler runs, and a full pool says
so instead of queueing without end."""

from __future__ import annotations

import threading

from bot.work_pool import WorkPool, already_answered, answered_first


def test_the_listener_answers_slack_before_the_handler_runs_on_the_pool():
    pool, gate, ran = WorkPool(threads=1), threading.Event(), threading.Event()
    seen: dict = {}

    def handler(ack, body, action, client) -> None:   # names, as Bolt would give them
        gate.wait(10)
        seen.update(ack=ack, body=body, action=action, client=client)
        ran.set()

    acks: list[str] = []
    answered_first(pool, handler)(ack=lambda: acks.append("ack"), body={"b": 1}, client="c",
                                  event=None, action={"a": 1}, view=None)
    assert acks == ["ack"] and not ran.is_set()     # answered while the handler still waits
    gate.set()
    assert ran.wait(10)
    assert seen == {"ack": already_answered, "body": {"b": 1}, "action": {"a": 1}, "client": "c"}


def test_a_full_pool_refuses_at_once_and_takes_work_again_once_it_drains():
    pool, gate, done = WorkPool(threads=1, backlog=2), threading.Event(), threading.Semaphore(0)

    def work() -> None:
        gate.wait(10)
        done.release()

    assert pool.submit(work) and pool.submit(work)
    assert not pool.submit(work)                     # two waiting or running: the third refused
    gate.set()
    assert done.acquire(timeout=10) and done.acquire(timeout=10)
    assert pool.submit(work) and done.acquire(timeout=10)


def test_a_failing_task_frees_its_place_and_the_pool_goes_on():
    pool, done = WorkPool(threads=1, backlog=2), threading.Event()

    def fail() -> None:
        raise RuntimeError("boom")

    assert pool.submit(fail) and pool.submit(done.set)
    assert done.wait(10)         # one thread: the failed task ended, with its finally, before
    assert pool.submit(fail)     # so its place is back
