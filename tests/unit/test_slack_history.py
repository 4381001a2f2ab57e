"""The sandbox keeps its channels' history in its data dir: threads and reactions come back."""

from __future__ import annotations

from tobitbot.slack_emulator.history import load_history, save_history
from tobitbot.slack_emulator.workspace import Workspace


def test_history_comes_back_with_threads_reactions_and_edits(tmp_path):
    before = Workspace()
    parent = before.conversations.post("C_SUPPORT", "request", [{"type": "divider"}], "U_BOT",
                                       bot_id="B_BOT", app_id="A_BOT")
    before.conversations.post("C_SUPPORT", "done", [], "U_BOT", thread_ts=parent.ts)
    before.conversations.add_reaction("C_SUPPORT", parent.ts, "white_check_mark", "U_APPROVER")
    before.conversations.update("C_SUPPORT", parent.ts, "request (approved)", None)
    before.conversations.post_ephemeral("C_SUPPORT", "U_OPERATOR", "secret", [])
    save_history(before, tmp_path / "history.json")

    after = Workspace()
    assert load_history(after, tmp_path / "history.json") == 2
    assert after.conversations.snapshot() == before.conversations.snapshot()
    assert [m.text for m in after.conversations.thread("C_SUPPORT", parent.ts)] == [
        "request (approved)", "done"]
    assert after.conversations.ephemerals() == []          # Slack keeps none either
    assert "secret" not in (tmp_path / "history.json").read_text()
    newer = after.conversations.post("C_SUPPORT", "next", [], "U_OPERATOR")
    assert float(newer.ts) > float(parent.ts)


def test_no_history_file_is_an_empty_workspace(tmp_path):
    assert load_history(Workspace(), tmp_path / "missing.json") == 0
