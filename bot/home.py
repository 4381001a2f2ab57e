"""The App Home tab: the person's roles per customer scope, approvals waiting for them, and
their recent requests; published fresh every time they open it.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.add_user_modal import OPEN_ACTION
from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.identity import GroupDirectory
from bot.job_reports import JobReports
from bot.messages import literal
from commands.approval import ApprovalState, can_fill
from commands.job_report import when
from commands.policy_rules import describe_customers

log = logging.getLogger(__name__)
SHOWN = 10      # per list; `/tobit jobs` has the rest


class AppHome:
    def __init__(self, deps: BotDeps, groups: GroupDirectory):
        self.deps, self.groups = deps, groups
        self.approvals = ApprovalStore(deps.redis)
        self.jobs = JobReports(deps, groups)

    def on_opened(self, event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view={"type": "home", "blocks": self.blocks(user)})

    def blocks(self, user: str) -> list[dict]:
        blocks = [_header("Your roles"), _text(self.roles(user))]
        blocks += [_header("Approvals waiting for you"), _text(self.pending(user))]
        blocks += [_header("Your recent requests"), _text(self.recent(user))]
        blocks.append({"type": "actions", "block_id": "home_actions", "elements": [{
            "type": "button", "action_id": OPEN_ACTION, "style": "primary",
            "text": {"type": "plain_text", "text": "Add a user"}}]})
        return blocks

    def roles(self, user: str) -> str:
        policy, who = self.deps.policy(), self.groups.identity(user)
        lines = [f"• *{g.role}* for {describe_customers(g.customers)}"
                 for g in policy.grants if g.applies_to(who)]
        return "\n".join(lines) or ("You have no role in the bot's policy; ask an admin to add "
                                    "you to one of its Slack user groups.")

    def pending(self, user: str) -> str:
        policy, who = self.deps.policy(), self.groups.identity(user)
        # only what their vote would count for: not a break-glass review or an admin's slot
        # shown to an approver, who could only be told that it needs someone else
        mine = [s for s in self.approvals.pending() if user not in s.approvers
                and policy.can_approve(who, s.command_name, s.customer, requester=s.requester)
                and can_fill(s, policy.role_for(who, s.customer))]
        lines = [self._pending_line(s) for s in sorted(mine, key=lambda s: s.expires_at)[:SHOWN]]
        return "\n".join(lines) or "Nothing waits for your approval."

    def _pending_line(self, state: ApprovalState) -> str:
        record = self.deps.requests.get(state.request_id)
        where = f" in <#{record.channel}>" if record else ""
        return (f"• `{literal(state.command)}` by <@{state.requester}>{where}: {len(state.votes)} of "
                f"{len(state.slots)} approvals, expires {when(state.expires_at)} "
                f"(`{state.request_id}`)")

    def recent(self, user: str) -> str:
        listed = self.jobs.recent(user, None, mine=True, limit=SHOWN)
        lines = [f"• `{i.record.request_id}` `{literal(i.record.command)}`: {i.record.state}, "
                 f"{when(i.asked_at)}" for i in listed]
        return "\n".join(lines) or "You have asked for nothing yet."


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _text(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}
