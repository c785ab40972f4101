"""Slack's text markup (mrkdwn) both ways: our messages out, what people typed in.

Pure functions, no Slack SDK and no I/O.

Out (`render_text`): every str part of a message is escaped (`&`, `<`, `>`, and a word joiner
after a typed `@channel`, `@here`, `@everyone`), so text a user, a ledger, a config name or a
language model supplied can never become a mention, a broadcast or a link. Only a `Mention`
part (bot.kernel.rich, made by code) becomes `<@U…>`, `<!subteam^S…>` or `<!channel>`, and only when
config.yaml holds a well-formed Slack id for it (`slack:` or `ids: {slack: …}`, read through
bot.kernel.identity); otherwise it reads `@Name`. `plain_text` is
the same message for Slack's plain_text objects (header, buttons, options), which Slack never
parses: names only, nothing to escape. `clip` and `split` cut rendered mrkdwn without ever
splitting an entity or a mention.

In (`inbound_text`): text a user typed in Slack arrives in Slack's own markup (`<@U123>`,
`<!channel>`, `<!subteam^S1|@sales>`, `<https://x|label>`, `&lt;`); it is turned into the
readable literal text the user saw before it is routed and stored.
"""

from __future__ import annotations

import re

from bot.kernel import textsplit
from bot.kernel.config import Config
from bot.kernel.identity import identities_of
from bot.kernel.rich import Mention, Text, display_names, parts_of, plain

__all__ = ["clip", "escape", "inbound_text", "plain_text", "render_text", "split"]

_SLACK = "slack"  # this messenger's name in people's `ids:` and teams' `groups:`
# Slack ids as config.yaml may hold them: anything else is never put inside <...>.
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,31}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{1,31}$")
# Defence in depth for clients or transports that auto-parse plain words: a zero-width word
# joiner keeps "@channel" typed by someone from ever reading as the keyword (whatever follows
# it: "@channel中" or "@here." must not read as one either).
_BROADCAST = re.compile(r"@(?=channel|here|everyone)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


# --- out --------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Literal text as mrkdwn. Slack's rule: only &, < and > are control characters."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@" + _WORD_JOINER, text)


def _person(config: Config, key: str) -> str:
    person = config.people.get(key)
    slack_id = identities_of(config).external_id(key, _SLACK) if person is not None else None
    if slack_id and _USER_ID.match(slack_id):
        return f"<@{slack_id}>"
    return escape("@" + (person.name if person else key))


def _team(config: Config, key: str) -> str:
    team = config.teams.get(key)
    if team is None:
        return escape("@" + key)
    group = identities_of(config).group(key, _SLACK)
    if group and _GROUP_ID.match(group):
        return f"<!subteam^{group}>"
    members = config.team_members(key)
    if not members:
        return escape("@" + (team.name or key))
    return " ".join(_person(config, m) for m in members)


def _mention(config: Config, mention: Mention) -> str:
    if mention.kind == "person":
        return _person(config, mention.key)
    if mention.kind == "team":
        return _team(config, mention.key)
    return "<!channel>"


def render_text(text: Text, config: Config) -> str:
    """A message text as mrkdwn: str parts escaped, Mention parts as Slack mentions."""
    return "".join(
        escape(part) if isinstance(part, str) else _mention(config, part) for part in parts_of(text)
    )


def plain_text(text: Text, config: Config) -> str:
    """For plain_text objects (header, button, option, modal title): Slack parses nothing
    there, so nothing needs escaping; a mention becomes a readable name."""
    return plain(text, display_names(config))


def clip(text: str, limit: int, *, rendered: bool = True) -> str:
    """At most `limit` characters, ending in … when something was cut."""
    if len(text) <= limit:
        return text
    at = textsplit.cut_point(text, limit - 1, len) if rendered else limit - 1
    return text[:at].rstrip() + "…"


def split(text: str, limit: int) -> list[str]:
    """Rendered mrkdwn in pieces of at most `limit` characters, at line ends where it can,
    never inside a mention or an entity."""
    return textsplit.split(text, limit)


# --- in ---------------------------------------------------------------------------------------

# A piece of Slack markup, or one of the three entities Slack escapes.
_MARKUP = re.compile(r"<([^<>\n]*)>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ENTITY = re.compile(r"&(amp|lt|gt);")
_BROADCASTS = ("channel", "here", "everyone")


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def inbound_text(text: str, config: Config) -> str:
    """Slack-formatted text as the literal text its author saw.

    `<@U5>` -> `@刘洋` (a person of config.yaml by their slack id; `@U5` for anyone else),
    `<!channel>` -> `@channel`, `<!subteam^S1|@sales>` -> `@Sales` (the team whose
    slack_group it is, else the label), `<#C1|general>` -> `#general`, `<https://x|bank>` ->
    `bank (https://x)`, `&lt;` -> `<`. The result is plain text: stored and shown again, it is
    escaped like any other text and can ping nobody.
    """
    ids = identities_of(config)
    people = {
        slack_id: p.name
        for key, p in config.people.items()
        if (slack_id := ids.external_id(key, _SLACK))
    }
    groups = {
        group: t.name or key for key, t in config.teams.items() if (group := ids.group(key, _SLACK))
    }

    def one(m: re.Match[str]) -> str:
        if m.group(2) is not None:
            return _ENTITIES[m.group(2)]
        inner = m.group(1)
        target, _, label = inner.partition("|")
        label = _unescape(label)
        if target.startswith("@"):
            ident = target[1:]
            name = people.get(ident)
            return "@" + (name or label.lstrip("@") or ident)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word, _, rest = target[1:].partition("^")
            if word in _BROADCASTS:
                return "@" + word
            if word == "subteam":
                name = groups.get(rest)
                return "@" + (name or label.lstrip("@") or rest)
            return label or word  # <!date^...|fallback> and anything newer
        url = _unescape(target)
        if not label or label == url or url.split(":", 1)[-1].lstrip("/") == label:
            return label or url
        return f"{label} ({url})"

    return _MARKUP.sub(one, text)
