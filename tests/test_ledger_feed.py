"""The HTTP ledger feed against a fake feed on 127.0.0.1: pages, 304, retries, bad input,
payments once, secrets kept out of logs and the database, a paid case closed with thanks."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.circle_env import circle_env
from bot.kernel.config import Config
from bot.kernel.config_sync import LedgerFeed
from jobs.ledger_feed import FeedOutcome, sync_feed
from jobs.render import render_row
from storage import jobrun
from storage.circle import load_case
from storage.circle_open import open_case
from storage.db import Database
from storage.ledger import ImportOptions
from storage.models import Invoice, JobRun, LedgerFeedState, Outbox, Payment
from storage.outbox import _row as out_row
from tests.conftest import NOW, TODAY
from tests.fake_feed import FakeFeed

SECRET_PATH = "/feed/s3cret-path"
SECRET_QUERY = "token=q-s3cret-token"
AUTH = "Bearer hdr-s3cret-value"
OPTIONS = ImportOptions(currency="CNY")
_inv = Invoice.__table__  # type: ignore[attr-defined]
_pay = Payment.__table__  # type: ignore[attr-defined]
_runs = JobRun.__table__  # type: ignore[attr-defined]


def invoice(no: str, amount: str, customer: str = "C1", **extra: Any) -> dict[str, Any]:
    return {
        "invoice_no": no,
        "customer": customer,
        "customer_name": f"Customer {customer}",
        "issue_date": "2026-01-05",
        "due_date": "2026-02-04",
        "currency": "CNY",
        "amount": amount,
        **extra,
    }


def payment(ref: str, no: str, amount: str, paid_on: str = "2026-03-10") -> dict[str, Any]:
    return {"id": ref, "invoice_no": no, "amount": amount, "currency": "CNY", "paid_on": paid_on}


class Run:
    """The feed, its config and what the injected sleep was asked to wait."""

    def __init__(self, feed: FakeFeed, **cfg: Any) -> None:
        self.feed = feed
        self.cfg = LedgerFeed(**{"timeout": "2s", "retries": 2, "backoff": "1s", **cfg})
        self.slept: list[float] = []
        self.first = f"{SECRET_PATH}?{SECRET_QUERY}"
        self.env = {"ARCIRCLE_FEED_URL": feed.base + self.first, "ARCIRCLE_FEED_AUTH": AUTH}

    def __call__(self, db: Database, now: datetime = NOW, **kw: Any) -> FeedOutcome:
        return sync_feed(
            db, self.cfg, OPTIONS, self.env, now=now, today=TODAY, sleep=self.slept.append, **kw
        )


def ledger(db: Database) -> dict[str, tuple[int, int, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_inv.c.invoice_no, _inv.c.amount_minor, _inv.c.paid_minor, _inv.c.status)
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def payments(db: Database) -> list[tuple[str, int, date, bool, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                _inv.c.invoice_no, _pay.c.amount_minor, _pay.c.paid_on, _pay.c.dated, _pay.c.source
            )
            .join(_inv, _inv.c.id == _pay.c.invoice_id)
            .order_by(_pay.c.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def runs(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(_runs.c.job, _runs.c.status, _runs.c.detail).order_by(_runs.c.id)
        )
    return [(r.job, r.status, json.loads(r.detail)) for r in rows]


def test_pages_by_body_link_cursor_and_link_header_with_the_auth_header(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(
            run.first,
            {"invoices": [invoice("I-1", "1000.00"), invoice("I-2", 250)], "next": "/feed/p2"},
            etag='"v1"',
        )
        # An opaque cursor: sent back as ?cursor= on the feed's own URL.
        feed.page("/feed/p2", {"payments": [payment("P-1", "I-1", "400.00")], "next": "c3"})
        feed.page(
            f"{run.first}&cursor=c3",
            {"invoices": [invoice("I-3", "99.5", "C2")], "payments": []},
            link="/feed/p4",
        )
        feed.page("/feed/p4", {"payments": [payment("P-2", "I-2", 250)]})
        outcome = run(db)
    assert outcome.status == "done" and outcome.problems == []
    assert outcome.result is not None and outcome.result.pages == 4
    assert ledger(db) == {
        "I-1": (100000, 40000, "open"),
        "I-2": (25000, 25000, "paid"),
        "I-3": (9950, 0, "open"),
    }
    assert payments(db) == [
        ("I-1", 40000, date(2026, 3, 10), True, "feed"),
        ("I-2", 25000, date(2026, 3, 10), True, "feed"),
    ]
    assert [r.path for r in feed.requests] == [
        run.first,
        "/feed/p2",
        f"{run.first}&cursor=c3",
        "/feed/p4",
    ]
    assert all(r.headers["authorization"] == AUTH for r in feed.requests)
    assert runs(db)[-1][:2] == ("ledger_feed", "done")


def test_304_is_nothing_to_do_and_the_validators_live_in_the_database(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(
            run.first,
            {"invoices": [invoice("I-1", "100")]},
            etag='"v1"',
            last_modified="Mon, 16 Mar 2026 01:00:00 GMT",
        )
        assert run(db).status == "done"
        later = NOW + timedelta(minutes=10)
        # A new run (a new process even: nothing is kept in memory) asks "changed since?".
        assert Run(feed)(db, later).status == "not_modified"
    assert feed.requests[1].headers["if-none-match"] == '"v1"'
    assert feed.requests[1].headers["if-modified-since"] == "Mon, 16 Mar 2026 01:00:00 GMT"
    state = LedgerFeedState.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        row = conn.execute(select(state)).one()
    assert row.etag == '"v1"' and row.checked_at.replace(tzinfo=UTC) == later
    assert [r[1] for r in runs(db)] == ["done"]  # a 304 leaves no run behind


def test_a_500_then_success_waits_with_backoff(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "100")]})
        feed.fail(500, 503)
        outcome = run(db)
    assert outcome.status == "done"
    assert run.slept == [1.0, 2.0]  # 1s, then doubled
    assert ledger(db) == {"I-1": (10000, 0, "open")}


def test_a_timeout_is_retried(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed, timeout="1s")
        feed.page(run.first, {"invoices": [invoice("I-1", "100")]})
        feed.stall(1.5)
        outcome = run(db)
    assert outcome.status == "done" and run.slept == [1.0]


def test_a_failed_sync_leaves_the_database_as_it_was_and_says_so(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "100")], "next": "/feed/p2"})
        feed.page("/feed/p2", {"payments": []})
        feed.fail(*([500] * 3))  # page 1 fails every attempt
        first = run(db)
        # Page 1 arrives, page 2 fails: page 1 is not applied either.
        run2 = Run(feed, retries=0)
        feed.pages.pop("/feed/p2")
        second = run2(db, NOW + timedelta(minutes=10))
    assert first.status == "failed" and first.error == "page 1: HTTP 500 (3 attempts)"
    assert second.status == "failed" and second.error == "page 2: HTTP 404"
    assert ledger(db) == {}
    assert [(job, status, detail) for job, status, detail in runs(db)] == [
        ("ledger_feed", "failed", {"source": "feed", "error": "page 1: HTTP 500 (3 attempts)"}),
        ("ledger_feed", "failed", {"source": "feed", "error": "page 2: HTTP 404"}),
    ]
    failures = jobrun.failures_since(db, "ledger", NOW)
    assert [(f.job, f.source, f.error) for f in failures] == [
        ("ledger_feed", "feed", "page 1: HTTP 500 (3 attempts)"),
        ("ledger_feed", "feed", "page 2: HTTP 404"),
    ]
    assert jobrun.failures_since(db, "ledger", NOW + timedelta(minutes=5))[0].error == (
        "page 2: HTTP 404"
    )
    with db.engine.connect() as conn:
        assert jobrun.failures_since(conn, "digest", NOW) == []


def test_a_malformed_page_is_reported_and_the_others_applied(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "100")]}, etag='"v1"', link="/p2")
        feed.page("/p2", b'{"invoices": [{"invoice_no": "I-9", ', link="/p3")
        feed.page("/p3", {"invoices": [invoice("I-3", "300")]})
        outcome = run(db)
        # The validators were not kept: the next run asks for everything again.
        again = run(db, NOW + timedelta(minutes=10))
    assert outcome.status == "done"
    assert [p.line() for p in outcome.problems] == [
        "page 2: not JSON (Expecting property name enclosed in double quotes: line 1 column 37 "
        "(char 36))"
    ]
    assert set(ledger(db)) == {"I-1", "I-3"}
    assert again.status == "done" and "if-none-match" not in feed.requests[3].headers
    assert runs(db)[0][2]["incomplete"] is True


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"[1, 2]", "a JSON list, not an object"),
        (b'{"rows": []}', 'neither "invoices" nor "payments" in the page'),
        (b'{"invoices": {"a": 1}}', '"invoices" is a JSON dict, not a list'),
        (b'{"invoices": [], "next": 5}', '"next" must be a text (a link or a cursor) or null'),
        (b"\xff\xfe{", "not JSON"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_malformed_bodies(sqlite_db: Database, body: bytes, reason: str) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, body)
        outcome = run(sqlite_db)
    assert outcome.status == "done"
    assert outcome.problems[0].line().startswith(f"page 1: {reason}")


def test_bad_rows_are_reported_by_page_and_position_and_good_rows_applied(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(
            run.first,
            {
                "invoices": [
                    invoice("I-1", "1000"),
                    invoice("I-2", "lots"),
                    "not an invoice",
                    invoice("I-4", {"value": 5}),
                    invoice("I-5", "1e999999"),
                ],
                "payments": [
                    payment("P-1", "I-1", "100"),
                    payment("P-2", "NOPE", "100"),
                    payment("P-3", "I-1", "5000"),
                    payment("P-4", "I-1", "1", paid_on="2027-01-01"),
                    {"id": "", "invoice_no": "I-1", "amount": "1", "paid_on": "2026-03-01"},
                    payment("P-6", "I-1", "0.001"),
                    {**payment("P-7", "I-1", "10"), "currency": "USD"},
                ],
            },
        )
        outcome = run(db)
    lines = [p.line() for p in outcome.problems]
    assert lines[0].startswith("page 1, invoice 2: amount: 'lots'")
    assert lines[1] == "page 1, invoice 3: an invoice must be a JSON object"
    assert lines[2] == "page 1, invoice 4: amount is a JSON dict, not text or a number"
    assert lines[3].startswith("page 1, invoice 5: amount")
    assert lines[4].startswith("page 1, payment 4: paid_on 2027-01-01 is not a past day")
    assert lines[5] == "page 1, payment 5: id is blank (each payment needs the feed's own id)"
    assert lines[6:] == [
        "page 1, payment 2: no invoice 'NOPE' in the ledger",
        "page 1, payment 3: pays 5000.00 CNY but only 900.00 is outstanding on I-1",
        "page 1, payment 6: amount: 0.001 has more decimal places than CNY allows (2)",
        "page 1, payment 7: paid in USD but invoice I-1 is in CNY",
    ]
    assert ledger(db) == {"I-1": (100000, 10000, "open")}
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "50")]})
        shrunk = run(db)
    assert [p.line() for p in shrunk.problems] == [
        "page 1, invoice 1: amount 50.00 is less than the 100.00 already paid on I-1"
    ]
    assert ledger(db) == {"I-1": (100000, 10000, "open")}


def test_a_page_sent_again_pays_nothing_twice(db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed)
        page = {
            "invoices": [invoice("I-1", "1000")],
            "payments": [payment("P-1", "I-1", "300"), payment("P-1", "I-1", "300")],
        }
        feed.page(run.first, page)  # no ETag: every poll gets the whole page again
        first = run(db)
        second = run(db, NOW + timedelta(minutes=10))
    assert first.result is not None and first.result.payments == 1
    assert second.result is not None
    assert (second.result.payments, second.result.payments_known) == (0, 1)
    assert second.result.unchanged == 1
    assert ledger(db) == {"I-1": (100000, 30000, "open")}
    assert len(payments(db)) == 1


def test_secrets_never_reach_the_log_or_the_database(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "100")], "next": "/elsewhere"})
        feed.fail(500)
        run(db)  # a retry, then a 404 on page 2: a failure, logged and recorded
        feed.page(
            run.first, {"payments": [payment("P-1", "I-1", "1")], "next": "http://evil.test/x"}
        )
        off_site = run(db, NOW + timedelta(minutes=1))
    assert off_site.error == "the feed's next link points to another site; not followed"
    with db.engine.connect() as conn:
        dump = repr([conn.execute(select(t)).all() for t in SQLModel.metadata.sorted_tables])
    for secret in ("s3cret", SECRET_QUERY, AUTH):
        assert secret not in caplog.text
        assert secret not in dump
    assert "page 1: HTTP 500; retrying in 1s" in caplog.text


def test_bad_settings_and_a_database_failure_name_no_secret(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = LedgerFeed(retries=0)
    bad_url = {"ARCIRCLE_FEED_URL": "http://[s3cret::bad/feed"}
    outcome = sync_feed(sqlite_db, cfg, OPTIONS, bad_url, now=NOW, today=TODAY)
    assert outcome.error == "ARCIRCLE_FEED_URL is not a valid address"
    ftp = {"ARCIRCLE_FEED_URL": "ftp://127.0.0.1/s3cret"}
    outcome = sync_feed(sqlite_db, cfg, OPTIONS, ftp, now=NOW, today=TODAY)
    assert outcome.error == "ARCIRCLE_FEED_URL is not an http(s) address"
    with FakeFeed() as feed:
        run = Run(feed, retries=0)
        feed.page(run.first, {"invoices": [invoice("I-1", "100")]})
        smuggle = {**run.env, "ARCIRCLE_FEED_AUTH": "Bearer s3cret\r\nX-Evil: 1"}
        outcome = sync_feed(sqlite_db, run.cfg, OPTIONS, smuggle, now=NOW, today=TODAY)
        assert outcome.error == "ARCIRCLE_FEED_AUTH holds characters a header cannot carry"
        assert feed.requests == []

        def broken(*args: Any, **kw: Any) -> Any:
            raise RuntimeError(f"database gone while at {run.env['ARCIRCLE_FEED_URL']}")

        monkeypatch.setattr("jobs.ledger_feed.apply_feed", broken)
        outcome = run(sqlite_db)
    assert outcome.error == "RuntimeError: the run was rolled back (see the log)"
    assert "database gone while at <secret>" in caplog.text
    assert "s3cret" not in caplog.text
    assert ledger(sqlite_db) == {}
    assert [f.error for f in jobrun.failures_since(sqlite_db, "ledger_feed", NOW)] == [
        "RuntimeError: the run was rolled back (see the log)"
    ]


def test_the_url_must_be_set(db: Database) -> None:
    outcome = sync_feed(db, LedgerFeed(), OPTIONS, {}, now=NOW, today=TODAY)
    assert outcome.error == "the environment variable ARCIRCLE_FEED_URL (the feed's URL) is not set"


def test_a_paid_case_closes_and_gets_the_thank_you_once(db: Database, config: Config) -> None:
    env = circle_env(config)
    with FakeFeed() as feed:
        run = Run(feed)
        feed.page(run.first, {"invoices": [invoice("I-1", "1000"), invoice("I-2", "500")]})
        run(db)
        with db.engine.begin() as conn:
            ids = dict(conn.execute(select(_inv.c.invoice_no, _inv.c.id)).all())
            cid = conn.execute(select(_inv.c.customer_id)).scalars().first()
            opened = open_case(
                conn,
                env,
                customer_id=cid,
                trigger="manual",
                keys=[("test:1", ids["I-1"]), ("test:2", ids["I-2"])],
                stage="early",
                actor="li.na",
                now=NOW,
            )
        assert opened is not None
        case_id = opened.case_id
        # Part of it: the case stays open.
        feed.page(run.first, {"payments": [payment("P-1", "I-1", "1000")]})
        assert run(db, NOW + timedelta(minutes=1), circle=env).closed_cases == []
        feed.page(
            run.first,
            {"payments": [payment("P-1", "I-1", "1000"), payment("P-2", "I-2", "500")]},
        )
        done = run(db, NOW + timedelta(minutes=2), circle=env)
        again = run(db, NOW + timedelta(minutes=3), circle=env)
    assert done.closed_cases == [case_id] and again.closed_cases == []
    outbox = Outbox.__table__  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        view = load_case(conn, case_id)
        notes = [out_row(r) for r in conn.execute(select(outbox).where(outbox.c.kind == "note"))]
        assert view is not None
        assert (view.status, view.close_reason, view.closed_by) == (
            "closed",
            "close_paid",
            "ledger-sync",
        )
        (note,) = [n for n in notes if n.payload.get("what") == "paid_thanks"]
        assert note.key == f"case:{case_id}:paid_thanks:console:#test"
        reply = render_row(conn, note, config, NOW)
        company = config.company.model_copy(update={"locale": "zh-CN"})
        chinese = render_row(conn, note, config.model_copy(update={"company": company}), NOW)
    assert chinese is not None
    assert str(chinese.text).startswith(f"案件 #{case_id} · Customer C1：款项已全部到账，本案结案")
    assert "下一步：" in str(chinese.text)
    assert reply is not None
    text = str(reply.text)
    assert text.startswith(f"Case #{case_id} · Customer C1: paid in full, so the case is closed")
    assert "Thanks and relationship repair" in text
    assert "thank" in text.lower() and "Next step:" in text
    assert "CNY" not in text.split("\n", 1)[1]  # thanks and repair, never money


def test_a_feed_that_loops_never_stops_or_is_too_big_is_cut_off(sqlite_db: Database) -> None:
    with FakeFeed() as feed:
        run = Run(feed, max_pages=3, max_page_bytes=2048)
        feed.page(run.first, {"invoices": [invoice("I-1", "1")], "next": "/a"})
        feed.page("/a", {"invoices": [invoice("I-2", "2")], "next": run.first})
        looped = run(sqlite_db)
        feed.page("/a", {"invoices": [invoice("I-2", "2")], "next": "/b"})
        feed.page("/b", {"invoices": [invoice("I-3", "3")], "next": "/c"})
        endless = run(sqlite_db)
        feed.page("/a", {"invoices": [invoice("I-4", "x" * 3000)]})
        huge = run(sqlite_db)
    assert [p.line() for p in looped.problems] == [
        "page 2: next points back to a page already read"
    ]
    assert [p.line() for p in endless.problems] == ["page 3: stopped after 3 pages"]
    assert [p.line() for p in huge.problems] == ["page 2: larger than 2,048 bytes"]
    assert set(ledger(sqlite_db)) == {"I-1", "I-2", "I-3"}
