"""The watched ledger folder (`ledger.watch`): each new or changed file imported once, then
moved to `done/` or `failed/` with its report beside it (`<name>.report.txt`).

- A file is taken only when it looks finished: not a temporary name (`~$x.xlsx` is Excel's
  lock file, `.part`, `.tmp`, `.crdownload` are downloads and copies under way, dot-files are
  hidden) and the same size and modification time as at the previous poll. A file still
  being written therefore waits a poll (or more) and is never read half-way.
- Each content is claimed by its SHA-256 (storage.jobrun, job "ledger_watch"), so two
  processes watching the same folder import it once, and the same bytes dropped again are
  not imported again (they go to done/ with a report saying so). A claim left running for
  an hour (its process died) is taken over.
- The import is the file importer's own, one transaction: bad rows are reported by row
  number (and written to `<name>.errors.csv`, to fix and drop again), good rows applied. A
  file that cannot be read at all goes to failed/ with the reason; nothing of it is applied.
- When the database fails, the file stays where it is and is tried again next poll; the
  failed claim is the `job_run` row the digest reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from storage import jobrun
from storage.circle import CircleEnv
from storage.db import Database
from storage.ledger import ImportOptions, ImportResult, MappingError, file_sha256, import_ledger
from storage.ledger_cell import ParseError
from storage.ledger_errors import write_errors_file
from storage.paid_cases import close_paid_cases

log = logging.getLogger(__name__)
JOB = "ledger_watch"
DONE, FAILED, KNOWN = "done", "failed", "known"
LEDGER_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
# Names that editors, browsers and copy tools give a file while it is being written.
_TEMP_PREFIXES = ("~$", ".")
_TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".filepart")
_REPORT = ".report.txt"
# A claim still "running" after this long belongs to a process that died importing it.
STALE = timedelta(hours=1)


@dataclass(frozen=True)
class Handled:
    """What became of one file: where it went, and its report."""

    name: str
    status: str  # "done", "failed" or "known" (the same content was imported before)
    moved_to: Path | None
    report: Path | None
    result: ImportResult | None = None
    error: str | None = None


def is_candidate(path: Path) -> bool:
    """A ledger file by its name, not one being written under a temporary name."""
    name = path.name
    lower = name.lower()
    if name.startswith(_TEMP_PREFIXES) or lower.endswith(_TEMP_SUFFIXES):
        return False
    return lower.endswith(LEDGER_SUFFIXES) and not lower.endswith(_REPORT)


class FolderWatcher:
    """Polls one folder; remembers each file's size and mtime between polls (a file is taken
    once they stop changing), so keep one watcher for the life of the process."""

    def __init__(
        self,
        db: Database,
        folder: Path,
        options: ImportOptions,
        circle: CircleEnv | None = None,
    ) -> None:
        self.db = db
        self.folder = folder
        self.options = options
        self.circle = circle
        self._seen: dict[str, tuple[int, int]] = {}

    def _ready(self) -> Iterator[Path]:
        if not self.folder.is_dir():
            log.warning("ledger watch folder %s does not exist", self.folder)
            return
        present: dict[str, tuple[int, int]] = {}
        for path in sorted(self.folder.iterdir()):
            if path.is_symlink() or not path.is_file() or not is_candidate(path):
                continue
            try:
                st = path.stat()
            except OSError:
                continue  # gone meanwhile
            stamp = (st.st_size, st.st_mtime_ns)
            present[path.name] = stamp
            if st.st_size and self._seen.get(path.name) == stamp:
                yield path
        self._seen = present

    def run(self, now: datetime, today: date) -> list[Handled]:
        """One poll: every finished file handled; what became of each."""
        handled = [h for path in self._ready() if (h := self._one(path, now, today)) is not None]
        if self.circle is not None and any(h.status == DONE for h in handled):
            close_paid_cases(self.db, self.circle, now=now, today=today)
        return handled

    def _one(self, path: Path, now: datetime, today: date) -> Handled | None:
        try:
            digest = file_sha256(path)
            st = path.stat()
        except OSError:
            return None
        if self._seen.get(path.name) != (st.st_size, st.st_mtime_ns):
            return None  # written to while it was read: next poll
        if not jobrun.claim(self.db, JOB, digest, now):
            if jobrun.status(self.db, JOB, digest) == DONE:
                lines = [f"the same content (sha256 {digest}) was imported before: nothing to do"]
                return self._finish(path, KNOWN, DONE, lines)
            # Another process is importing it, or died doing so long ago (the import is one
            # transaction, so taking over repeats nothing that landed).
            if not jobrun.take_over(self.db, JOB, digest, now, now - STALE):
                return None
        try:
            result = import_ledger(self.db, path, self.options, now=now, today=today, sha256=digest)
        except (ParseError, MappingError) as exc:
            error = str(exc)
            moved = self._finish(path, FAILED, FAILED, [f"error: {error}", "nothing was imported"])
            jobrun.finish(self.db, JOB, digest, FAILED, now, {"source": path.name, "error": error})
            return moved
        except Exception as exc:
            # Not the file's fault (the database, the disk): leave it for the next poll.
            log.exception("ledger watch: %s could not be imported", path.name)
            detail = {"source": path.name, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            jobrun.finish(self.db, JOB, digest, FAILED, now, detail)
            return Handled(path.name, FAILED, None, None, error=detail["error"])
        done = self._finish(path, DONE, DONE, _lines(result), result)
        jobrun.finish(self.db, JOB, digest, DONE, now, {"source": path.name, **_counts(result)})
        return done

    def _finish(
        self,
        path: Path,
        status: str,
        where: str,
        lines: list[str],
        result: ImportResult | None = None,
    ) -> Handled:
        """Report, then move: whoever sees the file gone finds its report already there. A
        file of known content is moved first: another watcher may be moving it too, and only
        the one whose move worked writes the report."""
        target_dir = self.folder / where
        error = lines[0].removeprefix("error: ") if status == FAILED else None
        head = [f"arcircle ledger import: {path.name}", f"status: {status}"]
        try:
            target_dir.mkdir(exist_ok=True)
            target = _free_name(target_dir, path.name)
            report = target.with_name(target.name + _REPORT)
            if status == KNOWN:
                path.rename(target)
            report.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
            if result is not None and result.bad:
                write_errors_file(target.with_name(target.name + ".errors.csv"), result)
            if status != KNOWN:
                path.rename(target)
        except FileNotFoundError:
            return Handled(path.name, status, None, None, result, error)  # moved by another
        except OSError as exc:
            log.error("ledger watch: cannot move %s to %s/: %s", path.name, where, exc)
            return Handled(path.name, status, None, None, result, error)
        log.warning("ledger watch: %s → %s/ (%s)", path.name, where, status)
        return Handled(path.name, status, target, report, result, error)


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `stem (2).csv`... when a file (or its report) has it already."""
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    k = 2
    while candidate.exists() or candidate.with_name(candidate.name + _REPORT).exists():
        candidate = folder / f"{stem} ({k}){suffix}"
        k += 1
    return candidate


def _counts(result: ImportResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "payments": result.payments_added,
        "bad": len(result.bad),
    }


def _lines(result: ImportResult) -> list[str]:
    lines = [f"{key}: {value}" for key, value in _counts(result).items()]
    if result.bad:
        lines.append("bad rows (not imported; all of them, with their cells, in the .errors.csv):")
        lines += [f"  row {bad.row}: {bad.reason}" for bad in result.bad]
    lines += [f"warning: {w}" for w in result.warnings]
    return lines
