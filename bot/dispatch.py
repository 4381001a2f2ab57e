"""From an allowed, planned command to Slack messages and an enqueued job (or an approval).

A request is run only once Slack shows it in its channel (where people see what runs and
approvers vote): one that Slack does not take is not run, and its requester is told so, through
the command's response_url or, failing that, an ephemeral or direct message kept until Slack
takes it. After that, the state comes first: the job is enqueued whatever Slack answers to the
messages about it, which go through the outbox (bot/slack_outbox.py) and arrive late at worst.
The job, its record and its status line are written in one transaction: when Redis fails, none
is, and the thread says that nothing runs, with a Retry button.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import replace

import redis
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot import messages
from bot.approval_store import ApprovalStore
from bot.deps import BotDeps
from bot.request_store import NOT_POSTED, NOT_RUN, POSTED, POSTING, REQUEST_TTL, RequestRecord
from bot.slack_outbox import TELL, Outbox, SlackCall, about, error_code
from commands import break_glass
from commands.approval import ApprovalState
from commands.errors import BackendError
from commands.plan import Plan
from commands.plan_render import render_plan
from commands.policy import Decision

RUN_PLAN = "workers.jobs.run_plan"
UNDO_PLAN = "workers.jobs.undo_plan"
RUNS_KEY = "tobitbot:runs:{request_id}"   # how many runs of a request were queued: the next job id
DONE_STATUSES = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)
REVIEW_SECONDS = REQUEST_TTL   # a break-glass review stays open as long as the request is kept
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
        """Post the request message; the record is saved before, so even a crash leaves a trace
        (and the notifier's sweep tells the requester: `Notifier.sweep_posting`). The record
        leaves POSTING once: a post that outlasted the sweep is not run."""
        record.state = POSTING
        self.deps.requests.save(record)
        try:
            ts = client.chat_postMessage(channel=record.channel, text=text, blocks=blocks)["ts"]
        except Exception as exc:   # any failure: the request is not shown, so it must not run
            error = error_code(exc)
            log.warning("Slack did not post request %s (%s); it is not run", record.request_id, error)
            record.state = NOT_POSTED
            if self.deps.requests.update(record.request_id, only_from=POSTING, state=NOT_POSTED) is None:
                return False   # the sweep took it for a dead bot's and told the requester
            self.deps.audit.record("request_not_posted", actor="bot", request=record.request_id,
                                   customer=record.customer, command=record.command, error=error,
                                   ticket=record.ticket)
            self.tell_requester(record, messages.request_not_posted(record.command, record.request_id, error),
                                client, response_url, purpose="request_not_posted")
            return False
        if self.deps.requests.update(record.request_id, only_from=POSTING, state=POSTED,
                                     message_ts=ts) is None:
            log.warning("request %s was posted after the sweep ended it; it is not run", record.request_id)
            record.state = NOT_POSTED
            return False
        record.state, record.message_ts = POSTED, ts
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

    def enqueue(self, record: RequestRecord, client: WebClient, *, job: str = RUN_PLAN) -> bool:
        """Queue the job; False when Redis failed (then nothing is queued and the thread says so).

        Its record and its status line in the thread are written with it, in one transaction:
        the line is kept in the outbox (so the notifier's updates find it, or revise it while
        Slack has not taken it) and tried after: Slack refusing it delays the line, never the run."""
        steps = len(record.plan["steps"])
        status_key = f"status:{record.request_id}"
        status = SlackCall("chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                                                "text": messages.status_queued(steps, record.ticket)},
                           "status", about(record), ts_field="status_ts")
        cfg = self.deps.config
        try:
            # one RQ job per run; the request id keys the journal, so runs continue each other
            runs = self._next_run(record.request_id)
            job_id = record.request_id if runs == 1 else f"{record.request_id}-{runs}"
            with self.deps.redis.pipeline() as pipe:
                pipe.multi()
                self.deps.requests.save(replace(record, state="queued", status_ts=""), pipe)
                self.outbox.keep(status_key, status, pipe=pipe)
                self.deps.queue.enqueue(job, record.request_id, record.plan, job_id=job_id,
                                        retry=Retry(max=cfg.job_retries, interval=list(cfg.retry_intervals)),
                                        job_timeout=cfg.job_timeout, result_ttl=7 * 24 * 3600,
                                        failure_ttl=30 * 24 * 3600, description=record.command,
                                        pipeline=pipe)
                try:
                    pipe.execute()
                except (redis.TimeoutError, redis.ConnectionError) as exc:
                    # the reply was lost, not necessarily the transaction: declared not run while
                    # its job is queued, Retry would run the request twice
                    if not self._queued(job_id):
                        raise
                    log.warning("the reply to queueing request %s was lost (%s), but its job %s is "
                                "queued", record.request_id, error_code(exc), job_id)
        except Exception as exc:   # Redis (or rq) failed before the transaction ran: nothing queued
            self.not_run(record, client, exc)
            return False
        record.state, record.status_ts = "queued", ""
        self.deps.audit.record("enqueued", actor=record.requester, request=record.request_id,
                               customer=record.customer, command=record.command, job=job,
                               ticket=record.ticket)
        posted = self.outbox.deliver(client, status_key)
        if posted is not None:
            record.status_ts = posted["ts"]   # the outbox wrote it to the record in Redis
        return True

    def _next_run(self, request_id: str) -> int:
        key = RUNS_KEY.format(request_id=request_id)
        with self.deps.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, REQUEST_TTL)   # kept as long as the request, not for ever
            return int(pipe.execute()[0])

    def _queued(self, job_id: str) -> bool:
        """Whether the job exists after all; False when Redis cannot say either (then the record,
        changed only from the state it had, and Retry's check of the live run keep it once)."""
        try:
            return Job.exists(job_id, connection=self.deps.redis)
        except redis.RedisError:
            log.exception("could not tell whether job %s was queued", job_id)
            return False

    def live_run(self, request_id: str) -> tuple[str, str] | None:
        """The job of an earlier run of this request that is still to run or running, and its
        status; None when there is none (a second run beside it would repeat its steps)."""
        runs = int(self.deps.redis.get(RUNS_KEY.format(request_id=request_id)) or 0)
        for n in range(runs, 0, -1):
            job_id = request_id if n == 1 else f"{request_id}-{n}"
            try:
                status = Job.fetch(job_id, connection=self.deps.redis,
                                   serializer=self.deps.queue.serializer).get_status()
            except NoSuchJobError:
                continue
            if status not in DONE_STATUSES:
                return job_id, str(getattr(status, "value", status))
        return None

    def not_run(self, record: RequestRecord, client: WebClient, error: Exception) -> None:
        """Nothing runs: the request is marked so (Retry runs it), audited, and its thread says
        so through the outbox; each step as far as it goes, since Redis may be what failed.
        Only from the state the request had here: one that moved on (queued after all, or
        ended by the notifier's sweep) is left as it is."""
        reference = "e-" + secrets.token_hex(4)
        log.error("request %s was allowed but not queued (reference %s)", record.request_id, reference,
                  exc_info=error)
        text, blocks = messages.request_not_run(record.requester, record.command, record.request_id,
                                                not_run_reason(error, reference))
        call = SlackCall("chat_postMessage", {"channel": record.channel, "thread_ts": record.message_ts,
                                              "text": text, "blocks": blocks}, "request_not_run", about(record))
        was, record.state = record.state, NOT_RUN
        try:
            if self.deps.requests.update(record.request_id, only_from=was, state=NOT_RUN) is None:
                log.warning("request %s is no longer %s; not marked not run", record.request_id, was)
                saved = self.deps.requests.get(record.request_id)
                record.state = saved.state if saved else was
                return
            self.deps.audit.record("request_not_run", actor="bot", request=record.request_id,
                                   customer=record.customer, command=record.command,
                                   error=error_code(error), reference=reference, ticket=record.ticket)
            self.outbox.send(client, call, key=f"request_not_run:{record.request_id}")
        except redis.RedisError:
            log.exception("could not record that request %s was not run; telling its thread directly",
                          record.request_id)
            try:
                client.chat_postMessage(**call.args)
            except Exception:
                log.exception("could not tell the thread of request %s that it was not run", record.request_id)


def not_run_reason(error: Exception, reference: str) -> str:
    """What failed, in words a support engineer can act on; never a library's own message."""
    if isinstance(error, BackendError):
        return messages.not_run_backend(error)
    if isinstance(error, redis.RedisError):
        return messages.not_run_queue(type(error).__name__)
    return messages.not_run_internal(reference)
