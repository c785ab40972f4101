"""What Slack knows about an account, for the read gate (bot.kernel.access): guests and the readers
user group, cached for a while so a busy channel does not ask Slack on every command.

- users.info (scope users:read): `is_restricted` (multi-channel guest), `is_ultra_restricted`
  (single-channel guest), `is_stranger` (another organisation in a shared channel), `deleted`,
  or a member of another workspace: all are guests here and never read. `user_not_found`
  counts as a guest too (not an account of this workspace).
- usergroups.users.list (scope usergroups:read): the members of
  `platforms.slack.readers_group`.

Anything else Slack answers (missing scope, network, rate limit after the client's retries) is
a DirectoryError: the gate then refuses, and says it could not check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.outbound import delivery_error
from bot.kernel.access import DirectoryError
from bot.kernel.clock import Clock

TTL = timedelta(minutes=5)
_GUEST_FLAGS = ("is_restricted", "is_ultra_restricted", "is_stranger", "deleted")


class SlackDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        clock: Clock,
        *,
        readers_group: str | None = None,
        team_id: str | None = None,
        ttl: timedelta = TTL,
    ) -> None:
        self.client = client
        self.clock = clock
        self.readers_group = readers_group
        self.team_id = team_id  # the bot's workspace, once auth.test has said
        self.ttl = ttl
        self._guests: dict[str, tuple[datetime, bool]] = {}
        self._group: tuple[datetime, frozenset[str]] | None = None

    async def is_guest(self, user_id: str) -> bool:
        now = self.clock.now()
        cached = self._guests.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        guest = await self._lookup_guest(user_id)
        self._guests[user_id] = (now + self.ttl, guest)
        return guest

    async def in_readers_group(self, user_id: str) -> bool:
        if not self.readers_group:
            return False
        now = self.clock.now()
        if self._group is None or self._group[0] <= now:
            members = await self._group_members(self.readers_group)
            self._group = (now + self.ttl, members)
        return user_id in self._group[1]

    async def _lookup_guest(self, user_id: str) -> bool:
        if not user_id:
            return True
        try:
            resp = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            if _error(exc) in ("user_not_found", "user_not_visible"):
                return True
            raise DirectoryError(_reason("users.info", exc)) from None
        except Exception as exc:
            raise DirectoryError(_reason("users.info", exc)) from None
        user = resp.get("user")
        if not isinstance(user, Mapping):
            raise DirectoryError("users.info gave no user")
        if any(user.get(flag) is True for flag in _GUEST_FLAGS):
            return True
        team = user.get("team_id")
        return bool(self.team_id and isinstance(team, str) and team and team != self.team_id)

    async def _group_members(self, group: str) -> frozenset[str]:
        try:
            resp = await self.client.usergroups_users_list(usergroup=group)
        except Exception as exc:
            raise DirectoryError(_reason(f"usergroups.users.list {group}", exc)) from None
        users = resp.get("users")
        if not isinstance(users, list):
            raise DirectoryError(f"usergroups.users.list {group} gave no users")
        return frozenset(u for u in users if isinstance(u, str))


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, Mapping) else ""


def _reason(what: str, exc: Any) -> str:
    if isinstance(exc, SlackApiError) and _error(exc) == "missing_scope":
        data = getattr(exc.response, "data", None)
        needed = data.get("needed") if isinstance(data, Mapping) else None
        return f"{what}: the Slack app lacks the {needed or 'needed'} scope (reinstall it)"
    return f"{what}: {delivery_error(exc).reason}"
