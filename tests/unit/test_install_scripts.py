"""The install scripts on a fresh Debian: Python's venv support and Samba's DC parts are
installed, every server is checked after installing (strictly for the tests, as a warning for
the sandbox), and a venv that failed half-way (python there, pip not) is made again instead of
being taken as ready.

The scripts run for real, with apt-get, dpkg-query and Python replaced by recorders on PATH.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$CALLS"\n'


def _tool(path: Path, body: str = RECORDER) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run(tmp_path: Path, script: str, **env: str) -> list[str]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "scripts" / script, repo / "scripts" / script)
    # the real check starts servers: recorded here, or failing where the test says so
    _tool(repo / "scripts" / "check-system.sh", env.pop("CHECK_BODY", RECORDER))
    calls = tmp_path / "calls"
    calls.touch()
    args = env.pop("ARGS", "").split()
    full = {**os.environ, "CALLS": str(calls), **env,
            "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(["bash", str(repo / "scripts" / script), *args], env=full, check=True,
                   capture_output=True, cwd=repo)
    return calls.read_text().splitlines()


def _fresh_debian(tmp_path: Path) -> None:
    _tool(tmp_path / "bin" / "dpkg-query", "#!/bin/sh\nexit 1\n")   # nothing installed yet
    _tool(tmp_path / "bin" / "apt-get")
    _tool(tmp_path / "bin" / "sudo", '#!/bin/sh\nexec "$@"\n')


def test_install_system_installs_python_with_venv(tmp_path):
    _fresh_debian(tmp_path)
    install = [c.split() for c in _run(tmp_path, "install-system.sh") if " install " in c]
    assert install and {"python3", "python3-venv"} <= set(install[0])


def test_install_system_installs_what_a_samba_dc_needs(tmp_path):
    # `samba` alone has neither the AD schema (samba-ad-provision) nor the DC's LDB modules
    _fresh_debian(tmp_path)
    install = [c.split() for c in _run(tmp_path, "install-system.sh") if " install " in c]
    assert {"samba", "samba-ad-dc", "samba-ad-provision"} <= set(install[0])


def test_install_system_checks_the_servers_after_installing(tmp_path):
    _fresh_debian(tmp_path)
    calls = _run(tmp_path, "install-system.sh")
    installed = next(i for i, c in enumerate(calls) if " install " in c)
    assert calls[installed + 1:] == ["check-system.sh "]   # strict: a failure fails the script


def test_install_system_checks_even_when_everything_is_installed(tmp_path):
    _tool(tmp_path / "bin" / "dpkg-query", "#!/bin/sh\necho 'install ok installed'\n")
    _tool(tmp_path / "bin" / "apt-get")
    calls = _run(tmp_path, "install-system.sh")
    assert calls == ["check-system.sh "]


def test_install_system_for_the_sandbox_only_warns(tmp_path):
    _tool(tmp_path / "bin" / "dpkg-query", "#!/bin/sh\necho 'install ok installed'\n")
    assert _run(tmp_path, "install-system.sh", ARGS="--warn") == ["check-system.sh --warn"]


def test_a_failing_check_fails_the_install(tmp_path):
    _tool(tmp_path / "bin" / "dpkg-query", "#!/bin/sh\necho 'install ok installed'\n")
    with pytest.raises(subprocess.CalledProcessError):
        _run(tmp_path, "install-system.sh", CHECK_BODY="#!/bin/sh\nexit 1\n")


def _fake_python(tmp_path: Path) -> Path:
    """A python3 whose `-m venv` makes a venv of recorders (python and pip)."""
    python = tmp_path / "bin" / "python3"
    _tool(python, RECORDER + 'if [ "$1" = "-m" ] && [ "$2" = venv ]; then\n'
          '  mkdir -p .venv/bin\n'
          f'  cp "{python}" .venv/bin/python; cp "{python}" .venv/bin/pip\nfi\n')
    return python


def test_install_python_makes_the_venv_again_when_pip_is_missing(tmp_path):
    python = _fake_python(tmp_path)
    _tool(tmp_path / "repo" / ".venv" / "bin" / "python")   # left by a failed `python3 -m venv`
    calls = _run(tmp_path, "install-python.sh", PYTHON=str(python))
    assert "python3 -m venv --clear .venv" in calls
    assert (tmp_path / "repo" / ".venv" / "bin" / "pip").exists()


def test_install_python_keeps_a_complete_venv(tmp_path):
    python = _fake_python(tmp_path)
    _tool(tmp_path / "repo" / ".venv" / "bin" / "python")
    _tool(tmp_path / "repo" / ".venv" / "bin" / "pip")
    calls = _run(tmp_path, "install-python.sh", PYTHON=str(python))
    assert not any(" venv " in call for call in calls)
    assert any(call.startswith("python -m pip install") for call in calls)


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_is_pinned_in_the_constraints():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in (*project["dependencies"],
                                       *project["optional-dependencies"]["test"])]
    pins = _pins()
    unpinned = [r.name for r in wanted if canonicalize_name(r.name) not in pins]
    assert not unpinned, "pin these in constraints.txt (pip freeze --exclude-editable)"
    for requirement in wanted:   # and each pin satisfies what pyproject.toml asks for
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)]), requirement


def test_install_python_installs_the_pinned_versions(tmp_path):
    python = _fake_python(tmp_path)
    calls = _run(tmp_path, "install-python.sh", PYTHON=str(python))
    installs = [call for call in calls if call.startswith("python -m pip install")]
    assert installs and all("-c constraints.txt" in call for call in installs)
