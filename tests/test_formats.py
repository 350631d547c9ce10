"""Danish value parsing (socialanalyse.data.formats), cell by cell against hand-written values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse.data import formats as fmt


def text(*values) -> pd.Series:
    return pd.Series(list(values), dtype="str")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1.234,50", 1234.5),
        ("-1.234,50", -1234.5),
        ("1.234,50-", -1234.5),  # trailing minus (finance systems)
        ("1 234,50", 1234.5),  # space as thousand separator
        ("1\u00a0234,50", 1234.5),  # no-break space
        ("kr. 1.234,50", 1234.5),
        ("1.234,50 kr.", 1234.5),
        ("1.234.567,5", 1234567.5),
        ("\u22121.234,50", -1234.5),  # Unicode minus
        ("0,5", 0.5),
        ("12", 12.0),
    ],
)
def test_danish_amounts(raw, expected):
    values, bad = fmt.parse_numbers(text(raw, "1,0"))  # the comma makes the column Danish
    assert values.iloc[0] == pytest.approx(expected)
    assert not bad.any()


def test_decimal_point_when_no_commas_and_dots_are_not_thousand_groups():
    values, bad = fmt.parse_numbers(text("1234.50", "10.25", "7"))
    assert values.tolist() == [1234.5, 10.25, 7.0] and not bad.any()


def test_thousand_dots_without_decimals():
    values, bad = fmt.parse_numbers(text("12.500", "1.000.000", "30"))
    assert values.tolist() == [12500.0, 1000000.0, 30.0] and not bad.any()


def test_bad_amounts_are_located_and_empty_is_missing_not_bad():
    values, bad = fmt.parse_numbers(text("1.234,50", "ca. 500", "", None, "1,234.50", "12,5,3"))
    assert bad.tolist() == [False, True, False, False, True, True]
    assert values.isna().tolist() == [False, True, True, True, True, True]


def test_integers_refuse_decimals():
    values, bad = fmt.parse_numbers(text("1980", "1980,5", "1.980"), integer=True)
    assert bad.tolist() == [False, True, False]
    assert values.tolist()[2] == 1980.0


def test_numbers_from_excel_cells_keep_their_value():
    values, bad = fmt.parse_numbers(pd.Series([1850.5, "450,00", 3200, None], dtype=object))
    assert values.tolist()[:3] == [1850.5, 450.0, 3200.0] and np.isnan(values.iloc[3])
    assert not bad.any()


@settings(deadline=None)  # timing varies on a shared CI machine
@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_danish_formatting_round_trips(number):
    # Format as a Danish export does: thousand dots, decimal comma, two decimals.
    formatted = f"{number:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    values, bad = fmt.parse_numbers(text(formatted))
    assert not bad.any()
    assert values.iloc[0] == pytest.approx(float(number), abs=1e-9)


@pytest.mark.parametrize(
    "raw",
    ["31-12-2025", "31.12.2025", "31/12/2025", "2025-12-31", "2025-12-31 00:00:00",
     "2025-12-31T00:00:00", "31-12-2025 00:00", " 31-12-2025 "],
)
def test_date_forms(raw):
    values, bad, impossible, _, _ = fmt.parse_dates(text(raw))
    assert values.iloc[0] == pd.Timestamp(2025, 12, 31)
    assert not bad.any() and not impossible.any()


def test_bad_and_impossible_dates_are_told_apart():
    values, bad, impossible, _, _ = fmt.parse_dates(text("31-02-2025", "i går", "", "2025-13-01",
                                                   "01-01-2025"))
    assert bad.tolist() == [False, True, False, False, False]
    assert impossible.tolist() == [True, False, False, True, False]
    assert values.isna().tolist() == [True, True, True, True, False]


def test_month_forms_only_when_asked():
    values, bad, *_ = fmt.parse_dates(text("2025-03", "04-2025"), month=True)
    assert values.tolist() == [pd.Timestamp(2025, 3, 1), pd.Timestamp(2025, 4, 1)]
    _, bad, *_ = fmt.parse_dates(text("2025-03"))
    assert bad.tolist() == [True]


def test_fixed_date_format():
    values, bad, *_ = fmt.parse_dates(text("31-12-25", "2025-12-31"), fmt="%d-%m-%y")
    assert values.iloc[0] == pd.Timestamp(2025, 12, 31)
    assert bad.tolist() == [False, True]


def test_excel_date_cells_and_typed_columns():
    cells = pd.Series([dt.datetime(2025, 1, 1), "15-03-2025", None], dtype=object)
    values, bad, *_ = fmt.parse_dates(cells)
    assert not bad.any()
    assert values.tolist()[:2] == [pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 3, 15)]
    typed = pd.Series(pd.to_datetime(["2025-01-01 13:45"]))
    assert fmt.parse_dates(typed)[0].iloc[0] == pd.Timestamp(2025, 1, 1)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (["ja", "nej"], [True, False]),
        (["Ja", "NEJ"], [True, False]),
        (["sand", "falsk"], [True, False]),
        (["1", "0"], [True, False]),
        (["true", "False"], [True, False]),
        (["x", ""], [True, False]),
        (["", "X"], [False, True]),
    ],
)
def test_flags(raw, expected):
    values, bad = fmt.parse_flags(text(*raw))
    assert values.tolist() == expected and not bad.any()


def test_blank_flag_is_missing_unless_the_column_is_x_and_blank():
    values, bad = fmt.parse_flags(text("ja", "", "måske"))
    assert values.tolist()[:1] == [True] and pd.isna(values.iloc[1])
    assert bad.tolist() == [False, False, True]


def test_flags_from_excel_cells():
    values, bad = fmt.parse_flags(pd.Series([True, 0, 1.0, "nej"], dtype=object))
    assert values.tolist() == [True, False, True, False] and not bad.any()


@pytest.mark.parametrize(
    "header, key",
    [("Fødselsår", "foedselsaar"), ("foedselsaar", "foedselsaar"), ("Borger-ID", "borgerid"),
     ("borger_id", "borgerid"), (" Beløb (kr.) ", "beloebkr"), ("Målgruppe", "maalgruppe")],
)
def test_header_key(header, key):
    assert fmt.header_key(header) == key


def test_as_text_whole_numbers_and_blanks():
    out = fmt.as_text(pd.Series([1234.0, 12.5, None, "  a ", ""], dtype=object))
    assert out.tolist()[:2] == ["1234", "12.5"] and out.tolist()[3] == "a"
    assert out.isna().tolist() == [False, False, True, False, True]
    assert fmt.as_text(pd.Series([3.0, np.nan])).tolist()[0] == "3"


@settings(deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]))
def test_every_date_form_round_trips(day, form):
    values, bad, impossible, _, _ = fmt.parse_dates(text(day.strftime(form)))
    assert values.iloc[0] == pd.Timestamp(day)
    assert not bad.any() and not impossible.any()
