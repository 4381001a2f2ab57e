"""The policy modules stay in the pure core: standard library and `commands` only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

COMMANDS = Path(__file__).resolve().parents[2] / "commands"
MODULES = sorted([COMMANDS / "roles.py", *COMMANDS.glob("policy*.py")])


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_the_standard_library_and_commands(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in ("commands", "__future__"), name


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 300
