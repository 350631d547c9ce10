"""Shared derived quantities, checked against hand-computed values."""

import pandas as pd
import pytest

from socialanalyse.data.derived import (
    annual_cost,
    days_in_period,
    expected_payments,
    followup_due,
    helaarspersoner,
    is_active,
    level_at,
    reference_date,
)


@pytest.fixture
def grants() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bevilling_id": ["1", "2", "3"],
            "borger_id": ["a", "a", "b"],
            "startdato": pd.to_datetime(["2024-12-17", "2023-03-01", "2024-07-01"]),
            "slutdato": pd.to_datetime([None, "2025-01-31", "2024-09-30"]),
            "enhed": ["doegn", "maaned", "time"],
            "enhedspris": [2000.0, 10000.0, 600.0],
            "omfang": [7.0, 1.0, 5.0],
            "tillaeg": [0.0, 310.0, 0.0],
        }
    )


def test_annual_cost(grants):
    cost = annual_cost(grants)
    # 2000 kr × 7 days × 365.25/7 weeks = 730,500; 10,000 × 12 + 310 × 12 = 123,720;
    # 600 kr × 5 hours × 52.1786 weeks = 156,535.71
    assert cost.tolist() == pytest.approx([730_500.0, 123_720.0, 156_535.714], rel=1e-6)


def test_is_active_and_days(grants):
    assert is_active(grants, "2025-01-31").tolist() == [True, True, False]
    assert is_active(grants, "2025-02-01").tolist() == [True, False, False]
    # In 2024: grant 1 from 17 Dec = 15 days; grant 2 all year (leap) = 366; grant 3 Jul-Sep = 92
    assert days_in_period(grants, "2024-01-01", "2024-12-31").tolist() == [15, 366, 92]
    assert helaarspersoner(grants, 2024).tolist() == pytest.approx([15 / 366, 1.0, 92 / 366])


def test_expected_payments_hand_computed(grants):
    out = expected_payments(grants, "2024-11-01", "2025-02-01", prisindeks=0.10)
    got = {(r.bevilling_id, r.periode.strftime("%Y-%m")): r.forventet for r in out.itertuples()}
    assert got == pytest.approx(
        {
            ("1", "2024-12"): 15 * 2000.0,  # 17-31 Dec
            ("1", "2025-01"): 31 * 2200.0,  # regulated 10 % on 1 January
            ("1", "2025-02"): 28 * 2200.0,
            ("2", "2024-11"): 10000 * 1.1 + 310,  # one year of regulation since 2023
            ("2", "2024-12"): 10000 * 1.1 + 310,
            ("2", "2025-01"): 10000 * 1.21 + 310,
        }
    )


def test_level_at_takes_latest_assessment_before_date():
    v = pd.DataFrame(
        {
            "borger_id": ["a", "a", "a", "a"],
            "dato": pd.to_datetime(["2023-06-01", "2023-06-01", "2024-06-01", "2024-06-01"]),
            "tema": ["Egenomsorg", "Relationer", "Egenomsorg", "Relationer"],
            "niveau": [3, 4, 2, 2],
        }
    )
    ids = pd.Series(["a", "a", "b"], index=[10, 11, 12])
    on = pd.Series(pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-01"]), index=[10, 11, 12])
    got = level_at(v, ids, on)
    assert got.loc[10] == 3.5  # mean of 3 and 4 at the 2023 assessment
    assert got.loc[11] == 2.0  # the assessment on the day itself counts
    assert pd.isna(got.loc[12])  # no assessment for b
    assert level_at(v, ids, on, tema="Egenomsorg").loc[10] == 3


def test_reference_date_is_last_day_of_latest_paid_month():
    bet = pd.DataFrame({"periode": pd.to_datetime(["2026-09-01", "2026-10-01", None])})
    assert reference_date(bet) == pd.Timestamp("2026-10-31")
    assert reference_date(bet.iloc[[2]]) is None


def test_followup_due_adds_calendar_months_per_paragraph():
    since = pd.Series(pd.to_datetime(["2025-01-31", "2024-01-31", "2025-08-31", "2025-03-15"]))
    paragraf = pd.Series(["§85x", "§85x", "§107", "§108"])
    due, months = followup_due(since, paragraf, {"§107": 6, "§85x": 1, "standard": 12})
    assert months.tolist() == [1, 1, 6, 12]
    # End of month is clipped: 31.01 + 1 month is 28.02 (29.02 in a leap year).
    assert due.tolist() == [pd.Timestamp("2025-02-28"), pd.Timestamp("2024-02-29"),
                            pd.Timestamp("2026-02-28"), pd.Timestamp("2026-03-15")]
