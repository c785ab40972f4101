"""WeCom's outgoing HTTP calls: the message-push robot (消息推送, formerly 群机器人), the
smart robot's `response_url`, and a self-built app's message API. Every call goes to
`WECOM_API_URL` (default https://qyapi.weixin.qq.com), so tests point it at a fake.

What this relies on (WeCom server API docs):
- robot: POST {base}/cgi-bin/webhook/send?key=KEY, body {"msgtype": "markdown",
  "markdown": {"content": ...}} (4096 bytes) or {"msgtype": "text", "text": {"content",
  "mentioned_list": [userid, ...]}} (2048 bytes; mentioned_list notifies by user id);
  answer {"errcode": 0, "errmsg": "ok"}. 20 messages a minute per robot; errcode 45009 =
  "api freq out of limit"; 93000 = invalid webhook key. The key is the robot's whole
  credential: it is never logged, and errors say the channel, not the URL.
- app: GET {base}/cgi-bin/gettoken?corpid=&corpsecret= -> {"access_token", "expires_in"}
  (7200 s); POST {base}/cgi-bin/message/send?access_token= with {"touser", "msgtype":
  "markdown", "agentid", "markdown": {"content"}}. 42001 = token expired, 40014 = invalid
  token: fetch a new one and retry once.
- robot files: {"msgtype": "image", "image": {"base64", "md5"}}, the md5 (hex) of the raw
  bytes before base64, the picture at most 2 MB, JPG or PNG; any other file is first uploaded
  with POST {base}/cgi-bin/webhook/upload_media?key=KEY&type=file as multipart/form-data
  under the name "media" (5 bytes to 20 MB; answer {"errcode": 0, "type": "file",
  "media_id", "created_at"}, the media_id valid three days and for that robot only), then
  posted as {"msgtype": "file", "file": {"media_id"}}.
- app files: POST {base}/cgi-bin/media/upload?access_token=&type=image|file, multipart
  "media" -> {"errcode": 0, "media_id"}; then message/send with "msgtype": "image"|"file" and
  {"media_id"} under that key (the same token refresh as markdown).
- response_url (smart robot): POST the same JSON shape (markdown or template_card), no
  encryption. The docs say it may be used once and for a limited time (an hour as we read
  it); we use it once, right after the command has an answer.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.kernel.messages import PermanentError, RetryAfter, TransientError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://qyapi.weixin.qq.com"
FREQUENCY = 45009
INVALID_KEY = 93000
TOKEN_EXPIRED = (42001, 40014)
RETRY_AFTER_FREQ = 60.0  # the robot's limit is per minute
REFRESH_MARGIN = 300.0  # seconds before expiry a cached access token is replaced
MAX_IMAGE = 2 * 1024 * 1024  # a robot's image message, before base64
MAX_FILE = 20 * 1024 * 1024  # upload_media
MIN_FILE = 5
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # PNG, JPEG


def is_robot_image(data: bytes) -> bool:
    """A picture the robot's image message takes: PNG or JPEG (by content), at most 2 MB."""
    return len(data) <= MAX_IMAGE and data.startswith(_IMAGE_MAGIC)


def base_url(env: Mapping[str, str]) -> str:
    return (env.get("WECOM_API_URL") or DEFAULT_API_URL).rstrip("/")


async def _post(client: httpx.AsyncClient, url: str, what: str, **kw: Any) -> dict[str, Any]:
    """POST and read WeCom's JSON answer; network and 5xx errors are transient. `what` names
    the target for messages (never the URL: robot URLs hold their key)."""
    try:
        response = await client.post(url, **kw)
    except httpx.HTTPError as exc:
        raise TransientError(f"{what}: {type(exc).__name__}") from None
    return _json(response, what)


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code == 429:
        raise RetryAfter(RETRY_AFTER_FREQ, f"{what}: HTTP 429")
    if response.status_code >= 500:
        raise TransientError(f"{what}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"{what}: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise TransientError(f"{what}: not JSON") from None
    return body if isinstance(body, dict) else {}


class Robot:
    """One message-push robot per channel, its key read from the environment when sent."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self._client = client
        self._base = base

    async def send(self, key: str, content: str, *, channel: str) -> None:
        await self.post(key, {"msgtype": "markdown", "markdown": {"content": content}}, channel)

    async def send_text(self, key: str, content: str, mention: list[str], *, channel: str) -> None:
        """A text message: the one type whose `mentioned_list` notifies people by user id."""
        text: dict[str, Any] = {"content": content}
        if mention:
            text["mentioned_list"] = mention
        await self.post(key, {"msgtype": "text", "text": text}, channel)

    async def send_image(self, key: str, data: bytes, *, channel: str) -> None:
        """A PNG or JPEG of at most 2 MB, shown in the group (is_robot_image says which)."""
        image = {"base64": base64.b64encode(data).decode(), "md5": _md5(data)}
        await self.post(key, {"msgtype": "image", "image": image}, channel)

    async def send_file(self, key: str, name: str, data: bytes, *, channel: str) -> None:
        """Any file of 5 bytes to 20 MB: uploaded to the robot, then posted by its media_id."""
        what = f"robot of {channel}"
        if not MIN_FILE <= len(data) <= MAX_FILE:
            raise PermanentError(
                f"{what}: {name} is {len(data):,} bytes; a WeCom robot takes files of 5 bytes "
                "to 20 MB"
            )
        answer = await _post(
            self._client,
            f"{self._base}/cgi-bin/webhook/upload_media",
            f"{what} (upload)",
            params={"key": key, "type": "file"},
            files={"media": (name, data, "application/octet-stream")},
        )
        _check(answer, f"{what} (upload)")
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise TransientError(f"{what}: the upload answered no media_id")
        await self.post(key, {"msgtype": "file", "file": {"media_id": media_id}}, channel)

    async def post(self, key: str, body: dict[str, Any], channel: str) -> None:
        what = f"robot of {channel}"
        answer = await _post(
            self._client, f"{self._base}/cgi-bin/webhook/send", what, params={"key": key}, json=body
        )
        _check(answer, what)


def _md5(data: bytes) -> str:
    # A checksum WeCom asks for, not a security measure.
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _check(answer: dict[str, Any], what: str) -> None:
    """A robot's errcode in the outbox's terms."""
    code = int(answer.get("errcode", -1))
    if code == 0:
        return
    if code == FREQUENCY:
        raise RetryAfter(RETRY_AFTER_FREQ, f"{what}: errcode 45009 (20 messages a minute)")
    if code == INVALID_KEY:
        raise PermanentError(
            f"{what}: errcode 93000, the webhook key is not valid (copy the robot's key "
            "from the group's robot settings into the variable named in "
            "platforms.wecom.webhooks)"
        )
    if code == -1:
        raise TransientError(f"{what}: errcode -1 (system busy)")
    raise PermanentError(f"{what}: errcode {code}")


class ResponseUrl:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(self, url: str, body: dict[str, Any]) -> None:
        try:
            answer = await _post(self._client, url, "response_url", json=body)
        except (TransientError, PermanentError, RetryAfter) as exc:
            log.warning("wecom: response_url refused the answer (%s)", exc.reason)
            return
        if int(answer.get("errcode", 0)) != 0:
            log.warning("wecom: response_url answered errcode %s", answer.get("errcode"))


class App:
    """A self-built app (自建应用) sending to one person: access token cached per process."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base: str,
        *,
        corp_id: str,
        agent_id: str,
        secret: str,
        monotonic: Callable[[], float],
    ) -> None:
        self._client = client
        self._base = base
        self._corp_id = corp_id
        self._agent_id = agent_id
        self._secret = secret
        self._monotonic = monotonic
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0  # tokens fetched (tests see the cache work)

    async def _access_token(self, *, fresh: bool = False) -> str:
        if not fresh and self._token and self._monotonic() < self._expires - REFRESH_MARGIN:
            return self._token
        try:
            response = await self._client.get(
                f"{self._base}/cgi-bin/gettoken",
                params={"corpid": self._corp_id, "corpsecret": self._secret},
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"wecom app gettoken: {type(exc).__name__}") from None
        answer = _json(response, "wecom app gettoken")
        code = int(answer.get("errcode", 0))
        if code != 0 or not answer.get("access_token"):
            raise PermanentError(
                f"wecom app gettoken: errcode {code} (check WECOM_CORP_ID and WECOM_APP_SECRET)"
            )
        self.fetched += 1
        self._token = str(answer["access_token"])
        self._expires = self._monotonic() + float(answer.get("expires_in", 7200))
        return self._token

    async def send_markdown(self, user_id: str, content: str) -> None:
        await self._send(user_id, "markdown", {"content": content})

    async def send_file(self, user_id: str, name: str, data: bytes) -> None:
        """A file to one person: uploaded as temporary media (media/upload, multipart "media";
        a PNG/JPEG of at most 2 MB as an image, anything else as a file of 5 bytes to 20 MB),
        then sent by its media_id as an image or file message."""
        kind = "image" if is_robot_image(data) else "file"
        if not MIN_FILE <= len(data) <= MAX_FILE:
            raise PermanentError(
                f"wecom app: {name} is {len(data):,} bytes; WeCom takes files of 5 bytes to 20 MB"
            )
        answer = await self._call(
            "/cgi-bin/media/upload",
            "wecom app upload",
            params={"type": kind},
            files={"media": (name, data, "application/octet-stream")},
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise TransientError("wecom app upload: no media_id in the answer")
        await self._send(user_id, kind, {"media_id": media_id})

    async def _send(self, user_id: str, kind: str, content: dict[str, Any]) -> None:
        body = {
            "touser": user_id,
            "msgtype": kind,
            "agentid": int(self._agent_id) if self._agent_id.isdigit() else self._agent_id,
            kind: content,
        }
        await self._call("/cgi-bin/message/send", "wecom app message", json=body)

    async def _call(
        self, path: str, what: str, params: dict[str, str] | None = None, **kw: Any
    ) -> dict[str, Any]:
        """POST with the access token, fetching a new one once when WeCom says it expired."""
        for attempt in (0, 1):
            token = await self._access_token(fresh=attempt == 1)
            answer = await _post(
                self._client,
                f"{self._base}{path}",
                what,
                params={**(params or {}), "access_token": token},
                **kw,
            )
            code = int(answer.get("errcode", 0))
            if code == 0:
                return answer
            if code in TOKEN_EXPIRED and attempt == 0:
                self._token = None
                continue
            if code == FREQUENCY:
                raise RetryAfter(RETRY_AFTER_FREQ, f"{what}: errcode 45009")
            raise PermanentError(f"{what}: errcode {code}")
        raise PermanentError(f"{what}: the access token was refused twice")
