"""playbook.limitation: the 3-year period of arts. 188 and 195, worked examples."""

from __future__ import annotations

from datetime import date

import pytest

from playbook.limitation import add_years, limitation_end, period_start


def test_three_years_from_the_due_date_without_interruptions() -> None:
    assert limitation_end(date(2023, 4, 1), []) == date(2026, 4, 1)


def test_the_latest_interruption_restarts_the_period() -> None:
    # Due 2022-06-30; a statement signed 2023-05-10 and a part payment on 2024-01-15: the
    # period runs from the payment, not the statement nor the due date.
    end = limitation_end(date(2022, 6, 30), [date(2023, 5, 10), date(2024, 1, 15)])
    assert end == date(2027, 1, 15)


def test_an_interruption_before_the_due_date_does_not_move_the_start() -> None:
    # A promise made before the invoice fell due: the period still starts at the due date.
    assert period_start(date(2025, 3, 31), [date(2025, 3, 1), None]) == date(2025, 3, 31)
    assert limitation_end(date(2025, 3, 31), [date(2025, 3, 1)]) == date(2028, 3, 31)


def test_leap_day_becomes_the_28th_of_february() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert limitation_end(date(2023, 1, 31), [date(2024, 2, 29)]) == date(2027, 2, 28)
    # ... but stays 29 February when the end year is a leap year too.
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_other_periods_and_bad_ones() -> None:
    assert limitation_end(date(2020, 5, 5), [], years=2) == date(2022, 5, 5)
    with pytest.raises(ValueError):
        limitation_end(date(2020, 5, 5), [], years=0)
