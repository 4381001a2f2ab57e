"""On this machine (after scripts/install-system.sh) every real server passes the preflight:
Redis and Kamailio start and answer, a throwaway Samba domain provisions, Chromium renders."""

from __future__ import annotations

import pytest

from tobitbot.servers import preflight

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("server", sorted(preflight.CHECKS))
def test_the_server_starts_here(server):
    finding = preflight.CHECKS[server](True)
    assert finding.ok, finding.problems
    assert finding.version != "-"
