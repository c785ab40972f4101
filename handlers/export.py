"""/ar export aging|cases|decisions|promises [from] [to] [csv|xlsx]: a file for the auditors.

Who may: `exports.everything` (default finance, legal and managers) every customer;
`exports.own` (default sales) the customers they own; anyone else is told whom to ask. The
file goes into the exports folder (old ones cleaned up there) and is sent privately; a
messenger that takes no files shows its name instead (bot.kernel.capabilities.adapt).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.kernel.messages import Command, Reply
from handlers.context import Context
from playbook.decisions import allowed
from storage.export_files import (
    KINDS,
    RangeError,
    Request,
    Written,
    clean,
    default_folder,
    new_path,
    parse_request,
    write_export,
)
from storage.exports import Scope
from storage.offloop import Conn

NAME = "export"
ALIASES = ("导出", "exports")
USAGE = "/ar export aging|cases|decisions|promises [from] [to] [csv|xlsx]"
SUMMARY = {
    "en": "A CSV or XLSX file of the aging, cases, decisions or promises (last 30 days)",
    "zh-CN": "导出账龄、案件、决定或承诺为 CSV / XLSX 文件（默认最近 30 天）",
}
# The kinds in Chinese, as people type them after 导出.
_KIND_WORDS = {
    "账龄": "aging",
    "案件": "cases",
    "决定": "decisions",
    "决策": "decisions",
    "承诺": "promises",
}
_NAMES_SHOWN = 5


async def handle(cmd: Command, ctx: Context) -> Reply:
    words = list(cmd.args)
    if not words:
        return Reply.usage(USAGE, locale=ctx.locale)
    words[0] = _KIND_WORDS.get(words[0], words[0])
    if words[0].casefold() not in KINDS:
        return Reply.usage(USAGE, ctx.t("export_unknown_kind"), ctx.locale)
    cfg = ctx.config
    reach = cfg.exports.reach(cfg.actor(ctx.person)) if ctx.person in cfg.people else None
    if reach is None:
        return Reply.error(_refusal(ctx))
    try:
        request = parse_request(words, ctx.today())
    except RangeError as err:
        return Reply.usage(USAGE, ctx.t(f"export_{err.reason}"), ctx.locale)
    scope = Scope(
        zone=cfg.company.zone,
        policy=cfg.aging_policy(),
        names={key: p.name for key, p in cfg.people.items()},
        owners=(ctx.person,) if reach == "own" and ctx.person else None,
    )
    folder = default_folder(cfg.exports.dir, ctx.db.url)
    now = ctx.clock.now().astimezone(cfg.company.zone)
    try:
        written = await ctx.read_long(_write, request, scope, folder, now, cfg.exports.keep_days)
    except OSError as exc:
        return Reply.error(ctx.t("export_failed", reason=exc.strerror or type(exc).__name__))
    return Reply(
        text=_summary(ctx, written, own=scope.owners is not None),
        attachments=(str(written.path),),
        ephemeral=True,
    )


def _write(
    conn: Conn, request: Request, scope: Scope, folder: Path, now: datetime, keep_days: int
) -> Written:
    # In the database thread: the rows stream from the query into the file.
    clean(folder, keep_days, now)
    return write_export(conn, request, scope, new_path(folder, request, now))


def _summary(ctx: Context, written: Written, *, own: bool) -> str:
    request = written.request
    period = (
        ctx.t("export_as_of", date=request.end.isoformat())
        if request.kind == "aging"
        else ctx.t("export_between", start=request.start.isoformat(), end=request.end.isoformat())
    )
    lines = [
        ctx.t(
            "export_done",
            kind=ctx.t(f"export_kind_{request.kind}"),
            period=period,
            name=written.path.name,
            rows=f"{written.rows:,}",
        )
    ]
    if len(written.counts) > 1:
        sheets = ", ".join(f"{title} {n:,}" for title, n in written.counts.items())
        lines.append(ctx.t("export_done_sheets", sheets=sheets))
    if own:
        lines.append(ctx.t("export_own_only"))
    return "\n".join(lines)


def _refusal(ctx: Context) -> str:
    """Who may export (by the config's rules) and a few of them by name."""
    cfg = ctx.config
    rules = cfg.exports.everything
    who = []
    for rule in rules:
        team, _, role = rule.partition(".")
        found = cfg.teams.get(team)
        label = (found.name or team) if found else team
        if rule in ("manager", "lead", "any"):
            who.append(ctx.t(f"export_who_{rule}"))
        elif role == "lead":
            who.append(ctx.t("export_who_team_lead", team=label))
        else:
            who.append(label)
    names = [
        p.name
        for key, p in cfg.people.items()
        if allowed("export", cfg.actor(key), {"export": rules})
    ]
    sep = "、" if ctx.zh else ", "
    shown = sep.join(names[:_NAMES_SHOWN]) + (sep + "…" if len(names) > _NAMES_SHOWN else "")
    return ctx.t("export_refused", who=sep.join(who), names=shown or "-")
