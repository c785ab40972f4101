"""config.yaml: the whole schema, loading, `${VAR}` expansion and errors that name their path.

Every error is one line, `config.yaml:42: teams.legal.lead: no person 'bob' in people`, so a
company admin can fix the file without reading a traceback. The sections are in
config_values / config_people / config_circle / config_risk / config_sections (and the older
config_digest, config_im, ...); the rest of the code imports only from here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    Field,
    ValidationError,
)

from bot.kernel.config_circle import Circle, OutboxConfig
from bot.kernel.config_collect import Collection
from bot.kernel.config_digest import Digest, digest_issues
from bot.kernel.config_exports import ExportsConfig
from bot.kernel.config_people import _SHORTHAND, Company, Person, Team
from bot.kernel.config_risk import AgingConfig, RiskConfig
from bot.kernel.config_sections import (
    Access,
    AuditSettings,
    Ledger,
    Llm,
    Phrasing,
    Platforms,
    Server,
)
from bot.kernel.config_values import (
    _SECRET_HINTS,
    _SECRETISH,
    MAX_DURATION,
    ConfigError,
    Strict,
    _parse_clock_time,
    _short,
    parse_duration,
)
from playbook import aging as rules
from playbook import decisions
from playbook.library import TONES, validate_overrides

__all__ = [
    "MAX_DURATION",
    "Config",
    "ConfigError",
    "Llm",
    "_parse_clock_time",
    "default_path",
    "load_config",
    "parse_duration",
]


class Config(Strict):
    company: Company
    people: dict[str, Person]
    teams: dict[str, Team]
    circle: Circle = Field(default_factory=Circle)
    aging: AgingConfig = Field(default_factory=AgingConfig)
    risk: RiskConfig = Field(default_factory=RiskConfig)
    digest: Digest = Field(default_factory=Digest)
    ledger: Ledger = Field(default_factory=Ledger)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    phrasing: Phrasing = Field(default_factory=Phrasing)
    collection: Collection = Field(default_factory=Collection)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    platforms: Platforms = Field(default_factory=Platforms)
    server: Server = Field(default_factory=Server)
    access: Access = Field(default_factory=Access)
    exports: ExportsConfig = Field(default_factory=ExportsConfig)

    def listen(self) -> tuple[str, int]:
        """Where `arcircle serve` listens: `server:`, or the older platforms.slack.host/port."""
        slack = self.platforms.slack
        return slack.host or self.server.host, slack.port or self.server.port

    def aging_policy(self) -> rules.AgingPolicy:
        st = self.aging.stages
        return rules.AgingPolicy(
            stages=rules.StagePolicy(
                pre_due_days=st.pre_due_days, mid_from=st.mid_from, late_from=st.late_from
            ),
            buckets=rules.make_buckets(self.aging.buckets),
            risk=self.risk.policy(),
            recovery=self.risk.recovery_steps(),
        )

    def team_members(self, team: str) -> list[str]:
        return [key for key, p in self.people.items() if p.team == team]

    def speaks_for(self, person: str | None, team: str) -> bool:
        """May this person answer for the team in a circle: a member, its lead or manager."""
        found = self.teams.get(team)
        if not person or found is None:
            return False
        return person in self.team_members(team) or person in (found.lead, found.manager)

    def actor(self, person: str | None) -> decisions.Actor:
        """Who someone is for the decision permissions: team, role, the teams they lead."""
        key = person or ""
        found = self.people.get(key)
        return decisions.Actor(
            key=key,
            team=found.team if found else None,
            role=found.role if found else "member",
            leads=frozenset(name for name, team in self.teams.items() if team.lead == key),
        )

    def locale_of(self, person: str | None) -> str:
        found = self.people.get(person) if person else None
        return (found.locale if found and found.locale else None) or self.company.locale


# --- loading ------------------------------------------------------------------------------

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _expand(node: Any, env: Mapping[str, str], path: tuple[Any, ...], errors: list[Issue]) -> Any:
    if isinstance(node, dict):
        return {k: _expand(v, env, (*path, k), errors) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand(v, env, (*path, i), errors) for i, v in enumerate(node)]
    if isinstance(node, str) and "$" in node:

        def sub(m: re.Match[str]) -> str:
            if m.group(0) == "$$":
                return "$"
            name, default = m.group(1), m.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            errors.append((path, f"environment variable {name} is not set"))
            return ""

        return _VAR.sub(sub, node)
    return node


Issue = tuple[tuple[Any, ...], str]


def _line_index(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), out)


def _friendly(err: Mapping[str, Any]) -> str:
    kind, msg = err.get("type", ""), str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        return msg.replace("Input should be", "must be one of")
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} is not a 3-letter ISO currency code (e.g. CNY, USD)"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg[:1].lower() + msg[1:] if msg else kind


def _secret_hint(path: tuple[Any, ...]) -> str:
    key = str(path[-1]) if path else ""
    if not _SECRETISH.search(key):
        return ""
    where = next((v for k, v in _SECRET_HINTS.items() if k in map(str, path)), None)
    return f" (secrets go in the environment{': ' + where if where else ''}, never in config)"


# A messenger in `ids:`/`groups:` is named like its plugin package (bot/adapters/<name>/).
_MESSENGER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# The widths of the identity table (storage.models.Identity, Person).
MAX_EXTERNAL_ID = 200
MAX_PERSON_KEY = 80


def _identity_issues(cfg: Config) -> list[Issue]:
    """Every messenger id names one person: the same id given twice is an error naming both
    places, so a message is never taken as coming from the wrong person."""
    issues: list[Issue] = []
    owner: dict[tuple[str, str], tuple[Any, ...]] = {}
    for key, person in cfg.people.items():
        if len(key) > MAX_PERSON_KEY:
            issues.append((("people", key), f"a person key is at most {MAX_PERSON_KEY} characters"))
        given: list[tuple[str, str, tuple[Any, ...]]] = [
            (name, getattr(person, name), ("people", key, name))
            for name in _SHORTHAND
            if getattr(person, name)
        ]
        given += [(m, ext, ("people", key, "ids", m)) for m, ext in person.ids.items()]
        mine: dict[str, tuple[str, tuple[Any, ...]]] = {}
        for messenger, external, path in given:
            if not _MESSENGER.match(messenger):
                issues.append(
                    (path, f"{_short(messenger)} is not a messenger name (lowercase, like wecom)")
                )
                continue
            if not external:
                issues.append((path, "an empty id"))
                continue
            if len(external) > MAX_EXTERNAL_ID:
                issues.append((path, f"an id is at most {MAX_EXTERNAL_ID} characters"))
                continue
            before = mine.get(messenger)
            if before is not None and before[0] != external:
                issues.append((path, f"a second {messenger} id for {key!r}: {_dotted(before[1])}"))
                continue
            mine[messenger] = (external, path)
            first = owner.setdefault((messenger, external), path)
            if first[1] != key:
                issues.append(
                    (
                        path,
                        f"the {messenger} id {_short(external)} is also given to "
                        f"{first[1]!r} ({_dotted(first)}): an id belongs to one person",
                    )
                )
    for name, team in cfg.teams.items():
        for messenger in team.groups:
            if not _MESSENGER.match(messenger):
                issues.append(
                    (
                        ("teams", name, "groups", messenger),
                        f"{_short(messenger)} is not a messenger name (lowercase, like wecom)",
                    )
                )
    return issues


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


def _cross_check(cfg: Config) -> list[Issue]:
    """References between sections that a type alone cannot check."""
    issues: list[Issue] = _identity_issues(cfg)
    people = cfg.people
    for key, person in people.items():
        if person.team is not None and person.team not in cfg.teams:
            issues.append((("people", key, "team"), f"no team {person.team!r} in teams"))
    for name, team in cfg.teams.items():
        for role in ("lead", "manager"):
            ref = getattr(team, role)
            if ref is None:
                continue
            if ref not in people:
                issues.append((("teams", name, role), f"no person {ref!r} in people"))
            elif role == "lead" and people[ref].team not in (None, name):
                issues.append((("teams", name, "lead"), f"{ref!r} is in team {people[ref].team!r}"))
    for kind in cfg.circle.seats:
        if kind not in cfg.teams:
            issues.append((("circle", "seats", kind), f"no team {kind!r} in teams"))
    for action, rules_ in cfg.circle.decisions.items():
        for i, rule in enumerate(rules_):
            team_key, _, role = rule.partition(".")
            if rule in ("any", "manager", "lead"):
                continue
            if team_key not in cfg.teams or role not in ("", "lead"):
                issues.append(
                    (
                        ("circle", "decisions", action, i),
                        f"{rule!r} is not a team, team.lead, lead, manager or any",
                    )
                )
    for i, level in enumerate(cfg.circle.escalation):
        if "manager" in level.notify:
            for name, team in cfg.teams.items():
                if team.manager is None:
                    issues.append(
                        (
                            ("circle", "escalation", i, "notify"),
                            f"escalates to the manager, but team {name!r} has no manager",
                        )
                    )
    issues += digest_issues(cfg.digest, set(cfg.teams))
    tone = cfg.phrasing.default_tone
    if tone is not None and tone not in TONES:
        issues.append(
            (("phrasing", "default_tone"), f"unknown tone {tone!r} (tones: {', '.join(TONES)})")
        )
    for i, entry in enumerate(cfg.access.readers):
        if ":" not in entry and entry not in people:
            issues.append(
                (
                    ("access", "readers", i),
                    f"no person {entry!r} in people (or write a platform id: slack:U0123ABCD)",
                )
            )
    default = cfg.platforms.console.default_person
    if default is not None and default not in people:
        issues.append(
            (("platforms", "console", "default_person"), f"no person {default!r} in people")
        )
    return issues


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("ARCIRCLE_CONFIG") or "config.yaml")


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    env = os.environ if env is None else env
    path = path or default_path(env)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            [f"{label}: no such file (set ARCIRCLE_CONFIG or copy the example config.yaml)"]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{label}: cannot read: {exc}"]) from None
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{label}{where}: not valid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: expected a mapping of sections (company, people, teams...)"])
    lines_at: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), lines_at)

    def fmt(path_: tuple[Any, ...], message: str) -> str:
        line = None
        for cut in range(len(path_), -1, -1):
            line = lines_at.get(tuple(path_[:cut]))
            if line is not None:
                break
        dotted = ".".join(str(p) for p in path_) or "(top level)"
        return f"{label}{':' + str(line) if line else ''}: {dotted}: {message}"

    issues: list[Issue] = []
    expanded = _expand(raw, env, (), issues)
    if issues:
        raise ConfigError([fmt(p, m) for p, m in issues])
    try:
        cfg = Config.model_validate(expanded)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            lines.append(fmt(loc, _friendly(err) + _secret_hint(loc)))
        raise ConfigError(lines) from None
    issues = _cross_check(cfg)
    if issues:
        raise ConfigError([fmt(p, m) for p, m in issues])
    base = path.parent
    updates: dict[str, Any] = {}
    if cfg.ledger.source is not None and not cfg.ledger.source.is_absolute():
        updates["ledger"] = cfg.ledger.model_copy(update={"source": base / cfg.ledger.source})
    if (watch := cfg.ledger.watch) is not None and not watch.is_absolute():
        led = updates.get("ledger", cfg.ledger)
        updates["ledger"] = led.model_copy(update={"watch": base / watch})
    checkpoints = cfg.audit.checkpoints
    if checkpoints is not None and not checkpoints.is_absolute():
        updates["audit"] = cfg.audit.model_copy(update={"checkpoints": base / checkpoints})
    if cfg.exports.dir is not None and not cfg.exports.dir.is_absolute():
        updates["exports"] = cfg.exports.model_copy(update={"dir": base / cfg.exports.dir})
    overrides = cfg.phrasing.overrides
    if overrides is not None:
        if not overrides.is_absolute():
            overrides = base / overrides
            updates["phrasing"] = cfg.phrasing.model_copy(update={"overrides": overrides})
        if not overrides.exists():
            raise ConfigError([fmt(("phrasing", "overrides"), f"{overrides}: no such file")])
        # The company's own templates are checked now, not when someone first asks for words.
        problems = validate_overrides(overrides)
        if problems:
            raise ConfigError(problems)
    return cfg.model_copy(update=updates) if updates else cfg
