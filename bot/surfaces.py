"""Registers App Home and the add-user modal (shortcut, home button, submission) on the app."""

from __future__ import annotations

from slack_bolt import App

from bot.add_user_modal import CALLBACK_ID, OPEN_ACTION, AddUserModal
from bot.deps import BotDeps
from bot.home import AppHome
from bot.identity import GroupDirectory
from bot.slash import SlashCommand


def register_surfaces(app: App, deps: BotDeps, groups: GroupDirectory, slash: SlashCommand) -> None:
    home = AppHome(deps, groups)

    def run_command(text: str, user: str, channel: str, client) -> None:
        # the modal already answered Slack; the command path must not answer it again
        slash(lambda *args, **kwargs: None, {"text": text, "user_id": user, "channel_id": channel},
              client)

    modal = AddUserModal(deps, groups, run_command)
    app.event("app_home_opened")(lambda event, client: home.on_opened(event, client))
    app.shortcut(CALLBACK_ID)(modal.open)
    app.action(OPEN_ACTION)(modal.open)
    app.view(CALLBACK_ID)(modal.on_submission)
