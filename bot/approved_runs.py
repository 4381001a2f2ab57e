"""Running a request once it is approved: only if the plan made now from the customer's current
state is the plan that was approved, and never lost when that cannot be decided now.

Called at the vote that reaches the quorum (bot.approvals) and by Retry on a request approved
but not run (bot.job_actions). By then the approval is closed, so a failure here (AD down at the
click, Redis failing as the job is queued) must not drop the request: it is marked not run, the
thread says so with a Retry button, and Retry comes back here.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot import messages
from bot.deps import BotDeps
from bot.dispatch import Dispatcher
from bot.request_store import RequestRecord
from bot.slack_outbox import SlackCall, about
from commands.approval import ApprovalState
from commands.customers import require_customer
from commands.errors import UserError
from commands.parser import parse
from commands.plan import Plan
from commands.planner import plan as make_plan
from commands.rules_lookup import fax_holders

log = logging.getLogger(__name__)
STALE = "stale"   # approved, but the plan made at the run differs: it is not run


def run_approved(deps: BotDeps, dispatcher: Dispatcher, record: RequestRecord, state: ApprovalState,
                 client: WebClient) -> None:
    """Enqueue the approved request if its plan still matches; else say why it is not run."""
    try:
        plan, reason = plan_now(deps, record), None
    except UserError as err:
        plan, reason = None, err.text()
    except Exception as exc:   # AD down at the click, or any failure: the approval is spent,
        dispatcher.not_run(record, client, exc)   # so the request is kept for Retry
        return
    if plan is not None and plan.fingerprint() != state.fingerprint:
        reason = "plan changed"
    if reason is None:
        dispatcher.enqueue(record, client)   # which says itself when the job cannot be queued
        return
    deps.requests.update(record.request_id, state=STALE)
    record.state = STALE
    deps.audit.record("approval_stale", actor="bot", request=record.request_id, customer=record.customer,
                      reason=reason, ticket=record.ticket)
    text = messages.VOTE_REPLIES["stale"].format(command=messages.literal(record.command))
    dispatcher.outbox.send(client, SlackCall(
        "chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                             "text": text + (f"\n{messages.literal(reason)}" if reason != "plan changed" else "")},
        "approval_stale", about(record)))


def plan_now(deps: BotDeps, record: RequestRecord) -> Plan:
    """The request's plan made again from AD as it is now."""
    cmd = parse(record.command)
    current = deps.reader.customer(record.customer) if record.customer else None
    if current is None and cmd.name != "onboard-customer" and record.customer:
        current = require_customer(deps.reader, record.customer)
    return make_plan(cmd, current, risky=True, fax_server_uri=deps.config.fax_server_uri,
                     fax_holders=fax_holders(deps.reader, cmd))
