"""Every user-facing text and Block Kit layout the bot posts, built in one place."""

from __future__ import annotations

from commands import events
from commands.errors import UserError
from commands.events import JobEvent
from commands.mrkdwn import escape as literal  # names, tickets, reasons: anyone's words

MAX_TEXT = 2900  # Slack: 3,000 characters per text block


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_TEXT]}]}


def error_text(error: UserError) -> str:
    """A core error's text as mrkdwn: escaped here, once (the core echoes what was typed as is);
    only the channels the error names on purpose stay links."""
    text = literal(error.text())
    for channel in error.channels:
        text = text.replace(literal(f"<#{channel}>"), f"<#{channel}>")
    return text


def refusal(error: UserError) -> str:
    return f":no_entry: {error_text(error)}"


def parse_help(error: UserError) -> str:
    return f":question: {error_text(error)}\nType `/tobit help` for all commands."


BACKEND_NAMES = {"ad": "Active Directory", "tobit": "the Tobit server", "pbx": "the PBX"}


def backend_unavailable(error) -> str:
    name = BACKEND_NAMES.get(error.backend, error.backend)
    again = "Try again in a few minutes" if error.retryable else "Ask the bot's maintainers to check it"
    return (f":electric_plug: Could not check the command: {name} did not answer as expected "
            f"({literal(error.message)}). Nothing was done. {again}.")


def internal_error(reference: str) -> str:
    return (f":boom: Internal error, reference `{reference}`. Nothing more was done. "
            "Please tell the bot's maintainers the reference; the details are in the bot's log.")


def ticket_note(ticket: str | None) -> str:
    """` · ticket SUP-1` after a line, or nothing: every message of a request names its ticket."""
    return f" · ticket `{literal(ticket)}`" if ticket else ""


def request_message(requester: str, command: str, plan_text: str, request_id: str, *,
                    ticket: str | None = None, break_glass_reason: str | None = None) -> tuple[str, list]:
    head = f":inbox_tray: <@{requester}> requested `{literal(command)}`"
    if break_glass_reason:
        head = (f":rotating_light: *BREAK-GLASS* by <@{requester}>: `{literal(command)}` runs now, "
                f"without approval. Reason: _{literal(break_glass_reason)}_. A second admin must "
                "review it.")
    blocks = [_section(head), _section(plan_text), _context(f"request `{request_id}`{ticket_note(ticket)}")]
    return f"{head} ({request_id}{ticket_note(ticket)})", blocks


def status_queued(total: int, ticket: str | None = None) -> str:
    return f":hourglass_flowing_sand: Queued: {total} step{'s' if total != 1 else ''} to run.{ticket_note(ticket)}"


def status_text(event: JobEvent) -> str:
    """The status message in the request's thread, updated in place while steps run."""
    if event.kind == events.STARTED:
        again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
        return f":gear: Running{again}: 0 of {event.total} steps done."
    if event.kind in (events.STEP_DONE, events.STEP_SKIPPED):
        how = "already in place, skipped" if event.kind == events.STEP_SKIPPED else f"{event.elapsed_ms} ms"
        return f":gear: Step {event.step} of {event.total}: {literal(event.summary)} ({how})."
    if event.kind == events.RETRYING:
        return (f":warning: Step {event.step} of {event.total} hit a temporary problem: {literal(event.error)}. "
                "Trying again automatically.")
    return final_status_text(event)


def final_status_text(event: JobEvent) -> str:
    """The status message's last state: short, because the reply below it has the details."""
    if event.kind == events.SUCCEEDED:
        return f":white_check_mark: Finished: {event.total} of {event.total} steps done."
    if event.kind == events.UNDONE:
        return ":leftwards_arrow_with_hook: Rolled back: see the reply below."
    if event.kind == events.REFUSED:
        return ":no_entry: Not run, the rules refused it: see the reply below."
    if event.step is None:
        return ":x: Undo stopped: see the reply below for what to do."
    return f":x: Stopped at step {event.step} of {event.total}: see the reply below for what to do."


def final_text(event: JobEvent) -> str:
    if event.kind == events.SUCCEEDED:
        steps = "the one step" if event.total == 1 else f"all {event.total} steps"
        return f":white_check_mark: Done: {steps} of `{literal(event.summary)}` completed."
    if event.kind == events.UNDONE:
        return ":leftwards_arrow_with_hook: Undone: " + "; ".join(map(literal, event.done)) + "."
    if event.kind == events.REFUSED:   # checked again as the job started: another request came first
        return (f":no_entry: Refused as the job started, nothing was changed: {literal(event.error)}\n"
                "The job checks the rules again before its first step, on what AD and the PBX hold "
                "now (another request may have taken it first).")
    done = "\n".join(f"  • {literal(s)}" for s in event.done) or "  (none)"
    pending = "\n".join(f"  • {literal(s)}" for s in event.pending) or "  (none)"
    if event.step is None:   # an undo that could not finish: no step of the plan failed
        again = ("*Undo* tries again once the cause is fixed; " if event.undoable
                 else "what is still in place must be removed by hand; ")
        error = event.error or "undo stopped"
        return (f":x: {literal(error[:1].upper() + error[1:])}\n*Still in place:*\n{done}\n"
                f"*Not in place (undone or never made):*\n{pending}\n{again}"
                "*Retry* instead runs the request's remaining steps again.")
    offer = ("*Retry* runs the remaining steps of this same request (nothing is created twice); "
             + ("*Undo* rolls the completed steps back." if event.undoable
                else "the completed steps cannot all be undone automatically."))
    return (f":x: Failed at step {event.step} of {event.total} ({literal(event.summary)}): {literal(event.error)}\n"
            f"*Completed:*\n{done}\n*Not run:*\n{pending}\n{offer}")


RETRY_ACTION, UNDO_ACTION = "tobit_retry", "tobit_undo"


def final_blocks(event: JobEvent, ticket: str | None = None) -> list[dict]:
    """The final thread reply; a failure carries Retry and (where possible) Undo buttons."""
    blocks = [_section(final_text(event))]
    if ticket:
        blocks.append(_context(f"request `{event.request_id}`{ticket_note(ticket)}"))
    if event.kind == events.FAILED:
        buttons = [{"type": "button", "action_id": RETRY_ACTION, "value": event.request_id,
                    "style": "primary", "text": {"type": "plain_text", "text": "Retry"}}]
        if event.undoable:
            buttons.append({"type": "button", "action_id": UNDO_ACTION, "value": event.request_id,
                            "style": "danger", "text": {"type": "plain_text", "text": "Undo"},
                            "confirm": _confirm("Undo?", "Roll back the completed steps?", "Undo")})
        blocks.append({"type": "actions", "block_id": f"job:{event.request_id}", "elements": buttons})
    return blocks


def password_notice(user: str, password: str, *, direct: bool = False) -> str:
    """`direct`: sent as a direct message, which (unlike an ephemeral) stays in Slack's history."""
    who = ("This direct message stays in your Slack history: delete it once the password is "
           "handed over." if direct else "Only you can see this.")
    kept = "The bot keeps it nowhere." if direct else "It is not stored anywhere."
    return (f":key: New password for `{user}`: `{password}`\n"
            f"{who} Hand it over by phone or in person; the user must change it at first logon. "
            f"{kept}")


def password_lost(user: str) -> str:
    return (f":warning: The new password for `{user}` could not be delivered (expired or already "
            "shown). Run `reset-password` to set another one.")


APPROVE_ACTION, REJECT_ACTION, WITHDRAW_ACTION = "tobit_approve", "tobit_reject", "tobit_withdraw"


def _when(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _confirm(title: str, text: str, yes: str) -> dict:
    return {"title": {"type": "plain_text", "text": title}, "text": {"type": "mrkdwn", "text": text},
            "confirm": {"type": "plain_text", "text": yes}, "deny": {"type": "plain_text", "text": "Cancel"}}


def _approval_head(record, state) -> str:
    return f":raised_hand: <@{record.requester}> requested `{literal(record.command)}`: *needs approval*"


def approval_request(record, plan_text: str, state) -> tuple[str, list]:
    """The request message of a risky command: plan, who may approve, expiry, buttons."""
    who = " and ".join(f"1 {slot}" for slot in state.slots)
    head = _approval_head(record, state)
    rid = record.request_id
    blocks = [
        _section(head), _section(plan_text),
        _section(f"Approval by {who} (not the requester): react with :white_check_mark: to approve "
                 f"or :x: to reject, or use the buttons. Expires {_when(state.expires_at)}."),
        *([_section(approval_progress(state))] if state.votes else []),
        {"type": "actions", "block_id": f"approval:{rid}", "elements": [
            {"type": "button", "action_id": APPROVE_ACTION, "style": "primary", "value": rid,
             "text": {"type": "plain_text", "text": "Approve"},
             "confirm": _confirm("Approve?", f"Run `{literal(record.command)}` now?", "Approve")},
            {"type": "button", "action_id": REJECT_ACTION, "style": "danger", "value": rid,
             "text": {"type": "plain_text", "text": "Reject"},
             "confirm": _confirm("Reject?", f"Reject `{literal(record.command)}`?", "Reject")},
            {"type": "button", "action_id": WITHDRAW_ACTION, "value": rid,
             "text": {"type": "plain_text", "text": "Withdraw"}},
        ]},
        _context(f"request `{rid}` · plan `{state.fingerprint}`{ticket_note(record.ticket)}"),
    ]
    return f"{head} ({rid}{ticket_note(record.ticket)})", blocks


def approval_progress(state) -> str:
    names = ", ".join(f"<@{u}>" for u in state.approvers)
    return f"{len(state.votes)} of {len(state.slots)} approvals: {names}"


def approval_decided(record, plan_text: str, state) -> tuple[str, list]:
    """The same message after the decision: buttons gone, who decided and when."""
    verb = {"approved": ":white_check_mark: Approved", "rejected": ":x: Rejected",
            "withdrawn": ":leftwards_arrow_with_hook: Withdrawn",
            "expired": ":hourglass: Expired"}[state.status]
    who = f" by <@{state.decided_by}>" if state.decided_by else ""
    when = f" at {_when(state.decided_at)}" if state.decided_at else ""
    line = f"{verb}{who}{when}."
    if len(state.slots) > 1 and state.votes:
        line += " " + approval_progress(state) + "."
    head = f":inbox_tray: <@{record.requester}> requested `{literal(record.command)}`"
    blocks = [_section(head), _section(plan_text), _section(line),
              _context(f"request `{record.request_id}` · plan `{state.fingerprint}`"
                       f"{ticket_note(record.ticket)}")]
    return f"{head}: {line}", blocks


BREAK_GLASS_ACK_ACTION = "tobit_break_glass_ack"


def break_glass_review(record) -> tuple[str, list]:
    """The follow-up in the channel: a second admin acknowledges the break-glass run."""
    head = (f":rotating_light: *Break-glass review needed*: <@{record.requester}> ran "
            f"`{literal(record.command)}` without approval. Reason: _{literal(record.break_glass_reason)}_.")
    ask = (f"A second admin (not <@{record.requester}>) acknowledges with :white_check_mark: or the "
           "button, after checking the request's thread.")
    blocks = [_section(head), _section(ask),
              {"type": "actions", "block_id": f"review:{record.request_id}", "elements": [
                  {"type": "button", "action_id": BREAK_GLASS_ACK_ACTION, "style": "primary",
                   "value": record.request_id, "text": {"type": "plain_text", "text": "Acknowledge"},
                   "confirm": _confirm("Acknowledge?", f"You reviewed `{literal(record.command)}`?", "Acknowledge")}]},
              _context(f"request `{record.request_id}`{ticket_note(record.ticket)}")]
    return f"{head} ({record.request_id}{ticket_note(record.ticket)})", blocks


def break_glass_reviewed(record, state) -> tuple[str, list]:
    head = (f":rotating_light: Break-glass by <@{record.requester}>: `{literal(record.command)}`. "
            f"Reason: _{literal(record.break_glass_reason)}_.")
    line = f":white_check_mark: Reviewed by <@{state.decided_by}> at {_when(state.decided_at)}."
    blocks = [_section(head), _section(line),
              _context(f"request `{record.request_id}`{ticket_note(record.ticket)}")]
    return f"{head} {line}", blocks


VOTE_REPLIES = {
    "self": "<@{user}>, you cannot approve or reject your own request: another approver must.",
    "duplicate": "<@{user}>, your approval is already counted.",
    "closed": "<@{user}>, this request is already {status}; nothing changed.",
    "expired": "<@{user}>, this request expired; run the command again to ask anew.",
    "not_requester": "<@{user}>, only the requester can withdraw this request.",
    "no_role": "<@{user}>, your reaction was ignored: approving `{command}` for {customer} needs {slots}.",
    "other_role": ("<@{user}>, your approval was not counted: the approval still missing must come "
                   "from {open}."),
    "review_self": "<@{user}>, you ran this break-glass command: a second admin must review it.",
    "review_only": "<@{user}>, a break-glass run is not approved or rejected, only acknowledged by a "
                   "second admin (:white_check_mark: or the button).",
    "review_other_role": "<@{user}>, not counted: a break-glass run is reviewed by a second admin.",
    "review_closed": "<@{user}>, this break-glass run was already reviewed; nothing changed.",
    "review_expired": ("<@{user}>, this review request expired, so it cannot be acknowledged here; "
                       "`/tobit audit break-glass` lists the run as pending."),
    "stale": (":warning: Approved, but the customer's state changed since the plan was shown, so the "
              "plan no longer holds. Nothing was run. Run `{command}` again to see the new plan."),
}


def request_not_posted(command: str, request_id: str, error: str) -> str:
    """To the requester alone, when Slack would not show their request: so it is not run."""
    return (f":warning: Nothing was done: Slack did not take your request `{literal(command)}` "
            f"(`{error}`), so it was not run, and it will not run even if it shows in the channel later. "
            f"Run it again. (Request `{request_id}`.)")


def direct_notice(channel: str, text: str) -> str:
    """A notice for a request in `channel`, sent as a direct message where the ephemeral failed."""
    return f"For your request in <#{channel}> (the bot could not show this to you there):\n{text}"


def queue_unavailable() -> str:
    """The slash command's own answer when Redis (queue, journal, audit) cannot be reached."""
    return (":electric_plug: Nothing was done: the bot's queue (Redis) is unavailable, so it can "
            "neither check nor record the command. Try again in a few minutes.")


def bot_busy() -> str:
    return (":hourglass: Nothing was done: the bot has too much work waiting (Slack answers "
            "slowly). Try again in a few minutes.")


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    return f"{seconds // 60} min" if seconds < 7200 else f"{seconds // 3600} h"


def asked_again(command: str, request_id: str, age_seconds: float, state: str) -> str:
    """The answer to a change typed again while the first request of it is still open."""
    return (f":repeat: You asked `{literal(command)}` {_age(age_seconds)} ago: `{request_id}`; it "
            f"is {state}. Nothing new was started; `/tobit job {request_id}` shows its progress.")


def not_run_backend(error) -> str:
    """Why a request was not queued: a backend (AD, Tobit, PBX) failed as it was checked again."""
    name = BACKEND_NAMES.get(str(error.backend).lower(), error.backend)
    # escaped as backend_unavailable does: the message can quote what was typed (a name, a login)
    return f"{name} did not answer as expected ({literal(error.message)})"


def not_run_queue(error_kind: str) -> str:
    return f"the bot's queue (Redis) failed (`{error_kind}`)"


def not_run_internal(reference: str) -> str:
    return f"internal error, reference `{reference}` (the details are in the bot's log)"

def request_not_run(requester: str, command: str, request_id: str, reason: str) -> tuple[str, list[dict]]:
    """In the request's thread when it was allowed (or approved) but could not be queued: nothing
    ran; Retry runs it (an approved one checked against the customer again first)."""
    text = (f":warning: <@{requester}>, `{literal(command)}` was not run: {reason}. Nothing was done; "
            f"press Retry once that works again. (Request `{request_id}`.)")
    retry = {"type": "button", "action_id": RETRY_ACTION, "value": request_id, "style": "primary",
             "text": {"type": "plain_text", "text": "Retry"}}
    return text, [_section(text), {"type": "actions", "elements": [retry]}]


def request_left_posting(command: str, request_id: str) -> str:
    """To the requester alone, when the bot stopped while it was posting their request."""
    return (f":warning: Nothing was done: the bot stopped while it was posting your request "
            f"`{literal(command)}`, so it was not run, and it will not run even if it shows in the "
            f"channel later. Run it again. (Request `{request_id}`.)")


def retry_while_running(request_id: str, job_id: str, status: str) -> str:
    """Retry refused while an earlier run of the request is queued or running."""
    return (f"Not retried: an earlier run of request `{request_id}` (job `{job_id}`) is {status}; "
            f"a second run beside it would repeat its steps. `/tobit job {request_id}` shows its progress.")


def not_run_bot_stopped() -> str:
    """Why a request approved (or retried) was not queued: the bot stopped before it queued it."""
    return "the bot stopped before it queued it"
