"""A small ledger and helpers for the /ar phrase card tests (tests/test_phrase_cards.py and
tests/test_phrase_v2_cards.py): a bad debt, a dead one, a partly disputed customer, one owing
only euros, and a spy on the phrasing engine that records the facts the handler builds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import handlers.phrase as phrase
import handlers.phrase_facts as phrase_facts
from bot.circle_env import circle_env
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from bot.kernel.messages import Reply, plain
from bot.router import Router
from jobs.circle import watch_promises
from playbook.phrasing import CaseFacts, Suggestion
from storage.customer_facts import CustomerProfile
from storage.db import Database
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv

TODAY = date(2026, 3, 16)


def _due(days_past_due: int) -> str:
    return (TODAY - timedelta(days=days_past_due)).isoformat()


LEDGER = [
    ("N-1", "C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01", "2026-02-01",
     "CNY", "1500.00", "", "", "no"),
    ("N-2", "C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01", "2026-03-10",
     "USD", "200.00", "", "", "no"),
    # 583 days past due: 呆账 (bad), 80% expected recovery; and a recent one beside it.
    ("M-1", "C3", "Old Mill", "normal", "wang.wei", "2024-07-01", _due(583),
     "CNY", "50000.00", "", "", "no"),
    ("M-2", "C3", "Old Mill", "normal", "wang.wei", "2026-02-01", _due(10),
     "CNY", "3000.00", "", "", "no"),
    # 800 days: 死账 (dead), 20%.
    ("W-1", "C4", "Dead Wood", "normal", "wang.wei", "2023-11-01", _due(800),
     "CNY", "80000.00", "", "", "no"),
    # One disputed invoice beside an undisputed one.
    ("D-1", "C5", "Split Ltd", "normal", "wang.wei", "2025-12-01", "2026-01-15",
     "CNY", "3000.00", "", "", "yes"),
    ("D-2", "C5", "Split Ltd", "normal", "wang.wei", "2025-12-01", "2026-01-20",
     "CNY", "2000.00", "", "", "no"),
    # Euros and no euro rate in the config.
    ("E-1", "C6", "Euro Only", "normal", "wang.wei", "2026-01-01", "2026-02-01",
     "EUR", "100000.00", "", "", "no"),
]  # fmt: skip


@dataclass
class Spy:
    """What the handler asked the engine, and fields to add to its answer (as the engine
    branch fills them), to check how the card shows them."""

    facts: list[CaseFacts] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def last(self) -> CaseFacts:
        assert self.facts, "the engine was never asked"
        return self.facts[-1]


@dataclass
class World:
    db: Database
    tmp: Path
    clock: FakeClock
    router: Router

    def configure(self, extra: str = "", company: str = "") -> Config:
        """The test config plus `extra` YAML (and `company` lines under `company:`); the
        router uses it from now on."""
        path = self.tmp / "config.yaml"
        text = TEST_CONFIG.replace("company:\n", "company:\n" + company, 1)
        path.write_text(text + extra, encoding="utf-8")
        cfg = load_config(path, env={})
        self.router = Router(self.db, cfg, self.clock, circle=circle_env(cfg))
        return cfg

    async def ask(self, who: str, text: str) -> Reply:
        reply = await self.router.handle(
            text, platform="console", channel="#t", user_id="u", person=who
        )
        assert reply is not None
        return reply

    async def say(self, who: str, text: str) -> str:
        return (await self.ask(who, text)).plain()

    async def break_a_promise(self, case: int, amount: str, day: str) -> None:
        await self.say("wang.wei", f"/ar promise {case} {amount} {day}")
        self.clock.advance(timedelta(days=(date.fromisoformat(day) - TODAY).days + 1))
        today = self.clock.now().date()
        env = circle_env(self.router.config)
        assert watch_promises(self.db, env, today=today, now=self.clock.now()) >= 1


def make_world(db: Database, tmp: Path, clock: FakeClock) -> World:
    result = run_import(db, write_csv(tmp / "phrase.csv", LEDGER_HEADER, LEDGER))
    assert not result.bad, result.bad
    # 15:30 in Shanghai: inside the contact hours.
    clock.advance(timedelta(hours=5, minutes=30))
    world = World(db, tmp, clock, None)  # type: ignore[arg-type]
    world.configure()
    return world


def install_spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy()
    real: Callable[..., Suggestion] = phrase.suggest

    def spying(facts: CaseFacts, *args: Any, **kwargs: Any) -> Suggestion:
        spy.facts.append(facts)
        out = real(facts, *args, **kwargs)
        return replace(out, **spy.extra) if spy.extra and out.kind == "collect" else out

    monkeypatch.setattr(phrase, "suggest", spying)
    return spy


def use_profile(monkeypatch: pytest.MonkeyPatch, profile: CustomerProfile) -> None:
    """Every customer gets this profile, whatever the records say."""
    monkeypatch.setattr(phrase_facts, "customer_profile", lambda conn, cid, today, **_: profile)


def sections(reply: Reply) -> dict[str, str]:
    """The card's sections by title."""
    assert reply.card is not None, reply.plain()
    return {s.title or "": plain(s.text) for s in reply.card.sections}


def titles(reply: Reply) -> list[str]:
    assert reply.card is not None, reply.plain()
    return [s.title or "" for s in reply.card.sections]


def words(reply: Reply) -> str:
    """The customer-facing words of the card."""
    found = sections(reply)
    for title in ("话术", "The words"):
        if title in found:
            return found[title]
    raise AssertionError(reply.plain())


def buttons(reply: Reply) -> dict[str, str]:
    assert reply.card is not None
    return {b.label: b.command for b in reply.card.buttons}
