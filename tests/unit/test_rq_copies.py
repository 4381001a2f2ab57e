"""RQ code that workers/rq_worker.py copied and changed is still the code it was copied from.

ProvisioningWorker overrides two RQ methods with edited copies (the scheduler class it starts, the
lock it cleans under). A new RQ that changes the originals would leave the copies running the old
code silently; pyproject.toml pins RQ's minor, and this test names what to re-read on an upgrade.
The fingerprint ignores docstrings, comments and layout (the AST, unparsed), not the code.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import textwrap

import pytest
import rq
from rq import Worker

from workers.rq_worker import ProvisioningWorker

COPIED_FROM = "2.12.0"
COPIES = [   # (RQ's function, our copy, the fingerprint of RQ's when it was copied)
    (Worker._start_scheduler, ProvisioningWorker._start_scheduler,
     "0b78f6d05a3c13a7a92547af22468941fc8f5f07563dd4e9b2f6b5f12b9700b9"),
    (Worker.clean_registries, ProvisioningWorker.clean_registries,
     "ea599f49475bb49725a39c2eedbba4a4fd135d3a909e143c11b384b3fbbe75fa"),
]


def fingerprint(function) -> str:
    [definition] = ast.parse(textwrap.dedent(inspect.getsource(function))).body
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        del body[0]   # the docstring
    definition.name = "f"   # the signature and body, not the name
    return hashlib.sha256(ast.unparse(definition).encode()).hexdigest()


@pytest.mark.parametrize("upstream, copy, recorded", COPIES, ids=lambda v: getattr(v, "__qualname__", ""))
def test_the_rq_code_a_worker_method_copies_has_not_changed(upstream, copy, recorded):
    assert fingerprint(upstream) == recorded, (
        f"rq {rq.VERSION}'s {upstream.__qualname__} is not the one {copy.__qualname__} in "
        f"{inspect.getsourcefile(copy)} was copied from (rq {COPIED_FROM}): re-check the copy against "
        f"it, then record the new fingerprint and version here and the rq pin in pyproject.toml")


def _cleaner(queues):
    """Cleans."""
    for queue in queues:   # one by one
        queue.clean()


def _cleaner_documented(queues):
    """Cleans every queue, one by one; the comment and this docstring differ."""
    for queue in queues:
        queue.clean()


def _cleaner_changed(queues):
    """Cleans."""
    for queue in queues:
        queue.clean(lock=True)


@pytest.mark.parametrize("other, same", [(_cleaner_documented, True), (_cleaner_changed, False)])
def test_a_fingerprint_changes_with_the_code_not_with_its_words(other, same):
    assert (fingerprint(other) == fingerprint(_cleaner)) is same
