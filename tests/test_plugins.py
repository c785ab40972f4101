"""A messenger is a plugin: the registry finds it, `serve` mounts its routes on the one HTTP
server and delivers its outbox rows, and nothing in the composition root names it.

The proof is a messenger that exists only in this file ("echo"): registered by patching the
registry, it gets commands over HTTP and the circle's cards through the outbox.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import http
from bot.adapters import registry
from bot.adapters.base import Capabilities, EnvVar, Messenger, Plugin, Services
from bot.app import build_runtime, running_messengers, serve
from bot.kernel.capabilities import adapt
from bot.kernel.clock import FakeClock
from bot.kernel.config import Config, load_config
from bot.kernel.messages import Card, Reply
from storage.outbox import OutRow
from tests.conftest import LEDGER_HEADER, run_import, write_csv
from tests.test_slack_inbound import DEADLINE, LEDGER, poll

CONFIG = """\
company: {name: Test Machinery, currency: CNY, timezone: Asia/Shanghai, locale: en}
people:
  wang.wei: {name: 王伟, team: sales, role: lead, ids: {echo: E1}}
  li.na: {name: 李娜, team: finance, role: lead}
  zhao.yun: {name: 赵云, team: legal, role: lead}
  liu.yang: {name: 刘洋, role: manager}
teams:
  sales: {lead: wang.wei, manager: liu.yang}
  finance: {lead: li.na, manager: liu.yang}
  legal: {lead: zhao.yun, manager: liu.yang}
circle:
  channels: {echo: "#echo-circle"}
platforms:
  console: {enabled: false}
"""


class EchoMessenger(Messenger):
    name = "echo"
    capabilities = Capabilities(edit=False, buttons=False)

    def __init__(self, services: Services) -> None:
        self.services = services
        self.sent: list[tuple[OutRow, Reply, str | None]] = []

    def routes(self) -> Sequence[BaseRoute]:
        async def inbound(request: Request) -> Response:
            body = await request.json()
            user = str(body["user"])
            reply = await self.services.router.handle(
                str(body["text"]),
                platform=self.name,
                channel="#echo",
                user_id=user,
                person=self.services.identities.person(self.name, user),
                addressed=True,
            )
            return JSONResponse({"text": reply.plain() if reply else None})

        return [Route("/echo/in", inbound, methods=["POST"])]

    def transport(self) -> EchoMessenger:
        return self

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        self.sent.append((row, message, update_ref))
        return f"echo-{row.id}"


class EchoPlugin(Plugin):
    name = "echo"
    title = "Echo"

    def __init__(self) -> None:
        self.built: list[EchoMessenger] = []

    def enabled(self, config: Config) -> bool:
        return True

    def env_vars(self) -> tuple[EnvVar, ...]:
        return (EnvVar("ECHO_TOKEN", "the echo token"),)

    def takes_http(self, config: Config) -> bool:
        return True

    def build(self, services: Services) -> Messenger:
        messenger = EchoMessenger(services)
        self.built.append(messenger)
        return messenger


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> EchoPlugin:
    plugin = EchoPlugin()
    found = dict(registry.plugins())
    found["echo"] = plugin
    monkeypatch.setattr(registry, "plugins", lambda: found)
    return plugin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_registry_finds_every_plugin_package() -> None:
    found = registry.plugins()
    assert next(iter(found)) == "console"
    assert {"console", "slack"} <= set(found)
    assert all(p.name == name for name, p in found.items())


def test_serve_runs_http_plugins_and_run_the_rest(echo: EchoPlugin, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    assert running_messengers(config, "serve") == ("echo",)
    assert running_messengers(config, "run") == ()  # echo takes HTTP: `serve` runs it
    assert echo.missing_env(config, {}) == ["ECHO_TOKEN"]
    assert echo.missing_env(config, {"ECHO_TOKEN": " "}) == ["ECHO_TOKEN"]


async def test_a_plugin_unknown_to_the_root_runs_the_circle(
    echo: EchoPlugin, tmp_path: Path
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, env={})
    clock = FakeClock(datetime(2026, 3, 16, 2, 0, tzinfo=UTC))
    rt = build_runtime(config, clock, f"sqlite:///{tmp_path}/echo.db", platforms=("echo",))
    run_import(rt.db, write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, LEDGER))
    port = free_port()
    task = asyncio.create_task(
        serve(rt, "serve", env={"ECHO_TOKEN": "t"}, listen=("127.0.0.1", port))
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as web:

            async def up() -> bool:
                try:
                    return (await web.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            deadline = asyncio.get_running_loop().time() + DEADLINE
            while not await up():
                assert not task.done(), task.exception()
                assert asyncio.get_running_loop().time() < deadline, "serve did not start"
                await asyncio.sleep(0.02)
            health = (await web.get("/healthz")).json()
            assert health == {"ok": True, "messengers": ["echo"]}
            # A command over the plugin's own route, from a person known by their echo id.
            answer = await web.post("/echo/in", json={"user": "E1", "text": "/ar case 1"})
            assert answer.status_code == 200
            [messenger] = echo.built

            # The overdue scan opened cases: their cards reach the plugin through the outbox.
            def card_for(customer: str) -> tuple[OutRow, Reply] | None:
                found = [(r, m) for r, m, _ in messenger.sent if r.kind == "card"]
                return next(((r, m) for r, m in found if customer in m.plain()), None)

            row, card = await poll(lambda: card_for("Old Mill Ltd"), "Old Mill's circle card")
            assert row.platform == "echo" and row.destination == "#echo-circle"
            assert card.card is not None and card.card.title.startswith("Case #")
            # Someone not in the identity table is refused reading, told by the router.
            stranger = await web.post("/echo/in", json={"user": "E9", "text": "/ar overdue"})
            assert "may see receivables" in str(stranger.json()["text"])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        rt.db.dispose()


def test_a_messenger_that_cannot_edit_gets_a_follow_up_not_the_card_again() -> None:
    card = Card(title="Case #1 · Old Mill Ltd")
    update = Reply(text="Case #1: finance answered", card=card, ephemeral=False)
    cannot = Capabilities(edit=False)
    assert adapt(update, "card_update", cannot) == Reply(
        text="Case #1: finance answered", ephemeral=False
    )
    assert adapt(update, "card_update", Capabilities(edit=True)) is update
    assert adapt(update, "card", cannot) is update


def test_two_messengers_cannot_take_the_same_path() -> None:
    class Clash(EchoMessenger):
        name = "clash"

    services: Any = None
    with pytest.raises(ValueError, match="both want /echo/in"):
        http.http_app([EchoMessenger(services), Clash(services)])
