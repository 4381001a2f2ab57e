"""Registers App Home and the add-user modal (shortcut, home button, submission) on the app.

Each listener answers Slack first: views.open and views.publish run on the work pool, and a
modal submission, which must answer with its field errors, is checked on a thread of its own
(bot.add_user_modal bounds it to Slack's three seconds), never on Bolt's listener threads.
"""

from __future__ import annotations

import threading

from slack_bolt import App

from bot.add_user_modal import CALLBACK_ID, OPEN_ACTION, AddUserModal
from bot.deps import BotDeps
from bot.home import AppHome
from bot.identity import GroupDirectory
from bot.slash import SlashCommand
from bot.work_pool import WorkPool, answered_first


def register_surfaces(app: App, deps: BotDeps, groups: GroupDirectory, slash: SlashCommand,
                      pool: WorkPool) -> None:
    home = AppHome(deps, groups)

    def run_command(text: str, user: str, channel: str, client) -> None:
        # the modal already answered Slack: what the slash command would have put in its
        # answer (asked again, Redis down, busy) goes to the person as an ephemeral
        answer = slash.admit(text, user, channel, None, client)
        if answer:
            pool.submit(client.chat_postEphemeral, channel=channel, user=user, text=answer)

    modal = AddUserModal(deps, groups, run_command)

    def on_submission(ack, body, view, client) -> None:
        threading.Thread(target=modal.on_submission, args=(ack, body, view, client),
                         name="tobitbot-modal-submission", daemon=True).start()

    app.event("app_home_opened")(answered_first(pool, home.on_opened))
    app.shortcut(CALLBACK_ID)(answered_first(pool, modal.open))
    app.action(OPEN_ACTION)(answered_first(pool, modal.open))
    app.view(CALLBACK_ID)(on_submission)
