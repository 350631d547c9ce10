"""The public benchmark on the sample: the made-up statbank export the generator writes (read
by the real reader), `benchmark.offentlig` (what notebook 05 shows, or a Danish text saying
what is missing) and its views."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialanalyse import benchmark
from socialanalyse.config import load_parameters
from socialanalyse.data.synthetic.statbank import PLANTED_FACTOR, PLANTED_FUNCTION, write_statbank
from socialanalyse.views import noegletal as view

REPO = Path(__file__).resolve().parents[1]
SOM = "furesoe"


@pytest.fixture(scope="module")
def statbank(sample, tmp_path_factory):
    s, data = sample
    folder = tmp_path_factory.mktemp("statbank")
    write_statbank(s.tables, folder, SOM, 1)
    params = load_parameters("eksempelkommune", root=REPO)
    params = params.model_copy(update={"benchmark": params.benchmark.model_copy(
        update={"statbank_mappe": str(folder), "statistikbank_kommune": SOM})})
    return data, params, folder


def test_the_export_is_in_the_statbank_format(statbank):
    _, _, folder = statbank
    raw = (folder / "REGK31.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    head = raw.decode("utf-8-sig").splitlines()[0]
    assert head == "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"
    folk = (folder / "FOLK1A.csv").read_text("utf-8-sig").splitlines()
    assert folk[0] == "OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD"
    assert any(line.endswith(";..") for line in raw.decode("utf-8-sig").splitlines())


def test_the_stand_in_reconciles_except_the_planted_function(statbank):
    data, params, _ = statbank
    o = benchmark.offentlig(params, data.betalinger)
    assert isinstance(o, benchmark.Offentlig) and o.kommune == SOM
    a = o.afstemning.set_index("funktion")
    # Published within ±3 % of own payments (rounded to 1.000 kr.), the planted one 30 % above.
    booked = a[a["egne_betalinger"] > 100_000]
    ratio = booked["offentliggjort"] / booked["egne_betalinger"]
    planted = ratio.pop(PLANTED_FUNCTION)
    assert planted == pytest.approx(PLANTED_FACTOR, rel=0.035)
    assert ((ratio > 0.965) & (ratio < 1.035)).all()
    assert list(a.index[a["advarsel"]]) == [PLANTED_FUNCTION]  # 0 against 0 is no warning
    warning = view.afstemning_warning(o)
    assert warning.startswith("**Advarsel:** På 1 funktion(er)") and PLANTED_FUNCTION in warning


def test_the_comparison_covers_region_and_country(statbank):
    data, params, _ = statbank
    o = benchmark.offentlig(params, data.betalinger)
    c = o.sammenligning
    total = c[c["funktion"] == "i_alt"].set_index("niveau")
    assert total.loc["landet", "antal_kommuner"] > 90
    assert 15 < total.loc["region", "antal_kommuner"] < 30  # Region Hovedstaden's 29
    table = view.offentlig_table(o)
    assert table["Funktion"].iloc[0] == "Det specialiserede socialområde i alt"
    assert table["Kommunen"].iloc[0] == pytest.approx(total.loc["kommune",
                                                                "udgift_pr_maalgruppe"])
    assert table["Placering (1 = lavest)"].iloc[0].endswith(
        f"af {int(total.loc['kommune', 'af_kommuner'])}")
    assert "Søjler for" in view.offentlig_alt(o)
    assert (table["Hele landet"] != 0).all()  # functions nobody books are left out
    shown = view.afstemning_table(o)
    assert ((shown["Regnskab (Statistikbanken)"] != 0) | (shown["Egne betalinger"] != 0)).all()
    assert len(shown) < len(o.afstemning)


def test_what_is_missing_is_said_in_danish(statbank, tmp_path):
    data, params, _ = statbank
    none = params.model_copy(update={"benchmark": params.benchmark.model_copy(
        update={"statbank_mappe": None})})
    assert "benchmark.statbank_mappe" in benchmark.offentlig(none, data.betalinger)
    gone = params.model_copy(update={"benchmark": params.benchmark.model_copy(
        update={"statbank_mappe": str(tmp_path / "findes_ikke")})})
    text = benchmark.offentlig(gone, data.betalinger)
    assert text.startswith("Den offentlige benchmark kan ikke vises: Mappen")
    other = params.model_copy(update={"benchmark": params.benchmark.model_copy(
        update={"statistikbank_kommune": None})})
    text = benchmark.offentlig(other, data.betalinger)
    assert "eksempelkommune" in text and "statistikbank_kommune" in text


def test_the_sample_parameters_point_at_the_generated_export():
    params = load_parameters("eksempelkommune", root=REPO)
    assert params.benchmark.statistikbank_kommune == SOM
    assert params.statbank_dir == REPO / "data" / "statbank"
