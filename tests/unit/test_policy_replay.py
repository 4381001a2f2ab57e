"""policy_replay: past audit entries decided again under another policy, as a table of cases."""

from __future__ import annotations

import pytest

from commands.policy import load_policy_text
from commands.policy_replay import replay

HEAD = """
[defaults]
ticket_for_risky = false   # the ticket cases below ask for one by command

[commands.add-user]
min_role = "operator"

[commands.remove-user]
min_role = "operator"
risky = true

[[channels]]
id = "C_SUPPORT"
customers = ["*"]

[[grants]]
role = "approver"
groups = ["S_APPROVERS"]
customers = ["*"]
"""
OPERATORS = """
[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]
"""
ALICE_BOTH = """
[[grants]]
role = "operator"
users = ["U_ALICE"]
customers = ["acme", "globex"]
"""
ALICE_ACME = ALICE_BOTH.replace('["acme", "globex"]', '["acme"]')
NOBODY_ACME = ALICE_ACME.replace("U_ALICE", "U_NOBODY")

OLD = load_policy_text(HEAD + OPERATORS + ALICE_BOTH)
NEW = {
    "same": OLD,
    "no operators": load_policy_text(HEAD + ALICE_BOTH),
    "alice narrowed": load_policy_text(HEAD + OPERATORS + ALICE_ACME),
    "nobody granted": load_policy_text(HEAD + OPERATORS + ALICE_BOTH + NOBODY_ACME),
}


def entry(action, actor, text, groups=(), **fields):
    name = text.split()[1] if text.startswith("plan ") else text.split()[0]
    return {"at": 1_700_000_000.0, "action": action, "actor": actor, "groups": sorted(groups),
            "channel": "C_SUPPORT", "text": text, "command_name": name, **fields}


BOB_ADDS = entry("allowed", "U_BOB", 'add-user acme "Jane Doe"', ["S_OPERATORS"])
ALICE_ON_GLOBEX = entry("allowed", "U_ALICE", 'add-user globex "Jane Doe"')
ALICE_ON_ACME = entry("allowed", "U_ALICE", "remove-user acme jdoe mail=archive", risky=True)
NOBODY_REFUSED = entry("refused", "U_NOBODY", 'add-user acme "Jane Doe"',
                       reason="You have no role for acme.")

CASES = [
    # id, new policy, entries, expected changed lines (suffix before the reason), skipped notes
    ("unchanged", "same", [BOB_ADDS, ALICE_ON_GLOBEX, NOBODY_REFUSED], [], 0),
    ("newly refused", "no operators", [BOB_ADDS],
     ["U_BOB add-user on acme: allowed -> refused"], 0),
    ("newly allowed", "nobody granted", [NOBODY_REFUSED],
     ["U_NOBODY add-user on acme: refused -> allowed"], 0),
    ("scoped grant narrowed", "alice narrowed", [ALICE_ON_GLOBEX, ALICE_ON_ACME],
     ["U_ALICE add-user on globex: allowed -> refused"], 0),
    ("unparsable old text skipped with a note", "no operators",
     [entry("allowed", "U_BOB", "add-user acme", ["S_OPERATORS"]), BOB_ADDS],
     ["U_BOB add-user on acme: allowed -> refused"], 1),
    ("parse-error refusals never reached the policy", "no operators",
     [{"at": 1.0, "action": "refused", "actor": "U_BOB", "text": "frobnicate", "reason": "?"}],
     [], 0),
    ("a service-rule refusal was allowed by the policy", "no operators",
     [entry("refused", "U_BOB", 'add-user acme "Fax Zentrale"', ["S_OPERATORS"], rule="R5")],
     ["U_BOB add-user on acme: allowed -> refused"], 0),
    ("ticket and break-glass words are not the command", "no operators",
     [entry("allowed", "U_BOB", '--break-glass reason="mailbox leaks" remove-user acme jdoe '
            'mail=archive ticket=SUP-12', ["S_OPERATORS"])],
     ["U_BOB remove-user on acme: allowed -> refused"], 0),
    ("plan is decided as plan, on its command's customer", "no operators",
     [entry("allowed", "U_BOB", "plan remove-user acme jdoe mail=archive", ["S_OPERATORS"])],
     ["U_BOB plan on acme: allowed -> refused"], 0),
    ("entries without groups are skipped", "same",
     [{**BOB_ADDS, "groups": None}], [], 1),
]


@pytest.mark.parametrize("new, entries, expected, skipped",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_replay(new, entries, expected, skipped):
    result = replay(entries, NEW[new], OLD)
    assert [c.line().split(" (")[0][len("2023-11-14 22:13:20Z "):] for c in result.changed] \
        == expected
    assert len(result.skipped) == skipped
    assert result.replayed == sum(1 for e in entries if e.get("command_name")) - skipped


def test_a_refusal_after_the_policy_allowed_it_is_not_a_policy_refusal():
    # an unknown customer: refused without a rule, but the policy in force allows it
    unknown = entry("refused", "U_BOB", 'add-user initech "Jane Doe"', ["S_OPERATORS"],
                    reason="Unknown customer `initech`.")
    assert replay([unknown], OLD, OLD).changed == ()
    # without a policy in force to ask, whose refusal it was cannot be told: skipped, not guessed
    result = replay([unknown], OLD, None)
    assert result.changed == () and "no policy in force" in result.skipped[0]


TICKETS = load_policy_text(HEAD.replace('min_role = "operator"\nrisky = true',
                                        'min_role = "operator"\nrisky = true\nticket = "required"')
                           + OPERATORS)
BREAK_GLASS = load_policy_text(HEAD.replace('risky = true', 'risky = true\nbreak_glass = true')
                               + OPERATORS + '''
[[grants]]
role = "admin"
users = ["U_ADA"]
customers = ["*"]
''')
NO_BREAK_GLASS = load_policy_text(HEAD + OPERATORS + '''
[[grants]]
role = "admin"
users = ["U_ADA"]
customers = ["*"]
''')
REMOVE = "remove-user acme jdoe mail=archive"


@pytest.mark.parametrize("old, new, text, action, expected", [
    # a ticket the new file requires: the past request without one would now be refused
    (OLD, TICKETS, REMOVE, "allowed", ["allowed -> refused"]),
    (OLD, TICKETS, REMOVE + " ticket=SUP-7", "allowed", []),
    # refused for its missing ticket: the old file's whole answer tells it was the policy
    (TICKETS, OLD, REMOVE, "refused", ["refused -> allowed"]),
    (TICKETS, TICKETS, REMOVE, "refused", []),
    # break-glass the new file no longer allows
    (BREAK_GLASS, NO_BREAK_GLASS, '--break-glass reason="CEO locked out" ' + REMOVE, "allowed",
     ["allowed -> refused"]),
    (BREAK_GLASS, BREAK_GLASS, '--break-glass reason="CEO locked out" ' + REMOVE, "allowed", []),
])
def test_tickets_and_break_glass_are_replayed_too(old, new, text, action, expected):
    past = entry(action, "U_ADA", text, ["S_OPERATORS"])
    result = replay([past], new, old)
    assert [c.line().split(": ", 1)[1].split(" (")[0] for c in result.changed] == expected


def test_lines_and_summary_say_when_who_what_and_why():
    result = replay([BOB_ADDS, BOB_ADDS, NOBODY_REFUSED, {**BOB_ADDS, "text": "add-user"}],
                    NEW["no operators"], OLD)
    line = result.changed[0].line()
    assert line.startswith("2023-11-14 22:13:20Z U_BOB add-user on acme: allowed -> refused (")
    assert "S_APPROVERS" in line   # the refusal's hint: which group would give the role
    assert result.summary() == ("3 past requests replayed, 2 would be decided differently "
                                "(2 newly refused, 0 newly allowed), 1 skipped")
    assert "no longer parses" in result.skipped[0] and "U_BOB" in result.skipped[0]
