"""The re-check before step 1 and its lock, on real Redis and Samba AD: a second add-user for a
customer's last licence waits while the first is making its account, then sees it and is
refused (R5); a run of the same request after a crash counts its own account as its own. The
lock is one run's: a second live run of the request does not get it, a live run keeps it past
its TTL, a killed run's lock runs out within the TTL, and Redis failing around it is retried,
never an internal error or a failed step that succeeded."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import threading
import time
import uuid

import pytest
import redis

from commands import events
from commands.errors import RetryableBackendError
from commands.parser import parse
from commands.plan import Plan
from commands.planner import plan as make_plan
from tobitbot.servers.redis import RedisServer
from workers import admission as admission_module
from workers.admission import LOCK_KEY, Admission
from workers.ad import LdapDirectory
from workers.engine import Engine, Refused, StepFailed
from workers.journal import RedisJournal
from workers.steps import load_all
from workers.steps.base import Backends

pytestmark = pytest.mark.integration


class PausingDirectory:
    """The real directory, except that creating `paused_name`'s account waits for `go`."""

    def __init__(self, real: LdapDirectory, paused_name: str):
        self._real, self._name = real, paused_name
        self.creating, self.go = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self._real, name)

    def create_user(self, customer, **kwargs):
        if kwargs["display_name"] == self._name:
            self.creating.set()
            self.go.wait()
        return self._real.create_user(customer, **kwargs)


@pytest.fixture
def last_licence(redis_url, ad_settings, customer_ou):
    """A customer with one free licence (and its directory), on real AD; Redis for the lock."""
    load_all()
    slug = f"lock-{uuid.uuid4().hex[:6]}"
    customer_ou(slug)
    directory = LdapDirectory(**ad_settings)
    directory.set_contract(slug, "book:tobit-addon", "1")
    return slug, directory, redis.Redis.from_url(redis_url)


def _account_step_only(slug: str, directory, name: str):
    """add-user's plan as the door made it, cut to its account step: the lock is about that one."""
    full = make_plan(parse(f'add-user {slug} "{name}"'), directory.customer(slug))
    return type(full)(full.command, full.customer, full.steps[:1], checks=full.checks)


def _engine(client, backends, published):
    return Engine(backends, published.append, secrets=None, admission=Admission(client, backends))


def test_a_second_add_user_for_the_last_licence_waits_for_the_first_account_then_is_refused(last_licence):
    slug, directory, client = last_licence
    paused = PausingDirectory(directory, "Ada Lovelace")
    backends = Backends(paused, None, None)
    plans = {name: _account_step_only(slug, directory, name) for name in ("Ada Lovelace", "Bob Babbage")}
    published: list = []
    outcomes: dict[str, object] = {}

    def run(name: str, request_id: str) -> None:
        try:
            outcomes[name] = _engine(client, backends, published).run(
                request_id, plans[name], RedisJournal(client, request_id), final_attempt=True).kind
        except Refused as refused:
            outcomes[name] = refused.event.kind
            outcomes["refusal"] = refused.event.error

    first = threading.Thread(target=run, args=("Ada Lovelace", f"r-{uuid.uuid4().hex}"))
    first.start()
    assert paused.creating.wait(30), "the first job reaches its account step"
    second = threading.Thread(target=run, args=("Bob Babbage", f"r-{uuid.uuid4().hex}"))
    second.start()
    # with the lock the second job waits here; without one it checks, finds a free licence and
    # makes its account meanwhile
    second.join(5)
    paused.go.set()
    first.join(60)
    second.join(60)

    assert (outcomes["Ada Lovelace"], outcomes["Bob Babbage"]) == (events.SUCCEEDED, events.REFUSED)
    assert "(R5)" in outcomes["refusal"]
    assert [u.display_name for u in directory.customer(slug).users] == ["Ada Lovelace"]
    assert client.keys(LOCK_KEY.format(name="*")) == []   # both let go


def test_a_rerun_after_a_crash_counts_its_own_account_and_waits_out_its_dead_runs_lock(last_licence):
    slug, directory, client = last_licence
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    # the earlier run made the account and died before its journal said so, holding the lock
    # (with its own run's token) for the rest of its TTL
    step = plan.steps[0].args
    directory.create_user(slug, given_name=step["given_name"], surname=step["surname"],
                          display_name=step["display_name"], email=None, solo=False, marker=request_id)
    client.set(LOCK_KEY.format(name=f"licences:{slug}"), f"{request_id}/dead-run", px=1500)

    published: list = []
    final = _engine(client, Backends(directory, None, None), published).run(
        request_id, plan, RedisJournal(client, request_id), final_attempt=True)

    assert final.kind == events.SUCCEEDED
    assert [e.kind for e in published if e.step == 1] == [events.STEP_SKIPPED]   # found, not made again
    assert len(directory.customer(slug).users) == 1
    assert client.get(LOCK_KEY.format(name=f"licences:{slug}")) is None


def test_a_lock_held_by_another_request_past_the_wait_is_a_retryable_failure(last_licence, monkeypatch):
    slug, directory, client = last_licence
    client.set(LOCK_KEY.format(name=f"licences:{slug}"), "r-someone-else", ex=60)
    monkeypatch.setattr(admission_module, "LOCK_WAIT_S", 0.3)
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    with pytest.raises(RetryableBackendError, match="another request"):
        Admission(client, Backends(directory, None, None)).admit("r-mine", plan)
    assert directory.customer(slug).users == ()


def test_two_live_runs_of_one_request_never_hold_its_lock_together(last_licence, monkeypatch):
    # a worker cut off from Redis looks dead after 10 s and its job runs again elsewhere, while
    # the first run still holds the lock: the second must wait like any other job
    slug, directory, client = last_licence
    monkeypatch.setattr(admission_module, "LOCK_WAIT_S", 0.5)
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    admission = Admission(client, Backends(directory, None, None))
    first = admission.admit(request_id, plan)
    try:
        with pytest.raises(RetryableBackendError, match="another run of this one"):
            admission.admit(request_id, plan)
    finally:
        first.release()
    assert client.keys(LOCK_KEY.format(name="*")) == []


def test_a_live_run_keeps_its_lock_past_the_ttl_while_its_step_is_slow(last_licence, monkeypatch):
    slug, directory, client = last_licence
    paused = PausingDirectory(directory, "Ada Lovelace")
    backends = Backends(paused, None, None)
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    outcome: list = []
    first = threading.Thread(target=lambda: outcome.append(_engine(client, backends, []).run(
        request_id, plan, RedisJournal(client, request_id), final_attempt=True).kind))
    first.start()
    try:
        assert paused.creating.wait(30), "the first job reaches its account step"
        # waiting longer than the TTL: without renewal the lock would run out and be had
        monkeypatch.setattr(admission_module, "LOCK_WAIT_S", admission_module.LOCK_TTL_S + 5)
        with pytest.raises(RetryableBackendError, match="another request"):
            Admission(client, Backends(directory, None, None)).admit(
                f"r-{uuid.uuid4().hex}", _account_step_only(slug, directory, "Bob Babbage"))
    finally:
        paused.go.set()
        first.join(60)
    assert outcome == [events.SUCCEEDED]
    assert client.keys(LOCK_KEY.format(name="*")) == []


class StopsAfterTheJournal(RedisJournal):
    """A journal whose run is killed right after it records a step, before the lock is let go."""

    def __init__(self, client, request_id, recorded):
        super().__init__(client, request_id)
        self._recorded = recorded

    def mark_done(self, index, values):
        super().mark_done(index, values)
        self._recorded.set()
        time.sleep(600)   # SIGKILLed here


def _run_until_killed(redis_url, ad_settings, request_id, plan_json, recorded):
    load_all()
    client, directory = redis.Redis.from_url(redis_url), LdapDirectory(**ad_settings)
    _engine(client, Backends(directory, None, None), []).run(
        request_id, Plan.from_json(plan_json), StopsAfterTheJournal(client, request_id, recorded),
        final_attempt=True)


def test_a_run_killed_after_its_step_lets_go_of_the_lock_within_its_ttl(last_licence, redis_url, ad_settings,
                                                                        monkeypatch):
    slug, directory, client = last_licence
    request_id, other = f"r-{uuid.uuid4().hex}", f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    later = _account_step_only(slug, directory, "Bob Babbage")   # accepted at the door meanwhile
    fork = multiprocessing.get_context("fork")
    recorded = fork.Event()
    horse = fork.Process(target=_run_until_killed, daemon=True,
                         args=(redis_url, ad_settings, request_id, plan.to_json(), recorded))
    horse.start()
    assert recorded.wait(60), "the horse makes the account and records it"
    os.kill(horse.pid, signal.SIGKILL)
    horse.join(10)
    assert client.exists(LOCK_KEY.format(name=f"licences:{slug}"))   # it died holding the lock

    # the resumed run was admitted before and takes no lock: it just finishes
    published: list = []
    final = _engine(client, Backends(directory, None, None), published).run(
        request_id, plan, RedisJournal(client, request_id), final_attempt=True)
    assert final.kind == events.SUCCEEDED and [e for e in published if e.step == 1] == []
    # the next add-user waits at most half a minute for a lock (the old 300 s one outlasted
    # that and blocked a worker for 330 s); it gets the lock and sees the licence taken
    monkeypatch.setattr(admission_module, "LOCK_WAIT_S", 30)
    with pytest.raises(Refused) as refused:
        _engine(client, Backends(directory, None, None), []).run(
            other, later, RedisJournal(client, other), final_attempt=True)
    assert "(R5)" in refused.value.event.error
    assert [u.display_name for u in directory.customer(slug).users] == ["Ada Lovelace"]


@pytest.fixture
def lock_redis(tmp_path):
    """A Redis of the locks' own, for a test to stop while the other one keeps the journal."""
    server = RedisServer(tmp_path / "lock-redis").start()
    yield server
    server.stop()


def test_redis_unreachable_at_the_recheck_is_retried_then_fails_naming_redis(last_licence, lock_redis):
    slug, directory, client = last_licence
    locks = redis.Redis.from_url(lock_redis.url)
    lock_redis.stop()
    backends = Backends(directory, None, None)
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    published: list = []
    engine = Engine(backends, published.append, secrets=None, admission=Admission(locks, backends))

    with pytest.raises(RetryableBackendError, match="^redis: cannot take"):
        engine.run(request_id, plan, RedisJournal(client, request_id), final_attempt=False)
    assert (published[-1].kind, published[-1].step) == (events.RETRYING, 1)
    with pytest.raises(StepFailed) as failed:
        engine.run(request_id, plan, RedisJournal(client, request_id), final_attempt=True)
    assert failed.value.event.error.startswith("redis: cannot take `licences:")
    assert directory.customer(slug).users == ()


def test_redis_gone_while_the_account_is_made_does_not_fail_the_step(last_licence, lock_redis):
    slug, directory, client = last_licence
    paused = PausingDirectory(directory, "Ada Lovelace")
    backends = Backends(paused, None, None)
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    engine = Engine(backends, [].append, secrets=None,
                    admission=Admission(redis.Redis.from_url(lock_redis.url), backends))
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(engine.run(request_id, plan, RedisJournal(client, request_id),
                                      final_attempt=True).kind)
        except Exception as exc:   # what the job would end with
            outcome.append(repr(exc))

    thread = threading.Thread(target=run)
    thread.start()
    assert paused.creating.wait(30), "the job reaches its account step holding the lock"
    lock_redis.stop()   # the lock cannot be let go now: its TTL frees it
    paused.go.set()
    thread.join(60)

    assert outcome == [events.SUCCEEDED]
    assert [u.display_name for u in directory.customer(slug).users] == ["Ada Lovelace"]


class PausingFax(PausingDirectory):
    """The real directory, except that recording a fax number at customer `paused_name` waits
    for `go` (`creating` is set when it starts)."""

    def add_fax_number(self, customer, user, number):
        if customer == self._name:
            self.creating.set()
            self.go.wait()
        return self._real.add_fax_number(customer, user, number)


def test_a_second_enable_fax_of_one_number_elsewhere_waits_for_the_first_then_is_refused(
        ad_settings, customer_ou, redis_url, kamailio_pbx):
    load_all()
    directory, client = LdapDirectory(**ad_settings), redis.Redis.from_url(redis_url)
    slugs = [f"fax-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    number = f"+4940{random.randrange(10**7):07d}"
    plans, sams = {}, {}
    for slug in slugs:
        customer_ou(slug)
        directory.set_contract(slug, "book:fax-shared", "yes")
        sams[slug] = directory.create_user(slug, given_name="Nina", surname="Fax", display_name="Nina Fax",
                                           email=None, solo=False, marker=uuid.uuid4().hex)["sam"]
        full = make_plan(parse(f"enable-fax {slug} {sams[slug]} {number} mode=shared"), directory.customer(slug))
        plans[slug] = type(full)(full.command, full.customer, full.steps[:1], checks=full.checks)
    first, second = slugs
    paused = PausingFax(directory, first)
    backends = Backends(paused, None, kamailio_pbx)
    outcomes: dict[str, object] = {}

    def run(slug: str) -> None:
        request_id = f"r-{uuid.uuid4().hex}"
        try:
            outcomes[slug] = _engine(client, backends, []).run(
                request_id, plans[slug], RedisJournal(client, request_id), final_attempt=True).kind
        except Refused as refused:
            outcomes[slug] = refused.event.kind
            outcomes["refusal"] = refused.event.error

    threads = {slug: threading.Thread(target=run, args=(slug,)) for slug in slugs}
    threads[first].start()
    assert paused.creating.wait(30), "the first job reaches its AD step"
    threads[second].start()
    # with the provider-wide lock the second job waits here; without it it checks, finds the
    # number free in AD and the PBX, and records it at its own customer meanwhile
    threads[second].join(5)
    paused.go.set()
    for thread in threads.values():
        thread.join(60)

    assert (outcomes[first], outcomes[second]) == (events.SUCCEEDED, events.REFUSED)
    assert "(R15)" in outcomes["refusal"] and first not in outcomes["refusal"]
    assert [directory.find_user(s, sams[s])["fax_numbers"] for s in slugs] == [[number], []]
    assert client.keys(LOCK_KEY.format(name="*")) == []
