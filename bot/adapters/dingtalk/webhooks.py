"""Where a robot message's `sessionWebhook` may point: the reply (with the chat's data) is
POSTed there, so only DingTalk's own hosts, the configured DINGTALK_API_URL, and, when that
URL is a loopback address (a test's or a local proxy's fake), any loopback http(s) URL.

A sessionWebhook elsewhere is not used (events.parse_message drops it; the answer goes
through the group / one-to-one API instead) and is logged by host only: its query holds the
session token (DingTalk's look like https://oapi.dingtalk.com/robot/sendBySession?session=…,
docs 企业内部机器人接收消息, "sessionWebhook").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# DingTalk serves sessionWebhooks on oapi; api is its v1.0 host.
DINGTALK_HOSTS = frozenset({"oapi.dingtalk.com", "api.dingtalk.com"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL = 2048


def _parts(url: str) -> tuple[str, str, str] | None:
    """(scheme, host, netloc) of a well-formed absolute URL without userinfo, else None."""
    if len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        split = urlsplit(url)
        host = (split.hostname or "").lower()
        _ = split.port  # a malformed port raises here
    except ValueError:
        return None
    if split.scheme not in ("http", "https") or not host or "@" in split.netloc:
        return None
    return split.scheme, host, split.netloc


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def host_of(url: str) -> str:
    """The host (with port) of a URL for a log line: never its path or query."""
    parts = _parts(url)
    return parts[2][:100] if parts else "(malformed)"


@dataclass(frozen=True)
class WebhookPolicy:
    """`base`: DINGTALK_API_URL ("" for DingTalk's own)."""

    base: str = ""

    def allows(self, url: str) -> bool:
        parts = _parts(url)
        if parts is None:
            return False
        scheme, host, _ = parts
        if scheme == "https" and host in DINGTALK_HOSTS:
            return True
        base = self.base.rstrip("/")
        if base and url.startswith(base + "/"):
            return True
        base_parts = _parts(base) if base else None
        # A fake DingTalk on this machine may serve the sessionWebhook from another port.
        return base_parts is not None and is_loopback(base_parts[1]) and is_loopback(host)
