"""What every messenger's outbox transport does the same way, whatever the messenger: who a
direct row is for, the files of a message read before anything is sent, and a message
without its files for a way that cannot carry them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.kernel.capabilities import Capabilities, adapt
from bot.kernel.messages import PermanentError, Reply
from storage.outbox import OutRow

_NO_FILES = Capabilities(files=False)


def without_files(message: Reply) -> Reply:
    """The message as a messenger without files gets it: the fallback section, the names."""
    return adapt(message, "answer", _NO_FILES) if message.attachments else message


def read_files(paths: Sequence[str]) -> list[tuple[str, bytes]]:
    """The files' names and bytes, all read before any is sent: a missing one sends none."""
    files = []
    for path in paths:
        file = Path(path)
        if not file.is_file():
            raise PermanentError(f"attachment {file.name} is missing on the bot's disk")
        files.append((file.name, file.read_bytes()))
    return files


def person_of(row: OutRow) -> str | None:
    """The person a row is for, when it is a direct message (`@<person>`, payload owner)."""
    if not row.destination.startswith("@"):
        return None
    payload = row.payload if isinstance(row.payload, dict) else {}
    person = payload.get("person") or payload.get("owner") or row.destination[1:]
    return str(person) if person else None
