"""config.yaml `ledger:` sync without hands: a watched folder and an HTTP JSON feed.

    ledger:
      watch: inbox/ledger         # each new or changed CSV/XLSX here is imported once,
      watch_every: 1m             #   then moved to inbox/ledger/done/ or .../failed/
      feed:
        url_env: ARCIRCLE_FEED_URL          # the NAME of the variable holding the URL
        auth_header_env: ARCIRCLE_FEED_AUTH # ...and the one holding the header's value
        auth_header: Authorization          # the header's name (not a secret)
        every: 10m
        timeout: 20s
        retries: 4                          # after a 5xx, 429 or timeout, with backoff
        backoff: 2s
        backoff_max: 2m

The URL and the header's value are credentials (a signed URL, a bearer token): only the names
of the environment variables holding them are in the config, never the values.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator


def _duration(value: Any) -> timedelta:
    # bot.kernel.config imports this module to build its Ledger: its parser is looked up when
    # a value is checked, by which time that module is complete.
    from bot.kernel.config import parse_duration

    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,99}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,100}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _env_name(value: str, what: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(
            f"{what} must be the NAME of an environment variable (e.g. ARCIRCLE_FEED_URL), "
            "not the value itself"
        )
    return value


class LedgerFeed(_Strict):
    """An HTTP JSON source of invoices and payments (the shape is in jobs/ledger_feed.py)."""

    url_env: str = "ARCIRCLE_FEED_URL"
    auth_header_env: str | None = "ARCIRCLE_FEED_AUTH"
    auth_header: str = "Authorization"
    every: Duration = timedelta(minutes=10)
    timeout: Duration = timedelta(seconds=20)
    retries: int = Field(default=4, ge=0, le=10)
    backoff: Duration = timedelta(seconds=2)
    backoff_max: Duration = timedelta(minutes=2)
    # A feed that never stops paging (or loops) is cut off here; a page bigger than
    # max_page_bytes is refused as malformed rather than read into memory.
    max_pages: int = Field(default=1000, ge=1, le=100_000)
    max_page_bytes: int = Field(default=20 << 20, ge=1024, le=1 << 30)

    @field_validator("url_env")
    @classmethod
    def _url_env(cls, value: str) -> str:
        return _env_name(value, "url_env")

    @field_validator("auth_header_env")
    @classmethod
    def _auth_env(cls, value: str | None) -> str | None:
        return None if value is None else _env_name(value, "auth_header_env")

    @field_validator("auth_header")
    @classmethod
    def _header(cls, value: str) -> str:
        if not _HEADER_NAME.fullmatch(value):
            raise ValueError(f"{value[:40]!r} is not an HTTP header name (e.g. Authorization)")
        return value


class LedgerSyncSettings(_Strict):
    """The `ledger:` keys for syncing by itself; bot.kernel.config's Ledger inherits them."""

    # A folder whose new or changed ledger files are imported once, then moved to done/ or
    # failed/ beside their report. Relative to the config file.
    watch: Path | None = None
    watch_every: Duration = timedelta(minutes=1)
    feed: LedgerFeed | None = None
