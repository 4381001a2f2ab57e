"""App Home's lists against real Redis: "Approvals waiting for you" shows only what the person's
vote would count for, and a command is shown as typed, never as a ping."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis

from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.home import AppHome
from bot.request_store import RequestRecord
from commands.approval import ApprovalState
from commands.break_glass import REVIEW_SLOTS
from commands.policy import Identity, load_policy_text

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy_text((ROOT / "tests" / "e2e" / "policy.e2e.toml").read_text())
GROUPS = {"U_OLGA": "S_OPERATORS", "U_ANTON": "S_APPROVERS", "U_BERTA": "S_APPROVERS",
          "U_ADAM": "S_ADMINS", "U_BEA": "S_ADMINS"}


class Groups:
    def identity(self, user_id: str) -> Identity:
        return Identity(user_id, frozenset({GROUPS[user_id]}))


@pytest.fixture
def home(redis_url):
    client = redis.Redis.from_url(redis_url)
    deps = BotDeps(redis=client, reader=None, policy=lambda: POLICY, queue=None, secrets=None)
    yield deps, AppHome(deps, Groups())
    client.close()


def _ask(deps, request_id, requester, command, slots, votes=(), break_glass=None):
    deps.requests.save(RequestRecord(request_id, requester, "C_SUPPORT", command, "acme", {"steps": []},
                                     break_glass_reason=break_glass))
    ApprovalStore(deps.redis).create(ApprovalState(
        request_id, requester, command, command.split()[0], "acme", "f", time.time() + 3600,
        slots=tuple(slots), votes=tuple((user, role, time.time()) for user, role in votes)))


def _waiting(app, user) -> set[str]:
    return {rid for rid in ("r-plain", "r-review", "r-two") if f"`{rid}`" in app.pending(user)}


def test_approvals_waiting_are_only_those_the_persons_vote_would_count_for(home):
    deps, app = home
    _ask(deps, "r-plain", "U_OLGA", "reset-password acme jdoe", ("approver",))
    _ask(deps, "r-review", "U_ADAM", "reset-password acme ceo", REVIEW_SLOTS, break_glass="CEO locked out")
    _ask(deps, "r-two", "U_OLGA", "remove-user acme jdoe mail=export", ("approver", "admin"),
         votes=(("U_ANTON", "approver"),))

    assert _waiting(app, "U_BERTA") == {"r-plain"}     # the review and the admin's slot are not hers
    assert _waiting(app, "U_ANTON") == {"r-plain"}     # and he has voted on r-two already
    assert _waiting(app, "U_BEA") == {"r-plain", "r-review", "r-two"}
    assert _waiting(app, "U_ADAM") == {"r-plain", "r-two"}   # not the review of his own run
    assert _waiting(app, "U_OLGA") == set()


def test_commands_are_shown_as_typed_not_as_pings(home):
    deps, app = home
    command = 'reset-password acme "<!channel> x"'
    _ask(deps, "r-plain", "U_OLGA", command, ("approver",))

    waiting, recent = app.pending("U_ANTON"), app.recent("U_OLGA")
    for shown in (waiting, recent):
        assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<@U_OLGA>" in waiting          # the bot's own mention stays
