"""Public benchmark against all 98 municipalities from the municipal accounts (KL's
recommendations 7-8: ØkonomiBenchmark, "Kend din kommune").

Net operating spending on the specialised social area's functions (the kontoplan's 5.38 adult
and 5.28 children's functions, reference table kontoplan_funktioner) per inhabitant, per
inhabitant aged 18-64 (adults) and 0-17 (children), for every municipality and year, from
Statistics Denmark's REGK31 and FOLK tables (socialanalyse.data.statbank). Then:

- `per_inhabitant`: one row per municipality, year and function, plus the totals of the adult
  functions ('voksne'), the children's ('boern') and both ('i_alt');
- `compare`: a municipality against its comparison municipalities (sammenligningskommuner), its
  region and the whole country, each group as sum of spending / sum of inhabitants (a
  population-weighted average, as Statistics Denmark's regional figures), with its rank;
- `reconcile`: per function, the published figure against the municipality's own payments
  (betalinger.funktion) for the same year, with a warning where they differ by more than
  `benchmark.afstemning_graense`. They need not agree: the accounts are net (after income,
  e.g. from places sold to other municipalities) and hold own-run offers' salaries, while
  payments are what the municipality paid providers; the warning asks for an explanation.

A function with '..' in the statbank is missing (NaN), never 0, and so is any total it is part
of: a total with a hole would look too low.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import reference as ref
from .data.derived import population

#: Totals over function groups, with their Danish names.
GRUPPER = {"voksne": "Voksne i alt (5.38)", "boern": "Børn og unge i alt (5.28)",
           "i_alt": "Det specialiserede socialområde i alt"}
_TYPE = {"voksne": "voksne", "børn": "boern"}

PER_INHABITANT_COLUMNS = [
    "kommune", "aar", "funktion", "navn", "gruppe", "udgift", "indbyggere",
    "indbyggere_voksne", "indbyggere_boern", "udgift_pr_indbygger", "udgift_pr_voksen",
    "udgift_pr_barn", "udgift_pr_maalgruppe",
]


def _sum_or_missing(values: pd.Series, keys: list) -> pd.Series:
    g = values.groupby(keys, sort=True)
    return g.sum(min_count=1).where(g.count() == g.size())


def inhabitants(befolkning: pd.DataFrame, voksne_alder: tuple[int, int] = (18, 64),
                boern_alder: tuple[int, int] = (0, 17)) -> pd.DataFrame:
    """Inhabitants per municipality and year: all, in the adults' and the children's age
    groups (derived.population over the statbank's single-year ages)."""
    columns = ["kommune", "aar", "indbyggere", "indbyggere_voksne", "indbyggere_boern"]
    if befolkning.empty:
        return pd.DataFrame(columns=columns)
    by = ("kommune", "aar")
    part = pd.DataFrame({"indbyggere": population(befolkning, 0, 125, by),
                         "indbyggere_voksne": population(befolkning, *voksne_alder, by),
                         "indbyggere_boern": population(befolkning, *boern_alder, by)})
    # A municipality-year with a missing count has no inhabitant figures (not a low one).
    missing = befolkning["antal"].isna().groupby([befolkning[c] for c in by]).any()
    part[missing.reindex(part.index, fill_value=False).to_numpy()] = np.nan
    return part.reset_index()[columns]


def per_inhabitant(regnskab: pd.DataFrame, befolkning: pd.DataFrame,
                   voksne_alder: tuple[int, int] = (18, 64),
                   boern_alder: tuple[int, int] = (0, 17),
                   funktioner: list[str] | None = None) -> pd.DataFrame:
    """Net operating spending per inhabitant for every municipality, year and function.

    regnskab: statbank.read_regk31's table (several dranst are summed); befolkning:
    statbank.read_folk's. funktioner: kontoplan functions to include (default: the reference
    table's; those absent from the file are left out). Returns PER_INHABITANT_COLUMNS: gruppe is 'voksne'/'boern' for a function and
    its group's key for the totals (funktion 'voksne', 'boern', 'i_alt');
    udgift_pr_maalgruppe is per adult for adult functions, per child for children's, per
    inhabitant for 'i_alt'. Rows exist for municipality-years in both tables.
    """
    catalogue = ref.kontoplan_funktioner().set_index("funktion")
    wanted = list(catalogue.index) if funktioner is None else list(funktioner)
    unknown = sorted(set(wanted) - set(catalogue.index))
    if unknown:
        raise ValueError(f"Ukendte funktioner (ikke i kontoplan_funktioner): {', '.join(unknown)}")
    r = regnskab[regnskab["funktion"].isin(wanted)]
    spend = _sum_or_missing(r["udgift"], [r["kommune"], r["aar"], r["funktion"]]).rename("udgift")
    spend = spend.reset_index()
    # A function the file has for some municipality-years but not others: Statistics
    # Denmark's streamed (BULK) format leaves out combinations whose value is 0, so an absent
    # row is 0. A row present with '..' stays missing. Functions not in the file at all are
    # not part of the benchmark.
    in_file = set(spend["funktion"])
    present = [f for f in wanted if f in in_file]
    grid = spend[["kommune", "aar"]].drop_duplicates().merge(
        pd.DataFrame({"funktion": present}), how="cross")
    spend = grid.merge(spend, on=["kommune", "aar", "funktion"], how="left", indicator=True)
    spend.loc[spend.pop("_merge").eq("left_only"), "udgift"] = 0.0
    # Names as the statbank writes them where the file has them, else the reference table's.
    from_file = r.drop_duplicates("funktion").set_index("funktion")["funktion_navn"]
    from_file = from_file[from_file.astype(str).str.len() > 0]
    spend["navn"] = spend["funktion"].map(from_file).fillna(spend["funktion"].map(catalogue["navn"]))
    spend["gruppe"] = spend["funktion"].map(catalogue["maalgruppe_type"]).map(_TYPE)
    totals = []
    for key, members in (("voksne", ["voksne"]), ("boern", ["boern"]),
                         ("i_alt", ["voksne", "boern"])):
        part = spend[spend["gruppe"].isin(members)]
        if part.empty:
            continue
        t = _sum_or_missing(part["udgift"], [part["kommune"], part["aar"]]).rename("udgift")
        totals.append(t.reset_index().assign(funktion=key, navn=GRUPPER[key], gruppe=key))
    out = pd.concat([spend, *totals], ignore_index=True)
    pop = inhabitants(befolkning, voksne_alder, boern_alder)
    out = out.merge(pop, on=["kommune", "aar"], how="inner")
    out["udgift_pr_indbygger"] = out["udgift"] / out["indbyggere"]
    out["udgift_pr_voksen"] = out["udgift"] / out["indbyggere_voksne"]
    out["udgift_pr_barn"] = out["udgift"] / out["indbyggere_boern"]
    out["udgift_pr_maalgruppe"] = out["udgift"] / _target_population(out)
    return out.sort_values(["kommune", "aar", "funktion"]).reset_index(drop=True)[
        PER_INHABITANT_COLUMNS]


def _target_population(t: pd.DataFrame) -> np.ndarray:
    """Inhabitants of each row's target group: adults, children or everyone."""
    return np.select([t["gruppe"].eq("voksne"), t["gruppe"].eq("boern")],
                     [t["indbyggere_voksne"], t["indbyggere_boern"]], t["indbyggere"])


def compare(tal: pd.DataFrame, kommune: str, sammenligning: list[str],
            aar: int | None = None) -> pd.DataFrame:
    """The municipality against its comparison municipalities, its region and the country.

    tal: `per_inhabitant`'s table; aar: default the latest year with the municipality's
    figures. Returns one row per function and niveau ('kommune', 'sammenligning', 'region',
    'landet') with udgift, indbyggere (in the function's target group), udgift_pr_maalgruppe
    (a group's: sum of spending / sum of inhabitants over municipalities with a figure),
    antal_kommuner (how many had one), and for the municipality's own row placering (1 = the
    lowest spending per inhabitant of the target group among all municipalities with a
    figure) and forskel_* (own relative to each group: own / group - 1).
    """
    own = tal[tal["kommune"] == kommune]
    if own.empty:
        raise ValueError(f"{kommune} er ikke med i tallene fra Statistikbanken.")
    year = int(own["aar"].max()) if aar is None else int(aar)
    t = tal[tal["aar"] == year].copy()
    t["maal_indbyggere"] = _target_population(t)
    regions = ref.kommuner().set_index("slug")["region"]
    region = regions.get(kommune)
    groups = {
        "kommune": [kommune],
        "sammenligning": [k for k in sammenligning if k != kommune],
        "region": list(regions.index[regions == region]) if region else [],
        "landet": list(regions.index),
    }
    rows = []
    for niveau, members in groups.items():
        part = t[t["kommune"].isin(members)]
        ok = part[part["udgift"].notna() & part["maal_indbyggere"].notna()]
        agg = ok.groupby("funktion").agg(udgift=("udgift", "sum"),
                                         indbyggere=("maal_indbyggere", "sum"),
                                         antal_kommuner=("kommune", "nunique"))
        agg["udgift_pr_maalgruppe"] = agg["udgift"] / agg["indbyggere"]
        agg = agg.reindex(t["funktion"].unique())
        agg["antal_kommuner"] = agg["antal_kommuner"].fillna(0).astype(int)
        rows.append(agg.assign(niveau=niveau).rename_axis("funktion").reset_index())
    out = pd.concat(rows, ignore_index=True)
    meta = t.drop_duplicates("funktion").set_index("funktion")[["navn", "gruppe"]]
    out = out.join(meta, on="funktion")
    rank = t[t["udgift_pr_maalgruppe"].notna()].assign(
        placering=lambda d: d.groupby("funktion")["udgift_pr_maalgruppe"].rank(method="min"))
    own_rank = rank[rank["kommune"] == kommune].set_index("funktion")["placering"]
    is_own = out["niveau"].eq("kommune")
    out["placering"] = out["funktion"].map(own_rank).where(is_own)
    out["af_kommuner"] = out["funktion"].map(rank.groupby("funktion").size()).where(is_own)
    own_value = out[is_own].set_index("funktion")["udgift_pr_maalgruppe"]
    for niveau in ("sammenligning", "region", "landet"):
        other = out[out["niveau"] == niveau].set_index("funktion")["udgift_pr_maalgruppe"]
        out[f"forskel_{niveau}"] = out["funktion"].map(own_value / other - 1).where(is_own)
    out.insert(0, "aar", year)
    out.insert(0, "kommune", kommune)
    return out


def reconcile(tal: pd.DataFrame, betalinger: pd.DataFrame, kommune: str, aar: int,
              graense: float) -> pd.DataFrame:
    """Per function: the published net operating spending (tal, from `per_inhabitant`, or
    statbank.read_regk31's table) against the municipality's own payments for the year.

    Returns funktion, navn, offentliggjort (kr), egne_betalinger (kr), maaneder (months of
    the year with payments in the extract), forskel (own - published), forskel_andel
    (forskel / |published|), advarsel (bool) and bemaerkning (Danish): a warning where the
    shares differ by more than `graense`, where one side is missing, or where the extract
    does not cover the whole year.
    """
    catalogue = ref.kontoplan_funktioner().set_index("funktion")
    published = tal[(tal["kommune"] == kommune) & (tal["aar"] == aar)
                    & tal["funktion"].isin(catalogue.index)]
    published = _sum_or_missing(published["udgift"], [published["funktion"]])
    b = betalinger[betalinger["periode"].dt.year == aar]
    funktion = b["funktion"].astype(str)
    own = b["beloeb"].groupby(funktion).sum()
    months = int(b["periode"].dt.month.nunique())
    functions = sorted(set(published.index) | (set(own.index) & set(catalogue.index)))
    out = pd.DataFrame({"funktion": functions})
    out["navn"] = out["funktion"].map(catalogue["navn"])
    out["offentliggjort"] = out["funktion"].map(published)
    out["egne_betalinger"] = out["funktion"].map(own).fillna(0.0)
    out["maaneder"] = months
    out["forskel"] = out["egne_betalinger"] - out["offentliggjort"]
    out["forskel_andel"] = out["forskel"] / out["offentliggjort"].abs().replace(0, np.nan)
    notes = []
    for row in out.itertuples(index=False):  # ~20 functions
        if np.isnan(row.offentliggjort):
            notes.append("Intet offentliggjort tal (mangler eller '..' i Statistikbanken).")
        elif row.offentliggjort == 0 and row.egne_betalinger == 0:
            notes.append("")  # nothing on the function on either side
        elif months < 12:
            notes.append(f"Udtrækket dækker kun {months} af årets 12 måneder.")
        elif not np.isfinite(row.forskel_andel) or abs(row.forskel_andel) > graense:
            notes.append("Egne betalinger afviger mere end grænsen fra regnskabet: forklar "
                         "forskellen (fx egen drift, salg af pladser, refusion, kontering).")
        else:
            notes.append("")
    out["bemaerkning"] = notes
    out["advarsel"] = out["bemaerkning"].ne("")
    out.insert(0, "aar", aar)
    out.insert(0, "kommune", kommune)
    return out


# --- the whole public benchmark of one municipality ------------------------------------------

@dataclass(frozen=True)
class Offentlig:
    """The public benchmark notebook 05 shows: `compare`'s and `reconcile`'s tables for the
    municipality as it stands in the statbank (`kommune`), the year, and notes."""

    kommune: str
    aar: int
    sammenligning: pd.DataFrame
    afstemning: pd.DataFrame
    graense: float
    noter: tuple[str, ...]


def offentlig(parametre, betalinger: pd.DataFrame) -> Offentlig | str:
    """Read the statbank folder of the parameters (benchmark.*) and compare the municipality
    (benchmark.statistikbank_kommune, else its slug) with its sammenligningskommuner, its
    region and the country in the latest published year, with the reconciliation against its
    own payments. Returns a Danish text saying what is missing instead where the folder is
    not set, cannot be read or does not hold the municipality."""
    from .data.statbank import StatbankFejl, read_folder

    b = parametre.benchmark
    folder = parametre.statbank_dir
    if folder is None:
        return ("Der er ikke angivet en mappe med udtræk fra Statistikbanken "
                "(benchmark.statbank_mappe i parametrene), så kommunen sammenlignes ikke med "
                "alle 98 kommuners regnskaber.")
    try:
        sb = read_folder(folder, b.regnskab_fil, b.befolkning_fil, dranst=tuple(b.dranst),
                         kvartal=b.befolkning_kvartal)
    except StatbankFejl as exc:
        return f"Den offentlige benchmark kan ikke vises: {exc}"
    slug = b.statistikbank_kommune or parametre.kommune
    tal = per_inhabitant(sb.regnskab, sb.befolkning, tuple(b.voksne_alder), tuple(b.boern_alder))
    if slug not in set(tal["kommune"]):
        return (f"Kommunen ({slug}) er ikke med i udtrækket fra Statistikbanken i {folder}; "
                "sæt benchmark.statistikbank_kommune, hvis kommunen står under et andet navn.")
    cmp = compare(tal, slug, list(parametre.sammenligningskommuner))
    year = int(cmp["aar"].iloc[0])
    rec = reconcile(tal, betalinger, slug, year, b.afstemning_graense)
    return Offentlig(slug, year, cmp, rec, b.afstemning_graense, tuple(sb.noter))
