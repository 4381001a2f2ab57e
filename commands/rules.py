"""The service rules (R1..R17) checked before anything runs: a command and a contract in, a
report out, or a RuleViolation naming the first rule the command breaks.

Rules are grouped by area (rules_products, rules_users, rules_fax). R18 and R21 are duties of
the workers and the bot, not pre-checks; R20 (migration, environment set-up) has no commands.
"""

from __future__ import annotations

from typing import Callable

from commands import model
from commands.contract import CustomerState, FaxHolder
from commands.rules_fax import check_disable_fax, check_enable_fax
from commands.rules_lookup import require_state, require_user
from commands.rules_products import (
    check_book, check_cancel, check_onboard, check_set_domain, check_set_legal_info,
)
from commands.rules_report import RuleReport
from commands.rules_users import check_add_user, check_remove_user, check_user_command

__all__ = ["RuleReport", "check"]

_Check = Callable[[model.Command, CustomerState], RuleReport]
_CHECKS: dict[type[model.Command], _Check] = {
    model.Book: check_book,
    model.Cancel: check_cancel,
    model.SetDomain: check_set_domain,
    model.SetLegalInfo: check_set_legal_info,
    model.AddUser: check_add_user,
    model.RemoveUser: check_remove_user,
    model.EnableActiveSync: check_user_command,
    model.DisableActiveSync: check_user_command,
    model.ResetPassword: check_user_command,
    model.DisableFax: check_disable_fax,
}


def check(cmd: model.Command, state: CustomerState | None,
          fax_holders: tuple[FaxHolder, ...] = ()) -> RuleReport:
    """The rules `cmd` passed on `state`; raises RuleViolation or NotFound otherwise.

    `fax_holders`: where an enable-fax's number is in use at any customer (R15 is provider-wide,
    so one customer's state cannot tell); see rules_lookup.fax_holders.
    """
    if isinstance(cmd, model.OnboardCustomer):
        return check_onboard(cmd, state)
    if isinstance(cmd, model.ShowPlan):  # the bot plans the inner command itself
        return RuleReport()
    customer = getattr(cmd, "customer", None)
    if customer is None:  # help: about no customer
        return RuleReport()
    state = require_state(customer, state)
    if isinstance(cmd, model.ShowUser):
        require_user(state, cmd.user)
    if isinstance(cmd, model.EnableFax):
        return check_enable_fax(cmd, state, fax_holders)
    rule_check = _CHECKS.get(type(cmd))
    return rule_check(cmd, state) if rule_check else RuleReport()
