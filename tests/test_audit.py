"""The audit trail as an attacker meets it (both databases): a signed chain, records that must
each have their entry, and checkpoints kept outside the database.

Out of scope, by design: an attacker who holds ARCIRCLE_AUDIT_KEY *and* can write both the
database and the checkpoint file can re-sign anything; only a checkpoint kept elsewhere (the
one the daily digest posts, checked with `--checkpoint`) still catches that rewrite.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from bot.audit_cli import checkpoint_path
from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config
from jobs.audit import audit_checkpoint
from jobs.circle import scan_overdue, tick
from storage import audit
from storage.audit import GENESIS, AuditKey, legacy_digest
from storage.audit_checkpoints import CheckpointFile, latest, make, parse_token
from storage.audit_verify import AuditReport, record_checkpoint, verify_trail
from storage.circle import CircleEnv, add_promise, begin_write, record_input
from storage.circle_decisions import decide, snooze
from storage.db import Database
from storage.models import AuditLog
from tests.conftest import LEDGER_HEADER, run_import, write_csv

KEY = AuditKey.from_text("9c1f0e7a5b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e")
OTHER = AuditKey.from_text("a different key, as a careless admin might set it, 40+ chars")
_log = AuditLog.__table__  # type: ignore[attr-defined]
TODAY = date(2026, 3, 16)

_NORTHWIND = ("C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01")
LEDGER = [
    # Northwind: one invoice just entered "early", one late since February: one case.
    ("INV-1", *_NORTHWIND, "2026-03-15", "CNY", "1000.00", "", "", "no"),
    ("INV-2", *_NORTHWIND, "2026-02-01", "CNY", "500.00", "", "", "no"),
]


class Trail:
    """A database with a circle that went through every kind of change."""

    def __init__(self, db: Database, config: Config, clock: FakeClock, tmp: Path) -> None:
        self.db, self.config, self.clock, self.tmp = db, config, clock, tmp
        self.env: CircleEnv = circle_env(config)
        self.checkpoints = CheckpointFile(tmp / "trail.audit-checkpoints")

    def now(self) -> datetime:
        return self.clock.now()

    def build(self) -> Trail:
        run_import(self.db, write_csv(self.tmp / "ledger.csv", LEDGER_HEADER, LEDGER))
        scan_overdue(self.db, self.env, today=TODAY, now=self.now())
        self.write(
            record_input,
            case_id=1,
            team="finance",
            person="li.na",
            text="statement sent",
            now=self.now(),
        )
        self.write(
            add_promise,
            case_id=1,
            amount_minor=80_000,
            currency="CNY",
            due_on=TODAY + timedelta(days=4),
            today=TODAY,
            person="wang.wei",
            now=self.now(),
        )
        self.write(
            snooze,
            case_id=1,
            until=self.now() + timedelta(hours=2),
            reason="the CFO is back at noon",
            actor=self.config.actor("wang.wei"),
            rules=self.config.circle.decision_rules(),
            now=self.now(),
            team="sales",
        )
        self.clock.advance(timedelta(minutes=16))
        assert tick(self.db, self.env, self.now()) > 0  # legal is escalated
        self.write(
            decide,
            case_id=1,
            action="call",
            actor=self.config.actor("wang.wei"),
            rules=self.config.circle.decision_rules(),
            note="agreed to pay Friday",
            amount_minor=None,
            currency=None,
            on_date=None,
            now=self.now(),
        )
        self.write(  # replaces the first promise
            add_promise,
            case_id=1,
            amount_minor=150_000,
            currency="CNY",
            due_on=TODAY + timedelta(days=5),
            today=TODAY,
            person="wang.wei",
            now=self.now(),
        )
        return self

    def write(self, change: Any, **kwargs: Any) -> Any:
        with self.db.engine.begin() as conn:
            begin_write(conn)
            return change(conn, self.env, **kwargs)

    def reimport(self, amount: str) -> None:
        """A ledger change: entries without a circle record (only a checkpoint sees them go)."""
        rows = [(*LEDGER[0][:8], amount, *LEDGER[0][9:]), LEDGER[1]]
        run_import(self.db, write_csv(self.tmp / "ledger.csv", LEDGER_HEADER, rows))

    def verify(
        self, key: AuditKey | None = KEY, given: list[tuple[int, str]] | None = None
    ) -> AuditReport:
        with self.db.engine.connect() as conn:
            return verify_trail(
                conn, key, checkpoints=self.checkpoints.read(key), given=given or []
            )

    def checkpoint(self, key: AuditKey | None = KEY) -> Any:
        report = self.verify(key)
        assert report.ok, report.problems
        return record_checkpoint(self.checkpoints, key, report.chain, self.now())

    def sql(self, statement: str, **params: Any) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(sa.text(statement), params)

    def rows(self) -> list[Any]:
        with self.db.engine.connect() as conn:
            return list(conn.execute(sa.select(_log).order_by(_log.c.id)))


@pytest.fixture
def trail(db: Database, config: Config, clock: FakeClock, tmp_path: Path) -> Trail:
    db.use_audit_key(KEY)
    return Trail(db, config, clock, tmp_path).build()


def rebuild_without_the_key(db: Database, *, keep_key_ids: bool) -> None:
    """What a forger with write access but no key can do: recompute every hash from genesis,
    with plain SHA-256 (keeping the key ids, or dropping them to pass as an old trail)."""
    with db.engine.begin() as conn:
        prev = GENESIS
        for r in list(conn.execute(sa.select(_log).order_by(_log.c.id))):
            key_id = r.key_id if keep_key_ids else None
            if key_id is None and r.version is None:
                digest = legacy_digest(
                    prev, r.at, r.actor, r.action, r.entity, r.entity_id, r.detail
                )
            else:
                at = (r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)).astimezone(UTC)
                fields = [prev, at.replace(tzinfo=None).isoformat(timespec="microseconds")]
                fields += [r.actor, r.action, r.entity, r.entity_id, r.version, key_id, r.detail]
                payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
                digest = hashlib.sha256(payload.encode()).hexdigest()
            conn.execute(
                sa.update(_log)
                .where(_log.c.id == r.id)
                .values(prev_hash=prev, hash=digest, key_id=key_id)
            )
            prev = digest


# --- the keyed chain ------------------------------------------------------------------------


def test_every_change_has_an_entry_naming_its_record_and_the_trail_verifies(trail: Trail) -> None:
    refs = {(r.entity, r.action) for r in trail.rows()}
    assert {
        ("case", "case.open"),
        ("seat", "seat.open"),
        ("input", "case.answer"),
        ("seat", "seat.answer"),
        ("promise", "case.promise"),
        ("promise", "promise.replaced"),
        ("seat", "case.snooze"),
        ("seat", "seat.escalation"),
        ("decision", "case.decide"),
    } <= refs
    report = trail.verify()
    assert report.ok, report.problems
    rows = trail.rows()
    assert report.chain.signed == len(rows) and all(r.key_id == KEY.key_id for r in rows)
    seats = [r for r in rows if r.entity == "seat"]
    assert all(r.version is not None for r in seats)


def test_an_edited_entry_is_detected(trail: Trail) -> None:
    trail.sql("UPDATE audit_log SET detail = :d WHERE action = 'case.decide'", d='{"note":"x"}')
    report = trail.verify()
    assert not report.ok
    assert any(
        "(case.decide): content does not match its hash (it was edited)" in p
        for p in report.problems
    )


@pytest.mark.parametrize("keep_key_ids", [True, False])
def test_an_edit_with_the_chain_rehashed_without_the_key_is_detected(
    trail: Trail, keep_key_ids: bool
) -> None:
    trail.checkpoint()
    trail.sql("UPDATE audit_log SET detail = :d WHERE action = 'case.decide'", d='{"note":"x"}')
    rebuild_without_the_key(trail.db, keep_key_ids=keep_key_ids)
    report = trail.verify()
    assert not report.ok
    if keep_key_ids:  # every signed entry now fails its HMAC
        assert report.chain.problem_total == len(trail.rows())
        assert "content does not match its hash" in report.problems[0]
    else:
        # Passed off as an old unsigned trail, the chain holds: the signed checkpoint does not.
        assert report.chain.problem_total == 0
        assert any("is not the one the checkpoint of" in p for p in report.problems)


def test_with_the_key_a_rewrite_is_caught_only_by_a_checkpoint_kept_elsewhere(
    trail: Trail,
) -> None:
    """The attacker holds the key: out of scope for the chain and the file (said in the
    README); the token the digest posted still catches it."""
    posted = trail.checkpoint().token
    trail.sql("UPDATE audit_log SET detail = :d WHERE action = 'case.decide'", d='{"note":"x"}')
    with trail.db.engine.begin() as conn:  # re-signed from genesis, with the key
        rows = list(conn.execute(sa.select(_log).order_by(_log.c.id)))
        conn.execute(sa.delete(_log))
        for r in rows:
            audit.append(
                conn,
                at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
                actor=r.actor,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                detail=json.loads(r.detail),
                version=r.version,
            )
    trail.checkpoints.path.unlink()
    assert trail.verify().ok
    count, head = parse_token(posted)
    report = trail.verify(given=[(count, head)])
    assert not report.ok
    assert report.problems == [
        f"entry #{count:,} of the trail is not the one the checkpoint {count}:{head[:16]}… "
        "recorded: the trail was rewritten up to there"
    ]


def test_a_verify_with_the_wrong_key_says_wrong_key(trail: Trail) -> None:
    report = trail.verify(OTHER)
    assert not report.ok
    assert report.not_checked == (
        f"wrong key: ARCIRCLE_AUDIT_KEY (key id {OTHER.key_id}) is not the key this trail was "
        f"signed with (key id {KEY.key_id})"
    )
    assert report.problems == []  # not "every entry was edited"


def test_without_the_key_signed_entries_cannot_be_checked(trail: Trail) -> None:
    report = trail.verify(None)
    assert not report.ok and report.problems == []
    assert report.not_checked is not None
    assert "ARCIRCLE_AUDIT_KEY is not set: they cannot be checked" in report.not_checked


def test_an_unsigned_entry_after_signed_ones_is_a_downgrade(
    trail: Trail, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "_warned", set())
    trail.db.use_audit_key(None)  # a process started without the key
    with caplog.at_level(logging.WARNING, logger="storage.audit"):
        trail.reimport("1200.00")
    assert caplog.text.count("ARCIRCLE_AUDIT_KEY is not set in this process") == 1
    report = trail.verify()
    assert not report.ok
    assert any("(invoice.update): not signed, after signed entries" in p for p in report.problems)


# --- records without their entry ------------------------------------------------------------


def test_a_deleted_entry_is_detected_by_the_chain_and_by_its_record(trail: Trail) -> None:
    trail.sql("DELETE FROM audit_log WHERE action = 'case.decide'")
    problems = trail.verify().problems
    assert any("does not follow the entry before it" in p for p in problems)
    assert "decision 1: no audit entry (case 1)" in problems


def test_deleting_every_entry_is_detected_record_by_record(trail: Trail) -> None:
    trail.sql("DELETE FROM audit_log")
    report = trail.verify()
    assert not report.ok and report.chain.rows == 0
    problems = report.problems
    for line in (
        "case 1: no audit entry",
        "input 1: no audit entry (case 1)",
        "decision 1: no audit entry (case 1)",
        "promise 1: no audit entry (case 1)",
        "promise 1 (replaced): no audit entry for its resolution (case 1)",
        "promise 2: no audit entry (case 1)",
        "seat 1 version 1: no audit entry (case 1, sales)",
    ):
        assert line in problems, problems
    assert report.records.by_kind["seat"] == sum(
        r.version for r in _seats(trail.db)
    )  # every version of every seat, exactly
    assert report.records.total == sum(report.records.by_kind.values())


def _seats(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id, version FROM seat")))


def test_a_seat_change_whose_entry_is_gone_is_found_even_in_a_rebuilt_chain(
    db: Database, config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    """Without a key the chain can be rebuilt after a deletion; the seat's version count
    still shows exactly which change lost its entry."""
    trail = Trail(db, config, clock, tmp_path).build()
    trail.sql("DELETE FROM audit_log WHERE action = 'case.snooze'")
    rebuild_without_the_key(db, keep_key_ids=False)
    report = trail.verify(None)
    assert report.chain.problem_total == 0
    assert report.problems == ["seat 1 version 2: no audit entry (case 1, sales)"]
    assert report.records.total == 1


# --- checkpoints ----------------------------------------------------------------------------


def test_a_trail_cut_short_is_caught_by_the_checkpoint_file_and_by_a_posted_one(
    trail: Trail,
) -> None:
    trail.reimport("1100.00")
    posted = trail.checkpoint().token
    count, head = parse_token(posted)
    trail.sql(
        "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id DESC LIMIT 2)"
    )
    report = trail.verify()
    assert report.chain.problem_total == 0 and report.records.total == 0  # the chain holds
    assert report.problems == [
        f"the trail has {count - 2:,} entries, fewer than the {count:,} of the checkpoint of "
        f"{trail.checkpoints.read(KEY).latest.describe()}: entries were cut off its end"  # type: ignore[union-attr]
    ]
    trail.checkpoints.path.unlink()
    given = trail.verify(given=[parse_token(posted)])
    assert given.problems == [
        f"the trail has {count - 2:,} entries, fewer than the {count:,} of the checkpoint "
        f"{count}:{head[:16]}…: entries were cut off its end"
    ]


def test_an_edited_checkpoint_file_is_detected(trail: Trail) -> None:
    trail.checkpoint()
    trail.reimport("1300.00")
    trail.checkpoint()
    lines = trail.checkpoints.path.read_text().splitlines()
    first = json.loads(lines[0])
    first["count"] -= 1  # make the older checkpoint claim a shorter trail
    lines[0] = json.dumps(first)
    lines.append("not json at all")
    trail.checkpoints.path.write_text("\n".join(lines) + "\n")
    # What an edited line claims is not compared with the trail: its signature is the finding.
    assert trail.verify().problems == [
        "checkpoint file line 1: its signature does not match (the line was edited)",
        "checkpoint file line 3: not a checkpoint",
    ]
    forged = make(OTHER, count=5, head="f" * 64, at=trail.now(), entry_id=5)
    trail.checkpoints.append(forged)
    assert any(
        f"line 4: signed with another key (id {OTHER.key_id})" in p for p in trail.verify().problems
    )


def test_the_hourly_checkpoint_checks_only_what_is_new_and_refuses_a_broken_trail(
    trail: Trail, caplog: pytest.LogCaptureFixture
) -> None:
    path = trail.checkpoints.path
    first = audit_checkpoint(trail.db, path, trail.now())
    assert first is not None and first.mac is not None and first.key_id == KEY.key_id
    assert audit_checkpoint(trail.db, path, trail.now()) == first  # nothing new: no line
    trail.reimport("1400.00")
    second = audit_checkpoint(trail.db, path, trail.now() + timedelta(hours=1))
    assert second is not None and second.count == first.count + 2
    assert len(path.read_text().splitlines()) == 2
    assert latest(path, KEY) == second
    trail.sql("DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)")
    with caplog.at_level(logging.ERROR, logger="jobs.audit"):
        assert audit_checkpoint(trail.db, path, trail.now()) is None
    assert "no checkpoint written" in caplog.text
    assert len(path.read_text().splitlines()) == 2


# --- older databases ------------------------------------------------------------------------


def test_a_trail_from_before_keys_still_verifies_and_keyed_entries_continue_it(
    db: Database, config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    """A database at revision 0003: unsigned entries that named the case, not the record."""
    run_import(db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    alembic = db._alembic()
    with db.engine.begin() as conn:
        alembic.attributes["connection"] = conn
        command.downgrade(alembic, "0003")
    trail = Trail(db, config, clock, tmp_path)
    at = clock.now()
    with db.engine.begin() as conn:
        (customer,) = conn.execute(sa.text("SELECT id FROM customer")).one()
        conn.execute(
            sa.text(
                'INSERT INTO "case" (id, customer_id, status, trigger, stage, opened_at, '
                "opened_by, policy, version, updated_at) VALUES (1, :c, 'open', 'stage', "
                "'early', :at, 'scan', '{}', 3, :at)"
            ),
            {"c": customer, "at": at},
        )
        conn.execute(
            sa.text(
                "INSERT INTO seat (case_id, team, status, started_at, level, repeats, reminded, "
                "version, updated_at) VALUES (1, 'sales', 'answered', :at, 0, 0, false, 2, :at)"
            ),
            {"at": at},
        )
        conn.execute(
            sa.text(
                "INSERT INTO team_input (case_id, team, person, kind, text, at) "
                "VALUES (1, 'sales', 'wang.wei', 'answer', 'ok', :at)"
            ),
            {"at": at},
        )
        prev = conn.execute(
            sa.text("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        ).scalar_one()
        for action, detail in (("case.open", '{"trigger":"stage"}'), ("case.answer", "{}")):
            digest = legacy_digest(prev, at, "scan", action, "case", "1", detail)
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail, "
                    "prev_hash, hash) VALUES (:at, 'scan', :a, 'case', '1', :d, :p, :h)"
                ),
                {"at": at, "a": action, "d": detail, "p": prev, "h": digest},
            )
            prev = digest
    db.migrate()  # 0004: the columns, and a baseline entry naming the older records
    db.use_audit_key(KEY)
    report = trail.verify()
    assert report.ok, report.problems
    assert report.chain.signed == 0 and report.chain.plain == len(trail.rows())
    assert trail.rows()[-1].action == "audit.baseline"
    trail.reimport("1500.00")  # signed entries continue the old chain
    report = trail.verify()
    assert report.ok and report.chain.signed == 2, report.problems
    trail.sql("DELETE FROM audit_log WHERE action = 'case.open'")
    assert "case 1: no audit entry" in trail.verify().problems


# --- where things are -----------------------------------------------------------------------


def test_checkpoints_go_next_to_sqlite_or_where_the_config_says(config: Config) -> None:
    assert checkpoint_path(config, "sqlite:////srv/ar/arcircle.db") == Path(
        "/srv/ar/arcircle.db.audit-checkpoints"
    )
    assert checkpoint_path(config, "postgresql://db/ar") is None
    assert checkpoint_path(config, "sqlite://") is None
    elsewhere = config.model_copy(
        update={"audit": config.audit.model_copy(update={"checkpoints": Path("/var/ar/cp")})}
    )
    assert checkpoint_path(elsewhere, "postgresql://db/ar") == Path("/var/ar/cp")


def test_the_key_never_shows_in_its_repr_nor_pickles() -> None:
    assert repr(KEY) == f"AuditKey(id={KEY.key_id})" and len(KEY.key_id) == 16
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(KEY)


def test_parse_token_takes_what_the_digest_posts() -> None:
    assert parse_token(f"12:{'Ab' * 32}") == (12, "ab" * 32)
    assert parse_token(" 7 : 0123456789abcdef ") == (7, "0123456789abcdef")
    for bad in ("12", "x:abc", "12:abc", f"12:{'g' * 64}", ""):
        with pytest.raises(ValueError):
            parse_token(bad)


def test_a_checkpoint_made_without_a_key_is_unsigned(tmp_path: Path) -> None:
    cp = make(None, count=3, head="a" * 64, at=datetime(2026, 3, 16, tzinfo=UTC), entry_id=3)
    file = CheckpointFile(tmp_path / "cp")
    file.append(cp)
    read = file.read(KEY)
    assert read.unsigned == 1 and read.trusted == [] and read.problems == []
    assert read.latest == cp and read.latest.line == 1


def test_the_bot_signs_with_the_key_from_its_environment_and_checkpoints_hourly(
    config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    from bot.app import Jobs, build_runtime

    secret = "9c1f0e7a5b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
    url = f"sqlite:///{tmp_path}/bot.db"
    rt = build_runtime(config, clock, url, env={"ARCIRCLE_AUDIT_KEY": f" {secret}\n"})
    try:
        assert rt.db.audit_key is not None and rt.db.audit_key.key_id == KEY.key_id
        assert rt.checkpoints == tmp_path / "bot.db.audit-checkpoints"
        jobs = Jobs(rt, {})
        jobs._add_jobs()
        job = jobs.scheduler.get_job("audit_checkpoint")
        assert job is not None and job.trigger.interval == timedelta(hours=1)
    finally:
        rt.db.dispose()
    unsigned = build_runtime(config, clock, url, env={})
    assert unsigned.db.audit_key is None
    unsigned.db.dispose()
