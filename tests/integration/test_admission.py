"""The re-check before step 1 and its lock, on real Redis and Samba AD: a second add-user for a
customer's last licence waits while the first is making its account, then sees it and is
refused (R5); a run of the same request after a crash counts its own account as its own, and
takes over the lock its dead run left."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from commands import events
from commands.parser import parse
from commands.planner import plan as make_plan
from workers import admission as admission_module
from workers.admission import LOCK_KEY, Admission
from workers.ad import LdapDirectory
from workers.engine import Engine, Refused
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


def test_a_rerun_after_a_crash_counts_its_own_account_and_takes_over_its_own_lock(last_licence, monkeypatch):
    slug, directory, client = last_licence
    request_id = f"r-{uuid.uuid4().hex}"
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    # the earlier run made the account and died before its journal said so, holding the lock
    step = plan.steps[0].args
    directory.create_user(slug, given_name=step["given_name"], surname=step["surname"],
                          display_name=step["display_name"], email=None, solo=False, marker=request_id)
    client.set(LOCK_KEY.format(name=f"licences:{slug}"), request_id, ex=admission_module.LOCK_TIMEOUT_S)
    monkeypatch.setattr(admission_module, "LOCK_WAIT_S", 1)   # a stranger's lock would stop it here

    published: list = []
    final = _engine(client, Backends(directory, None, None), published).run(
        request_id, plan, RedisJournal(client, request_id), final_attempt=True)

    assert final.kind == events.SUCCEEDED
    assert [e.kind for e in published if e.step == 1] == [events.STEP_SKIPPED]   # found, not made again
    assert len(directory.customer(slug).users) == 1
    assert client.get(LOCK_KEY.format(name=f"licences:{slug}")) is None


def test_a_lock_held_by_another_request_past_the_wait_is_a_retryable_failure(last_licence, monkeypatch):
    from commands.errors import RetryableBackendError

    slug, directory, client = last_licence
    client.set(LOCK_KEY.format(name=f"licences:{slug}"), "r-someone-else", ex=60)
    monkeypatch.setattr(admission_module, "LOCK_WAIT_S", 0.3)
    plan = _account_step_only(slug, directory, "Ada Lovelace")
    with pytest.raises(RetryableBackendError, match="another request"):
        Admission(client, Backends(directory, None, None)).admit("r-mine", plan)
    assert directory.customer(slug).users == ()
