"""The fast array paths of servicetjek give the same numbers as the shared definitions in
data.derived (level_at, expected_payments) and as pandas' own indexing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

from socialanalyse.data.derived import expected_payments, level_at
from socialanalyse.data.synthetic import generate
from socialanalyse.servicetjek import arrays


@pytest.fixture(scope="module")
def tables():
    return generate(indbyggere=15000, seed=3).tables


def test_expected_month_equals_expected_payments(tables):
    b = tables["bevillinger"].reset_index(drop=True)
    ref = expected_payments(b.assign(bevilling_id=np.arange(len(b))), "2021-11-01", "2026-10-01",
                            0.025)
    g = arrays.GrantCost.of(b)
    first = int(np.datetime64("2021-11", "M").astype(np.int64))
    grid = np.stack([arrays.expected_month(g, first + m, 0.025) for m in range(60)])
    m = ref["periode"].to_numpy().astype("datetime64[M]").astype(np.int64) - first
    assert np.allclose(grid[m, ref["bevilling_id"].to_numpy()], ref["forventet"], rtol=1e-12)
    # Every other cell is a month the grant is not active: nothing expected.
    other = np.ones_like(grid, dtype=bool)
    other[m, ref["bevilling_id"].to_numpy()] = False
    assert (grid[other] == 0).all()


@pytest.mark.parametrize("shuffle", [False, True])
def test_assessments_equal_level_at(tables, shuffle):
    v = tables["vurderinger"]
    if shuffle:  # not grouped by citizen: the slow path sorts first
        v = v.sample(frac=1.0, random_state=1).reset_index(drop=True)
    b = tables["bevillinger"]
    ass = arrays.Assessments.of(v)
    for on in (b["startdato"], pd.Series(pd.Timestamp("2026-10-31"), index=b.index)):
        got, when = ass.at(ass.codes(b["borger_id"]), arrays.days(on))
        want = level_at(v, b["borger_id"], on)
        assert np.allclose(got, want.to_numpy(), equal_nan=True)
        assert (np.isnan(got) == (when == arrays.NAT_DAY)).all()


@settings(max_examples=100, deadline=None)
@given(st_.lists(st_.tuples(st_.sampled_from(["a", "b", "c", "d"]), st_.integers(0, 6),
                            st_.integers(0, 4)), max_size=25),
       st_.lists(st_.tuples(st_.sampled_from(["a", "b", "c", "e"]), st_.integers(-1, 8)),
                 min_size=1, max_size=10))
def test_assessments_equal_level_at_on_any_order(rows, queries):
    v = pd.DataFrame({"borger_id": pd.Series([r[0] for r in rows], dtype="str"),
                      "dato": pd.to_datetime([f"2024-01-{r[1] + 1:02d}" for r in rows]),
                      "tema": [f"T{i}" for i in range(len(rows))],
                      "niveau": [r[2] for r in rows]})
    ids = pd.Series([q[0] for q in queries], dtype="str")
    on = pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta([q[1] for q in queries], "D"))
    ass = arrays.Assessments.of(v)
    got, _ = ass.at(ass.codes(ids), arrays.days(on))
    want = level_at(v, ids, on) if len(v) else pd.Series(np.nan, index=ids.index)
    assert np.allclose(got, want.to_numpy(dtype=float), equal_nan=True)


def test_positions_equal_get_indexer():
    vocab = pd.Series(["x", "y", "z"], dtype="str")
    values = pd.Series(["z", "q", None, "x", "x"], dtype="str")
    assert arrays.positions(values, vocab).tolist() == [2, -1, -1, 0, 0]
    obj = pd.Series(["y", "nope"], dtype=object)
    assert arrays.positions(obj, vocab).tolist() == [1, -1]
    assert arrays.positions(pd.Series([], dtype="str"), vocab).tolist() == []


def test_positions_in_chunks(monkeypatch):
    monkeypatch.setattr(arrays, "CHUNK", 3)  # 40 values in two threaded parts
    vocab = pd.Series([f"v{i}" for i in range(10)], dtype="str")
    values = pd.Series([f"v{i % 12}" for i in range(40)], dtype="str")
    want = pd.Index(vocab).get_indexer(values)
    assert arrays.positions(values, vocab).tolist() == want.tolist()


def test_screen_does_not_depend_on_the_order_of_payment_lines(tables):
    from socialanalyse.config import load_parameters
    from socialanalyse.data import Data
    from socialanalyse.servicetjek import screen

    params = load_parameters("eksempelkommune")
    data = Data.from_tables(tables)
    shuffled = dict(tables, betalinger=tables["betalinger"].sample(frac=1.0, random_state=2)
                    .reset_index(drop=True))
    a = screen(data, params)
    b = screen(Data.from_tables(shuffled), params)
    pd.testing.assert_frame_equal(a, b)
    # An earlier reference date leaves the later payment lines out.
    early = screen(data, params, as_of="2025-12-31")
    assert len(early) and early["begrundelse"].notna().all()


def _first_scores_reference(v: pd.DataFrame) -> set:
    first = v.sort_values("dato", kind="stable").groupby(["borger_id", "metode", "tema"]).head(1)
    return set(first[["borger_id", "metode", "tema", "niveau"]].itertuples(index=False))


@settings(max_examples=60, deadline=None)
@given(st_.lists(st_.tuples(st_.sampled_from(["a", "b", "c"]), st_.integers(0, 4),
                            st_.sampled_from(["VUM2", "ICS"]), st_.sampled_from(["T1", "T2"]),
                            st_.integers(0, 4)), min_size=1, max_size=30),
       st_.booleans())
def test_first_rows_are_the_first_score_of_each_theme(rows, complete):
    # complete: every assessment scores the same themes (the linear check's case).
    if complete:
        rows = [(b, d, "VUM2", t, lvl) for b, d, _, _, lvl in rows for t in ("T1", "T2")]
    v = pd.DataFrame(rows, columns=["borger_id", "dato", "metode", "tema", "niveau"]).assign(
        dato=lambda f: pd.Timestamp("2024-01-01") + pd.to_timedelta(f["dato"], "D"),
        borger_id=lambda f: f["borger_id"].astype("str"))
    v = v.drop_duplicates(["borger_id", "dato", "metode", "tema"])
    s = arrays.Scores.of(v)
    got = s.first_rows()
    citizens = s.citizens.to_numpy()
    found = {(citizens[s.borger[r]], s.metoder[s.metode[r]], s.temaer[s.tema[r]],
              int(s.niveau[r])) for r in got}
    assert len(found) == len(got)
    assert found == _first_scores_reference(v)


@settings(max_examples=100, deadline=None)
@given(rows=st_.lists(st_.tuples(st_.sampled_from(["a", "b", "c", "x"]),
                                 st_.none() | st_.integers(0, 40),
                                 st_.sampled_from(["genforhandling", "opfoelgning"]),
                                 st_.sampled_from(["uændret", "justeret"])), max_size=25))
def test_latest_followups_are_the_latest_rows(rows):
    """Per grant the latest follow-up on or before the date (the last row among equal dates)
    and the latest renegotiation (undated last, as NaT), as a sort of the rows finds them."""
    day0 = pd.Timestamp("2026-01-01")
    o = pd.DataFrame({
        "bevilling_id": pd.Series([r[0] for r in rows], dtype="str"),
        "dato": pd.Series([None if r[1] is None else day0 + pd.Timedelta(days=r[1])
                           for r in rows], dtype="datetime64[ns]"),
        "type": pd.Series([r[2] for r in rows], dtype="str"),
        "resultat": pd.Series([r[3] for r in rows], dtype="category"),
    })
    grants = pd.Series(["a", "b", "c"], dtype="str")
    as_of = day0 + pd.Timedelta(days=30)
    got = arrays.latest_followups(o, grants, as_of)
    for k, g in enumerate(grants):
        mine = o[o["bevilling_id"] == g]
        before = mine[mine["dato"] <= as_of].sort_values("dato", kind="stable")
        reneg = mine[mine["type"] == "genforhandling"].sort_values("dato", kind="stable",
                                                                   na_position="last")
        row = got.iloc[k]
        if before.empty:
            assert pd.isna(row["seneste_opfoelgning"]) and pd.isna(row["seneste_resultat"])
        else:
            assert row["seneste_opfoelgning"] == before["dato"].iloc[-1]
            assert row["seneste_resultat"] == before["resultat"].iloc[-1]
        if reneg.empty or pd.isna(reneg["dato"].iloc[-1]):
            assert pd.isna(row["seneste_genforhandling"])
        else:
            assert row["seneste_genforhandling"] == reneg["dato"].iloc[-1]
