"""The model's settings (from config.yaml and the environment), what a request carries and what
comes back; playbook.llm re-exports them."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

SHAREABLE = ("customer_name", "amounts", "days", "stage", "excuse", "conversation")
DEFAULT_SEND = ("amounts", "days", "stage", "excuse")

TEMPERATURE = 0.4
MAX_TOKENS = 400
# An answer bigger than this is not a chat completion of a few hundred tokens.
_MAX_BODY = 64_000
# The conversation sent is the most recent lines only, each cut to a sane length.
MAX_CONVERSATION_LINES = 20
MAX_LINE_CHARS = 500
# What the prompt asks for, and (generously) what an answer may be before it is refused.
WORD_LIMIT = 120
CHAR_LIMIT_ZH = 200
_REFUSE_WORDS = 2 * WORD_LIMIT
_REFUSE_CHARS_ZH = 2 * CHAR_LIMIT_ZH

_PLACEHOLDERS = {
    "en": {"customer": "[customer]", "amount": "[amount]", "days": "[days]"},
    "zh-CN": {"customer": "[客户]", "amount": "[金额]", "days": "[天数]"},
}
# Any placeholder the model may echo, in either language, numbered or not.
_PLACEHOLDER_ANSWER = re.compile(
    r"[\[【]\s*(customer|客户|amount|金额|days|天数)\s*(\d*)\s*[\]】]", re.IGNORECASE
)
_KIND = {
    "customer": "customer",
    "客户": "customer",
    "amount": "amount",
    "金额": "amount",
    "days": "days",
    "天数": "days",
}

# A currency sign or an ISO code (upper case, not the end of a word) before a bare number.
_CURRENCY_PREFIX = r"(?:(?:US\$|HK\$|[¥$€£₩₹￥]|(?<![A-Za-z])(?-i:[A-Z]{3}))\s?)?"
_NUMBER = re.compile(r"\d[\d,\s]*\d(?:\.\d+)?|\d(?:\.\d+)?")


@dataclass(frozen=True, repr=False)
class LlmSettings:
    """Where the model is and what of the case may be sent to it.

    url: the API base, with or without "/v1" (see `endpoint`).
    api_key: from LLM_API_KEY, sent as "Authorization: Bearer ..." only when set (an empty
    string counts as unset); left out of the repr, as are the url's user info and query.
    timeout: seconds for the whole request.
    send: what of the case may leave the process, a subset of SHAREABLE.
    """

    url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    send: tuple[str, ...] = DEFAULT_SEND

    def __post_init__(self) -> None:
        object.__setattr__(self, "send", tuple(self.send))
        unknown = [name for name in self.send if name not in SHAREABLE]
        if unknown:
            raise ValueError(
                f"unknown field(s) to send: {', '.join(unknown)} (known: {', '.join(SHAREABLE)})"
            )
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, not {self.timeout!r}")
        if not self.url.strip():
            raise ValueError("url is empty")
        if not self.model.strip():
            raise ValueError("model is empty")

    def __repr__(self) -> str:
        key = "set" if self.api_key else None
        return (
            f"LlmSettings(url={_safe_url(self.url)!r}, model={self.model!r}, api_key={key!r}, "
            f"timeout={self.timeout!r}, send={self.send!r})"
        )


@dataclass(frozen=True)
class LlmRequest:
    """What to adapt and the case around it; plain data, already rendered for the locale."""

    locale: str
    template: str
    tone: str
    technique: str
    customer_name: str | None = None
    amounts: str | None = None
    days: int | None = None
    stage: str | None = None
    excuse: str | None = None
    conversation: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class LlmResult:
    text: str | None
    reason: str | None
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.text is not None


def load_settings(
    url: str,
    model: str,
    *,
    timeout: float | timedelta = 10.0,
    send: Sequence[str] = DEFAULT_SEND,
    env: Mapping[str, str] | None = None,
) -> LlmSettings:
    """Settings from config values, the key from LLM_API_KEY (in `env`, default os.environ)."""
    environ = os.environ if env is None else env
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    return LlmSettings(
        url=url,
        model=model,
        api_key=environ.get("LLM_API_KEY") or None,
        timeout=seconds,
        send=tuple(send),
    )


def endpoint(url: str) -> str:
    """The chat-completions URL for a configured base URL.

    ".../v1" and "..." both become ".../v1/chat/completions"; ".../chat/completions" is kept.
    A query string (some gateways want one) is kept on the request, never shown.
    """
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        if not path.endswith("/v1"):
            path += "/v1"
        path += "/chat/completions"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _safe_url(url: str) -> str:
    """A URL without user info, query string or fragment: fit for logs."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        if ":" in host:  # IPv6
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "(invalid url)"


def describe(settings: LlmSettings) -> str:
    """One line for doctor and logs; never the key, nor a query string or user info."""
    key = "key set" if settings.api_key else "no key"
    send = ", ".join(settings.send) if settings.send else "nothing of the case"
    return (
        f"model {settings.model} at {_safe_url(endpoint(settings.url))} ({key}), "
        f"timeout {settings.timeout:g}s, sends: {send}"
    )
