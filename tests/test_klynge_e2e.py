"""End to end: three synthetic municipalities (different seeds and sizes) run with
`socialanalyse run` (one small notebook: the aggregates come from every run), then
`socialanalyse klynge --navn testklynge` with a fourth member that never ran.

The generator's signals a cluster must find: every synthetic municipality buys from
'Region Hovedstaden, Specialområde Socialpsykiatri' (the first region provider, in every
seed) at its own price factor, so the members pay different prices for the same paragraph,
unit and need band; and its own offers have spare places, which other members' external
purchases in the same paragraph and target group should get first. Both are checked against
the members' raw data, not against the aggregates the cluster reads.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml
from run_support import NOTEBOOKS, REPO, cli

from socialanalyse import config, klynge
from socialanalyse.data import load
from socialanalyse.report.outputs import latest_run

pytestmark = [pytest.mark.slow]

MEMBERS = {"holstebro": (8_000, 11), "herning": (12_000, 12), "struer": (16_000, 13)}
ABSENT = "lemvig"  # in the cluster file, never run
SHARED = "Region Hovedstaden, Specialområde Socialpsykiatri"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("klynge") / "projekt"
    root.mkdir()
    shutil.copytree(REPO / "parameters", root / "parameters")
    own = yaml.safe_load((root / "parameters/kommuner/eksempelkommune.yaml").read_text("utf-8"))
    for slug, (size, seed) in MEMBERS.items():
        done = cli("sample", "--kommune", slug, "--indbyggere", str(size), "--seed", str(seed),
                   "--out", str(root / "data" / slug))
        assert done.returncode == 0, done.stderr
        content = {**own, "kommune": slug, "navn": slug.capitalize(),
                   "data": {**own["data"], "mappe": f"data/{slug}"}}
        (root / "parameters/kommuner" / f"{slug}.yaml").write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "parameters/klynger/testklynge.yaml").write_text(yaml.safe_dump({
        "navn": "Testklyngen", "medlemmer": [*MEMBERS, ABSENT],
        "maal": {"takstloft": 0.0, "prisindeks": 0.025}}), encoding="utf-8")
    out = root / "output"
    runs = cli("run", *[a for slug in MEMBERS for a in ("--kommune", slug)], "--notebook", "00",
               "--root", str(root), "--notebooks-dir", str(NOTEBOOKS), "--out", str(out),
               "--quiet")
    assert runs.returncode == 0, runs.stdout + runs.stderr
    done = cli("klynge", "--navn", "testklynge", "--root", str(root), "--notebooks-dir",
               str(NOTEBOOKS), "--out", str(out), "--quiet")
    return root, out, done


def test_every_member_run_shares_checked_aggregates(cluster):
    root, out, _ = cluster
    for slug in MEMBERS:
        run = latest_run(out / slug)
        agg = klynge.read_aggregater(run / "aggregater")
        klynge.check_aggregater(agg, 5, ids(root, slug))
        assert (run / "aggregater" / "README.md").read_text("utf-8").startswith(
            "# Aggregater for")
        csv = pd.read_csv(run / "aggregater" / "forbrug.csv", sep=";", decimal=",",
                          encoding="utf-8-sig")
        assert len(csv) == len(agg.forbrug)


_LOADED: dict[str, object] = {}


def member_data(root, slug):
    """A member's raw data, loaded once."""
    if slug not in _LOADED:
        _LOADED[slug] = load(config.load_parameters(slug, root=root))
    return _LOADED[slug]


def ids(root, slug) -> set[str]:
    data = member_data(root, slug)
    return set(data.borgere["borger_id"]) | set(data.bevillinger["bevilling_id"])


def test_cluster_run_finishes_and_names_the_absent_member(cluster):
    _, out, done = cluster
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ikke med i klyngens tal: Lemvig: har ingen vellykket kørsel" in done.stderr
    run = latest_run(out / "klynger" / "testklynge")
    assert run is not None and run.name.endswith("-intern")
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok" and manifest["kommune"] == "testklynge"
    assert [n["navn"] for n in manifest["notebooks"]] == ["09_klynge"]
    assert sum(k.endswith("priser.parquet") for k in manifest["inputfiler"]) == 3
    html = (run / "html" / "09_klynge.html").read_text("utf-8")
    assert "3 af 4 medlemmer er med" in html and "Lemvig" in html
    results = json.loads((run / "results.json").read_text("utf-8"))["09_klynge"]
    assert results["medlemmer_med"] == 3 and results["medlemmer_mangler"] == 1
    assert results["besparelse_ved_median"] > 0 and results["besparelse_ved_match"] > 0


def _excel(out, sheet):
    run = latest_run(out / "klynger" / "testklynge")
    return pd.read_excel(run / "excel" / "klynge_testklynge.xlsx", sheet_name=sheet)


def test_the_shared_provider_with_different_prices_is_found(cluster):
    root, out, _ = cluster
    # In the raw data: every member buys from it, at a price of its own.
    raw = {}
    for slug in MEMBERS:
        data = member_data(root, slug)
        lev = data.leverandoerer.set_index("leverandoer_id")["navn"]
        bev = data.bevillinger[data.bevillinger["leverandoer_id"].map(lev).eq(SHARED)]
        raw[slug] = bev["enhedspris"].mean()
    assert all(p > 0 for p in raw.values()) and len({round(p) for p in raw.values()}) == 3
    prices = _excel(out, "Priser")
    shared = prices[prices.iloc[:, 0] == SHARED]
    assert set(shared.iloc[:, 4]) == {"Holstebro", "Herning", "Struer"}
    for _, group in shared.groupby([shared.columns[1], shared.columns[2], shared.columns[3]]):
        price, median, saving, spend = (group[c] for c in (
            "Pris pr. enhed", "Klyngens median", "Besparelse ved median pr. år", "Årlig udgift"))
        assert price.max() > price.min() and price.min() <= median.iloc[0] <= price.max()
        above = price > median
        assert (saving[~above] == 0).all()
        assert saving[above].to_numpy() == pytest.approx(
            (spend * (1 - median / price))[above].to_numpy())


def test_free_places_are_matched_with_another_members_external_purchases(cluster):
    root, out, _ = cluster
    matches = _excel(out, "Kapacitet")
    assert len(matches) > 0
    names = {slug.capitalize(): slug for slug in MEMBERS}
    for m in matches.head(5).itertuples(index=False):
        seller, buyer = names[m[2]], names[m[4]]
        assert seller != buyer
        # The offer has a free place on the reference date in the seller's own data …
        data = member_data(root, seller)
        offer = data.tilbud[data.tilbud["navn"] == m[3]].iloc[0]
        day = data.betalinger["periode"].max() + pd.offsets.MonthEnd(0)
        bev = data.bevillinger
        here = bev[(bev["tilbud_id"] == offer["tilbud_id"]) & (bev["startdato"] <= day)
                   & (bev["slutdato"].isna() | (bev["slutdato"] >= day))]
        assert offer["pladser"] > here["borger_id"].nunique()
        # … and the buyer buys the paragraph outside its own offers for that target group.
        other = member_data(root, buyer)
        kind = other.bevillinger["leverandoer_id"].map(
            other.leverandoerer.set_index("leverandoer_id")["leverandoertype"])
        group = other.bevillinger["borger_id"].map(
            other.borgere.set_index("borger_id")["maalgruppe"])
        ob = other.bevillinger
        active = (ob["startdato"] <= day) & (ob["slutdato"].isna() | (ob["slutdato"] >= day))
        assert (active & ob["paragraf"].eq(m[0]) & group.eq(m[1])
                & kind.ne("egen drift")).any()
