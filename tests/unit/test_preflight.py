"""The preflight names the Debian package behind each part a server is missing, and fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tobitbot.servers import preflight
from tobitbot.servers.kamailio import CONFIG
from tobitbot.servers.preflight import Finding, kamailio_module_problems, samba_file_problems


def _samba_setup(root: Path, *, schema: bool, modules: bool) -> tuple[Path, Path]:
    setup, ldb = root / "setup", root / "ldb"
    for name in preflight.SAMBA_SCHEMA_FILES if schema else ():
        (setup / name).parent.mkdir(parents=True, exist_ok=True)
        (setup / name).touch()
    ldb.mkdir()
    for name in preflight.SAMBA_LDB_MODULES if modules else ():
        (ldb / name).touch()
    return setup, ldb


@pytest.fixture
def samba_installed(monkeypatch):
    monkeypatch.setattr(preflight, "which", lambda name: f"/usr/sbin/{name}")


@pytest.mark.parametrize("schema, modules, packages", [
    (False, True, ["samba-ad-provision"]),      # Debian 12's `samba` without its recommends
    (True, False, ["samba-ad-dc"]),             # "Module [samba_secrets] not found"
    (False, False, ["samba-ad-provision", "samba-ad-dc"]),
    (True, True, []),
])
def test_each_missing_samba_part_names_its_package(tmp_path, samba_installed, schema, modules,
                                                   packages):
    setup, ldb = _samba_setup(tmp_path, schema=schema, modules=modules)
    problems = samba_file_problems(setup, ldb)
    assert [p.rsplit("install ", 1)[1] for p in problems] == packages


def test_without_samba_nothing_else_is_looked_for(tmp_path, monkeypatch):
    monkeypatch.setattr(preflight, "which", lambda name: None)
    assert samba_file_problems(tmp_path, tmp_path) == [
        "samba not found (install samba)", "samba-tool not found (install samba)"]


def test_kamailio_modules_name_the_package_that_brings_them(tmp_path):
    for module in ("tm", "htable", "jsonrpcs"):   # the rest of the config's modules are absent
        (tmp_path / f"{module}.so").touch()
    problems = kamailio_module_problems(CONFIG, tmp_path)
    assert "module db_sqlite.so is missing: install kamailio-sqlite-modules" in problems
    assert "module json.so is missing: install kamailio-json-modules" in problems
    assert "module sl.so is missing: install kamailio" in problems
    assert not any(m in p for p in problems for m in ("tm.so", "htable.so", "jsonrpcs.so"))


def test_a_server_that_cannot_start_fails_the_check_unless_only_warned(monkeypatch, capsys):
    broken = Finding("Samba AD DC", "4.17", ["the DC's LDB modules are missing: install samba-ad-dc"])
    monkeypatch.setattr(preflight, "CHECKS", {"redis": lambda start: Finding("Redis", "7.0"),
                                              "samba": lambda start: broken})
    assert preflight.main([]) == 1
    out = capsys.readouterr()
    assert "Redis" in out.out and "-> ok" in out.out
    assert "CANNOT START: the DC's LDB modules are missing: install samba-ad-dc" in out.out
    assert "Samba AD DC cannot start here" in out.err
    assert preflight.main(["--warn"]) == 0
    assert preflight.main(["redis"]) == 0


def test_an_unknown_server_is_refused():
    with pytest.raises(SystemExit):
        preflight.main(["postgres"])
