"""From an allowed, planned command to Slack messages and an enqueued job (or an approval).

A request is run only once Slack shows it in its channel (where people see what runs and
approvers vote): one that Slack does not take is not run, and its requester is told so, through
the command's response_url or, failing that, an ephemeral or direct message kept until Slack
takes it. After that, the state comes first: the job is enqueued whatever Slack answers to the
messages about it, which go through the outbox (bot/slack_outbox.py) and arrive late at worst.
"""

from __future__ import annotations

import logging
import time

from rq import Retry
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import messages
from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.request_store import RequestRecord
from bot.slack_outbox import TELL, Outbox, SlackCall, about, error_code
from commands import break_glass
from commands.approval import ApprovalState
from commands.plan import Plan
from commands.plan_render import render_plan
from commands.policy import Decision

RUN_PLAN = "workers.jobs.run_plan"
UNDO_PLAN = "workers.jobs.undo_plan"
REVIEW_SECONDS = 30 * 24 * 3600   # a break-glass review stays open as long as the request is kept
POSTING, NOT_POSTED, POSTED = "posting", "not_posted", "posted"
log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, deps: BotDeps):
        self.deps = deps
        self.approvals = ApprovalStore(deps.redis)
        self.outbox = Outbox(deps)

    def submit(self, record: RequestRecord, plan: Plan, decision: Decision, client: WebClient,
               response_url: str | None = None) -> None:
        """Post the request; enqueue it at once, or ask for approval when it is risky.

        `response_url` (a slash command's) tells the requester when Slack would not post it."""
        if record.break_glass_reason:   # the slash command checked that the policy allows it
            self.break_glass(record, plan, client, response_url)
        elif decision.risky:
            self.ask_approval(record, plan, decision, client, response_url)
        elif self.post_request(record, plan, client, response_url):
            self.enqueue(record, client)

    def post_request(self, record: RequestRecord, plan: Plan, client: WebClient,
                     response_url: str | None = None) -> bool:
        """Show the request in its channel; False (and the requester told) when Slack did not."""
        text, blocks = messages.request_message(record.requester, record.command, render_plan(plan),
                                                record.request_id, ticket=record.ticket,
                                                break_glass_reason=record.break_glass_reason)
        return self.show(record, text, blocks, client, response_url)

    def show(self, record: RequestRecord, text: str, blocks: list, client: WebClient,
             response_url: str | None) -> bool:
        """Post the request message; the record is saved before, so even a crash leaves a trace."""
        record.state = POSTING
        self.deps.requests.save(record)
        try:
            record.message_ts = client.chat_postMessage(channel=record.channel, text=text,
                                                        blocks=blocks)["ts"]
        except Exception as exc:   # any failure: the request is not shown, so it must not run
            error = error_code(exc)
            log.warning("Slack did not post request %s (%s); it is not run", record.request_id, error)
            record.state = NOT_POSTED
            self.deps.requests.save(record)
            self.deps.audit.record("request_not_posted", actor="bot", request=record.request_id,
                                   customer=record.customer, command=record.command, error=error,
                                   ticket=record.ticket)
            self.tell_requester(record, messages.request_not_posted(record.command, record.request_id, error),
                                client, response_url, purpose="request_not_posted")
            return False
        record.state = POSTED
        self.deps.requests.save(record)
        return True

    def tell_requester(self, record: RequestRecord, text: str, client: WebClient,
                       response_url: str | None, *, purpose: str) -> None:
        """Through response_url (another door than the Web API that failed), else kept and retried
        as an ephemeral, or a direct message where the requester is not in the channel."""
        if response_url:
            try:
                answer = WebhookClient(response_url, timeout=10).send(text=text, response_type="ephemeral")
                if answer.status_code == 200:
                    return
            except Exception as exc:
                log.warning("response_url failed for request %s (%s)", record.request_id, error_code(exc))
        self.outbox.send(client, SlackCall(TELL, {"channel": record.channel, "user": record.requester,
                                                  "text": text}, purpose, about(record)),
                         key=f"{purpose}:{record.request_id}")

    def ask_approval(self, record: RequestRecord, plan: Plan, decision: Decision, client: WebClient,
                     response_url: str | None = None) -> None:
        policy = self.deps.policy()
        slots = tuple(r.label for r in decision.approver_roles) or ("approver",)
        state = ApprovalState(record.request_id, record.requester, record.command, plan.command.split()[0],
                              record.customer, plan.fingerprint(),
                              expires_at=time.time() + policy.approval_expiry_seconds, slots=slots)
        text, blocks = messages.approval_request(record, render_plan(plan), state)
        self.approvals.create(state)
        if not self.show(record, text, blocks, client, response_url):
            self.approvals.discard(record.request_id)   # never shown: nobody is to vote on it
            return
        self.approvals.link_message(record.request_id, record.channel, record.message_ts)
        record.state = "pending_approval"
        self.deps.requests.save(record)
        self.deps.audit.record("approval_requested", actor=record.requester, request=record.request_id,
                               customer=record.customer, command=record.command, slots=list(slots),
                               fingerprint=state.fingerprint, ticket=record.ticket)

    def break_glass(self, record: RequestRecord, plan: Plan, client: WebClient,
                    response_url: str | None = None) -> None:
        """Run at once, marked loudly; then ask a second admin to review, through the approvals.

        The review message is asked for before the job is enqueued, since after that only the
        notifier writes the record; but it cannot stop the run: the request says it runs now."""
        if not self.post_request(record, plan, client, response_url):
            return
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
        """Queue the job. Its status line in the thread is kept in the outbox first (so the
        notifier's updates find it, or revise it while Slack has not taken it) and tried after
        the job is queued: Slack refusing it delays the line, never the run."""
        steps = len(record.plan["steps"])
        record.state, record.status_ts = "queued", ""
        self.deps.requests.save(record)
        status_key = f"status:{record.request_id}"
        self.outbox.keep(status_key, SlackCall(
            "chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                                 "text": messages.status_queued(steps, record.ticket)},
            "status", about(record), ts_field="status_ts"))
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
        posted = self.outbox.deliver(client, status_key)
        if posted is not None:
            record.status_ts = posted["ts"]   # the outbox wrote it to the record in Redis
