"""Test tiers: tests/unit (no servers), tests/integration (real servers), tests/e2e (the whole bot).

Each real server's fixtures live in their own plugin module under tests/fixtures/.
"""

pytest_plugins = [
    "tests.fixtures.redis",
    "tests.fixtures.samba",
    "tests.fixtures.kamailio",
    "tests.fixtures.tobit",
    "tests.fixtures.slack",
    "tests.fixtures.bot",
    "tests.fixtures.worker",
]
