"""Approve, reject or withdraw a risky request: by reaction or by button, through one path.

Nothing runs without a recorded approval, and the approval is bound to the plan that was shown:
before enqueueing, the plan is made again from the customer's current state and must match.
The vote is recorded and, at the quorum, the job enqueued before any Slack call: what the
messages show goes through the outbox, so Slack failing to take it never stops the run. A run
that cannot be checked or queued at the quorum (AD down) is kept, not lost (bot.approved_runs).
"""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient

from bot import messages
from bot.approved_runs import run_approved
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.identity import GroupDirectory
from bot.slack_outbox import SlackCall, about
from commands import approval, break_glass
from commands.plan import Plan
from commands.plan_render import render_plan

log = logging.getLogger(__name__)


class Approvals:
    def __init__(self, deps: BotDeps, groups: GroupDirectory, dispatcher: Dispatcher,
                 approve_reaction: str = "white_check_mark", reject_reaction: str = "x"):
        self.deps, self.groups, self.dispatcher = deps, groups, dispatcher
        self.store = dispatcher.approvals
        self.outbox = dispatcher.outbox
        self.reactions = {approve_reaction: "approve", reject_reaction: "reject"}

    # -- Slack entry points -------------------------------------------------------------------

    def on_reaction(self, body: dict, event: dict, client: WebClient) -> None:
        if not self.deps.requests.first_time("event:" + body.get("event_id", "")):
            return  # Slack delivered this event before
        verb = self.reactions.get(event.get("reaction", ""))
        item = event.get("item", {})
        request_id = self.store.request_for_message(item.get("channel", ""), item.get("ts", ""))
        if verb is None or request_id is None:
            return  # another reaction, or a reaction on a message that is no approval request
        self.vote(request_id, verb, event["user"], client)

    def on_action(self, ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        verb = {messages.APPROVE_ACTION: "approve", messages.REJECT_ACTION: "reject",
                messages.WITHDRAW_ACTION: "withdraw",
                messages.BREAK_GLASS_ACK_ACTION: "approve"}[action["action_id"]]
        self.vote(action["value"], verb, body["user"]["id"], client)

    # -- the one path -------------------------------------------------------------------------

    def vote(self, request_id: str, verb: str, user: str, client: WebClient) -> None:
        record = self.deps.requests.get(request_id)
        state = self.store.get(request_id)
        if record is None or state is None:
            return
        now = time.time()
        review = record.break_glass_reason is not None   # a break-glass run: acknowledged, not approved
        if review and verb != "approve":
            self.reply(record, "review_only", user, state, client)
            return
        if verb == "withdraw":
            new, outcome = self.store.transition(request_id, lambda s: approval.withdraw(s, user, now))
        elif user == state.requester:
            new, outcome = state, approval.SELF
        else:
            policy = self.deps.policy()
            who = self.groups.identity(user)
            if not policy.can_approve(who, state.command_name, state.customer, requester=state.requester):
                self.reply(record, "no_role", user, state, client)
                self.deps.audit.record("approval_ignored", actor=user, request=request_id,
                                       customer=state.customer, reason="no approver role",
                                       ticket=record.ticket)
                return
            role = policy.role_for(who, state.customer)
            step = ((lambda s: approval.approve(s, user, role, now)) if verb == "approve"
                    else (lambda s: approval.reject(s, user, now)))
            new, outcome = self.store.transition(request_id, step)
        if outcome == approval.NOW_APPROVED and not review:
            self.approved(record, verb, user, new, outcome, client)
            return
        self.deps.audit.record(f"vote_{verb}", actor=user, request=request_id, customer=state.customer,
                               outcome=outcome, status=new.status, ticket=record.ticket)
        if outcome in ("self", "duplicate", "closed", "expired", "not_requester", approval.OTHER_ROLE):
            self.reply(record, outcome, user, new, client)
            if outcome == "expired" and not review:
                self.show_decision(record, new, client)
        elif outcome == approval.COUNTED:
            self.show_progress(record, new, client)
        elif review:
            self.reviewed(record, new, client)
        else:
            self.show_decision(record, new, client)

    def approved(self, record, verb: str, user: str, state, outcome: str, client: WebClient) -> None:
        """The approval is closed from here on, and no second vote runs it: whatever fails before
        its job is queued marks it not run with a Retry button (a bot that dies here leaves it to
        the notifier's sweep of approved requests never queued)."""
        try:
            self.deps.audit.record(f"vote_{verb}", actor=user, request=record.request_id,
                                   customer=state.customer, outcome=outcome, status=state.status,
                                   ticket=record.ticket)
            self.run_approved(record, state, client)   # first: the message may wait, the job not
        except Exception as exc:
            log.exception("approved request %s was not queued", record.request_id)
            if record.state == "pending_approval":   # not queued, nor marked not run or stale
                self.dispatcher.not_run(record, client, exc)
        finally:   # whatever became of the run, the approver sees the decision taken
            self.show_decision(record, state, client)

    def run_approved(self, record, state, client: WebClient) -> None:
        run_approved(self.deps, self.dispatcher, record, state, client)

    def show_progress(self, record, state, client: WebClient) -> None:
        """"1 of 2 approvals: @x" on the request message (buttons kept) and in its thread."""
        text, blocks = messages.approval_request(record, render_plan(Plan.from_json(record.plan)), state)
        self.update(record, "approval_progress", record.message_ts, client, text=text, blocks=blocks)
        self.post(record, "approval_progress", client, thread_ts=record.message_ts,
                  text=messages.approval_progress(state))

    def reviewed(self, record, state, client: WebClient) -> None:
        """A second admin acknowledged a break-glass run: recorded, and the review message says so."""
        self.deps.audit.record(break_glass.REVIEWED_ACTION, actor=state.decided_by, request=record.request_id,
                               customer=record.customer, command=record.command, ticket=record.ticket)
        text, blocks = messages.break_glass_reviewed(record, state)
        self.update(record, "break_glass_reviewed", record.review_ts, client, text=text, blocks=blocks)

    def show_decision(self, record, state, client: WebClient) -> None:
        text, blocks = messages.approval_decided(record, render_plan(Plan.from_json(record.plan)), state)
        self.update(record, "approval_decided", record.message_ts, client, text=text, blocks=blocks)

    def reply(self, record, outcome: str, user: str, state, client: WebClient) -> None:
        review = record.break_glass_reason is not None
        if review and f"review_{outcome}" in messages.VOTE_REPLIES:
            outcome = f"review_{outcome}"
        text = messages.VOTE_REPLIES[outcome].format(
            user=user, status=state.status, command=messages.literal(state.command), customer=state.customer,
            slots=_roles(state.slots) + " whose role covers this customer",
            open=_roles(state.open_slots()) + f" whose role covers {state.customer}")
        self.post(record, "vote_reply", client, text=text,
                  thread_ts=(record.review_ts if review else "") or record.message_ts)

    def post(self, record, purpose: str, client: WebClient, **args) -> None:
        self.outbox.send(client, SlackCall("chat_postMessage", {"channel": record.channel, **args},
                                           purpose, about(record)))

    def update(self, record, purpose: str, ts: str, client: WebClient, **args) -> None:
        """One key per message: a newer update replaces an older one Slack has not taken yet."""
        self.outbox.send(client, SlackCall("chat_update", {"channel": record.channel, "ts": ts, **args},
                                           purpose, about(record)), key=f"update:{record.channel}:{ts}")


def _roles(labels) -> str:
    return " and ".join(f"an {s}" if s[0] in "aeiou" else f"a {s}" for s in labels)
