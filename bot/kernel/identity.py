"""Who is who on each messenger: person × messenger × external id, from the config.

The config is the source (`people.<key>.ids`, and the shorthand `slack:`, `wecom:` ...);
storage.identity keeps the same rows in the database, synced at start, so queries and
`/ar whoami` read one table. A plugin asks here for the person behind a sender id and for
the id to mention a person or a team by; it never reads the config's people itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from bot.kernel.config import Config


@dataclass(frozen=True)
class Identity:
    person: str
    messenger: str
    external_id: str


# Messengers whose sender ids are the person keys themselves: the console speaks as a person
# of the config (`as li.na: ...`), so it needs no row of its own.
KEYED_BY_PERSON = frozenset({"console"})


class Identities:
    def __init__(self, config: Config) -> None:
        self._people = frozenset(config.people)
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
        if messenger in KEYED_BY_PERSON:
            return external_id if external_id in self._people else None
        return self._by_id.get((messenger, external_id))

    def external_id(self, person: str | None, messenger: str) -> str | None:
        """The id to mention or message a person by on a messenger; None when unknown."""
        if person is None:
            return None
        if messenger in KEYED_BY_PERSON:
            return person if person in self._people else None
        return self._of.get((person, messenger))

    def group(self, team: str, messenger: str) -> str | None:
        """The handle that reaches a whole team on a messenger (a Slack user group ...)."""
        return self._groups.get((team, messenger))

    def rows(self) -> Iterator[Identity]:
        for (person, messenger), external in sorted(self._of.items()):
            yield Identity(person, messenger, external)

    def ids_of(self, person: str) -> dict[str, str]:
        return {m: e for (p, m), e in sorted(self._of.items()) if p == person}


# Renderers get the config with every message; the identities of a config are built once.
_CACHE: dict[int, tuple[Config, Identities]] = {}
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def identities_of(config: Config) -> Identities:
    """The Identities of this config, built once (a Config is frozen, so they never change)."""
    with _LOCK:  # renderers run in the outbox's and the event loop's threads alike
        hit = _CACHE.get(id(config))
        if hit is not None and hit[0] is config:
            return hit[1]
        found = Identities(config)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        # The config is kept with its entry, so its id cannot be reused while the entry lives.
        _CACHE[id(config)] = (config, found)
        return found
