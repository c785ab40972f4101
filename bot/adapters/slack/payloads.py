"""What Slack sends, checked before anything acts on it, and read into where to answer.

`problem` looks at the shape of a signed (or Socket Mode) request: a slash command, an event,
a button click or a modal submission whose keys are missing or of the wrong type is refused
with a 400 before bolt matches listeners (bolt itself fails with a 500 on some of them). What
passes has the types the listeners rely on.

`Where` is the conversation to answer in, read from a payload: its channel and thread, whether
the thread already exists (an ephemeral message into a thread without replies is never shown),
and the action's response_url (the only way to answer in a channel the bot is not in).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.modals import MODAL_CALLBACK_ID, form_ref, submission_metadata

__all__ = ["Where", "action_where", "get", "mention_where", "modal_where", "problem"]


@dataclass(frozen=True)
class Where:
    """Where an answer goes.

    user_id: who asked. channel: their conversation (None: a direct message instead).
    thread_ts: the thread public answers go to (None: the channel itself). thread_open: that
    thread already has replies, so an ephemeral message there is shown. response_url: Slack's
    URL for answering this one interaction. via_url: answer privately through response_url
    (a slash command, a button in a private message), not chat.postEphemeral.
    """

    user_id: str
    channel: str | None = None
    thread_ts: str | None = None
    thread_open: bool = False
    response_url: str | None = None
    via_url: bool = False


def get(body: Any, *keys: str) -> Any:
    node: Any = body
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# --- the shape of a payload ---------------------------------------------------------------


def _bad(node: Any, key: str, kind: type | tuple[type, ...], *, required: bool = False) -> bool:
    """`node[key]` is missing (when required) or not of `kind`."""
    if not isinstance(node, Mapping) or key not in node:
        return required
    value = node[key]
    if value is None:
        return required
    return (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind)


def _user_problem(body: Mapping[str, Any]) -> str | None:
    if _bad(body, "user", dict, required=True) or _bad(body["user"], "id", str, required=True):
        return "user.id"
    return None


def _action_problem(body: Mapping[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "actions"
    for action in actions:
        if not isinstance(action, Mapping) or _bad(action, "action_id", str, required=True):
            return "actions[].action_id"
        if _bad(action, "value", str) or _bad(action, "selected_option", dict):
            return "actions[].value"
        if _bad(action.get("selected_option"), "value", str):
            return "actions[].selected_option.value"
    for key in ("container", "channel", "message"):
        if _bad(body, key, dict):
            return key
    for key in ("channel_id", "message_ts", "thread_ts"):
        if _bad(body.get("container"), key, str):
            return f"container.{key}"
    if _bad(body.get("container"), "is_ephemeral", bool):
        return "container.is_ephemeral"
    if _bad(body.get("channel"), "id", str):
        return "channel.id"
    for key in ("ts", "thread_ts"):
        if _bad(body.get("message"), key, str):
            return f"message.{key}"
    if _bad(body.get("message"), "reply_count", int):
        return "message.reply_count"
    for key in ("response_url", "trigger_id"):
        if _bad(body, key, str):
            return key
    return None


def _view_problem(body: Mapping[str, Any]) -> str | None:
    view = body.get("view")
    if not isinstance(view, Mapping):
        return "view"
    if _bad(view, "callback_id", str, required=True):
        return "view.callback_id"
    if _bad(view, "type", str, required=True):
        return "view.type"
    if _bad(view, "private_metadata", str) or _bad(view, "state", dict):
        return "view.private_metadata"
    values = get(view, "state", "values")
    if values is not None:
        if not isinstance(values, Mapping):
            return "view.state.values"
        for block in values.values():
            if not isinstance(block, Mapping) or not all(
                isinstance(v, Mapping) for v in block.values()
            ):
                return "view.state.values"
    if view.get("callback_id") == MODAL_CALLBACK_ID:
        raw = view.get("private_metadata")
        try:
            meta = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            meta = None
        if not isinstance(meta, dict) or form_ref(meta) is None:
            return "view.private_metadata"
        for key in ("channel", "thread_ts", "response_url"):
            if _bad(meta, key, str):
                return f"view.private_metadata.{key}"
        if _bad(meta, "main", str):
            return "view.private_metadata.main"
        if _bad(meta, "thread_open", bool):
            return "view.private_metadata.thread_open"
    return None


def _command_problem(body: Mapping[str, Any]) -> str | None:
    for key in ("user_id", "channel_id"):
        if _bad(body, key, str, required=True):
            return key
    for key in ("text", "response_url", "trigger_id", "command"):
        if _bad(body, key, str):
            return key
    return None


def _event_problem(body: Mapping[str, Any]) -> str | None:
    event = body.get("event")
    if not isinstance(event, Mapping) or _bad(event, "type", str, required=True):
        return "event"
    if _bad(body, "event_id", str):
        return "event_id"
    if event.get("type") == "app_mention":
        for key in ("user", "text", "channel", "ts", "thread_ts"):
            if _bad(event, key, str, required=key in ("channel", "ts")):
                return f"event.{key}"
    return None


# Keys bolt reads from every payload to build its context (slack_bolt.request.internals):
# an id as text, or an object with an id.
_ID_OR_OBJECT = ("enterprise", "team", "user", "channel")
_OBJECTS = ("view", "message", "previous_message", "item", "assistant_thread", "function_data")
_NESTED = ("event", "message", "previous_message", "item", "assistant_thread")


def _context_problem(body: Mapping[str, Any], where: str = "", depth: int = 0) -> str | None:
    """What bolt's context builder would fail on (it assumes these types)."""
    for key in _ID_OR_OBJECT:
        value = body.get(key)
        if value is not None and not isinstance(value, str | Mapping):
            return where + key
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body.get(key), Mapping):
            return where + key
    if "event" in body and not isinstance(body["event"], Mapping):
        return where + "event"
    for key in ("authorizations", "response_urls"):
        value = body.get(key)
        if (value is not None or (key == "response_urls" and key in body)) and (
            not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value)
        ):
            return where + key
    if depth < 3:
        nested = [(k, body.get(k)) for k in _NESTED]
        authorizations = body.get("authorizations")
        if authorizations:
            nested.append(("authorizations[0]", authorizations[0]))
        for key, value in nested:
            if isinstance(value, Mapping):
                found = _context_problem(value, f"{where}{key}.", depth + 1)
                if found is not None:
                    return found
    return None


# Other payload types Slack may send this app; bolt answers them without a listener.
_OTHER_TYPES = frozenset({"url_verification", "app_rate_limited"})


def problem(body: Any) -> str | None:
    """The first key of a request that is missing or of the wrong type; None when fine."""
    if not isinstance(body, Mapping):
        return "body"
    context = _context_problem(body)
    if context is not None:
        return context
    kind = body.get("type")
    if kind == "block_actions":
        return _user_problem(body) or _action_problem(body)
    if kind == "view_submission":
        return _user_problem(body) or _view_problem(body)
    if kind == "view_closed":
        view = body.get("view")
        if not isinstance(view, Mapping) or _bad(view, "callback_id", str, required=True):
            return "view"
        return None
    if kind == "event_callback":
        return _event_problem(body)
    if kind is None:
        return _command_problem(body) if "command" in body else None
    if not isinstance(kind, str) or kind not in _OTHER_TYPES:
        return "type"  # nothing here answers it, and bolt trips over some of them
    return None


# --- where to answer ----------------------------------------------------------------------


def mention_where(event: Mapping[str, Any]) -> Where:
    """An @mention is answered in its thread (started by the answer when it is a new one)."""
    thread = _text(event.get("thread_ts"))
    return Where(
        user_id=str(event.get("user") or ""),
        channel=_text(event.get("channel")),
        thread_ts=thread or _text(event.get("ts")),
        thread_open=thread is not None,
    )


def action_where(body: Mapping[str, Any], *, thread_known: bool = False) -> Where:
    """A button click: the message's channel and thread; inside a private (ephemeral)
    message, answers go through the response_url (the bot may not be in that channel).

    thread_known: the bot knows it has posted into the clicked message's thread.
    """
    user = str(get(body, "user", "id") or "")
    channel = _text(get(body, "channel", "id")) or _text(get(body, "container", "channel_id"))
    ts = _text(get(body, "container", "message_ts")) or _text(get(body, "message", "ts"))
    parent = _text(get(body, "message", "thread_ts")) or _text(get(body, "container", "thread_ts"))
    replies = get(body, "message", "reply_count")
    thread: str | None = ts
    thread_open = False
    if parent is not None and parent != ts:
        thread, thread_open = parent, True  # a reply inside a thread
    else:
        has_replies = isinstance(replies, int) and not isinstance(replies, bool) and replies > 0
        thread, thread_open = ts, has_replies or thread_known
    private = get(body, "container", "is_ephemeral") is True
    return Where(
        user_id=user,
        channel=channel,
        thread_ts=thread,
        thread_open=thread_open,
        response_url=_text(body.get("response_url")),
        via_url=private,
    )


def modal_where(view: Mapping[str, Any], user_id: str) -> Where:
    """Where a modal's answer goes: where it was opened from (modal_view keeps that in
    private_metadata), else a direct message."""
    meta = submission_metadata(view)
    channel = _text(meta.get("channel"))
    url = _text(meta.get("response_url"))
    if channel is None:
        return Where(user_id, response_url=url, via_url=url is not None)
    return Where(
        user_id,
        channel,
        _text(meta.get("thread_ts")),
        thread_open=meta.get("thread_open") is True,
        response_url=url,
        via_url=meta.get("via_url") is True and url is not None,
    )


def command_where(command: Mapping[str, Any]) -> Where:
    """A slash command is answered privately through its response_url."""
    url = _text(command.get("response_url"))
    return Where(
        user_id=str(command.get("user_id") or ""),
        channel=_text(command.get("channel_id")),
        response_url=url,
        via_url=url is not None,
    )
