"""Who is who on each messenger: person × messenger × external id, from the config.

The config is the source (`people.<key>.ids`, and the shorthand `slack:`, `wecom:` ...);
storage.identity keeps the same rows in the database, synced at start, so queries and
`/ar whoami` read one table. A plugin asks here for the person behind a sender id and for
the id to mention a person or a team by; it never reads the config's people itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.kernel.config import Config


@dataclass(frozen=True)
class Identity:
    person: str
    messenger: str
    external_id: str


class Identities:
    def __init__(self, config: Config) -> None:
        self._by_id: dict[tuple[str, str], str] = {}
        self._of: dict[tuple[str, str], str] = {}
        self._groups: dict[tuple[str, str], str] = {}
        for key, person in config.people.items():
            for messenger, external in person.messenger_ids().items():
                # Config validation refuses an id given to two people; first wins regardless.
                self._by_id.setdefault((messenger, external), key)
                self._of[(key, messenger)] = external
        for team_key, team in config.teams.items():
            for messenger, group in team.messenger_groups().items():
                self._groups[(team_key, messenger)] = group

    def person(self, messenger: str, external_id: str | None) -> str | None:
        """The person key behind a sender id on a messenger; None for anyone else."""
        if not external_id:
            return None
        return self._by_id.get((messenger, external_id))

    def external_id(self, person: str | None, messenger: str) -> str | None:
        """The id to mention or message a person by on a messenger; None when unknown."""
        return None if person is None else self._of.get((person, messenger))

    def group(self, team: str, messenger: str) -> str | None:
        """The handle that reaches a whole team on a messenger (a Slack user group ...)."""
        return self._groups.get((team, messenger))

    def rows(self) -> Iterator[Identity]:
        for (person, messenger), external in sorted(self._of.items()):
            yield Identity(person, messenger, external)

    def ids_of(self, person: str) -> dict[str, str]:
        return {m: e for (p, m), e in self._of.items() if p == person}
