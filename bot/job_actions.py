"""Retry and Undo on a failed request: the same request again (same journal, same markers, so
nothing is created twice), or its completed steps rolled back. Both obey the policy. Retry also
runs a request that was allowed (or approved) but could not be queued: an approved one only if
its plan, made again now, is still the one approved (bot.approved_runs).

Runs on the bot's work pool after the click was acknowledged (bot.work_pool.answered_first)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot import messages
from bot.approved_runs import run_approved
from bot.deps import BotDeps
from bot.dispatch import NOT_RUN, RUN_PLAN, UNDO_PLAN, Dispatcher
from bot.identity import GroupDirectory, RolesUnknown
from bot.request_store import RETRYING

log = logging.getLogger(__name__)


class JobActions:
    def __init__(self, deps: BotDeps, groups: GroupDirectory, dispatcher: Dispatcher):
        self.deps, self.groups, self.dispatcher = deps, groups, dispatcher

    def on_action(self, ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        verb = "retry" if action["action_id"] == messages.RETRY_ACTION else "undo"
        user, request_id = body["user"]["id"], action["value"]
        record = self.deps.requests.get(request_id)
        if record is None:
            return
        say = lambda text: client.chat_postEphemeral(channel=record.channel, user=user,  # noqa: E731
                                                     thread_ts=record.message_ts, text=text)
        not_run = record.state == NOT_RUN and verb == "retry"
        if record.state != "failed" and not not_run:
            say(f"Nothing to {verb}: request `{request_id}` is {record.state}.")
            return
        policy = self.deps.policy()
        try:
            who = self.groups.identity(user)
        except RolesUnknown as err:   # deny in doubt
            say(messages.refusal(err))
            return
        decision = policy.decide(who, record.command.split()[0], record.customer, record.channel)
        if not decision.allowed:
            say(messages.refusal(decision.refusal()))
            return
        if decision.risky and user != record.requester and not policy.can_approve(
                who, record.command.split()[0], record.customer, requester=record.requester):
            say(f"Only the requester or an approver for {record.customer} may {verb} this request.")
            return
        live = self.dispatcher.live_run(request_id)
        if live is not None:   # an earlier run still to run: a second one beside it repeats steps
            say(messages.retry_while_running(request_id, *live))
            return
        if not_run:
            claimed = self.deps.requests.update(request_id, only_from=NOT_RUN, state=RETRYING)
            if claimed is None:
                return  # a double click, or Slack delivering the click twice
            record = claimed
        elif not self.deps.requests.first_time(f"{verb}:{request_id}:{record.status_ts}"):
            return  # a double click, or Slack delivering the click twice
        try:
            self.run(record, verb, user, not_run, client)
        except Exception as exc:   # left retrying, nothing could take it again: not run, Retry again
            log.exception("%s of request %s failed", verb, request_id)
            if not not_run:
                raise
            if record.state == RETRYING:   # not queued (an enqueue that did sets it queued)
                self.dispatcher.not_run(record, client, exc)

    def run(self, record, verb: str, user: str, not_run: bool, client: WebClient) -> None:
        request_id = record.request_id
        self.deps.audit.record(f"job_{verb}_requested", actor=user, request=request_id,
                               customer=record.customer, command=record.command, ticket=record.ticket)
        approved = self.dispatcher.approvals.get(request_id) if not_run else None
        if approved is not None and approved.status == "approved" and not record.break_glass_reason:
            run_approved(self.deps, self.dispatcher, record, approved, client)
            return
        self.dispatcher.enqueue(record, client, job=RUN_PLAN if verb == "retry" else UNDO_PLAN)
