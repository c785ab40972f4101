"""Slack over Socket Mode: the app-level token, checked at start, and a connection that is
either up, quietly reconnecting, or stopped for good with one line that says why.

- `check_app_token`: an `xapp-` token, then `apps.connections.open` once (through
  SLACK_API_URL): Slack's error becomes one sentence for `arcircle run` to stop with.
- `serve_socket`: slack_sdk's aiohttp Socket Mode client under bolt's handler. slack_sdk
  retries a lost connection forever and logs a traceback on each attempt; here each problem is
  one log line (repeats held back for a while), and an answer no retry can change (the token
  revoked, the scope removed) ends the connection: `serve_socket` raises SocketModeStopped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, cast

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.outbound import SlackSetupError, delivery_error
from bot.adapters.slack.payloads import problem

APP_TOKEN_PREFIX = "xapp-"
_WHERE = "create one under Basic Information → App-Level Tokens with the connections:write scope"
# Slack's answers to apps.connections.open that no retry can change.
_FATAL: dict[str, str] = {
    "invalid_auth": f"Slack rejected SLACK_APP_TOKEN (invalid_auth); {_WHERE}",
    "not_authed": f"Slack got no SLACK_APP_TOKEN (not_authed); {_WHERE}",
    "not_allowed_token_type": (
        "SLACK_APP_TOKEN is not an app-level token (Slack answered not_allowed_token_type); "
        + _WHERE
    ),
    "missing_scope": (
        "SLACK_APP_TOKEN lacks the connections:write scope (missing_scope); "
        "add it to the token under Basic Information → App-Level Tokens, or create a new one"
    ),
    "token_revoked": f"SLACK_APP_TOKEN was revoked (token_revoked); {_WHERE}",
    "token_expired": f"SLACK_APP_TOKEN has expired (token_expired); {_WHERE}",
    "account_inactive": "the app of SLACK_APP_TOKEN is deleted or disabled (account_inactive)",
    "app_not_found": "the app of SLACK_APP_TOKEN does not exist any more (app_not_found)",
    "invalid_app_id": "the app of SLACK_APP_TOKEN does not exist any more (invalid_app_id)",
}
_LINK_DISABLED = (
    "Socket Mode was turned off for the app (Slack said link_disabled); turn it on under "
    "Socket Mode in the app's settings, or serve HTTP (platforms.slack.mode: http)"
)
_KNOWN_PREFIXES = ("xoxb-", "xoxp-", "xoxa-", "xoxe-", "xoxr-", "xoxs-")

log = logging.getLogger(__name__)
# slack_sdk's Socket Mode client logs here (one line per problem, see _ClientLog).
socket_log = logging.getLogger("arcircle.slack.socket")


class SocketModeStopped(RuntimeError):
    """The Socket Mode connection ended for good; the message says why and what to do."""


def app_token_problem(token: str | None) -> str | None:
    """What is wrong with SLACK_APP_TOKEN before asking Slack (it is never echoed)."""
    text = (token or "").strip()
    if not text:
        return "SLACK_APP_TOKEN is empty: Socket Mode needs the app-level token (xapp-…)"
    if text.startswith(APP_TOKEN_PREFIX):
        return None
    kind = next((p for p in _KNOWN_PREFIXES if text.startswith(p)), None)
    seen = f"it starts with {kind}" if kind else "it does not start with xapp-"
    hint = " (that is the bot token: SLACK_BOT_TOKEN)" if kind == "xoxb-" else ""
    return f"SLACK_APP_TOKEN is not an app-level token: {seen}{hint}; {_WHERE}"


def fatal_reason(exc: SlackApiError) -> str | None:
    """The sentence for an apps.connections.open error no retry can change, else None."""
    data = getattr(exc.response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, Mapping) else ""
    status = int(getattr(exc.response, "status_code", 0) or 0)
    if status == 429 or status >= 500:
        return None
    if error in _FATAL:
        return _FATAL[error]
    if status in (401, 403):
        return f"Slack refused SLACK_APP_TOKEN (HTTP {status}); {_WHERE}"
    return None


async def check_app_token(client: AsyncWebClient, token: str) -> str:
    """The token looks right and Slack opens a connection with it: the WebSocket URL.

    Raises SlackSetupError with one sentence (the token itself never appears in it).
    """
    problem = app_token_problem(token)
    if problem is not None:
        raise SlackSetupError(problem)
    token = token.strip()
    try:
        resp = await client.apps_connections_open(app_token=token)
    except SlackApiError as exc:
        reason = fatal_reason(exc)
        if reason is None:
            reason = f"Slack could not open a Socket Mode connection: {delivery_error(exc).reason}"
        raise SlackSetupError(reason) from None
    except Exception as exc:
        detail = delivery_error(exc).reason.replace(token, "[redacted]")
        raise SlackSetupError(
            f"Slack could not be reached to open a Socket Mode connection: {detail}"
        ) from None
    url = resp.get("url")
    if not isinstance(url, str) or not url.startswith(("wss://", "ws://")):
        raise SlackSetupError("Slack's apps.connections.open gave no WebSocket URL")
    return url


class _ClientLog(logging.LoggerAdapter[logging.Logger]):
    """What slack_sdk's client logs, one line per problem.

    slack_sdk logs a traceback on every failed attempt to connect (every ping interval): here
    each complaint is one line without the traceback, the same complaint within `quiet`
    seconds is held back, and once the connection has stopped for good nothing more is said
    (serve_socket's own line says why).
    """

    def __init__(self, logger: logging.Logger, quiet: float = 600.0) -> None:
        super().__init__(logger, {})
        self.quiet = quiet
        self.stopped = False
        self._last: dict[str, float] = {}

    @property
    def level(self) -> int:  # bolt's Socket Mode handler reads `client.logger.level`
        return self.logger.level

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if level >= logging.WARNING:
            if self.stopped:
                return
            kwargs.pop("exc_info", None)
            msg = " ".join(str(msg).split())  # slack_sdk's error texts span lines
            key = msg.split("(")[0].strip()[:80]
            now = time.monotonic()
            last = self._last.get(key)
            if last is not None and now - last < self.quiet:
                return
            self._last[key] = now
        super().log(level, msg, *args, **kwargs)


class _Client(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client that stops for good on a fatal token answer."""

    def __init__(self, *, app_token: str, web_client: AsyncWebClient, ping_interval: float) -> None:
        self.quiet_log = _ClientLog(socket_log)
        super().__init__(
            app_token=app_token,
            logger=cast(logging.Logger, self.quiet_log),
            web_client=web_client,
            ping_interval=ping_interval,
        )
        self.stopped: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def issue_new_wss_url(self) -> str:
        try:
            resp = await self.web_client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as exc:
            reason = fatal_reason(exc)
            if reason is None:
                raise
            self._stop(reason)
            raise
        url = resp.get("url")
        if not isinstance(url, str):
            raise SlackApiError("apps.connections.open gave no url", resp)
        return url

    async def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        if message.get("type") == "disconnect" and message.get("reason") == "link_disabled":
            self._stop(_LINK_DISABLED)
            return
        await super().run_message_listeners(message, raw_message)

    def _stop(self, reason: str) -> None:
        # `closed` ends slack_sdk's connect and monitor loops without another attempt.
        self.closed = True
        self.auto_reconnect_enabled = False
        self.quiet_log.stopped = True
        if not self.stopped.done():
            self.stopped.set_result(reason)


class _Handler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler around our client (bolt builds its own otherwise); a
    payload of the wrong shape is acknowledged (Slack would resend it) and goes no further."""

    def __init__(self, app: AsyncApp, client: _Client) -> None:
        self.app = app
        self.app_token = client.app_token
        self.client = client
        client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        wrong = problem(req.payload)
        if wrong is not None:
            log.warning("slack: refused a malformed Socket Mode %s (%s)", req.type, wrong)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)


async def serve_socket(
    app: AsyncApp,
    app_token: str,
    *,
    wss_url: str | None = None,
    ping_interval: float = 10.0,
) -> None:
    """Serve the app over Socket Mode until cancelled, or until the connection ends for good
    (SocketModeStopped). `wss_url`: a URL check_app_token just opened, used first."""
    problem = app_token_problem(app_token)
    if problem is not None:
        raise ValueError(problem)
    client = _Client(
        app_token=app_token.strip(), web_client=app.client, ping_interval=ping_interval
    )
    if wss_url:
        client.wss_uri = wss_url
    handler = _Handler(app, client)
    try:
        await handler.connect_async()
        reason = await client.stopped
        raise SocketModeStopped(f"Slack Socket Mode stopped: {reason}")
    finally:
        try:
            await client.close()
        except Exception as exc:  # closing a broken connection may fail; nothing to do then
            log.debug("closing the Socket Mode client: %s", exc)
