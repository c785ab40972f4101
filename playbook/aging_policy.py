"""The aging rules as data: stages, risk grades, buckets, the expected recovery by age, and
the policies that hold them (validated when made). Pure, no I/O; playbook.aging re-exports
every public name here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal
from enum import StrEnum

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_ONE = Decimal(1)

# Money arithmetic must not depend on whatever decimal context the calling thread happens to
# have set (a handler lowering the precision would silently change rankings), so every
# computation that produces a reported amount runs under this fixed context.
_MONEY_CONTEXT = Context(prec=28)


def _is_chinese(locale: str) -> bool:
    # Locale tags arrive in every spelling ("zh", "zh-CN", "zh_TW", "ZH-hans"); the bot only
    # ships English and Simplified Chinese, so the language prefix is all that matters.
    return locale.strip().lower().startswith("zh")


def _is_int(value: object) -> bool:
    # bool is an int subclass; True as a day count is always a config mistake.
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------
# Stage


class Stage(StrEnum):
    """Where an invoice is in the chase cycle; declaration order is escalation order.

    Being a ``StrEnum``, ``<`` compares the string values, not the escalation order; use
    ``list(Stage).index(stage)`` when an ordering is needed.
    """

    CURRENT = "current"
    PRE_DUE = "pre_due"
    EARLY = "early"
    MID = "mid"
    LATE = "late"

    def label(self, locale: str = "en") -> str:
        en, zh = _STAGE_LABELS[self]
        return zh if _is_chinese(locale) else en

    @classmethod
    def parse(cls, text: str) -> Stage:
        """Accept what a person is likely to type: value, English or Chinese label, any case.

        Hyphens, underscores and spaces are ignored so "pre-due", "pre_due", "Pre Due" and
        "predue" all mean PRE_DUE.
        """
        key = _stage_key(text)
        for stage, (en, zh) in _STAGE_LABELS.items():
            if key in (_stage_key(stage.value), _stage_key(en), _stage_key(zh)):
                return stage
        names = ", ".join(f"{s.value} ({_STAGE_LABELS[s][1]})" for s in cls)
        raise ValueError(f"unknown stage {text!r}; expected one of: {names}")


def _stage_key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch not in "-_ \t")


_STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.CURRENT: ("current", "未到期"),
    Stage.PRE_DUE: ("pre-due", "到期前"),
    Stage.EARLY: ("early", "早期"),
    Stage.MID: ("mid", "中期"),
    Stage.LATE: ("late", "后期"),
}


# --------------------------------------------------------------------------------------------
# Risk grade


class RiskGrade(StrEnum):
    """How likely the money is to come in at all; declaration order is severity order."""

    NOT_DUE = "not_due"  # 未收款
    IN_COLLECTION = "in_collection"  # 催收款
    DOUBTFUL = "doubtful"  # 准呆账
    BAD = "bad"  # 呆账
    DEAD = "dead"  # 死账

    @property
    def severity(self) -> int:
        # StrEnum compares by string value, which is alphabetical, not by how bad it is.
        return _GRADE_ORDER.index(self)

    def label(self, locale: str = "en") -> str:
        en, zh = _GRADE_LABELS[self]
        return zh if _is_chinese(locale) else en


_GRADE_ORDER: tuple[RiskGrade, ...] = tuple(RiskGrade)

_GRADE_LABELS: dict[RiskGrade, tuple[str, str]] = {
    RiskGrade.NOT_DUE: ("not yet due", "未收款"),
    RiskGrade.IN_COLLECTION: ("in collection", "催收款"),
    RiskGrade.DOUBTFUL: ("doubtful", "准呆账"),
    RiskGrade.BAD: ("bad", "呆账"),
    RiskGrade.DEAD: ("dead", "死账"),
}


def worst_grade(grades: Iterable[RiskGrade]) -> RiskGrade | None:
    """The most severe grade, e.g. to grade a customer by their worst invoice; None if empty."""
    return max(grades, key=lambda g: g.severity, default=None)


# --------------------------------------------------------------------------------------------
# Buckets


@dataclass(frozen=True)
class Bucket:
    """A column of the aging report, as an inclusive range of days past due."""

    label: str
    days_from: int | None  # None = open-ended below (the Current bucket)
    days_to: int | None  # None = open-ended above (the last bucket)

    def label_in(self, locale: str = "en") -> str:
        """The range as a reader says it: `Current` `1-30 days` `365+ days` (`未到期` `1-30天`
        `365天以上`). ``label`` stays the key that reports and exports use."""
        zh = locale.strip().lower().startswith("zh")
        if self.days_from is None:
            return "未到期" if zh else "Current"
        if self.days_to is None:
            over = self.days_from - 1
            return f"{over}天以上" if zh else f"{over}+ days"
        span = f"{self.days_from}-{self.days_to}"
        return f"{span}天" if zh else f"{span} days"

    def contains(self, dpd: int) -> bool:
        if self.days_from is not None and dpd < self.days_from:
            return False
        return self.days_to is None or dpd <= self.days_to


def make_buckets(bounds: Sequence[int]) -> tuple[Bucket, ...]:
    """Build report buckets from the upper bounds of the overdue ranges.

    ``[30, 60, 90, 180, 365]`` gives Current (dpd <= 0), 1-30, 31-60, 61-90, 91-180, 181-365
    and 365+ (dpd >= 366). Labels always read "from-to", even for a one-day range.
    """
    bounds = list(bounds)
    if not bounds:
        raise ValueError("bucket bounds: at least one bound is required, e.g. [30, 60, 90]")
    previous = 0
    for i, bound in enumerate(bounds):
        if not _is_int(bound) or bound <= 0:
            raise ValueError(f"bucket bounds[{i}] must be a positive whole number, got {bound!r}")
        if bound <= previous:
            raise ValueError(
                f"bucket bounds must be strictly increasing: bounds[{i}]={bound} "
                f"does not exceed bounds[{i - 1}]={previous}"
            )
        previous = bound

    buckets = [Bucket("Current", None, 0)]
    low = 1
    for bound in bounds:
        buckets.append(Bucket(f"{low}-{bound}", low, bound))
        low = bound + 1
    buckets.append(Bucket(f"{bounds[-1]}+", low, None))
    return tuple(buckets)


def validate_buckets(buckets: Sequence[Bucket]) -> None:
    """Raise ValueError unless the buckets cover every dpd exactly once, in order.

    An aging report that silently drops invoices falling into a gap is worse than a config
    error at start-up, so hand-built bucket sets are checked the same way generated ones are.
    """
    if not buckets:
        raise ValueError("buckets: at least one bucket is required")
    first, last = buckets[0], buckets[-1]
    if first.days_from is not None:
        raise ValueError(
            f"buckets: the first bucket ({first.label!r}) must have days_from=None "
            "so invoices that are not yet due have a bucket"
        )
    if last.days_to is not None:
        raise ValueError(
            f"buckets: the last bucket ({last.label!r}) must have days_to=None "
            "so the oldest invoices have a bucket"
        )
    for i, bucket in enumerate(buckets):
        if i > 0 and bucket.days_from is None:
            raise ValueError(
                f"buckets[{i}] ({bucket.label!r}): only the first may have days_from=None"
            )
        if i < len(buckets) - 1 and bucket.days_to is None:
            raise ValueError(
                f"buckets[{i}] ({bucket.label!r}): only the last may have days_to=None"
            )
        if (
            bucket.days_from is not None
            and bucket.days_to is not None
            and bucket.days_from > bucket.days_to
        ):
            raise ValueError(
                f"buckets[{i}] ({bucket.label!r}): days_from={bucket.days_from} "
                f"is after days_to={bucket.days_to}"
            )
        if i > 0:
            prev_to = buckets[i - 1].days_to
            assert prev_to is not None and bucket.days_from is not None  # checked above
            if bucket.days_from != prev_to + 1:
                raise ValueError(
                    f"buckets[{i}] ({bucket.label!r}): days_from={bucket.days_from} must be "
                    f"{prev_to + 1}, right after the previous bucket's days_to={prev_to}"
                )


DEFAULT_BUCKETS: tuple[Bucket, ...] = make_buckets([30, 60, 90, 180, 365])


def bucket_for(dpd: int, buckets: Sequence[Bucket]) -> Bucket:
    for bucket in buckets:
        if bucket.contains(dpd):
            return bucket
    raise ValueError(f"no bucket contains {dpd} days past due; the buckets leave a gap")


def bucket_cutoffs(
    as_of: date, buckets: Sequence[Bucket]
) -> list[tuple[Bucket, date | None, date | None]]:
    """Translate each bucket into an inclusive due-date range as of a date, for SQL filters.

    dpd = as_of - due_date, so dpd in [from, to] is due_date in [as_of - to, as_of - from];
    an open end stays open (None). Filtering on due dates lets the database use its index
    instead of computing dpd per row.
    """
    result: list[tuple[Bucket, date | None, date | None]] = []
    for bucket in buckets:
        earliest = None if bucket.days_to is None else as_of - timedelta(days=bucket.days_to)
        latest = None if bucket.days_from is None else as_of - timedelta(days=bucket.days_from)
        result.append((bucket, earliest, latest))
    return result


# --------------------------------------------------------------------------------------------
# Policies


@dataclass(frozen=True)
class StagePolicy:
    """Where the chase stages start, in days past due."""

    pre_due_days: int = 7
    mid_from: int = 31
    late_from: int = 91

    def __post_init__(self) -> None:
        if self.pre_due_days < 0:
            raise ValueError(f"StagePolicy.pre_due_days must be 0 or more, got {self.pre_due_days}")
        # mid_from must leave room for at least one EARLY day (dpd 1).
        if self.mid_from <= 1:
            raise ValueError(f"StagePolicy.mid_from must be greater than 1, got {self.mid_from}")
        if self.late_from <= self.mid_from:
            raise ValueError(
                f"StagePolicy.late_from must be greater than mid_from={self.mid_from}, "
                f"got {self.late_from}"
            )


@dataclass(frozen=True)
class RiskPolicy:
    """Thresholds that move an invoice to a worse risk grade."""

    doubtful_after_days: int = 180
    bad_after_days: int = 365
    dead_after_days: int = 730
    doubtful_broken_promises: int = 2
    bad_broken_promises: int = 4
    # A dispute alone is normal business; it becomes a risk once it has dragged on this long.
    disputed_doubtful_after_days: int = 90

    def __post_init__(self) -> None:
        if self.doubtful_after_days <= 0:
            raise ValueError(
                f"RiskPolicy.doubtful_after_days must be greater than 0, "
                f"got {self.doubtful_after_days}"
            )
        if self.bad_after_days <= self.doubtful_after_days:
            raise ValueError(
                f"RiskPolicy.bad_after_days must be greater than "
                f"doubtful_after_days={self.doubtful_after_days}, got {self.bad_after_days}"
            )
        if self.dead_after_days <= self.bad_after_days:
            raise ValueError(
                f"RiskPolicy.dead_after_days must be greater than "
                f"bad_after_days={self.bad_after_days}, got {self.dead_after_days}"
            )
        if self.doubtful_broken_promises <= 0:
            raise ValueError(
                f"RiskPolicy.doubtful_broken_promises must be greater than 0, "
                f"got {self.doubtful_broken_promises}"
            )
        if self.bad_broken_promises < self.doubtful_broken_promises:
            raise ValueError(
                f"RiskPolicy.bad_broken_promises must be at least "
                f"doubtful_broken_promises={self.doubtful_broken_promises}, "
                f"got {self.bad_broken_promises}"
            )
        if self.disputed_doubtful_after_days < 0:
            raise ValueError(
                f"RiskPolicy.disputed_doubtful_after_days must be 0 or more, "
                f"got {self.disputed_doubtful_after_days}"
            )


@dataclass(frozen=True)
class RecoveryStep:
    """Share of the outstanding amount expected to be collected, by age."""

    up_to_days: int | None  # inclusive; None = everything older (must be the last step)
    rate: Decimal  # 0..1


# Recovery falls with age, not with amount: under two years most of it still comes in,
# beyond two years only about a fifth does.
DEFAULT_RECOVERY: tuple[RecoveryStep, ...] = (
    RecoveryStep(0, Decimal("0.99")),
    RecoveryStep(30, Decimal("0.95")),
    RecoveryStep(90, Decimal("0.90")),
    RecoveryStep(365, Decimal("0.85")),
    RecoveryStep(730, Decimal("0.80")),
    RecoveryStep(None, Decimal("0.20")),
)


def validate_recovery(steps: Sequence[RecoveryStep]) -> None:
    """Raise ValueError unless the steps form a usable, non-increasing recovery curve.

    Bounds strictly increase and the last step is open-ended, so every dpd finds exactly one
    rate; rates are Decimals in 0..1 and never rise with age, since an older debt is never
    easier to collect.
    """
    if not steps:
        raise ValueError("recovery: at least one step is required")
    last_index = len(steps) - 1
    for i, step in enumerate(steps):
        if step.up_to_days is None:
            if i != last_index:
                raise ValueError(
                    f"recovery[{i}].up_to_days is None but only the last step may be open-ended"
                )
        elif not _is_int(step.up_to_days):
            raise ValueError(
                f"recovery[{i}].up_to_days must be a whole number or None, got {step.up_to_days!r}"
            )
        elif i == last_index:
            raise ValueError(
                f"recovery[{i}].up_to_days must be None: the last step has to cover every "
                f"older invoice, got {step.up_to_days}"
            )
        if i > 0:
            prev_to = steps[i - 1].up_to_days
            if step.up_to_days is not None and prev_to is not None and step.up_to_days <= prev_to:
                raise ValueError(
                    f"recovery[{i}].up_to_days must be greater than the previous step's "
                    f"{prev_to}, got {step.up_to_days}"
                )
        if not isinstance(step.rate, Decimal) or not step.rate.is_finite():
            raise ValueError(f"recovery[{i}].rate must be a finite Decimal, got {step.rate!r}")
        if not _ZERO <= step.rate <= _ONE:
            raise ValueError(f"recovery[{i}].rate must be between 0 and 1, got {step.rate}")
        if i > 0 and step.rate > steps[i - 1].rate:
            raise ValueError(
                f"recovery[{i}].rate must not exceed the previous step's {steps[i - 1].rate}, "
                f"got {step.rate}"
            )


@dataclass(frozen=True)
class AgingPolicy:
    """All tunables in one value, so a report can record exactly which policy produced it."""

    stages: StagePolicy = StagePolicy()
    buckets: tuple[Bucket, ...] = DEFAULT_BUCKETS
    risk: RiskPolicy = RiskPolicy()
    recovery: tuple[RecoveryStep, ...] = DEFAULT_RECOVERY

    def __post_init__(self) -> None:
        # Config loaders tend to hand over lists; store tuples so the policy stays hashable
        # and cannot be mutated behind the validation below.
        object.__setattr__(self, "buckets", tuple(self.buckets))
        object.__setattr__(self, "recovery", tuple(self.recovery))
        validate_buckets(self.buckets)
        validate_recovery(self.recovery)


_DEFAULT_STAGE_POLICY = StagePolicy()
_DEFAULT_RISK_POLICY = RiskPolicy()
_DEFAULT_AGING_POLICY = AgingPolicy()
