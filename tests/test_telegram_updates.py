"""How updates arrive: the webhook (secret token checked, answered at once) and polling with
the offset in the database (a restart in the middle: no update lost, none handled twice)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
import sqlalchemy as sa

from bot import http
from tests.fake_telegram import TOKEN, FakeTelegram, fake_telegram_fixture  # noqa: F401
from tests.telegram_world import GROUP, SECRET, WANG, World, group_message, world_fixture  # noqa: F401
from tests.test_slack_inbound import poll

HEADER = "X-Telegram-Bot-Api-Secret-Token"


def client(world: World, messenger: object) -> httpx.AsyncClient:
    app = http.http_app([messenger])  # type: ignore[list-item]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot")


def inbound_rows(world: World) -> int:
    with world.rt.db.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM inbound_event")).scalar_one())


async def test_webhook_with_the_right_secret_runs_the_command(world: World) -> None:
    m = await world.messenger(mode="webhook", settings={"webhook_url": "https://bot.example/tg"})
    assert world.fake.webhook == {"url": "https://bot.example/tg", "secret_token": SECRET}
    async with client(world, m) as web:
        resp = await web.post(
            "/telegram/webhook", json=group_message("/ar overdue", WANG), headers={HEADER: SECRET}
        )
        assert resp.status_code == 200
        await poll(lambda: world.fake.sent(GROUP), "the answer in the group")
    assert "Northwind" in world.fake.sent(GROUP)[0]["text"]


@pytest.mark.parametrize("given", [None, "", "guessed-secret-42", SECRET + "x", SECRET[:-1]])
async def test_webhook_with_a_wrong_or_missing_secret_runs_nothing(
    world: World, given: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    m = await world.messenger(mode="webhook")
    headers = {} if given is None else {HEADER: given}
    caplog.set_level(logging.INFO)
    async with client(world, m) as web:
        resp = await web.post(
            "/telegram/webhook", json=group_message("/ar overdue", WANG), headers=headers
        )
    assert resp.status_code == (401 if given is None else 403)
    await asyncio.sleep(0.05)
    assert world.fake.sent(GROUP) == [] and inbound_rows(world) == 0
    assert "refused" in caplog.text
    assert SECRET not in caplog.text and TOKEN not in caplog.text
    if given:
        assert given not in caplog.text.replace("secret token", "")


async def test_webhook_without_a_url_still_serves_and_skips_set_webhook(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    m = await world.messenger(mode="webhook")
    assert world.fake.calls_to("setWebhook") == []
    assert "setWebhook skipped" in caplog.text
    assert [getattr(r, "path", "") for r in m.routes()] == ["/telegram/webhook"]


async def test_a_slow_command_does_not_hold_the_webhook_answer(world: World) -> None:
    from tests.fake_telegram import Answer

    m = await world.messenger(mode="webhook")
    world.fake.script("sendMessage", Answer(body={"ok": True, "result": True}, delay=1.0))
    async with client(world, m) as web:
        loop = asyncio.get_running_loop()
        began = loop.time()
        resp = await web.post(
            "/telegram/webhook", json=group_message("/ar overdue", WANG), headers={HEADER: SECRET}
        )
        assert resp.status_code == 200 and loop.time() - began < 0.5
        await world.fake.wait_for("sendMessage")


async def test_a_webhook_body_that_is_not_an_update_is_refused(world: World) -> None:
    m = await world.messenger(mode="webhook")
    async with client(world, m) as web:
        bad = await web.post("/telegram/webhook", content=b"{nope", headers={HEADER: SECRET})
        assert bad.status_code == 400
        odd = await web.post("/telegram/webhook", json=[1, 2], headers={HEADER: SECRET})
        assert odd.status_code == 400


def handled_commands(fake: FakeTelegram) -> list[str]:
    """Which `/ar case N` were answered (each answer names its case)."""
    out = []
    for msg in fake.sent(GROUP):
        for n in range(1, 30):
            if f"no case #{n}." in msg["text"]:
                out.append(str(n))
    return out


async def test_polling_restart_in_the_middle_loses_nothing_and_replays_nothing(
    world: World,
) -> None:
    fake = world.fake
    total, first = 12, 5
    for n in range(1, total + 1):
        # Each asks for a different case, so each answer says which update it was.
        fake.push({"update_id": 100 + n, **_strip(group_message(f"/ar case {n}", WANG))})
    m = await world.messenger()
    task = asyncio.create_task(m.connection())  # type: ignore[arg-type]
    stopped = False
    try:
        await poll(lambda: len(handled_commands(fake)) >= first, "the first updates")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        stopped = True
        await m.stop()
        seen = len(handled_commands(fake))
        assert first <= seen < total
        # A restart: a new messenger over the same database.
        again = await world.messenger()
        task = asyncio.create_task(again.connection())  # type: ignore[arg-type]
        stopped = False
        await poll(lambda: len(handled_commands(fake)) >= total, "every update", timeout=10)
        await asyncio.sleep(0.2)  # a replay would show up now
    finally:
        if not stopped:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert sorted(handled_commands(fake), key=int) == [str(n) for n in range(1, total + 1)]
    # The second process asked from where the first stopped, not from the start.
    offsets = [c.params.get("offset") for c in fake.calls_to("getUpdates")]
    assert offsets[0] is None and any(o and o > 101 for o in offsets)


async def test_polling_survives_a_server_error_and_a_conflict(world: World) -> None:
    from tests.fake_telegram import Answer

    fake = world.fake
    fake.script("getUpdates", Answer.server_error(), Answer.retry_after(0))
    fake.push(group_message("/ar case 3", WANG))
    m = await world.messenger()
    task = asyncio.create_task(m.connection())  # type: ignore[arg-type]
    try:
        await poll(lambda: handled_commands(fake) == ["3"], "the update after the errors")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _strip(update: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in update.items() if k != "update_id"}
