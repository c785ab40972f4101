"""Rich inline text: literal text and mentions, kept apart so that text never becomes a ping.

A `Mention` is a structured part of a message that only code makes, from structured data (a
person key of config.yaml, a team key, the circle's channel). Nothing parses text into one:
whatever characters a user, a ledger cell, a config name or a language model supplies stay
text. `RichText` is an immutable sequence of `str | Mention` parts; every str part is literal.

Each messenger's renderer walks the parts (`parts_of`): it escapes the str parts in its own
syntax and turns each Mention into its own mention (Slack `<@U1>`, a Telegram text_mention, a
WeCom `<@userid>` ...) or, where it cannot, a readable `@Name`. Plain-text views take a
`Resolver` (Mention -> display text); `neutral` is the one that needs no config.

A RichText refuses str() and format(): flattening one by accident (an f-string, i18n's `t`)
would turn its mentions into text, so it raises instead; render it (`plain`, an adapter) or
build it with `RichText(...)`, `+`, `RichText.join` and `bot.kernel.i18n.t_rich`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, get_args

if TYPE_CHECKING:
    from bot.kernel.config import Config

MentionKind = Literal["person", "team", "channel"]
_KINDS: tuple[str, ...] = get_args(MentionKind)


@dataclass(frozen=True, slots=True)
class Mention:
    """Someone to notify: a person or a team by their config key, or the whole channel."""

    kind: MentionKind
    key: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown mention kind {self.kind!r} (expected one of {_KINDS})")
        if not isinstance(self.key, str):
            raise TypeError("a mention's key is a str")
        if (self.kind == "channel") == bool(self.key):
            raise ValueError(
                "a channel mention has no key" if self.key else f"a {self.kind} mention needs a key"
            )

    @classmethod
    def person(cls, key: str) -> Mention:
        return cls("person", key)

    @classmethod
    def team(cls, key: str) -> Mention:
        """The whole team: a user group where the messenger has one, else each member."""
        return cls("team", key)

    @classmethod
    def channel(cls) -> Mention:
        return cls("channel")

    def __str__(self) -> str:
        raise TypeError(_FLATTEN)

    def __format__(self, spec: str) -> str:
        raise TypeError(_FLATTEN)


Part: TypeAlias = str | Mention
Resolver = Callable[[Mention], str]

_FLATTEN = (
    "a mention is not text: build messages with RichText / bot.kernel.i18n.t_rich and render them "
    "with plain(resolve) or an adapter's renderer"
)


class RichText:
    """Text with mentions in it: an immutable tuple of parts, str (literal) or Mention.

    `RichText("Case 1: ", Mention.team("sales"), " please answer")`; adjacent str parts are
    merged and empty ones dropped, so two RichTexts with the same content compare equal.
    """

    __slots__ = ("_parts",)
    _parts: tuple[Part, ...]

    def __init__(self, *items: Inline) -> None:
        parts: list[Part] = []
        for item in items:
            for part in _parts_of_item(item):
                if isinstance(part, str):
                    if not part:
                        continue
                    if parts and isinstance(parts[-1], str):
                        parts[-1] += part
                        continue
                parts.append(part)
        object.__setattr__(self, "_parts", tuple(parts))

    @property
    def parts(self) -> tuple[Part, ...]:
        return self._parts

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("RichText is immutable")

    def __iter__(self) -> Iterator[Part]:
        return iter(self._parts)

    def __bool__(self) -> bool:
        return bool(self._parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RichText) and other._parts == self._parts

    def __hash__(self) -> int:
        return hash(self._parts)

    def __repr__(self) -> str:
        return f"RichText{self._parts!r}"

    def __add__(self, other: Inline) -> RichText:
        return RichText(self, other)

    def __radd__(self, other: Inline) -> RichText:
        return RichText(other, self)

    def __str__(self) -> str:
        raise TypeError(_FLATTEN)

    def __format__(self, spec: str) -> str:
        raise TypeError(_FLATTEN)

    def join(self, items: Iterable[Inline]) -> RichText:
        """Like str.join, with this text as the separator: `RichText(", ").join(mentions)`."""
        out: list[Inline] = []
        for i, item in enumerate(items):
            if i:
                out.append(self)
            out.append(item)
        return RichText(*out)

    def plain(self, resolve: Resolver | None = None) -> str:
        """Plain text: str parts as they are, each mention as `resolve` shows it."""
        show = resolve or neutral
        return "".join(p if isinstance(p, str) else show(p) for p in self._parts)

    def mentions(self) -> tuple[Mention, ...]:
        return tuple(p for p in self._parts if isinstance(p, Mention))

    def strip(self) -> RichText:
        """Without whitespace at either end (mentions are never blank)."""
        parts = list(self._parts)
        while parts and isinstance(parts[0], str) and not parts[0].strip():
            parts.pop(0)
        while parts and isinstance(parts[-1], str) and not parts[-1].strip():
            parts.pop()
        if parts and isinstance(parts[0], str):
            parts[0] = parts[0].lstrip()
        if parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1].rstrip()
        return RichText(*parts)

    def lines(self) -> list[RichText]:
        """Split at newlines (inside str parts; a mention never holds one)."""
        out: list[list[Part]] = [[]]
        for part in self._parts:
            if isinstance(part, Mention):
                out[-1].append(part)
                continue
            first, *rest = part.split("\n")
            out[-1].append(first)
            out.extend([line] for line in rest)
        return [RichText(*line) for line in out]


# What a message field that may carry mentions holds: a plain str (always literal) or RichText.
Text: TypeAlias = str | RichText
# What may be put together into a RichText.
Inline: TypeAlias = str | Mention | RichText


def _parts_of_item(item: Inline) -> tuple[Part, ...]:
    if isinstance(item, RichText):
        return item.parts
    if isinstance(item, str | Mention):
        return (item,)
    raise TypeError(f"RichText takes str, Mention or RichText, not {type(item).__name__}")


def parts_of(text: Text | None) -> tuple[Part, ...]:
    """The parts a renderer walks: a plain str is one literal part."""
    if text is None:
        return ()
    if isinstance(text, str):
        return (text,) if text else ()
    return text.parts


def plain(text: Text | None, resolve: Resolver | None = None) -> str:
    """Any message text as plain text (mentions shown by `resolve`, `neutral` by default)."""
    if text is None:
        return ""
    return text if isinstance(text, str) else text.plain(resolve)


def is_blank(text: Text | None) -> bool:
    """Nothing to show: None, empty, or only whitespace (a mention is never blank)."""
    return text is None or not text.strip()


def neutral(mention: Mention) -> str:
    """A mention shown without a config: `@wang.wei`, `@sales`, `@channel`."""
    return "@channel" if mention.kind == "channel" else "@" + mention.key


def display_names(config: Config) -> Resolver:
    """Mentions as people read them: `@王伟`, `@Sales` (the team's name), `@channel`."""

    def show(mention: Mention) -> str:
        if mention.kind == "person":
            person = config.people.get(mention.key)
            return "@" + (person.name if person else mention.key)
        if mention.kind == "team":
            team = config.teams.get(mention.key)
            return "@" + (team.name if team and team.name else mention.key)
        return "@channel"

    return show
