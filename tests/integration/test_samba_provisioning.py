"""A Samba domain whose provisioning was cut short is provisioned again, not started broken."""

from __future__ import annotations

import logging
import shutil

import pytest

from tobitbot.servers.samba import SambaDC, free_loopback_ip

pytestmark = pytest.mark.integration


def test_a_half_provisioned_dir_is_removed_and_provisioned_again(tmp_path, caplog):
    if shutil.which("samba") is None and shutil.which("samba", path="/usr/sbin") is None:
        pytest.skip("samba is not installed: run scripts/install-system.sh")
    dc = SambaDC(tmp_path / "dc", host_ip=free_loopback_ip())
    # what samba-tool leaves when interrupted half-way: smb.conf and sam.ldb, but no domain
    (dc.data_dir / "etc").mkdir(parents=True)
    (dc.data_dir / "private").mkdir()
    dc.smb_conf.write_text("[global]\n\tnetbios name = HALF\n")
    (dc.data_dir / "private" / "sam.ldb").write_bytes(b"not yet a database")
    with caplog.at_level(logging.WARNING, logger="tobitbot.servers.samba"):
        dc.start(timeout=60)
    try:
        assert "provisioning never finished" in caplog.text
        assert dc.is_provisioned() and dc.provisioned_marker.exists()
        assert dc.ensure_customers_ou().startswith("OU=Customers,")   # a working domain
    finally:
        dc.stop()
