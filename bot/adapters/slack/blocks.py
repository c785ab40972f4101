"""The neutral message model as Slack sees it: mrkdwn, Block Kit messages and modals.

Pure functions, no Slack SDK and no I/O, shared by the inbound app (slash command, buttons,
modals) and the outbound transport (the outbox):

- `render_text` (from slack_mrkdwn) turns a message text into Slack mrkdwn: every str part
  is escaped (`&`, `<`, `>`), so text a customer or a user supplied can never become a
  mention, a link or an @channel; only Mention parts (bot.kernel.rich) become Slack mentions.
- `blocks_for` / `fallback_text` build a `chat.postMessage` / `chat.update` body, within
  Block Kit's limits (50 blocks, 3000 characters of section text, 10 fields a section,
  25 elements an actions block, 75 characters of button text, 150 of a header).
- A button's value is its text command. A command with placeholders (`<text>`, `<amount>`,
  ...) opens a modal (`modal_for`) instead of running; its submission is checked
  (`validate_submission`) and turned back into the text command
  (`command_from_submission`) that the router runs like any typed one.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bot.adapters.slack.mrkdwn import clip as _clip
from bot.adapters.slack.mrkdwn import escape as _escape
from bot.adapters.slack.mrkdwn import plain_text as _plain
from bot.adapters.slack.mrkdwn import render_text
from bot.adapters.slack.mrkdwn import split as _split
from bot.kernel.cards import person_name, team_name
from bot.kernel.config import Config
from bot.kernel.i18n import t
from bot.kernel.messages import Card, Field, Reply, Section, is_blank
from playbook.amounts import parse_money
from playbook.days import HORIZON_YEARS, too_far
from playbook.decisions import ACTIONS, Action, allowed, decidable, parse_action, snoozable

__all__ = [
    "ACTION_PREFIX",
    "MAX_BLOCKS",
    "MODAL_CALLBACK_ID",
    "blocks_for",
    "command_from_submission",
    "fallback_text",
    "form_error",
    "main_field",
    "modal_command",
    "modal_for",
    "modal_refusal",
    "needs_modal",
    "render_text",
    "submission_metadata",
    "validate_submission",
]

# Every button's action_id starts with this; its value is the button's text command.
ACTION_PREFIX = "arcircle:"
# The callback_id of every modal this module builds.
MODAL_CALLBACK_ID = "arcircle:modal"

# Block Kit's limits (docs.slack.dev/reference/block-kit).
MAX_BLOCKS = 50  # blocks in a message
_SECTION_TEXT = 3000  # text object in a section / context element
_FIELD_TEXT = 2000  # each section field
_FIELDS = 10  # fields in a section
_HEADER_TEXT = 150
_BUTTON_TEXT = 75
_BUTTON_VALUE = 2000
_ACTIONS = 25  # elements in an actions block
_MODAL_TITLE = 24  # modal title, submit and close
_OPTION_TEXT = 75
_FALLBACK = 3000  # our own cap for the notification text

# --- blocks -------------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack adds no links or mentions of its own; ours (<@U1>) still work.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _sections(rendered: str) -> list[dict[str, Any]]:
    return [{"type": "section", "text": _mrkdwn(p)} for p in _split(rendered, _SECTION_TEXT)]


def _field_sections(fields: Sequence[Field], config: Config) -> list[dict[str, Any]]:
    texts = [
        _clip(
            f"*{render_text(f.label, config)}*\n{render_text(f.value, config) or '-'}", _FIELD_TEXT
        )
        for f in fields
    ]
    return [
        {"type": "section", "fields": [_mrkdwn(t) for t in texts[i : i + _FIELDS]]}
        for i in range(0, len(texts), _FIELDS)
    ]


def _code_sections(lines: Sequence[str], config: Config) -> list[dict[str, Any]]:
    fence = "```"
    room = _SECTION_TEXT - 2 * len(fence) - 2
    # A cell cannot close the code block early.
    rendered = [render_text(line, config).replace(fence, "`\u200b``") for line in lines]
    blocks = []
    for piece in _split("\n".join(rendered), room):
        blocks.append({"type": "section", "text": _mrkdwn(f"{fence}\n{piece}\n{fence}")})
    return blocks


def _section_blocks(sec: Section, config: Config) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    head = [f"*{render_text(sec.title, config)}*"] if sec.title else []
    body = [render_text(sec.text, config)] if not is_blank(sec.text) else []
    if head or body:
        blocks.extend(_sections("\n".join(head + body)))
    if sec.fields:
        blocks.extend(_field_sections(sec.fields, config))
    if sec.table is not None:
        blocks.extend(_code_sections(sec.table.lines(), config))
    return blocks


def _context(rendered: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(_clip(rendered, _SECTION_TEXT))]}


def _action_blocks(card: Card, config: Config) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    for i, button in enumerate(card.buttons):
        if not button.command or len(button.command) > _BUTTON_VALUE:
            continue  # Slack would refuse the whole message; the command cannot be cut
        label = _plain(button.label, config).strip() or button.command
        element: dict[str, Any] = {
            "type": "button",
            "text": _plain_text(_clip(label, _BUTTON_TEXT, rendered=False)),
            "action_id": f"{ACTION_PREFIX}{i}",
            "value": button.command,
        }
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        elements.append(element)
    return [
        {"type": "actions", "elements": elements[i : i + _ACTIONS]}
        for i in range(0, len(elements), _ACTIONS)
    ]


_TRUNCATED = {"en": "… (truncated)", "zh": "…（内容过长，已截断）"}


def blocks_for(reply: Reply, config: Config, *, locale: str) -> list[dict[str, Any]]:
    """The `blocks` of a message: the reply's text, then its card.

    Over Slack's 50 blocks, the body is cut and a context line says so; the buttons and the
    footer are kept, so a long card can still be acted on.
    """
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    tail: list[dict[str, Any]] = []
    if not is_blank(reply.text):
        body.extend(_sections(render_text(reply.text or "", config)))
    card = reply.card
    if card is not None:
        title = _plain(card.title, config).strip()
        if title:
            body.append(
                {"type": "header", "text": _plain_text(_clip(title, _HEADER_TEXT, rendered=False))}
            )
        if not is_blank(card.subtitle):
            body.extend(_sections(render_text(card.subtitle or "", config)))
        if card.fields:
            body.extend(_field_sections(card.fields, config))
        for sec in card.sections:
            body.extend(_section_blocks(sec, config))
        actions = _action_blocks(card, config)
        if card.footer and card.footer.strip():
            tail.append(_context(render_text(card.footer, config)))
    if len(body) + len(actions) + len(tail) > MAX_BLOCKS:
        room = MAX_BLOCKS - len(actions) - len(tail) - 1
        if room < 1:  # absurdly many buttons: keep what fits
            tail = []
            actions = actions[: MAX_BLOCKS - 2]
            room = 1
        body = [*body[:room], _context(_TRUNCATED["zh" if _zh(locale) else "en"])]
    return [*body, *actions, *tail]


def fallback_text(reply: Reply, config: Config) -> str:
    """The `text` of chat.postMessage: what notifications and screen readers show."""
    source = reply.text if not is_blank(reply.text) else None
    if source is None and reply.card is not None:
        source = reply.card.title
    return _clip(render_text(source or "", config), _FALLBACK)


# --- modals -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<(?:text|amount|date|action|note|reason)>")
_MODAL_VERBS = ("input", "promise", "decide", "snooze")
_DURATIONS = ("30m", "1h", "2h", "4h", "1d", "3d")

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "submit": "Submit",
        "close": "Cancel",
        "case": "Case #{case}",
        "input_title": "{team} input",
        "input_text": "Your team's answer",
        "input_text_hint": "Everyone in the circle sees it; it stops your team's clock.",
        "link": "Attachment link",
        "link_hint": "A link to a contract, a delivery note, a payment slip ...",
        "promise_title": "Promise to pay",
        "amount": "Amount",
        "amount_hint": "e.g. 5000, 5k or 5000 USD",
        "decide_amount_hint": "e.g. 30000, 30k or 30000 USD",
        "pay_by": "Pay by",
        "decide_title": "Decision",
        "action": "Decision",
        "action_placeholder": "Choose a decision",
        "only_allowed": "Only the decisions you may take are listed.",
        "none_allowed": "You may not record any decision in this circle.",
        "none_allowed_ask": "You may not record any decision in this circle; ask {people}.",
        "date": "Date",
        "note": "Note",
        "snooze_title": "Snooze",
        "duration": "For how long",
        "reason": "Reason",
        "reason_hint": "Everyone in the circle sees it.",
        "seat": "Whose clock",
        "all_seats": "Every team still waiting",
        "own_seat": "Snoozes {team}'s clock only: another team's needs its people or a manager.",
        "none_snooze": "You may not snooze any clock here: a team's own people or a manager may.",
        "none_snooze_ask": (
            "You may not snooze any clock in this case: only a waiting team's own people or a "
            "manager ({people}) may."
        ),
        "30m": "30 minutes",
        "1h": "1 hour",
        "2h": "2 hours",
        "4h": "4 hours",
        "1d": "1 day",
        "3d": "3 days",
        # field errors
        "err_amount_number": "Enter a number, e.g. 5000 or 5k",
        "err_amount_positive": "Enter an amount above zero",
        "err_currency": "Use a 3-letter currency code, e.g. 5000 USD",
        "err_date_required": "Pick a date",
        "err_date_past": "Pick today or a later date",
        "err_date_far": "Pick a date within {years} years",
        "err_text_required": "An answer is required",
        "err_reason_required": "A reason is required",
        "err_action_required": "Choose a decision",
        "err_needs_date": "This decision needs a date",
        "err_needs_amount": "This decision needs an amount",
        "err_duration": "Choose how long",
        "err_seat": "Choose whose clock",
        "err_link": "Enter a link starting with https://",
    },
    "zh": {
        "submit": "提交",
        "close": "取消",
        "case": "案件 #{case}",
        "input_title": "{team}意见",
        "input_text": "本团队的答复",
        "input_text_hint": "圈内所有人可见；提交后停止本团队计时。",
        "link": "附件链接",
        "link_hint": "合同、送货单、付款凭证等的链接",
        "promise_title": "付款承诺",
        "amount": "金额",
        "amount_hint": "例如 5000、5k、3万 或 5000 USD",
        "decide_amount_hint": "例如 30000、30k、3万 或 30000 USD",
        "pay_by": "承诺付款日",
        "decide_title": "记录决定",
        "action": "决定",
        "action_placeholder": "请选择决定",
        "only_allowed": "仅列出您有权作出的决定。",
        "none_allowed": "您在本案中无权记录任何决定。",
        "none_allowed_ask": "您在本案中无权记录任何决定；请联系 {people}。",
        "date": "日期",
        "note": "备注",
        "snooze_title": "暂缓",
        "duration": "暂缓时长",
        "reason": "原因",
        "reason_hint": "圈内所有人可见。",
        "seat": "暂缓哪个团队",
        "all_seats": "所有等待中的团队",
        "own_seat": "只暂缓{team}的计时：其他团队须由其成员或经理暂缓。",
        "none_snooze": "您在本案中无权暂缓任何计时：只有团队自己的成员或经理可以。",
        "none_snooze_ask": (
            "您在本案中无权暂缓任何计时：只有仍在等待的团队自己的成员或经理（{people}）可以。"
        ),
        "30m": "30 分钟",
        "1h": "1 小时",
        "2h": "2 小时",
        "4h": "4 小时",
        "1d": "1 天",
        "3d": "3 天",
        "err_amount_number": "请输入数字，例如 5000 或 5k",
        "err_amount_positive": "请输入大于零的金额",
        "err_currency": "币种请用三个字母，例如 5000 USD",
        "err_date_required": "请选择日期",
        "err_date_past": "请选择今天或之后的日期",
        "err_date_far": "请选择 {years} 年以内的日期",
        "err_text_required": "请填写答复",
        "err_reason_required": "请填写原因",
        "err_action_required": "请选择决定",
        "err_needs_date": "该决定需要日期",
        "err_needs_amount": "该决定需要金额",
        "err_duration": "请选择暂缓时长",
        "err_seat": "请选择团队",
        "err_link": "请输入以 https:// 开头的链接",
    },
}


def _zh(locale: str) -> bool:
    return locale.lower().startswith("zh")


def _label(locale: str, key: str, **kw: Any) -> str:
    text = _LABELS["zh" if _zh(locale) else "en"][key]
    return text.format(**kw) if kw else text


def needs_modal(command: str) -> bool:
    """True when the command has blanks for the user to fill (a form opens instead)."""
    return _PLACEHOLDER.search(command) is not None


def _parse(command: str) -> tuple[str, str, list[str]] | None:
    """(verb, case, the words after the case) of `/ar <verb> <case> ...`, else None."""
    words = command.split()
    if len(words) < 3 or words[0].casefold() != "/ar":
        return None
    verb = words[1].casefold()
    case = words[2].lstrip("#")
    if verb not in _MODAL_VERBS or not (case.isascii() and case.isdigit()):
        return None
    return verb, case, words[3:]


def modal_command(command: Any) -> tuple[str, str, list[str]] | None:
    """(verb, case, rest) when `command` is a command with a form, else None."""
    return _parse(command) if isinstance(command, str) else None


# The field a refusal is shown on when a submitted form is refused as a whole.
_MAIN_FIELD = {"input": "text", "promise": "amount", "decide": "action", "snooze": "reason"}


def form_error(reply: Reply, config: Config, limit: int = 500) -> str:
    """A refusal as a form field's error: plain text (Slack shows it as typed), one paragraph."""
    text = " ".join(_plain(reply.plain(), config).split())
    return _clip(text, limit, rendered=False)


def main_field(command: str) -> str | None:
    """The block_id of the form's first field, where a refusal of the whole form is shown."""
    parsed = _parse(command)
    return _MAIN_FIELD[parsed[0]] if parsed else None


def _input_team(rest: list[str]) -> str | None:
    return rest[0] if rest and not _PLACEHOLDER.fullmatch(rest[0]) else None


def _names(config: Config, keys: Sequence[str]) -> str:
    return ", ".join(person_name(config, k) for k in keys) or "-"


def modal_refusal(
    command: str,
    config: Config,
    *,
    person: str | None,
    locale: str,
    seats: Mapping[str, str] | None = None,
) -> str | None:
    """Why this person may not submit the form of `command` (who may, instead), else None.

    The same rules as the handlers: a team's answer by someone who speaks for the team
    (Config.speaks_for, or on its behalf where circle.allow_as_team lets them), a decision
    among those `playbook.decisions.allowed` gives them. Someone not in the config is left to
    the handler, which says how to be added.
    """
    parsed = _parse(command)
    if parsed is None or person is None or person not in config.people:
        return None
    verb, _case, rest = parsed
    if verb == "input":
        team = _input_team(rest)
        if team is None or team not in config.teams:
            return None  # the handler names the teams
        if config.speaks_for(person, team) or config.circle.allow_as_team:
            return None
        found = config.teams[team]
        return t(
            locale,
            "not_member",
            team=found.name or team,
            people=_names(config, config.team_members(team)),
        )
    if verb == "decide":
        permissions = config.circle.permissions()
        if any(allowed(a.name, config.actor(person), permissions) for a in ACTIONS):
            return None
        deciders = [
            key
            for key in config.people
            if any(allowed(a.name, config.actor(key), permissions) for a in ACTIONS)
        ]
        return _label(locale, "none_allowed_ask", people=_names(config, deciders))
    if verb == "snooze" and seats is not None:
        # `seats` (team → status, loaded by the caller): the clocks of this case.
        rules = config.circle.decision_rules()
        if snoozable(config.actor(person), rules, seats):
            return None
        managers = [k for k, p in config.people.items() if p.role == "manager"]
        return _label(locale, "none_snooze_ask", people=_names(config, managers))
    return None


def _input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain_text(_clip(label, _FIELD_TEXT, rendered=False)),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain_text(hint)
    return block


def _text_input(*, multiline: bool = False, max_length: int | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if max_length:
        element["max_length"] = max_length
    return element


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain_text(_clip(text, _OPTION_TEXT, rendered=False)), "value": value}


def _modal(
    title: str, blocks: list[dict[str, Any]], metadata: Mapping[str, Any], locale: str
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "private_metadata": json.dumps(dict(metadata), ensure_ascii=False),
        "title": _plain_text(_clip(title, _MODAL_TITLE, rendered=False)),
        "close": _plain_text(_label(locale, "close")),
        "blocks": blocks,
    }
    if any(b["type"] == "input" for b in blocks):
        view["submit"] = _plain_text(_label(locale, "submit"))
    return view


_ALL_SEATS = "*"


def modal_for(
    command: str,
    config: Config,
    *,
    person: str | None,
    locale: str,
    today: date,
    context: Mapping[str, Any] | None = None,
    seats: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """The `view` for views.open when the button's command has blanks, else None.

    None also for someone not in the config: the command then runs as it is and the handler
    tells them they may look but not write, and how to be added. `context` (e.g. the channel
    and thread of the card) travels in private_metadata next to the command. `seats` (team →
    seat status of the case, when the caller has loaded it) narrows the snooze form to the
    clocks this person may snooze; without it the config alone decides. The decision and
    snooze forms offer only what playbook.decisions allows, and none (no submit button) to
    someone who could not submit them.
    """
    if not needs_modal(command) or person is None or person not in config.people:
        return None
    parsed = _parse(command)
    if parsed is None:
        return None
    verb, case, rest = parsed
    metadata = {**(context or {}), "command": command}
    intro = _label(locale, "case", case=case)
    if verb == "input":
        team_key = _input_team(rest)
        if team_key is None:
            return None
        if not config.speaks_for(person, team_key) and config.circle.allow_as_team:
            metadata["as_team"] = True  # the handler asks for --as-team from a non-member
        team_label = team_name(config, team_key)
        blocks = [
            {"type": "context", "elements": [_mrkdwn(_escape(f"{intro} · {team_label}"))]},
            _input_block(
                "text",
                _label(locale, "input_text"),
                _text_input(multiline=True, max_length=2800),
                hint=_label(locale, "input_text_hint"),
            ),
            _input_block(
                "link",
                _label(locale, "link"),
                {"type": "url_text_input"},
                optional=True,
                hint=_label(locale, "link_hint"),
            ),
        ]
        return _modal(_label(locale, "input_title", team=team_label), blocks, metadata, locale)
    if verb == "promise":
        blocks = [
            {"type": "context", "elements": [_mrkdwn(_escape(intro))]},
            _input_block(
                "amount",
                _label(locale, "amount"),
                _text_input(max_length=40),
                hint=_label(locale, "amount_hint"),
            ),
            _input_block(
                "date",
                _label(locale, "pay_by"),
                {"type": "datepicker", "initial_date": (today + timedelta(days=7)).isoformat()},
            ),
        ]
        return _modal(_label(locale, "promise_title"), blocks, metadata, locale)
    if verb == "decide":
        mine = decidable(config.actor(person), config.circle.permissions())
        if not mine:
            blocks = [{"type": "section", "text": _mrkdwn(_label(locale, "none_allowed"))}]
            return _modal(_label(locale, "decide_title"), blocks, metadata, locale)
        blocks = [
            {
                "type": "context",
                "elements": [_mrkdwn(_escape(f"{intro} · {_label(locale, 'only_allowed')}"))],
            },
            _input_block(
                "action",
                _label(locale, "action"),
                {
                    "type": "static_select",
                    "placeholder": _plain_text(_label(locale, "action_placeholder")),
                    "options": [_option(a.label(locale), a.name) for a in mine],
                },
            ),
            _input_block(
                "amount",
                _label(locale, "amount"),
                _text_input(max_length=40),
                optional=True,
                hint=_label(locale, "decide_amount_hint"),
            ),
            _input_block("date", _label(locale, "date"), {"type": "datepicker"}, optional=True),
            _input_block(
                "note",
                _label(locale, "note"),
                _text_input(multiline=True, max_length=2800),
                optional=True,
            ),
        ]
        return _modal(_label(locale, "decide_title"), blocks, metadata, locale)
    # snooze
    actor = config.actor(person)
    teams = snoozable(
        actor, config.circle.decision_rules(), seats or dict.fromkeys(config.teams, "waiting")
    )
    if not teams:
        blocks = [{"type": "section", "text": _mrkdwn(_escape(_label(locale, "none_snooze")))}]
        return _modal(_label(locale, "snooze_title"), blocks, metadata, locale)
    options = [_option(_label(locale, d), d) for d in _DURATIONS]
    given = rest[0] if rest and rest[0] in _DURATIONS else "1h"
    blocks = [{"type": "context", "elements": [_mrkdwn(_escape(intro))]}]
    if set(teams) <= actor.own_teams:
        names = ", ".join(team_name(config, t) for t in teams)
        own = _label(locale, "own_seat", team=names)
        blocks.append({"type": "context", "elements": [_mrkdwn(_escape(own))]})
    else:
        seat_options = [_option(_label(locale, "all_seats"), _ALL_SEATS)]
        seat_options += [_option(team_name(config, t), t) for t in teams]
        blocks.append(
            _input_block(
                "seat",
                _label(locale, "seat"),
                {
                    "type": "static_select",
                    "options": seat_options,
                    "initial_option": seat_options[0],
                },
            )
        )
    blocks += [
        _input_block(
            "duration",
            _label(locale, "duration"),
            {
                "type": "static_select",
                "options": options,
                "initial_option": options[_DURATIONS.index(given)],
            },
        ),
        _input_block(
            "reason",
            _label(locale, "reason"),
            _text_input(multiline=True, max_length=1000),
            hint=_label(locale, "reason_hint"),
        ),
    ]
    return _modal(_label(locale, "snooze_title"), blocks, metadata, locale)


# --- submissions --------------------------------------------------------------------------


def submission_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """What modal_for put in private_metadata: the command and the caller's context."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """block_id → the submitted value as text (None when empty)."""
    state = view.get("state") or {}
    out: dict[str, str | None] = {}
    for block_id, actions in (state.get("values") or {}).items():
        if not isinstance(actions, Mapping) or not actions:
            continue
        entry = actions.get("value") or next(iter(actions.values()))
        if not isinstance(entry, Mapping):
            continue
        value: Any = None
        if "selected_option" in entry:
            option = entry.get("selected_option")
            value = option.get("value") if isinstance(option, Mapping) else None
        elif "selected_date" in entry:
            value = entry.get("selected_date")
        else:
            value = entry.get("value")
        out[str(block_id)] = value if isinstance(value, str) and value.strip() else None
    return out


# Straight quotes, as the router reads them (bot.router._QUOTES): normalised before quoting,
# so the router's own translation cannot unbalance a quoted argument.
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'", "\u3000": " "}
)


def _arg(word: str) -> str:
    return shlex.quote(word.translate(_QUOTES))


def _tail(text: str) -> str:
    """Free text as the command's last argument, so the handler gets back exactly this text.

    Plain words go as they are (`/ar snooze 42 2h CFO back at 3pm`); anything the router's
    shlex split or the handler's flags would change (quotes, newlines, double spaces,
    words starting with '-') goes as one quoted argument.
    """
    text = text.translate(_QUOTES).strip()
    words = text.split(" ")
    if (
        all(words)
        and not any(w.startswith("-") for w in words)
        and re.fullmatch(r"[^\s'\"\\]+(?: [^\s'\"\\]+)*", text)
    ):
        return text
    return shlex.quote(text)


def _amount_parts(text: str, *, currency: bool) -> tuple[str, str | None]:
    """(number, currency or None) of "5000", "5 000" or "5000 USD"."""
    words = text.split()
    if currency and len(words) == 2 and words[1].isalpha():
        return words[0], words[1].upper()
    return "".join(words), None


def command_from_submission(view: Mapping[str, Any]) -> str:
    """The text command a submitted modal stands for, for the router to run.

    Raises ValueError when the view did not come from modal_for.
    """
    command = submission_metadata(view).get("command")
    if not isinstance(command, str):
        raise ValueError("not an arcircle modal: no command in private_metadata")
    parsed = _parse(command)
    if parsed is None:
        raise ValueError(f"not a command with a form: {command!r}")
    verb, case, rest = parsed
    values = _values(view)
    if verb == "input":
        text = (values.get("text") or "").strip()
        link = (values.get("link") or "").strip()
        if link:
            text = f"{text} (link: {link})" if text else f"(link: {link})"
        parts = ["/ar input", case, _arg(rest[0]) if rest else ""]
        if submission_metadata(view).get("as_team") is True:
            parts.append("--as-team")
        return " ".join(p for p in [*parts, _tail(text) if text else ""] if p)
    if verb == "promise":
        number, code = _amount_parts(values.get("amount") or "", currency=True)
        parts = ["/ar promise", case, _arg(number or "?")]
        if code:
            parts.append(code)
        parts.append(_arg(values.get("date") or "?"))
        return " ".join(parts)
    if verb == "decide":
        action = values.get("action") or "?"
        parts = ["/ar decide", case, _arg(action)]
        amount = values.get("amount")
        if amount:
            parts += ["--amount", _arg("".join(amount.split()))]
        if values.get("date"):
            parts += ["--date", _arg(values["date"] or "")]
        note = (values.get("note") or "").strip()
        if note:
            tail = _tail(note)
            # "installment" + "plan ..." would read as the action "installment plan".
            found = parse_action([action, *shlex.split(tail)])
            if found is not None and found[1] > 1:
                tail = shlex.quote(note.translate(_QUOTES))
            # Right after the amount, "USD ..." would read as its currency; "-x" as an option.
            if (amount and not values.get("date")) or tail.startswith("-"):
                parts.append("--")
            parts.append(tail)
        return " ".join(parts)
    duration = values.get("duration") or (rest[0] if rest else "1h")
    if duration not in _DURATIONS:
        duration = "1h"
    parts = ["/ar snooze", case, duration]
    seat = values.get("seat")
    if seat and seat != _ALL_SEATS:
        parts += ["--team", _arg(seat)]
    reason = (values.get("reason") or "").strip()
    if reason:
        tail = _tail(reason)
        parts += ["--", tail] if tail.startswith("-") else [tail]
    return " ".join(parts)


def _check_amount(
    errors: dict[str, str], text: str | None, locale: str, *, required: bool
) -> Decimal | None:
    """The form's amount as the handlers read it (playbook.amounts): a number, with or
    without a currency; whether the case owes that much is the handler's answer."""
    if not text:
        if required:
            errors["amount"] = _label(locale, "err_amount_number")
        return None
    number = text.strip()
    negative = number.startswith("-")
    money = parse_money(number.lstrip("-"))
    if money is None:
        words = number.lstrip("-").split()
        named = len(words) == 2 and parse_money(words[0]) is not None and words[1].isalpha()
        errors["amount"] = _label(locale, "err_currency" if named else "err_amount_number")
        return None
    if negative or money.amount <= 0:
        errors["amount"] = _label(locale, "err_amount_positive")
        return None
    return money.amount


def _check_date(
    errors: dict[str, str], text: str | None, today: date, locale: str, *, required: bool
) -> date | None:
    if not text:
        if required:
            errors["date"] = _label(locale, "err_date_required")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors["date"] = _label(locale, "err_date_required")
        return None
    if day < today:
        errors["date"] = _label(locale, "err_date_past")
        return None
    if too_far(day, today):
        errors["date"] = _label(locale, "err_date_far", years=HORIZON_YEARS)
        return None
    return day


_ACTION_BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}


def validate_submission(view: Mapping[str, Any], *, today: date, locale: str) -> dict[str, str]:
    """Field errors by block_id for `response_action: errors`; {} when the form is fine.

    Permissions are not checked here: the handler refuses a decision the person may not take.
    """
    parsed = _parse(str(submission_metadata(view).get("command") or ""))
    if parsed is None:
        return {}
    verb = parsed[0]
    values = _values(view)
    errors: dict[str, str] = {}
    if verb == "input":
        if not values.get("text"):
            errors["text"] = _label(locale, "err_text_required")
        link = values.get("link")
        if link and not re.match(r"^https?://\S+$", link.strip()):
            errors["link"] = _label(locale, "err_link")
    elif verb == "promise":
        _check_amount(errors, values.get("amount"), locale, required=True)
        _check_date(errors, values.get("date"), today, locale, required=True)
    elif verb == "decide":
        action = _ACTION_BY_NAME.get(values.get("action") or "")
        if action is None:
            errors["action"] = _label(locale, "err_action_required")
        _check_amount(errors, values.get("amount"), locale, required=False)
        _check_date(errors, values.get("date"), today, locale, required=False)
        if action is not None:
            if action.needs_date and not values.get("date") and "date" not in errors:
                errors["date"] = _label(locale, "err_needs_date")
            if action.needs_amount and not values.get("amount") and "amount" not in errors:
                errors["amount"] = _label(locale, "err_needs_amount")
    else:
        if values.get("duration") not in _DURATIONS:
            errors["duration"] = _label(locale, "err_duration")
        seat = values.get("seat")
        if seat is not None and seat != _ALL_SEATS and not re.fullmatch(r"[\w.-]{1,64}", seat):
            errors["seat"] = _label(locale, "err_seat")
        if not values.get("reason"):
            errors["reason"] = _label(locale, "err_reason_required")
    return errors
