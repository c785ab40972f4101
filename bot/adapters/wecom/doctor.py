"""What `arcircle doctor` checks for WeCom: the callback's token and key well-formed, the
robot keys present, the app complete; online, that each robot key is accepted and the app
gets an access token.

The robot probe posts a body WeCom refuses before sending anything (an unknown msgtype):
with a valid key WeCom answers a message-type errcode (40008), with an invalid one 93000, so
the group sees no test message. Which errcode an unknown msgtype gets is our observation of
the API, not a documented contract: anything but 93000 and a transport error counts as ok.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bot.adapters.base import Finding
from bot.adapters.wecom.api import INVALID_KEY, base_url
from bot.adapters.wecom.crypto import CryptoError, aes_key
from bot.adapters.wecom.transport import DEFAULT_KEY_VAR
from bot.kernel.config import Config

TIMEOUT = 10.0
APP_VARS = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_APP_SECRET")


def _robot_vars(config: Config) -> dict[str, str]:
    """Channel -> the variable holding its robot key, for every channel WeCom posts to."""
    section = config.platforms.wecom
    out = dict(section.webhooks)
    channel = config.circle.channels.get("wecom")
    if channel and channel not in out:
        out[channel] = DEFAULT_KEY_VAR
    return out


def offline(config: Config, env: Mapping[str, str]) -> list[Finding]:
    found: list[Finding] = []
    token = env.get("WECOM_BOT_TOKEN", "")
    if token:
        if not token.isascii() or not token.strip() or token != token.strip():
            found.append(Finding("fail", "WECOM_BOT_TOKEN must be ASCII without spaces"))
        else:
            found.append(Finding("ok", "WECOM_BOT_TOKEN is well-formed"))
    key = env.get("WECOM_BOT_AES_KEY", "")
    if key:
        try:
            aes_key(key)
            found.append(Finding("ok", "WECOM_BOT_AES_KEY is 43 characters of base64 (32 bytes)"))
        except CryptoError as exc:
            found.append(Finding("fail", f"WECOM_BOT_AES_KEY: {exc}"))
    for channel, var in _robot_vars(config).items():
        if env.get(var, "").strip():
            found.append(Finding("ok", f"robot key for {channel} in {var}"))
        else:
            found.append(Finding("warn", f"no robot key for {channel}: set {var} (no posts)"))
    have = [v for v in APP_VARS if env.get(v, "").strip()]
    if have and len(have) < len(APP_VARS):
        missing = ", ".join(v for v in APP_VARS if v not in have)
        found.append(Finding("warn", f"app direct messages need {missing} too"))
    elif not have:
        found.append(Finding("ok", "no app configured: reminders go to the group with a mention"))
    return found


async def check(config: Config, env: Mapping[str, str], *, online: bool) -> list[Finding]:
    found = offline(config, env)
    if not online:
        return found
    base = base_url(env)
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        for channel, var in _robot_vars(config).items():
            key = env.get(var, "").strip()
            if key:
                found.append(await _probe_robot(client, base, channel, key))
        if all(env.get(v, "").strip() for v in APP_VARS):
            found.append(await _probe_app(client, base, env))
    return found


async def _probe_robot(client: httpx.AsyncClient, base: str, channel: str, key: str) -> Finding:
    try:
        response = await client.post(
            f"{base}/cgi-bin/webhook/send", params={"key": key}, json={"msgtype": "_probe"}
        )
        code = int(response.json().get("errcode", -1))
    except (httpx.HTTPError, ValueError, AttributeError):
        return Finding("fail", f"the robot of {channel} did not answer")
    if code == INVALID_KEY:
        return Finding("fail", f"the robot key for {channel} is not valid (errcode 93000)")
    return Finding("ok", f"the robot of {channel} answers")


async def _probe_app(client: httpx.AsyncClient, base: str, env: Mapping[str, str]) -> Finding:
    try:
        response = await client.get(
            f"{base}/cgi-bin/gettoken",
            params={"corpid": env["WECOM_CORP_ID"], "corpsecret": env["WECOM_APP_SECRET"]},
        )
        answer = response.json()
    except (httpx.HTTPError, ValueError):
        return Finding("fail", "WeCom's gettoken did not answer")
    if answer.get("errcode", 0) != 0 or not answer.get("access_token"):
        return Finding(
            "fail",
            f"the app got no access token (errcode {answer.get('errcode')}): check "
            "WECOM_CORP_ID and WECOM_APP_SECRET",
        )
    return Finding("ok", "the app gets an access token")
