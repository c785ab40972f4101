"""Where a ledger's rows are parsed: in the importing thread, or in a child process.

Parsing and writing each take about half of a big import; with two cores a child process
parses the next chunk while the importer writes the last one.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from storage.ledger_files import read_table
from storage.ledger_options import ImportOptions, ImportResult
from storage.ledger_rows import Progress, Record, RowReader, read_records

CHUNK = 2000


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class InlineReader:
    """Parses chunk by chunk in the importing thread: small files, no start-up cost."""

    def __init__(
        self, table: Any, reader: RowReader, result: ImportResult, progress: Progress | None
    ) -> None:
        self._records = read_records(table, reader, result, progress)

    def chunks(self) -> Iterator[list[Record]]:
        return batched(self._records, CHUNK)

    def close(self) -> None:
        pass


def _send(out: BinaryIO, message: tuple[str, int, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)


def child_main() -> None:
    """The reader process: read and check every row, send the records in chunks.

    Reads (path, options) as a pickle on stdin; writes length-prefixed pickles on stdout:
    ("chunk", bytes read, ([tuple, ...], bad rows)) ..., then
    ("done", size, (rows, bad rows, warnings)) or ("error", 0, exception). Bad rows travel
    with the chunk they were found in, so neither process holds them all twice.
    """
    out = sys.stdout.buffer
    try:
        path, options = pickle.load(sys.stdin.buffer)
        table = read_table(
            path, encoding=options.encoding, delimiter=options.delimiter, sheet=options.sheet
        )
        reader = RowReader(table.columns, options)
        tally = ImportResult(file=path.name)
        for chunk in batched(read_records(table, reader, tally, None), CHUNK):
            # Plain tuples pickle five times faster than named ones.
            _send(out, ("chunk", table.bytes_read(), ([tuple(r) for r in chunk], tally.bad)))
            tally.bad.clear()
        _send(out, ("done", table.size_bytes, (tally.rows, tally.bad, tally.warnings)))
    except BaseException as exc:
        try:
            _send(out, ("error", 0, exc))
        except Exception:
            _send(out, ("error", 0, RuntimeError(f"{type(exc).__name__}: {exc}")))
    out.flush()


class ProcessReader:
    """Parses in a child process while this one writes the previous chunk to the database.

    Threads would not overlap: the parser would hold the GIL whenever the driver wants it
    back. A plain subprocess rather than multiprocessing, which would re-run the caller's
    __main__.
    """

    def __init__(
        self,
        path: Path,
        options: ImportOptions,
        result: ImportResult,
        progress: Progress | None,
        total_bytes: int,
    ) -> None:
        self._result = result
        self._progress = progress
        self._total = total_bytes
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from storage.ledger_process import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(pickle.dumps((path, options)))
        self._proc.stdin.close()
        self._out = self._proc.stdout

    def _receive(self) -> tuple[str, int, Any]:
        head = self._out.read(8)
        if len(head) < 8:
            raise RuntimeError("the ledger reader process stopped unexpectedly")
        size = int.from_bytes(head, "little")
        data = self._out.read(size)
        if len(data) < size:
            raise RuntimeError("the ledger reader process stopped unexpectedly")
        message: tuple[str, int, Any] = pickle.loads(data)
        return message

    def chunks(self) -> Iterator[list[Record]]:
        # Record._make is a Python call per row; tuple.__new__ through partial stays in C.
        make = partial(tuple.__new__, Record)
        while True:
            kind, done_bytes, payload = self._receive()
            if kind == "error":
                raise payload
            if self._progress is not None:
                self._progress(min(done_bytes, self._total), self._total)
            if kind == "done":
                rows, bad, warnings = payload
                self._result.rows = rows
                self._result.bad.extend(bad)
                self._result.warnings.extend(warnings)
                return
            records, bad = payload
            self._result.bad.extend(bad)
            yield list(map(make, records))

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait(timeout=10)
        self._out.close()
