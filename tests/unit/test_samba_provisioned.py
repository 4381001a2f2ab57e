"""Which Samba data dirs hold a domain: samba-tool writes smb.conf and sam.ldb long before it
has finished, so those alone must not count (a Ctrl-C during provisioning left such dirs)."""

from __future__ import annotations

from tobitbot.servers.samba import SambaDC


def _files(root, *paths):
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x")


def test_smb_conf_and_sam_ldb_alone_are_a_provisioning_that_never_finished(tmp_path):
    dc = SambaDC(tmp_path / "dc")
    _files(dc.data_dir, "etc/smb.conf", "private/sam.ldb")
    assert not dc.is_provisioned() and dc.is_half_provisioned()


def test_the_marker_written_after_samba_tool_succeeded_makes_a_domain(tmp_path):
    dc = SambaDC(tmp_path / "dc")
    _files(dc.data_dir, "etc/smb.conf", "private/sam.ldb", ".provisioned")
    assert dc.is_provisioned() and not dc.is_half_provisioned()


def test_a_domain_from_before_the_marker_that_samba_served_is_kept(tmp_path):
    dc = SambaDC(tmp_path / "dc")
    _files(dc.data_dir, "etc/smb.conf", "private/sam.ldb", "private/tls/ca.pem")
    assert dc.is_provisioned() and not dc.is_half_provisioned()


def test_an_empty_or_missing_dir_is_simply_not_provisioned(tmp_path):
    assert not SambaDC(tmp_path / "missing").is_half_provisioned()
    _files(tmp_path / "dc", "samba.log")
    dc = SambaDC(tmp_path / "dc")
    assert not dc.is_provisioned() and not dc.is_half_provisioned()
