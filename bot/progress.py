"""A one-line progress bar on stderr, for imports of large files."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO, label: str, enabled: bool) -> None:
        self.stream = stream
        self.label = label
        self.enabled = enabled
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        share = min(1.0, done / total) if total else 1.0
        filled = int(share * 30)
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {share * 100:5.1f}%  {done / 1e6:,.1f}/{total / 1e6:,.1f} MB"
        )
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
