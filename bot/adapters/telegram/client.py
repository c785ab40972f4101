"""The python-telegram-bot Application: made against `TELEGRAM_API_URL` (tests: a fake on
loopback), run inside the bot's own event loop, and kept from logging the token.

Calls go to `{TELEGRAM_API_URL}/bot{token}/{method}`. httpx logs every request URL at INFO
and PTB logs requests at DEBUG: both would write the token into the log, so their loggers get
a filter that cuts it out (and httpx is lowered to WARNING). Errors become the outbox's
vocabulary here (`delivery_error`), with reasons that never hold the token.
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.kernel.messages import DeliveryError, PermanentError, RetryAfter, TransientError
from jobs.outbox import scrub

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application

DEFAULT_API_URL = "https://api.telegram.org"
# A bot token: the bot's numeric id, a colon, then 35 characters (BotFather's shape).
TOKEN_SHAPE = re.compile(r"^\d{4,20}:[A-Za-z0-9_-]{30,64}$")
# What Telegram allows as a webhook secret_token.
SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TOKEN_IN_TEXT = re.compile(r"(?:bot)?\d{4,20}:[A-Za-z0-9_-]{30,64}")


class _NoToken(logging.Filter):
    """Cuts anything shaped like a bot token out of a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = _TOKEN_IN_TEXT.sub("bot[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = _NoToken()


# A logger's filter does not see records of its children: each logger that may write a URL.
_LOGGERS = (
    "httpx",
    "httpx._client",
    "httpcore",
    "telegram",
    "telegram.Bot",
    "telegram._bot",
    "telegram.ext",
    "telegram.ext.ExtBot",
    "telegram.ext.Application",
    "telegram.request",
    "telegram.request.HTTPXRequest",
    "telegram.request.BaseRequest",
)


def quiet_loggers() -> None:
    """No request URL (which holds the token) in the log, at any level: PTB logs its URLs at
    DEBUG and httpx every request at INFO, so both are held above that, and what they do log
    has anything shaped like a token cut out."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def api_root(env_url: str | None) -> str:
    return (env_url or DEFAULT_API_URL).rstrip("/")


def make_application(token: str, api_url: str | None, *, read_timeout: float = 20.0) -> Application:
    """The Application (its `bot` makes the calls). No updater: polling is ours, because its
    offset lives in the database (bot.adapters.telegram.polling)."""
    from telegram.ext import Application
    from telegram.request import HTTPXRequest
    from telegram.warnings import PTBDeprecationWarning

    quiet_loggers()
    # PTB warns, on every flood-control answer, that RetryAfter.retry_after becomes a
    # timedelta one day; retry_seconds reads both.
    warnings.filterwarnings(
        "ignore", message=r".*`retry_after` will be", category=PTBDeprecationWarning
    )
    root = api_root(api_url)
    return (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(HTTPXRequest(read_timeout=read_timeout, connect_timeout=10.0))
        .get_updates_request(HTTPXRequest(read_timeout=read_timeout + 40, connect_timeout=10.0))
        .updater(None)
        .build()
    )


def retry_seconds(exc: Any) -> float:
    """A RetryAfter's wait in seconds, whichever type PTB gives it (an int now, a timedelta
    with PTB_TIMEDELTA set or in a later major version; reading it warns about that)."""
    from telegram.warnings import PTBDeprecationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


_HINTS: tuple[tuple[str, str], ...] = (
    ("chat not found", "Telegram knows no chat {chat}: check circle.channels.telegram"),
    ("bot was kicked", "the bot was removed from chat {chat}: add it back to the group"),
    ("bot was blocked", "the person blocked the bot: they must open it and press Start"),
    ("bot can't initiate", "the person never started the bot: they must open it and press Start"),
    ("not enough rights", "the bot may not post in chat {chat}: make it an admin or allow it"),
    ("message to edit not found", "the card's message in chat {chat} is gone (deleted?)"),
    ("message can't be edited", "Telegram no longer lets the bot edit that message"),
    ("can't parse entities", "Telegram refused the message's HTML (a rendering bug; see the log)"),
    ("message thread not found", "the case's forum topic in chat {chat} is gone"),
)


def delivery_error(exc: BaseException, *, chat: str = "?") -> DeliveryError:
    """What an exception from PTB means for the outbox."""
    from telegram import error as tg

    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, tg.RetryAfter):
        wait = retry_seconds(exc)
        return RetryAfter(max(wait, 1.0), reason=f"Telegram flood control ({wait:g}s)")
    if isinstance(exc, tg.ChatMigrated):
        return PermanentError(
            f"chat {chat} became a supergroup: set circle.channels.telegram to {exc.new_chat_id}"
        )
    if isinstance(exc, tg.InvalidToken):
        return PermanentError("Telegram rejected TELEGRAM_BOT_TOKEN: set the token BotFather gave")
    if isinstance(exc, tg.Forbidden | tg.BadRequest):
        text = scrub(exc.message).lower()
        for needle, hint in _HINTS:
            if needle in text:
                return PermanentError(f"{exc.message[:120]}: " + hint.format(chat=chat))
        kind = "forbidden" if isinstance(exc, tg.Forbidden) else "bad request"
        return PermanentError(f"Telegram {kind}: {_clean(exc.message)}")
    if isinstance(exc, tg.TimedOut | TimeoutError):
        return TransientError("Telegram did not answer in time")
    if isinstance(exc, tg.NetworkError | OSError):
        return TransientError(f"network: {_clean(str(exc))}")
    return TransientError(f"{type(exc).__name__}: {_clean(str(exc))}")


def _clean(text: str) -> str:
    return _TOKEN_IN_TEXT.sub("[redacted]", scrub(text))[:300]


def redact(text: str, token: str) -> str:
    return text.replace(token, "[redacted]") if token else text


def describe(exc: BaseException) -> str:
    """An exception for a log line: its kind and scrubbed text."""
    return f"{type(exc).__name__}: {_clean(str(exc))}"


async def raw_call(bot: Bot, method: str, read_timeout: float | None = None, **params: Any) -> Any:
    """A Bot API call answered as plain JSON. For answers PTB would parse into objects whose
    required fields change between API versions (getChat's ChatFullInfo) or which must never
    stop on one odd item (getUpdates)."""
    from telegram.warnings import PTBUserWarning

    with warnings.catch_warnings():
        # PTB suggests its typed methods instead; plain JSON is the point here.
        warnings.simplefilter("ignore", PTBUserWarning)
        if read_timeout is None:
            return await bot.do_api_request(method, api_kwargs=params)
        return await bot.do_api_request(method, api_kwargs=params, read_timeout=read_timeout)
