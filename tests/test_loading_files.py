"""One table read from several files with the same layout (fil: betalinger_*.csv)."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import (
    SPLIT,
    minimal_tables,
    snapshot,
    split_payments,
    write_csv,
    write_minimal_kommune,
)

from socialanalyse.data import DataFejl, load
from socialanalyse.data.contract import Problem
from socialanalyse.data.tables import format_problems


def test_rows_of_every_matching_file_in_name_order(tmp_path):
    kommune = split_payments(tmp_path)
    # Excel's lock file and a hidden file match the pattern but are not extracts.
    (kommune.data_dir / "~$betalinger_2025.csv").write_bytes(b"\x00lock")
    (kommune.data_dir / ".betalinger_old.csv").write_text("x", encoding="utf-8")
    before = snapshot(kommune.root)
    data = load(kommune.slug, root=kommune.root)
    b = data.betalinger
    assert b["bevilling_id"].tolist() == ["G1", "G1", "G2", "G3"]
    assert b["beloeb"].tolist() == [57365.5, 51814.0, -1234.5, 96000.0]
    assert b.index.equals(pd.RangeIndex(4))
    assert data.kilder["betalinger"] == tuple(
        (kommune.data_dir / f"betalinger_{y}.csv").resolve() for y in (2024, 2025))
    assert snapshot(kommune.root) == before


def test_a_bad_cell_is_named_by_its_own_file_and_row(tmp_path):
    second = minimal_tables()["betalinger"].iloc[2:].copy()
    second.iloc[1, second.columns.get_loc("beloeb")] = "ti kroner"
    with pytest.raises(DataFejl) as err:
        load(split_payments(tmp_path, second=second).slug, root=tmp_path)
    text = str(err.value)
    # Row 3 of betalinger_2025.csv (header, G2, then the bad G3 row), not row 5 of the whole.
    assert "data/eksempelkommune/betalinger_2025.csv, række 3, kolonne 'beloeb'" in text
    assert "ti kroner" in text and "betalinger_2024" not in text


def test_a_problem_found_after_combining_is_moved_back_to_its_file(tmp_path):
    # An unknown grant is a cross-table problem: it is found in the combined table.
    second = minimal_tables()["betalinger"].iloc[2:].copy()
    second.iloc[0, second.columns.get_loc("bevilling_id")] = "G9"
    with pytest.raises(DataFejl) as err:
        load(split_payments(tmp_path, second=second).slug, root=tmp_path)
    assert "betalinger_2025.csv, række 2, kolonne 'bevilling_id': 'G9' findes ikke" in str(
        err.value)
    [problem] = err.value.problems
    assert (problem.table, problem.row, problem.fil) == (
        "betalinger", 0, "data/eksempelkommune/betalinger_2025.csv")


def test_a_key_repeated_across_files_is_shown_in_both(tmp_path):
    kommune = write_minimal_kommune(
        tmp_path, vurderinger=None,
        params={"data": {"tabeller": {"vurderinger": {"fil": "vurderinger_*.csv"}}}})
    rows = minimal_tables()["vurderinger"]
    write_csv(kommune.data_dir / "vurderinger_1.csv", rows)
    write_csv(kommune.data_dir / "vurderinger_2.csv", rows.iloc[[2]])
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    text = str(err.value)
    assert "vurderinger_1.csv, række 4" in text and "vurderinger_2.csv, række 2" in text
    assert "dubleret nøgle" in text


def test_a_pattern_without_files_is_a_missing_table(tmp_path):
    kommune = write_minimal_kommune(tmp_path, betalinger=None, params=SPLIT)
    with pytest.raises(DataFejl) as err:
        load(kommune.slug, root=kommune.root)
    assert ("data/eksempelkommune/betalinger_*.csv: ingen filer passer til mønstret"
            in str(err.value))


def test_one_matching_file_is_read_as_usual(tmp_path):
    kommune = write_minimal_kommune(tmp_path, betalinger=None, params=SPLIT)
    write_csv(kommune.data_dir / "betalinger_2025.csv", minimal_tables()["betalinger"])
    data = load(kommune.slug, root=kommune.root)
    assert len(data.betalinger) == 4
    assert data.kilder["betalinger"] == ((kommune.data_dir / "betalinger_2025.csv").resolve(),)


def test_format_problems_groups_by_file_when_given():
    problems = [Problem("betalinger", "beloeb", 0, "x", "forkert", fil="b_2024.csv"),
                Problem("betalinger", "beloeb", 4, "y", "forkert", fil="b_2025.csv"),
                Problem("borgere", "koen", 1, "Q", "ukendt")]
    text = format_problems(problems, files={"borgere": "borgere.csv"},
                           first_rows={"b_2025.csv": 5})
    assert text.splitlines() == [
        "Data kan ikke bruges (3 problemer):",
        "  - b_2024.csv, række 2, kolonne 'beloeb': forkert",
        "  - b_2025.csv, række 9, kolonne 'beloeb': forkert",
        "  - borgere.csv, række 3, kolonne 'koen': ukendt",
    ]
