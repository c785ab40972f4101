"""Recall and false alarms of the compliance lint, per rule, on a table of lines.

A table (YAML in tests/data/lint_table.yaml, or an admin's own) is::

    bad:
      threat: ["line that must fire threat", ...]
      insult: [...]
    clean: ["line that must fire nothing", ...]

Scoring, per word rule C:

- recall = bad C lines on which C fires / bad C lines;
- false alarms = (clean lines on which C fires + bad lines of another rule on which C fires
  while their own rule does not) / (clean lines + bad lines of other rules).

A bad line may fire other rules besides its own (a line can be a threat and an insult at
once); that is not counted against anyone. Pure: parsing takes already-loaded data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from playbook.compliance import WORD_RULES, Finding, lint

MAX_LINES = 5000
MAX_LINE_CHARS = 2000


@dataclass(frozen=True)
class Table:
    bad: Mapping[str, tuple[str, ...]]
    clean: tuple[str, ...]


@dataclass(frozen=True)
class RuleScore:
    rule: str
    bad: int  # lines of this rule
    hits: int  # of which the rule fired on
    others: int  # clean lines + bad lines of other rules
    false_alarms: int  # of which the rule fired on wrongly

    @property
    def recall(self) -> float:
        return self.hits / self.bad if self.bad else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.others if self.others else 0.0


@dataclass(frozen=True)
class TableScore:
    rules: tuple[RuleScore, ...]
    clean: int
    clean_flagged: int
    misses: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())  # rule, line, fired
    alarms: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default=())  # want, line, fired

    def rule(self, name: str) -> RuleScore:
        return next(r for r in self.rules if r.rule == name)


def parse_table(data: object) -> Table:
    """A Table from loaded YAML; ValueError with a readable reason when it is not one."""
    if not isinstance(data, Mapping):
        raise ValueError("a lint table is a mapping with 'bad' and 'clean'")
    unknown = set(data) - {"bad", "clean"}
    if unknown:
        raise ValueError(f"unknown key(s) in the table: {', '.join(sorted(map(str, unknown)))}")
    bad_data = data.get("bad") or {}
    if not isinstance(bad_data, Mapping):
        raise ValueError("'bad' maps a rule to a list of lines")
    bad: dict[str, tuple[str, ...]] = {}
    total = 0
    for rule, lines in bad_data.items():
        if rule not in WORD_RULES:
            raise ValueError(f"unknown rule {rule!r} under 'bad'; rules: {', '.join(WORD_RULES)}")
        bad[rule] = _lines(lines, f"bad.{rule}")
        total += len(bad[rule])
    clean = _lines(data.get("clean") or [], "clean")
    if total + len(clean) > MAX_LINES:
        raise ValueError(f"a table holds at most {MAX_LINES:,} lines")
    if not total and not clean:
        raise ValueError("the table has no lines")
    return Table(bad, clean)


def _lines(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"'{where}' must be a list of lines")
    out = []
    for i, line in enumerate(value):
        if not isinstance(line, str) or not line.strip():
            raise ValueError(f"'{where}' line {i + 1} is not a text")
        if len(line) > MAX_LINE_CHARS:
            raise ValueError(f"'{where}' line {i + 1} is longer than {MAX_LINE_CHARS:,} characters")
        out.append(line)
    return tuple(out)


def score_table(table: Table, check: Callable[[str], list[Finding]] = lint) -> TableScore:
    """Recall and false alarms per word rule (see the module docstring)."""
    fired_bad = {
        rule: [(line, _fired(check(line))) for line in lines] for rule, lines in table.bad.items()
    }
    fired_clean = [(line, _fired(check(line))) for line in table.clean]
    misses: list[tuple[str, str, tuple[str, ...]]] = []
    alarms: list[tuple[str, str, tuple[str, ...]]] = []
    scores: list[RuleScore] = []
    for rule in WORD_RULES:
        mine = fired_bad.get(rule, [])
        hits = sum(1 for _, fired in mine if rule in fired)
        wrong = sum(1 for _, fired in fired_clean if rule in fired)
        others = len(fired_clean)
        for other, lines in fired_bad.items():
            if other == rule:
                continue
            others += len(lines)
            wrong += sum(1 for _, fired in lines if rule in fired and other not in fired)
        scores.append(RuleScore(rule, len(mine), hits, others, wrong))
        misses.extend((rule, line, fired) for line, fired in mine if rule not in fired)
        alarms.extend(
            (other, line, fired)
            for other, lines in fired_bad.items()
            if other != rule
            for line, fired in lines
            if rule in fired and other not in fired
        )
    alarms.extend(("clean", line, fired) for line, fired in fired_clean if fired)
    return TableScore(
        rules=tuple(scores),
        clean=len(fired_clean),
        clean_flagged=sum(1 for _, fired in fired_clean if fired),
        misses=tuple(misses),
        alarms=tuple(dict.fromkeys(alarms)),
    )


def _fired(findings: list[Finding]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.rule for f in findings if f.rule in WORD_RULES))


def report_lines(score: TableScore, *, details: bool = True) -> list[str]:
    """The figures as text: one line per rule, then the misses and the false alarms."""
    lines = [f"{'rule':<16}{'bad':>5}{'recall':>9}{'false alarms':>15}"]
    for r in score.rules:
        if not r.bad and not r.false_alarms:
            continue
        alarm = f"{r.false_alarms}/{r.others} {r.false_alarm_rate:5.1%}"
        lines.append(f"{r.rule:<16}{r.bad:>5}{r.recall:>9.1%}{alarm:>15}")
    lines.append(f"clean lines: {score.clean}, flagged: {score.clean_flagged}")
    if details:
        lines.extend(
            f"missed {rule}: {line}  (fired: {', '.join(fired) or 'nothing'})"
            for rule, line, fired in score.misses
        )
        lines.extend(
            f"false alarm ({want}): {line}  (fired: {', '.join(fired)})"
            for want, line, fired in score.alarms
        )
    return lines
