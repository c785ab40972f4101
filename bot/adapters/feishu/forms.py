"""Neutral forms as Feishu card forms (表单容器): a button that needs input opens a small card
in the clicked card's thread with one input per field; its submit comes back as
card.action.trigger with `form_value`, checked by the handlers (Dispatch.submit_form).

What this follows (open.feishu.cn "卡片 JSON 1.0" › 表单容器 `form`: `name`, `elements` of
`input` (`name`, `label`, `placeholder`, `default_value`, `max_length`, `required`,
`input_type: multiline_text`) and `select_static` (`options` of {text, value},
`initial_option`), a `button` with `action_type: "form_submit"`; the callback's
`action.form_value` maps each component's `name` to what was entered).

The button values: `{"ar_form": "input 42 finance"}` opens the form (FormRef.key()), the
submit button carries `{"ar_submit": "input 42 finance"}`. Like a command's value, a user
cannot forge them (the event is verified) and the router checks what each person may do.
Every label, hint and option is plain_text; the intro and errors are escaped markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.feishu import render
from bot.kernel.forms import Form, FormErrors, FormField, FormRef

OPEN_KEY = render.FORM_KEY
SUBMIT_KEY = "ar_submit"
MAX_VALUE = 2000  # characters of one submitted field, when the field names none
MAX_FIELDS = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def ref_of(value: Mapping[str, Any], key: str) -> FormRef | None:
    raw = value.get(key)
    if not isinstance(raw, str) or _CONTROL.search(raw):
        return None
    return FormRef.from_key(raw)


def _plain(text: str, limit: int = 200) -> dict[str, str]:
    return {"tag": "plain_text", "content": text[:limit]}


def _field(f: FormField, values: Mapping[str, str]) -> dict[str, Any]:
    initial = values.get(f.name, f.initial)
    if f.kind == "choice" and f.choices:
        out: dict[str, Any] = {
            "tag": "select_static",
            "name": f.name,
            "placeholder": _plain(f.placeholder or f.label),
            "options": [{"text": _plain(c.label, 60), "value": c.value} for c in f.choices[:100]],
            "required": f.required,
        }
        if initial and any(c.value == initial for c in f.choices):
            out["initial_option"] = initial
        return out
    out = {
        "tag": "input",
        "name": f.name,
        "label": _plain(f.label),
        "label_position": "top",
        "placeholder": _plain(f.placeholder or f.hint or f.label),
        "max_length": min(f.max_length or MAX_VALUE, MAX_VALUE),
        "required": f.required,
    }
    if initial:
        out["default_value"] = initial[:MAX_VALUE]
    if f.multiline:
        out["input_type"] = "multiline_text"
    return out


def form_card(
    form: Form,
    locale: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """The form as a card; with `errors`, what was wrong above the fields, values kept."""
    values = values or {}
    elements: list[dict[str, Any]] = []
    if form.intro:
        elements.append({"tag": "markdown", "content": render.escape(form.intro)})
    if errors is not None and errors.errors:
        lines = []
        for name, message in errors.errors.items():
            field = form.field(name)
            label = f"{field.label}: " if field is not None else ""
            lines.append(f"⚠ {render.escape(label + message)}")
        elements.append({"tag": "markdown", "content": "\n".join(lines)})
    inner: list[dict[str, Any]] = []
    for f in form.fields[:MAX_FIELDS]:
        if f.kind == "choice" and f.choices:
            # A select has no label of its own: the label above it.
            inner.append({"tag": "markdown", "content": f"**{render.escape(f.label)}**"})
        inner.append(_field(f, values))
        if f.hint:
            inner.append({"tag": "markdown", "content": render.escape(f.hint[:300])})
    inner.append(
        {
            "tag": "button",
            "text": _plain(form.submit, 40),
            "type": "primary",
            "action_type": "form_submit",
            "name": "ar_submit",
            "value": {SUBMIT_KEY: form.ref.key()},
        }
    )
    elements.append({"tag": "form", "name": "ar_form", "elements": inner})
    card = {
        "config": {"wide_screen_mode": True, "update_multi": True},
        "header": {"title": _plain(form.title, render.TITLE_LIMIT), "template": "blue"},
        "elements": elements,
    }
    return render.fit(card, locale)


def submitted(form_value: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values as text: bounded, without control characters (a multi-line
    answer keeps its line ends). A select or input that sent a non-text value is skipped."""
    out: dict[str, str] = {}
    for name, value in list(form_value.items())[:MAX_FIELDS]:
        if not isinstance(name, str) or len(name) > 64:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            out[name] = _CONTROL.sub("", value)[:MAX_VALUE]
    return out
