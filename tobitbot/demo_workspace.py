"""The demo Slack workspace: people in each role of deploy/policy.example.toml, and its channels.

Roles come from user groups, as in production: operators, approvers, admins; one person has no
role at all, so refusals can be tried. The end-to-end tests and `tobitbot sandbox` share it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tobitbot.slack_emulator import SlackEmulator


@dataclass(frozen=True)
class DemoPeople:
    operator: str = "U_OPERATOR"
    approver: str = "U_APPROVER"
    second_approver: str = "U_APPROVER2"
    admin: str = "U_ADMIN"
    second_admin: str = "U_SECOND_ADMIN"    # reviews an admin's break-glass run
    nobody: str = "U_NOROLE"


PEOPLE = DemoPeople()
C_SUPPORT = "C_SUPPORT"
C_AUDIT = "C_AUDIT"
S_OPERATORS = "S_OPERATORS"
S_APPROVERS = "S_APPROVERS"
S_ADMINS = "S_ADMINS"

# id, name, real name: the order the sandbox's user switcher shows them in
USERS = (
    (PEOPLE.operator, "olga.operator", "Olga Operator"),
    (PEOPLE.approver, "anton.approver", "Anton Approver"),
    (PEOPLE.second_approver, "berta.approver", "Berta Approver"),
    (PEOPLE.admin, "adam.admin", "Adam Admin"),
    (PEOPLE.second_admin, "bea.admin", "Bea Admin"),
    (PEOPLE.nobody, "nora.norole", "Nora Norole"),
)


def populate(emulator: SlackEmulator) -> SlackEmulator:
    """Add the demo users, user groups and channels to a workspace."""
    for user_id, name, real_name in USERS:
        emulator.add_user(user_id, name, f"{name}@tobit-service.example", real_name=real_name)
    emulator.add_usergroup(S_OPERATORS, "tobit-operators", [PEOPLE.operator])
    emulator.add_usergroup(S_APPROVERS, "tobit-approvers",
                           [PEOPLE.approver, PEOPLE.second_approver])
    emulator.add_usergroup(S_ADMINS, "tobit-admins", [PEOPLE.admin, PEOPLE.second_admin])
    emulator.add_channel(C_SUPPORT, "support")
    emulator.add_channel(C_AUDIT, "tobit-audit")
    return emulator
