"""/ar digest (日报): today's daily digest now, to the asker only, in their language.

A member of sales (or of a team with a team digest in the config) sees their team's digest,
the customers its members own; everyone else sees the company's.
"""

from __future__ import annotations

from bot.kernel.digest_card import digest_card
from bot.kernel.messages import Command, Reply
from handlers.context import Context
from storage.digest_build import DigestScope, build_digest
from storage.offloop import Conn

NAME = "digest"
ALIASES = ("日报", "daily", "简报")
USAGE = "/ar digest"
SUMMARY = {
    "en": "Today's daily digest, now and only to you (sales: your team's customers)",
    "zh-CN": "今日简报，立即发送且仅您可见（销售：仅本团队客户）",
}
# Teams whose members see only their own customers even without a team digest configured.
_OWN_CUSTOMERS = ("sales",)


def team_scope(ctx: Context) -> str | None:
    """The team whose digest the speaker gets; None: the company's."""
    person = ctx.config.people.get(ctx.person or "")
    team = person.team if person is not None else None
    if team is None or team not in ctx.config.teams:
        return None
    return team if team in ctx.config.digest.teams or team in _OWN_CUSTOMERS else None


async def handle(cmd: Command, ctx: Context) -> Reply:
    if cmd.args:
        return Reply.usage(USAGE, locale=ctx.locale)
    return await ctx.read(_answer, ctx, team_scope(ctx))


def _answer(conn: Conn, ctx: Context, team: str | None) -> Reply:
    cfg = ctx.config
    scope = DigestScope(
        day=ctx.today(),
        zone=cfg.company.zone,
        policy=cfg.aging_policy(),
        base_currency=cfg.company.currency,
        fx=cfg.company.fx_rates,
        team=team,
        owners=cfg.team_members(team) if team else None,
        top=cfg.digest.top,
        locale=ctx.locale,
        overrides=cfg.phrasing.overrides,
        contacts=ctx.circle.teams,
    )
    now = ctx.clock.now()
    last = cfg.digest.latest_at(now, cfg.company.zone)
    data = build_digest(conn, scope, now, since=last)
    card = digest_card(data, scope.policy.buckets, cfg, ctx.locale, now)
    return Reply(text=ctx.t("digest_private"), card=card, ephemeral=True)
