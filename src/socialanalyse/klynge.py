"""Klynger: municipalities working together on capacity and the market from shared aggregates
(KL's recommendation 6; Vestklyngen, KKR Sjælland).

Every run shares byråd-safe aggregates (`build_aggregater`: no ids, counts of citizens under
the discretion threshold suppressed) in the documented, versioned format below; a cluster's
run reads its members' aggregates (`combine`) and computes, with plain functions:

- `price_spread`: providers used by several members and the unit price each member pays for
  the same paragraph, unit and need band: the spread, the cluster's weighted median and what
  each member would save at it (a joint negotiating position);
- `market_weight`: the cluster's spend per provider, its share of the members' external
  purchases and its trend;
- `capacity_matches`: members' free own places against other members' external purchases in
  the same paragraph and target group ("first choice among members") with the yearly saving;
- `takst_development`: the realised unit price per provider across the cluster year on year,
  against the price index and the cluster's cap;
- `key_figure_benchmark`: the members' key figures side by side with the cluster's median.

Providers are matched across members by name (`provider_key`: case, spaces and the company
form are ignored), since each municipality has its own provider ids.

Aggregate format, version 2 (`FORMAT`, also `format_table()` for the README). Each table has
a `kommune` column (the member's slug), so members' tables concatenate. Counts of citizens
(antal_borgere, antal_bevillinger, belagte_pladser and the count-like helaarspersoner) are
empty where 1..diskretion-1 citizens are behind the row, or where a single such cell could
be derived from a total (`privacy.suppression_mask`); `diskretioneret` says so. Money and
prices are not counts and are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import Data
from .data.derived import DAYS_PER_YEAR, days_in_period, population, reference_date
from .privacy import CPR_PATTERN, PSEUDONYM_PATTERN, suppression_mask

AGGREGAT_VERSION = 2
#: What changed with each version (Danish, for the README other municipalities read).
VERSION_NOTES = {
    2: "kapacitet: belagte og ledige pladser er gennemsnit over måneden, samme tal som "
       "arbejdsbog 07 Kapacitet (i version 1 borgere på månedens sidste dag), og aarspris er "
       "tilbuddets pris pr. plads som i arbejdsbog 07.",
}

#: The aggregate tables: column -> (type, Danish description). The format other
#: municipalities read; change it only with a new AGGREGAT_VERSION.
FORMAT: dict[str, dict[str, tuple[str, str]]] = {
    "metadata": {
        "kommune": ("tekst", "Kommunens slug (kommuner.csv)."),
        "navn": ("tekst", "Kommunens navn."),
        "version": ("heltal", "Formatets version (AGGREGAT_VERSION)."),
        "opgjort": ("dato", "Opgørelsesdato: sidste dag i seneste betalingsmåned."),
        "diskretion": ("heltal", "Diskretionsgrænsen: antal under den er skjult."),
        "prisindeks": ("tal", "Kommunens årlige pris- og lønregulering (andel)."),
    },
    "forbrug": {
        "kommune": ("tekst", "Kommunens slug."),
        "aar": ("heltal", "Kalenderår."),
        "maaneder": ("heltal", "Antal måneder af året med betalinger i udtrækket (12 = helt år)."),
        "leverandoer": ("tekst", "Leverandørens navn."),
        "leverandoertype": ("tekst", "egen drift, anden kommune, region, privat, selvejende."),
        "paragraf": ("tekst", "Lovgrundlag, fx §108."),
        "enhed": ("tekst", "doegn, time eller maaned."),
        "udgift": ("kr", "Betalinger i året for bevillinger hos leverandøren på paragraffen."),
        "pris_pr_enhed": ("kr", "Udgift / leverede enheder: realiseret pris pr. enhed."),
        "helaarspersoner": ("tal", "Gns. antal borgere i perioden (aktive dage / dage); skjult."),
        "antal_borgere": ("heltal", "Borgere med en bevilling i perioden; skjult ved diskretion."),
        "diskretioneret": ("ja/nej", "Antallene i rækken er skjult."),
    },
    "priser": {
        "kommune": ("tekst", "Kommunens slug."),
        "aar": ("heltal", "Året; bevillinger aktive ved årets udgang (i år: opgørelsesdatoen)."),
        "leverandoer": ("tekst", "Leverandørens navn."),
        "leverandoertype": ("tekst", "Leverandørtype."),
        "paragraf": ("tekst", "Lovgrundlag."),
        "enhed": ("tekst", "doegn, time eller maaned."),
        "niveau": ("heltal", "Støttebehov: gns. VUM-niveau ved start afrundet til 0-4 (tom = ukendt)."),
        "gennemsnitspris": ("kr", "Gns. enhedspris, reguleret til året."),
        "udgift": ("kr", "Årlig udgift for bevillingerne ved årets priser (inkl. tillæg)."),
        "antal_bevillinger": ("heltal", "Aktive bevillinger; skjult ved diskretion."),
        "antal_borgere": ("heltal", "Borgere med de bevillinger; skjult ved diskretion."),
        "diskretioneret": ("ja/nej", "Antallene i rækken er skjult."),
    },
    "kapacitet": {
        "kommune": ("tekst", "Kommunens slug."),
        "maaned": ("dato", "Månedens sidste dag; tallene er gennemsnit over måneden."),
        "tilbud": ("tekst", "Det egne tilbuds navn."),
        "paragraf": ("tekst", "Tilbuddets paragraf."),
        "maalgruppe": ("tekst", "Tilbuddets målgruppe (angivet, ellers beboernes hyppigste)."),
        "pladser": ("heltal", "Normerede pladser."),
        "belagte_pladser": ("tal", ("Gns. belagte pladser i måneden (samme tal som "
                            "arbejdsbog 07 Kapacitet); skjult ved diskretion.")),
        "ledige_pladser": ("tal", ("Gns. tomme pladser i måneden (pladser - belagte, mindst 0); "
                           "skjult, når belagte er.")),
        "aarspris": ("kr", ("Tilbuddets pris pr. plads pr. år: taksten, ellers bevillingernes "
                     "udgift pr. belagt døgn de seneste 12 måneder, × 365,25.")),
        "diskretioneret": ("ja/nej", "Antallene i rækken er skjult."),
    },
    "eksterne_koeb": {
        "kommune": ("tekst", "Kommunens slug."),
        "paragraf": ("tekst", "Lovgrundlag."),
        "maalgruppe": ("tekst", "Borgernes målgruppe."),
        "antal_borgere": ("heltal", "Borgere i eksterne tilbud på opgørelsesdatoen; skjult."),
        "aarspris": ("kr", "Gns. årlig udgift pr. bevilling (årets priser)."),
        "udgift": ("kr", "Samlet årlig udgift for bevillingerne."),
        "diskretioneret": ("ja/nej", "Antallet er skjult."),
    },
    "noegletal": {
        "kommune": ("tekst", "Kommunens slug."),
        "aar": ("heltal", "År."),
        "noegletal": ("tekst", "Nøgletallets navn (socialanalyse.noegletal)."),
        "gruppe": ("tekst", "Paragraf for tal pr. paragraf; tom = samlet."),
        "navn": ("tekst", "Nøgletallets danske navn."),
        "enhed": ("tekst", "kr, andel, antal eller pr_10000."),
        "vaerdi": ("tal", "Værdien; skjult, når den er et lille antal borgere eller sager."),
        "diskretioneret": ("ja/nej", "Værdien er skjult."),
    },
}

#: Columns holding counts of citizens (or grants), suppressed under the threshold.
COUNT_COLUMNS = ("antal_borgere", "antal_bevillinger", "belagte_pladser")
#: Columns that reveal a suppressed count and are hidden with it.
DERIVED_COUNT_COLUMNS = ("helaarspersoner", "ledige_pladser")

_COMPANY_FORM = re.compile(r"\b(aps|a/s|i/s|ivs|p/s|k/s|smba|s\.m\.b\.a\.)\b\.?")


class AggregatFejl(ValueError):
    """Aggregates that break the format or would leak row-level data (Danish message)."""


@dataclass(frozen=True)
class Aggregater:
    """One municipality's (or a cluster's combined) aggregate tables, as in FORMAT."""

    metadata: pd.DataFrame
    forbrug: pd.DataFrame
    priser: pd.DataFrame
    kapacitet: pd.DataFrame
    eksterne_koeb: pd.DataFrame
    noegletal: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in FORMAT's order."""
        return {name: getattr(self, name) for name in FORMAT}


def format_table() -> pd.DataFrame:
    """The format as one table (tabel, kolonne, type, beskrivelse) for aggregater/README."""
    return pd.DataFrame(
        [(table, col, kind, text) for table, cols in FORMAT.items()
         for col, (kind, text) in cols.items()],
        columns=["tabel", "kolonne", "type", "beskrivelse"])


def format_markdown() -> str:
    """The format as Danish Markdown (one table per aggregate table), for data/README.md and
    the aggregater/README.md a run writes."""
    intro = (f"Format version {AGGREGAT_VERSION}. Hver tabel er en Parquet-fil og en CSV-kopi "
             "(UTF-8, semikolon, decimalkomma) med samme navn.")
    lines = [intro, ""] + [f"- Version {v}: {text}" for v, text in sorted(VERSION_NOTES.items())]
    for table, cols in FORMAT.items():
        lines += ["", f"**`{table}`**", "", "| kolonne | type | beskrivelse |", "|---|---|---|"]
        lines += [f"| `{col}` | {kind} | {text} |" for col, (kind, text) in cols.items()]
    return "\n".join(lines) + "\n"


def provider_key(navn: pd.Series) -> pd.Series:
    """A provider's name for matching across members: lower case, company form (ApS, A/S …)
    and punctuation dropped, spaces collapsed."""
    text = navn.fillna("").astype(str).str.casefold()
    text = text.str.replace(_COMPANY_FORM, " ", regex=True)
    text = text.str.replace(r"[^\w]+", " ", regex=True)
    return text.str.strip().str.replace(r"\s+", " ", regex=True)


# --- building one municipality's aggregates ---------------------------------------------------

def _suppress(frame: pd.DataFrame, threshold: int, by: list[str], cells: list[str],
              counts: tuple[str, ...], derived: tuple[str, ...] = ()) -> pd.DataFrame:
    """Hide counts under the threshold, and a second cell where a single hidden one could be
    derived from the totals of `by` groups (rows: cells, columns: the rest; as
    privacy.suppression_mask)."""
    out = frame.copy()
    hidden = np.zeros(len(out), dtype=bool)
    if len(out):
        for _, part in out.groupby(by, sort=False, dropna=False):
            pivot = part.set_index(cells)["antal_borgere"] if "antal_borgere" in part else \
                part.set_index(cells)[counts[0]]
            table = pivot.to_frame("n")
            mask = suppression_mask(table.fillna(0), threshold, totals_shown=True)["n"]
            hidden[out.index.get_indexer(part.index)] = mask.to_numpy()
        for column in counts:
            if column in out:
                n = out[column].to_numpy(dtype=float)
                hidden |= (n > 0) & (n < threshold)
    for column in (*counts, *derived):
        if column in out:
            out[column] = out[column].astype(float).mask(hidden)
    out["diskretioneret"] = hidden
    return out


def _year_spans(ref_day: pd.Timestamp, years: int) -> list[tuple[int, pd.Timestamp, pd.Timestamp]]:
    return [(y, pd.Timestamp(y, 1, 1), min(pd.Timestamp(y, 12, 31), ref_day))
            for y in range(ref_day.year - years + 1, ref_day.year + 1)]


def _units_delivered(bev: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    """Units delivered by each grant over `days` active days (doegn/time per week, maaned
    per month)."""
    omfang = bev["omfang"].to_numpy(dtype=float)
    monthly = bev["enhed"].astype(str).eq("maaned").to_numpy()
    return np.where(monthly, omfang * days * 12 / 365.25, omfang * days / 7)


def _forbrug(data: Data, ref_day: pd.Timestamp, years: int, lev: pd.DataFrame) -> pd.DataFrame:
    bev = data.bevillinger.reset_index(drop=True)
    bet = data.betalinger
    pos = pd.Index(bev["bevilling_id"]).get_indexer(bet["bevilling_id"])
    pay_year = bet["periode"].dt.year.to_numpy()
    parts = []
    for year, first, last in _year_spans(ref_day, years):
        sel = (pay_year == year) & (pos >= 0)
        if not sel.any():
            continue
        months = int(bet.loc[sel, "periode"].dt.month.nunique())
        spend = np.bincount(pos[sel], weights=bet["beloeb"].to_numpy(float)[sel],
                            minlength=len(bev))
        days = days_in_period(bev, first, last).to_numpy(dtype=float)
        period_days = (last - first).days + 1
        frame = pd.DataFrame({
            "leverandoer_id": bev["leverandoer_id"].astype(str).to_numpy(),
            "paragraf": bev["paragraf"].astype(str).to_numpy(),
            "enhed": bev["enhed"].astype(str).to_numpy(),
            "borger_id": bev["borger_id"].to_numpy(),
            "udgift": spend, "dage": days, "enheder": _units_delivered(bev, days),
        })
        frame = frame[(frame["dage"] > 0) | (frame["udgift"] != 0)]
        g = frame.groupby(["leverandoer_id", "paragraf", "enhed"], sort=True)
        agg = g.agg(udgift=("udgift", "sum"), dage=("dage", "sum"), enheder=("enheder", "sum"))
        agg["antal_borgere"] = frame[frame["dage"] > 0].groupby(
            ["leverandoer_id", "paragraf", "enhed"])["borger_id"].nunique()
        agg = agg.reset_index()
        agg["antal_borgere"] = agg["antal_borgere"].fillna(0)
        agg["helaarspersoner"] = (agg["dage"] / period_days).round(1)
        agg["pris_pr_enhed"] = agg["udgift"] / agg["enheder"].where(agg["enheder"] > 0)
        parts.append(agg.assign(aar=year, maaneder=months))
    if not parts:
        return pd.DataFrame(columns=list(FORMAT["forbrug"]))
    out = pd.concat(parts, ignore_index=True)
    return out.join(lev, on="leverandoer_id")


def _priser(base: pd.DataFrame, data: Data, ref_day: pd.Timestamp, years: int,
            prisindeks: float) -> pd.DataFrame:
    """Active grants at each year's end (this year: the reference date), prices regulated."""
    bev = base
    units = bev["enheder_aar"].to_numpy(dtype=float)
    tillaeg = bev["tillaeg"].fillna(0).to_numpy(dtype=float) * 12
    start_year = bev["startdato"].dt.year.to_numpy()
    parts = []
    for year, _first, last in _year_spans(ref_day, years):
        active = ((bev["startdato"] <= last) & (bev["slutdato"].isna() | (bev["slutdato"] >= last))
                  ).to_numpy()
        if not active.any():
            continue
        price = bev["enhedspris"].to_numpy(float) * (1 + prisindeks) ** np.clip(
            year - start_year, 0, None)
        frame = pd.DataFrame({
            "leverandoer": bev["leverandoer_navn"].astype(str).to_numpy(),
            "leverandoertype": bev["leverandoertype"].astype(str).to_numpy(),
            "paragraf": bev["paragraf"].astype(str).to_numpy(),
            "enhed": bev["enhed"].astype(str).to_numpy(),
            "niveau": bev["niveau"].to_numpy(dtype=float),
            "pris": price, "udgift": price * units + tillaeg,
            "borger_id": bev["borger_id"].to_numpy(),
        })[active]
        keys = ["leverandoer", "leverandoertype", "paragraf", "enhed", "niveau"]
        agg = frame.groupby(keys, sort=True, dropna=False).agg(
            gennemsnitspris=("pris", "mean"), udgift=("udgift", "sum"),
            antal_bevillinger=("pris", "size"), antal_borgere=("borger_id", "nunique"))
        parts.append(agg.reset_index().assign(aar=year))
    if not parts:
        return pd.DataFrame(columns=list(FORMAT["priser"]))
    return pd.concat(parts, ignore_index=True)


def _kapacitet(data: Data, months: int, parametre) -> pd.DataFrame:
    """Own offers' places and occupancy per month: the kapacitet workbook's own figures
    (kapacitet.occupancy, the one definition: month averages of the citizens on each offer),
    its target group and its price per place-day over 12 months (the offer's takst when
    given, else its grants' cost per occupied day) as a yearly price. Empty without the tilbud
    table (the workbook then has no occupancy either)."""
    from . import kapacitet

    bel = kapacitet.occupancy(data, months, kapacitet.Indstillinger.fra(parametre))
    if isinstance(bel, kapacitet.IkkeTilgaengelig):
        return pd.DataFrame(columns=["tilbud_id", *FORMAT["kapacitet"]])
    m = bel.maaned
    offer = bel.tilbud.set_index("tilbud_id")
    return pd.DataFrame({
        "tilbud_id": m["tilbud_id"].astype(str).to_numpy(),
        "maaned": (m["maaned"] + pd.offsets.MonthEnd(0)).to_numpy(),
        "tilbud": m["navn"].to_numpy(), "paragraf": m["paragraf"].astype(str).to_numpy(),
        "maalgruppe": m["tilbud_id"].map(offer["maalgruppe"]).fillna("").to_numpy(),
        "pladser": m["pladser"].to_numpy(dtype=float),
        "belagte_pladser": m["belagte_pladser"].round(1).to_numpy(),
        "ledige_pladser": m["tomme_pladser"].round(1).to_numpy(),
        "aarspris": (m["tilbud_id"].map(offer["pris_pr_doegn"]) * DAYS_PER_YEAR).to_numpy(),
    })


def _eksterne_koeb(data: Data, base: pd.DataFrame) -> pd.DataFrame:
    ext = base[base["aktiv"].to_numpy() & base["leverandoertype"].astype(str).ne("egen drift")
               .to_numpy()]
    group = ext["borger_id"].map(data.borgere.set_index("borger_id")["maalgruppe"]).astype(str)
    frame = pd.DataFrame({"paragraf": ext["paragraf"].astype(str).to_numpy(),
                          "maalgruppe": group.to_numpy(), "borger_id": ext["borger_id"].to_numpy(),
                          "udgift": ext["aarlig_udgift"].to_numpy()})
    agg = frame.groupby(["paragraf", "maalgruppe"], sort=True).agg(
        antal_borgere=("borger_id", "nunique"), udgift=("udgift", "sum"), n=("udgift", "size"))
    agg["aarspris"] = agg["udgift"] / agg["n"]
    return agg.drop(columns="n").reset_index()


def _noegletal(data: Data, parametre, threshold: int) -> pd.DataFrame:
    from . import noegletal

    tal = noegletal.compute(data, parametre).tal.copy()
    p = parametre.noegletal
    pop = population(data.befolkning, p.alder_fra, p.alder_til)
    value = tal["vaerdi"].to_numpy(dtype=float)
    # A rate per 10,000 is a count once the (public) population is known.
    implied = np.where(tal["enhed"].eq("pr_10000"),
                       value * tal["aar"].map(pop).to_numpy(dtype=float) / 10_000, np.nan)
    count = np.where(tal["enhed"].eq("antal"), value, implied)
    hidden = (np.round(count, 6) > 0) & (np.round(count, 6) < threshold)
    tal["vaerdi"] = tal["vaerdi"].mask(hidden)
    tal["diskretioneret"] = hidden
    return tal


def build_aggregater(data: Data, parametre) -> Aggregater:
    """The byråd-safe aggregates of one municipality's canonical data (module docstring).

    parametre: the municipality's Parametre (diskretion, prisindeks, klynge.aggregat_aar and
    .belaegning_maaneder, the servicetjek, noegletal and kapacitet sections). No id of a
    citizen, grant or goal is in the result; the result passes `check_aggregater`.
    """
    from .servicetjek.base import screening_base

    threshold = int(parametre.diskretion)
    ref_day = reference_date(data.betalinger)
    if ref_day is None:
        raise AggregatFejl("Der er ingen betalinger i data, så aggregaterne kan ikke opgøres.")
    k = parametre.klynge
    lev = data.leverandoerer.assign(leverandoer_id=data.leverandoerer["leverandoer_id"].astype(str)
                                    ).set_index("leverandoer_id")
    lev = lev[["navn", "leverandoertype"]].rename(columns={"navn": "leverandoer"})
    lev["leverandoertype"] = lev["leverandoertype"].astype(str)
    base = screening_base(data, parametre, as_of=ref_day)
    kommune = parametre.kommune

    forbrug = _suppress(_forbrug(data, ref_day, k.aggregat_aar, lev), threshold,
                        ["aar"], ["leverandoer", "paragraf", "enhed"],
                        ("antal_borgere",), ("helaarspersoner",))
    priser = _suppress(_priser(base, data, ref_day, k.aggregat_aar, parametre.prisindeks),
                       threshold, ["aar"],
                       ["leverandoer", "leverandoertype", "paragraf", "enhed", "niveau"],
                       ("antal_borgere", "antal_bevillinger"))
    kap = _kapacitet(data, k.belaegning_maaneder, parametre)
    kap = kap.assign(antal_borgere=kap["belagte_pladser"])
    kap = _suppress(kap, threshold, ["maaned"], ["tilbud_id"],
                    ("belagte_pladser",), ("ledige_pladser",)).drop(columns="antal_borgere")
    ekstern = _suppress(_eksterne_koeb(data, base), threshold, ["paragraf"], ["maalgruppe"],
                        ("antal_borgere",))
    tal = _noegletal(data, parametre, threshold)
    metadata = pd.DataFrame([{
        "kommune": kommune, "navn": parametre.navn, "version": AGGREGAT_VERSION,
        "opgjort": ref_day, "diskretion": threshold, "prisindeks": float(parametre.prisindeks)}])
    tables = {"metadata": metadata, "forbrug": forbrug, "priser": priser, "kapacitet": kap,
              "eksterne_koeb": ekstern, "noegletal": tal}
    out = {}
    for name, frame in tables.items():
        frame = frame.assign(kommune=kommune)
        columns = list(FORMAT[name])
        out[name] = frame.reindex(columns=columns).reset_index(drop=True)
    for name in ("forbrug", "priser", "eksterne_koeb"):  # kapacitet's are month averages
        for column in COUNT_COLUMNS + DERIVED_COUNT_COLUMNS:
            if column in out[name] and column != "helaarspersoner":
                out[name][column] = out[name][column].round().astype("Int64")
    out["priser"]["niveau"] = out["priser"]["niveau"].astype("Int64")
    agg = Aggregater(**out)
    check_aggregater(agg, threshold)
    return agg


# --- the privacy and format check -------------------------------------------------------------

def aggregate_problems(agg: Aggregater, threshold: int, forbidden_ids: Iterable[str] = ()
                       ) -> list[str]:
    """What is wrong with a set of aggregate tables (empty = fine), in Danish: a table or
    column not in FORMAT (an id column cannot slip in), a wrong version, a count of 1 to
    threshold-1 shown, a count-like value shown in a suppressed row, or a cell that is one of
    `forbidden_ids`, a pseudonym or CPR-shaped."""
    problems: list[str] = []
    forbidden = {str(i) for i in forbidden_ids}
    for name, frame in agg.tables().items():
        extra = [c for c in frame.columns if c not in FORMAT[name]]
        missing = [c for c in FORMAT[name] if c not in frame.columns]
        if extra:
            problems.append(f"{name}: kolonnen {', '.join(map(str, extra))} hører ikke til "
                            f"formatet (version {AGGREGAT_VERSION})")
        if missing:
            problems.append(f"{name}: kolonnen {', '.join(missing)} mangler")
        for column in COUNT_COLUMNS:
            if column in frame:
                n = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
                small = (n > 0) & (n < threshold)
                if small.any():
                    problems.append(f"{name}: {int(small.sum())} rækker viser {column} under "
                                    f"diskretionsgrænsen {threshold}")
        if "diskretioneret" in frame:
            hidden = frame["diskretioneret"].fillna(False).astype(bool).to_numpy()
            for column in (*COUNT_COLUMNS, *DERIVED_COUNT_COLUMNS):
                if column in frame and pd.Series(frame[column]).notna().to_numpy()[hidden].any():
                    problems.append(f"{name}: {column} vises i diskretionerede rækker")
        for column in frame.columns:
            values = frame[column]
            if values.dtype != object and not pd.api.types.is_string_dtype(values):
                continue
            text = values.dropna().astype(str).str.strip()
            # Each cell looked up in the set: Series.isin(set) hashes the whole set (every id
            # of the municipality) again for every column, ~2 s CPU per municipality.
            known = pd.Series([t in forbidden for t in text], index=text.index, dtype=bool)
            bad = known | text.str.contains(PSEUDONYM_PATTERN) | \
                text.str.fullmatch(CPR_PATTERN)
            if bad.any():
                problems.append(f"{name}.{column}: {int(bad.sum())} celler ligner id'er eller "
                                f"CPR-numre (fx {text[bad].iloc[0]!r})")
    versions = set(pd.to_numeric(agg.metadata.get("version", pd.Series(dtype=float))).dropna())
    if versions - {AGGREGAT_VERSION}:
        problems.append(f"metadata: version {sorted(versions)} kan ikke læses (denne version af "
                        f"socialanalyse læser version {AGGREGAT_VERSION})")
    return problems


def check_aggregater(agg: Aggregater, threshold: int, forbidden_ids: Iterable[str] = ()) -> None:
    """Raise AggregatFejl when `aggregate_problems` finds anything."""
    problems = aggregate_problems(agg, threshold, forbidden_ids)
    if problems:
        raise AggregatFejl("Aggregaterne kan ikke deles:\n" + "\n".join(f"  - {p}" for p in problems))


# --- the cluster ------------------------------------------------------------------------------

def empty_aggregater() -> Aggregater:
    """Tables in FORMAT without rows (a cluster none of whose members has run yet)."""
    return Aggregater(**{name: pd.DataFrame({c: pd.Series(dtype=_DTYPES[kind])
                                             for c, (kind, _) in cols.items()})
                         for name, cols in FORMAT.items()})


_DTYPES = {"tekst": object, "heltal": "Int64", "tal": float, "kr": float, "dato": "datetime64[ns]",
           "ja/nej": bool}


def combine(members: Iterable[Aggregater]) -> Aggregater:
    """The members' aggregates as one set of tables (rows keep their kommune)."""
    members = list(members)
    if not members:
        raise AggregatFejl("Klyngen har ingen medlemmer med aggregater.")
    return Aggregater(**{
        name: pd.concat([getattr(m, name) for m in members], ignore_index=True)
        for name in FORMAT})


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted median: the smallest value whose cumulative weight (values sorted)
    reaches half the total; where it reaches exactly half, the mean of that value and the
    next. Rows with a missing value or a weight <= 0 are left out; NaN when none is left."""
    v = np.asarray(values, dtype=float)
    out = weighted_medians(v, np.asarray(weights, dtype=float), np.zeros(len(v), dtype=int))
    return float(out.get(0, np.nan))


def weighted_medians(values: np.ndarray, weights: np.ndarray, groups: np.ndarray) -> pd.Series:
    """`weighted_median` of each group at once (groups: an integer label per row); a
    Series by group label (groups with no usable row are absent)."""
    d = pd.DataFrame({"g": groups, "v": values, "w": weights})
    d = d[np.isfinite(d["v"]) & np.isfinite(d["w"]) & (d["w"] > 0)]
    if d.empty:
        return pd.Series(dtype=float)
    d = d.sort_values(["g", "v"], kind="stable")
    cum = d.groupby("g")["w"].cumsum()
    total = d.groupby("g")["w"].transform("sum")
    half = total / 2
    nxt = d.groupby("g")["v"].shift(-1)
    reached = d[(cum >= half - 1e-9 * total).to_numpy()]
    first = reached.groupby("g").head(1).index
    exact = np.isclose(cum[first], half[first], rtol=1e-12, atol=0) & nxt[first].notna()
    value = np.where(exact, (d.loc[first, "v"] + nxt[first]) / 2, d.loc[first, "v"])
    return pd.Series(value, index=d.loc[first, "g"].to_numpy())


def _latest(frame: pd.DataFrame, by: str = "aar") -> pd.DataFrame:
    """Each member's rows of its latest year."""
    latest = frame.groupby("kommune")[by].transform("max")
    return frame[frame[by] == latest]


PRICE_KEYS = ["noegle", "paragraf", "enhed", "niveau"]


def price_spread(priser: pd.DataFrame, min_medlemmer: int = 2) -> pd.DataFrame:
    """Providers several members buy from: each member's unit price for the same paragraph,
    unit and need band (each member's latest year), the cluster's weighted median (weights:
    units bought per year, udgift / gennemsnitspris), lowest, highest, spread (highest /
    lowest - 1) and the member's yearly saving at the cluster median (udgift × (1 - median /
    price) where the price is above it, else 0).

    One row per member and group; sorted by the group's total saving, largest first.
    """
    p = _latest(priser)
    # Own offers are not bought on the market (and each member has its own).
    p = p[p["leverandoertype"].astype(str).ne("egen drift")]
    p = p.assign(noegle=provider_key(p["leverandoer"]),
                 niveau=pd.to_numeric(p["niveau"], errors="coerce"))
    p = p[p["gennemsnitspris"] > 0]
    p = p.assign(enheder=p["udgift"] / p["gennemsnitspris"])
    keys = PRICE_KEYS
    # One row per member and group (a member may type the same provider differently).
    p = p.groupby([*keys, "kommune"], dropna=False).agg(
        leverandoer=("leverandoer", "first"), udgift=("udgift", "sum"),
        enheder=("enheder", "sum")).reset_index()
    p["gennemsnitspris"] = p["udgift"] / p["enheder"]
    p = p[p.groupby(keys, dropna=False)["kommune"].transform("nunique") >= min_medlemmer]
    if p.empty:
        return pd.DataFrame(columns=["leverandoer", *keys, "kommune", "gennemsnitspris",
                                     "udgift", "klynge_median", "laveste", "hoejeste",
                                     "spredning", "besparelse", "antal_medlemmer"])
    out = p.reset_index(drop=True)
    by = out.groupby(keys, dropna=False, sort=False)
    group = by.ngroup().to_numpy()  # shared provider groups
    medians = weighted_medians(out["gennemsnitspris"].to_numpy(), out["enheder"].to_numpy(),
                               group)
    out["klynge_median"] = medians.reindex(group).to_numpy()
    out["laveste"] = by["gennemsnitspris"].transform("min")
    out["hoejeste"] = by["gennemsnitspris"].transform("max")
    out["antal_medlemmer"] = by["kommune"].transform("nunique")
    out["spredning"] = out["hoejeste"] / out["laveste"] - 1
    out["besparelse"] = (out["udgift"] * (1 - out["klynge_median"] / out["gennemsnitspris"])
                         ).clip(lower=0)
    total = out.groupby(keys, dropna=False)["besparelse"].transform("sum")
    out = out.assign(_t=total).sort_values(["_t", *keys, "gennemsnitspris"],
                                           ascending=[False, True, True, True, True, False])
    out["niveau"] = out["niveau"].astype("Int64")
    return out.drop(columns=["_t", "enheder"]).reset_index(drop=True)[
        ["leverandoer", *keys, "kommune", "gennemsnitspris", "udgift", "klynge_median",
         "laveste", "hoejeste", "spredning", "besparelse", "antal_medlemmer"]]


def market_weight(forbrug: pd.DataFrame) -> pd.DataFrame:
    """The cluster's spend per provider and year: udgift (the members' payments), antal_medlemmer,
    andel (share of the members' purchases outside their own offers that year; NaN for own
    offers' rows, typed 'egen drift' by every member), helt_aar (all members have 12 months)
    and udvikling (change from the year before; complete years only)."""
    f = forbrug.assign(noegle=provider_key(forbrug["leverandoer"]))
    f = f.assign(ekstern=f["leverandoertype"].astype(str).ne("egen drift"))
    g = f.groupby(["noegle", "aar"])
    out = g.agg(leverandoer=("leverandoer", "first"), udgift=("udgift", "sum"),
                antal_medlemmer=("kommune", "nunique"), ekstern=("ekstern", "any"),
                maaneder=("maaneder", "min")).reset_index()
    external_total = f[f["ekstern"]].groupby("aar")["udgift"].sum()
    external_spend = f[f["ekstern"]].groupby(["noegle", "aar"])["udgift"].sum()
    key = pd.MultiIndex.from_frame(out[["noegle", "aar"]])
    out["andel"] = (external_spend.reindex(key).to_numpy()
                    / out["aar"].map(external_total).to_numpy())
    out["helt_aar"] = out["maaneder"].eq(12)
    out = out.sort_values(["noegle", "aar"])
    prev = out.groupby("noegle")["udgift"].shift()
    prev_full = out.groupby("noegle")["helt_aar"].shift().astype("boolean").fillna(False)
    out["udvikling"] = (out["udgift"] / prev - 1).where(out["helt_aar"] & prev_full.to_numpy())
    return out.drop(columns=["ekstern", "maaneder"]).reset_index(drop=True)


def capacity_matches(kapacitet: pd.DataFrame, eksterne_koeb: pd.DataFrame,
                     threshold: int) -> pd.DataFrame:
    """Members' free own places (each member's latest month) matched with other members'
    external purchases in the same paragraph and target group: "first choice among members".

    Places go first to the purchases with the highest yearly price, from the cheapest offer.
    Free places are whole places (the month's average rounded down). A suppressed count is
    taken at its safe bound (occupied under the threshold: free places pladser - threshold;
    purchases: 1); usikker marks those.
    Returns paragraf, maalgruppe, udbyder, tilbud, koeber, pladser, koebers_aarspris,
    tilbuddets_aarspris, aarlig_besparelse (pladser × (koebers_aarspris -
    tilbuddets_aarspris); NaN without the offer's price), usikker.
    """
    columns = ["paragraf", "maalgruppe", "udbyder", "tilbud", "koeber", "pladser",
               "koebers_aarspris", "tilbuddets_aarspris", "aarlig_besparelse", "usikker"]
    kap = _latest(kapacitet, "maaned").copy()
    free = np.floor(pd.to_numeric(kap["ledige_pladser"], errors="coerce") + 1e-9)
    bound = (kap["pladser"].astype(float) - threshold).clip(lower=0)
    kap["ledige"] = free.fillna(bound)
    kap["usikker"] = free.isna()
    supply = kap[kap["ledige"] > 0]
    demand = eksterne_koeb.copy()
    count = pd.to_numeric(demand["antal_borgere"], errors="coerce")
    demand["antal"] = count.fillna(1.0)
    demand["usikker"] = count.isna()
    demand = demand[demand["antal"] > 0]
    rows = []
    for (par, group), offers in supply.groupby(["paragraf", "maalgruppe"], sort=True):
        buyers = demand[(demand["paragraf"] == par) & (demand["maalgruppe"] == group)]
        if buyers.empty:
            continue
        ordered = offers.assign(_pris=offers["aarspris"].fillna(np.inf)).sort_values(
            ["_pris", "kommune", "tilbud"])
        offer_rows = list(ordered[["kommune", "tilbud", "aarspris", "usikker"]].itertuples(
            index=False, name=None))
        left = ordered["ledige"].to_list()
        for b in buyers.sort_values(["aarspris", "kommune"], ascending=[False, True]).itertuples():
            need = b.antal
            for i, (seller, tilbud, price, unsure) in enumerate(offer_rows):  # a few offers
                if need <= 0:
                    break
                if seller == b.kommune or left[i] <= 0:
                    continue
                n = min(need, left[i])
                left[i] -= n
                need -= n
                rows.append((par, group, seller, tilbud, b.kommune, n, b.aarspris, price,
                             n * (b.aarspris - price), bool(unsure or b.usikker)))
    out = pd.DataFrame(rows, columns=columns).astype({"pladser": int})
    return out.sort_values("aarlig_besparelse", ascending=False, na_position="last"
                           ).reset_index(drop=True)


def takst_development(forbrug: pd.DataFrame, prisindeks: float,
                      takstloft: float | None = None) -> pd.DataFrame:
    """The realised unit price per external provider, paragraph and unit across the cluster,
    complete years only: pris (the members' payments / units delivered, i.e. volume weighted),
    aendring (from the year before), over_indeks (aendring > prisindeks) and over_loft
    (aendring > prisindeks + takstloft; NaN without a cap)."""
    # Own offers' rows are no takst paid to a provider (as in price_spread).
    f = forbrug[forbrug["maaneder"].eq(12) & (forbrug["pris_pr_enhed"] > 0)
                & forbrug["leverandoertype"].astype(str).ne("egen drift")]
    f = f.assign(noegle=provider_key(f["leverandoer"]),
                 enheder=f["udgift"] / f["pris_pr_enhed"])
    keys = ["noegle", "paragraf", "enhed"]
    out = f.groupby([*keys, "aar"]).agg(
        leverandoer=("leverandoer", "first"), udgift=("udgift", "sum"),
        enheder=("enheder", "sum"), antal_medlemmer=("kommune", "nunique")).reset_index()
    out["pris"] = out["udgift"] / out["enheder"]
    out = out.sort_values([*keys, "aar"])
    prev = out.groupby(keys)["pris"].shift()
    prev_year = out.groupby(keys)["aar"].shift()
    out["aendring"] = (out["pris"] / prev - 1).where(prev_year == out["aar"] - 1)
    out["over_indeks"] = (out["aendring"] > prisindeks).where(out["aendring"].notna())
    out["over_loft"] = ((out["aendring"] > prisindeks + takstloft).where(out["aendring"].notna())
                        if takstloft is not None else np.nan)
    return out.drop(columns="enheder").reset_index(drop=True)


def key_figure_benchmark(noegletal: pd.DataFrame, navne: list[str] | None = None
                         ) -> pd.DataFrame:
    """The members' key figures (gruppe samlet) side by side in the latest year all members
    have: vaerdi, klynge_median (over members with a value) and forskel (vaerdi / median - 1).
    navne: key figures to show (default all)."""
    t = noegletal[noegletal["gruppe"].fillna("").eq("")]
    if navne is not None:
        t = t[t["noegletal"].isin(navne)]
    if t.empty:
        return pd.DataFrame(columns=["noegletal", "navn", "enhed", "aar", "kommune", "vaerdi",
                                     "klynge_median", "forskel"])
    year = int(t.groupby("kommune")["aar"].max().min())
    t = t[t["aar"] == year][["noegletal", "navn", "enhed", "aar", "kommune", "vaerdi"]].copy()
    t["klynge_median"] = t.groupby("noegletal")["vaerdi"].transform("median")
    t["forskel"] = t["vaerdi"] / t["klynge_median"] - 1
    return t.sort_values(["noegletal", "kommune"]).reset_index(drop=True)


# --- the files: aggregater/ in a run folder ---------------------------------------------------

README_FILE = "README.md"


def write_aggregater(agg: Aggregater, folder, threshold: int,
                     forbidden_ids: Iterable[str] = ()) -> None:
    """Write the tables into `folder` (which must not exist): `<tabel>.parquet`, a CSV copy
    a person can open (UTF-8 with BOM, semicolons, decimal comma) and a Danish README with the
    format. Checked first (`check_aggregater`: raises AggregatFejl and writes nothing); the
    files go into a hidden sibling folder renamed into place at the end, so a failure never
    leaves a folder that looks finished."""
    import os
    import shutil
    from pathlib import Path

    check_aggregater(agg, threshold, forbidden_ids)
    folder = Path(folder)
    part = folder.with_name(f".{folder.name}.skrives")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    try:
        for name, frame in agg.tables().items():
            frame.to_parquet(part / f"{name}.parquet", index=False)
            frame.to_csv(part / f"{name}.csv", sep=";", decimal=",", index=False,
                         encoding="utf-8-sig", date_format="%Y-%m-%d")
        meta = agg.metadata.iloc[0] if len(agg.metadata) else {}
        head = (f"# Aggregater for {meta.get('navn', '')}\n\n"
                f"Opgjort {pd.Timestamp(meta.get('opgjort')):%d.%m.%Y}. Kun aggregater: ingen "
                f"id'er på borgere, bevillinger eller mål, og antal borgere under "
                f"diskretionsgrænsen {threshold} er skjult (`diskretioneret`). Klyngens kørsel "
                "(`socialanalyse klynge --navn X`) læser Parquet-filerne.\n\n")
        (part / README_FILE).write_text(head + format_markdown(), encoding="utf-8")
        os.replace(part, folder)
    finally:
        shutil.rmtree(part, ignore_errors=True)


def read_aggregater(folder) -> Aggregater:
    """The aggregate tables a run wrote into `folder` (Parquet). Raises AggregatFejl (Danish,
    naming the folder) when a table is missing or the format's version is not this one."""
    from pathlib import Path

    folder = Path(folder)
    tables = {}
    for name in FORMAT:
        path = folder / f"{name}.parquet"
        if not path.is_file():
            raise AggregatFejl(f"{folder}: tabellen {name}.parquet mangler.")
        tables[name] = pd.read_parquet(path)
    agg = Aggregater(**tables)
    versions = set(pd.to_numeric(agg.metadata["version"]).dropna())
    if versions != {AGGREGAT_VERSION}:
        raise AggregatFejl(f"{folder}: aggregaterne har formatversion {sorted(versions)}; "
                           f"denne version af socialanalyse læser version {AGGREGAT_VERSION}.")
    return agg


# --- the whole cluster step -------------------------------------------------------------------

@dataclass(frozen=True)
class Klyngeresultat:
    """Everything the cluster's workbook shows (one call: `analyse`)."""

    medlemmer: list[str]
    prisindeks: float
    takstloft: float | None
    priser: pd.DataFrame  # price_spread
    marked: pd.DataFrame  # market_weight
    match: pd.DataFrame  # capacity_matches
    takster: pd.DataFrame  # takst_development
    noegletal: pd.DataFrame  # key_figure_benchmark


def analyse(agg: Aggregater, *, min_medlemmer: int = 2, prisindeks: float | None = None,
            takstloft: float | None = None, diskretion: int | None = None) -> Klyngeresultat:
    """Run every cluster function on the members' combined aggregates. prisindeks: the
    cluster's index (None: the median of the members' own, from metadata); diskretion: the
    threshold for capacity_matches' safe bounds (None: the highest of the members')."""
    meta = agg.metadata
    if prisindeks is None:
        own = pd.to_numeric(meta["prisindeks"]).median()
        prisindeks = float(own) if pd.notna(own) else 0.0
    if diskretion is None:
        highest = pd.to_numeric(meta["diskretion"]).max()
        diskretion = int(highest) if pd.notna(highest) else 5
    return Klyngeresultat(
        medlemmer=sorted(meta["kommune"].astype(str).unique()),
        prisindeks=prisindeks, takstloft=takstloft,
        priser=price_spread(agg.priser, min_medlemmer),
        marked=market_weight(agg.forbrug),
        match=capacity_matches(agg.kapacitet, agg.eksterne_koeb, diskretion),
        takster=takst_development(agg.forbrug, prisindeks, takstloft),
        noegletal=key_figure_benchmark(agg.noegletal))
