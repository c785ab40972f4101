"""DingTalk's outgoing HTTP calls for an internal app's robot (企业内部应用机器人), all on
`DINGTALK_API_URL` (default https://api.dingtalk.com) so tests point them at a fake.

What this relies on (open.dingtalk.com server API docs, and the dingtalk-stream SDK 0.24.3
sources that make the same calls: chatbot.py `reply_card`/`update_card`/`reply_markdown`):
- token: POST {base}/v1.0/oauth2/accessToken {"appKey", "appSecret"} -> {"accessToken",
  "expireIn"} (7200 s), docs "获取企业内部应用的accessToken". Cached until REFRESH_MARGIN
  before expiry (by the injected clock); every call sends it as `x-acs-dingtalk-access-token`.
  A 401 (code InvalidAuthentication: the token expired early or was revoked) fetches a new
  one and retries once.
- group: POST {base}/v1.0/robot/groupMessages/send {"robotCode", "openConversationId",
  "msgKey": "sampleMarkdown", "msgParam": '{"title", "text"}'} (a JSON *string*, at most
  15,000 bytes), docs "机器人发送群聊消息" (help.dingtalk.io/open/development/
  the-robot-sends-a-group-message) -> {"processQueryKey"}. Its request body is msgParam,
  msgKey, openConversationId, robotCode, coolAppCode: no @ parameter, so an "@userId" in
  the text notifies no one (transport.py says how we notify).
- one to one: POST {base}/v1.0/robot/oToMessages/batchSend {"robotCode", "userIds": [...],
  "msgKey", "msgParam"}, docs "批量发送人与机器人会话中机器人消息".
- interactive card (互动卡片, 普通版, the `StandardCard` template that needs no template
  built in the card platform): POST {base}/v1.0/im/v1.0/robot/interactiveCards/send
  {"cardTemplateId": "StandardCard", "robotCode", "cardBizId", "cardData" (a JSON string),
  "openConversationId" | "singleChatReceiver" ('{"userId"}'), "sendOptions": {"atUserListJson":
  '[{"nickName", "userId"}]', "atAll"}}; update: PUT
  {base}/v1.0/im/robots/interactiveCards {"cardBizId", "cardData"}. Exactly the SDK's
  chatbot.py `reply_card` / `update_card` (docs "机器人发送互动卡片" and "更新机器人发送互动
  卡片"); the same field list as the official Alibaba Cloud SDK's SendRobotInteractiveCard
  (alibabacloud_dingtalk im_1_0: cardBizId, cardData, cardTemplateId, openConversationId,
  robotCode, sendOptions, singleChatReceiver: no callback field; a "request" button's click
  comes back through the app's card callback, Stream topic /v1.0/card/instances/callback or
  the registered HTTP callback URL). The card's id is ours (cardBizId, called outTrackId in
  card callbacks), so a card can be updated after a restart from the id the outbox kept.
- bot list in a group: POST {base}/v1.0/robot/getBotListInGroup {"openConversationId"} ->
  {"chatbotInstanceVOList": [{"robotCode", ...}]} (docs "获取群内机器人列表",
  open.dingtalk.com/document/orgapp/obtain-the-list-of-robots-in-the-group), for doctor.
- sessionWebhook (the reply URL a robot message carries, valid until
  sessionWebhookExpiredTime): POST {"msgtype": "markdown", "markdown": {"title", "text"},
  "at": {"atUserIds": [...]}} -> {"errcode": 0}, as the SDK's `reply_markdown`.

Errors, in the outbox's terms: HTTP 429, and 403 with a code naming a QPS or flow limit
(Forbidden.AccessDenied.QpsLimitForApi, ...QpsLimitForAppkeyAndApi, the robot's
"限流"/Throttling answers) -> RetryAfter; 5xx, timeouts, dropped connections -> TransientError;
other 4xx (the robot not in the group, no permission, an unknown openConversationId or
userId) -> PermanentError with a hint for the admin; 404 (the API is not served: DingTalk
names refusals with 400/403 codes) -> ApiMissing, a PermanentError on which a card falls
back to markdown. A 2xx that is not JSON counts as taken (never sent twice); an `errcode`
in a 200 is read as the webhooks' (check_errcode). Nothing here logs a token or a webhook
URL (a sessionWebhook carries its session token in the query). DingTalk documents its v1.0
error codes per API by name, not as one list, so they are matched by the words they carry
(QpsLimit, openConversationId, robot, staffId/user, Forbidden/permission): our reading.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from bot.kernel.messages import PermanentError, RetryAfter, TransientError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.dingtalk.com"
REFRESH_MARGIN = 300.0  # seconds before expiry a cached token is replaced
RETRY_AFTER_LIMIT = 60.0  # the robot's limits are per minute (20 messages a group)
STANDARD_CARD = "StandardCard"
_LIMIT_WORDS = ("qpslimit", "throttl", "flowcontrol", "ratelimit", "toofrequent", "限流")
# Custom robot / sessionWebhook / oapi errcodes for "send too fast": 130101 (exceeds 20
# messages a minute), 410100 (发送速度太快而限流) in DingTalk's global error code list
# (open.dingtalk.com/document/orgapp/server-api-error-codes-1).
TOO_FAST = 130101
TOO_FAST_CODES = frozenset({TOO_FAST, 410100})


def base_url(env: Mapping[str, str]) -> str:
    return (env.get("DINGTALK_API_URL") or DEFAULT_API_URL).rstrip("/")


class TokenRefused(PermanentError):
    """The app key and secret were refused (DingTalk answered no token)."""


class ApiMissing(PermanentError):
    """HTTP 404: this API is not served here (DingTalk names refusals with 400/403 codes), so
    the caller may fall back to another (a card to markdown)."""


def _hint(code: str, message: str) -> str:
    """What an admin should check for a refused call, from DingTalk's code and message."""
    words = f"{code} {message}".lower()
    if "openconversationid" in words or "conversation" in words or "chat" in words:
        return (
            "check circle.channels.dingtalk (the group's openConversationId, cid...) and "
            "that the app's robot was added to that group"
        )
    if "robot" in words or "robotcode" in words:
        return (
            "check that the app's robot is in the group and platforms.dingtalk.robot_code "
            "(default DINGTALK_APP_KEY)"
        )
    if "user" in words or "staff" in words:
        return "check the people's dingtalk ids (their DingTalk userId) in config.yaml"
    if "forbidden" in words or "permission" in words or "accessdenied" in words:
        return (
            "grant the app the robot message permissions (企业内部机器人发送消息) and "
            "interactive cards (互动卡片) in the developer console"
        )
    return "see DingTalk's error code in the developer console's API error centre"


def _code(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        return "", ""
    code = str(body.get("code") or body.get("errcode") or "")[:80]
    message = str(body.get("message") or body.get("errmsg") or "")[:200]
    return code, message


def _is_limit(code: str, message: str) -> bool:
    words = f"{code} {message}".replace(".", "").replace(" ", "").lower()
    return any(w in words for w in _LIMIT_WORDS)


def check_response(response: httpx.Response, what: str) -> dict[str, Any]:
    """DingTalk's JSON answer, or the DeliveryError it means (see the module's doc)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _code(body)
    status = response.status_code
    if status == 429 or (status in (400, 403) and _is_limit(code, message)):
        raise RetryAfter(RETRY_AFTER_LIMIT, f"{what}: rate limited (HTTP {status} {code})")
    if status >= 500:
        raise TransientError(f"{what}: HTTP {status} {code}".rstrip())
    if status == 404:
        raise ApiMissing(f"{what}: HTTP 404 {code}: {_hint(code, message)}")
    if status >= 400:
        raise PermanentError(f"{what}: HTTP {status} {code}: {_hint(code, message)}")
    if not isinstance(body, dict):
        # Accepted (2xx) without a JSON object: the call went through; sending it again
        # would post the message twice.
        return {}
    if body.get("errcode") not in (None, 0, "0"):
        # An oapi-style refusal in a 200 (sessionWebhook, a proxy in front of the API).
        check_errcode(body, what)
    return body


def check_errcode(body: dict[str, Any], what: str) -> None:
    """The old-style `errcode` of a webhook answer (sessionWebhook, custom robot)."""
    try:
        code = int(body.get("errcode", 0))
    except (TypeError, ValueError):
        code = -1
    if code == 0:
        return
    if code in TOO_FAST_CODES:
        raise RetryAfter(RETRY_AFTER_LIMIT, f"{what}: errcode {code} (sending too fast)")
    if code == -1:
        raise TransientError(f"{what}: errcode -1 (system busy)")
    raise PermanentError(f"{what}: errcode {code}")


class Api:
    """The app's robot: token cached, messages and cards to groups and people."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base: str,
        *,
        app_key: str,
        app_secret: str,
        robot_code: str,
        clock: Callable[[], float],
    ) -> None:
        self._client = client
        self._base = base
        self._app_key = app_key
        self._app_secret = app_secret
        self.robot_code = robot_code
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self.fetched = 0  # tokens fetched (tests see the cache work)

    # --- the token ------------------------------------------------------------------------

    async def access_token(self, *, fresh: bool = False) -> str:
        if not fresh and self._token and self._clock() < self._expires - REFRESH_MARGIN:
            return self._token
        what = "dingtalk accessToken"
        try:
            response = await self._client.post(
                f"{self._base}/v1.0/oauth2/accessToken",
                json={"appKey": self._app_key, "appSecret": self._app_secret},
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from None
        if 400 <= response.status_code < 500 and response.status_code != 429:
            code, _ = _code(_safe_json(response))
            raise TokenRefused(
                f"{what}: refused (HTTP {response.status_code} {code}): check "
                "DINGTALK_APP_KEY and DINGTALK_APP_SECRET"
            )
        body = check_response(response, what)
        token = body.get("accessToken")
        if not isinstance(token, str) or not token:
            raise TokenRefused(f"{what}: no token in the answer: check DINGTALK_APP_KEY")
        try:
            expires_in = float(body.get("expireIn", 7200))
        except (TypeError, ValueError):
            expires_in = 7200.0
        self.fetched += 1
        self._token = token
        self._expires = self._clock() + expires_in
        return token

    async def call(self, method: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        """One API call with the token; a 401 fetches a new token and retries once."""
        for attempt in (0, 1):
            token = await self.access_token(fresh=attempt == 1)
            try:
                response = await self._client.request(
                    method,
                    f"{self._base}{path}",
                    json=body,
                    headers={"x-acs-dingtalk-access-token": token},
                )
            except httpx.HTTPError as exc:
                raise TransientError(f"{what}: {type(exc).__name__}") from None
            if response.status_code == 401 and attempt == 0:
                log.info("dingtalk: the access token was refused, fetching a new one")
                self._token = None
                continue
            return check_response(response, what)
        raise PermanentError(f"{what}: the access token was refused twice")

    # --- messages -------------------------------------------------------------------------

    async def group_markdown(self, conversation: str, title: str, text: str) -> None:
        await self.call(
            "POST",
            "/v1.0/robot/groupMessages/send",
            {
                "robotCode": self.robot_code,
                "openConversationId": conversation,
                "msgKey": "sampleMarkdown",
                "msgParam": _param(title, text),
            },
            "dingtalk group message",
        )

    async def direct_markdown(self, user_ids: Sequence[str], title: str, text: str) -> None:
        """batchSend answers 200 even when a user is not reached: its
        `invalidStaffIdList` (no such user) and `flowControlledStaffIdList` (throttled) say
        who (BatchSendOTOResponseBody in the Alibaba Cloud SDK, dingtalkrobot_1_0)."""
        body = await self.call(
            "POST",
            "/v1.0/robot/oToMessages/batchSend",
            {
                "robotCode": self.robot_code,
                "userIds": list(user_ids),
                "msgKey": "sampleMarkdown",
                "msgParam": _param(title, text),
            },
            "dingtalk one-to-one message",
        )
        wanted = set(user_ids)
        if wanted & _ids(body.get("flowControlledStaffIdList")):
            raise RetryAfter(RETRY_AFTER_LIMIT, "dingtalk one-to-one message: throttled")
        if wanted and wanted <= _ids(body.get("invalidStaffIdList")):
            raise PermanentError(
                "dingtalk one-to-one message: unknown userId: " + _hint("user", "")
            )

    async def send_card(
        self,
        card_id: str,
        card_data: dict[str, Any],
        *,
        conversation: str | None = None,
        user_id: str | None = None,
        at: Sequence[tuple[str, str]] = (),
    ) -> None:
        """A StandardCard to a group (openConversationId) or one person (userId); `at`:
        (userId, nickName) pairs the card @mentions (sendOptions.atUserListJson)."""
        body: dict[str, Any] = {
            "cardTemplateId": STANDARD_CARD,
            "robotCode": self.robot_code,
            "cardBizId": card_id,
            "cardData": json.dumps(card_data, ensure_ascii=False),
            "sendOptions": {"atAll": False},
        }
        if conversation:
            body["openConversationId"] = conversation
        else:
            body["singleChatReceiver"] = json.dumps({"userId": user_id})
        if at:
            body["sendOptions"]["atUserListJson"] = json.dumps(
                [{"nickName": nick, "userId": uid} for uid, nick in at], ensure_ascii=False
            )
        await self.call("POST", "/v1.0/im/v1.0/robot/interactiveCards/send", body, "dingtalk card")

    async def update_card(self, card_id: str, card_data: dict[str, Any]) -> None:
        await self.call(
            "PUT",
            "/v1.0/im/robots/interactiveCards",
            {"cardBizId": card_id, "cardData": json.dumps(card_data, ensure_ascii=False)},
            "dingtalk card update",
        )

    async def robots_in_group(self, conversation: str) -> list[str]:
        """The robotCodes in a group (doctor: is ours there, without posting anything)."""
        body = await self.call(
            "POST",
            "/v1.0/robot/getBotListInGroup",
            {"openConversationId": conversation},
            "dingtalk robots in group",
        )
        found = body.get("chatbotInstanceVOList")
        if not isinstance(found, list):
            return []
        return [str(r.get("robotCode")) for r in found if isinstance(r, dict)]


class SessionWebhook:
    """The reply URL of one robot message (its query holds a session token: never logged)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(self, url: str, payload: dict[str, Any]) -> None:
        what = "dingtalk sessionWebhook"
        try:
            response = await self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {type(exc).__name__}") from None
        check_errcode(check_response(response, what), what)


def _param(title: str, text: str) -> str:
    return json.dumps({"title": title, "text": text}, ensure_ascii=False)


def _ids(value: Any) -> set[str]:
    return (
        {str(v) for v in value if isinstance(v, (str, int))} if isinstance(value, list) else set()
    )


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
