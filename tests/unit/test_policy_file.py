"""Reading the policy file at the edge: a missing or unreadable file names its path."""

from __future__ import annotations

import pytest

from commands.errors import ConfigError
from commands.policy import Identity
from tobitbot.policy_file import load_policy_file, load_policy_or_refuse

GOOD = '[[grants]]\nrole = "admin"\ngroups = ["S_ADMINS"]\ncustomers = ["*"]\n'


def test_reads_and_validates(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policy_file(path).source == str(path)


@pytest.mark.parametrize("content,words", [
    (None, "policy file not found"),
    (b"\xff\xfe[", "not UTF-8"),
    (b'[[grants]]\nrole = "boss"\n', ":2: unknown role 'boss'"),
])
def test_errors_name_the_path(tmp_path, content, words):
    path = tmp_path / "policy.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_policy_file(path)
    assert str(caught.value).startswith(str(path)) and words in str(caught.value)


def test_a_directory_is_unreadable(tmp_path):
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy_file(tmp_path)


def test_a_broken_file_gives_a_policy_that_refuses_and_says_why(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[[grants]]\nrole = "boss"\n', encoding="utf-8")
    policy = load_policy_or_refuse(path)
    decision = policy.decide(Identity("U_A", frozenset({"S_ADMINS"})), "help", None, "C_X")
    assert not decision.allowed and "unknown role 'boss'" in decision.hint
    assert policy.load_error.startswith(str(path))
