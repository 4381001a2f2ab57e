"""Redis SIGKILLed in the middle of a job and back 8 s later: the worker lives on and the job ends once.

A real `tobitbot worker` on a Redis of this test's own (killed and restarted on the same port
with the same AOF directory), real Samba AD for the account's steps, and the customer's Tobit
server a simulator process that the test freezes, so that the job is on its first Tobit step when
Redis goes: the AD account exists, disabled. The simulator is thawed while Redis is still down,
so the horse's next journal write meets the outage too. RQ's horse monitor used to quit the
worker on the first ConnectionError, taking the horse along and leaving the request "running".

While it waits for Redis, a worker asked to stop stops only when no job is at stake.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid

import pytest
import redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from commands.events import JOB_STREAM, JobEvent
from commands.parser import parse
from commands.planner import plan as make_plan
from tests.fixtures.tobit import TOBIT_TEST_TOKEN
from tests.fixtures.worker import alive, kill_group, start_worker, wait_until, worker_env
from tobitbot.demo_customer import seed_customer
from tobitbot.servers.process import free_port, spawn, stop, wait_for_port
from tobitbot.servers.redis import RedisServer
from workers.ad import LdapDirectory
from workers.tobit import TobitHttpClient

pytestmark = pytest.mark.integration
CUSTOMER = "outageco"
QUEUE = "provisioning"
OUTAGE_SECONDS = 8


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def frozen_tobit(samba_dc, tmp_path):
    """outageco, seeded in AD, with its Tobit server a simulator process the test can freeze."""
    port, log = free_port(), tmp_path / "simulator.log"
    proc = spawn([sys.executable, "-m", "tobitbot.tobit_simulator", "--port", str(port),
                  "--state", str(tmp_path / "state.json"), "--token", TOBIT_TEST_TOKEN], log)
    directory = LdapDirectory(samba_dc.ldaps_url, samba_dc.admin_user, samba_dc.admin_password,
                              samba_dc.base_dn, ca_file=samba_dc.ca_file, tls_name=samba_dc.tls_name,
                              mail_domain="tobit.test")
    try:
        wait_for_port("127.0.0.1", port, 10, proc, log)
        url = f"http://127.0.0.1:{port}/{CUSTOMER}"
        seed_customer(directory, TobitHttpClient(url, TOBIT_TEST_TOKEN), CUSTOMER,
                      display_name="Outage GmbH", tobit_url=url, domain="outageco.example", licences=100)
        yield proc, directory
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
        stop(proc)


def _events(client: redis.Redis, request_id: str) -> list[JobEvent]:
    return [JobEvent.from_json(f[b"event"]) for _, f in client.xrange(JOB_STREAM.format(request_id=request_id))]


def _ended(client: redis.Redis, request_id: str) -> list[JobEvent]:
    try:
        return [e for e in _events(client, request_id) if e.kind in ("succeeded", "failed")]
    except redis.exceptions.ConnectionError:
        return []


def test_a_worker_rides_out_a_redis_restart_mid_job_and_the_job_ends_once(own_redis, frozen_tobit,
                                                                          samba_dc, tmp_path):
    simulator, directory = frozen_tobit
    client = redis.Redis.from_url(own_redis.url)
    name = "Rita Restart" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:4])
    plan = make_plan(parse(f'add-user {CUSTOMER} "{name}"'), directory.customer(CUSTOMER))
    first_tobit = next(i for i, s in enumerate(plan.steps) if s.backend == "tobit")
    rid = f"r-{uuid.uuid4().hex[:8]}"
    os.kill(simulator.pid, signal.SIGSTOP)         # the job will hang on its first Tobit step
    Queue(QUEUE, connection=client, serializer=JSONSerializer).enqueue(
        "workers.jobs.run_plan", rid, plan.to_json(), job_id=rid, retry=Retry(max=2, interval=[1, 1]))
    worker = start_worker(worker_env(own_redis.url, QUEUE, samba_dc, TOBIT_TEST_TOKEN), tmp_path / "worker.log")
    try:
        # every AD step before it is done (events count steps from 1): the job waits on Tobit
        wait_until(lambda: any(e.kind == "step_done" and e.step == first_tobit for e in _events(client, rid)), 60)
        time.sleep(1)                                # past Redis's once-a-second AOF write

        own_redis.proc.send_signal(signal.SIGKILL)
        own_redis.proc.wait(10)
        time.sleep(2)
        os.kill(simulator.pid, signal.SIGCONT)       # the horse goes on and meets the outage
        time.sleep(OUTAGE_SECONDS - 2)
        own_redis.proc = None
        own_redis.start()                            # same port, same AOF directory

        [ended] = wait_until(lambda: _ended(client, rid), 120)
        assert alive(worker.pid), "the worker outlived the outage"
    finally:
        if simulator.poll() is None:
            os.kill(simulator.pid, signal.SIGCONT)
        log = (tmp_path / "worker.log").read_text(errors="replace")
        kill_group(worker)
    assert "unhandled exception" not in log, log[-3000:]
    time.sleep(1)                                    # an outcome twice would show now
    assert len(_ended(client, rid)) == 1
    status = client.hget(f"rq:job:{rid}", "status").decode()
    assert status in ("finished", "failed"), status   # not "started": the request is not left running
    accounts = [u for u in directory.customer(CUSTOMER).users if u.display_name == name]
    assert len(accounts) == 1
    if ended.kind == "succeeded":
        assert accounts[0].enabled and status == "finished"
    else:   # a reported failure names the steps done, the disabled account among them
        assert ended.done and not accounts[0].enabled


@pytest.fixture
def redis_gone(own_redis):
    """A ProvisioningWorker whose Redis has just stopped (it is `own_redis`, restartable)."""
    from rq.serializers import JSONSerializer as Json

    from workers.rq_worker import ProvisioningWorker

    worker = ProvisioningWorker([QUEUE], connection=redis.Redis.from_url(own_redis.url), serializer=Json)
    own_redis.stop()
    return worker


def test_an_idle_worker_waiting_for_redis_stops_when_asked(redis_gone):
    from rq.exceptions import StopRequested

    worker, tries = redis_gone, []

    def ping():
        tries.append(1)
        if len(tries) == 2:   # a SIGTERM came: RQ's handler (request_stop) sets this for a busy worker
            worker._stop_requested = True
        if len(tries) > 4:
            raise AssertionError("the worker kept waiting for Redis after it was asked to stop")
        return worker.connection.ping()

    with pytest.raises(StopRequested):
        worker.until_redis_answers(ping, "waiting for a job", idle=True)
    assert len(tries) == 2   # it stopped at once, not after Redis came back


def test_a_worker_with_a_job_at_stake_waits_for_redis_even_when_asked_to_stop(redis_gone, own_redis):
    worker, tries = redis_gone, []

    def ping():
        tries.append(1)
        if len(tries) == 2:
            worker._stop_requested = True
        if len(tries) == 3:
            own_redis.start()   # same port
        return worker.connection.ping()

    assert worker.until_redis_answers(ping, "filing job j") is True
    assert len(tries) == 3
