"""Loading a policy file: every mistake is a ConfigError naming its line; the example is safe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commands.errors import ConfigError
from commands.policy import load_policy_text
from commands.policy_catalogue import ALWAYS_RISKY, KNOWN_COMMANDS, RISKY_WHEN_FLOOR
from commands.policy_lines import LineIndex
from commands.policy_schema import parse_duration
from commands.roles import Identity, Role

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "policy.example.toml"

# A valid base; each case appends lines to it, so a case's line numbers start at BASE_LINES + 1.
BASE = """\
[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]
"""
BASE_LINES = BASE.count("\n")

BAD = [
    # (appended text, line of the problem counted within the appended text, words in the message)
    ('[[grants]]\nrole = "oprator"\ngroups = ["S_X"]\ncustomers = ["*"]\n', 2,
     "unknown role 'oprator' (did you mean 'operator'?)"),
    ('[[grants]]\nrole = "admin"\ngroups = ["S_X"]\n', 1, "customers is missing"),
    ('[[grants]]\nrole = "admin"\ncustomers = ["*"]\n', 1, "gives its role to nobody"),
    ('[[grants]]\nrole = "admin"\ngroups = ["U_BOB"]\ncustomers = ["*"]\n', 3,
     "'U_BOB' is not a Slack user group id"),
    ('[[grants]]\nrole = "admin"\nusers = ["S_OPS"]\ncustomers = ["*"]\n', 3,
     "'S_OPS' is not a Slack user id"),
    ('[[grants]]\nrole = "admin"\nusers = ["U_B"]\ncustomers = ["*", "acme"]\n', 4,
     '"*" already means all customers'),
    ('[[grants]]\nrole = "admin"\nusers = ["U_B"]\ncustomers = []\n', 4, "customers is empty"),
    ('[[grants]]\nrole = "admin"\nuser = ["U_B"]\ncustomers = ["*"]\n', 3,
     "unknown key 'user' in [[grants]] (did you mean 'users'?)"),
    ("[commands.remove-usr]\nmin_role = \"operator\"\n", 1,
     "unknown command 'remove-usr' (did you mean 'remove-user'?)"),
    ("[commands.add-user]\nmin_role = \"operator\"\naprovals = 2\n", 3,
     "unknown key 'aprovals' in [commands.add-user] (did you mean 'approvals'?)"),
    ("[commands.add-user]\nmin_role = \"boss\"\n", 2, "unknown role 'boss'"),
    ("[commands.add-user]\nrisky = false\n", 1, "[commands.add-user] needs min_role"),
    ("[commands.add-user]\nmin_role = \"viewer\"\n", 2, "viewer is for reports only"),
    ("[commands.remove-user]\nmin_role = \"operator\"\nrisky = false\n", 3,
     "remove-user is always risky"),
    ("[commands.book]\nmin_role = \"admin\"\nrisky = false\n", 3, "book is always risky"),
    ("[commands.enable-fax]\nmin_role = \"operator\"\nrisky = false\n", 3,
     "enable-fax is risky when mode = 'dedicated'"),
    ("[commands.disable-fax]\nmin_role = \"operator\"\nrisky_when = { mode = \"shared\" }\n", 3,
     "keep it in risky_when"),
    ("[commands.remove-user]\nmin_role = \"operator\"\napprovals = 0\n", 3,
     "approvals must be a whole number of at least 1"),
    ("[commands.cancel]\nmin_role = \"operator\"\napprover_roles = [\"approver\", \"admin\"]\n", 3,
     "2 approver_roles but only 1 approvals"),
    ("[commands.cancel]\nmin_role = \"operator\"\napprover_roles = [\"operator\"]\n", 3,
     "operator cannot approve"),
    ("[commands.add-user]\nmin_role = \"operator\"\nbreak_glass = true\n", 3,
     "break_glass only applies to risky commands"),
    ("[commands.add-user]\nmin_role = \"operator\"\nticket = \"always\"\n", 3,
     "ticket must be \"required\" or \"optional\""),
    ("[commands.quota]\nrisky = true\n", 2, "quota only reads"),
    ("[defaults]\nticket_pattern = \"^SUP-[0-9+$\"\n", 2, "not a valid regular expression"),
    ("[defaults]\napproval_expiry = \"4 hours\"\n", 2, "is not a duration"),
    ("[defaults]\napproval_expiry = \"0m\"\n", 2, "is zero"),
    ("[defaults]\napproval_expiry = \"30d\"\n", 2, "longer than 7d"),
    ("[defaults]\nticket_for_risky = \"yes\"\n", 2, "ticket_for_risky must be true or false"),
    ("[defaults]\nticket_pattern = \"^SUP-[0-9]+$\"\nticket_example = \"JIRA-1\"\n", 3,
     "does not match ticket_pattern"),
    ("[defaults]\nticket_example = 1234\n", 2, "ticket_example must be one ticket id"),
    ("[[channels]]\nid = \"support\"\ncustomers = [\"*\"]\n", 2, "Slack channel id"),
    ("[[channels]]\nid = \"C_A\"\ncustomers = [\"*\"]\n[[channels]]\nid = \"C_A\"\n"
     "customers = [\"*\"]\n", 5, "listed twice"),
    ("[[channels]]\nid = \"C_A\"\n", 1, "customers is missing"),
    ("[[channels]]\nid = \"C_A\"\ncustomers = [\"*\"]\nread_only = 1\n", 4,
     "read_only must be true or false"),
    ("[commands]\nadd-user = { min_role = \"operater\" }\n", 2, "unknown role 'operater'"),
    ("[defaults]\n[defaults]\n", 2, "not valid TOML"),
    ("[[grants]\n", 1, "not valid TOML"),
]


@pytest.mark.parametrize("extra,line,words", BAD)
def test_loader_names_the_line_of_each_mistake(extra, line, words):
    with pytest.raises(ConfigError) as caught:
        load_policy_text(BASE + extra, "deploy/policy.toml")
    message = str(caught.value)
    found = [m for m in message.splitlines() if words in m]
    assert found, message
    assert found[0].startswith(f"deploy/policy.toml:{BASE_LINES + line}: "), message


def test_unknown_top_level_key():
    with pytest.raises(ConfigError) as caught:
        load_policy_text('# policy\nfrobs = 1\n' + BASE, "p.toml")
    assert str(caught.value).startswith("p.toml:2: unknown key 'frobs' in the policy file")


def test_every_problem_is_reported_at_once_in_line_order():
    text = BASE + '[commands.add-user]\nmin_role = "boss"\n[defaults]\napproval_expiry = "x"\n'
    with pytest.raises(ConfigError) as caught:
        load_policy_text(text, "p.toml")
    lines = str(caught.value).splitlines()
    assert [re.match(r"p\.toml:(\d+):", l).group(1) for l in lines] == ["6", "8"]


def test_the_example_loads_and_is_safe():
    policy = load_policy_text(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
    operator = Identity("U_O", frozenset({"S_OPERATORS"}))
    for name in ALWAYS_RISKY:
        rule = policy.rule(name)
        assert rule is not None and rule.is_risky({}), name
    for name, (key, value) in RISKY_WHEN_FLOOR.items():
        assert policy.rule(name).is_risky({key: value}), name
        assert not policy.rule(name).is_risky({key: "shared"}), name
    assert policy.decide(operator, "add-user", "acme", "C_SUPPORT").allowed
    assert not policy.decide(operator, "add-user", "acme", "C_AUDIT").allowed
    assert policy.decide(operator, "quota", "acme", "C_AUDIT").allowed
    assert not policy.decide(Identity("U_NEW"), "help", None, "C_SUPPORT").allowed
    assert policy.defaults.ticket_for_risky is False
    assert policy.approval_expiry_seconds == 4 * 3600


def test_risky_commands_left_implicit_stay_risky():
    text = BASE + ('[commands.remove-user]\nmin_role = "operator"\n'
                   '[commands.enable-fax]\nmin_role = "operator"\n')
    policy = load_policy_text(text)
    assert policy.rule("remove-user").is_risky({})
    assert policy.rule("enable-fax").is_risky({"mode": "dedicated"})
    assert not policy.rule("enable-fax").is_risky({"mode": "shared"})


def test_no_defaults_means_the_safe_defaults():
    policy = load_policy_text(BASE + '[commands.remove-user]\nmin_role = "operator"\n')
    assert policy.defaults.ticket_for_risky is True
    assert policy.approval_expiry_seconds == 4 * 3600


def test_every_known_command_can_be_listed():
    body = "".join(f'[commands.{name}]\nmin_role = "admin"\n' for name in sorted(KNOWN_COMMANDS))
    policy = load_policy_text(BASE + body)
    assert {r.name for r in policy.commands} == KNOWN_COMMANDS
    assert policy.rule("jobs").min_role == Role.ADMIN


@pytest.mark.parametrize("text,seconds", [
    ("4h", 14400), ("30m", 1800), ("1h30m", 5400), ("2d", 172800), ("90s", 90), (" 1h ", 3600),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "4", "h", "4 h", "1m1h", "-1h", "0s", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


LINES_TEXT = '''\
# a comment
[defaults]
approval_expiry = "4h"

[[grants]]
role = "operator"
groups = [
  "S_A",
]
note = """
role = "not a key"
"""
[[grants]]
"role" = "admin"
[commands."add-user"]
risky_when = { mode = "dedicated" }
[commands]
dotted.key = 1
'''


@pytest.mark.parametrize("path,line", [
    (("defaults",), 2), (("defaults", "approval_expiry"), 3),
    (("grants", 0), 5), (("grants", 0, "role"), 6), (("grants", 0, "groups", 0), 7),
    (("grants", 1), 13), (("grants", 1, "role"), 14), (("grants", 1, "customers"), 13),
    (("commands", "add-user", "risky_when", "mode"), 16),
    (("commands", "dotted", "key"), 18), (("nowhere", "at", "all"), 1),
])
def test_line_index_finds_keys_tables_and_array_elements(path, line):
    assert LineIndex(LINES_TEXT).line_of(path) == line
