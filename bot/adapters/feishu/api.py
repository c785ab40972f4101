"""Feishu's Open API as the plugin uses it: one httpx.AsyncClient on `FEISHU_API_URL` (default
https://open.feishu.cn), the tenant access token cached, Feishu's errors in the outbox's terms.

What this relies on (open.feishu.cn server docs: "获取自建应用 tenant_access_token", "发送消息",
"回复消息", "更新应用发送的消息卡片", "获取机器人信息", "判断用户或机器人是否在群里",
"上传图片", "频控策略" and "服务端错误码说明"):
- POST /open-apis/auth/v3/tenant_access_token/internal {app_id, app_secret} ->
  {code: 0, tenant_access_token, expire (seconds, 7200)}; sent as `Authorization: Bearer`.
  99991663 (token invalid) and 99991661 (token missing/bad format) -> a new token, once.
- POST /open-apis/im/v1/messages?receive_id_type=chat_id|open_id|user_id
  {receive_id, msg_type, content (a JSON string)} -> {code: 0, data: {message_id}}.
- POST /open-apis/im/v1/messages/{id}/reply {msg_type, content, reply_in_thread}.
- PATCH /open-apis/im/v1/messages/{id} {content}: an interactive card only, sent by the app,
  with `config.update_multi` for a card everyone shares.
- GET /open-apis/bot/v3/info -> {code: 0, bot: {open_id, app_name}}.
- GET /open-apis/im/v1/chats/{chat_id}/members/is_in_chat -> {data: {is_in_chat}}.
- POST /open-apis/im/v1/images (multipart: image_type=message, image; up to 10 MB) ->
  {data: {image_key}}, sent as msg_type "image" {image_key}; POST /open-apis/im/v1/files
  (multipart: file_type stream|pdf|xls|doc, file_name, file; up to 30 MB) -> {data:
  {file_key}}, sent as msg_type "file" {file_key}.
- Rate limits: HTTP 429 (or 400 on older APIs) with code 99991400 and the header
  `x-ogw-ratelimit-reset` (seconds); the message API's own 230020 (one chat), 11232/11233
  (the app's 5/s, 100/min across chats).

Nothing here logs a URL with a token, the token itself, a secret or a message text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from bot.kernel.messages import PermanentError, RetryAfter, TransientError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://open.feishu.cn"
TOKEN_INVALID = frozenset({99991663, 99991661, 99991664})
RATE_LIMITED = frozenset({99991400, 230020, 11232, 11233, 11247})
RATE_PAUSE = 1.0  # seconds, when Feishu gives no x-ogw-ratelimit-reset
REFRESH_MARGIN = 300.0  # a cached token is replaced this long before it expires
MAX_IMAGE = 10 * 1024 * 1024  # the image upload's limit
MAX_FILE = 30 * 1024 * 1024  # the file upload's limit
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # PNG, JPEG
_FILE_TYPES = {".pdf": "pdf", ".xls": "xls", ".xlsx": "xls", ".csv": "stream", ".doc": "doc"}


def is_image(data: bytes) -> bool:
    """A picture the image upload takes and a chat shows inline: PNG or JPEG, by content."""
    return len(data) <= MAX_IMAGE and data.startswith(_IMAGE_MAGIC)


def _file_type(name: str) -> str:
    dot = name.rfind(".")
    return _FILE_TYPES.get(name[dot:].lower(), "stream") if dot >= 0 else "stream"


# What the admin must do, by Feishu's code (PermanentError's hint).
HINTS: dict[int, str] = {
    230002: "the bot is not in this chat: add the app's bot to the group",
    230001: "the chat id or message id is not valid: check circle.channels.feishu",
    230006: "the app's bot ability is off: enable 机器人 (Bot) in the developer console",
    230013: "the person is outside the app's availability range: add them to 可用范围",
    230027: "no permission for this chat: the bot lacks rights there (is it still a member?)",
    230035: "the bot was removed or muted in this chat: add it back",
    230099: "the card was refused (too big or malformed)",
    230110: "the card message was deleted or recalled",
    99991672: "the app lacks a scope: grant im:message and im:message:send_as_bot, publish",
    99991401: "the server's IP is not on the app's IP allowlist",
    99991663: "the tenant access token was refused twice: check FEISHU_APP_ID/SECRET",
    10003: "FEISHU_APP_ID or FEISHU_APP_SECRET is wrong",
    10014: "FEISHU_APP_SECRET is wrong",
    99991543: "FEISHU_APP_ID or FEISHU_APP_SECRET is wrong",
}


def base_url(env: Mapping[str, str]) -> str:
    return (env.get("FEISHU_API_URL") or DEFAULT_API_URL).strip().rstrip("/")


def _reset_seconds(response: httpx.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("x-ogw-ratelimit-reset", "")))
    except ValueError:
        return RATE_PAUSE


def classify(response: httpx.Response, what: str) -> dict[str, Any]:
    """Feishu's JSON answer when it says code 0; else the DeliveryError it amounts to."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    code = code if isinstance(code, int) else None
    if response.status_code == 429 or code in RATE_LIMITED:
        raise RetryAfter(_reset_seconds(response), f"{what}: rate limited (code {code})")
    if response.status_code >= 500:
        raise TransientError(f"{what}: HTTP {response.status_code}")
    if not isinstance(body, dict):
        if response.status_code >= 400:
            raise PermanentError(f"{what}: HTTP {response.status_code}")
        raise TransientError(f"{what}: the answer is not JSON")
    if code == 0:
        return body
    raise FeishuError(code, what)


class FeishuError(PermanentError):
    """A Feishu code that retrying does not fix; `hint` says what the admin must do."""

    def __init__(self, code: int | None, what: str) -> None:
        hint = HINTS.get(code or 0, "see Feishu's error code list")
        super().__init__(f"{what}: code {code} ({hint})")
        self.code = code
        self.hint = hint


class FeishuApi:
    def __init__(
        self,
        client: httpx.AsyncClient,
        base: str,
        *,
        app_id: str,
        app_secret: str,
        clock: Callable[[], float],
    ) -> None:
        self._client = client
        self._base = base
        self._app_id = app_id
        self._secret = app_secret
        self._clock = clock  # seconds; the injected clock, so tests move time
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0  # tokens fetched (tests see the cache work)

    # --- the tenant access token --------------------------------------------------------

    async def token(self, *, fresh: bool = False) -> str:
        if not fresh and self._token and self._clock() < self._expires - REFRESH_MARGIN:
            return self._token
        what = "feishu tenant_access_token"
        try:
            response = await self._client.post(
                f"{self._base}/open-apis/auth/v3/tenant_access_token/internal",
                json={"app_id": self._app_id, "app_secret": self._secret},
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from None
        body = classify(response, what)
        token = body.get("tenant_access_token")
        if not isinstance(token, str) or not token:
            raise TransientError(f"{what}: no token in the answer")
        self.fetched += 1
        self._token = token
        expire = body.get("expire")
        self._expires = self._clock() + float(expire if isinstance(expire, int) else 7200)
        return token

    async def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        files: Any = None,
        data: Any = None,
    ) -> dict[str, Any]:
        """One API call with the token; a refused token is replaced once."""
        for attempt in (0, 1):
            token = await self.token(fresh=attempt == 1)
            try:
                response = await self._client.request(
                    method,
                    f"{self._base}{path}",
                    params=params,
                    json=json_body,
                    files=files,
                    data=data,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as exc:
                raise TransientError(f"{what}: {type(exc).__name__}") from None
            try:
                return classify(response, what)
            except FeishuError as exc:
                if exc.code in TOKEN_INVALID and attempt == 0:
                    self._token = None
                    continue
                raise
        raise FeishuError(99991663, what)  # pragma: no cover - the loop returns or raises

    # --- messages -----------------------------------------------------------------------

    async def send(
        self, receive_id_type: str, receive_id: str, msg_type: str, content: dict[str, Any]
    ) -> str:
        body = await self.call(
            "POST",
            "/open-apis/im/v1/messages",
            f"feishu send ({msg_type})",
            params={"receive_id_type": receive_id_type},
            json_body={
                "receive_id": receive_id,
                "msg_type": msg_type,
                "content": json.dumps(content, ensure_ascii=False),
            },
        )
        return _message_id(body)

    async def reply(
        self, message_id: str, msg_type: str, content: dict[str, Any], *, in_thread: bool
    ) -> str:
        body = await self.call(
            "POST",
            f"/open-apis/im/v1/messages/{_path_id(message_id)}/reply",
            f"feishu reply ({msg_type})",
            json_body={
                "msg_type": msg_type,
                "content": json.dumps(content, ensure_ascii=False),
                "reply_in_thread": in_thread,
            },
        )
        return _message_id(body)

    async def update_card(self, message_id: str, card: dict[str, Any]) -> None:
        await self.call(
            "PATCH",
            f"/open-apis/im/v1/messages/{_path_id(message_id)}",
            "feishu card update",
            json_body={"content": json.dumps(card, ensure_ascii=False)},
        )

    async def upload_image(self, name: str, data: bytes) -> str:
        if len(data) > MAX_IMAGE:
            raise PermanentError(f"feishu image upload: {name} is over 10 MB")
        body = await self.call(
            "POST",
            "/open-apis/im/v1/images",
            "feishu image upload",
            data={"image_type": "message"},
            files={"image": (name, data, "application/octet-stream")},
        )
        key = (body.get("data") or {}).get("image_key")
        if not isinstance(key, str) or not key:
            raise TransientError("feishu image upload: no image_key in the answer")
        return key

    async def upload_file(self, name: str, data: bytes) -> str:
        if not data or len(data) > MAX_FILE:
            raise PermanentError(f"feishu file upload: {name} is empty or over 30 MB")
        body = await self.call(
            "POST",
            "/open-apis/im/v1/files",
            "feishu file upload",
            data={"file_type": _file_type(name), "file_name": name[:200]},
            files={"file": (name[:200], data, "application/octet-stream")},
        )
        key = (body.get("data") or {}).get("file_key")
        if not isinstance(key, str) or not key:
            raise TransientError("feishu file upload: no file_key in the answer")
        return key

    async def bot_info(self) -> dict[str, Any]:
        body = await self.call("GET", "/open-apis/bot/v3/info", "feishu bot info")
        bot = body.get("bot")
        return bot if isinstance(bot, dict) else {}

    async def is_in_chat(self, chat_id: str) -> bool:
        body = await self.call(
            "GET",
            f"/open-apis/im/v1/chats/{_path_id(chat_id)}/members/is_in_chat",
            "feishu is_in_chat",
        )
        return bool((body.get("data") or {}).get("is_in_chat"))


def _message_id(body: dict[str, Any]) -> str:
    data = body.get("data")
    mid = data.get("message_id") if isinstance(data, dict) else None
    if not isinstance(mid, str) or not mid:
        raise TransientError("feishu: the answer carried no message_id")
    return mid


def _path_id(value: str) -> str:
    # Ids go into the path: one that could leave it (a slash, a dot segment) is refused.
    if not value or len(value) > 128 or not all(c.isalnum() or c in "_-" for c in value):
        raise PermanentError("feishu: an id that is not a Feishu id")
    return value
