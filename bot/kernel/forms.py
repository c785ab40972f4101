"""Neutral forms: what a button asks for before its command runs, whatever the messenger.

A card's button that needs input (a team's answer, a promise, a decision, a snooze) carries a
`FormRef`: the verb and the arguments the button already knows (case number, team). When a
person clicks it, the handler layer builds the `Form` for that person (the actions *they* may
take, the case's currency) and checks what they submit (handlers.forms); the messenger only
shows the fields and hands back the values:

- Slack opens a modal; a messenger with card inputs shows them in the card;
- Telegram asks field by field in replies (no modals there);
- a messenger without forms shows `FormRef.command()`, the command to type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "url": a link (https://...), shown as text where a messenger has no link input.
FieldKind = Literal["text", "url", "amount", "currency", "date", "duration", "choice"]


@dataclass(frozen=True)
class Choice:
    value: str  # what the command receives
    label: str  # what the person sees


@dataclass(frozen=True)
class FormField:
    name: str  # the key of the submitted value ("text", "amount", "date", "action", ...)
    kind: FieldKind
    label: str
    required: bool = True
    choices: tuple[Choice, ...] = ()  # kind "choice" (and a suggested list for "duration")
    initial: str | None = None
    multiline: bool = False
    max_length: int | None = None
    hint: str | None = None  # one line under the field: the format expected, an example
    placeholder: str | None = None  # shown in an empty field or menu ("Choose a decision")


@dataclass(frozen=True)
class FormRef:
    """What a button carries: which verb's form, with the arguments the button knows."""

    verb: str  # "input", "promise", "decide", "snooze"
    args: tuple[str, ...] = ()  # e.g. ("42", "finance")
    placeholders: tuple[str, ...] = ()  # what is left to type, e.g. ("<text>",)

    def command(self, prefix: str = "/ar") -> str:
        """The command to type where no form can be shown: `/ar input 42 finance <text>`."""
        return " ".join((prefix, self.verb, *self.args, *self.placeholders))

    def key(self) -> str:
        """A compact, stable text form (a button value, a callback id): `input 42 finance`."""
        return " ".join((self.verb, *self.args))

    @classmethod
    def from_key(cls, key: str) -> FormRef | None:
        words = key.split()
        if not words or len(key) > 200:
            return None
        return cls(words[0], tuple(words[1:]))


@dataclass(frozen=True)
class Form:
    ref: FormRef
    title: str
    fields: tuple[FormField, ...]
    submit: str = "OK"
    intro: str | None = None  # a line above the fields: the case, who is answering

    def field(self, name: str) -> FormField | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class FormErrors:
    """A submission the handler refused: a message per field name ("" for the whole form)."""

    errors: dict[str, str]
