"""Telegram's own state (bot.adapters.telegram): the polling offset, the inline keyboard's
callback tokens and the guided forms in progress. Kept in the database so that a restart
neither replays nor loses an update, a button clicked after a restart still works, and a form
half answered can be finished."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import TelegramButton, TelegramForm, TelegramOffset

_offset = TelegramOffset.__table__  # type: ignore[attr-defined]
_button = TelegramButton.__table__  # type: ignore[attr-defined]
_form = TelegramForm.__table__  # type: ignore[attr-defined]


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


# --- the polling offset -----------------------------------------------------------------


def last_update_id(conn: Connection, bot: str) -> int | None:
    return conn.execute(
        select(_offset.c.last_update_id).where(_offset.c.bot == bot)
    ).scalar_one_or_none()


def handled(conn: Connection, bot: str, update_id: int, now: datetime) -> None:
    """Record an update as handled; the offset only moves forward."""
    stmt = _insert(conn)(_offset).values(bot=bot, last_update_id=update_id, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["bot"],
        set_={"last_update_id": update_id, "updated_at": now},
        where=_offset.c.last_update_id < update_id,
    )
    conn.execute(stmt)


# --- inline keyboard buttons ------------------------------------------------------------


@dataclass(frozen=True)
class ButtonRow:
    token: str
    command: str | None
    form_key: str | None
    chat: str
    message_id: int | None
    created_at: datetime


def add_buttons(
    conn: Connection,
    chat: str,
    buttons: Iterable[tuple[str, str | None, str | None]],
    now: datetime,
) -> None:
    """(token, command, form key) for a message about to be sent to `chat`."""
    rows = [
        {"token": t, "command": c, "form_key": f, "chat": chat, "created_at": now}
        for t, c, f in buttons
    ]
    if rows:
        conn.execute(_button.insert(), rows)


def attach(conn: Connection, tokens: Iterable[str], message_id: int) -> None:
    """The message the buttons ended up on (known only once Telegram took it)."""
    chosen = list(tokens)
    if chosen:
        conn.execute(
            update(_button).where(_button.c.token.in_(chosen)).values(message_id=message_id)
        )


def replace_keyboard(conn: Connection, chat: str, message_id: int, keep: Iterable[str]) -> int:
    """An edited message's old buttons stop working: the new keyboard replaced them."""
    kept = list(keep)
    stmt = delete(_button).where(_button.c.chat == chat, _button.c.message_id == message_id)
    if kept:
        stmt = stmt.where(_button.c.token.not_in(kept))
    return conn.execute(stmt).rowcount or 0


def button(conn: Connection, token: str, since: datetime) -> ButtonRow | None:
    """The button behind a callback token; None when unknown or made before `since`."""
    row = conn.execute(select(_button).where(_button.c.token == token)).first()
    if row is None:
        return None
    made = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=since.tzinfo)
    if made < since:
        return None
    return ButtonRow(row.token, row.command, row.form_key, row.chat, row.message_id, made)


def forget_buttons(conn: Connection, before: datetime) -> int:
    return conn.execute(delete(_button).where(_button.c.created_at < before)).rowcount or 0


# --- guided forms -----------------------------------------------------------------------


@dataclass
class FormState:
    chat: str
    user_id: str
    form_key: str
    values: dict[str, str] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # field names still to ask, in order
    errors: dict[str, str] = field(default_factory=dict)  # from the last submission
    prompt_id: int | None = None  # the message the answer must reply to
    extra: dict[str, str] = field(default_factory=dict)  # where the form began (card message)

    def dumps(self) -> str:
        return json.dumps(
            {
                "values": self.values,
                "pending": self.pending,
                "errors": self.errors,
                "extra": self.extra,
            },
            ensure_ascii=False,
            sort_keys=True,
        )


def save_form(conn: Connection, state: FormState, now: datetime) -> None:
    values = {
        "chat": state.chat,
        "user_id": state.user_id,
        "form_key": state.form_key,
        "state": state.dumps(),
        "prompt_id": state.prompt_id,
        "updated_at": now,
    }
    stmt = _insert(conn)(_form).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["chat", "user_id"],
            set_={k: v for k, v in values.items() if k not in ("chat", "user_id")},
        )
    )


def load_form(conn: Connection, chat: str, user_id: str) -> FormState | None:
    row = conn.execute(
        select(_form).where(_form.c.chat == chat, _form.c.user_id == user_id)
    ).first()
    if row is None:
        return None
    data: Mapping[str, Any] = json.loads(row.state)
    return FormState(
        chat=row.chat,
        user_id=row.user_id,
        form_key=row.form_key,
        values=dict(data.get("values", {})),
        pending=list(data.get("pending", [])),
        errors=dict(data.get("errors", {})),
        prompt_id=row.prompt_id,
        extra=dict(data.get("extra", {})),
    )


def drop_form(conn: Connection, chat: str, user_id: str) -> bool:
    stmt = delete(_form).where(_form.c.chat == chat, _form.c.user_id == user_id)
    return bool(conn.execute(stmt).rowcount)


def forget_forms(conn: Connection, before: datetime) -> int:
    return conn.execute(delete(_form).where(_form.c.updated_at < before)).rowcount or 0
