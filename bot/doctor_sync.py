"""`arcircle doctor`'s lines about the ledger syncing by itself: the watched folder and the
HTTP feed (whether its environment is set; never the values)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

import httpx

from bot.kernel.config import Config

Line = tuple[Literal["ok", "warn", "fail"], str, str]


def sync_checks(cfg: Config, env: Mapping[str, str]) -> list[Line]:
    """(status, where, text) lines, as bot.doctor.Check takes them."""
    led = cfg.ledger
    checks: list[Line] = []
    if (folder := led.watch) is not None:
        if not folder.is_dir():
            checks.append(("fail", "ledger watch", f"{folder}: no such folder"))
        elif not os.access(folder, os.W_OK):
            checks.append(
                ("fail", "ledger watch", f"{folder}: not writable (files move to done/, failed/)")
            )
        else:
            every = led.watch_every
            checks.append(("ok", "ledger watch", f"{folder} (looked at every {every})"))
    if (feed := led.feed) is not None:
        url = env.get(feed.url_env, "").strip()
        if not url:
            checks.append(("fail", "ledger feed", f"{feed.url_env} is not set (the feed's URL)"))
        elif httpx.URL(url).scheme not in ("http", "https"):
            checks.append(("fail", "ledger feed", f"{feed.url_env} is not an http(s) address"))
        elif feed.auth_header_env and not env.get(feed.auth_header_env):
            checks.append(
                ("warn", "ledger feed", f"{feed.auth_header_env} is not set: no auth header sent")
            )
        else:
            checks.append(("ok", "ledger feed", f"{feed.url_env} set, polled every {feed.every}"))
    return checks
