"""How a step is implemented: apply, verify and (where it makes sense) undo.

Each implementation is registered under its catalogue key (`commands.steps.CATALOGUE`).
`verify` reads the real state and says whether the step's effect is already there; the engine
calls it before `apply` (skip when done: re-runs duplicate nothing) and after (prove it).
Outputs are merged into the job context for later steps' "${name}" arguments. An output whose
key starts with "secret:" never enters the context, Redis or a log in clear text: the engine
hands it, encrypted, to the requester only (R18).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from workers.ports import Directory, MailServers, Pbx


@dataclass
class Backends:
    directory: Directory
    mail: MailServers
    pbx: Pbx


@dataclass
class StepContext:
    request_id: str
    values: dict[str, Any] = field(default_factory=dict)


Apply = Callable[[Backends, dict[str, Any], StepContext], dict[str, Any] | None]
Verify = Callable[[Backends, dict[str, Any], StepContext], bool]
Undo = Callable[[Backends, dict[str, Any], StepContext], None]


@dataclass(frozen=True)
class StepImpl:
    key: str
    apply: Apply
    verify: Verify
    undo: Undo | None = None
    # outputs of an already-applied step, recomputed on skip (e.g. the sam of the account)
    recall: Callable[[Backends, dict[str, Any], StepContext], dict[str, Any]] | None = None


REGISTRY: dict[str, StepImpl] = {}


def register(impl: StepImpl) -> StepImpl:
    if impl.key in REGISTRY:
        raise ValueError(f"step {impl.key} registered twice")
    REGISTRY[impl.key] = impl
    return impl
