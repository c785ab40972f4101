"""What every arcircle command shares: the Fail exception (a message and an exit code),
logging set-up, loading the config, the clock (real, or scaled for a demo) and date arguments."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from bot.kernel.clock import Clock, ScaledClock, SystemClock, clock_start
from bot.kernel.config import Config, ConfigError, load_config

log = logging.getLogger("arcircle")


class Fail(Exception):
    """A one-line reason to stop, with the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _setup_logging(default: str) -> None:
    level = os.environ.get("ARCIRCLE_LOG_LEVEL", default).upper()
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("ARCIRCLE_LOG_FORMAT", "").strip().lower() == "json":
        # One JSON object a line, for a log collector: time, level, logger, message (and the
        # exception, when there is one).
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler])
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        # APScheduler logs every run of every job at INFO: a line every two seconds.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _config(args: argparse.Namespace) -> Config:
    try:
        return load_config(Path(args.config) if args.config else None)
    except ConfigError as exc:
        raise Fail("\n".join(exc.lines)) from None


def _clock(
    args: argparse.Namespace, config: Config | None = None, base: Clock | None = None
) -> tuple[Clock, str | None]:
    """The clock `run` uses, and a note saying where a scaled clock starts (None if real).

    `base` is the wall clock (tests give a fake one, so "today" is any day they choose)."""
    base = base or SystemClock()
    speed = getattr(args, "clock_speed", None) or 1.0
    start_text = getattr(args, "clock_start", None)
    if not start_text and speed == 1:
        return base, None
    start = None
    note = None
    if start_text:
        start, note = _clock_start(start_text, config, base.now())
    # Held at its start until the console begins (cmd_run releases it).
    return ScaledClock(speed, base=base, start=start, held=start is not None), note


def _clock_start(text: str, config: Config | None, now: datetime) -> tuple[datetime, str]:
    from bot.circle_env import circle_policy

    zone: tzinfo = config.company.zone if config is not None else UTC
    policy = circle_policy(config) if config is not None else None
    try:
        return clock_start(text, zone, policy, now)
    except ValueError:
        raise Fail(f"--clock-start {text!r}: expected HH:MM or YYYY-MM-DDTHH:MM", 2) from None


def _date(text: str) -> date:
    from storage.ledger_parse import ParseError, parse_date

    try:
        value = parse_date(text)
    except ParseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value is None:
        raise argparse.ArgumentTypeError("a date is required, e.g. 2013-06-30")
    return value


class Report(Protocol):
    """A report `arcircle report` prints or writes (aging, metrics)."""

    def to_json(self) -> Any: ...
    def to_csv(self) -> str: ...
    def to_table(self) -> str: ...
    def write_csv(self, path: Path) -> None: ...
    def to_xlsx(self, path: Path) -> None: ...


def write_report(report: Report, fmt: str, output: Path | None) -> None:
    """The report in `fmt` to `output` (None: the screen; XLSX needs a file)."""
    try:
        if fmt == "xlsx":
            assert output is not None
            report.to_xlsx(output)
        elif fmt == "csv" and output is not None:
            report.write_csv(output)
        else:
            if fmt == "json":
                text = json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
            elif fmt == "csv":
                text = report.to_csv()
            else:
                text = report.to_table() + "\n"
            if output is None:
                sys.stdout.write(text)
            else:
                output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Fail(f"--output {output}: cannot write it ({exc.strerror or exc})") from None
