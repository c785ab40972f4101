"""Neutral forms as Slack modals: Form -> a `views.open` view, a view submission -> values,
FormErrors -> `response_action: errors`.

Pure functions, no Slack SDK and no I/O. What a form asks and checks is the handlers' (a verb
declares its form once, handlers.forms); this module only draws it in Block Kit: one input
block per field, its `block_id` the field's name and its element's `action_id` "value", so a
submission's `state.values[name]["value"]` is that field's answer. The FormRef (and where the
button was clicked: channel, thread, response_url) travel in `private_metadata`.

Every text in a modal is a plain_text object (labels, hints, options, title), except the
intro, which is escaped mrkdwn: nothing a user or a ledger wrote can mention anyone there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.blocks import FORM_PREFIX
from bot.adapters.slack.mrkdwn import clip, escape, plain_text
from bot.kernel.config import Config
from bot.kernel.forms import Form, FormErrors, FormField, FormRef
from bot.kernel.i18n import t
from bot.kernel.messages import Reply

__all__ = [
    "MODAL_CALLBACK_ID",
    "errors_for",
    "form_error",
    "form_ref",
    "legacy_ref",
    "modal_view",
    "submission_metadata",
    "submitted_values",
    "value_ref",
]

# The callback_id of every modal this module builds.
MODAL_CALLBACK_ID = "arcircle:modal"

# Block Kit's limits (docs.slack.dev/reference/block-kit).
_TITLE = 24  # modal title, submit and close
_LABEL = 2000
_HINT = 2000
_OPTION = 75
_OPTIONS = 100
_CONTEXT = 3000
_ERROR = 500  # ours: an error under a field stays readable


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit, rendered=False), "emoji": True}


# --- which form a click or a submission is about ----------------------------------------------

# Cards posted before forms were neutral carry the command with its blanks as the button's
# value ("/ar input 42 finance <text>"), and a modal opened then carries it in its metadata:
# both still open or submit the same form.
_LEGACY_VERBS = frozenset({"input", "promise", "decide", "snooze"})
_BLANK = re.compile(r"<(?:text|amount|date|action|note|reason)>")
_LEGACY_MAIN = {"input": "text", "promise": "amount", "decide": "action", "snooze": "reason"}


def legacy_ref(command: Any) -> FormRef | None:
    """The form of an old card's button command with blanks, else None."""
    if not isinstance(command, str) or _BLANK.search(command) is None:
        return None
    words = command.split()
    if len(words) < 3 or words[0].casefold() != "/ar" or words[1].casefold() not in _LEGACY_VERBS:
        return None
    case = words[2].lstrip("#")
    if not (case.isascii() and case.isdigit()):
        return None
    known = tuple(w for w in words[3:] if not _BLANK.fullmatch(w))
    blanks = tuple(w for w in words[3:] if _BLANK.fullmatch(w))
    return FormRef(words[1].casefold(), (case, *known), blanks)


def value_ref(value: str) -> FormRef | None:
    """The form a button's value opens (`form:input 42 finance`), None for a plain command."""
    if value.startswith(FORM_PREFIX):
        return FormRef.from_key(value[len(FORM_PREFIX) :])
    return legacy_ref(value)


def submission_metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    """What modal_view put in private_metadata: the form and where it was opened."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def form_ref(meta: Mapping[str, Any]) -> FormRef | None:
    """The form a modal's metadata names, None when it names none."""
    key = meta.get("form")
    if isinstance(key, str):
        return FormRef.from_key(key)
    return legacy_ref(meta.get("command"))


# --- Form -> view -----------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, _OPTION), "value": value}


def _element(f: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if f.choices:
        options = [_option(c.value, c.label) for c in f.choices[:_OPTIONS]]
        element = {"type": "static_select", "options": options}
        initial = next((o for o in options if o["value"] == f.initial), None)
        if initial is not None:
            element["initial_option"] = initial
    elif f.kind == "date":
        element = {"type": "datepicker"}
        if f.initial:
            element["initial_date"] = f.initial
    elif f.kind == "url":
        element = {"type": "url_text_input"}
    else:
        element = {"type": "plain_text_input", "multiline": f.multiline}
        if f.max_length:
            element["max_length"] = f.max_length
        if f.initial:
            element["initial_value"] = f.initial
    if f.placeholder:
        element["placeholder"] = _plain(f.placeholder, 150)
    return {**element, "action_id": "value"}


def _input(f: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": f.name,
        "label": _plain(f.label, _LABEL),
        "element": _element(f),
        "optional": not f.required,
    }
    if f.hint:
        block["hint"] = _plain(f.hint, _HINT)
    return block


def modal_view(
    form: Form, *, locale: str, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The `view` for views.open. `context` (where the button was: channel, thread,
    response_url) travels in private_metadata next to the form's ref."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        text = clip(escape(form.intro), _CONTEXT)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    blocks.extend(_input(f) for f in form.fields)
    meta = {**(context or {}), "form": form.ref.key()}
    if form.fields:
        meta["main"] = form.fields[0].name  # where a refusal of the whole form is shown
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": MODAL_CALLBACK_ID,
        "private_metadata": json.dumps(meta, ensure_ascii=False),
        "title": _plain(form.title, _TITLE),
        "close": _plain(t(locale, "form_close"), _TITLE),
        "blocks": blocks,
    }
    if form.fields:
        view["submit"] = _plain(form.submit, _TITLE)
    return view


# --- submission -> values; errors -> the view ----------------------------------------------


def submitted_values(view: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> the submitted value as text (fields left empty are absent)."""
    state = view.get("state") or {}
    out: dict[str, str] = {}
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
        if isinstance(value, str) and value.strip():
            out[str(block_id)] = value
    return out


def main_field(meta: Mapping[str, Any]) -> str | None:
    """The block a refusal of the whole form is shown under."""
    main = meta.get("main")
    if isinstance(main, str):
        return main
    ref = form_ref(meta)
    return _LEGACY_MAIN.get(ref.verb) if ref is not None else None


def errors_for(errors: FormErrors, meta: Mapping[str, Any]) -> dict[str, str]:
    """`response_action: errors` by block id; an error of the whole form ("") goes under the
    main field."""
    out: dict[str, str] = {}
    for name, text in errors.errors.items():
        block = name or main_field(meta)
        if block:
            text = " ".join(text.split())
            out[block] = clip(
                f"{out[block]} {text}" if block in out else text, _ERROR, rendered=False
            )
    return out


def form_error(reply: Reply, config: Config, limit: int = _ERROR) -> str:
    """A refusal as a field's error: plain text (Slack shows it as typed), one paragraph."""
    text = " ".join(plain_text(reply.plain(), config).split())
    return clip(text, limit, rendered=False)
