"""Slack delivery for the outbox: a `jobs.outbox.Transport` over slack_sdk's AsyncWebClient.

The outbox decides about retries, so the client is made without slack_sdk's own retry
handlers (`make_client`): every failure comes back here at once and is turned into the
outbox's vocabulary:

- HTTP 429 (or an ok=false `ratelimited`): RetryAfter(the Retry-After header, 1 s without one)
- HTTP 5xx, timeouts, dropped connections, other ok=false errors: TransientError (backoff)
- errors that no retry can fix (`not_in_channel`, `channel_not_found`, `invalid_auth`, ...):
  PermanentError with a hint for whoever reads `arcircle outbox` / `arcircle doctor`.

No reason ever holds the token: reasons are built from Slack's error codes, and the text of an
unexpected exception is scrubbed and has the token cut out.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import blocks_for, fallback_text
from bot.kernel.config import Config
from bot.kernel.identity import identities_of
from bot.kernel.messages import DeliveryError, PermanentError, Reply, RetryAfter, TransientError
from jobs.outbox import scrub
from storage.outbox import OutRow

DEFAULT_TIMEOUT = 20.0  # seconds; below the outbox's send timeout, so Slack's own error wins

# Errors that retrying cannot fix, with what a person should do about them.
_PERMANENT: dict[str, str] = {
    "channel_not_found": (
        "the bot cannot see channel {channel}; check the channel id in config.yaml "
        "(a private channel needs the bot invited: /invite @arcircle)"
    ),
    "not_in_channel": "invite the bot to the channel (/invite @arcircle in {channel})",
    "is_archived": "channel {channel} is archived; unarchive it or configure another channel",
    "invalid_auth": "Slack rejected SLACK_BOT_TOKEN; set the app's Bot User OAuth Token",
    "not_authed": "no SLACK_BOT_TOKEN was sent; set the app's Bot User OAuth Token",
    "token_revoked": "SLACK_BOT_TOKEN was revoked; reinstall the app and set the new token",
    "account_inactive": "the app's token belongs to a deactivated app or user; reinstall it",
    "missing_scope": (
        "the app lacks the {needed} scope; add it in slack/manifest.yaml and reinstall the app"
    ),
    "no_permission": "the bot may not post in {channel}; check the channel's posting settings",
    "restricted_action": (
        "a workspace setting stops the bot from posting in {channel}; ask a Slack admin"
    ),
    "user_not_found": "Slack knows no user {user}; check the person's slack id in config.yaml",
    "user_disabled": "Slack user {user} is deactivated; update config.yaml",
    "cannot_dm_bot": "{user} is a bot; a direct message needs a person's slack id",
    "invalid_blocks": "Slack refused the message's blocks (a rendering bug; see the log)",
    "invalid_blocks_format": "Slack refused the message's blocks (a rendering bug; see the log)",
    "msg_too_long": "the message is longer than Slack allows",
    "message_not_found": "the card's message {ts} is gone from {channel} (deleted?)",
    "cant_update_message": "the bot may not edit message {ts} in {channel}",
}


class SlackTransport:
    """Sends outbox rows to Slack: posts, edits cards in place, threads, direct messages.

    A destination is a channel id ("C0ARCIRCLE"; a name or a user id works as Slack allows)
    or "@person" for a direct message to a person of config.yaml (by their slack id).
    """

    def __init__(
        self, client: AsyncWebClient, config: Config, *, locale: str | None = None
    ) -> None:
        self._client = client
        self._config = config
        self._locale = locale
        self._dm_channels: dict[str, str] = {}  # person -> their DM channel id
        self._dm_lock = asyncio.Lock()

    async def deliver(
        self, row: OutRow, message: Reply, *, update_ref: str | None, thread_ref: str | None
    ) -> str | None:
        """Post (or with update_ref, edit) the message; its ts."""
        destination = row.destination
        person = destination[1:] if destination.startswith("@") else None
        locale = self._locale_for(person)
        # Rendering happens before any request: a renderer bug surfaces as itself.
        text = fallback_text(message, self._config)
        blocks = blocks_for(message, self._config, locale=locale)
        channel = await self._dm_channel(person) if person is not None else destination
        try:
            if update_ref is not None:
                resp = await self._client.chat_update(
                    channel=channel, ts=update_ref, text=text, blocks=blocks
                )
                return str(resp.get("ts") or update_ref)
            # Files first: if an upload fails the row is retried before any text went out,
            # so a retry never posts the message twice.
            await upload_files(self._client, channel, message.attachments, thread_ts=thread_ref)
            kwargs: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
            if blocks:
                kwargs["blocks"] = blocks
            if thread_ref is not None:
                kwargs["thread_ts"] = thread_ref
            resp = await self._client.chat_postMessage(**kwargs)
            ts = resp.get("ts")
            return str(ts) if ts else None
        except Exception as exc:
            if person is not None:
                self._dm_channels.pop(person, None)  # open it afresh next time
            raise self._delivery_error(exc, channel=channel, ts=update_ref) from None

    # --- direct messages ----------------------------------------------------------------

    def _locale_for(self, person: str | None) -> str:
        found = self._config.people.get(person) if person is not None else None
        if found is not None and found.locale:
            return found.locale
        return self._locale or self._config.company.locale

    async def _dm_channel(self, person: str) -> str:
        known = self._dm_channels.get(person)
        if known is not None:
            return known
        if person not in self._config.people:
            raise PermanentError(f"no person {person} in config")
        slack_id = identities_of(self._config).external_id(person, "slack")
        if not slack_id:
            raise PermanentError(f"no slack id for {person} in config")
        async with self._dm_lock:
            known = self._dm_channels.get(person)
            if known is not None:
                return known
            try:
                resp = await self._client.conversations_open(users=slack_id)
            except Exception as exc:
                raise self._delivery_error(exc, user=slack_id) from None
            channel = resp.get("channel")
            channel_id = channel.get("id") if isinstance(channel, Mapping) else None
            if not channel_id:
                raise TransientError("conversations.open answered without a channel id")
            self._dm_channels[person] = str(channel_id)
            return str(channel_id)

    # --- errors -------------------------------------------------------------------------

    def _delivery_error(self, exc: BaseException, **context: str | None) -> DeliveryError:
        error = delivery_error(exc, **context)
        token = self._client.token
        if token and token in error.reason:  # never, but a reason must not carry it
            error.reason = error.reason.replace(token, "[redacted]")
            error.args = (error.reason,)
        return error


def delivery_error(exc: BaseException, **context: str | None) -> DeliveryError:
    """What an exception from the Web API client means for the outbox."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        return _api_error(exc, context)
    if isinstance(exc, TimeoutError):
        return TransientError("Slack did not answer in time")
    if isinstance(exc, aiohttp.ClientError | SlackClientError | OSError):
        detail = scrub(str(exc)).strip()
        name = type(exc).__name__
        return TransientError(f"network: {name}: {detail}" if detail else f"network: {name}")
    return TransientError(f"{type(exc).__name__}: {scrub(str(exc))}")


def _api_error(exc: SlackApiError, context: Mapping[str, str | None]) -> DeliveryError:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    error = str(body.get("error") or "")
    if status == 429 or error == "ratelimited":
        seconds = retry_after(getattr(response, "headers", None))
        return RetryAfter(seconds, reason=f"Slack rate limit (HTTP {status or 200})")
    if status >= 500:
        return TransientError(f"HTTP {status}")
    if error in _PERMANENT:
        fill = {
            "channel": context.get("channel") or "?",
            "user": context.get("user") or "?",
            "ts": context.get("ts") or "?",
            "needed": str(body.get("needed") or "needed"),
        }
        return PermanentError(f"{error}: " + _PERMANENT[error].format(**fill))
    if error:
        return TransientError(error)
    return TransientError(f"HTTP {status}" if status else "Slack gave no answer")


def retry_after(headers: Mapping[str, str] | None) -> float:
    """The Retry-After header in seconds; 1 when it is missing or not a number."""
    if headers is not None:
        for name, value in headers.items():
            if name.lower() == "retry-after":
                try:
                    seconds = float(value)
                except (TypeError, ValueError):
                    break
                if seconds >= 0:
                    return seconds
                break
    return 1.0


def api_url(base_url: str | None = None) -> str:
    """The Web API's address: given, or SLACK_API_URL from the environment, or Slack's own."""
    url = base_url or os.environ.get("SLACK_API_URL") or AsyncWebClient.BASE_URL
    return url if url.endswith("/") else url + "/"


def make_client(
    token: str,
    *,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retry_handlers: list[AsyncRetryHandler] | None = None,
) -> AsyncWebClient:
    """A Web API client; by default with no retry handlers of its own (the outbox retries).

    base_url: given, or SLACK_API_URL from the environment, or Slack's own.
    """
    if not token:
        raise SlackSetupError("SLACK_BOT_TOKEN is not set")
    # The SDK annotates timeout as int; it only hands it on to aiohttp, which takes seconds.
    seconds = cast(int, timeout)
    retries = retry_handlers or []
    return AsyncWebClient(
        token=token, base_url=api_url(base_url), timeout=seconds, retry_handlers=retries
    )


class SlackSetupError(RuntimeError):
    """Slack cannot be used as configured: one line that says what to fix."""


@dataclass(frozen=True)
class BotIdentity:
    user_id: str
    team_id: str | None
    scopes: frozenset[str] | None  # None when Slack did not say (X-OAuth-Scopes)


async def check_token(client: AsyncWebClient) -> str:
    """auth.test: the bot's user id, or a SlackSetupError that says what is wrong."""
    return (await identify(client)).user_id


async def identify(client: AsyncWebClient) -> BotIdentity:
    """auth.test: who the bot token is, and its scopes; SlackSetupError when it is no good."""
    try:
        resp = await client.auth_test()
    except SlackApiError as exc:
        data = getattr(exc.response, "data", None)
        error = data.get("error") if isinstance(data, Mapping) else None
        status = getattr(exc.response, "status_code", 0)
        if error and status < 500 and status != 429:
            raise SlackSetupError(f"Slack rejected SLACK_BOT_TOKEN: {error}") from None
        raise SlackSetupError(
            f"Slack could not check SLACK_BOT_TOKEN: {delivery_error(exc).reason}"
        ) from None
    except Exception as exc:
        reason = delivery_error(exc).reason
        if client.token:
            reason = reason.replace(client.token, "[redacted]")
        raise SlackSetupError(
            f"Slack could not be reached to check SLACK_BOT_TOKEN: {reason}"
        ) from None
    user_id = resp.get("user_id")
    if not user_id:
        raise SlackSetupError("Slack's auth.test gave no bot user id")
    team = resp.get("team_id")
    return BotIdentity(str(user_id), str(team) if team else None, _scopes(resp.headers))


def _scopes(headers: Mapping[str, Any] | None) -> frozenset[str] | None:
    for name, value in (headers or {}).items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list | tuple) and value else value
            return frozenset(s.strip() for s in str(text).split(",") if s.strip())
    return None


async def upload_files(
    client: AsyncWebClient,
    channel: str,
    paths: Sequence[str],
    *,
    thread_ts: str | None = None,
) -> None:
    """Exports and charts go up with Slack's files upload API (files_upload_v2)."""
    for path in paths:
        file = Path(path)
        if not file.is_file():
            raise PermanentError(f"attachment {file.name} is missing on the bot's disk")
        kwargs: dict[str, Any] = {"channel": channel, "file": str(file), "title": file.name}
        if thread_ts is not None:
            kwargs["thread_ts"] = thread_ts
        await client.files_upload_v2(**kwargs)
