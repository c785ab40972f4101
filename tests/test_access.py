"""Who may read receivables at all (issue 9, item 6): `access` in config.yaml, enforced once in
the router for every messenger; guests never read; commands that only explain stay open.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.kernel.clock import FakeClock
from bot.kernel.config import ConfigError, load_config
from bot.router import Router
from storage.db import Database
from tests.conftest import TEST_CONFIG
from tests.fake_slack import FakeSlack, Response, fake_slack  # noqa: F401 - the fixture
from tests.test_slack_inbound import CONFIG, build_world, serving

EVERYONE = TEST_CONFIG + "access: {read: everyone}\n"
READERS = CONFIG + "access:\n  readers: [liu.yang, 'slack:U7']\n"
GROUP = CONFIG.replace(
    "  slack: {enabled: true, mode: http}",
    "  slack: {enabled: true, mode: http, readers_group: S0READERS}",
)
DATA = "Northwind"


def config_from(tmp_path: Path, text: str) -> object:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


# --- the config -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("access: {readers: [bob]}", "access.readers.0: no person 'bob' in people"),
        ("access: {readers: ['slack:']}", "access.readers.0: 'slack:': expected a person key"),
        ("access: {readers: ['icq:123']}", "access.readers.0: 'icq:123': expected a person key"),
        ("access: {read: anyone}", "access.read: must be one of 'configured' or 'everyone'"),
        ("access: {write: everyone}", "access.write: unknown key"),
    ],
)
def test_a_bad_access_section_names_its_path(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        config_from(tmp_path, TEST_CONFIG + section + "\n")
    assert any(message in line for line in err.value.lines), err.value.lines


def test_the_default_is_configured_people_and_readers(tmp_path: Path) -> None:
    cfg = config_from(tmp_path, READERS)
    assert cfg.access.read == "configured"  # type: ignore[attr-defined]
    assert cfg.access.reader_ids("slack") == {"U7"}  # type: ignore[attr-defined]
    assert cfg.access.reader_ids("telegram") == frozenset()  # type: ignore[attr-defined]


# --- the gate in the router (the console, any messenger) -------------------------------------


async def ask(router: Router, text: str, person: str | None, user_id: str = "u") -> str:
    reply = await router.handle(
        text, platform="console", channel="#t", user_id=user_id, person=person, addressed=True
    )
    assert reply is not None
    return reply.plain()


@pytest.fixture
def db(tmp_path: Path) -> Database:
    from tests.conftest import LEDGER_HEADER, run_import, write_csv
    from tests.test_slack_inbound import LEDGER

    database = Database(f"sqlite:///{tmp_path}/access.db")
    database.migrate()
    run_import(database, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    return database


async def test_someone_not_configured_reads_nothing_but_help_lint_and_excuses(
    tmp_path: Path, db: Database, clock: FakeClock
) -> None:
    router = Router(db, config_from(tmp_path, TEST_CONFIG), clock)  # type: ignore[arg-type]
    for text in ("/ar overdue", "/ar customer Northwind", "what about Northwind?", "/ar case 1",
                 "/ar check Northwind", "/ar phrase Northwind", "/ar open Northwind"):  # fmt: skip
        answer = await ask(router, text, None)
        assert DATA not in answer, text
        assert answer.startswith("Only the people in arcircle's config and its readers"), text
        assert "Ask 刘洋 to add you" in answer
    assert "/ar overdue" in await ask(router, "/ar help", None)
    assert "Threat of harm" in await ask(router, "/ar lint pay now or else", None)
    excuses = await ask(router, "/ar excuses", None)
    assert excuses and not excuses.startswith("Only the people")
    # Someone in the config reads.
    assert DATA in await ask(router, "/ar overdue", "tom.baker")


async def test_read_everyone_lets_anyone_read_but_not_write(
    tmp_path: Path, db: Database, clock: FakeClock
) -> None:
    router = Router(db, config_from(tmp_path, EVERYONE), clock)  # type: ignore[arg-type]
    assert DATA in await ask(router, "/ar overdue", None)
    refused = await ask(router, "/ar open Northwind", None)
    assert "not in arcircle's config" in refused


# --- Slack: guests, readers, the readers group ----------------------------------------------


async def test_guests_never_read_even_when_configured(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world(fake_slack, tmp_path, CONFIG + "access: {read: everyone}\n")
    try:
        async with serving(world) as srv:
            fake_slack.users.update(
                {
                    "U2": {"is_restricted": True},  # li.na, in the config, a multi-channel guest
                    "U20": {"is_ultra_restricted": True},
                    "U21": {"is_stranger": True},
                    "U22": {"team_id": "T0OTHER"},
                }
            )
            fake_slack.missing_users.add("U23")
            for user in ("U2", "U20", "U21", "U22", "U23"):
                answer = await srv.command("overdue", user=user)
                assert DATA not in json.dumps(answer, ensure_ascii=False), user
                assert answer["text"] == (
                    "Guest accounts cannot see receivables. If you need them, ask 刘洋."
                ), user
            # A full member reads (read: everyone).
            assert DATA in json.dumps(await srv.command("overdue", user="U24"))
            asked = [c.body["user"] for c in fake_slack.calls_to("users.info")]
            assert asked == ["U2", "U20", "U21", "U22", "U23", "U24"]
    finally:
        world.rt.db.dispose()


async def test_readers_by_slack_id_and_by_user_group(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
) -> None:
    world = build_world(fake_slack, tmp_path, GROUP + "access:\n  readers: ['slack:U7']\n")
    try:
        async with serving(world) as srv:
            fake_slack.usergroups["S0READERS"] = ["U8"]
            for user, reads in (("U7", True), ("U8", True), ("U9", False), ("U2", True)):
                answer = json.dumps(await srv.command("overdue", user=user), ensure_ascii=False)
                assert (DATA in answer) is reads, user
            # A reader is not a writer.
            write = await srv.command("open Northwind", user="U8")
            assert "not in arcircle's config" in write["text"]
            assert world.counts()["case"] == 0
            # The group and the accounts were asked once each: answers are cached.
            assert len(fake_slack.calls_to("usergroups.users.list")) == 1
            assert fake_slack.calls_to("usergroups.users.list")[0].body["usergroup"] == "S0READERS"
            users = [c.body["user"] for c in fake_slack.calls_to("users.info")]
            assert sorted(users) == ["U2", "U7", "U8", "U9"]
            # A while later, Slack is asked again: U8 has left the group.
            fake_slack.usergroups["S0READERS"] = []
            assert isinstance(world.rt.clock, FakeClock)
            world.rt.clock.advance(timedelta(minutes=6))
            answer = await srv.command("overdue", user="U8")
            assert DATA not in json.dumps(answer, ensure_ascii=False)
            assert len(fake_slack.calls_to("usergroups.users.list")) == 2
    finally:
        world.rt.db.dispose()


async def test_when_slack_cannot_say_who_someone_is_nothing_is_shown(
    fake_slack: FakeSlack,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = build_world(fake_slack, tmp_path)
    try:
        async with serving(world) as srv:
            fake_slack.script(
                "users.info", Response.error("missing_scope", needed="users:read", provided="")
            )
            answer = await srv.command("overdue", user="U2")
            assert DATA not in json.dumps(answer, ensure_ascii=False)
            assert answer["text"].startswith("I could not check your account just now")
            warned = [r for r in caplog.records if "users:read" in r.getMessage()]
            assert warned and not any(r.exc_info for r in warned)
            # Slack answers again: the same person reads.
            assert DATA in json.dumps(await srv.command("overdue", user="U2"))
    finally:
        world.rt.db.dispose()
