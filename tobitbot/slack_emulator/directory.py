"""Who and where: the emulated users, user groups and channels of the workspace."""

from __future__ import annotations

import copy

from tobitbot.slack_emulator.model import Channel, User, Usergroup
from tobitbot.slack_emulator.state import SharedState, SlackError


class Directory:
    def __init__(self, state: SharedState) -> None:
        self._state = state
        self._users: dict[str, User] = {}
        self._groups: dict[str, Usergroup] = {}
        self._channels: dict[str, Channel] = {}

    def add_user(self, user: User) -> User:
        with self._state.cond:
            self._users[user.id] = user
            self._state.changed()
            return copy.deepcopy(user)

    def add_usergroup(self, group: Usergroup) -> Usergroup:
        with self._state.cond:
            unknown = [member for member in group.members if member not in self._users]
            if unknown:
                raise ValueError(f"user group {group.handle} names unknown users {unknown}")
            self._groups[group.id] = group
            self._state.changed()
            return copy.deepcopy(group)

    def set_usergroup_members(self, group_id: str, members: list[str]) -> None:
        with self._state.cond:
            self._group(group_id).members = list(members)
            self._state.changed()

    def add_channel(self, channel: Channel) -> Channel:
        with self._state.cond:
            self._channels[channel.id] = channel
            self._state.changed()
            return copy.deepcopy(channel)

    def user(self, user_id: str) -> User:
        with self._state.cond:
            if user_id not in self._users:
                raise SlackError("user_not_found")
            return copy.deepcopy(self._users[user_id])

    def users(self) -> list[User]:
        with self._state.cond:
            return copy.deepcopy(list(self._users.values()))

    def usergroups(self) -> list[Usergroup]:
        with self._state.cond:
            return copy.deepcopy(list(self._groups.values()))

    def usergroup(self, group_id: str) -> Usergroup:
        with self._state.cond:
            return copy.deepcopy(self._group(group_id))

    def _group(self, group_id: str) -> Usergroup:
        if group_id not in self._groups:
            raise SlackError("no_such_subteam")
        return self._groups[group_id]

    def channels(self) -> list[Channel]:
        with self._state.cond:
            return copy.deepcopy(list(self._channels.values()))

    def channel(self, ref: str) -> Channel:
        """The channel `ref` names: an id, a name with or without '#', or a user (their DM).

        Slack accepts all three in chat.postMessage; posting to a user opens the direct-message
        channel with them, which is how a bot reaches an approver privately.
        """
        with self._state.cond:
            if ref in self._channels:
                return copy.deepcopy(self._channels[ref])
            name = ref.removeprefix("#")
            for channel in self._channels.values():
                if channel.name == name and not channel.is_im:
                    return copy.deepcopy(channel)
            if ref in self._users:
                return copy.deepcopy(self._direct_channel(ref))
            raise SlackError("channel_not_found")

    def _direct_channel(self, user_id: str) -> Channel:
        for channel in self._channels.values():
            if channel.is_im and channel.user == user_id:
                return channel
        channel = Channel(id="D" + user_id.removeprefix("U"), name=user_id, is_im=True,
                          user=user_id)
        self._channels[channel.id] = channel
        self._state.changed()
        return channel
