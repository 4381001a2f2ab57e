"""The step engine with in-memory journal and hand-written test steps (no servers)."""

from __future__ import annotations

import pytest

from commands import events
from commands.errors import PermanentBackendError, RetryableBackendError
from commands.plan import Plan, Step
from workers.engine import Engine, StepFailed, resolve
from workers.steps import base


class MemoryJournal:
    def __init__(self):
        self.done, self.vals, self.runs = set(), {}, 0

    def done_steps(self):
        return set(self.done)

    def values(self):
        return dict(self.vals)

    def mark_done(self, index, values):
        self.done.add(index)
        self.vals = dict(values)

    def mark_undone(self, index):
        self.done.discard(index)

    def attempts(self):
        self.runs += 1
        return self.runs


class World:
    """A tiny backend: a set of things that exist, and switches to make steps fail."""

    def __init__(self):
        self.things: set[str] = set()
        self.fail: dict[str, Exception] = {}
        self.applied: list[str] = []


def _make(name, outputs=None):
    def apply(b, args, ctx):
        if name in b.fail:
            raise b.fail[name]
        b.applied.append(name)
        b.things.add(args.get("thing", name))
        return dict(outputs or {})

    def verify(b, args, ctx):
        return args.get("thing", name) in b.things

    def undo(b, args, ctx):
        b.things.discard(args.get("thing", name))

    def recall(b, args, ctx):
        return {k: v for k, v in (outputs or {}).items() if not k.startswith("secret:")}

    return base.StepImpl(f"test.{name}", apply, verify, undo, recall)


@pytest.fixture
def world(monkeypatch):
    registry = dict(base.REGISTRY)
    for impl in (_make("a", {"sam": "jdoe", "secret:password": "Pw-123456!x"}), _make("b"), _make("c")):
        registry[impl.key] = impl
    monkeypatch.setattr(base, "REGISTRY", registry)
    monkeypatch.setattr("workers.engine.REGISTRY", registry)
    return World()


def _plan(*names, args=None):
    steps = tuple(Step("test", n, dict((args or {}).get(n, {})), f"do {n}") for n in names)
    return Plan("test command", "acme", steps)


def _engine(world):
    published, secrets = [], {}
    engine = Engine(world, published.append, type("S", (), {"put": lambda s, r, n, v: secrets.__setitem__((r, n), v)})())
    return engine, published, secrets


def test_runs_every_step_and_reports_success(world):
    engine, published, _ = _engine(world)
    final = engine.run("r1", _plan("a", "b", "c"), MemoryJournal(), final_attempt=True)
    assert final.kind == events.SUCCEEDED
    assert world.applied == ["a", "b", "c"]
    assert [e.kind for e in published].count(events.STEP_DONE) == 3


def test_outputs_feed_later_steps_and_secrets_stay_out_of_context_and_events(world):
    engine, published, secrets = _engine(world)
    journal = MemoryJournal()
    engine.run("r1", _plan("a", "b", args={"b": {"thing": "${sam}"}}), journal, final_attempt=True)
    assert "jdoe" in world.things
    assert secrets == {("r1", "password"): "Pw-123456!x"}
    assert "Pw-123456!x" not in repr(journal.vals)
    assert all("Pw-123456!x" not in e.to_json() for e in published)
    assert any(e.kind == events.SECRET_READY and e.secret == "password" for e in published)


def test_rerun_continues_where_it_stopped_and_duplicates_nothing(world):
    engine, published, _ = _engine(world)
    journal = MemoryJournal()
    world.fail["b"] = RetryableBackendError("test", "connection refused")
    with pytest.raises(RetryableBackendError):
        engine.run("r1", _plan("a", "b", "c"), journal, final_attempt=False)
    assert published[-1].kind == events.RETRYING
    del world.fail["b"]
    engine.run("r1", _plan("a", "b", "c"), journal, final_attempt=False)
    assert world.applied == ["a", "b", "c"]


def test_effect_already_there_is_skipped_not_applied_twice(world):
    engine, published, _ = _engine(world)
    world.things.add("b")  # e.g. a crash after apply, before the journal was written
    engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=True)
    assert world.applied == ["a"]
    assert [e.kind for e in published if e.step == 2] == [events.STEP_SKIPPED]


def test_final_failure_lists_done_and_pending_steps(world):
    engine, published, _ = _engine(world)
    world.fail["b"] = RetryableBackendError("test", "timed out")
    with pytest.raises(StepFailed) as failed:
        engine.run("r1", _plan("a", "b", "c"), MemoryJournal(), final_attempt=True)
    event = failed.value.event
    assert event.kind == events.FAILED
    assert event.done == ("do a",) and event.pending == ("do b", "do c")
    assert event.undoable and "timed out" in event.error


def test_permanent_error_fails_at_once_even_with_retries_left(world):
    engine, _, _ = _engine(world)
    world.fail["a"] = PermanentBackendError("test", "constraint violation")
    with pytest.raises(StepFailed):
        engine.run("r1", _plan("a"), MemoryJournal(), final_attempt=False)


def test_unexpected_exception_becomes_internal_error_with_reference(world):
    engine, _, _ = _engine(world)
    world.fail["a"] = KeyError("boom")
    with pytest.raises(StepFailed) as failed:
        engine.run("r9", _plan("a"), MemoryJournal(), final_attempt=False)
    assert "internal error" in failed.value.event.error and "r9" in failed.value.event.error


def test_undo_rolls_back_completed_steps_newest_first(world):
    engine, published, _ = _engine(world)
    journal = MemoryJournal()
    world.fail["c"] = PermanentBackendError("test", "refused")
    with pytest.raises(StepFailed):
        engine.run("r1", _plan("a", "b", "c"), journal, final_attempt=True)
    event = engine.undo("r1", _plan("a", "b", "c"), journal)
    assert event.kind == events.UNDONE and event.done == ("do b", "do a")
    assert world.things == set() and journal.done == set()


def test_step_that_does_not_take_effect_is_a_failure(world, monkeypatch):
    engine, _, _ = _engine(world)
    impl = base.REGISTRY["test.a"]
    monkeypatch.setitem(base.REGISTRY, "test.a", base.StepImpl("test.a", lambda b, a, c: {},
                                                                impl.verify, impl.undo))
    with pytest.raises(StepFailed) as failed:
        engine.run("r1", _plan("a"), MemoryJournal(), final_attempt=True)
    assert "effect is not there" in failed.value.event.error


def test_missing_reference_is_a_clear_error():
    with pytest.raises(PermanentBackendError, match=r"\$\{sam\}"):
        resolve({"user": "${sam}"}, {})


class FakeLock:
    def __init__(self, log):
        self.name, self._log = "tobitbot:lock:test", log

    def reacquire(self):   # the engine renews the lock before each step it guards
        return True

    def release(self):
        self._log.append("released")


class FakeAdmission:
    """Admits with a lock held until step `until`, or refuses / fails as told."""

    def __init__(self, world, until="test.a", error=None, lock=FakeLock):
        self.world, self.until, self.error, self.asked, self.lock = world, until, error, 0, lock

    def admit(self, request_id, plan):
        from workers.admission import Held

        self.asked += 1
        if self.error is not None:
            raise self.error
        return Held(self.lock(self.world.applied), self.until)


class UnreachableLock(FakeLock):
    """A lock whose Redis went away while its job ran: renewing and releasing fail."""

    def reacquire(self):
        import redis

        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    release = reacquire


class StickyLock(FakeLock):
    """A lock Redis cannot delete: renewing worked, then Redis went away."""

    release = UnreachableLock.reacquire


def _admitted(world, admission):
    engine, published, _ = _engine(world)
    engine.admission = admission
    return engine, published


def test_a_plan_the_rules_forbid_when_its_job_starts_is_refused_and_runs_no_step(world):
    from commands.errors import RuleViolation
    from workers.engine import Refused

    engine, published = _admitted(world, FakeAdmission(world, error=RuleViolation("R5", "No free licence.")))
    with pytest.raises(Refused) as refused:
        engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=False)
    assert world.applied == []
    event = refused.value.event
    assert published[-1] == event and event.kind == events.REFUSED
    assert event.error == "No free licence. (R5)" and event.pending == ("do a", "do b") and event.done == ()


def test_the_lock_is_let_go_once_the_consuming_step_is_done_not_at_the_end(world):
    engine, _ = _admitted(world, FakeAdmission(world, until="test.a"))
    engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=True)
    assert world.applied == ["a", "released", "b"]


def test_the_lock_is_let_go_when_a_step_before_it_fails(world):
    engine, _ = _admitted(world, FakeAdmission(world, until="test.b"))
    world.fail["a"] = PermanentBackendError("test", "refused")
    with pytest.raises(StepFailed):
        engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=True)
    assert world.applied == ["released"]


def test_a_run_resuming_done_steps_is_not_checked_again(world):
    admission = FakeAdmission(world)
    engine, _ = _admitted(world, admission)
    journal = MemoryJournal()
    journal.mark_done(0, {})
    engine.run("r1", _plan("a", "b"), journal, final_attempt=True)
    assert admission.asked == 0 and world.applied == ["b"]


def test_a_recheck_that_cannot_read_the_state_is_retried_then_fails_at_step_one_with_nothing_done(world):
    admission = FakeAdmission(world, error=RetryableBackendError("ad", "timed out"))
    engine, published = _admitted(world, admission)
    with pytest.raises(RetryableBackendError):
        engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=False)
    assert (published[-1].kind, published[-1].step) == (events.RETRYING, 1)
    with pytest.raises(StepFailed) as failed:
        engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=True)
    event = failed.value.event
    assert (event.kind, event.step, event.done, event.undoable) == (events.FAILED, 1, (), False)
    assert world.applied == []


def test_a_lock_redis_cannot_release_neither_fails_the_step_that_succeeded_nor_hides_a_failure(world):
    engine, published = _admitted(world, FakeAdmission(world, until="test.a", lock=StickyLock))
    engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=True)   # step_done let go
    assert world.applied == ["a", "b"] and published[-1].kind == events.SUCCEEDED

    world.fail["c"] = PermanentBackendError("test", "refused")
    engine, published = _admitted(world, FakeAdmission(world, until="test.c", lock=StickyLock))
    with pytest.raises(StepFailed) as failed:   # the finally let go, and the step's error stays
        engine.run("r2", _plan("c"), MemoryJournal(), final_attempt=True)
    assert failed.value.event.error == "test: refused"


def test_a_lock_that_cannot_be_renewed_before_its_step_is_retried_not_an_internal_error(world):
    engine, published = _admitted(world, FakeAdmission(world, until="test.a", lock=UnreachableLock))
    with pytest.raises(RetryableBackendError, match="redis"):
        engine.run("r1", _plan("a", "b"), MemoryJournal(), final_attempt=False)
    assert world.applied == [] and (published[-1].kind, published[-1].step) == (events.RETRYING, 1)
