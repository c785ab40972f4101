"""/ar decide <case> <action> [note] [--amount X] [--date D]: what the circle decided.

Who may decide what is playbook.decisions': the per-action table (`allowed`), and whether the
decision may end the circle for teams that have not answered (`plan_decision`, asked by
storage inside the transaction). A member's decision that may not end the circle is still
recorded, answers their own team's seat, and the reply says whose clocks keep running.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.kernel.cards import person_name
from bot.kernel.forms import Form, FormErrors, FormField, FormRef
from bot.kernel.messages import Command, Reply
from handlers.circle_args import (
    AMOUNT,
    Wrong,
    check_amount,
    check_day,
    read_amount,
    read_day,
    read_options,
)
from handlers.circle_common import actor, case_number, teams_text, who, writer
from handlers.common import shorten
from handlers.context import Context
from handlers.forms import Checked, FormSpec, choices, intro, value
from playbook.case_view import CaseView
from playbook.decisions import ACTIONS, Action, allowed, decidable, parse_action, who_may
from storage.circle import call_team, load_case
from storage.circle_decisions import Decided, decide
from storage.offloop import Conn

NAME = "decide"
ALIASES = ("决定", "decision")
USAGE = "/ar decide <case> <action> [note] [--amount X [currency]] [--currency C] [--date D]"
SUMMARY = {
    "en": "Record the decision: remind, call, visit, installment ... litigation, close_paid",
    "zh-CN": "记录本案决定：提醒、电话、拜访、分期……诉讼、已回款结案",
}
_OPTIONS = {
    "--amount": AMOUNT,
    "-m": AMOUNT,
    "--currency": "currency",
    "-c": "currency",
    "--date": "date",
    "-d": "date",
}


def _actions() -> str:
    return ", ".join(a.name for a in ACTIONS)


async def handle(cmd: Command, ctx: Context) -> Reply:
    args = list(cmd.args)
    if len(args) < 2:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_action", action="", actions=_actions()) if args else None,
            ctx.locale,
        )
    number = case_number(ctx, args[0], USAGE)
    if isinstance(number, Reply):
        return number
    refused = writer(ctx)
    if refused is not None:
        return refused
    parsed = parse_action(args[1:])
    if parsed is None:
        return Reply.usage(
            USAGE,
            ctx.t("unknown_action", action=shorten(args[1], 40), actions=_actions()),
            ctx.locale,
        )
    action, used = parsed
    options = read_options(ctx, args[1 + used :], _OPTIONS, USAGE)
    if isinstance(options, Reply):
        return options
    note = " ".join(options.words).strip() or None
    label = action.label(ctx.locale)
    permissions = ctx.config.circle.permissions()
    if not allowed(action.name, actor(ctx), permissions):
        return await _not_allowed(ctx, number, action)
    view = await ctx.read(load_case, number)
    if view is None:
        return Reply.error(ctx.t("no_case", case=number))
    amount_text = options.options.get(AMOUNT)
    currency_text = options.options.get("currency")
    amount_minor = currency = None
    if amount_text is not None:
        money = read_amount(ctx, view, amount_text, currency_text, USAGE)
        if isinstance(money, Reply):
            return money
        amount_minor, currency = money
    elif currency_text is not None:
        return Reply.usage(USAGE, ctx.t("currency_alone"), ctx.locale)
    elif action.needs_amount:
        return Reply.usage(USAGE, ctx.t("decision_needs_amount", action=label), ctx.locale)
    on_date = None
    if "date" in options.options:
        day = read_day(ctx, options.options["date"], USAGE)
        if isinstance(day, Reply):
            return day
        on_date = day
    elif action.needs_date:
        return Reply.usage(USAGE, ctx.t("decision_needs_date", action=label), ctx.locale)
    return await _record(ctx, number, action, note, amount_minor, currency, on_date)


async def _not_allowed(ctx: Context, number: int, action: Action) -> Reply:
    rules = who_may(action.name, ctx.config.circle.permissions())
    text = ctx.t("not_allowed", who=who(ctx, rules), action=action.label(ctx.locale))
    if action.legal and "legal" in ctx.config.teams:
        called = await ctx.write(
            lambda conn: call_team(
                conn,
                ctx.circle,
                case_id=number,
                team="legal",
                actor=ctx.person or "?",
                now=ctx.clock.now(),
            ),
        )
        if isinstance(called, Reply):
            return called
        if called:
            text += "\n" + ctx.t("legal_called", case=number)
    return Reply.error(text)


async def _record(
    ctx: Context,
    number: int,
    action: Action,
    note: str | None,
    amount_minor: int | None,
    currency: str | None,
    on_date: date | None,
) -> Reply:
    now = ctx.clock.now()
    rules = ctx.config.circle.decision_rules()

    def change(conn: Conn) -> Decided:
        return decide(
            conn,
            ctx.circle,
            case_id=number,
            action=action.name,
            actor=actor(ctx),
            rules=rules,
            note=note,
            amount_minor=amount_minor,
            currency=currency,
            on_date=on_date,
            now=now,
        )

    done = await ctx.write(change)
    if isinstance(done, Reply):
        return done
    return Reply(text=_said(ctx, number, action, done), ephemeral=False)


def _said(ctx: Context, number: int, action: Action, done: Decided) -> str:
    """What everyone in the thread reads: what was recorded, whose answer it counts as, and
    whose clocks keep running (and who could have ended the circle)."""
    plan = done.plan
    label = action.label(ctx.locale)
    key = "decision_closed" if plan.closes_case else "decision_done"
    lines = [ctx.t(key, case=number, action=label)]
    if plan.answers:
        lines.append(ctx.t("decision_answers", teams=teams_text(ctx, plan.answers)))
    if plan.closes:
        lines.append(ctx.t("decision_closes", teams=teams_text(ctx, plan.closes)))
    if plan.running:
        lines.append(ctx.t("decision_running", teams=teams_text(ctx, plan.running)))
    if plan.held_back:
        ends = who(ctx, ctx.config.circle.decision_rules().end_circle, done.sitting)
        stays = "decision_held_back_open" if action.closes_case else "decision_held_back"
        lines.append(ctx.t(stays, who=ends))
    return " ".join(lines) if not ctx.zh else "".join(lines)


# --- the form: `decide <case>`, one of the decisions this person may take ---------------------


async def form(ctx: Context, ref: FormRef, view: CaseView) -> Form | Reply:
    cfg = ctx.config
    permissions = cfg.circle.permissions()
    mine = decidable(actor(ctx), permissions)
    if not mine:
        deciders = [k for k in cfg.people if decidable(cfg.actor(k), permissions)]
        people = ", ".join(person_name(cfg, k) for k in deciders) or "-"
        return Reply.error(ctx.t("form_none_allowed_ask", people=people))
    return Form(
        ref=ref,
        title=ctx.t("form_decide_title"),
        intro=intro(ctx, view, ctx.t("form_only_allowed")),
        submit=ctx.t("form_submit"),
        fields=(
            FormField(
                "action",
                "choice",
                ctx.t("form_action"),
                choices=choices({a.name: a.label(ctx.locale) for a in mine}),
                placeholder=ctx.t("form_action_placeholder"),
            ),
            FormField(
                "amount",
                "amount",
                ctx.t("form_amount"),
                required=False,
                max_length=40,
                hint=ctx.t("form_decide_amount_hint"),
            ),
            FormField("date", "date", ctx.t("form_date"), required=False),
            FormField(
                "note", "text", ctx.t("form_note"), required=False, multiline=True, max_length=2800
            ),
        ),
    )


_BY_NAME = {a.name: a for a in ACTIONS}


async def submitted(
    ctx: Context, ref: FormRef, view: CaseView, values: Mapping[str, str]
) -> Checked:
    action = _BY_NAME.get(value(values, "action"))
    amount, day, note = value(values, "amount"), value(values, "date"), value(values, "note")
    errors: dict[str, str] = {}
    if action is None:
        errors["action"] = ctx.t("form_err_action_required")
    if amount:
        money = check_amount(ctx, view, amount, None)
        if isinstance(money, Wrong):
            errors["amount"] = money.text
    elif action is not None and action.needs_amount:
        errors["amount"] = ctx.t("decision_needs_amount", action=action.label(ctx.locale))
    if day:
        found = check_day(ctx, day)
        if isinstance(found, Wrong):
            errors["date"] = found.text
    elif action is not None and action.needs_date:
        errors["date"] = ctx.t("decision_needs_date", action=action.label(ctx.locale))
    if errors or action is None:
        return FormErrors(errors)
    args = [str(view.id), action.name]
    args += ["--amount", amount] if amount else []
    args += ["--date", day] if day else []
    # After `--` the note is only a note, whatever it says (`-x`, `USD paid`, `plan ...`).
    return [*args, "--", note] if note else args


FORM = FormSpec(USAGE, build=form, check=submitted)
