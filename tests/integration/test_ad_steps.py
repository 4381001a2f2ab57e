"""The ad.* steps through the engine on real Samba: add a user, re-run, undo."""

from __future__ import annotations

import pytest

from commands.plan import Plan, Step
from tests.unit.test_steps_ad import _Journal, _Secrets
from workers.ad import LdapDirectory
from workers.engine import Engine
from workers.steps.base import Backends
import workers.steps.ad  # noqa: F401  (registers the ad.* steps)

pytestmark = pytest.mark.integration


def test_add_user_plan_on_real_ad_reruns_and_undoes(ad_settings, customer_ou):
    customer_ou("acme")
    directory = LdapDirectory(**ad_settings)
    user = {"customer": "acme", "user": "${sam}"}
    plan = Plan("add-user acme Jane Doe", "acme", (
        Step("ad", "create_user", {"customer": "acme", "given_name": "Jane", "surname": "Doe",
                                   "display_name": "Jane Doe", "email": None, "solo": False}, "create"),
        Step("ad", "set_password", {**user, "must_change": False}, "password"),
        Step("ad", "enable_user", user, "enable"),
        Step("ad", "add_to_group", {**user, "group": "activesync-users"}, "activesync"),
        Step("ad", "add_fax_number", {**user, "number": "+4930123"}, "fax"),
    ))
    engine = Engine(Backends(directory, None, None), lambda e: None, _Secrets())
    engine.run("req-int", plan, _Journal(), final_attempt=True)
    engine.run("req-int", plan, _Journal(), final_attempt=True)   # journal lost: no duplicate
    state = directory.customer("acme")
    assert [(u.sam, u.enabled, u.activesync, u.fax_numbers) for u in state.users] == [
        ("jdoe", True, True, ("+4930123",))]
    journal = _Journal()
    undo_plan = Plan(plan.command, "acme", (plan.steps[0], plan.steps[2], plan.steps[3]))
    engine.run("req-int", undo_plan, journal, final_attempt=True)
    engine.undo("req-int", undo_plan, journal)
    assert directory.customer("acme").users == ()
