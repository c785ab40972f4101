"""The CJK font the digest chart draws Chinese with, found on this machine and checked.

A font is taken only after loading it and finding a glyph for every character the chart's
Chinese labels use: a font that merely claims `lang=zh` (or a broken file) would draw boxes
("tofu"), which is exactly what the chart must never show. `python -m jobs.chart_fonts`
prints the font, or one line on how to install one (`make install` / `make run` call it).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.kernel.i18n_chart import ZH

log = logging.getLogger(__name__)

ENV_VAR = "ARCIRCLE_CJK_FONT"
INSTALL_HINT = (
    "no CJK font: charts use English labels; install fonts-noto-cjk (apt) / set "
    f"{ENV_VAR}=/path/to/font.ttc"
)
# Every character a Chinese chart draws: its labels, the compact amounts (万, 亿), digits.
REQUIRED = "".join(
    sorted({c for text in ZH.values() for c in text if not c.isascii()} | set("万亿"))
)
_DIGITS = "0123456789%.-"
# Families known to cover Simplified Chinese, tried first among matplotlib's fonts (fontconfig
# is asked first; this is for machines without it, e.g. macOS and Windows).
_NAME_HINTS = (
    "noto sans cjk",
    "noto serif cjk",
    "source han",
    "wenquanyi",
    "wqy",
    "droid sans fallback",
    "ar pl",
    "pingfang",
    "hiragino sans gb",
    "heiti",
    "songti",
    "stheiti",
    "microsoft yahei",
    "simhei",
    "simsun",
    "dengxian",
    "noto sans sc",
    "noto sans tc",
    "cjk",
)


@dataclass(frozen=True)
class FontCheck:
    path: Path
    name: str | None  # the family name, when the file loads
    missing: str  # characters of REQUIRED without a glyph ("" = covers everything)
    error: str | None = None  # why the file could not be loaded

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing


def check_font(path: Path, chars: str = REQUIRED + _DIGITS) -> FontCheck:
    """Load the font (face 0 of a collection, the one matplotlib draws with) and look up a
    glyph for each of `chars`: index 0 is the missing-glyph box."""
    from matplotlib import ft2font

    try:
        font = ft2font.FT2Font(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        return FontCheck(path, None, chars, f"{type(exc).__name__}: {exc}")
    missing = "".join(c for c in chars if font.get_char_index(ord(c)) == 0)
    return FontCheck(path, str(font.family_name), missing)


def cjk_font() -> Path | None:
    """The CJK font charts use, or None (then charts are drawn with English labels).

    ARCIRCLE_CJK_FONT overrides the search; a font there that cannot draw the labels is
    logged and the search goes on. Cached per value of the override: a search loads fonts."""
    return _find(os.environ.get(ENV_VAR) or None)


def font_name(path: Path) -> str:
    check = check_font(path, "")
    return check.name or path.name


@functools.lru_cache(maxsize=8)
def _find(override: str | None) -> Path | None:
    if override:
        check = check_font(Path(override))
        if check.ok:
            return Path(override)
        log.warning("%s=%s cannot draw the chart's labels: %s", ENV_VAR, override, _why(check))
    seen: set[str] = set()
    for path in _candidates():
        key = str(path)
        if key in seen:
            continue
        seen.add(key)
        if check_font(path).ok:
            return path
    return None


def _why(check: FontCheck) -> str:
    if check.error:
        return check.error
    return f"no glyph for {check.missing[:20]!r}"


def _candidates() -> Iterator[Path]:
    yield from _ranked(_fontconfig())
    yield from _ranked(_matplotlib_fonts())


def _ranked(paths: Iterable[Path]) -> list[Path]:
    """Known CJK families first (Noto before WenQuanYi before the rest), then the others."""

    def rank(path: Path) -> tuple[int, str]:
        name = path.name.lower().replace("-", " ").replace("_", " ")
        for i, hint in enumerate(_NAME_HINTS):
            if hint in name or hint.replace(" ", "") in name:
                return i, str(path)
        return len(_NAME_HINTS), str(path)

    return sorted(paths, key=rank)


def _fontconfig() -> list[Path]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        done = subprocess.run(
            [fc_list, ":lang=zh", "file"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("fc-list failed: %s", exc)
        return []
    # Lines read `/usr/share/fonts/.../wqy-microhei.ttc: `.
    out = []
    for line in done.stdout.splitlines():
        path = line.strip().removesuffix(":").strip()
        if path and Path(path).is_file():
            out.append(Path(path))
    return out


def _matplotlib_fonts() -> list[Path]:
    from matplotlib import font_manager

    out = []
    for entry in font_manager.fontManager.ttflist:
        name = f"{entry.name} {Path(entry.fname).name}".lower()
        if any(hint in name or hint.replace(" ", "") in name for hint in _NAME_HINTS):
            out.append(Path(entry.fname))
    return out


def main(argv: list[str]) -> int:
    """`python -m jobs.chart_fonts [--hint]`: the font found; with --hint, print only the
    install line when there is none. Never fails: charts fall back to English labels."""
    found = cjk_font()
    if found is not None:
        if "--hint" not in argv:
            print(f"CJK font for charts: {font_name(found)} ({found})")
        return 0
    print(f"arcircle: {INSTALL_HINT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
