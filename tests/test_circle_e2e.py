"""The circle across real processes, in real time: kill -9 in the middle of a circle, a
deadline that passes while the bot is down, and two processes on one database (SQLite and
PostgreSQL), where only the lease holder ticks and the other takes over when it dies.

These are the few tests allowed to wait for the wall clock, so the circle is short (a 4 s
window, a 1 s tick) and every wait is a poll with a deadline that fails with the output of
every process. Each test checks, besides its own point, that no bot message is printed
twice (by one process or by two), that no traceback appears, and that the audit chain holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import postgres_schema_url
from tests.e2e_helpers import (
    ALPHA,
    BETA,
    LEASE_NOTE,
    TICK,
    TOOK_OVER,
    WINDOW,
    Bot,
    Fleet,
    arcircle,
    card_title,
    case_opened_at,
    escalation,
    fleet,
    now,
    pending_outbox,
    subprocess_env,
    write_config,
    write_ledger,
)

# A process started after a crash needs this long to import, migrate and start its jobs.
STARTUP = timedelta(seconds=2.5)
# What a running process may add to the tick: the worker's poll, rendering, printing.
MARGIN = timedelta(seconds=1.5)
# The waiting process retries the lease every 5 s.
TAKEOVER = timedelta(seconds=6.5)
TEAMS = ("Sales", "Finance")


def _prepare(tmp_path: Path, url: str) -> dict[str, str]:
    env = subprocess_env(write_config(tmp_path), url)
    ledger = write_ledger(tmp_path, now().date())
    imported = arcircle(env, "import", str(ledger), "--currency", "CNY")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "2 new" in imported.stdout, imported.stdout
    return env


def _sqlite(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path}/circle.db"
    return url, _prepare(tmp_path, url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A schema of its own on the test server, dropped afterwards (as in conftest)."""
    yield from postgres_schema_url()


def _drained(f: Fleet, url: str, case: int, timeout: float = 5) -> None:
    """Every message about the case was delivered (marked sent, not only printed)."""
    f.wait_for(
        f"the outbox of case #{case} to drain", lambda: pending_outbox(url, case) == 0, timeout
    )


def _escalated_once(f: Fleet, case: int, customer: str, by: Bot) -> None:
    """Each seat escalated exactly once over all processes, and `by` printed it."""
    for team in TEAMS:
        line = escalation(case, customer, team)
        counts = f.count(line)
        assert sum(counts.values()) == 1, f"{line!r} printed {counts}\n{f.dump()}"
        assert counts[by.name] == 1, f"{line!r} expected from {by.name}: {counts}\n{f.dump()}"
    title = card_title(case, customer)
    counts = f.count(title)
    assert sum(counts.values()) == 1, f"the card {title!r} printed {counts}\n{f.dump()}"


def _escalation_seen(f: Fleet, bot: Bot, case: int, customer: str, timeout: float) -> datetime:
    """When the later of the two level-1 escalations showed up in `bot`'s output."""
    seen = [f.wait_text(bot, escalation(case, customer, team), timeout) for team in TEAMS]
    return max(seen)


def _kill_after_delivery(f: Fleet, bot: Bot, url: str, case: int) -> None:
    f.wait_text(bot, card_title(case, ALPHA), 5)
    # kill -9 between printing a message and marking it sent would print it again after the
    # restart (at least once, by design); this test is about the timer, so wait the few ms.
    _drained(f, url, case, timeout=1)
    bot.kill9()


def _stop(f: Fleet, bot: Bot) -> None:
    """End of input: the console stops, the jobs stop, the lease is released, exit 0."""
    bot.close_stdin()
    f.wait_for(f"{bot.name} to exit after end of input", lambda: not bot.alive, 15)
    assert bot.proc.returncode == 0, f.dump()


def _audit_ok(env: dict[str, str]) -> None:
    verify = arcircle(env, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith("Audit trail intact"), verify.stdout


def test_kill9_mid_circle_the_restarted_process_escalates_on_time(tmp_path: Path) -> None:
    url, env = _sqlite(tmp_path)
    with fleet(env, tmp_path) as f:
        a = f.start("A")
        case = f.open_case(a, ALPHA, timeout=30)
        deadline = case_opened_at(url, case) + WINDOW
        _kill_after_delivery(f, a, url, case)
        assert a.killed_at is not None and a.killed_at < deadline, f.dump()

        b = f.start("B")
        seen = _escalation_seen(f, b, case, ALPHA, timeout=15)
        _drained(f, url, case)
        _escalated_once(f, case, ALPHA, by=b)
        lateness = (seen - deadline).total_seconds()
        print(
            f"\n[e2e] kill -9 {(deadline - a.killed_at).total_seconds():.2f}s before the "
            f"deadline; B printed the escalation {lateness:.2f}s after it "
            f"({(seen - b.started_at).total_seconds():.2f}s after B started)"
        )
        assert seen <= deadline + TICK + STARTUP, (
            f"B printed the escalation {lateness:.2f}s after the deadline\n{f.dump()}"
        )
        assert b.stdout.count(LEASE_NOTE) == 0, f.dump()  # A's lease died with A
        f.assert_clean()
        _stop(f, b)
    _audit_ok(env)


def test_deadline_passed_while_down_escalates_once_promptly_after_restart(
    tmp_path: Path,
) -> None:
    url, env = _sqlite(tmp_path)
    with fleet(env, tmp_path) as f:
        a = f.start("A")
        case = f.open_case(a, ALPHA, timeout=30)
        deadline = case_opened_at(url, case) + WINDOW
        _kill_after_delivery(f, a, url, case)
        assert a.killed_at is not None and a.killed_at < deadline, f.dump()
        # Nobody is running when the deadline passes.
        f.wait_for("the deadline to pass", lambda: now() > deadline + timedelta(seconds=0.5), 6)

        b = f.start("B")
        # Measured from when B's console reads (its scheduler has started by then), not from
        # the process start: a loaded CI machine spends seconds in imports before either.
        ready = f.wait_ready(b, timeout=20)
        seen = _escalation_seen(f, b, case, ALPHA, timeout=15)
        _drained(f, url, case)
        _escalated_once(f, case, ALPHA, by=b)
        after_ready = (seen - ready).total_seconds()
        print(
            f"\n[e2e] deadline passed {(b.started_at - deadline).total_seconds():.2f}s before "
            f"B started; B was ready {(ready - b.started_at).total_seconds():.2f}s after it "
            f"started and printed the escalation {after_ready:.2f}s after that"
        )
        assert seen <= ready + TICK + MARGIN, (
            f"B printed the escalation {after_ready:.2f}s after it was ready\n{f.dump()}"
        )
        f.assert_clean()
        _stop(f, b)
    _audit_ok(env)


def _second_process_waits_then_takes_over(f: Fleet, url: str, a: Bot, b: Bot) -> None:
    """A holds the lease, B waits: the circle of a case runs once, in A. Then A dies and B
    runs the next case's circle."""
    f.wait_text(b, LEASE_NOTE, 5)
    assert a.stdout.count(LEASE_NOTE) == 0, f"both processes wait for the lease\n{f.dump()}"

    case1 = f.open_case(a, ALPHA)
    deadline1 = case_opened_at(url, case1) + WINDOW
    seen1 = _escalation_seen(f, a, case1, ALPHA, timeout=10)
    _drained(f, url, case1)
    _escalated_once(f, case1, ALPHA, by=a)
    assert seen1 <= deadline1 + TICK + MARGIN, f.dump()
    assert TOOK_OVER not in b.stderr, f.dump()

    a.kill9()
    assert a.killed_at is not None
    took_over = f.wait_text(b, TOOK_OVER, TAKEOVER.total_seconds(), stderr=True)

    case2 = f.open_case(b, BETA)
    deadline2 = case_opened_at(url, case2) + WINDOW
    f.wait_text(b, card_title(case2, BETA), 5)
    seen2 = _escalation_seen(f, b, case2, BETA, timeout=10)
    _drained(f, url, case2)
    _escalated_once(f, case2, BETA, by=b)
    _escalated_once(f, case1, ALPHA, by=a)  # the new leader did not send case 1 again
    print(
        f"\n[e2e] A escalated {(seen1 - deadline1).total_seconds():.2f}s after the deadline; "
        f"B took over {(took_over - a.killed_at).total_seconds():.2f}s after kill -9 and "
        f"escalated the next case {(seen2 - deadline2).total_seconds():.2f}s after its deadline"
    )
    assert seen2 <= deadline2 + TICK + MARGIN, f.dump()
    f.assert_clean()
    _stop(f, b)


def test_second_process_on_the_same_sqlite_file_waits_and_takes_over(tmp_path: Path) -> None:
    url, env = _sqlite(tmp_path)
    with fleet(env, tmp_path) as f:
        a = f.start("A")
        f.wait_ready(a)  # A holds the lease before B starts
        b = f.start("B")
        f.wait_ready(b)
        _second_process_waits_then_takes_over(f, url, a, b)
    _audit_ok(env)


@pytest.mark.postgres
def test_two_processes_on_postgresql_one_ticks_the_other_takes_over(
    tmp_path: Path, pg_url: str
) -> None:
    env = _prepare(tmp_path, pg_url)
    with fleet(env, tmp_path) as f:
        a = f.start("A")
        f.wait_ready(a)
        b = f.start("B")
        f.wait_ready(b)
        _second_process_waits_then_takes_over(f, pg_url, a, b)
    _audit_ok(env)
