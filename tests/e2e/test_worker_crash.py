"""A worker SIGKILLed in the middle of a job: the job is picked up again and completes once.

The customer's Tobit server is a simulator process of this test's own, so it can be frozen
(SIGSTOP) while the job waits on it: the job has created the AD account and is on its first
Tobit step when `kill -9` hits the worker. A fresh worker then finds the job abandoned
(its heartbeat expired), RQ requeues it, and the journal and `verify` make the new run
finish the rest without a second account, mailbox or outcome. The killed worker's horse and
scheduler die with it; the test prints how long the job took to finish once a live worker was
there.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import uuid

import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from commands.events import JOB_STREAM, JobEvent
from tests.fixtures.slack import PEOPLE, request_id_of
from tests.fixtures.worker import alive, children, group_members
from tobitbot.demo_customer import seed_customer
from tobitbot.servers.process import free_port, spawn, stop, wait_for_port
from workers.tobit import TobitHttpClient

pytestmark = pytest.mark.e2e
SUPPORT = "C_SUPPORT"
CUSTOMER = "crashco"


@pytest.fixture
def frozen_tobit(bot_stack, tmp_path):
    """crashco's Tobit server: a simulator process that the test can freeze and thaw."""
    token = bot_stack.env["TOBITBOT_TOBIT_TOKEN"]
    port, log = free_port(), tmp_path / "simulator.log"
    proc = spawn([sys.executable, "-m", "tobitbot.tobit_simulator", "--port", str(port),
                  "--state", str(tmp_path / "state.json"), "--token", token], log)
    try:
        wait_for_port("127.0.0.1", port, 10, proc, log)
        url = f"http://127.0.0.1:{port}/{CUSTOMER}"
        seed_customer(bot_stack.directory, TobitHttpClient(url, token), CUSTOMER,
                      display_name="Crash Test GmbH", tobit_url=url, domain="crashco.example")
        yield proc, TobitHttpClient(url, token)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        stop(proc)


def _events(client: redis.Redis, request_id: str) -> list[JobEvent]:
    return [JobEvent.from_json(fields[b"event"])
            for _, fields in client.xrange(JOB_STREAM.format(request_id=request_id))]


def test_a_worker_killed_mid_job_is_replaced_and_the_job_completes_exactly_once(bot_stack, frozen_tobit):
    slack, bot, directory = bot_stack.slack, bot_stack.bot, bot_stack.directory
    simulator, tobit = frozen_tobit
    client = redis.Redis.from_url(bot_stack.env["TOBITBOT_REDIS_URL"])
    name = "Kurt Crash" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:4])
    assert len(bot.worker_procs) == 1, "the job must land on the worker this test kills"
    victim = bot.worker_procs[0]

    os.kill(simulator.pid, signal.SIGSTOP)         # the job will hang on its first Tobit step
    slack.slash_command(PEOPLE.operator, SUPPORT, text=f'add-user {CUSTOMER} "{name}"')
    request = slack.wait_for(lambda: next((m for m in slack.messages(SUPPORT) if name in m.text), None),
                             timeout=10)
    rid = request_id_of(request)
    job = slack.wait_for(lambda: client.exists(f"rq:job:{rid}") and
                         Job.fetch(rid, connection=client, serializer=JSONSerializer), timeout=10)
    steps = job.args[1]["steps"]
    first_tobit = next(i for i, s in enumerate(steps) if s["backend"] == "tobit")
    # every AD step before it is done (events count steps from 1): the job now waits on Tobit
    slack.wait_for(lambda: any(e.kind == "step_done" and e.step == first_tobit for e in _events(client, rid)),
                   timeout=30)
    horses = children(victim.pid, same_group=False)
    assert horses, "the worker runs the job in a forked work horse"
    # the only worker of the stack holds the queue's scheduler lock: its scheduler is its child
    schedulers = slack.wait_for(lambda: children(victim.pid, same_group=True), timeout=30)

    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)
    bot.worker_procs.remove(victim)
    try:
        # the horse dies with its worker: no unwatched run races the requeued one
        slack.wait_for(lambda: not any(alive(pid) for pid in horses), timeout=10)
        # and so does its scheduler: it ran on under init, renewing the queue's lock for a minute
        slack.wait_for(lambda: not any(alive(pid) for pid in schedulers), timeout=10)
        assert group_members(victim.pid) == set()
        os.kill(simulator.pid, signal.SIGCONT)
        bot.start_worker()
        replaced = time.monotonic()
        slack.wait_for(lambda: any(t.startswith(":white_check_mark: Done")
                                   for t in (m.text for m in slack.thread(SUPPORT, request.ts))),
                       timeout=90)
        # the figure, not an assert: the crash-recovery budget is 15 s (bench/bench_crash_recovery.py)
        print(f"\ncrash recovery: Done {time.monotonic() - replaced:.1f} s after a live worker was there")
    finally:
        if simulator.poll() is None:
            os.kill(simulator.pid, signal.SIGCONT)
        if group_members(victim.pid):        # an orphan left behind must not hold the lock for later tests
            os.killpg(victim.pid, signal.SIGTERM)
        if not bot.worker_procs:
            bot.start_worker()

    # the first reply is the status line, edited in place up to the outcome; then one outcome
    status, *replies = slack.wait_for(lambda: (t := slack.thread(SUPPORT, request.ts)[1:])
                                      and t[0].text.startswith(":white_check_mark: Finished") and t,
                                      timeout=10)
    outcomes = [m.text for m in replies if m.text.startswith((":white_check_mark:", ":x:"))]
    assert len(outcomes) == 1 and outcomes[0].startswith(":white_check_mark: Done"), outcomes
    events = _events(client, rid)
    starts = [e.attempt for e in events if e.kind == "started"]
    assert len(starts) == 2 and starts[-1] == 2, "the job ran again after the crash"
    assert [e.kind for e in events].count("succeeded") == 1
    accounts = [u for u in directory.customer(CUSTOMER).users if u.display_name == name]
    assert len(accounts) == 1 and accounts[0].enabled
    mailboxes = [b for b in tobit.list_mailboxes() if b["user"] == accounts[0].sam]
    assert len(mailboxes) == 1
    # the re-run skipped the AD steps the killed run had done, and did not make them again
    resumed = events[[e.kind for e in events].index("started", 1):]
    assert all(e.step > first_tobit for e in resumed if e.kind in ("step_done", "step_skipped"))
    assert json.loads(client.hget(f"tobitbot:job:{rid}:journal", "done")) == list(range(len(steps)))
