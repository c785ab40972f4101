"""The language model's second opinion on drafts the compliance rules pass: a strict JSON
verdict, bounded, refused on anything else; never asked about a draft the rules flag; against
a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, Llm
from bot.router import Router
from playbook.llm import LlmSettings
from playbook.llm_opinion import Verdict, build_opinion_messages, parse_verdict, second_opinion
from storage.db import Database
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.test_llm import FakeLlm, closed_port, fake  # noqa: F401 - the fixture

DRAFT = "Please pay by Friday. Our team might swing by your kids' playground to say hello."


def _json(**data: object) -> str:
    return json.dumps(data)


def _flag(**data: object) -> str:
    return _json(flag=True, category="threat", **data)


# --- parsing ----------------------------------------------------------------------------------


def test_a_clean_verdict() -> None:
    assert parse_verdict('{"flag": false}', DRAFT) == (Verdict(False), None)
    assert parse_verdict('```json\n{"flag": false}\n```', DRAFT) == (Verdict(False), None)


def test_a_flag_keeps_the_drafts_own_words() -> None:
    answer = _json(flag=True, category="threat", quote="SWING BY your kids'", why="Veiled.")
    verdict, reason = parse_verdict(answer, DRAFT)
    assert reason is None
    assert verdict == Verdict(True, "threat", "swing by your kids'", "Veiled.")


def test_markup_and_links_are_taken_out_of_the_reason() -> None:
    why = "See <!channel> `code` https://evil.example/x *now* @here"
    answer = _json(flag=True, category="threat", quote="playground", why=why)
    verdict, _ = parse_verdict(answer, DRAFT)
    assert verdict is not None and verdict.why == "See !channel code now here"


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Sure! Here is my verdict: {\"flag\": false}", "verdict is not JSON"),
        ("[1, 2]", "verdict has the wrong shape"),
        ('{"flag": false, "extra": 1}', "verdict has the wrong shape"),
        ('{"category": "threat"}', "verdict has the wrong shape"),
        ('{"flag": "yes"}', "verdict flag is not true/false"),
        ('{"flag": false, "category": "threat"}', "verdict says no flag but names a category"),
        (_json(flag=True, category="rudeness", quote="playground"), "verdict category unknown"),
        (_flag(), "verdict quote missing or too long"),
        (_flag(quote="x" * 201), "verdict quote missing or too long"),
        (_flag(quote="we will burn"), "verdict quote is not in the draft"),
        (_flag(quote="playground", why="y" * 241), "verdict reason too long"),
        (_flag(quote="playground", why="a\nb"), "verdict has control characters"),
        ("{" + " " * 2000 + "}", "verdict too long"),
    ],
)  # fmt: skip
def test_anything_else_is_refused(answer: str, reason: str) -> None:
    assert parse_verdict(answer, DRAFT) == (None, reason)


def test_what_is_sent_is_the_draft_and_the_categories_only() -> None:
    messages = build_opinion_messages("x" * 10_000)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert len(messages[1]["content"]) == 4000
    assert "sue_threat" in messages[0]["content"] and "JSON" in messages[0]["content"]


# --- the call -----------------------------------------------------------------------------------


def _settings(url: str, timeout: float = 5.0) -> LlmSettings:
    return LlmSettings(url=url, model="fake-model", timeout=timeout)


async def test_the_model_is_asked_and_its_verdict_parsed(fake: FakeLlm) -> None:  # noqa: F811
    fake.answer(_json(flag=True, category="threat", quote="your kids' playground", why="Veiled."))
    async with httpx.AsyncClient(trust_env=False) as client:
        opinion = await second_opinion(_settings(fake.url), DRAFT, client=client)
    assert opinion.reason is None
    assert opinion.verdict == Verdict(True, "threat", "your kids' playground", "Veiled.")
    body = fake.requests[0].body
    assert body["temperature"] == 0 and body["messages"][1]["content"] == DRAFT


@pytest.mark.parametrize(
    ("status", "content", "reason"),
    [
        (200, "I think it is fine.", "verdict is not JSON"),
        (500, None, "HTTP 500"),
    ],
)
async def test_a_bad_answer_gives_no_verdict(
    fake: FakeLlm,  # noqa: F811
    status: int,
    content: str | None,
    reason: str,
) -> None:
    if content is None:
        fake.reply(status, {"error": "boom"})
    else:
        fake.answer(content)
    async with httpx.AsyncClient(trust_env=False) as client:
        opinion = await second_opinion(_settings(fake.url), DRAFT, client=client)
    assert (opinion.verdict, opinion.reason) == (None, reason)


async def test_no_server_gives_no_verdict_and_no_exception() -> None:
    opinion = await second_opinion(_settings(f"http://127.0.0.1:{closed_port()}"), DRAFT)
    assert opinion.verdict is None and opinion.reason == "connection refused"


# --- /ar lint -----------------------------------------------------------------------------------

LEDGER = [
    ("N-1", "C1", "Northwind Trading", "normal", "wang.wei", "2026-01-01", "2026-02-01",
     "CNY", "1500.00", "", "", "no"),
]  # fmt: skip


@pytest.fixture
def router(sqlite_db: Database, tmp_path: Path, config: Config, clock: FakeClock) -> Router:
    run_import(sqlite_db, write_csv(tmp_path / "l.csv", LEDGER_HEADER, LEDGER))
    return Router(sqlite_db, config, clock)


def _with_llm(router: Router, server: FakeLlm) -> Router:
    llm = Llm(url=server.url, model="fake-model", timeout=timedelta(seconds=2))
    cfg = router.config
    cfg = cfg.model_copy(update={"phrasing": cfg.phrasing.model_copy(update={"llm": llm})})
    return Router(router.db, cfg, router.clock)


async def _say(router: Router, text: str) -> str:
    reply = await router.handle(
        text, platform="console", channel="#t", user_id="u", person="tom.baker"
    )
    assert reply is not None
    return reply.plain()


async def test_a_doubt_is_shown_as_a_caution(router: Router, fake: FakeLlm) -> None:  # noqa: F811
    fake.answer(_json(flag=True, category="threat", quote="your kids' playground", why="Veiled."))
    out = await _say(_with_llm(router, fake), f"/ar lint {DRAFT}")
    assert "The rules passed this draft, but the language model has a doubt" in out
    assert "Threat of harm: “your kids' playground”. Veiled." in out
    assert "second opinion from the language model (fake-model), not a rule" in out


async def test_agreement_says_clean(router: Router, fake: FakeLlm) -> None:  # noqa: F811
    fake.answer('{"flag": false}')
    out = await _say(_with_llm(router, fake), "/ar lint Please settle CNY 1,500 by Friday.")
    assert "Clean" in out and "second opinion agrees" in out


async def test_a_draft_the_rules_flag_never_goes_to_the_model(
    router: Router,
    fake: FakeLlm,  # noqa: F811
) -> None:
    fake.answer('{"flag": false}')
    out = await _say(_with_llm(router, fake), "/ar lint We know where you live.")
    assert "Threat of harm" in out and "second opinion" not in out
    assert fake.requests == []


async def test_a_garbled_answer_is_logged_and_the_rules_stand(
    router: Router,
    fake: FakeLlm,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.answer("FLAG: yes, threat!!! <!channel>")
    with caplog.at_level(logging.WARNING, logger="handlers.lint"):
        out = await _say(_with_llm(router, fake), "/ar lint Please settle CNY 1,500 by Friday.")
    assert "Clean: nothing here breaks the collection rules." in out
    assert "channel" not in out and "agrees" not in out
    assert "lint second opinion ignored: verdict is not JSON" in caplog.text


async def test_without_a_model_nothing_is_asked(router: Router) -> None:
    out = await _say(router, "/ar lint Please settle CNY 1,500 by Friday.")
    assert out.startswith("✅ Clean")
