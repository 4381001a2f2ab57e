"""What a rule check found: the rules that passed and the warnings that do not block."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleReport:
    passed: tuple[str, ...] = ()      # rule ids checked and passed, "R1" before "R12"
    warnings: tuple[str, ...] = ()    # said to the requester; they do not block

    def __add__(self, other: "RuleReport") -> "RuleReport":
        passed = tuple(sorted(set(self.passed) | set(other.passed), key=rule_order))
        return RuleReport(passed, self.warnings + other.warnings)


def passed(*rules: str, warnings: tuple[str, ...] = ()) -> RuleReport:
    return RuleReport(tuple(sorted(set(rules), key=rule_order)), warnings)


def rule_order(rule: str) -> int:
    return int(rule[1:]) if rule[1:].isdigit() else 0
