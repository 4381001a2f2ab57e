"""The final reply of an undo that could not finish says what is still in place, and how to go on."""

from __future__ import annotations

from bot import messages
from commands.events import FAILED, JobEvent


def _undo_stopped(undoable: bool) -> JobEvent:
    return JobEvent("r-1", FAILED, total=3, summary="undo", undoable=undoable,
                    error="undo stopped: Active Directory refused the change",
                    done=("create AD account jdoe",), pending=("create mailbox", "set signature"))


def test_an_undo_that_stopped_names_no_plan_step_and_offers_undo_again():
    event = _undo_stopped(undoable=True)
    text = messages.final_text(event)
    assert text.startswith(":x: Undo stopped: Active Directory refused the change\n")
    assert "step None" not in text and "None" not in messages.final_status_text(event)
    assert "*Still in place:*\n  • create AD account jdoe" in text
    buttons = [e["action_id"] for b in messages.final_blocks(event) if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == [messages.RETRY_ACTION, messages.UNDO_ACTION]


def test_an_undo_that_cannot_be_pressed_again_says_to_remove_by_hand():
    event = _undo_stopped(undoable=False)
    assert "removed by hand" in messages.final_text(event)
    buttons = [e["action_id"] for b in messages.final_blocks(event) if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == [messages.RETRY_ACTION]


def test_a_refusal_as_the_job_started_names_the_rule_says_nothing_changed_and_offers_no_buttons():
    from commands.events import REFUSED

    event = JobEvent("r-1", REFUSED, total=8, summary='add-user acme "Anna Schmidt"',
                     error="No free tobit-addon licence: 1 booked, 1 in use. (R5)\nBook one more: "
                           "`book acme tobit-addon 1`.", pending=("create AD account",))
    text = messages.final_text(event)
    assert text.startswith(":no_entry: Refused as the job started, nothing was changed: No free")
    assert "(R5)" in text and "`book acme tobit-addon 1`" in text
    assert not messages.final_status_text(event).startswith(":x:")
    assert [b for b in messages.final_blocks(event) if b["type"] == "actions"] == []
