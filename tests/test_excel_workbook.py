"""report.write_workbook in openpyxl's write-only mode (issue 18) keeps everything the normal
mode wrote: headings, values, number formats on every row (also on empty cells colleagues
fill in), wrapped columns, drop-downs, column widths, the frozen header and the filter."""

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from socialanalyse import report
from socialanalyse.report.excel import (
    FORMATS,
    _cell_value,
    _column_values,
    _column_width,
    _display_width,
)
from socialanalyse.views import servicetjek as view

N = 300


def _sheet() -> pd.DataFrame:
    return pd.DataFrame({
        "bevilling_id": [f"B{i:04d}" for i in range(N)],
        "aarlig_udgift": [1234567.5 + i for i in range(N)],
        "startdato": pd.date_range("2025-01-01", periods=N, freq="D"),
        "aarsager": ["pris over sammenlignelige; " * 6] * N,
        "beslutning": [None] * N,
        "ny_enhedspris": [None] * (N - 1) + [900.0],
        "beslutningsdato": [None] * N,
        "aktiv": [i % 2 == 0 for i in range(N)],
    })


def test_every_row_keeps_formats_wrapping_and_the_drop_down(tmp_path):
    path = report.write_workbook({"Gennemgangsliste": _sheet(), "Tom": _sheet().iloc[:0]},
                                 tmp_path / "liste.xlsx", **view.REVIEW_EXCEL)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Gennemgangsliste", "Tom"]
    ws = wb["Gennemgangsliste"]
    header = [c.value for c in ws[1]]
    assert header == ["Bevilling-ID", "Årlig udgift", "Startdato", "Årsager", "Beslutning",
                      "Ny enhedspris", "Beslutningsdato", "Aktiv"]
    assert all(c.font.bold and c.fill.fgColor.rgb == "00DDE6F0" and c.alignment.wrap_text
               for c in ws[1])
    assert ws.max_row == N + 1 and ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:H{N + 1}"
    rows = list(ws.iter_rows(min_row=2))
    assert {r[1].number_format for r in rows} == {'#,##0 "kr."'}
    assert {r[2].number_format for r in rows} == {"dd-mm-yyyy"}
    assert rows[0][2].value == dt.datetime(2025, 1, 1) and rows[0][1].value == 1234567.5
    # empty cells to fill in carry their column's format too
    assert {r[5].number_format for r in rows} == {'#,##0 "kr."'} and rows[0][5].value is None
    assert {r[6].number_format for r in rows} == {"dd-mm-yyyy"}
    assert all(r[3].alignment.wrap_text and r[3].alignment.vertical == "top" for r in rows)
    assert not any(r[0].alignment.wrap_text for r in rows)
    assert {r[0].number_format for r in rows} == {"General"}
    assert [r[7].value for r in rows[:2]] == ["ja", "nej"]
    [rule] = ws.data_validations.dataValidation
    assert str(rule.sqref) == f"E2:E{N + 1}" and rule.type == "list" and rule.showErrorMessage
    assert rule.formula1 == '"' + ",".join(view.BESLUTNINGER) + '"'
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["D"] == 80  # ombryd
    assert widths["A"] == 16  # len("Bevilling-ID") + 2, + 2
    assert all(10 <= w <= 80 for w in widths.values()) and len(widths) == 8
    empty = wb["Tom"]
    assert [c.value for c in empty[1]] == header and empty.max_row == 1
    assert not empty.data_validations.dataValidation  # no rows, no drop-down


def test_a_frame_with_an_index_and_formulas_like_text(tmp_path):
    frame = pd.DataFrame({"antal": [3, 4]}, index=pd.Index(["a", "b"], name="paragraf"))
    path = report.write_workbook({"Antal": frame, "Tekst": pd.DataFrame({"x": ["ja", None]})},
                                 tmp_path / "a.xlsx")
    ws = load_workbook(path)["Antal"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["Paragraf", "Antal"], ["a", 3], ["b", 4]]
    assert ws["B2"].number_format == "#,##0"
    assert load_workbook(path)["Tekst"]["A3"].value is None


# --- values and widths per column: the same as value by value -------------------------------

_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
_COLUMNS = st.one_of(
    st.lists(_FLOATS).map(lambda v: pd.Series(v, dtype="float64")),
    st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32)).map(
        lambda v: pd.Series(v, dtype="float32")),
    st.lists(st.integers(-2**63, 2**63 - 1)).map(lambda v: pd.Series(v, dtype="int64")),
    st.lists(st.integers(0, 2**16 - 1)).map(lambda v: pd.Series(v, dtype="uint16")),
    st.lists(st.booleans()).map(lambda v: pd.Series(v, dtype="bool")),
    st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6))).map(
        lambda v: pd.Series(v, dtype="Int64")),
    st.lists(st.one_of(st.none(), st.text(max_size=5), _FLOATS, st.booleans(),
                       st.dates())).map(lambda v: pd.Series(v, dtype=object)),
    st.lists(st.text(max_size=8)).map(lambda v: pd.Series(v, dtype=object)),
    st.lists(st.one_of(st.none(), st.datetimes(dt.datetime(1900, 1, 1),
                                               dt.datetime(2200, 1, 1)))).map(
        lambda v: pd.Series(pd.to_datetime(pd.Series(v, dtype=object)))),
)


@settings(max_examples=300, deadline=None)
@given(_COLUMNS, st.sampled_from([None, *FORMATS.values()]))
def test_column_values_and_width_are_those_of_each_value(series, fmt):
    """The whole-column conversion gives what _cell_value gives each value (same values, same
    Python types, NaN as None) and the widest _display_width, with NaN, infinities and the
    extremes of int64."""
    expected = [_cell_value(v) for v in series]
    got = _column_values(series)
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert _column_width(series, got, fmt) == max(
        (_display_width(v, fmt) for v in expected), default=0)


def test_column_width_of_a_hand_computed_column():
    # 1.234.567 kr.: 9 characters, + 4 for ' kr.', + 1; the NaN and the small value do not count
    s = pd.Series([3.0, float("nan"), -1234567.0])
    assert _column_width(s, _column_values(s), FORMATS["kr"]) == 14
    assert _column_values(s) == [3.0, None, -1234567.0]
