"""The policy and the people the policy tests share (no tests here, only their cases)."""

from __future__ import annotations

from commands.policy import Identity, load_policy_text

POLICY_TEXT = """
[defaults]
ticket_pattern = "^SUP-[0-9]+$"
ticket_for_risky = true
approval_expiry = "2h"

[[grants]]
role = "viewer"
groups = ["S_VIEWERS"]
customers = ["*"]

[[grants]]
role = "operator"
groups = ["S_OPERATORS"]
customers = ["*"]

[[grants]]
role = "approver"
groups = ["S_APPROVERS"]
customers = ["*"]

[[grants]]
role = "admin"
groups = ["S_ADMINS"]
customers = ["*"]

[[grants]]
role = "operator"
users = ["U_ALICE"]
customers = ["acme", "globex"]

[[grants]]
role = "approver"
users = ["U_PAT"]
customers = ["acme"]

[commands.add-user]
min_role = "operator"

[commands.remove-user]
min_role = "operator"
risky = true

[commands.reset-password]
min_role = "operator"
risky = true
break_glass = true

[commands.cancel]
min_role = "approver"
risky = true
approvals = 2
approver_roles = ["admin"]

[commands.enable-fax]
min_role = "operator"
risky_when = { mode = "dedicated" }

[commands.book]
min_role = "admin"
risky = true
ticket = "optional"

[commands.set-legal-info]
min_role = "operator"
ticket = "required"

[commands.audit]
min_role = "admin"

[[channels]]
id = "C_SUPPORT"
customers = ["*"]

[[channels]]
id = "C_AUDIT"
customers = ["*"]
read_only = true

[[channels]]
id = "C_ACME_SHARED"
customers = ["acme"]
"""

POLICY = load_policy_text(POLICY_TEXT, "test-policy.toml")

NOBODY = Identity("U_NOBODY", frozenset({"S_SOMETHING_ELSE"}))
VIEWER = Identity("U_VIV", frozenset({"S_VIEWERS"}))
OPERATOR = Identity("U_OLE", frozenset({"S_OPERATORS"}))
APPROVER = Identity("U_ANNA", frozenset({"S_APPROVERS"}))
ADMIN = Identity("U_ADA", frozenset({"S_ADMINS"}))
ALICE = Identity("U_ALICE")                 # operator for acme and globex only
PAT = Identity("U_PAT")                     # approver for acme only
PEOPLE = {"nobody": NOBODY, "viewer": VIEWER, "operator": OPERATOR, "approver": APPROVER,
          "admin": ADMIN}
