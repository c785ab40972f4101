"""The tone ladder: which tone fits a stage and a relationship, and its adjustments.

Collection method, not language: the same in every locale, so it lives in code, not YAML.
Roughly, tone gets firmer as the debt ages (before due and early: empathetic or partnership;
mid: sandwich, NVC or serious; late: serious) and softer for long-term partners, whose
goodwill is worth more than a week's cash.
"""

from __future__ import annotations

from collections.abc import Mapping

from playbook.library import RELATIONSHIPS, STAGES, Playbook

__all__ = ["FIRMNESS", "LADDER", "choose_tone", "relationship_of"]

# How firm each tone sounds, for ordering only (tests and the ladder's invariants use it).
# First aid sits with empathy: it defuses, it does not press.
FIRMNESS: Mapping[str, int] = {
    "partnership": 0,
    "empathetic": 1,
    "first_aid": 1,
    "sandwich": 2,
    "nvc": 3,
    "serious": 4,
}

# stage → relationship → tone. Partners get the softest tone that still fits the stage; a new
# or one-off customer has no relationship to protect yet, so at mid stage the contract speaks.
LADDER: Mapping[str, Mapping[str, str]] = {
    "pre_due": {
        "partner": "partnership",
        "normal": "partnership",
        "new": "empathetic",
        "problem": "empathetic",
    },
    "early": {
        "partner": "partnership",
        "normal": "empathetic",
        "new": "empathetic",
        "problem": "empathetic",
    },
    "mid": {"partner": "sandwich", "normal": "nvc", "new": "serious", "problem": "serious"},
    # Serious for everyone, partners included: at 90+ days recovery odds fall fast. The
    # templates keep it respectful (facts, contract, a date), never hostile.
    "late": {"partner": "serious", "normal": "serious", "new": "serious", "problem": "serious"},
}

_FIRMER: Mapping[str, str] = {
    "partnership": "empathetic",
    "empathetic": "sandwich",
    "first_aid": "nvc",
    "sandwich": "nvc",
    "nvc": "serious",
    "serious": "serious",
}
# One step softer, but never below what the stage still needs (mid never drops under the
# sandwich: the ask must stay in the middle of the message, not vanish).
_SOFTER: Mapping[str, str] = {
    "serious": "nvc",
    "nvc": "sandwich",
    "sandwich": "sandwich",
    "empathetic": "partnership",
    "partnership": "partnership",
    "first_aid": "first_aid",
}

# The aging module's extra stage for invoices not yet in the reminder window; a suggestion for
# such a customer is a pre-due reminder.
_STAGE_ALIASES: Mapping[str, str] = {"current": "pre_due"}
_EARLY_STAGES = ("pre_due", "early")


# --------------------------------------------------------------------------------------------
# Choosing the tone


def relationship_of(segment: str, years: int | None) -> str:
    """partner (3+ years), new (under a year), problem (by segment, whatever the years), normal.

    Unknown years are "normal" even for an important customer: importance is value, not a
    shared history, and softening needs the history.
    """
    if segment == "problem":
        return "problem"
    if years is not None and years >= 3:
        return "partner"
    if years is not None and years < 1:
        return "new"
    return "normal"


def choose_tone(
    stage: str,
    relationship: str,
    *,
    broken_promises: int = 0,
    disputed: bool = False,
    segment: str = "normal",
) -> str:
    """The ladder, then its adjustments.

    A dispute comes first: pressing over a quality complaint hardens it, so a disputed case
    gets emotion first aid early and NVC later (or after a broken promise). Otherwise an
    important customer is one step softer except at late stage, and a broken promise makes
    it one step firmer (never past serious): a missed date means the last tone did not work.
    """
    stage = stage_key(stage)
    if relationship not in RELATIONSHIPS:
        raise ValueError(
            f"unknown relationship {relationship!r}; valid relationships: "
            + ", ".join(RELATIONSHIPS)
        )
    if disputed:
        return "first_aid" if stage in _EARLY_STAGES and broken_promises <= 0 else "nvc"
    tone = LADDER[stage][relationship]
    if segment == "important" and stage != "late":
        tone = _SOFTER[tone]
    if broken_promises > 0:
        tone = _FIRMER[tone]
    return tone


def stage_key(stage: str) -> str:
    stage = _STAGE_ALIASES.get(stage, stage)
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; valid stages: {', '.join(STAGES)}")
    return stage


def tone_key(playbook: Playbook, tone: str) -> str:
    # A key normally; a label or alias ("严肃式") is accepted too, exact matches only, since a
    # configured default tone is typed by a person.
    key = playbook.find_tone(tone)
    if key is not None:
        return key
    valid = ", ".join(f"{k} ({label})" for k, label in playbook.tones())
    raise ValueError(f"unknown tone {tone!r}; valid tones: {valid}")


def excuse_key(playbook: Playbook, excuse: str) -> str:
    keys = playbook.excuse_keys()
    key = playbook.find_excuse(excuse, partial=False)
    if key is not None:
        return key
    raise ValueError(f"unknown excuse {excuse!r}; valid excuses: {', '.join(keys)}")
