"""Step implementations, one module per backend; `load_all` registers them."""

from __future__ import annotations

import importlib

_MODULES = ("workers.steps.ad", "workers.steps.tobit", "workers.steps.pbx")


def load_all() -> None:
    """Import every backend's step module (each registers its steps once)."""
    for name in _MODULES:
        importlib.import_module(name)
