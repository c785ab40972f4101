"""`arcircle lint`: check a draft (an e-mail, a call script) for what must never be said.

arcircle lint "We know where you live."      one line per finding, then a summary
echo "你这个老赖" | arcircle lint             the text from stdin (also with "-")
arcircle lint --format json - < draft.txt    {"findings": [{"rule": ..., "start": ...}]}
arcircle lint --table lines.yaml             recall and false alarms per rule on a table
                                             of bad and clean lines (tests/data/lint_table.yaml)

Exit status: 0 clean, 1 a rule fired, 2 nothing to check or a bad option (with --table: 0
the report was made, 2 the file cannot be read or is not a table). Offsets count
characters (not bytes) of the text exactly as given, stdin's final newline included.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TextIO

import yaml

from playbook.compliance import Finding, LintContext, lint
from playbook.compliance_table import parse_table, report_lines, score_table

LOCALES = ("en", "zh-CN")
MAX_TABLE_BYTES = 2_000_000
FORMATS = ("text", "json")


def add_parser(
    subparsers: argparse._SubParsersAction,
    parents: Sequence[argparse.ArgumentParser] = (),
) -> argparse.ArgumentParser:
    """Add `lint` (the caller sets its func); returns the new parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lint",
        parents=list(parents),
        help="check a draft for threats, insults, false legal claims and the like",
        description="Check a message for lines that must never be said to a customer.",
    )
    parser.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the text to check (several words are joined by spaces); '-' or none: stdin",
    )
    parser.add_argument(
        "--locale",
        choices=LOCALES,
        default=None,
        help="language of the messages (default: en when the text is mostly ASCII, else zh-CN)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--litigation-decided",
        action="store_true",
        help="a litigation decision exists: saying a suit was filed is not a false claim",
    )
    parser.add_argument(
        "--lawyers-letter-decided",
        action="store_true",
        help="a lawyer's letter was decided: saying it was sent is not a false claim",
    )
    parser.add_argument(
        "--table",
        metavar="FILE",
        default=None,
        help="score the lint on a YAML table of bad lines per rule and clean lines: "
        "recall and false alarms per rule (see tests/data/lint_table.yaml)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="with --table: the figures only, not each miss"
    )
    return parser


def guess_locale(text: str) -> str:
    """en when most letters are ASCII (or there are none), else zh-CN."""
    letters = [c for c in text if c.isalpha()]
    ascii_letters = sum(1 for c in letters if c.isascii())
    return "en" if ascii_letters * 2 >= len(letters) else "zh-CN"


def run(args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    """0 clean, 1 a rule fired, 2 nothing to check / bad arguments."""
    table = getattr(args, "table", None)
    if table:
        return run_table(str(table), out, details=not getattr(args, "quiet", False))
    words = getattr(args, "text", None)
    if isinstance(words, str):
        words = [words]
    words = list(words or [])
    if words in ([], ["-"]):
        if not words and stdin.isatty():  # nothing given and nobody piping: do not hang
            out.write("nothing to check: give the TEXT, or pipe it in (arcircle lint -)\n")
            return 2
        text = stdin.read()
    else:
        text = " ".join(words)
    if not text.strip():
        out.write("nothing to check: give the TEXT, or pipe it in (arcircle lint -)\n")
        return 2
    locale = getattr(args, "locale", None) or guess_locale(text)
    if locale not in LOCALES:
        out.write(f"unknown locale {locale!r}; use one of: {', '.join(LOCALES)}\n")
        return 2
    fmt = getattr(args, "format", None) or "text"
    if fmt not in FORMATS:
        out.write(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}\n")
        return 2
    context = LintContext(
        litigation_decided=bool(getattr(args, "litigation_decided", False)),
        lawyers_letter_decided=bool(getattr(args, "lawyers_letter_decided", False)),
    )
    findings = lint(text, locale=locale, context=context)
    if fmt == "json":
        out.write(_json(findings) + "\n")
    else:
        for f in findings:
            out.write(_line(f) + "\n")
        out.write(_summary(len(findings)) + "\n")
    return 1 if findings else 0


def run_table(path: str, out: TextIO, *, details: bool = True) -> int:
    """Recall and false alarms per rule on the table in ``path``: 0 done, 2 bad file."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_TABLE_BYTES + 1)
    except OSError as exc:
        out.write(f"cannot read {path}: {exc.strerror or exc}\n")
        return 2
    if len(raw) > MAX_TABLE_BYTES:
        out.write(f"{path} is larger than {MAX_TABLE_BYTES:,} bytes\n")
        return 2
    try:
        table = parse_table(yaml.safe_load(raw.decode("utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        out.write(f"{path} is not UTF-8 YAML: {type(exc).__name__}\n")
        return 2
    except ValueError as exc:
        out.write(f"{path}: {exc}\n")
        return 2
    out.write(f"{path}\n")
    for line in report_lines(score_table(table), details=details):
        out.write(line + "\n")
    return 0


def _json(findings: Sequence[Finding]) -> str:
    rows = [
        {"rule": f.rule, "text": f.text, "start": f.start, "end": f.end, "message": f.message}
        for f in findings
    ]
    return json.dumps({"findings": rows}, ensure_ascii=False)


def _line(f: Finding) -> str:
    shown = " ".join(f.text.split())  # one line in a terminal
    return f"{f.rule} {f.start}-{f.end} '{shown}': {f.message}"


def _summary(count: int) -> str:
    if count == 0:
        return "clean"
    return "1 finding" if count == 1 else f"{count:,} findings"
