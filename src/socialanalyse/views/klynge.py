"""What notebook 09_klynge shows: which members are in (and who is missing or stale), the
price spread per shared provider with the cluster's weighted median and each member's saving,
the cluster's market weight and its trend, "first choice among members" capacity matches,
takst development against the index and the cap, and the key-figure benchmark. The numbers
come from socialanalyse.klynge; this module reads the members' latest runs (`read_members`)
and makes figures (with alt texts), Danish tables, the Excel file and the headline results.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .. import klynge, report
from ..report.format import amount, pct, tal
from ..report.labels import kommune_name
from ..report.outputs import AGGREGAT_DIR, MANIFEST_FILE, default_root, latest_run
from ..report.theme import axis_kr, axis_pct
from ..servicetjek.base import ENHED_NAVN

OK = "ok"
MISSING = "ingen kørsel"
NO_AGGREGATES = "ingen aggregater"
STALE = "forældet"
UNREADABLE = "ulæselig"
COLOURS = {"pris": "#0173b2", "median": "#d55e00", "indeks": "#029e73", "loft": "#d55e00",
           "stigning": "#0173b2"}


# --- the members ------------------------------------------------------------------------------

def _run_date(run: Path) -> dt.datetime | None:
    """When a run started: its manifest's start, else the run id's time stamp."""
    try:
        start = json.loads((run / MANIFEST_FILE).read_text(encoding="utf-8")).get("start")
        return dt.datetime.fromisoformat(start).replace(tzinfo=None)
    except (OSError, ValueError, TypeError, AttributeError):
        try:
            return dt.datetime.strptime(run.name[:15], "%Y%m%d-%H%M%S")
        except ValueError:
            return None


def read_members(output_root: Path, medlemmer: list[str], foraeldet_dage: int,
                 now: dt.datetime | None = None) -> tuple[klynge.Aggregater | None, pd.DataFrame]:
    """Each member's aggregates from its latest successful run (output_root/<slug>/seneste/
    aggregater/), and a status table: kommune, navn, status (ok, ingen kørsel, ingen
    aggregater, forældet, ulæselig), koersel (run id), koersel_dato, alder_dage, opgjort,
    besked (Danish). Stale members (older than `foraeldet_dage`) and unreadable ones are left
    out of the combined aggregates (None when no member is usable) but named in the table."""
    now = now or dt.datetime.now()
    rows, usable = [], []
    for slug in medlemmer:
        row = {"kommune": slug, "navn": kommune_name(slug), "status": OK, "koersel": None,
               "koersel_dato": pd.NaT, "alder_dage": np.nan, "opgjort": pd.NaT, "besked": ""}
        run = latest_run(Path(output_root) / slug)
        if run is None or not run.is_dir():
            row |= {"status": MISSING, "besked": "har ingen vellykket kørsel (seneste) i "
                    f"{Path(output_root) / slug}"}
            rows.append(row)
            continue
        started = _run_date(run)
        row |= {"koersel": run.name, "koersel_dato": pd.Timestamp(started) if started else pd.NaT}
        if started is not None:
            row["alder_dage"] = (now - started).days
        if not (run / AGGREGAT_DIR).is_dir():
            row |= {"status": NO_AGGREGATES, "besked": f"kørslen {run.name} har ingen "
                    f"{AGGREGAT_DIR}/ (kør kommunen igen med denne version)"}
        elif started is not None and row["alder_dage"] > foraeldet_dage:
            row |= {"status": STALE, "besked": f"seneste kørsel er {row['alder_dage']} dage "
                    f"gammel (grænsen er {foraeldet_dage} dage)"}
        else:
            try:
                agg = klynge.read_aggregater(run / AGGREGAT_DIR)
                row["opgjort"] = pd.Timestamp(agg.metadata["opgjort"].iloc[0])
                usable.append(agg)
            except (klynge.AggregatFejl, OSError, ValueError) as exc:
                row |= {"status": UNREADABLE, "besked": str(exc)}
        rows.append(row)
    status = pd.DataFrame(rows)
    return (klynge.combine(usable) if usable else None), status


def output_root(session) -> Path:
    """The output folder holding the members' runs: a cluster's run lies in
    output/klynger/<navn>/<run-id>/; interactively the project's output/."""
    if session.run_dir is not None:
        return Path(session.run_dir).resolve().parents[2]
    return default_root()


def load(session) -> tuple[klynge.Klyngeresultat, pd.DataFrame]:
    """The cluster's results and its members' status for a cluster session
    (report.setup_klynge): read_members, then klynge.analyse with the cluster's goals."""
    kp = session.parametre
    agg, status = read_members(output_root(session), kp.medlemmer, kp.foraeldet_dage)
    res = klynge.analyse(agg if agg is not None else klynge.empty_aggregater(),
                         min_medlemmer=kp.min_medlemmer, prisindeks=kp.maal.prisindeks,
                         takstloft=kp.maal.takstloft)
    return res, status


def members_text(status: pd.DataFrame) -> str:
    """Who is in the cluster's figures and who is not, and why (Danish)."""
    ok = status[status["status"] == OK]
    out = status[status["status"] != OK]
    text = (f"{len(ok)} af {len(status)} medlemmer er med i opgørelsen: "
            f"{', '.join(ok['navn']) or 'ingen'}.")
    if len(out):
        text += " Ikke med: " + "; ".join(f"{r.navn} {r.besked}" for r in out.itertuples()) + "."
    return text


def _shown(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """`frame`'s columns named in `columns` (code name -> Danish header), in that order."""
    return frame.rename(columns=columns)[list(columns.values())]


def members_table(status: pd.DataFrame) -> pd.DataFrame:
    """The members' status for display."""
    t = status.assign(koersel_dato=status["koersel_dato"].dt.normalize())
    return _shown(t, {
        "navn": "Kommune", "status": "Status", "koersel": "Kørsel", "koersel_dato": "Kørt",
        "alder_dage": "Alder (dage)", "opgjort": "Data opgjort", "besked": "Bemærkning",
    })


# --- prices -----------------------------------------------------------------------------------

def _group_label(r) -> str:
    import textwrap

    level = "" if pd.isna(r.niveau) else f", niveau {int(r.niveau)}"
    unit = ENHED_NAVN.get(r.enhed, r.enhed)  # døgn, not the code doegn
    return textwrap.fill(f"{r.leverandoer} ({r.paragraf}, pr. {unit}{level})", 38)


def _unit_names(enhed: pd.Series) -> pd.Series:
    """The units in Danish (døgn, time, måned) instead of their codes."""
    return enhed.map(lambda e: ENHED_NAVN.get(e, e))


def price_groups(spread: pd.DataFrame) -> pd.DataFrame:
    """One row per shared provider group: leverandør, paragraf, enhed, niveau, members,
    lowest/highest price, spread, cluster median and the members' total saving."""
    keys = ["leverandoer", "paragraf", "enhed", "niveau"]
    if spread.empty:
        return pd.DataFrame(columns=[*keys, "antal_medlemmer", "laveste", "hoejeste",
                                     "spredning", "klynge_median", "besparelse"])
    g = spread.groupby(klynge.PRICE_KEYS, dropna=False, sort=False).agg(
        leverandoer=("leverandoer", "first"), antal_medlemmer=("antal_medlemmer", "first"),
        laveste=("laveste", "first"), hoejeste=("hoejeste", "first"),
        spredning=("spredning", "first"), klynge_median=("klynge_median", "first"),
        besparelse=("besparelse", "sum")).reset_index()
    return g[[*keys, "antal_medlemmer", "laveste", "hoejeste", "spredning", "klynge_median",
              "besparelse"]].sort_values("besparelse", ascending=False).reset_index(drop=True)


def price_figure(spread: pd.DataFrame, n: int = 8):
    """The n shared provider groups with the largest saving: each member's unit price (dots,
    named) against the cluster's weighted median (line)."""
    import matplotlib.pyplot as plt

    groups = price_groups(spread).head(n)
    fig, ax = plt.subplots(figsize=(11, 1.0 * max(len(groups), 1) + 1.5))
    for i, g in enumerate(groups.itertuples()):
        y = len(groups) - 1 - i
        rows = spread[(spread["leverandoer"] == g.leverandoer) & (spread["paragraf"] == g.paragraf)
                      & (spread["enhed"] == g.enhed)
                      & (spread["niveau"].astype("Float64").fillna(-1)
                         == (-1 if pd.isna(g.niveau) else g.niveau))]
        ax.scatter(rows["gennemsnitspris"], [y] * len(rows), color=COLOURS["pris"], zorder=3)
        for r in rows.itertuples():
            ax.annotate(kommune_name(r.kommune), (r.gennemsnitspris, y), xytext=(0, 6),
                        textcoords="offset points", ha="center", fontsize=7)
        ax.plot([g.klynge_median] * 2, [y - 0.3, y + 0.3], color=COLOURS["median"], lw=2.5)
    ax.set_yticks(range(len(groups)), [_group_label(g) for g in groups.itertuples()][::-1],
                  fontsize=9)
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xlabel("Gennemsnitlig pris pr. enhed")
    axis_kr(ax, "x")
    ax.set_title("Pris pr. enhed hos fælles leverandører (streg: klyngens vægtede median)")
    fig.tight_layout()
    return fig


def price_alt(spread: pd.DataFrame) -> str:
    """Alt text of price_figure."""
    groups = price_groups(spread)
    if groups.empty:
        return "Ingen leverandører bruges af flere medlemmer for samme paragraf og enhed."
    top = groups.iloc[0]
    return (f"Punktdiagram over {len(groups)} fælles leverandørgrupper. Størst besparelse ved "
            f"klyngens median: {top['leverandoer']} ({top['paragraf']}), priser fra "
            f"{amount(top['laveste'])} til {amount(top['hoejeste'])}, median "
            f"{amount(top['klynge_median'])}, samlet besparelse {amount(top['besparelse'])} "
            "om året.")


def price_table(spread: pd.DataFrame) -> pd.DataFrame:
    """Each member's price in each shared group with the median and its yearly saving."""
    t = spread.assign(kommune=spread["kommune"].map(kommune_name),
                      enhed=_unit_names(spread["enhed"]))
    return _shown(t, {
        "leverandoer": "Leverandør", "paragraf": "Paragraf", "enhed": "Enhed",
        "niveau": "Niveau", "kommune": "Kommune", "gennemsnitspris": "Pris pr. enhed",
        "klynge_median": "Klyngens median", "spredning": "Spredning",
        "udgift": "Årlig udgift", "besparelse": "Besparelse ved median pr. år",
    })


PRICE_MONEY = ["Pris pr. enhed", "Klyngens median", "Årlig udgift", "Besparelse ved median pr. år"]


# --- market weight ----------------------------------------------------------------------------

def market_table(marked: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The external providers with the cluster's largest spend in the latest year: spend,
    share of the members' external purchases, members buying and the change from last year."""
    columns = {"leverandoer": "Leverandør", "aar": "År", "udgift": "Udgift", "andel": "Andel",
               "antal_medlemmer": "Medlemmer", "udvikling": "Udvikling"}
    ext = marked[marked["andel"].notna()]
    if ext.empty:
        return pd.DataFrame(columns=list(columns.values()))
    last = ext[ext["aar"] == ext["aar"].max()].nlargest(n, "udgift")
    last = last.assign(aar=last["aar"].astype(str))  # a year, not an amount
    return _shown(last, columns).reset_index(drop=True)


def market_figure(marked: pd.DataFrame, n: int = 6):
    """The cluster's yearly spend at its n largest external providers (latest year), over
    the years."""
    import matplotlib.pyplot as plt

    ext = marked[marked["andel"].notna()]
    top = market_table(marked, n)["Leverandør"].tolist()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for name in top:
        rows = ext[ext["leverandoer"] == name].sort_values("aar")
        ax.plot(rows["aar"], rows["udgift"], marker="o", label=name)
    ax.set_xlabel("År (det seneste kan være et delår)")
    ax.set_ylabel("Klyngens udgift")
    axis_kr(ax)
    if top:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
        ax.set_xticks(sorted(ext["aar"].unique()))
    ax.set_title("Klyngens køb hos de største eksterne leverandører")
    fig.tight_layout()
    return fig


def market_alt(marked: pd.DataFrame) -> str:
    """Alt text of market_figure."""
    t = market_table(marked, 1)
    if t.empty:
        return "Klyngen har ingen eksterne køb i aggregaterne."
    r = t.iloc[0]
    return (f"Linjediagram over klyngens årlige køb hos de største eksterne leverandører. "
            f"Størst i {r['År']}: {r['Leverandør']} med {amount(r['Udgift'])}, "
            f"{pct(r['Andel'])} af medlemmernes eksterne køb.")


# --- capacity ---------------------------------------------------------------------------------

MATCH_COUNTS = {"Pladser": "borgere"}  # free places reveal occupancy: suppressed as counts


def match_table(match: pd.DataFrame) -> pd.DataFrame:
    """The matched list: offering member and offer, buying member, places, prices, saving."""
    t = match.assign(udbyder=match["udbyder"].map(kommune_name),
                     koeber=match["koeber"].map(kommune_name),
                     usikker=match["usikker"].map({True: "ja", False: "nej"}))
    return _shown(t, {
        "paragraf": "Paragraf", "maalgruppe": "Målgruppe", "udbyder": "Ledig plads i",
        "tilbud": "Tilbud", "koeber": "Køber eksternt", "pladser": "Pladser",
        "koebers_aarspris": "Købers årspris", "tilbuddets_aarspris": "Tilbuddets årspris",
        "aarlig_besparelse": "Årlig besparelse", "usikker": "Skønnet (diskretion)",
    })


MATCH_MONEY = ["Købers årspris", "Tilbuddets årspris", "Årlig besparelse"]


def match_text(match: pd.DataFrame) -> str:
    """One Danish sentence on the matches."""
    if match.empty:
        return ("Ingen medlemmer har ledige pladser i egne tilbud, som andre medlemmer køber "
                "eksternt i samme paragraf og målgruppe.")
    # A match where the own offer costs more than the external place saves nothing: it is
    # counted, not netted against the savings of the others.
    cheaper = match["aarlig_besparelse"] > 0
    text = (f"{len(match)} match mellem ledige pladser og andre medlemmers eksterne køb i samme "
            f"paragraf og målgruppe")
    if cheaper.any():
        text += (f"; de {cheaper.sum()}, hvor det egne tilbud er billigst, sparer brugt fuldt ud "
                 f"{amount(match.loc[cheaper, 'aarlig_besparelse'].sum())} om året")
    dearer = int((match["aarlig_besparelse"] < 0).sum())
    if dearer:
        text += (f". I {dearer} match er det egne tilbud dyrere end det eksterne køb; de er ikke "
                 f"regnet med i besparelsen")
    return text + "."


# --- takster ----------------------------------------------------------------------------------

def takst_table(takster: pd.DataFrame) -> pd.DataFrame:
    """Each provider's realised price change in the latest complete year against the index."""
    t = takster[takster["aendring"].notna()]
    columns = {"leverandoer": "Leverandør", "paragraf": "Paragraf", "enhed": "Enhed",
               "aar": "År", "pris": "Pris", "aendring": "Stigning",
               "over_indeks": "Over indeks", "over_loft": "Over loft",
               "antal_medlemmer": "Medlemmer"}
    if t.empty:
        return pd.DataFrame(columns=list(columns.values()))
    t = t[t["aar"] == t["aar"].max()].sort_values("aendring", ascending=False)
    yes = {True: "ja", False: "nej"}
    t = t.assign(over_indeks=t["over_indeks"].map(yes), over_loft=t["over_loft"].map(yes),
                 aar=t["aar"].astype(str))
    return _shown(t, columns).reset_index(drop=True)


def takst_figure(res: klynge.Klyngeresultat):
    """The distribution of providers' price changes (latest complete year) against the index
    and the cap."""
    import matplotlib.pyplot as plt

    t = res.takster[res.takster["aendring"].notna()]
    t = t[t["aar"] == t["aar"].max()] if len(t) else t
    fig, ax = plt.subplots(figsize=(8, 4))
    if len(t):
        ax.hist(t["aendring"].clip(-0.2, 0.3), bins=25, color=COLOURS["stigning"])
    ax.axvline(res.prisindeks, color=COLOURS["indeks"], lw=2, label="Prisindeks")
    if res.takstloft is not None:
        ax.axvline(res.prisindeks + res.takstloft, color=COLOURS["loft"], ls="--", lw=2,
                   label="Indeks + klyngens loft")
    axis_pct(ax, "x")
    ax.set_xlabel("Stigning i realiseret pris pr. enhed fra året før")
    ax.set_ylabel("Leverandører × paragraf")
    ax.legend(fontsize=8)
    ax.set_title("Takstudvikling i klyngen")
    fig.tight_layout()
    return fig


def takst_alt(res: klynge.Klyngeresultat) -> str:
    """Alt text of takst_figure."""
    t = takst_table(res.takster)
    if t.empty:
        return "Der er ikke to hele år at sammenligne takster på."
    over = (t["Over indeks"] == "ja").sum()
    return (f"Histogram over {len(t)} leverandørers prisstigning i {t['År'].iloc[0]}; {over} "
            f"steg mere end prisindekset på {pct(res.prisindeks)}.")


# --- key figures ------------------------------------------------------------------------------

def benchmark_table(noegletal: pd.DataFrame) -> pd.DataFrame:
    """The members' key figures side by side (one column per member) with the median."""
    if noegletal.empty:
        return pd.DataFrame()
    from .noegletal import value_text

    t = noegletal.assign(kommune=noegletal["kommune"].map(kommune_name),
                         tekst=[value_text(v, e) for v, e in
                                zip(noegletal["vaerdi"], noegletal["enhed"])])
    wide = t.pivot_table(index=["navn"], columns="kommune", values="tekst", aggfunc="first")
    med = t.groupby("navn").agg(m=("klynge_median", "first"), e=("enhed", "first"))
    wide["Klyngens median"] = [value_text(m, e) for m, e in zip(med["m"], med["e"])]
    wide.index.name = f"Nøgletal ({int(t['aar'].iloc[0])})"
    wide.columns.name = None
    return wide.reset_index()


# --- results and Excel ------------------------------------------------------------------------

def headline_results(res: klynge.Klyngeresultat, status: pd.DataFrame
                     ) -> dict[str, report.Headline]:
    """The cluster's headline figures for `report.record_all`, each with its unit."""
    h = report.Headline
    groups = price_groups(res.priser)
    over = takst_table(res.takster)
    return {
        "medlemmer_med": h(int((status["status"] == OK).sum()), "Medlemmer med i opgørelsen",
                           "tal"),
        "medlemmer_mangler": h(int((status["status"] != OK).sum()),
                               "Medlemmer, der mangler eller er forældede", "tal"),
        "faelles_leverandoerer": h(int(groups["leverandoer"].nunique()) if len(groups) else 0,
                                   "Leverandører brugt af flere medlemmer", "tal"),
        "besparelse_ved_median": h(float(res.priser["besparelse"].sum()),
                                   "Besparelse pr. år ved klyngens medianpris", "mio_kr"),
        "ledige_pladser_match": h(float(res.match["pladser"].sum()),
                                  "Ledige pladser matchet med andre medlemmers køb", "borgere"),
        "besparelse_ved_match": h(float(res.match["aarlig_besparelse"].sum()),
                                  "Besparelse pr. år ved at bruge medlemmernes pladser", "mio_kr"),
        "takster_over_indeks": h(int((over["Over indeks"] == "ja").sum()),
                                 "Leverandører med stigning over indekset", "tal"),
    }


def excel_tables(res: klynge.Klyngeresultat, status: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The intern Excel file's sheets."""
    return {
        "Medlemmer": members_table(status),
        "Priser": price_table(res.priser),
        "Prisgrupper": price_groups(res.priser).pipe(
            lambda g: g.assign(enhed=_unit_names(g["enhed"]))),
        "Markedsvægt": res.marked.drop(columns="noegle"),
        "Kapacitet": match_table(res.match),
        "Takster": res.takster.drop(columns="noegle").assign(
            enhed=_unit_names(res.takster["enhed"])),
        "Nøgletal": res.noegletal,
    }


def summary_text(res: klynge.Klyngeresultat) -> str:
    """The headline in one paragraph (Danish)."""
    groups = price_groups(res.priser)
    return (f"Klyngen har {tal(len(groups))} fælles leverandørgrupper; betaler alle medlemmer "
            f"klyngens medianpris, spares {amount(res.priser['besparelse'].sum())} om året. "
            + match_text(res.match))
