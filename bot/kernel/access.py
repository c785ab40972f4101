"""Who may read receivables at all: one gate in the router, for every messenger.

The policy is `access` in config.yaml (`read: configured | everyone`, `readers`); what only a
messenger knows about an account (a guest, a member of a user group) comes from the
messenger's `Directory`, registered by its adapter. A messenger without one (the console)
has no guests and no groups.

Commands that only explain (help, lint, excuses, whoami) stay open to everyone: they show no
receivable. Everything else, reading or writing, passes this gate first; writing then has its
own rules in the handlers.
"""

from __future__ import annotations

import logging
from typing import Literal, Protocol

from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.identity import KEYED_BY_PERSON

log = logging.getLogger(__name__)

# Verbs that show no receivable: the playbook's own texts, the command list, and who you are
# to the bot (someone unknown must be able to learn how to be added).
OPEN_VERBS = frozenset({"help", "lint", "excuses", "whoami"})
# The most of a sender id a reply repeats (ids come from the messenger, but a reply is no
# place for a page of text).
_ID_ECHO = 80

Refusal = Literal["guest", "not_reader", "unverified"]


class DirectoryError(Exception):
    """The messenger could not say who the account is (network, missing scope, ...)."""


class Directory(Protocol):
    """What a messenger knows about its accounts (answers may be cached)."""

    async def is_guest(self, user_id: str) -> bool:
        """A guest, an account of another organisation, or one that is gone."""
        ...

    async def in_readers_group(self, user_id: str) -> bool:
        """A member of the messenger's readers group (False when none is configured)."""
        ...


class ReadAccess:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._directories: dict[str, Directory] = {}

    def register(self, platform: str, directory: Directory) -> None:
        self._directories[platform] = directory

    async def check(self, platform: str, user_id: str, person: str | None) -> Refusal | None:
        """None when this account may read; else why not."""
        directory = self._directories.get(platform)
        try:
            if directory is not None and await directory.is_guest(user_id):
                return "guest"
            if self.config.access.read == "everyone":
                return None
            if person is not None and person in self.config.people:
                return None
            if user_id in self.config.access.reader_ids(platform):
                return None
            if directory is not None and await directory.in_readers_group(user_id):
                return None
        except DirectoryError as exc:
            log.warning("could not check %s account %s: %s", platform, user_id, exc)
            return "unverified"
        return "not_reader"

    def refusal_text(
        self,
        refusal: Refusal,
        locale: str,
        *,
        platform: str | None = None,
        user_id: str | None = None,
        person: str | None = None,
    ) -> str:
        """Why not, and whom to ask; someone the config does not know (no person) is also
        told how to be added: the `ids:` line for their entry, with their own id."""
        text = t(locale, f"access_{refusal}", ask=self.whom_to_ask())
        if refusal == "guest" or person is not None or not platform or not user_id:
            return text
        if platform in KEYED_BY_PERSON:
            return text  # the console speaks only as people of the config
        return text + "\n" + t(locale, "access_add_me", messenger=platform, id=echo_id(user_id))

    def whom_to_ask(self) -> str:
        """The managers of the config, else the team leads: they can add a reader."""
        cfg = self.config
        keys = [k for k, p in cfg.people.items() if p.role == "manager"]
        if not keys:
            keys = list(dict.fromkeys(team.lead for team in cfg.teams.values()))
        return ", ".join(cfg.people[k].name for k in keys if k in cfg.people) or "-"


def echo_id(user_id: str) -> str:
    """A sender id as a reply may repeat it (shortened; renderers escape it as any text)."""
    return user_id if len(user_id) <= _ID_ECHO else user_id[: _ID_ECHO - 1] + "…"
