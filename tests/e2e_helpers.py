"""Real `arcircle run` processes for the end-to-end circle tests: started with a pipe on
stdin (kept open, so the console keeps running), stdout and stderr in files, polled with a
deadline. Nothing here sleeps for long: every wait is a poll that fails with the output."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from storage.db import Database
from tests.conftest import LEDGER_HEADER, write_csv

REPO = Path(__file__).resolve().parents[1]
POLL = 0.05

E2E_CONFIG = """\
company:
  name: Test Machinery
  currency: CNY
  timezone: UTC
  locale: en
people:
  wang.wei: {name: 王伟, team: sales, role: lead}
  tom.baker: {name: Tom Baker, team: sales}
  li.na: {name: 李娜, team: finance, role: lead}
  zhao.yun: {name: 赵云, team: legal, role: lead}
  liu.yang: {name: 刘洋, role: manager}
teams:
  sales: {name: Sales, lead: wang.wei, manager: liu.yang}
  finance: {name: Finance, lead: li.na, manager: liu.yang}
  legal: {name: Legal, lead: zhao.yun, manager: liu.yang}
circle:
  response_window: 4s
  escalation:
    - {after: 4s, notify: [lead]}
    - {after: 60s, notify: [manager, channel]}
  repeat: {times: 0}
  business_hours: null
  remind_before: null
  tick_every: 1s
  channels: {console: "#test"}
platforms:
  console: {channel: "#test", default_person: li.na}
"""

WINDOW = timedelta(seconds=4)
TICK = timedelta(seconds=1)
ALPHA = "Alpha Trading"
BETA = "Beta Works"
LEASE_NOTE = "(Another arcircle process on this database runs the circle;"
TOOK_OVER = "took over the scheduler lease"
PROBE = "hello, is anybody there"

# The first line of a message the bot posts, and the lines that continue it.
_BOT_LINE = re.compile(r"^\[(?P<chan>[^\]]+)\] arcircle(?: → \S+)?: ")


def now() -> datetime:
    return datetime.now(UTC)


def subprocess_env(config: Path, database_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TELEGRAM_", "WECOM_", "FEISHU_", "DINGTALK_"))
    }
    env.pop("ARCIRCLE_SAMPLE_LEDGER", None)
    env.update(
        {
            "ARCIRCLE_CONFIG": str(config),
            "DATABASE_URL": database_url,
            "PYTHONUTF8": "1",
            # The takeover is logged as a warning: keep it visible whatever the caller set.
            "ARCIRCLE_LOG_LEVEL": "WARNING",
        }
    )
    return env


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(E2E_CONFIG, encoding="utf-8")
    return path


def write_ledger(tmp_path: Path, today: date) -> Path:
    """Two customers, one invoice each, ten days overdue: early stage, entered long enough
    ago that the first overdue scan records it quietly instead of opening a case."""
    issued = (today - timedelta(days=40)).isoformat()
    due = (today - timedelta(days=10)).isoformat()
    rows = [
        ("I-1", "C1", ALPHA, "", "wang.wei", issued, due, "CNY", "1000", "", "", ""),
        ("I-2", "C2", BETA, "", "wang.wei", issued, due, "CNY", "500", "", "", ""),
    ]
    return write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows)


def arcircle(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def escalation(case: int, customer: str, team: str, level: int = 1) -> str:
    return f"🔔 Case #{case} {customer}: {team} has not answered in time (level {level})"


def card_title(case: int, customer: str) -> str:
    return f"Case #{case} · {customer}"


class Bot:
    """One `arcircle run` process."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.out_path = workdir / f"{name}.stdout"
        self.err_path = workdir / f"{name}.stderr"
        self._out = self.out_path.open("wb")
        self._err = self.err_path.open("wb")
        self.started_at = now()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-sample"],
            stdin=subprocess.PIPE,
            stdout=self._out,
            stderr=self._err,
            env=env,
            cwd=REPO,
        )
        self.killed_at: datetime | None = None

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def type(self, line: str) -> None:
        """A chat line on the console, as the config's default person (li.na)."""
        stdin: IO[bytes] | None = self.proc.stdin
        assert stdin is not None
        stdin.write((line + "\n").encode("utf-8"))
        stdin.flush()

    def kill9(self) -> None:
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.killed_at = now()

    def close_stdin(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with suppress(BrokenPipeError):
                self.proc.stdin.close()

    def cleanup(self) -> None:
        self.close_stdin()
        if self.alive:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        finally:
            self._out.close()
            self._err.close()


class Fleet:
    """The processes of one test, and waits that show all their output when they fail."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.bots: list[Bot] = []

    def start(self, name: str) -> Bot:
        bot = Bot(name, self.env, self.workdir)
        self.bots.append(bot)
        return bot

    def dump(self) -> str:
        parts = []
        for b in self.bots:
            state = "running" if b.alive else f"exited {b.proc.returncode}"
            parts.append(
                f"----- {b.name} ({state}, started {b.started_at:%H:%M:%S.%f}"
                + (f", killed {b.killed_at:%H:%M:%S.%f}" if b.killed_at else "")
                + f") stdout:\n{b.stdout}\n----- {b.name} stderr:\n{b.stderr}"
            )
        return "\n".join(parts)

    def wait_for(
        self,
        what: str,
        check: Callable[[], Any],
        timeout: float,
        *,
        watch: Sequence[Bot] = (),
    ) -> tuple[Any, datetime]:
        """Poll `check` until it returns something truthy; (that value, when it was seen).
        Fails early when a process in `watch` died on its own."""
        start = time.monotonic()
        while True:
            value = check()
            if value:
                return value, now()
            for b in watch:
                if not b.alive and b.killed_at is None:
                    raise AssertionError(f"{b.name} exited while waiting for {what}\n{self.dump()}")
            if time.monotonic() - start > timeout:
                raise AssertionError(
                    f"timed out after {timeout:g}s waiting for {what}\n{self.dump()}"
                )
            time.sleep(POLL)

    def wait_text(self, bot: Bot, needle: str, timeout: float, *, stderr: bool = False) -> datetime:
        where = "stderr" if stderr else "stdout"
        _, seen = self.wait_for(
            f"{needle!r} in {bot.name}'s {where}",
            lambda: needle in (bot.stderr if stderr else bot.stdout),
            timeout,
            watch=[bot],
        )
        return seen

    def wait_ready(self, bot: Bot, timeout: float = 20) -> datetime:
        """The console reads its stdin (so the scheduler lease was tried already)."""
        bot.type(PROBE)
        return self.wait_text(bot, f"li.na: {PROBE}", timeout)

    def open_case(self, bot: Bot, customer: str, timeout: float = 10) -> int:
        bot.type(f"/ar open {customer}")
        pattern = re.compile(rf"Case #(\d+) is open for {re.escape(customer)}")
        found, _ = self.wait_for(
            f"the reply to /ar open {customer} in {bot.name}",
            lambda: pattern.search(bot.stdout),
            timeout,
            watch=[bot],
        )
        return int(found.group(1))

    def count(self, needle: str) -> dict[str, int]:
        return {b.name: b.stdout.count(needle) for b in self.bots}

    def total(self, needle: str) -> int:
        return sum(self.count(needle).values())

    def assert_clean(self) -> None:
        """No traceback anywhere, no bot message printed twice (by one process or two)."""
        for b in self.bots:
            assert "Traceback" not in b.stdout, f"a traceback in {b.name}'s stdout\n{self.dump()}"
            assert "Traceback" not in b.stderr, f"a traceback in {b.name}'s stderr\n{self.dump()}"
        blocks: Counter[str] = Counter()
        for b in self.bots:
            blocks.update(bot_messages(b.stdout))
        doubled = [m for m, n in blocks.items() if n > 1]
        assert not doubled, f"printed more than once: {doubled}\n{self.dump()}"


def bot_messages(text: str) -> list[str]:
    """The bot's messages in a transcript, each with its continuation lines."""
    messages: list[list[str]] = []
    prefix: str | None = None
    for line in text.splitlines():
        m = _BOT_LINE.match(line)
        if m:
            prefix = f"[{m.group('chan')}]"
            messages.append([line])
        elif prefix is not None and (line == prefix or line.startswith(prefix + "   ")):
            messages[-1].append(line)
        else:
            prefix = None
    return ["\n".join(m) for m in messages]


@contextmanager
def fleet(env: dict[str, str], workdir: Path) -> Iterator[Fleet]:
    group = Fleet(env, workdir)
    try:
        yield group
    finally:
        for b in group.bots:
            b.cleanup()


# --- the database, read directly -------------------------------------------------------


def _utc(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def case_opened_at(url: str, case_id: int) -> datetime:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            value = conn.execute(
                sa.text('SELECT opened_at FROM "case" WHERE id = :id'), {"id": case_id}
            ).scalar_one()
    finally:
        db.dispose()
    return _utc(value)


def pending_outbox(url: str, case_id: int) -> int:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            n = conn.execute(
                sa.text("SELECT count(*) FROM outbox WHERE case_id = :id AND status = 'pending'"),
                {"id": case_id},
            ).scalar_one()
    finally:
        db.dispose()
    return int(n)
