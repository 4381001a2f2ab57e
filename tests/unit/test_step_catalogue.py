"""The contract between planner and workers: every catalogue step is implemented and proved.

Each key a plan may contain (commands.steps.CATALOGUE) has a registered implementation with
apply and verify, an undo exactly where the catalogue says it can be undone, and a case in the
integration table that runs it on the real server (tests/integration/test_step_catalogue.py).
"""

from __future__ import annotations

import pytest

from commands.steps import CATALOGUE
from tests.integration.test_step_catalogue import CASES
from workers.steps import load_all
from workers.steps.base import REGISTRY

load_all()


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_catalogued_step_has_apply_verify_and_its_undo(key):
    impl = REGISTRY.get(key)
    assert impl is not None, f"{key} is in the catalogue but no worker implements it"
    assert callable(impl.apply) and callable(impl.verify)
    assert (impl.undo is not None) == CATALOGUE[key].undoable


def test_workers_implement_nothing_the_planner_cannot_ask_for():
    assert set(REGISTRY) == set(CATALOGUE)


def test_every_catalogued_step_runs_against_a_real_backend_in_the_integration_tier():
    assert set(CASES) == set(CATALOGUE)
