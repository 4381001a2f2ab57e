"""Building a plan's steps only from the step catalogue, with exactly its argument names."""

from __future__ import annotations

from typing import Any

from commands.plan import Step
from commands.steps import CATALOGUE


def step(key: str, summary: str, /, **args: Any) -> Step:
    """A Step for catalogue entry `key`; a wrong key or argument set is a planner bug."""
    spec = CATALOGUE[key]
    if set(args) != set(spec.args):
        raise ValueError(f"{key} takes {spec.args}, not {tuple(args)}")
    backend, action = key.split(".", 1)
    return Step(backend, action, {name: args[name] for name in spec.args}, summary)
