"""Signed checkpoints of the audit trail, kept outside the database.

A chain cut short at its end still verifies; a checkpoint remembers how long it was and what
its last hash was. They live in an append-only file of JSON lines (next to a SQLite database,
`arcircle.db.audit-checkpoints`, or at `audit.checkpoints`), so whoever edits the database
also has to edit that file, and each line is signed with the audit key, so an edited line
shows. A checkpoint posted elsewhere (the daily digest) is checked with `--checkpoint
COUNT:HASH`.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.audit import AuditKey

_TOKEN = re.compile(r"^\s*(\d{1,18})\s*:\s*([0-9a-fA-F]{16,64})\s*$")


@dataclass(frozen=True)
class Checkpoint:
    count: int  # entries in the trail
    head: str  # the hash of the last of them
    at: datetime
    entry_id: int | None = None  # the id of that entry (lets the hourly job check only the rest)
    key_id: str | None = None
    mac: str | None = None  # None: written without a key
    line: int = field(default=0, compare=False)  # where it was read from

    @property
    def token(self) -> str:
        """`COUNT:HASH`, what the digest posts and `audit verify --checkpoint` takes back."""
        return f"{self.count}:{self.head}"

    def describe(self) -> str:
        return f"{self.token} ({self.at:%Y-%m-%d %H:%M:%S} UTC)"


def _signed_part(count: int, entry_id: int | None, head: str, at: str, key_id: str | None) -> bytes:
    body = {"v": 1, "count": count, "id": entry_id, "head": head, "at": at, "key_id": key_id}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def make(
    key: AuditKey | None, *, count: int, head: str, at: datetime, entry_id: int | None
) -> Checkpoint:
    at = at.astimezone(UTC).replace(microsecond=0)
    key_id = key.key_id if key is not None else None
    mac = None
    if key is not None:
        mac = key.sign_checkpoint(_signed_part(count, entry_id, head, _at_text(at), key_id))
    return Checkpoint(count, head, at, entry_id, key_id, mac)


def parse_token(text: str) -> tuple[int, str]:
    """`1234:ab12…` (the hash in full, or its first 16 or more hex digits)."""
    match = _TOKEN.match(text)
    if match is None:
        raise ValueError(f"{text!r}: expected COUNT:HASH, e.g. 1234:3f2a9c1d0b7e6a55…")
    return int(match.group(1)), match.group(2).lower()


@dataclass
class CheckpointRead:
    checkpoints: list[Checkpoint] = field(default_factory=list)  # every well-formed line
    trusted: list[Checkpoint] = field(default_factory=list)  # signature checked with the key
    # What the trail is compared with: every line except those whose signature failed (that
    # is the finding; what they claim means nothing).
    comparable: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unsigned: int = 0
    unchecked: int = 0  # signed, but no key to check them with
    missing: bool = False  # no file yet

    @property
    def latest(self) -> Checkpoint | None:
        """The newest checkpoint that can be trusted: signed with the key when there is one."""
        pool = self.trusted or [c for c in self.checkpoints if c.mac is None]
        return pool[-1] if pool else None


def _parse(line: str, number: int) -> Checkpoint:
    data: Any = json.loads(line)
    if not isinstance(data, dict) or data.get("v") != 1:
        raise ValueError("not a checkpoint")
    count, head, at = data["count"], data["head"], data["at"]
    entry_id, key_id, mac = data.get("id"), data.get("key_id"), data.get("mac")
    if not (isinstance(count, int) and count >= 0 and isinstance(head, str) and len(head) == 64):
        raise ValueError("not a checkpoint")
    if entry_id is not None and not isinstance(entry_id, int):
        raise ValueError("not a checkpoint")
    for value in (key_id, mac):
        if value is not None and not isinstance(value, str):
            raise ValueError("not a checkpoint")
    when = datetime.fromisoformat(str(at).replace("Z", "+00:00")).astimezone(UTC)
    return Checkpoint(count, head, when, entry_id, key_id, mac, number)


class CheckpointFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, key: AuditKey | None) -> CheckpointRead:
        out = CheckpointRead()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            out.missing = True
            return out
        except OSError as exc:
            out.problems.append(f"cannot read the checkpoint file {self.path}: {exc.strerror}")
            return out
        for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                cp = _parse(line, number)
            except (ValueError, KeyError, TypeError):
                out.problems.append(f"checkpoint file line {number}: not a checkpoint")
                continue
            out.checkpoints.append(cp)
            if cp.mac is None:
                out.unsigned += 1
                out.comparable.append(cp)
            elif key is None:
                out.unchecked += 1
                out.comparable.append(cp)
            elif cp.key_id != key.key_id:
                out.problems.append(
                    f"checkpoint file line {number}: signed with another key "
                    f"(id {cp.key_id}), not ARCIRCLE_AUDIT_KEY (id {key.key_id})"
                )
            else:
                expected = make(key, count=cp.count, head=cp.head, at=cp.at, entry_id=cp.entry_id)
                if expected.mac is not None and hmac.compare_digest(expected.mac, cp.mac):
                    out.trusted.append(cp)
                    out.comparable.append(cp)
                else:
                    out.problems.append(
                        f"checkpoint file line {number}: its signature does not match "
                        "(the line was edited)"
                    )
        return out

    def append(self, cp: Checkpoint) -> None:
        body = json.loads(_signed_part(cp.count, cp.entry_id, cp.head, _at_text(cp.at), cp.key_id))
        body["mac"] = cp.mac
        line = json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: two writers (the hourly job, a verify) each add whole lines.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def latest(path: Path, key: AuditKey | None) -> Checkpoint | None:
    """The newest checkpoint that can be trusted (the daily digest posts its token)."""
    return CheckpointFile(path).read(key).latest
