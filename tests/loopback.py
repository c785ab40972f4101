"""What the messengers' fakes and rigs share: an aiohttp app served on 127.0.0.1 on a free
port, and the router wrapped to count what reaches it."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiohttp import web

from bot.kernel.messages import Reply


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """The app on 127.0.0.1, a free port; the runner (clean it up) and the root URL."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}"


class Spy:
    """The router, counting what reaches it (a refused request must run nothing). `gate`:
    answers wait until it is set; `fail`: the command raises, with a detail that must never
    reach a chat."""

    def __init__(self, router: Any) -> None:
        self._router = router
        self.clock = router.clock
        self.access = router.access
        self.seen: list[str] = []
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def handle(self, text: str, **kw: Any) -> Reply | None:
        self.seen.append(text)
        if self.fail:
            raise RuntimeError("boom: secret-detail-that-must-not-reach-chat")
        if self.gate is not None:
            await self.gate.wait()
        return await self._router.handle(text, **kw)  # type: ignore[no-any-return]

    def case_of(self, text: str) -> int | None:
        return self._router.case_of(text)  # type: ignore[no-any-return]

    async def open_form(self, ref: Any, **kw: Any) -> Any:
        self.seen.append(f"open_form {ref.key()}")
        return await self._router.open_form(ref, **kw)

    async def submit_form(self, ref: Any, values: Any, **kw: Any) -> Any:
        self.seen.append(f"submit_form {ref.key()}")
        return await self._router.submit_form(ref, values, **kw)
