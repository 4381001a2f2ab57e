"""The house's shape, checked: commands/ is pure, bot/ and workers/ never import each other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports_of(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def top(name: str) -> str:
    return name.split(".")[0]


# The one third-party import commands/ may make: phonenumbers is data and parsing only (no I/O,
# no network, no state), and a country's trunk prefixes and number lengths are not something to
# write by hand (a home-made parser kept the 0 of "+49 030 ...", a second number for one line).
PURE_THIRD_PARTY = {"phonenumbers"}


def test_commands_uses_only_the_standard_library():
    bad = [(f, m) for f, m in imports_of("commands")
           if top(m) not in sys.stdlib_module_names
           and top(m) not in ("commands", "__future__", *PURE_THIRD_PARTY)]
    assert bad == []


def test_phonenumbers_is_used_only_where_numbers_are_parsed_and_shown():
    assert {f for f, m in imports_of("commands") if top(m) in PURE_THIRD_PARTY} == {"commands/phone.py"}


@pytest.mark.parametrize("package, forbidden", [
    ("workers", {"slack_bolt", "slack_sdk", "bot", "tobitbot"}),
    ("bot", {"workers", "ldap3", "tobitbot"}),
    ("commands", {"redis", "rq", "ldap3", "slack_bolt", "slack_sdk", "bot", "workers", "tobitbot"}),
])
def test_dependencies_point_one_way(package, forbidden):
    assert [(f, m) for f, m in imports_of(package) if top(m) in forbidden] == []


def test_nothing_connects_at_import_time():
    """Importing every module opens no socket (settings and wiring happen at start-up)."""
    import socket

    opened = []
    real = socket.socket.connect

    def spy(self, *args):
        opened.append(args)
        return real(self, *args)

    socket.socket.connect = spy
    try:
        import importlib

        for package in ("commands", "bot", "workers"):
            for path in sorted((ROOT / package).rglob("*.py")):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                importlib.import_module(module.removesuffix(".__init__"))
    finally:
        socket.socket.connect = real
    assert opened == []
