"""`arcircle doctor`, the Slack part that asks Slack: do the tokens work, does the app have
the scopes the bot uses, is the readers group there.

Each finding is (status, text) with status ok / warn / fail; the same sentences `arcircle run`
stops with. Slack is reached through SLACK_API_URL when it is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.outbound import SlackSetupError, delivery_error, identify, make_client
from bot.adapters.slack.socket_mode import check_app_token
from bot.kernel.config import Config

# What the bot calls, by scope (slack/manifest.yaml asks for these).
SCOPES = ("commands", "app_mentions:read", "chat:write", "im:write", "files:write", "users:read")
GROUP_SCOPE = "usergroups:read"
TIMEOUT = 10.0

Finding = tuple[Literal["ok", "warn", "fail"], str]


async def probe(config: Config, env: Mapping[str, str]) -> list[Finding]:
    """Ask Slack (through SLACK_API_URL when set)."""
    client = make_client(
        env.get("SLACK_BOT_TOKEN", ""), base_url=env.get("SLACK_API_URL") or None, timeout=TIMEOUT
    )
    found: list[Finding] = []
    group = config.platforms.slack.readers_group
    try:
        me = await identify(client)
    except SlackSetupError as exc:
        found.append(("fail", str(exc)))
    else:
        found.append(("ok", f"SLACK_BOT_TOKEN works: bot user {me.user_id} in {me.team_id}"))
        needed = set(SCOPES) | ({GROUP_SCOPE} if group else set())
        missing = sorted(needed - me.scopes) if me.scopes is not None else []
        if missing:
            found.append(
                (
                    "fail",
                    f"the app lacks the scope(s) {', '.join(missing)} (users:read tells guests "
                    "apart, usergroups:read reads platforms.slack.readers_group): add them "
                    "under OAuth & Permissions (slack/manifest.yaml lists them) and reinstall",
                )
            )
        if group:
            found.append(await _group(client, group))
        for where, channel in _channels(config):
            found.append(await _channel(client, where, channel))
    if config.platforms.slack.mode == "socket":
        try:
            await check_app_token(client, env.get("SLACK_APP_TOKEN", ""))
        except SlackSetupError as exc:
            found.append(("fail", str(exc)))
        else:
            found.append(("ok", "SLACK_APP_TOKEN opens a Socket Mode connection"))
    return found


def _channels(config: Config) -> list[tuple[str, str]]:
    """(config path, channel id) of every Slack channel the bot posts to on its own: the
    circle's and the digest's (a wrong id there parks every post, silently, until asked)."""
    out: list[tuple[str, str]] = []
    circle = config.circle.channels.get("slack")
    if circle:
        out.append(("circle.channels.slack", circle))
    for target in config.digest.targets(config.company.locale):
        if target.platform == "slack":
            out.append((target.path, target.channel))
    return out


async def _channel(client: AsyncWebClient, where: str, channel: str) -> Finding:
    try:
        resp = await client.conversations_info(channel=channel)
    except Exception as exc:
        reason = delivery_error(exc).reason
        if "missing_scope" in reason:
            # channels:read is not among the scopes the bot needs to run: say what it costs.
            return ("warn", f"{where} {channel}: not checked (add channels:read to check it)")
        return ("fail", f"{where} {channel}: {reason}: nothing can be posted there")
    info = resp.get("channel")
    if isinstance(info, dict) and info.get("is_member") is False:
        return ("fail", f"{where} {channel}: the bot is not in it: /invite the app there")
    name = info.get("name") if isinstance(info, dict) else None
    return ("ok", f"{where} {channel}" + (f" (#{name})" if name else "") + ": the bot is in it")


async def _group(client: AsyncWebClient, group: str) -> Finding:
    try:
        resp = await client.usergroups_users_list(usergroup=group)
    except Exception as exc:
        return ("fail", f"readers_group {group}: {delivery_error(exc).reason}")
    users = resp.get("users")
    count = len(users) if isinstance(users, list) else 0
    return ("ok", f"readers_group {group}: {count} member(s) may read")
