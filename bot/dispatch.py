"""From an allowed, planned command to Slack messages and an enqueued job (or an approval)."""

from __future__ import annotations

import logging
import time

from rq import Retry
from slack_sdk import WebClient

from bot import messages
from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.notifier import error_code
from bot.request_store import RequestRecord
from commands import break_glass
from commands.approval import ApprovalState
from commands.plan import Plan
from commands.plan_render import render_plan
from commands.policy import Decision

RUN_PLAN = "workers.jobs.run_plan"
UNDO_PLAN = "workers.jobs.undo_plan"
REVIEW_SECONDS = 30 * 24 * 3600   # a break-glass review stays open as long as the request is kept
log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, deps: BotDeps):
        self.deps = deps
        self.approvals = ApprovalStore(deps.redis)

    def submit(self, record: RequestRecord, plan: Plan, decision: Decision, client: WebClient) -> None:
        """Post the request; enqueue it at once, or ask for approval when it is risky."""
        if record.break_glass_reason:   # the slash command checked that the policy allows it
            self.break_glass(record, plan, client)
        elif decision.risky:
            self.ask_approval(record, plan, decision, client)
        else:
            self.post_request(record, plan, client)
            self.enqueue(record, client)

    def post_request(self, record: RequestRecord, plan: Plan, client: WebClient) -> None:
        text, blocks = messages.request_message(record.requester, record.command, render_plan(plan),
                                                record.request_id, ticket=record.ticket,
                                                break_glass_reason=record.break_glass_reason)
        record.message_ts = client.chat_postMessage(channel=record.channel, text=text, blocks=blocks)["ts"]
        self.deps.requests.save(record)

    def ask_approval(self, record: RequestRecord, plan: Plan, decision: Decision, client: WebClient) -> None:
        policy = self.deps.policy()
        slots = tuple(r.label for r in decision.approver_roles) or ("approver",)
        state = ApprovalState(record.request_id, record.requester, record.command, plan.command.split()[0],
                              record.customer, plan.fingerprint(),
                              expires_at=time.time() + policy.approval_expiry_seconds, slots=slots)
        text, blocks = messages.approval_request(record, render_plan(plan), state)
        self.approvals.create(state)
        record.message_ts = client.chat_postMessage(channel=record.channel, text=text, blocks=blocks)["ts"]
        self.approvals.link_message(record.request_id, record.channel, record.message_ts)
        record.state = "pending_approval"
        self.deps.requests.save(record)
        self.deps.audit.record("approval_requested", actor=record.requester, request=record.request_id,
                               customer=record.customer, command=record.command, slots=list(slots),
                               fingerprint=state.fingerprint, ticket=record.ticket)

    def break_glass(self, record: RequestRecord, plan: Plan, client: WebClient) -> None:
        """Run at once, marked loudly; then ask a second admin to review, through the approvals.

        The review message is asked for before the job is enqueued, since after that only the
        notifier writes the record; but it cannot stop the run: the request says it runs now."""
        self.post_request(record, plan, client)
        self.deps.audit.record(break_glass.ACTION, actor=record.requester, request=record.request_id,
                               customer=record.customer, command=record.command,
                               reason=record.break_glass_reason, ticket=record.ticket)
        try:
            self.ask_review(record, plan, client)
        except Exception as exc:  # the run goes ahead; the audit says that its review was not asked
            log.exception("could not ask for the review of break-glass request %s", record.request_id)
            self.deps.audit.record("break_glass_review_failed", actor="bot", request=record.request_id,
                                   customer=record.customer, error=error_code(exc), ticket=record.ticket)
        self.enqueue(record, client)   # saves the record; after it, only the notifier writes it

    def ask_review(self, record: RequestRecord, plan: Plan, client: WebClient) -> None:
        review = ApprovalState(record.request_id, record.requester, record.command, plan.command.split()[0],
                               record.customer, plan.fingerprint(), expires_at=time.time() + REVIEW_SECONDS,
                               slots=break_glass.REVIEW_SLOTS)
        self.approvals.create(review)
        text, blocks = messages.break_glass_review(record)
        record.review_ts = client.chat_postMessage(channel=record.channel, text=text, blocks=blocks)["ts"]
        self.deps.requests.save(record)   # before the link: a ✅ on it finds the message to update
        self.approvals.link_message(record.request_id, record.channel, record.review_ts)

    def enqueue(self, record: RequestRecord, client: WebClient, *, job: str = RUN_PLAN) -> None:
        steps = len(record.plan["steps"])
        record.status_ts = client.chat_postMessage(channel=record.channel, thread_ts=record.message_ts,
                                                   text=messages.status_queued(steps, record.ticket))["ts"]
        record.state = "queued"
        self.deps.requests.save(record)
        cfg = self.deps.config
        # one RQ job per run; the request id keys the journal, so runs continue each other
        runs = self.deps.redis.incr(f"tobitbot:runs:{record.request_id}")
        job_id = record.request_id if runs == 1 else f"{record.request_id}-{runs}"
        self.deps.queue.enqueue(job, record.request_id, record.plan, job_id=job_id,
                                retry=Retry(max=cfg.job_retries, interval=list(cfg.retry_intervals)),
                                job_timeout=cfg.job_timeout, result_ttl=7 * 24 * 3600,
                                failure_ttl=30 * 24 * 3600, description=record.command)
        self.deps.audit.record("enqueued", actor=record.requester, request=record.request_id,
                               customer=record.customer, command=record.command, job=job,
                               ticket=record.ticket)
