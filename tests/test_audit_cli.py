"""`arcircle audit` and `arcircle doctor` about the audit trail, run as a user runs them:
exact output, exit codes, and the key never printed or stored."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from storage.audit import AuditKey
from storage.db import Database
from tests.conftest import TEST_CONFIG, postgres_schema_url
from tests.test_audit import Trail
from tests.test_cli import arcircle

SECRET = "5e6f0c1d2b3a49587766554433221100ffeeddccbbaa99887766554433221100"
KEY = AuditKey.from_text(SECRET)


def _env(tmp_path: Path, url: str, config_text: str = TEST_CONFIG) -> dict[str, str]:
    config = tmp_path / "config.yaml"
    config.write_text(config_text, encoding="utf-8")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TELEGRAM_", "ARCIRCLE_", "DATABASE_URL"))
    }
    clean.update(
        {
            "ARCIRCLE_CONFIG": str(config),
            "DATABASE_URL": url,
            "ARCIRCLE_AUDIT_KEY": SECRET,
            "PYTHONUTF8": "1",
        }
    )
    return clean


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return _env(tmp_path, f"sqlite:///{tmp_path}/cli.db")


def _trail(url: str, config: Config, clock: FakeClock, tmp_path: Path) -> Database:
    db = Database(url, audit_key=KEY)
    db.migrate()
    Trail(db, config, clock, tmp_path).build()
    return db


@pytest.fixture
def built(env: dict[str, str], config: Config, clock: FakeClock, tmp_path: Path) -> Path:
    """A SQLite database with a circle in it; returns the database file."""
    _trail(env["DATABASE_URL"], config, clock, tmp_path).dispose()
    return tmp_path / "cli.db"


def _sql(db_file: Path, statement: str) -> None:
    with sqlite3.connect(db_file) as conn:
        conn.execute(statement)


_WHEN = re.compile(r"\(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)")
_HEX = re.compile(r"\b[0-9a-f]{64}\b")


def _plain(text: str) -> str:
    """The output with the run's moment and hashes replaced, to compare it whole."""
    return _HEX.sub("<hash>", _WHEN.sub("(<when>)", text))


def test_verify_intact_writes_a_checkpoint_and_then_agrees_with_it(
    env: dict[str, str], built: Path
) -> None:
    first = arcircle(env, "audit", "verify")
    assert first.returncode == 0, first.stdout + first.stderr
    file = Path(f"{built}.audit-checkpoints")
    n = _count(built)
    assert _plain(first.stdout) == (
        f"Audit trail intact: {n} entries ({n} signed with key id {KEY.key_id}).\n"
        "Every case, seat change, team input, promise and decision has its entry.\n"
        f"Checkpoint written: {n}:<hash> (<when>), signed with key id {KEY.key_id}\n"
    )
    again = arcircle(env, "audit", "verify")
    assert again.returncode == 0
    assert f"It agrees with the 1 checkpoint in {file}.\n" in again.stdout
    assert f"Latest checkpoint: {n}:" in again.stdout
    assert len(file.read_text().splitlines()) == 1  # nothing new, no new line
    token = again.stdout.split("Latest checkpoint: ")[1].split()[0]
    given = arcircle(env, "audit", "verify", "--checkpoint", token)
    assert f"It agrees with the checkpoint {token[: len(str(n)) + 17]}… given." in given.stdout


def _count(db_file: Path) -> int:
    with sqlite3.connect(db_file) as conn:
        (n,) = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()
    return int(n)


def test_verify_reports_every_record_when_all_entries_are_deleted(
    env: dict[str, str], built: Path
) -> None:
    assert arcircle(env, "audit", "verify").returncode == 0
    n = _count(built)
    _sql(built, "DELETE FROM audit_log")
    broken = arcircle(env, "audit", "verify")
    assert broken.returncode == 1
    lines = _plain(broken.stdout).splitlines()
    assert lines[0].startswith("Audit trail BROKEN: ") and lines[0].endswith(" in 0 entries.")
    assert "  case 1: no audit entry" in lines
    assert "  decision 1: no audit entry (case 1)" in lines
    assert "  seat 1 version 1: no audit entry (case 1, sales)" in lines
    assert (
        f"  the trail has 0 entries, fewer than the {n:,} of the checkpoint of {n}:<hash> "
        "(<when>): entries were cut off its end" in lines
    )
    assert lines[-3].startswith("Records without their audit entry: ")
    assert lines[-2] == f"Latest checkpoint: {n}:<hash> (<when>), signed with key id {KEY.key_id}"
    assert lines[-1] == "No checkpoint written: the trail does not hold."


def test_verify_catches_a_cut_tail_with_a_posted_checkpoint(
    env: dict[str, str], built: Path
) -> None:
    first = arcircle(env, "audit", "verify")
    token = first.stdout.split("Checkpoint written: ")[1].split()[0]
    Path(f"{built}.audit-checkpoints").unlink()  # the file went too
    _sql(built, "DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)")
    cut = arcircle(env, "audit", "verify", "--checkpoint", token)
    assert cut.returncode == 1
    count, head = token.split(":")
    assert f"fewer than the {int(count):,} of the checkpoint {count}:{head[:16]}…" in cut.stdout
    bad = arcircle(env, "audit", "verify", "--checkpoint", "12")
    assert bad.returncode == 2
    assert bad.stderr.startswith("usage: ")
    assert "expected COUNT:HASH" in bad.stderr and "Traceback" not in bad.stderr


def test_verify_with_a_wrong_or_missing_key_says_so(env: dict[str, str], built: Path) -> None:
    other = AuditKey.from_text("0" * 64)
    wrong = arcircle(dict(env, ARCIRCLE_AUDIT_KEY="0" * 64), "audit", "verify")
    assert wrong.returncode == 1
    assert wrong.stdout == (
        f"Audit trail NOT CHECKED: wrong key: ARCIRCLE_AUDIT_KEY (key id {other.key_id}) is "
        f"not the key this trail was signed with (key id {KEY.key_id}).\n"
        "No checkpoint written: the trail could not be checked.\n"
    )
    unset = {k: v for k, v in env.items() if k != "ARCIRCLE_AUDIT_KEY"}
    missing = arcircle(unset, "audit", "verify")
    assert missing.returncode == 1
    n = _count(built)
    assert missing.stdout.startswith(
        f"Audit trail NOT CHECKED: {n:,} of {n:,} entries are signed (key id {KEY.key_id}) "
        "and ARCIRCLE_AUDIT_KEY is not set: they cannot be checked.\n"
    )


def test_doctor_warns_without_a_key_and_fails_on_a_wrong_one(
    env: dict[str, str], tmp_path: Path, config: Config, clock: FakeClock
) -> None:
    unset = {k: v for k, v in env.items() if k != "ARCIRCLE_AUDIT_KEY"}
    plain = arcircle(unset, "doctor")
    assert plain.returncode == 0, plain.stdout
    (line,) = [x for x in plain.stdout.splitlines() if "audit key" in x]
    assert line.startswith("! audit key")
    assert "ARCIRCLE_AUDIT_KEY is not set" in line
    assert "anyone with write access to the database can rewrite the trail undetected" in line
    assert 'python3 -c "import os; print(os.urandom(32).hex())"' in line
    assert f"✓ audit checkpoints  {tmp_path}/cli.db.audit-checkpoints" in plain.stdout
    short = arcircle(dict(env, ARCIRCLE_AUDIT_KEY="hunter2"), "doctor")
    assert "! audit key          ARCIRCLE_AUDIT_KEY is short" in short.stdout
    _trail(env["DATABASE_URL"], config, clock, tmp_path).dispose()
    good = arcircle(env, "doctor")
    assert f"✓ audit key          set (key id {KEY.key_id})" in good.stdout
    wrong = arcircle(dict(env, ARCIRCLE_AUDIT_KEY="0" * 64), "doctor")
    assert wrong.returncode == 1
    assert f"wrong key: the trail is signed with key id {KEY.key_id}" in wrong.stdout
    missing = arcircle(unset, "doctor")
    assert missing.returncode == 1
    assert f"the trail is signed (key id {KEY.key_id}) but ARCIRCLE_AUDIT_KEY is not set" in (
        missing.stdout
    )


def test_the_key_is_never_printed_logged_or_stored(
    env: dict[str, str], built: Path, tmp_path: Path
) -> None:
    loud = dict(env, ARCIRCLE_LOG_LEVEL="DEBUG")
    ledger = tmp_path / "ledger.csv"
    outputs = [
        arcircle(loud, "import", str(ledger)),
        arcircle(loud, "audit", "verify"),
        arcircle(loud, "audit", "tail", "-n", "100"),
        arcircle(loud, "doctor"),
        arcircle(dict(loud, ARCIRCLE_AUDIT_KEY="0" * 64), "audit", "verify"),
        arcircle(loud, "run", "--no-sample", stdin="/ar case 1\n"),
    ]
    assert all("Traceback" not in o.stderr for o in outputs), [o.stderr for o in outputs]
    assert "Case #1" in outputs[-1].stdout
    text = "".join(o.stdout + o.stderr for o in outputs)
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("cli.db"))
    for form in (SECRET, SECRET.upper(), SECRET[:16], SECRET[-16:]):
        assert form not in text
        assert form.encode() not in stored


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from postgres_schema_url()


@pytest.mark.postgres
def test_on_postgresql_checkpoints_need_a_path_in_the_config(
    pg_url: str, tmp_path: Path, config: Config, clock: FakeClock
) -> None:
    _trail(pg_url, config, clock, tmp_path).dispose()
    env = _env(tmp_path, pg_url)
    nowhere = arcircle(env, "audit", "verify")
    assert nowhere.returncode == 0, nowhere.stdout + nowhere.stderr
    assert "No checkpoint file: set audit.checkpoints in the config" in nowhere.stdout
    env = _env(tmp_path, pg_url, TEST_CONFIG + "audit:\n  checkpoints: trail.jsonl\n")
    kept = arcircle(env, "audit", "verify")
    assert kept.returncode == 0 and "Checkpoint written: " in kept.stdout
    assert (tmp_path / "trail.jsonl").read_text().count("\n") == 1
