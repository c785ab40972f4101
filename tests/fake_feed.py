"""A fake ledger feed on 127.0.0.1 (a free port) for tests: JSON pages, ETag / 304, scripted
failures, recording every request it got.

    with FakeFeed() as feed:
        feed.page("/feed/s3cret?token=t", {"invoices": [...], "next": "/feed/2"}, etag='"v1"')
        feed.page("/feed/2", b"{broken", link="/feed/3")   # raw bytes, a Link header
        feed.fail(500, 500)                 # the next two requests answer 500
        feed.stall(0.5)                     # the next request answers after half a second
        feed.requests[0].headers["authorization"]

A page with an ETag (or Last-Modified) answers 304 to a request that sends it back in
If-None-Match (If-Modified-Since). A path with no page is a 404.

The standard library's threaded HTTP server, in a thread: the feed client under test is
synchronous (httpx.Client), so the server cannot share its thread's event loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Page:
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    link: str | None = None


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # lower-case names


@dataclass
class FakeFeed:
    pages: dict[str, Page] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    _script: deque[int] = field(default_factory=deque)
    _stalls: deque[float] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def page(
        self,
        path: str,
        body: dict[str, Any] | bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        link: str | None = None,
    ) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.pages[path] = Page(raw, etag, last_modified, link)

    def fail(self, *statuses: int) -> None:
        self._script.extend(statuses)

    def stall(self, seconds: float) -> None:
        self._stalls.append(seconds)

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeFeed:
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the test reads `requests`

            def do_GET(self) -> None:
                feed.requests.append(
                    Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
                )
                if feed._stalls:
                    time.sleep(feed._stalls.popleft())
                if feed._script:
                    self._answer(feed._script.popleft(), b"{}")
                    return
                page = feed.pages.get(self.path)
                if page is None:
                    self._answer(404, b'{"error": "no such page"}')
                    return
                if (page.etag and self.headers.get("If-None-Match") == page.etag) or (
                    page.last_modified
                    and self.headers.get("If-Modified-Since") == page.last_modified
                ):
                    self._answer(304, b"", page)
                    return
                self._answer(200, page.body, page)

            def _answer(self, status: int, body: bytes, page: Page | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    if page is not None:
                        if page.etag:
                            self.send_header("ETag", page.etag)
                        if page.last_modified:
                            self.send_header("Last-Modified", page.last_modified)
                        if page.link:
                            self.send_header("Link", f'<{page.link}>; rel="next"')
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body and status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
