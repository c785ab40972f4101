from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from playbook.aging import (
    DEFAULT_BUCKETS,
    DEFAULT_RECOVERY,
    AgingPolicy,
    Bucket,
    InvoiceAging,
    Payment,
    RecoveryStep,
    RiskFacts,
    RiskGrade,
    RiskPolicy,
    Stage,
    StagePolicy,
    age_invoice,
    bucket_cutoffs,
    bucket_for,
    days_past_due,
    expected_recovery,
    is_open,
    make_buckets,
    outstanding_as_of,
    priority_score,
    risk_grade,
    stage_for,
    validate_buckets,
    validate_recovery,
    worst_grade,
)

D = Decimal


# --- stages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [
        (-100, Stage.CURRENT),
        (-8, Stage.CURRENT),
        (-7, Stage.PRE_DUE),
        (-1, Stage.PRE_DUE),
        (0, Stage.PRE_DUE),
        (1, Stage.EARLY),
        (30, Stage.EARLY),
        (31, Stage.MID),
        (90, Stage.MID),
        (91, Stage.LATE),
        (5000, Stage.LATE),
    ],
)
def test_stage_default_boundaries(dpd: int, expected: Stage) -> None:
    assert stage_for(dpd) is expected
    assert stage_for(dpd, StagePolicy()) is expected


@pytest.mark.parametrize(
    ("policy", "dpd", "expected"),
    [
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), -4, Stage.CURRENT),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), -3, Stage.PRE_DUE),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 0, Stage.PRE_DUE),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 1, Stage.EARLY),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 14, Stage.EARLY),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 15, Stage.MID),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 59, Stage.MID),
        (StagePolicy(pre_due_days=3, mid_from=15, late_from=60), 60, Stage.LATE),
        # No reminder window: only the due date itself is PRE_DUE.
        (StagePolicy(pre_due_days=0), -1, Stage.CURRENT),
        (StagePolicy(pre_due_days=0), 0, Stage.PRE_DUE),
        # Smallest legal policy: a single EARLY day, a single MID day.
        (StagePolicy(mid_from=2, late_from=3), 1, Stage.EARLY),
        (StagePolicy(mid_from=2, late_from=3), 2, Stage.MID),
        (StagePolicy(mid_from=2, late_from=3), 3, Stage.LATE),
    ],
)
def test_stage_custom_boundaries(policy: StagePolicy, dpd: int, expected: Stage) -> None:
    assert stage_for(dpd, policy) is expected


def test_stage_declaration_order_is_escalation_order() -> None:
    assert list(Stage) == [Stage.CURRENT, Stage.PRE_DUE, Stage.EARLY, Stage.MID, Stage.LATE]


@pytest.mark.parametrize(
    ("stage", "en", "zh"),
    [
        (Stage.CURRENT, "current", "未到期"),
        (Stage.PRE_DUE, "pre-due", "到期前"),
        (Stage.EARLY, "early", "早期"),
        (Stage.MID, "mid", "中期"),
        (Stage.LATE, "late", "后期"),
    ],
)
def test_stage_labels(stage: Stage, en: str, zh: str) -> None:
    assert stage.label() == en
    assert stage.label("en") == en
    assert stage.label("en-US") == en
    assert stage.label("fr") == en
    assert stage.label("zh-CN") == zh
    assert stage.label("zh") == zh
    assert stage.label("zh_TW") == zh
    assert stage.label("ZH-Hans") == zh


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("current", Stage.CURRENT),
        ("CURRENT", Stage.CURRENT),
        ("  Current ", Stage.CURRENT),
        ("未到期", Stage.CURRENT),
        ("pre_due", Stage.PRE_DUE),
        ("pre-due", Stage.PRE_DUE),
        ("Pre-Due", Stage.PRE_DUE),
        ("predue", Stage.PRE_DUE),
        ("PREDUE", Stage.PRE_DUE),
        ("pre due", Stage.PRE_DUE),
        ("到期前", Stage.PRE_DUE),
        ("early", Stage.EARLY),
        ("Early", Stage.EARLY),
        ("早期", Stage.EARLY),
        ("mid", Stage.MID),
        ("中期", Stage.MID),
        ("LATE", Stage.LATE),
        ("后期", Stage.LATE),
    ],
)
def test_stage_parse(text: str, expected: Stage) -> None:
    assert Stage.parse(text) is expected


@pytest.mark.parametrize("text", ["", "overdue", "latest", "pre", "中", "1-30"])
def test_stage_parse_rejects_unknown_and_lists_valid_names(text: str) -> None:
    with pytest.raises(ValueError, match="unknown stage") as info:
        Stage.parse(text)
    message = str(info.value)
    for stage in Stage:
        assert stage.value in message
        assert stage.label("zh") in message


def test_stage_parse_round_trips_every_label() -> None:
    for stage in Stage:
        for text in (stage.value, stage.label("en"), stage.label("zh-CN")):
            assert Stage.parse(text) is stage


# --- risk grades ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "severity", "en", "zh"),
    [
        (RiskGrade.NOT_DUE, 0, "not yet due", "未收款"),
        (RiskGrade.IN_COLLECTION, 1, "in collection", "催收款"),
        (RiskGrade.DOUBTFUL, 2, "doubtful", "准呆账"),
        (RiskGrade.BAD, 3, "bad", "呆账"),
        (RiskGrade.DEAD, 4, "dead", "死账"),
    ],
)
def test_risk_grade_severity_and_labels(grade: RiskGrade, severity: int, en: str, zh: str) -> None:
    assert grade.severity == severity
    assert grade.label() == en
    assert grade.label("en") == en
    assert grade.label("zh-CN") == zh
    assert grade.label("zh") == zh


@pytest.mark.parametrize(
    ("grades", "expected"),
    [
        ([], None),
        ([RiskGrade.NOT_DUE], RiskGrade.NOT_DUE),
        ([RiskGrade.DOUBTFUL, RiskGrade.IN_COLLECTION], RiskGrade.DOUBTFUL),
        # Alphabetically "bad" < "dead" < "doubtful" < "in_collection"; severity must win.
        ([RiskGrade.IN_COLLECTION, RiskGrade.BAD, RiskGrade.DOUBTFUL], RiskGrade.BAD),
        ([RiskGrade.DEAD, RiskGrade.NOT_DUE, RiskGrade.BAD], RiskGrade.DEAD),
    ],
)
def test_worst_grade(grades: list[RiskGrade], expected: RiskGrade | None) -> None:
    assert worst_grade(grades) is expected
    assert worst_grade(iter(grades)) is expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Age alone.
        (RiskFacts(-30), RiskGrade.NOT_DUE),
        (RiskFacts(0), RiskGrade.NOT_DUE),
        (RiskFacts(1), RiskGrade.IN_COLLECTION),
        (RiskFacts(179), RiskGrade.IN_COLLECTION),
        (RiskFacts(180), RiskGrade.DOUBTFUL),
        (RiskFacts(364), RiskGrade.DOUBTFUL),
        (RiskFacts(365), RiskGrade.BAD),
        (RiskFacts(729), RiskGrade.BAD),
        (RiskFacts(730), RiskGrade.DEAD),
        # Broken promises.
        (RiskFacts(10, broken_promises=1), RiskGrade.IN_COLLECTION),
        (RiskFacts(10, broken_promises=2), RiskGrade.DOUBTFUL),
        (RiskFacts(10, broken_promises=3), RiskGrade.DOUBTFUL),
        (RiskFacts(10, broken_promises=4), RiskGrade.BAD),
        (RiskFacts(-3, broken_promises=2), RiskGrade.DOUBTFUL),
        # Disputes only count once they have dragged on.
        (RiskFacts(89, disputed=True), RiskGrade.IN_COLLECTION),
        (RiskFacts(90, disputed=True), RiskGrade.DOUBTFUL),
        (RiskFacts(-5, disputed=True), RiskGrade.NOT_DUE),
        (RiskFacts(400, disputed=True), RiskGrade.BAD),
        # Events, including before the due date.
        (RiskFacts(-10, insolvent=True), RiskGrade.BAD),
        (RiskFacts(5, insolvent=True), RiskGrade.BAD),
        (RiskFacts(800, insolvent=True), RiskGrade.DEAD),
        (RiskFacts(-10, dissolved=True), RiskGrade.DEAD),
        (RiskFacts(5, dissolved=True), RiskGrade.DEAD),
        # Combinations: the worst rule wins.
        (RiskFacts(200, broken_promises=4), RiskGrade.BAD),
        (RiskFacts(100, broken_promises=2, disputed=True), RiskGrade.DOUBTFUL),
        (RiskFacts(5, broken_promises=5, insolvent=True, dissolved=True), RiskGrade.DEAD),
        (RiskFacts(200, broken_promises=1, disputed=True, insolvent=True), RiskGrade.BAD),
    ],
)
def test_risk_grade_default_rules(facts: RiskFacts, expected: RiskGrade) -> None:
    assert risk_grade(facts) is expected


CUSTOM_RISK = RiskPolicy(
    doubtful_after_days=60,
    bad_after_days=120,
    dead_after_days=240,
    doubtful_broken_promises=1,
    bad_broken_promises=1,
    disputed_doubtful_after_days=0,
)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (RiskFacts(59), RiskGrade.IN_COLLECTION),
        (RiskFacts(60), RiskGrade.DOUBTFUL),
        (RiskFacts(119), RiskGrade.DOUBTFUL),
        (RiskFacts(120), RiskGrade.BAD),
        (RiskFacts(239), RiskGrade.BAD),
        (RiskFacts(240), RiskGrade.DEAD),
        (RiskFacts(3, broken_promises=1), RiskGrade.BAD),
        (RiskFacts(-1, disputed=True), RiskGrade.NOT_DUE),
        (RiskFacts(0, disputed=True), RiskGrade.DOUBTFUL),
    ],
)
def test_risk_grade_custom_thresholds(facts: RiskFacts, expected: RiskGrade) -> None:
    assert risk_grade(facts, CUSTOM_RISK) is expected


def test_risk_facts_rejects_negative_promises() -> None:
    with pytest.raises(ValueError, match="broken_promises"):
        RiskFacts(10, broken_promises=-1)


# --- policy validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pre_due_days": -1}, "pre_due_days"),
        ({"mid_from": 1}, "mid_from"),
        ({"mid_from": 0}, "mid_from"),
        ({"mid_from": 91, "late_from": 91}, "late_from"),
        ({"mid_from": 50, "late_from": 40}, "late_from"),
    ],
)
def test_stage_policy_invalid(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=rf"StagePolicy\.{field}"):
        StagePolicy(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"doubtful_after_days": 0}, "doubtful_after_days"),
        ({"doubtful_after_days": -5}, "doubtful_after_days"),
        ({"bad_after_days": 180}, "bad_after_days"),
        ({"bad_after_days": 100}, "bad_after_days"),
        ({"dead_after_days": 365}, "dead_after_days"),
        ({"doubtful_broken_promises": 0}, "doubtful_broken_promises"),
        ({"bad_broken_promises": 1}, "bad_broken_promises"),
        ({"disputed_doubtful_after_days": -1}, "disputed_doubtful_after_days"),
    ],
)
def test_risk_policy_invalid(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=rf"RiskPolicy\.{field}"):
        RiskPolicy(**kwargs)


def test_risk_policy_equal_promise_thresholds_allowed() -> None:
    assert RiskPolicy(doubtful_broken_promises=3, bad_broken_promises=3).bad_broken_promises == 3


# --- buckets --------------------------------------------------------------------------------


def test_default_buckets_shape() -> None:
    assert list(DEFAULT_BUCKETS) == [
        Bucket("Current", None, 0),
        Bucket("1-30", 1, 30),
        Bucket("31-60", 31, 60),
        Bucket("61-90", 61, 90),
        Bucket("91-180", 91, 180),
        Bucket("181-365", 181, 365),
        Bucket("365+", 366, None),
    ]
    assert make_buckets([30, 60, 90, 180, 365]) == DEFAULT_BUCKETS


@pytest.mark.parametrize(
    ("bounds", "labels"),
    [
        ([7], ["Current", "1-7", "7+"]),
        ([1, 2], ["Current", "1-1", "2-2", "2+"]),
        ((15, 45), ["Current", "1-15", "16-45", "45+"]),
    ],
)
def test_make_buckets_labels(bounds: list[int], labels: list[str]) -> None:
    buckets = make_buckets(bounds)
    assert [b.label for b in buckets] == labels
    validate_buckets(buckets)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ([], "at least one bound"),
        ([0, 30], "positive"),
        ([-5], "positive"),
        ([30, 30], "strictly increasing"),
        ([30, 60, 45], "strictly increasing"),
        ([True, 30], "positive whole number"),
    ],
)
def test_make_buckets_invalid(bounds: list[Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_buckets(bounds)


@pytest.mark.parametrize(
    ("dpd", "label"),
    [
        (-30, "Current"),
        (0, "Current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (90, "61-90"),
        (91, "91-180"),
        (365, "181-365"),
        (366, "365+"),
        (10_000, "365+"),
    ],
)
def test_bucket_boundaries(dpd: int, label: str) -> None:
    assert bucket_for(dpd, DEFAULT_BUCKETS).label == label


def test_bucket_for_gap_raises() -> None:
    with pytest.raises(ValueError, match="no bucket"):
        bucket_for(40, (Bucket("Current", None, 0), Bucket("1-30", 1, 30)))


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        ((), "at least one bucket"),
        ((Bucket("1-30", 1, 30), Bucket("30+", 31, None)), "first bucket"),
        ((Bucket("Current", None, 0), Bucket("1-30", 1, 30)), "last bucket"),
        ((Bucket("Current", None, 0), Bucket("2+", 2, None)), "days_from=2 must be 1"),
        ((Bucket("Current", None, 0), Bucket("x", 1, None), Bucket("y", 5, None)), "only the last"),
        (
            (Bucket("Current", None, 0), Bucket("x", None, 9), Bucket("y", 10, None)),
            "only the first",
        ),
        ((Bucket("Current", None, 0), Bucket("x", 1, 0), Bucket("y", 1, None)), "is after"),
    ],
)
def test_validate_buckets_invalid(buckets: tuple[Bucket, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_buckets(buckets)
    with pytest.raises(ValueError, match=message):
        AgingPolicy(buckets=buckets)


def test_validate_buckets_single_open_bucket() -> None:
    validate_buckets((Bucket("All", None, None),))


def test_bucket_cutoffs_examples() -> None:
    as_of = date(2024, 6, 30)
    cutoffs = {b.label: (lo, hi) for b, lo, hi in bucket_cutoffs(as_of, DEFAULT_BUCKETS)}
    assert cutoffs["Current"] == (as_of, None)
    assert cutoffs["1-30"] == (date(2024, 5, 31), date(2024, 6, 29))
    assert cutoffs["365+"] == (None, as_of - timedelta(days=366))
    assert list(cutoffs) == [b.label for b in DEFAULT_BUCKETS]


@pytest.mark.parametrize(
    "buckets",
    [DEFAULT_BUCKETS, make_buckets([1, 7, 400]), make_buckets([30])],
    ids=["default", "custom", "single"],
)
def test_bucket_cutoffs_agree_with_bucket_for(buckets: tuple[Bucket, ...]) -> None:
    as_of = date(2024, 2, 29)
    cutoffs = bucket_cutoffs(as_of, buckets)
    for dpd in range(-10, 801):
        due = as_of - timedelta(days=dpd)
        matching = [
            bucket
            for bucket, earliest, latest in cutoffs
            if (earliest is None or due >= earliest) and (latest is None or due <= latest)
        ]
        assert matching == [bucket_for(dpd, buckets)], dpd


# --- balances and the life of one invoice ---------------------------------------------------

ISSUED = date(2024, 1, 10)
DUE = date(2024, 2, 9)
AMOUNT = D("1000.00")


def aging(as_of: date, payments: Iterable[Payment], **kwargs: Any) -> InvoiceAging | None:
    return age_invoice(
        issue_date=kwargs.pop("issue_date", ISSUED),
        due_date=kwargs.pop("due_date", DUE),
        amount=kwargs.pop("amount", AMOUNT),
        payments=payments,
        as_of=as_of,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("due", "as_of", "dpd"),
    [
        (date(2024, 2, 9), date(2024, 2, 2), -7),
        (date(2024, 2, 9), date(2024, 2, 9), 0),
        (date(2024, 2, 9), date(2024, 2, 10), 1),
        (date(2024, 2, 28), date(2024, 3, 1), 2),  # leap year
        (date(2023, 12, 31), date(2024, 12, 31), 366),
    ],
)
def test_days_past_due(due: date, as_of: date, dpd: int) -> None:
    assert days_past_due(due, as_of) == dpd


@pytest.mark.parametrize(
    ("as_of", "dpd", "stage", "bucket", "risk"),
    [
        (date(2024, 1, 10), -30, Stage.CURRENT, "Current", RiskGrade.NOT_DUE),  # issue date
        (date(2024, 2, 1), -8, Stage.CURRENT, "Current", RiskGrade.NOT_DUE),
        (date(2024, 2, 2), -7, Stage.PRE_DUE, "Current", RiskGrade.NOT_DUE),
        (date(2024, 2, 9), 0, Stage.PRE_DUE, "Current", RiskGrade.NOT_DUE),  # due date
        (date(2024, 2, 10), 1, Stage.EARLY, "1-30", RiskGrade.IN_COLLECTION),
        (date(2024, 3, 11), 31, Stage.MID, "31-60", RiskGrade.IN_COLLECTION),
        (date(2024, 5, 10), 91, Stage.LATE, "91-180", RiskGrade.IN_COLLECTION),
        (date(2024, 8, 7), 180, Stage.LATE, "91-180", RiskGrade.DOUBTFUL),
        (date(2025, 2, 9), 366, Stage.LATE, "365+", RiskGrade.BAD),
        (date(2026, 2, 9), 731, Stage.LATE, "365+", RiskGrade.DEAD),
    ],
)
def test_unpaid_invoice_over_time(
    as_of: date, dpd: int, stage: Stage, bucket: str, risk: RiskGrade
) -> None:
    result = aging(as_of, [])
    assert result is not None
    assert result.outstanding == AMOUNT
    assert result.days_past_due == dpd
    assert result.stage is stage
    assert result.bucket.label == bucket
    assert result.risk is risk
    assert result.recovery_rate == expected_recovery(dpd)
    assert result.priority == priority_score(AMOUNT, RiskFacts(dpd))


def test_not_open_before_issue() -> None:
    assert aging(date(2024, 1, 9), []) is None
    assert not is_open(ISSUED, AMOUNT, [], date(2024, 1, 9))
    assert is_open(ISSUED, AMOUNT, [], ISSUED)


PAID_IN_FULL = [Payment(date(2024, 3, 1), D("1000.00"))]


@pytest.mark.parametrize(
    ("as_of", "open_"),
    [
        (date(2024, 2, 29), True),  # the day before settlement
        (date(2024, 3, 1), False),  # paid on D: not open on D
        (date(2024, 3, 2), False),
        (date(2025, 1, 1), False),
    ],
)
def test_settlement_relative_to_as_of(as_of: date, open_: bool) -> None:
    assert is_open(ISSUED, AMOUNT, PAID_IN_FULL, as_of) is open_
    assert (aging(as_of, PAID_IN_FULL) is not None) is open_


PARTIAL = [Payment(date(2024, 2, 15), D("300.00")), Payment(date(2024, 3, 10), D("200.50"))]


@pytest.mark.parametrize(
    ("as_of", "outstanding"),
    [
        (date(2024, 2, 14), D("1000.00")),
        (date(2024, 2, 15), D("700.00")),
        (date(2024, 3, 9), D("700.00")),
        (date(2024, 3, 10), D("499.50")),
        (date(2024, 12, 31), D("499.50")),
    ],
)
def test_partial_payments(as_of: date, outstanding: Decimal) -> None:
    assert outstanding_as_of(AMOUNT, PARTIAL, as_of) == outstanding
    result = aging(as_of, PARTIAL)
    assert result is not None
    assert result.outstanding == outstanding


def test_partial_payment_amounts() -> None:
    result = aging(date(2024, 2, 15), PARTIAL)
    assert result is not None
    assert result.days_past_due == 6
    assert result.recovery_rate == D("0.95")
    assert result.expected_amount == D("665.00")
    assert result.priority == D("665.00")


def test_expected_amount_rounds_half_up() -> None:
    # 1,234.30 × 0.95 = 1,172.585; half-even would give 1,172.58.
    result = aging(date(2024, 2, 19), [], amount=D("1234.30"))
    assert result is not None
    assert result.days_past_due == 10
    assert result.expected_amount == D("1172.59")


def test_payments_iterator_is_read_once_safely() -> None:
    result = aging(date(2024, 3, 10), iter(PARTIAL))
    assert result is not None
    assert result.outstanding == D("499.50")


def test_overpayment_stays_open_as_credit_and_scores_zero() -> None:
    payments = [Payment(date(2024, 2, 20), D("1000.50"))]
    assert is_open(ISSUED, AMOUNT, payments, date(2024, 2, 19))
    result = aging(date(2024, 2, 20), payments)
    assert result is not None
    assert result.outstanding == D("-0.50")
    assert result.priority == D("0.00")


REVERSED = [Payment(date(2024, 3, 1), D("1000.00")), Payment(date(2024, 3, 5), D("-1000.00"))]


@pytest.mark.parametrize(
    ("as_of", "outstanding"),
    [
        (date(2024, 2, 29), D("1000.00")),
        (date(2024, 3, 1), None),
        (date(2024, 3, 4), None),
        (date(2024, 3, 5), D("1000.00")),  # bounced: open again
        (date(2024, 4, 1), D("1000.00")),
    ],
)
def test_reversal_reopens(as_of: date, outstanding: Decimal | None) -> None:
    result = aging(as_of, REVERSED)
    if outstanding is None:
        assert result is None
    else:
        assert result is not None
        assert result.outstanding == outstanding


CREDIT_ISSUED = date(2024, 3, 1)
CREDIT_AMOUNT = D("-250.00")
CREDIT_APPLIED = [
    Payment(date(2024, 3, 10), D("-100.00")),
    Payment(date(2024, 3, 20), D("-150.00")),
]


@pytest.mark.parametrize(
    ("as_of", "outstanding"),
    [
        (date(2024, 2, 29), None),  # before it was issued
        (CREDIT_ISSUED, D("-250.00")),
        (date(2024, 3, 9), D("-250.00")),
        (date(2024, 3, 10), D("-150.00")),  # partly applied
        (date(2024, 3, 19), D("-150.00")),
        (date(2024, 3, 20), None),  # fully applied
        (date(2024, 6, 1), None),
    ],
)
def test_credit_note_open_until_applied(as_of: date, outstanding: Decimal | None) -> None:
    result = aging(
        as_of,
        CREDIT_APPLIED,
        issue_date=CREDIT_ISSUED,
        due_date=CREDIT_ISSUED,
        amount=CREDIT_AMOUNT,
    )
    assert is_open(CREDIT_ISSUED, CREDIT_AMOUNT, CREDIT_APPLIED, as_of) is (outstanding is not None)
    if outstanding is None:
        assert result is None
    else:
        assert result is not None
        assert result.outstanding == outstanding
        assert result.priority == D("0.00")  # nothing to chase on a credit


def test_age_invoice_passes_facts_and_policy_through() -> None:
    policy = AgingPolicy(
        stages=StagePolicy(mid_from=15, late_from=60),
        buckets=make_buckets([15, 60]),
        risk=RiskPolicy(doubtful_after_days=20, bad_after_days=40, dead_after_days=80),
    )
    result = aging(date(2024, 3, 10), [], policy=policy, broken_promises=1, disputed=True)
    assert result is not None
    assert result.days_past_due == 30
    assert result.stage is Stage.MID
    assert result.bucket.label == "16-60"
    assert result.risk is RiskGrade.DOUBTFUL
    # 1000 × 0.95 × 1.6 (MID) × 1.25 (one broken promise) × 0.6 (disputed)
    assert result.priority == D("1140.00")

    dead = aging(date(2024, 2, 1), [], insolvent=True, dissolved=True)
    assert dead is not None
    assert dead.risk is RiskGrade.DEAD


# --- recovery -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dpd", "rate"),
    [
        (-30, "0.99"),
        (0, "0.99"),
        (1, "0.95"),
        (30, "0.95"),
        (31, "0.90"),
        (90, "0.90"),
        (91, "0.85"),
        (365, "0.85"),
        (366, "0.80"),
        (730, "0.80"),
        (731, "0.20"),
        (10_000, "0.20"),
    ],
)
def test_expected_recovery_default_steps(dpd: int, rate: str) -> None:
    assert expected_recovery(dpd) == D(rate)
    assert expected_recovery(dpd, DEFAULT_RECOVERY) == D(rate)


def test_expected_recovery_custom_steps() -> None:
    steps = (RecoveryStep(60, D("0.7")), RecoveryStep(None, D("0.1")))
    validate_recovery(steps)
    assert expected_recovery(60, steps) == D("0.7")
    assert expected_recovery(61, steps) == D("0.1")


def test_expected_recovery_without_open_step_raises() -> None:
    with pytest.raises(ValueError, match="up_to_days=None"):
        expected_recovery(100, (RecoveryStep(30, D("0.9")),))


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "at least one step"),
        ((RecoveryStep(30, D("0.9")),), r"recovery\[0\]\.up_to_days must be None"),
        (
            (RecoveryStep(None, D("0.9")), RecoveryStep(None, D("0.5"))),
            r"recovery\[0\]\.up_to_days is None",
        ),
        (
            (RecoveryStep(30, D("0.9")), RecoveryStep(30, D("0.8")), RecoveryStep(None, D("0.1"))),
            r"recovery\[1\]\.up_to_days must be greater",
        ),
        (
            (RecoveryStep(30, D("0.9")), RecoveryStep(10, D("0.8")), RecoveryStep(None, D("0.1"))),
            r"recovery\[1\]\.up_to_days must be greater",
        ),
        ((RecoveryStep(None, D("1.01")),), r"recovery\[0\]\.rate must be between 0 and 1"),
        ((RecoveryStep(None, D("-0.1")),), r"recovery\[0\]\.rate must be between 0 and 1"),
        (
            (RecoveryStep(30, D("0.5")), RecoveryStep(None, D("0.6"))),
            r"recovery\[1\]\.rate must not exceed",
        ),
        ((RecoveryStep(None, 0.5),), r"recovery\[0\]\.rate must be a finite Decimal"),  # type: ignore[arg-type]
        ((RecoveryStep(None, D("NaN")),), r"recovery\[0\]\.rate must be a finite Decimal"),
    ],
)
def test_validate_recovery_invalid(steps: tuple[RecoveryStep, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_recovery(steps)
    with pytest.raises(ValueError, match=message):
        AgingPolicy(recovery=steps)


def test_validate_recovery_accepts_defaults_and_flat_curves() -> None:
    validate_recovery(DEFAULT_RECOVERY)
    validate_recovery(
        (RecoveryStep(-8, D("1")), RecoveryStep(0, D("1")), RecoveryStep(None, D("0")))
    )


def test_aging_policy_normalises_lists_to_tuples() -> None:
    policy = AgingPolicy(
        buckets=list(DEFAULT_BUCKETS),  # type: ignore[arg-type]
        recovery=list(DEFAULT_RECOVERY),  # type: ignore[arg-type]
    )
    assert policy == AgingPolicy()
    assert hash(policy) == hash(AgingPolicy())


# --- priority -------------------------------------------------------------------------------

TEN_K = D("10000.00")


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ((TEN_K, RiskFacts(45)), (TEN_K, RiskFacts(10))),
        ((D("100000.00"), RiskFacts(10)), (TEN_K, RiskFacts(200))),
        ((TEN_K, RiskFacts(45)), (TEN_K, RiskFacts(45, disputed=True))),
        ((TEN_K, RiskFacts(45, broken_promises=1)), (TEN_K, RiskFacts(45))),
        ((TEN_K, RiskFacts(100)), (TEN_K, RiskFacts(3 * 365))),
        ((TEN_K, RiskFacts(1)), (TEN_K, RiskFacts(-3))),
        ((TEN_K, RiskFacts(-3)), (TEN_K, RiskFacts(-30))),
        ((TEN_K, RiskFacts(200)), (TEN_K, RiskFacts(200, insolvent=True))),
        ((TEN_K, RiskFacts(200, insolvent=True)), (TEN_K, RiskFacts(200, dissolved=True))),
        ((TEN_K, RiskFacts(300)), (TEN_K, RiskFacts(400))),  # turned bad: less to gain
        ((D("10000.01"), RiskFacts(45)), (TEN_K, RiskFacts(45))),
    ],
)
def test_priority_order(
    higher: tuple[Decimal, RiskFacts], lower: tuple[Decimal, RiskFacts]
) -> None:
    assert priority_score(*higher) > priority_score(*lower)


def test_priority_order_sorts_a_worklist() -> None:
    items = {
        "pre-due 10k": (TEN_K, RiskFacts(-3)),
        "10 days 10k": (TEN_K, RiskFacts(10)),
        "45 days 10k": (TEN_K, RiskFacts(45)),
        "3 years 10k": (TEN_K, RiskFacts(3 * 365)),
        "10 days 100k": (D("100000.00"), RiskFacts(10)),
    }
    ranked = sorted(items, key=lambda k: priority_score(*items[k]), reverse=True)
    assert ranked == ["10 days 100k", "45 days 10k", "10 days 10k", "pre-due 10k", "3 years 10k"]


@pytest.mark.parametrize(
    ("outstanding", "facts", "score"),
    [
        # 12,345.67 × 0.90 × 1.6 × 1.25 = 22,222.206
        (D("12345.67"), RiskFacts(45, broken_promises=1), D("22222.21")),
        # 1,234.30 × 0.95 × 1.0 = 1,172.585: half-up (half-even would give 1,172.58)
        (D("1234.30"), RiskFacts(10), D("1172.59")),
        # 8,000.05 × 0.80 × 1.5 × 0.6 × 0.5 = 2,880.018
        (D("8000.05"), RiskFacts(400, disputed=True, insolvent=True), D("2880.02")),
        # 10,000 × 0.99 × 0.05
        (TEN_K, RiskFacts(-20), D("495.00")),
        # 10,000 × 0.99 × 0.3
        (TEN_K, RiskFacts(-7), D("2970.00")),
        # 10,000 × 0.20 × 0.5 × 2.0 (promises capped at 4) × 0.1
        (TEN_K, RiskFacts(3 * 365, broken_promises=9, dissolved=True), D("200.00")),
        (D("0"), RiskFacts(45), D("0.00")),
        (D("-50.00"), RiskFacts(45), D("0.00")),
    ],
)
def test_priority_exact_values(outstanding: Decimal, facts: RiskFacts, score: Decimal) -> None:
    result = priority_score(outstanding, facts)
    assert result == score
    assert result.as_tuple().exponent == -2  # always to the cent


@pytest.mark.parametrize(
    ("dpd", "score"),
    [
        (90, "144.00"),  # MID: 0.90 × 1.6
        (91, "170.00"),  # LATE before bad: 0.85 × 2.0
        (364, "170.00"),
        (365, "127.50"),  # LATE, bad: 0.85 × 1.5
        (366, "120.00"),  # 0.80 × 1.5
        (729, "120.00"),
        (730, "40.00"),  # LATE, dead: 0.80 × 0.5
        (731, "10.00"),  # 0.20 × 0.5
    ],
)
def test_priority_late_urgency_steps(dpd: int, score: str) -> None:
    assert priority_score(D("100"), RiskFacts(dpd)) == D(score)


def test_priority_broken_promise_cap() -> None:
    four = priority_score(TEN_K, RiskFacts(45, broken_promises=4))
    assert four == priority_score(TEN_K, RiskFacts(45, broken_promises=10))
    assert four == 2 * priority_score(TEN_K, RiskFacts(45))


def test_priority_uses_policy_thresholds() -> None:
    policy = AgingPolicy(
        stages=StagePolicy(late_from=40),
        risk=RiskPolicy(doubtful_after_days=50, bad_after_days=60, dead_after_days=70),
    )
    # 45 dpd is LATE under this policy, before bad: 0.90 × 2.0
    assert priority_score(D("100"), RiskFacts(45), policy) == D("180.00")
    # 65 dpd: after bad: 0.90 × 1.5; 70 dpd: dead: 0.90 × 0.5
    assert priority_score(D("100"), RiskFacts(65), policy) == D("135.00")
    assert priority_score(D("100"), RiskFacts(70), policy) == D("45.00")
