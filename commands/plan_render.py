"""A plan as Slack mrkdwn: numbered steps, the rules checked, warnings and notes.

Only summaries are shown, never step arguments: arguments may hold a signature or, in future
steps, something secret (R18). Free text is escaped, so a name like "<!channel>" cannot ping.
"""

from __future__ import annotations

from commands.mrkdwn import escape as literal
from commands.plan import Plan

WARNING = ":warning:"


def render_plan(plan: Plan) -> str:
    lines = [f"*Plan* for `{literal(plan.command)}`" + (" (needs approval)" if plan.risky else "")]
    if plan.steps:
        lines += [f"{i}. `{s.backend}` {literal(s.summary)}" for i, s in enumerate(plan.steps, 1)]
    else:
        lines.append("Nothing to change.")
    if plan.checks:
        lines.append("Rules checked: " + ", ".join(plan.checks))
    lines += [f"{WARNING} {literal(w)}" for w in plan.warnings]
    lines += [f"_Note: {literal(n)}_" for n in plan.notes]
    return "\n".join(lines)

