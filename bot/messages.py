"""Every user-facing text and Block Kit layout the bot posts, built in one place."""

from __future__ import annotations

from commands import events
from commands.errors import UserError
from commands.events import JobEvent

MAX_TEXT = 2900  # Slack: 3,000 characters per text block


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:MAX_TEXT]}]}


def refusal(error: UserError) -> str:
    return f":no_entry: {error.text()}"


def parse_help(error: UserError) -> str:
    return f":question: {error.text()}\nType `/tobit help` for all commands."


def internal_error(reference: str) -> str:
    return (f":boom: Internal error, reference `{reference}`. Nothing more was done. "
            "Please tell the bot's maintainers the reference; the details are in the bot's log.")


def request_message(requester: str, command: str, plan_text: str, request_id: str) -> tuple[str, list]:
    head = f":inbox_tray: <@{requester}> requested `{command}`"
    blocks = [_section(head), _section(plan_text), _context(f"request `{request_id}`")]
    return f"{head} ({request_id})", blocks


def status_queued(total: int) -> str:
    return f":hourglass_flowing_sand: Queued: {total} step{'s' if total != 1 else ''} to run."


def status_text(event: JobEvent) -> str:
    """The status message in the request's thread, updated in place while steps run."""
    if event.kind == events.STARTED:
        again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
        return f":gear: Running{again}: 0 of {event.total} steps done."
    if event.kind in (events.STEP_DONE, events.STEP_SKIPPED):
        how = "already in place, skipped" if event.kind == events.STEP_SKIPPED else f"{event.elapsed_ms} ms"
        return f":gear: Step {event.step} of {event.total}: {event.summary} ({how})."
    if event.kind == events.RETRYING:
        return (f":warning: Step {event.step} of {event.total} hit a temporary problem: {event.error}. "
                "Trying again automatically.")
    return final_text(event)


def final_text(event: JobEvent) -> str:
    if event.kind == events.SUCCEEDED:
        return f":white_check_mark: Done: all {event.total} steps of `{event.summary}` completed."
    if event.kind == events.UNDONE:
        return ":leftwards_arrow_with_hook: Undone: " + "; ".join(event.done) + "."
    done = "\n".join(f"  • {s}" for s in event.done) or "  (none)"
    pending = "\n".join(f"  • {s}" for s in event.pending) or "  (none)"
    offer = ("The completed steps can be undone, or left in place for a retry."
             if event.undoable else "Run the same command again to retry: completed steps are skipped.")
    return (f":x: Failed at step {event.step} of {event.total} ({event.summary}): {event.error}\n"
            f"*Completed:*\n{done}\n*Not run:*\n{pending}\n{offer}")


def password_notice(user: str, password: str) -> str:
    return (f":key: New password for `{user}`: `{password}`\n"
            "Only you can see this. Hand it over by phone or in person; the user must change it "
            "at first logon. It is not stored anywhere.")


def password_lost(user: str) -> str:
    return (f":warning: The new password for `{user}` could not be delivered (expired or already "
            "shown). Run `reset-password` to set another one.")
