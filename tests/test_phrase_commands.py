"""/ar phrase, /ar lint, /ar excuses and `arcircle lint` as a user sees them, with the language
model off and on (a fake OpenAI-compatible server on loopback)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, ConfigError, Llm, load_config
from bot.router import Router
from playbook.compliance import lint
from storage.db import Database
from tests.conftest import LEDGER_HEADER, TEST_CONFIG, run_import, write_csv
from tests.test_llm import FakeLlm, fake  # noqa: F401 - the fixture

LEDGER = [
    ("N-1", "C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01", "2026-02-01",
     "CNY", "1500.00", "", "", "no"),
    ("N-2", "C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01", "2026-03-10",
     "USD", "200.00", "", "", "no"),
    ("P-1", "C2", "Paid Up Ltd", "important", "tom.baker", "2025-01-01", "2025-02-01",
     "CNY", "900.00", "900.00", "2025-02-01", "no"),
]  # fmt: skip
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.fixture
def router(sqlite_db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> Router:
    run_import(sqlite_db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, LEDGER))
    # 15:30 in Shanghai: inside the contact hours, so only the words are judged.
    clock.advance(timedelta(hours=5, minutes=30))
    return Router(sqlite_db, config, clock)


async def say(router: Router, who: str | None, text: str) -> str:
    reply = await router.handle(text, platform="console", channel="#t", user_id="u", person=who)
    assert reply is not None
    return reply.plain()


def words_of(card_text: str) -> str:
    """The customer-facing part of a suggestion card."""
    for start in ("The words\n", "话术\n"):
        if start in card_text:
            rest = card_text.split(start, 1)[1]
            return (
                rest.split("\n\n", 1)[0]
                if "\n\nNext step" not in rest
                else rest.split("\n\nNext step")[0]
            )
    raise AssertionError(card_text)


async def test_a_suggestion_for_a_customer_in_both_languages(router: Router) -> None:
    en = await say(router, "tom.baker", "/ar phrase Northwind")
    zh = await say(router, "li.na", "/ar phrase Northwind")
    for text, locale in ((en, "en"), (zh, "zh-CN")):
        assert not PLACEHOLDER.search(text)
        assert lint(words_of(text), locale=locale) == []
    assert "What to say · Northwind Trading" in en
    assert "Technique:" in en and "Why this one" in en and "Next step" in en
    # Two currencies are never added together.
    assert "CN¥1,500.00 + $200.00" in en
    assert "沟通话术 · Northwind Trading" in zh and "下一步" in zh
    assert "[Another one] → /ar phrase C1 --variant 1" in en


async def test_another_one_gives_a_different_variant(router: Router) -> None:
    first = await say(router, "tom.baker", "/ar phrase Northwind")
    second = await say(router, "tom.baker", "/ar phrase C1 --variant 1")
    assert words_of(first) != words_of(second)
    assert "--variant 2" in second


async def test_tone_and_excuse_by_name_in_either_language(router: Router) -> None:
    out = await say(router, "tom.baker", "/ar phrase Northwind serious 没钱")
    assert "Technique: Serious / contractual" in out
    assert "Excuse heard: Cash is tight" in out
    assert "instalment" in out  # the fallback, allowed by default


async def test_the_seeds_excuse_words_are_excuses_not_customer_names(router: Router) -> None:
    out = await say(router, "tom.baker", "/ar phrase Northwind 资金周转")
    assert "Excuse heard: Cash is tight" in out
    assert "no customer matches" not in out.lower()


async def test_unknown_tone_lists_the_valid_ones(router: Router) -> None:
    await say(router, "li.na", "/ar open Northwind")
    out = await say(router, "tom.baker", "/ar phrase 1 shouty")
    assert "'shouty' is neither a tone nor an excuse" in out
    assert "empathetic, partnership, serious" in out and "cash_tight" in out
    assert "Usage: /ar phrase" in out


async def test_a_customer_without_open_invoices_gets_a_relationship_message(
    router: Router,
) -> None:
    out = await say(router, "tom.baker", "/ar phrase Paid Up")
    assert "¥" not in words_of(out)
    assert "Next step" not in out
    assert lint(words_of(out)) == []


async def test_the_case_card_has_a_phrasing_button(router: Router) -> None:
    await say(router, "li.na", "/ar open Northwind")
    card = await say(router, "tom.baker", "/ar case 1")
    assert "[Suggest phrasing] → /ar phrase 1" in card
    out = await say(router, "tom.baker", "/ar phrase 1")
    assert "What to say · Northwind Trading" in out


async def test_outside_contact_hours_the_card_says_so(router: Router, clock: FakeClock) -> None:
    clock.advance(timedelta(hours=7))  # 22:30 in Shanghai
    out = await say(router, "tom.baker", "/ar phrase Northwind")
    assert "Careful" in out and "22:30 is outside 08:00–20:00" in out


async def test_lint_in_chat(router: Router) -> None:
    out = await say(router, "tom.baker", "/ar lint We have already sued you, you deadbeat.")
    assert "2 problem(s)" in out
    assert "'We have already sued'" in out and "deadbeat" in out
    assert "Clean" in await say(router, "tom.baker", "/ar lint Please settle CNY 1,500 by Friday.")
    assert "Usage: /ar lint" in await say(router, "tom.baker", "/ar lint")


async def test_excuses_list_and_one_excuse(router: Router) -> None:
    out = await say(router, "tom.baker", "/ar excuses")
    assert "Cash is tight (cash_tight)" in out and "Quality problem" in out
    one = await say(router, "li.na", "/ar excuses 质量问题")
    assert "quality_problem" in one and one.count("应对：") >= 2
    bad = await say(router, "tom.baker", "/ar excuses weather")
    assert "'weather' is not a known excuse" in bad


# --- the language model -------------------------------------------------------------------


def with_llm(router: Router, server: FakeLlm, timeout: float = 2.0) -> Router:
    cfg = router.config
    llm = Llm(url=server.url, model="fake-model", timeout=timedelta(seconds=timeout))
    cfg = cfg.model_copy(update={"phrasing": cfg.phrasing.model_copy(update={"llm": llm})})
    return Router(router.db, cfg, router.clock)


async def test_the_model_adapts_the_words(router: Router, fake: FakeLlm) -> None:  # noqa: F811
    fake.answer("Hi, this is Tom. Could we settle the [amount] this week? Thanks!")
    out = await say(with_llm(router, fake), "tom.baker", "/ar phrase Northwind")
    assert "Adapted to this case by the language model (fake-model)" in out
    assert "Could we settle the" in out and "[amount]" not in out
    sent = fake.requests[0].body
    assert sent["model"] == "fake-model"
    # Only what the config allows leaves the process: not the customer's name by default.
    assert "Northwind" not in json.dumps(sent, ensure_ascii=False)


async def test_a_slow_model_falls_back_to_the_template(router: Router, fake: FakeLlm) -> None:  # noqa: F811
    fake.answer("too late")
    fake.delay = 2.0
    out = await say(with_llm(router, fake, timeout=0.3), "tom.baker", "/ar phrase Northwind")
    assert "not available (timeout" in out
    assert "too late" not in out
    assert lint(words_of(out)) == []


async def test_a_failing_model_falls_back_to_the_template(router: Router, fake: FakeLlm) -> None:  # noqa: F811
    fake.reply(500, {"error": "boom"})
    out = await say(with_llm(router, fake), "tom.baker", "/ar phrase Northwind")
    assert "not available (HTTP 500)" in out
    assert lint(words_of(out)) == []


async def test_a_model_answer_that_fails_the_lint_is_never_shown(
    router: Router,
    fake: FakeLlm,  # noqa: F811
) -> None:
    fake.answer("Pay now or we will tell your family and your customers. We know where you live.")
    out = await say(with_llm(router, fake), "tom.baker", "/ar phrase Northwind")
    assert "failed the compliance lint (" in out
    assert "family" not in out and "where you live" not in out
    assert lint(words_of(out)) == []


# --- config and the shell ---------------------------------------------------------------------


def test_an_override_file_with_a_bad_placeholder_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text(
        "en:\n  excuses:\n    cash_tight:\n      replies:\n        - 'We need {amout} now.'\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG + "phrasing:\n  overrides: ours.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    text = "\n".join(exc.value.lines)
    assert "ours.yaml" in text and "en.excuses.cash_tight.replies" in text and "{amout}" in text


def test_a_missing_override_file_and_an_unknown_tone(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(TEST_CONFIG + "phrasing:\n  overrides: nope.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    assert "phrasing.overrides" in exc.value.lines[0] and "no such file" in exc.value.lines[0]
    path.write_text(TEST_CONFIG + "phrasing:\n  default_tone: shouty\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    assert "phrasing.default_tone: unknown tone 'shouty'" in exc.value.lines[0]


def test_arcircle_lint_from_the_shell(tmp_path: Path) -> None:
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "lint", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    bad = run("--format", "json", "你这个老赖")
    assert bad.returncode == 1
    findings = json.loads(bad.stdout)["findings"]
    assert findings[0]["rule"] == "insult" and findings[0]["text"] == "老赖"
    assert (findings[0]["start"], findings[0]["end"]) == (3, 5)
    clean = run("-", stdin="Please settle the balance by Friday.\n")
    assert clean.returncode == 0 and "clean" in clean.stdout.lower()


def test_every_template_combination_passes_the_lint() -> None:
    """A suggestion that fails its own lint is never shown: so none may fail."""
    from datetime import date
    from decimal import Decimal

    from playbook.library import load_playbook
    from playbook.phrasing import RELATIONSHIPS, STAGES, TONES, CaseFacts, InvoiceFact, suggest

    years = {"partner": 5, "normal": 2, "new": 0, "problem": 2}
    failures = []
    for locale in ("en", "zh-CN"):
        book = load_playbook(locale)
        for stage in STAGES:
            days = {"pre_due": -3, "early": 12, "mid": 45, "late": 200}[stage]
            invoice = InvoiceFact("INV-1", Decimal("1234.50"), "CNY", days, date(2026, 3, 1))
            for relationship in RELATIONSHIPS:
                segment = "problem" if relationship == "problem" else "normal"
                for excuse in (None, *(e.key for e in book.excuses())):
                    for tone in TONES:
                        facts = CaseFacts(
                            customer="Northwind", segment=segment,
                            relationship_years=years[relationship], invoices=(invoice,),
                            stage=stage, broken_promises=1, excuse=excuse, our_company="Huadong",
                        )  # fmt: skip
                        s = suggest(facts, book, tone=tone, variant=days % 3)
                        if lint(s.text, locale=locale):
                            failures.append((locale, stage, relationship, excuse, tone))
    assert failures == []


async def test_a_case_closed_paid_gets_a_thank_you(router: Router, tmp_path: Path) -> None:
    await say(router, "li.na", "/ar open Northwind")
    paid = [
        (*LEDGER[0][:9], "1500.00", "2026-03-16", "no"),
        (*LEDGER[1][:9], "200.00", "2026-03-16", "no"),
        LEDGER[2],
    ]
    run_import(router.db, write_csv(tmp_path / "paid.csv", LEDGER_HEADER, paid))
    assert "本案结案" in await say(router, "li.na", "/ar decide 1 close_paid all received")
    out = await say(router, "tom.baker", "/ar phrase 1")
    words = words_of(out)
    assert "¥" not in words and "$" not in words
    assert re.search(r"thank", words, re.IGNORECASE)
    assert lint(words) == []
