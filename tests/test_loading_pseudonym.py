"""CPR numbers are replaced by keyed pseudonyms while loading, before anything else sees them."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers import minimal_tables, write_minimal_kommune
from hypothesis import given, settings
from hypothesis import strategies as st

from socialanalyse.data import load
from socialanalyse.data.pseudonym import PSEUDONYM, has_cpr, replace_cpr
from socialanalyse.privacy import KEY_ENV, PseudonymFejl

KEY = "en-hemmelig-test-noegle-1234"
CPR_ANYWHERE = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")


def leaks_cpr(text: str) -> bool:
    """A CPR number outside pseudonyms (a pseudonym's hex may hold a CPR-like digit run)."""
    return bool(CPR_ANYWHERE.search(PSEUDONYM.sub(" ", text)))


def cpr_tables() -> dict[str, pd.DataFrame]:
    """Minimal tables where citizens are identified by CPR number (with and without dash)."""
    t = minimal_tables()
    cprs = ["010190-1234", "311299-4321", "150610-2468"]
    t["borgere"]["borger_id"] = cprs
    t["bevillinger"]["borger_id"] = [c.replace("-", "") for c in cprs]  # no dash here
    t["vurderinger"]["borger_id"] = [cprs[0], cprs[0], cprs[1]]
    t["maal"]["borger_id"] = [cprs[0], cprs[1]]
    t["bevillinger"]["Notat"] = ["Ring til 010190-1234 om flytning", "ingen", "cpr 1506102468."]
    return t


def load_cpr(tmp_path, key=KEY, monkeypatch=None):
    monkeypatch.setenv(KEY_ENV, key)
    kommune = write_minimal_kommune(
        tmp_path, **cpr_tables(),
        params={"data": {"tabeller": {"bevillinger": {"fil": "bevillinger.csv",
                                                      "ekstra_kolonner": ["Notat"]}}}})
    return load(kommune.slug, root=kommune.root)


def every_text_cell(data) -> list[str]:
    cells = []
    for df in data.tables().values():
        for col in df.columns:
            if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
                cells.extend(str(v) for v in df[col].dropna())
    return cells


def test_no_cpr_number_anywhere_after_loading(tmp_path, monkeypatch):
    data = load_cpr(tmp_path, monkeypatch=monkeypatch)
    leaks = [c for c in every_text_cell(data) if leaks_cpr(c)]
    assert leaks == []
    assert any("CPR-numre er erstattet af pseudonymer" in a for a in data.advarsler)


def test_pseudonyms_keep_foreign_keys_and_ignore_the_dash(tmp_path, monkeypatch):
    data = load_cpr(tmp_path, monkeypatch=monkeypatch)
    borgere = data.borgere["borger_id"].tolist()
    # bevillinger had the same CPR numbers without the dash: same pseudonyms, same order.
    assert data.bevillinger["borger_id"].tolist() == borgere
    assert set(data.vurderinger["borger_id"]) <= set(borgere)
    assert all(p.startswith("P") and len(p) == 17 for p in borgere)
    assert not set(borgere) & {"010190-1234", "0101901234", "311299-4321", "150610-2468"}


def test_free_text_keeps_its_words_but_not_the_number(tmp_path, monkeypatch):
    data = load_cpr(tmp_path, monkeypatch=monkeypatch)
    notat = data.bevillinger["Notat"].tolist()
    first = data.borgere["borger_id"].iloc[0]
    third = data.borgere["borger_id"].iloc[2]
    assert notat == [f"Ring til {first} om flytning", "ingen", f"cpr {third}."]


def test_same_key_same_pseudonym_other_key_other_pseudonym(tmp_path, monkeypatch):
    a = load_cpr(tmp_path / "a", monkeypatch=monkeypatch).borgere["borger_id"].tolist()
    b = load_cpr(tmp_path / "b", monkeypatch=monkeypatch).borgere["borger_id"].tolist()
    c = load_cpr(tmp_path / "c", key="en-helt-anden-noegle-5678",
                 monkeypatch=monkeypatch).borgere["borger_id"].tolist()
    assert a == b
    assert all(x != y for x, y in zip(a, c))


def test_without_key_refuses_and_does_not_echo_the_numbers(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    kommune = write_minimal_kommune(tmp_path, **cpr_tables())
    with pytest.raises(PseudonymFejl) as err:
        load(kommune.slug, root=kommune.root)
    message = str(err.value)
    assert KEY_ENV in message and "borgere.csv, kolonne 'borger_id'" in message
    assert not leaks_cpr(message)


def test_short_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "kort")
    kommune = write_minimal_kommune(tmp_path, **cpr_tables())
    with pytest.raises(PseudonymFejl, match="for kort"):
        load(kommune.slug, root=kommune.root)


def test_data_without_cpr_needs_no_key(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    kommune = write_minimal_kommune(tmp_path)
    assert load(kommune.slug, root=kommune.root).borgere["borger_id"].tolist() == ["B1", "B2",
                                                                                  "B3"]


def test_cpr_in_any_text_column_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    t = minimal_tables()
    t["bevillinger"]["afdeling"] = ["0101901234", "Voksen", "Børn"]  # a CPR where none belongs
    kommune = write_minimal_kommune(tmp_path, **t)
    data = load(kommune.slug, root=kommune.root)
    assert data.bevillinger["afdeling"].iloc[0].startswith("P")
    assert data.bevillinger["afdeling"].tolist()[1:] == ["Voksen", "Børn"]


cpr_numbers = st.builds(
    lambda d, m, y, s, dash: f"{d:02d}{m:02d}{y:02d}{'-' if dash else ''}{s:04d}",
    st.integers(1, 31), st.integers(1, 12), st.integers(0, 99), st.integers(0, 9999),
    st.booleans())


@settings(max_examples=200, deadline=None)
@given(cpr=cpr_numbers, before=st.text(alphabet="abc ,.:", max_size=8),
       after=st.text(alphabet="abc ,.:", max_size=8))
def test_replace_cpr_never_keeps_the_number_and_is_dash_insensitive(cpr, before, after):
    key = KEY.encode()
    cells = pd.Series([f"{before}{cpr}{after}", cpr, cpr.replace("-", "")], dtype="str")
    out = replace_cpr(cells, key)
    assert has_cpr(cells).all()
    assert not has_cpr(out).any()
    assert out.iloc[1] == out.iloc[2] != cpr  # same person with or without the dash
    assert out.iloc[0] == f"{before}{out.iloc[1]}{after}"
    assert not any(leaks_cpr(v) for v in out)


def test_pseudonyms_that_look_like_cpr_are_left_alone():
    # 'P544bdb2008143362' holds 2008143362 (20-08-14-3362): a pseudonym, not a CPR number.
    cells = pd.Series(["P544bdb2008143362", "se P544bdb2008143362 og 0101901234"], dtype="str")
    assert has_cpr(cells).tolist() == [False, True]
    out = replace_cpr(cells, KEY.encode())
    assert out.iloc[0] == "P544bdb2008143362"
    assert out.iloc[1].startswith("se P544bdb2008143362 og P") and "0101901234" not in out.iloc[1]
