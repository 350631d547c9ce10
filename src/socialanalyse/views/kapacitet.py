"""What notebook 07_kapacitet shows: the occupancy of the own offers month by month and the cost
of empty places, the offers that are full while citizens are placed externally, the
hjemtagning list and its saving, self-sufficiency against the goal, the indsatstrappe with its
flows and step-down after §107, and the need for places in the coming budget years (figures
with alt texts, display tables, Danish texts), the intern panel and the headline results.
Nothing here computes an analysis: the numbers come from socialanalyse.kapacitet.

Every figure function returns a matplotlib Figure (show it with `report.figure(fig, alt=...)`)
and has an `*_alt` companion with the Danish alt text. Functions taking `diskretion` hide
counts of citizens below it (byråd; None for intern use): an offer with fewer residents than
that shows neither its residents nor the figures they can be read from (occupancy, free
places). `Panel` wires ipywidgets to plain functions (`month_view`, `homecoming_view`), so it
is tested without a browser: set a widget's value and read `panel.hjemtagning`.
"""

from __future__ import annotations

import dataclasses
import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import kapacitet as K
from .. import report
from ..report.format import amount, dato_lang, maaned, mio_kr, pct, sentence, sentences, tal
from ..report.theme import axis_kr, axis_pct, axis_tal
from ..report.widgets import control_layout, control_style, slider_row

if TYPE_CHECKING:
    from ..data import Data

COLOURS = {"belagt": "#0173b2", "pladser": "#c6dbef", "tom": "#d55e00", "maal": "#029e73",
           "lav": "#56b4e9", "hoej": "#0173b2", "ude": "#bdbdbd", "op": "#d55e00",
           "ned": "#029e73", "ud": "#9e9e9e", "ind": "#0173b2"}
PRISGRUNDLAG = {"takst": "tilbuddets takst", "bevillinger": "bevillingerne i tilbuddet",
                "ingen": "ingen pris"}
#: What the count columns of the display tables count (`report.show_table(counts=...)`).
OFFER_COUNTS = {"Beboere nu": "borgere"}
FULL_COUNTS = {"Borgere eksternt": "borgere"}
HOMECOMING_COUNTS = {"Kandidater": "borgere"}
MOVEMENT_COUNTS = {c: "borgere" for c in ("Op ad trappen", "Ned ad trappen",
                                          "Ud (ingen indsats)", "Ind (ny indsats)")}
STEP_DOWN_COUNTS = {"Afsluttede ophold": "borgere", "Fulgt af mindre indgribende": "borgere"}
THIN_COUNTS = {"Borgere nu": "borgere"}
NEED_COUNTS = {c: "borgere" for c in ("Lavt skøn", "Behov", "Højt skøn")}
HIDDEN = "x"  # a figure hidden because it reveals a count below the threshold
UDFALD_TEKST = {"invester": "selv det lave skøn ligger mindst én plads over kapaciteten",
                "reducer": "selv det høje skøn ligger mindst én plads under kapaciteten",
                "hold": "kapaciteten ligger inden for usikkerheden"}
INGEN_INDSATS = "Ingen indsats"
LAST_MONTHS = 12


def _fig(width: float = 8.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _kr_axis(ax, axis: str = "x") -> None:
    """Amounts on an axis with at most five ticks, so 'mio. kr.' labels never overlap."""
    from matplotlib.ticker import MaxNLocator

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(4))
    axis_kr(ax, axis)


def _share_range(lav: float, hoej: float) -> str:
    """(0.2, 0.5) -> '20–50 %'."""
    return f"{tal(lav * 100)}–{tal(hoej * 100)} %"


def settings(parametre, ledige_maaneder: int | None = None,
             marginal_andel: tuple[float, float] | list[float] | None = None) -> K.Indstillinger:
    """The capacity settings of the parameters, with the notebook's own choices (None: keep)."""
    ind = K.Indstillinger.fra(parametre)
    changes = {}
    if ledige_maaneder is not None:
        if int(ledige_maaneder) < 1:
            raise ValueError("ledige_maaneder skal være mindst 1 måned.")
        changes["ledige_maaneder"] = int(ledige_maaneder)
    if marginal_andel is not None:
        lav, hoej = (float(x) for x in marginal_andel)
        if not 0 <= lav <= hoej <= 1:
            raise ValueError("marginal_andel skal være [lav, høj] med 0 ≤ lav ≤ høj ≤ 1, "
                             f"fx [0.2, 0.5] (fik {list(marginal_andel)}).")
        changes["marginal_andel"] = (lav, hoej)
    return dataclasses.replace(ind, **changes)


def missing_text(*results) -> str | None:
    """What the data lack for the capacity figures and what is shown anyway (None: nothing
    is missing). `results`: the analyses' results, some maybe `IkkeTilgaengelig`."""
    missing = [r for r in results if isinstance(r, K.IkkeTilgaengelig)]
    if not missing:
        return None
    by_reason: dict[str, list[str]] = {}
    for r in missing:
        by_reason.setdefault(r.aarsag, []).append(r.hvad)
    lines = []
    for aarsag, what in by_reason.items():
        names = what[0] + "".join((" og " if i == len(what) - 1 else ", ") + w[0].lower() + w[1:]
                                  for i, w in enumerate(what[1:], start=1))
        lines.append(f"- {names} kan ikke vises: {aarsag}")
    return ("**Data mangler til en del af arbejdsbogen.**\n\n" + "\n".join(lines) + "\n\n"
            "Selvforsyningsgraden kræver kun bevillinger og leverandører og indsatstrappen kun "
            "bevillinger, så de vises alligevel, når data har dem.")


def unavailable(result: K.IkkeTilgaengelig) -> str:
    """The short note in a section the data cannot fill (the reason stands at the top)."""
    return f"*{result.hvad} kan ikke vises med disse data (se øverst, hvad der mangler).*"


# --- occupancy ----------------------------------------------------------------------------------


def _order(bel: K.Belaegning) -> pd.DataFrame:
    """The offers in display order: by step on the indsatstrappe (most intrusive first), name."""
    from .. import reference as ref

    trin = ref.paragraffer().set_index("paragraf")["trin"]
    t = bel.tilbud.assign(_trin=bel.tilbud["paragraf"].map(trin).fillna(0))
    return t.sort_values(["_trin", "paragraf", "navn"], ascending=[False, True, True])


def short_names(tilbud: pd.DataFrame) -> pd.Series:
    """Offer names for figures and tables beside a paragraph column: the provider part of
    'Provider, service' when that is unique per paragraph, else the whole name."""
    short = tilbud["navn"].astype(str).str.split(", ").str[0]
    clash = pd.Series(list(zip(short, tilbud["paragraf"]))).duplicated(keep=False).to_numpy()
    return short.where(~clash, tilbud["navn"].astype(str))


def _last_months(bel: K.Belaegning, n: int = LAST_MONTHS) -> pd.DataFrame:
    months = sorted(bel.maaned["maaned"].unique())[-n:]
    return bel.maaned[bel.maaned["maaned"].isin(months)]


def _small(values, diskretion: int | None) -> np.ndarray:
    """Residents 0 < x < diskretion (byråd), as a bool array; all False for intern use."""
    x = np.asarray(values, dtype=float)
    if diskretion is None:
        return np.zeros(x.shape, dtype=bool)
    return (np.round(x, 6) > 0) & (np.round(x, 6) < diskretion)


def occupancy_figure(bel: K.Belaegning, diskretion: int | None = None):
    """Heatmap: occupancy of each own offer (rows) in each month (columns); below 50 % dark
    red, above 100 % purple; hidden months (byråd, few residents) grey."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    order = _order(bel)
    m = bel.maaned
    grid = m.pivot(index="tilbud_id", columns="maaned", values="belaegningsgrad").reindex(
        order["tilbud_id"])
    residents = m.pivot(index="tilbud_id", columns="maaned", values="belagte_pladser").reindex(
        order["tilbud_id"])
    shown = np.ma.masked_array(grid.to_numpy(dtype=float),
                               mask=_small(residents, diskretion) | grid.isna().to_numpy())
    cmap = mpl.colormaps["RdYlBu"].with_extremes(under="#67001f", over="#e7298a",
                                                 bad="#d9d9d9")
    fig, ax = plt.subplots(figsize=(8.5, 0.34 * len(order) + 1.8))
    image = ax.imshow(shown, aspect="auto", cmap=cmap, vmin=0.5, vmax=1.0,
                      interpolation="nearest")
    ax.set_yticks(range(len(order)), [f"{n} ({p})" for n, p in zip(short_names(order),
                                                                   order["paragraf"])],
                  fontsize=9)
    months = pd.DatetimeIndex(grid.columns)
    ticks = [i for i, d in enumerate(months) if d.month == 1]
    ax.set_xticks(ticks, [str(months[i].year) for i in ticks])
    ax.grid(False)
    bar = fig.colorbar(image, ax=ax, extend="both", fraction=0.03, pad=0.02)
    bar.set_label("Belægning (pink: over 100 %, grå: skjult)" if diskretion else
                  "Belægning (pink: over 100 %)")
    axis_pct(bar.ax, "y")
    ax.set_title("Belægning i egne tilbud måned for måned")
    return fig


def _month_total(bel: K.Belaegning, month=None) -> tuple[pd.Timestamp, float]:
    m = bel.maaned
    month = m["maaned"].max() if month is None else pd.Timestamp(month)
    last = m[m["maaned"] == month]
    return month, float(last["belagte_pladser"].sum() / max(last["pladser"].sum(), 1))


def occupancy_alt(bel: K.Belaegning, diskretion: int | None = None) -> str:
    m = bel.maaned
    month, total = _month_total(bel)
    last = m[m["maaned"] == month]
    visible = last[~_small(last["belagte_pladser"], diskretion) & last["pladser"].gt(0)]
    low = visible.sort_values("belaegningsgrad").head(1)
    over = int((visible["belaegningsgrad"] > 1).sum())
    text = (f"Varmekort over belægningen i {len(bel.tilbud)} egne tilbud måned for måned fra "
            f"{maaned(m['maaned'].min())} til {maaned(month)}. I {maaned(month)} var "
            f"{pct(total, 0)} af pladserne belagt")
    if len(low):
        r = low.iloc[0]
        text += f"; lavest {r['navn']} med {pct(r['belaegningsgrad'], 0)}"
    text += f"; {over} tilbud over 100 %"
    if _small(m["belagte_pladser"], diskretion).any():
        text += f". Måneder med færre end {diskretion} beboere i et tilbud er skjult (grå)"
    return sentence(text)


def hidden_offers(bel: K.Belaegning, diskretion: int | None) -> set[str]:
    """Byråd: the offers with fewer residents than `diskretion` now or on an average day of
    the last 12 months; their occupancy, free places and grant-based price are hidden."""
    if diskretion is None:
        return set()
    last = _last_months(bel)
    per = last.assign(occ=last["belagte_pladser"] * last["dage"]).groupby("tilbud_id")[
        ["occ", "dage"]].sum()
    average = (per["occ"] / per["dage"]).reindex(bel.tilbud["tilbud_id"]).to_numpy()
    small = _small(bel.tilbud["belagte_nu"], diskretion) | _small(average, diskretion)
    return set(bel.tilbud.loc[small, "tilbud_id"])


def offer_table(bel: K.Belaegning, diskretion: int | None = None,
                med_pris: bool = False) -> pd.DataFrame:
    """Per own offer: places and residents now, occupancy and the cost of empty places over
    the last 12 months, with med_pris the price per place-day (Excel). Byråd: an offer with fewer
    residents than `diskretion` (now or on average) shows 'x' for what would reveal them."""
    last = _last_months(bel)
    sums = last.assign(occ=last["belagte_pladser"] * last["dage"],
                       cap=last["pladser"] * last["dage"]).groupby("tilbud_id")[
        ["occ", "cap", "udgift_tomme_pladser", "dage"]].sum()
    t = _order(bel).set_index("tilbud_id")
    grad = (sums["occ"] / sums["cap"].where(sums["cap"] > 0)).reindex(t.index)
    out = pd.DataFrame({
        "Tilbud": short_names(t).to_numpy(), "Paragraf": t["paragraf"].to_numpy(),
        "Målgruppe": t["maalgruppe"].fillna("–").to_numpy(),
        "Pladser": t["pladser"].astype(int).to_numpy(),
        "Beboere nu": t["belagte_nu"].astype(int).to_numpy(),
        "Belægning": grad.to_numpy(dtype=float),
        "Tomme pladser (kr.)": sums["udgift_tomme_pladser"].reindex(t.index).to_numpy(),
        "Pris pr. døgn": t["pris_pr_doegn"].to_numpy(dtype=float),
        "Prisen bygger på": t["prisgrundlag"].map(PRISGRUNDLAG).to_numpy(),
    })
    hide = t.index.isin(hidden_offers(bel, diskretion))
    if hide.any():  # byråd: what the residents can be read from
        from_grants = (t["prisgrundlag"] == "bevillinger").to_numpy()
        for column, rows in (("Belægning", hide),
                             ("Pris pr. døgn", hide & from_grants)):
            out[column] = out[column].astype(object).where(~rows, HIDDEN)
    return out if med_pris else out.drop(columns=["Pris pr. døgn", "Prisen bygger på"])


def offer_note(bel: K.Belaegning) -> str:
    """The footnote of `offer_table`: where the prices come from, what the columns mean."""
    own = short_names(bel.tilbud)[(bel.tilbud["prisgrundlag"] == "takst").to_numpy()]
    takst = (f"tilbuddets egen takst for {', '.join(own)}, ellers " if len(own) else "")
    return ("Belægning: belagte pladsdøgn i forhold til pladsdøgn de seneste 12 måneder. Tomme "
            "pladser: hvad de tomme pladser kostede de seneste 12 måneder, regnet med prisen pr. "
            "plads pr. døgn: " + takst + "bevillingernes udgift pr. belagt døgn.")


OFFER_MONEY = ["Tomme pladser (kr.)"]
OFFER_PCT = ["Belægning"]


def empty_cost_figure(bel: K.Belaegning, n: int = 12):
    """The cost of empty places in the last 12 months per offer (the largest n), in kr."""
    last = _last_months(bel)
    names = dict(zip(bel.tilbud["tilbud_id"], [f"{a} ({p})" for a, p in zip(
        short_names(bel.tilbud), bel.tilbud["paragraf"])]))
    cost = last.groupby(last["tilbud_id"].map(names))["udgift_tomme_pladser"].sum()
    cost = cost[cost > 0].sort_values().tail(n)
    fig, ax = _fig(8.0, 0.4 * max(len(cost), 1) + 1.4)
    y = np.arange(len(cost))
    ax.barh(y, cost.to_numpy(), color=COLOURS["tom"])
    for yi, v in zip(y, cost.to_numpy()):
        ax.annotate(amount(v), (v, yi), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=8)
    ax.set_yticks(y, cost.index, fontsize=9)
    ax.set_xlim(0, (cost.max() if len(cost) else 1) * 1.25)
    _kr_axis(ax, "x")
    ax.set_title("Udgiften til tomme pladser de seneste 12 måneder")
    return fig


def empty_cost_alt(bel: K.Belaegning, n: int = 12) -> str:
    last = _last_months(bel)
    cost = last.groupby("navn")["udgift_tomme_pladser"].sum().sort_values(ascending=False)
    top = "; ".join(f"{k} {amount(v)}" for k, v in cost[cost > 0].head(3).items()) or "ingen"
    head = (f"Vandrette søjler med udgiften til tomme pladser de seneste 12 måneder for de op "
            f"til {n} tilbud med størst udgift, i alt {amount(cost.sum())}.")
    return sentences([head, sentence(f"Størst: {top}")])


def empty_cost_text(bel: K.Belaegning) -> str:
    """The empty places in a paragraph: how many, what they cost, and KL's advice."""
    last = _last_months(bel)
    days = last.groupby("maaned")["dage"].first().sum()
    empty = last["tomme_pladsdage"].sum() / days
    places = last.groupby("maaned")["pladser"].sum().mean()
    cost = last["udgift_tomme_pladser"].sum()
    return (
        f"De seneste 12 måneder til og med {maaned(last['maaned'].max())} stod der i "
        f"gennemsnit **{tal(empty, 1)} pladser tomme** i kommunens egne tilbud "
        f"({pct(empty / places if places else np.nan)} af pladserne). Med hvert tilbuds egen "
        f"pris pr. plads svarer det til **{amount(cost)}**: det, de tomme pladser har kostet, "
        "fordi personale, bygning og ledelse også betales, når en plads står tom.\n\n"
        "KL: *Oplever I vedvarende tomgang i et tilbud, kan det give anledning til at "
        "nedjustere kapaciteten eller omlægge tilbuddet, mens voksende efterspørgsel omvendt "
        "kan give anledning til at investere i at øge kapaciteten.* Pladserne er tilbuddenes "
        "pladser i dag; har et tilbud ændret antal pladser i perioden, gælder de tidlige "
        "måneder med forbehold.")


def full_offers_table(bel: K.Belaegning) -> pd.DataFrame:
    """The own offers full in each of the last months while citizens of their paragraph and
    target group live in external offers."""
    t = _order(bel)
    t = t[t["fuld_med_eksterne"]]
    return pd.DataFrame({
        "Tilbud": short_names(t), "Paragraf": t["paragraf"], "Målgruppe": t["maalgruppe"],
        "Pladser": t["pladser"].astype(int),
        "Fulde mdr. i træk": t["fuldt_belagt_maaneder_i_traek"].astype(int),
        "Borgere eksternt": t["eksterne_nu"].astype(int),
    }).reset_index(drop=True)


def full_offers_text(bel: K.Belaegning, ind: K.Indstillinger) -> str:
    t = bel.tilbud[bel.tilbud["fuld_med_eksterne"]]
    if t.empty:
        return (f"Intet eget tilbud har været fuldt belagt de seneste {ind.ledige_maaneder} "
                "måneder, mens borgere i samme paragraf og målgruppe bor i eksterne tilbud.")
    return (
        f"**{len(t)} {'eget tilbud' if len(t) == 1 else 'egne tilbud'}** har været fuldt belagt (mindst "
        f"{pct(K.belaegning.FULD, 0)} af pladserne) i hver af de seneste "
        f"{ind.ledige_maaneder} måneder, mens "
        f"{report.antal_borgere(t['eksterne_nu'].sum())} borgere i samme paragraf og "
        "målgruppe bor i eksterne tilbud. Her kan flere egne pladser være en fordel, hvis "
        "behovet holder (se behovet for pladser nedenfor), og hvis de eksterne borgere fagligt "
        "hører til i tilbuddet.")


# --- hjemtagning --------------------------------------------------------------------------------


def homecoming_text(h: K.Hjemtagning, ind: K.Indstillinger) -> str:
    """The candidates and their saving in prose, with how it is computed and the caveats."""
    lav, hoej = ind.marginal_andel
    return (
        f"Pr. {dato_lang(h.opgjort)} bor {report.antal_borgere(h.antal)} borgere i eksterne "
        "tilbud med en paragraf og målgruppe, hvor et af kommunens egne tilbud har haft mindst "
        f"én ledig plads i hver af de seneste {ind.ledige_maaneder} måneder og har en ledig "
        f"plads nu. {report.antal_borgere(h.antal_inden_for_pladser)} af dem er inden for de "
        "ledige pladser (de med størst besparelse først). Flytter de til de egne tilbud, er "
        f"besparelsen efter antagelserne mellem **{mio_kr(h.besparelse_lav)}** og "
        f"**{mio_kr(h.besparelse_hoej)}** om året.\n\n"
        "Sådan er besparelsen regnet: den eksterne bevillings årlige udgift ved årets priser "
        "minus det, det koster at fylde en tom plads i det egne tilbud. En tom plads koster "
        "allerede personale, bygning og ledelse; en ny beboer lægger især kost, forbrug og den "
        f"ekstra støtte til, borgeren har brug for. Den del er sat til "
        f"{_share_range(lav, hoej)} af tilbuddets egen pris (parameteren `kapacitet.marginal_andel`, en "
        "antagelse: sæt jeres egen, hvis driften kender sine variable udgifter).\n\n"
        "En kandidat er ikke en afgørelse. Furesø hjemtog en række borgere fra eksterne "
        "tilbud, men med udgangspunkt i borgerens konkrete støttebehov; Deloitte advarer mod at "
        "følge en politik om 'egne tilbud først' slavisk, fordi det kan gøre valget af tilbud "
        "til et spørgsmål om at fylde egne pladser frem for borgerens behov. Et skift af "
        "botilbud er også en stor forandring for borgeren.")


def homecoming_offers_table(h: K.Hjemtagning, bel: K.Belaegning | None = None,
                            diskretion: int | None = None) -> pd.DataFrame:
    """The own offers with free places and their candidates. Byråd (`bel` and `diskretion`):
    free places and a grant-based price of an offer with few residents are hidden."""
    t = h.tilbud
    out = pd.DataFrame({
        "Tilbud": short_names(t), "Paragraf": t["paragraf"], "Målgruppe": t["maalgruppe"],
        "Ledige nu": t["ledige_pladser_nu"].astype(int),
        "Ledige mdr.": t["ledige_maaneder_i_traek"].astype(int),
        "Pris pr. døgn": t["pris_pr_doegn"],
        "Kandidater": t["antal_kandidater"].astype(int),
    })
    if bel is not None and diskretion is not None:
        hide = t["tilbud_id"].isin(hidden_offers(bel, diskretion)).to_numpy()
        basis = t["tilbud_id"].map(bel.tilbud.set_index("tilbud_id")["prisgrundlag"])
        for column, rows in (("Ledige nu", hide),
                             ("Pris pr. døgn", hide & (basis == "bevillinger").to_numpy())):
            if rows.any():
                out[column] = out[column].astype(object).where(~rows, HIDDEN)
    return out


HOMECOMING_MONEY = ["Ekstern årlig udgift", "Egen årlig pris", "Besparelse, lav",
                    "Besparelse, høj"]
#: The columns of the working list shown on the page (the Excel file has them all).
PREVIEW_COLUMNS = ["Borger-ID", "Nuværende leverandør", "Ekstern årlig udgift",
                   "Eget tilbud", "Besparelse, lav", "Besparelse, høj",
                   "Inden for de ledige pladser"]
PREVIEW_HEADINGS = {"Nuværende leverandør": "Leverandør nu", "Ekstern årlig udgift": "Ekstern pr. år", "Besparelse, lav": "Sparet, lav",
                    "Besparelse, høj": "Sparet, høj",
                    "Inden for de ledige pladser": "Inden for pladserne"}
PREVIEW_MONEY = [PREVIEW_HEADINGS.get(c, c) for c in HOMECOMING_MONEY if c in PREVIEW_COLUMNS]
VURDERINGER = ("Undersøges", "Kan flytte", "Skal blive", "Ikke relevant")


def homecoming_list(h: K.Hjemtagning, paragraf: str | None = None) -> pd.DataFrame:
    """The working list (intern: pseudonyms), largest saving first."""
    k = h.kandidater if paragraf is None else h.kandidater[h.kandidater["paragraf"] == paragraf]
    return pd.DataFrame({
        "Borger-ID": k["borger_id"], "Bevillings-ID": k["bevilling_id"],
        "Paragraf": k["paragraf"], "Målgruppe": k["maalgruppe"],
        "Nuværende leverandør": k["leverandoer"], "Startdato": k["startdato"],
        "Ekstern årlig udgift": k["ekstern_aarlig_udgift"],
        "Eget tilbud": k["tilbud"].astype(str).str.split(", ").str[0],
        "Egen årlig pris": k["egen_aarlig_pris"],
        "Besparelse, lav": k["besparelse_lav"], "Besparelse, høj": k["besparelse_hoej"],
        "Nr. i tilbuddet": k["raekkefoelge"].astype(int),
        "Inden for de ledige pladser": k["inden_for_ledige_pladser"].astype(bool),
    }).reset_index(drop=True)


def homecoming_preview(h: K.Hjemtagning, n: int = 25, paragraf: str | None = None
                       ) -> pd.DataFrame:
    """The first n rows of the working list (of one paragraph), with the columns that fit on
    the page (the own offer with its paragraph)."""
    liste = homecoming_list(h, paragraf)
    liste["Eget tilbud"] = liste["Eget tilbud"] + " (" + liste["Paragraf"] + ")"
    return liste[PREVIEW_COLUMNS].head(n).rename(columns=PREVIEW_HEADINGS)


def homecoming_workbook(h: K.Hjemtagning, bel: K.Belaegning, name: str = "hjemtagning"):
    """The working list in Excel (intern only, via report.excel) with columns for the
    myndighed's assessment, and the offers behind it. Returns the path, or None (byråd)."""
    sheet = homecoming_list(h).assign(Vurdering=None, Bemærkning=None)
    formats = {c: "kr" for c in HOMECOMING_MONEY + OFFER_MONEY + ["Pris pr. døgn"]} | {
        "Startdato": "dato", "Belægning": "pct"}
    return report.excel({"Hjemtagningsliste": sheet,
                         "Tilbud med ledige pladser": homecoming_offers_table(h),
                         "Belægning pr. tilbud": offer_table(bel, med_pris=True),
                         "Fulde tilbud": full_offers_table(bel)}, name, formats=formats,
                        valg={"Vurdering": VURDERINGER}, ombryd={"Bemærkning": 50})


def homecoming_figure(h: K.Hjemtagning, n: int = 25):
    """Intern: the saving range (lav to høj) per candidate, the largest n, those within the
    free places dark."""
    k = h.kandidater.head(n).iloc[::-1]
    fig, ax = _fig(9.0, 0.32 * max(len(k), 1) + 1.6)
    y = np.arange(len(k))
    colour = np.where(k["inden_for_ledige_pladser"], COLOURS["hoej"], COLOURS["ude"])
    ax.barh(y, k["besparelse_hoej"] - k["besparelse_lav"], left=k["besparelse_lav"],
            color=colour, height=0.6)
    ax.set_yticks(y, [f"{b} ({p}) → {t.split(', ')[0]}" for b, p, t in zip(
        k["borger_id"], k["paragraf"], k["tilbud"])], fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=COLOURS["hoej"], label="Inden for de ledige pladser"),
                       Patch(color=COLOURS["ude"], label="Ud over de ledige pladser")],
              loc="lower right", fontsize=8)
    _kr_axis(ax, "x")
    ax.set_title("Besparelse pr. år ved hjemtagning, pr. kandidat (lav–høj)")
    return fig


def homecoming_alt(h: K.Hjemtagning, n: int = 25) -> str:
    return (f"Vandrette spænd med den årlige besparelse for de op til {n} kandidater med størst "
            f"besparelse ud af {tal(h.antal)}. {tal(h.antal_inden_for_pladser)} er inden for de "
            f"ledige pladser; tilsammen sparer de {mio_kr(h.besparelse_lav)} til "
            f"{mio_kr(h.besparelse_hoej)} om året.")


# --- self-sufficiency ---------------------------------------------------------------------------


def self_sufficiency(data: Data, parametre, ind: K.Indstillinger
                     ) -> tuple[pd.DataFrame, pd.DataFrame] | K.IkkeTilgaengelig:
    """The shares to show: (per paragraph with a goal, the botilbud together against the
    nøgletal's goal: the same call as noegletal's selvforsyningsgrad), or 'not available'
    (no leverandoerer)."""
    n = parametre.noegletal
    ss = K.self_sufficiency(data, paragraffer=list(ind.selvforsyning_maal),
                            maal=ind.selvforsyning_maal)
    if isinstance(ss, K.IkkeTilgaengelig):
        return ss
    samlet = K.self_sufficiency(data, by="samlet", paragraffer=n.botilbud_paragraffer,
                                maal=n.selvforsyning_maal)
    return ss, samlet

SAMLET_NAVN = "Botilbud i alt"


def self_sufficiency_table(ss: pd.DataFrame, samlet: pd.DataFrame) -> pd.DataFrame:
    """Share in own provision per paragraph (rows) and year (columns), the botilbud total
    (the nøgletal) last, and the goal."""
    both = pd.concat([ss, samlet.assign(gruppe=SAMLET_NAVN)], ignore_index=True)
    wide = both.pivot_table(index="gruppe", columns="aar", values="andel_egen", sort=False)
    order = list(dict.fromkeys(ss["gruppe"])) + [SAMLET_NAVN]
    wide = wide.reindex(order)
    wide.columns = [_year_label(both, y) for y in wide.columns]
    goal = both.groupby("gruppe", sort=False)["maal"].first().reindex(order)
    return wide.reset_index().rename(columns={"gruppe": "Paragraf"}).assign(Mål=goal.to_numpy())


def _year_label(ss: pd.DataFrame, year: int) -> str:
    whole = ss.loc[ss["aar"] == year, "komplet"]
    return str(year) if whole.all() else f"{year} (del af året)"


def self_sufficiency_figure(ss: pd.DataFrame, samlet: pd.DataFrame):
    """Lines: the share in own provision per year for the paragraphs and the botilbud total,
    with the goal dashed."""
    fig, ax = _fig()
    import seaborn as sns

    groups = list(dict.fromkeys(ss["gruppe"]))
    palette = sns.color_palette("colorblind", len(groups) + 1)
    for colour, g in zip(palette, groups):
        d = ss[ss["gruppe"] == g]
        ax.plot(d["aar"], d["andel_egen"], marker="o", color=colour, label=g, lw=1.5)
    ax.plot(samlet["aar"], samlet["andel_egen"], marker="o", color="black", lw=2.5,
            label=SAMLET_NAVN)
    goal = samlet["maal"].dropna()
    if len(goal):
        ax.axhline(goal.iloc[0], ls="--", color=COLOURS["maal"],
                   label=f"Mål {pct(goal.iloc[0], 0)}")
    ax.set_ylim(0, 1.05)
    ax.set_xticks(sorted(samlet["aar"].unique()))
    axis_pct(ax, "y")
    ax.set_ylabel("Andel helårspersoner i egne tilbud")
    ax.set_title("Selvforsyning på botilbudsområdet")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    return fig


def self_sufficiency_alt(ss: pd.DataFrame, samlet: pd.DataFrame) -> str:
    year = int(samlet["aar"].max())
    now = ss[ss["aar"] == year]
    parts = "; ".join(f"{g} {pct(a, 0)}" for g, a in zip(now["gruppe"], now["andel_egen"]))
    total = samlet[samlet["aar"] == year]["andel_egen"].iloc[0]
    goal = samlet["maal"].dropna()
    target = f" mod målet på {pct(goal.iloc[0], 0)}" if len(goal) else ""
    return sentence(f"Linjer med andelen af helårspersoner i egne tilbud pr. år fra "
                    f"{int(samlet['aar'].min())} til {year}{target}. I {year}: {parts}; "
                    f"botilbud i alt {pct(total, 0)}")


def self_sufficiency_text(samlet: pd.DataFrame) -> str:
    r = samlet.sort_values("aar").iloc[-1]
    goal = ("" if pd.isna(r["maal"]) else
            f" Målet er {pct(r['maal'], 0)} (som Brønderslevs mål om 90 % selvforsyning), så "
            f"andelen ligger {tal(abs(r['afvigelse']) * 100, 1)} procentpoint "
            f"{'over' if r['afvigelse'] >= 0 else 'under'} målet.")
    return (f"I {int(r['aar'])}{'' if r['komplet'] else ' (året til dato)'} blev "
            f"**{pct(r['andel_egen'])}** af helårspersonerne på botilbudsområdet (§107, §108 og "
            f"§105+§85) betjent i kommunens egne tilbud.{goal} Tallet er det samme som "
            "nøgletallet selvforsyningsgrad i arbejdsbogen om nøgletal: én definition.")


# --- the indsatstrappe --------------------------------------------------------------------------


def _step_labels(t: K.Indsatstrappe) -> dict[int, str]:
    names = K.step_names(t.omraade)
    return {0: INGEN_INDSATS, **{int(k): f"{int(k)} {v}" for k, v in names.items()}}


def staircase_figure(t: K.Indsatstrappe, diskretion: int | None = None):
    """Stacked area: citizens on each step at each month end (byråd: a step with fewer than
    `diskretion` citizens on a date is drawn as 0)."""
    wide = t.trin.pivot(index="dato", columns="trin", values="borgere").sort_index()
    values = wide.to_numpy(dtype=float).copy()
    values[_small(values, diskretion)] = 0.0
    labels = _step_labels(t)
    fig, ax = _fig(9.0, 4.8)
    import seaborn as sns

    ax.stackplot(wide.index, values.T, labels=[labels[int(k)] for k in wide.columns],
                 colors=sns.color_palette("colorblind", len(wide.columns)), alpha=0.9)
    ax.set_ylabel("Borgere")
    ax.set_title("Voksne borgere på indsatstrappen")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, title="Trin")
    axis_tal(ax, "y")
    return fig


def staircase_alt(t: K.Indsatstrappe, diskretion: int | None = None) -> str:
    last = t.trin[t.trin["dato"] == t.datoer[-1]]
    labels = _step_labels(t)
    parts = "; ".join(
        f"trin {labels[int(r.trin)]}: "
        f"{f'<{diskretion}' if _small([r.borgere], diskretion)[0] else tal(r.borgere)}"
        for r in last.itertuples())
    return sentence(f"Stablet arealdiagram over voksne borgere på hvert trin af "
                    f"indsatstrappen ved udgangen af hver måned fra {maaned(t.datoer[0])} til "
                    f"{maaned(t.datoer[-1])}. Seneste måned: {parts}")


def flows_year(t: K.Indsatstrappe) -> int:
    """The latest year whose month ends are all in the extract (else the latest year)."""
    years = pd.Series(t.datoer.year)
    whole = years.value_counts()
    complete = sorted(whole[whole == 12].index)
    return int(complete[-1]) if complete else int(years.max())


def flows_figure(t: K.Indsatstrappe, aar: int, diskretion: int | None = None):
    """Flows between the steps in a year (a Sankey-like figure): from-step on the left,
    to-step on the right, each band as wide as its citizens, coloured by direction."""
    from matplotlib.patches import Patch, Rectangle

    o = t.overgange[t.overgange["aar"] == aar]
    if diskretion is not None:
        o = o[o["antal"] >= diskretion]
    labels = _step_labels(t)
    fig, ax = _fig(9.0, 5.5)
    gap = max(o["antal"].sum() * 0.04, 1) if len(o) else 1

    def stack(side: str) -> dict[int, float]:
        totals = o.groupby(side)["antal"].sum().sort_index()
        pos, y = {}, 0.0
        for k, v in totals.items():
            pos[int(k)] = y
            ax.add_patch(Rectangle((0.0 if side == "fra_trin" else 0.94, y), 0.06, v,
                                   color="#4d4d4d"))
            x, ha = (-0.01, "right") if side == "fra_trin" else (1.01, "left")
            ax.text(x, y + v / 2, textwrap.fill(f"{labels[int(k)]} ({tal(v)})", 30), ha=ha,
                    va="center", fontsize=9)
            y += v + gap
        return pos

    left, right = stack("fra_trin"), stack("til_trin")
    xs = np.linspace(0.06, 0.94, 60)
    s = 3 * ((xs - 0.06) / 0.88) ** 2 - 2 * ((xs - 0.06) / 0.88) ** 3
    for r in o.sort_values(["fra_trin", "til_trin"]).itertuples():
        f, to = int(r.fra_trin), int(r.til_trin)
        kind = ("ind" if f == 0 else "ud" if to == 0 else "op" if to > f else "ned")
        y0, y1 = left[f], right[to]
        lo = y0 + (y1 - y0) * s
        ax.fill_between(xs, lo, lo + r.antal, color=COLOURS[kind], alpha=0.55, lw=0)
        left[f] += r.antal
        right[to] += r.antal
    names = {"op": "Op ad trappen", "ned": "Ned ad trappen", "ud": "Ud (ingen indsats)",
             "ind": "Ind (ny indsats)"}
    ax.legend(handles=[Patch(color=COLOURS[k], alpha=0.55, label=v) for k, v in names.items()],
              loc="upper center", bbox_to_anchor=(0.5, -0.02), ncols=4, fontsize=8)
    ax.set_xlim(-0.5, 1.5)
    ax.invert_yaxis()
    ax.axis("off")
    ax.set_title(f"Skift mellem trinene i {aar}" + (
        f" (strømme under {diskretion} borgere er ikke vist)" if diskretion else ""))
    return fig


def flows_alt(t: K.Indsatstrappe, aar: int, diskretion: int | None = None) -> str:
    moves = t.bevaegelser.set_index("aar")
    if aar not in moves.index:
        return f"Ingen skift mellem trinene i {aar}."
    r = moves.loc[aar]

    def n(x):
        return f"<{diskretion}" if _small([x], diskretion)[0] else tal(x)

    return (f"Strømdiagram over skiftene mellem trinene i {aar}: fra trin til venstre til trin "
            f"til højre. {n(r['op'])} skift op ad trappen, {n(r['ned'])} ned, {n(r['ud'])} ud "
            f"af indsatserne og {n(r['ind'])} ind.")


def transitions_table(t: K.Indsatstrappe, aar: int) -> pd.DataFrame:
    """The flows of a year as a cross table: from-step (rows) to to-step (columns)."""
    labels = _step_labels(t)
    o = t.overgange[t.overgange["aar"] == aar]
    steps = sorted(labels)
    wide = o.pivot_table(index="fra_trin", columns="til_trin", values="antal", aggfunc="sum",
                         fill_value=0).reindex(index=steps, columns=steps, fill_value=0)
    wide.index = [labels[k] if k == 0 else f"Trin {labels[k]}" for k in wide.index]
    wide.columns = ["Til ingen indsats" if k == 0 else f"Til trin {k}" for k in wide.columns]
    return wide.astype(int).reset_index().rename(columns={"index": "Fra trin"})


def transition_counts(table: pd.DataFrame) -> dict[str, str]:
    """The count declaration of a `transitions_table`: every column but the first."""
    return {c: "borgere" for c in table.columns[1:]}


def movements_table(t: K.Indsatstrappe) -> pd.DataFrame:
    b = t.bevaegelser
    return pd.DataFrame({"År": b["aar"].astype(int).astype(str), "Op ad trappen": b["op"], "Ned ad trappen": b["ned"],
                         "Ud (ingen indsats)": b["ud"], "Ind (ny indsats)": b["ind"]})


def step_down_table(t: K.Indsatstrappe, diskretion: int | None = None) -> pd.DataFrame:
    """Ended §107 stays per year and the share followed by a less intrusive offer (byråd: the
    share of a year with fewer stays than `diskretion` hidden)."""
    s = t.trinskift
    out = pd.DataFrame({"Opholdet sluttede i": s["aar"].astype(int).astype(str),
                         "Afsluttede ophold": s["afsluttede"].astype(int),
                         "Fulgt af mindre indgribende": s["fulgt_af_mindre_indgribende"]
                         .astype(int), "Andel": s["andel"].astype(float)})
    small = _small(s["afsluttede"], diskretion)
    if small.any():
        out["Andel"] = out["Andel"].astype(object).where(~small, HIDDEN)
    return out


def step_down_share(t: K.Indsatstrappe) -> tuple[int | None, float]:
    """The share of ended §107 stays followed by a less intrusive offer in the latest whole
    year of the extract (`flows_year`), else in the latest year with ended stays."""
    s = t.trinskift
    if s.empty:
        return None, float("nan")
    year = flows_year(t)
    rows = s[s["aar"] == year]
    r = rows.iloc[0] if len(rows) else s.sort_values("aar").iloc[-1]
    return int(r["aar"]), float(r["andel"])


def step_down_text(t: K.Indsatstrappe, ind: K.Indstillinger,
                   diskretion: int | None = None) -> str:
    s = t.trinskift
    if s.empty:
        return "Der er ingen afsluttede ophold på §107 (midlertidigt botilbud) at vurdere endnu."
    total = s["fulgt_af_mindre_indgribende"].sum() / s["afsluttede"].sum()
    year, share = step_down_share(t)
    n = s["afsluttede"].sum()
    count = f"<{diskretion}" if _small([n], diskretion)[0] else tal(n)
    return (
        f"Af de {count} ophold på midlertidigt botilbud (§107), der er sluttet i perioden, "
        f"blev **{pct(total, 0)}** fulgt af et mindre indgribende tilbud (fx socialpædagogisk "
        f"støtte i eget hjem) senest {ind.trinskift_maaneder} måneder efter; i {year} "
        f"{pct(share, 0)}. Resten sluttede uden ny indsats eller flyttede op ad trappen. "
        "Helsingør ('Bo og Liv') fandt, at cirka en tredjedel af borgerne i midlertidige "
        "botilbud havde udviklet sig, så et mindre indgribende tilbud var bedre: en lav andel "
        "kan betyde, at springet ned ad trappen er for stort, eller at der mangler et trin "
        "imellem. Ophold, der sluttede inden for de seneste "
        f"{ind.trinskift_maaneder} måneder, kan ikke vurderes endnu.")


def thin_steps_table(t: K.Indsatstrappe) -> pd.DataFrame:
    s = t.sammenligning
    rate = s["pr_10000"].notna().any()
    why = np.where(s["tynd_historik"] & s["tynd_land"], "under egen historik og landsniveau",
                   np.where(s["tynd_historik"], "under egen historik",
                            np.where(s["tynd_land"], "under landsniveauet", "")))
    return pd.DataFrame({
        "Trin": s["trin"].astype(int), "Paragraf": s["paragraf"].fillna("alle"),
        "Indsats": s["navn"], "Borgere nu": s["borgere"].astype(int),
        "Nu pr. 10.000": s["pr_10000"],
        ("Tidligere pr. 10.000" if rate else "Tidligere (borgere)"): s["historik"],
        "Landet pr. 10.000": s["landsniveau_pr_10000"],
        "Tyndt trin": np.where(s["tynd"], "ja, " + why, "nej"),
    })


THIN_NOTE = ("Pr. 10.000: borgere pr. 10.000 voksne (18 år og derover). Tidligere: gennemsnittet "
             "af månederne mindst 12 måneder før den seneste. Landet: landsniveauet fra "
             "Danmarks Statistik, hvor det findes. Paragraf 'alle': alle paragraffer på trinnet.")


def thin_steps_text(t: K.Indsatstrappe, ind: K.Indstillinger) -> str:
    s = t.sammenligning
    thin = s[s["tynd"]]
    names = ", ".join(dict.fromkeys(
        (f"{r.paragraf} ({r.navn.lower()})" if isinstance(r.paragraf, str) else
         f"trin {r.trin} ({r.navn.lower()})") for r in thin.itertuples()))
    head = (f"Tynde trin: {names}." if len(thin) else "Ingen trin er tynde.")
    return (f"Et trin er tyndt, når det i dag har færre borgere pr. 10.000 voksne end "
            f"{pct(ind.tyndt_trin_andel, 0)} af kommunens eget niveau de tidligere år eller af "
            "landsniveauet (Danmarks Statistik, se referencetabellen landsniveau). Et tyndt trin "
            "kan være et sted, hvor springet på indsatstrappen er stort (KL: indsatstrappen "
            f"synliggør de steder, hvor springene er store). {head}")


# --- the need for places ------------------------------------------------------------------------


def forecast(data: Data, parametre):
    """The budget forecast the need for places builds on: `budget.forecast` with the year-end
    of workbook 04 (one forecast, nothing fitted here)."""
    from .. import budget as B

    bi = B.Indstillinger.fra(parametre)
    return B.forecast(data, bi, B.expected_year_end(data, ind=bi))


def need_paragraphs(kb: K.Kapacitetsbehov, ind: K.Indstillinger) -> list[str]:
    """The paragraphs to show: those with a self-sufficiency goal (the botilbud) and those
    whose signal is not 'hold' in the first forecast year, most intrusive first."""
    from .. import reference as ref

    first = kb.behov.sort_values("aar").groupby("paragraf", sort=False).first()
    keep = [p for p, r in first.iterrows()
            if p in ind.selvforsyning_maal or r["signal"] != "hold"]
    trin = ref.paragraffer().set_index("paragraf")["trin"]
    return sorted(keep, key=lambda p: (-trin.get(p, 0), p))


def need_figure(kb: K.Kapacitetsbehov, paragraffer: list[str] | None = None):
    """Small multiples: per paragraph the need for own places in the forecast years (band low
    to high, the expected need) against the own places today."""
    import matplotlib.pyplot as plt

    b = kb.behov
    pars = paragraffer if paragraffer is not None else list(dict.fromkeys(b["paragraf"]))
    cols = min(3, max(len(pars), 1))
    rows = int(np.ceil(len(pars) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.2 * rows), squeeze=False)
    for ax, par in zip(axes.ravel(), pars):
        d = b[b["paragraf"] == par]
        ax.fill_between(d["aar"], d["behov_lav"], d["behov_hoej"], color=COLOURS["lav"],
                        alpha=0.35, label="Behov, lavt–højt skøn")
        ax.plot(d["aar"], d["behov"], marker="o", color=COLOURS["hoej"], label="Behov")
        ax.axhline(d["pladser"].iloc[0], color="black", ls="--", lw=1.2,
                   label="Egne pladser i dag")
        ax.set_xticks(list(d["aar"]))
        ax.set_ylim(0, max(d["behov_hoej"].max(), d["pladser"].iloc[0]) * 1.15 + 1)
        ax.set_title(f"{par}: {d['signal_tekst'].iloc[0]}", fontsize=10)
        axis_tal(ax, "y")
    for ax in axes.ravel()[len(pars):]:
        ax.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncols=3, bbox_to_anchor=(0.5, -0.06),
               fontsize=9)
    fig.suptitle("Behov for egne pladser de næste budgetår", x=0.01, ha="left",
                 fontweight="bold")
    fig.tight_layout()
    return fig


def need_alt(kb: K.Kapacitetsbehov, paragraffer: list[str] | None = None) -> str:
    first = kb.behov.sort_values("aar").groupby("paragraf", sort=False).first()
    if paragraffer is not None:
        first = first.loc[paragraffer]
    parts = "; ".join(f"{p}: {tal(r['behov_lav'], 0)}–{tal(r['behov_hoej'], 0)} pladser mod "
                      f"{tal(r['pladser'])} i dag ({r['signal_tekst'].lower()})"
                      for p, r in first.iterrows())
    year = int(kb.behov["aar"].min())
    return sentence(f"Viftediagrammer pr. paragraf med behovet for egne pladser i de næste "
                    f"budgetår mod pladserne i dag. I {year}: {parts}")


def need_sentences(kb: K.Kapacitetsbehov, paragraffer: list[str] | None = None,
                   diskretion: int | None = None) -> list[str]:
    """Per paragraph the next budget year's need in words, with the signal and its reason."""
    def places(x):
        return f"<{diskretion}" if _small([x], diskretion)[0] else tal(x, 0)

    out = []
    first = kb.behov.sort_values("aar").groupby("paragraf", sort=False).first()
    if paragraffer is not None:
        first = first.loc[paragraffer]
    for par, r in first.iterrows():
        share = ("målet for selvforsyning" if r["andel_kilde"] == "mål"
                 else "andelen i egne tilbud i dag")
        out.append(
            f"**{par}**: I {int(r['aar'])} forventes et behov for "
            f"{_span(places(r['behov_lav']), places(r['behov_hoej']))} egne pladser (midt "
            f"{places(r['behov'])}) mod "
            f"{tal(r['pladser'])} pladser i dag, når {pct(r['andel_egen'], 0)} af "
            f"helårspersonerne skal bo i egne tilbud ({share}). **{r['signal_tekst']}**: "
            f"{UDFALD_TEKST[r['signal']]}.")
    if kb.uden_fremskrivning:
        out.append("Uden fremskrivning (ingen budgetlinje): "
                   + ", ".join(kb.uden_fremskrivning) + ".")
    return out


def _span(lo: str, hi: str) -> str:
    return f"ca. {lo}" if lo == hi else f"{lo}–{hi}"


def need_table(kb: K.Kapacitetsbehov) -> pd.DataFrame:
    """Every paragraph with own offers in the first forecast year (the figure shows all
    years for the paragraphs that matter most)."""
    b = kb.behov.sort_values("aar").groupby("paragraf", sort=False).first().reset_index()
    return pd.DataFrame({
        "Paragraf": b["paragraf"], "Egne pladser": b["pladser"].astype(int),
        "Andel i egne tilbud": b["andel_egen"], "Lavt skøn": b["behov_lav"],
        "Behov": b["behov"], "Højt skøn": b["behov_hoej"], "Signal": b["signal_tekst"],
    })


# --- the panel (intern) -------------------------------------------------------------------------


def month_options(bel: K.Belaegning) -> list[tuple[str, pd.Timestamp]]:
    """(label, first day) of every month counted, latest first."""
    months = sorted(pd.DatetimeIndex(bel.maaned["maaned"].unique()), reverse=True)
    return [(maaned(m), m) for m in months]


def paragraph_options(bel: K.Belaegning) -> list[str]:
    """The paragraphs with own offers, most intrusive first."""
    return list(dict.fromkeys(_order(bel)["paragraf"]))


def month_figure(bel: K.Belaegning, month, paragraf: str):
    """Places and occupied places in one month for the own offers of one paragraph."""
    m = bel.maaned
    d = m[(m["maaned"] == pd.Timestamp(month)) & (m["paragraf"] == paragraf)]
    fig, ax = _fig(8.0, 0.55 * max(len(d), 1) + 1.8)
    y = np.arange(len(d))
    ax.barh(y, d["pladser"], color=COLOURS["pladser"], label="Pladser")
    ax.barh(y, d["belagte_pladser"], height=0.5, color=COLOURS["belagt"],
            label="Belagte pladser (gns.)")
    for yi, (occ, grad) in enumerate(zip(d["belagte_pladser"], d["belaegningsgrad"])):
        ax.annotate(f"{tal(occ, 1)} ({pct(grad, 0)})", (occ, yi), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, d["navn"].astype(str).str.split(", ").str[0], fontsize=9)
    ax.set_xlim(0, max(d["pladser"].max() if len(d) else 1, 1) * 1.2)
    axis_tal(ax, "x")
    ax.set_xlabel("Pladser")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2, fontsize=9)
    ax.set_title(f"{paragraf}: belægning i {maaned(pd.Timestamp(month))}")
    return fig


def month_alt(bel: K.Belaegning, month, paragraf: str) -> str:
    m = bel.maaned
    d = m[(m["maaned"] == pd.Timestamp(month)) & (m["paragraf"] == paragraf)]
    parts = "; ".join(f"{r.navn} {tal(r.belagte_pladser, 1)} af {tal(r.pladser)} pladser"
                      for r in d.itertuples())
    return sentence(f"Vandrette søjler med pladser og belagte pladser i de egne "
                    f"{paragraf}-tilbud i {maaned(pd.Timestamp(month))}: {parts}")


def month_view(bel: K.Belaegning, month, paragraf: str) -> tuple[str, list]:
    """One month's occupancy of one paragraph's offers: a Danish sentence and its figure."""
    m = bel.maaned
    d = m[(m["maaned"] == pd.Timestamp(month)) & (m["paragraf"] == paragraf)]
    places, occupied = d["pladser"].sum(), d["belagte_pladser"].sum()
    text = sentence(f"I {maaned(pd.Timestamp(month))} havde de egne {paragraf}-tilbud "
                    f"{tal(places)} pladser og i gennemsnit {tal(occupied, 1)} belagte "
                    f"({pct(occupied / places if places else np.nan, 0)}); de tomme pladser "
                    f"kostede {amount(d['udgift_tomme_pladser'].sum())}")
    return text, [(month_figure(bel, month, paragraf), month_alt(bel, month, paragraf))]


def homecoming_view(data: Data, bel: K.Belaegning, ind: K.Indstillinger, paragraf: str
                    ) -> tuple[K.Hjemtagning, str]:
    """The candidates under the chosen settings, and a Danish sentence for one paragraph."""
    h = K.homecoming_candidates(data, ind, belaegning=bel)
    if isinstance(h, K.IkkeTilgaengelig):
        return h, h.tekst
    k = h.kandidater[h.kandidater["paragraf"] == paragraf]
    within = k[k["inden_for_ledige_pladser"]]
    lav, hoej = ind.marginal_andel
    text = (f"Med en variabel andel på {_share_range(lav, hoej)} af egen pris og mindst "
            f"{ind.ledige_maaneder} måneder med ledige pladser i træk er der {tal(len(k))} "
            f"kandidater til hjemtagning på {paragraf} ({tal(len(within))} inden for de ledige "
            f"pladser): {mio_kr(within['besparelse_lav'].sum())} til "
            f"{mio_kr(within['besparelse_hoej'].sum())} om året. For alle paragraffer er "
            f"{tal(h.antal_inden_for_pladser)} kandidater inden for de ledige pladser: "
            f"{mio_kr(h.besparelse_lav)} til {mio_kr(h.besparelse_hoej)} om året.")
    return h, text


class Panel:
    """A month and a paragraph (occupancy), the marginal-cost share and the months with free
    places (hjemtagning). Each slider has a Danish readout beside it (`report.widgets`).

    `panel.widget` is the box to display; `panel.hjemtagning`, `panel.tekst` and
    `panel.figures` hold the latest results.
    """

    def __init__(self, data: Data, bel: K.Belaegning, ind: K.Indstillinger, draw: bool = True,
                 vis_antal: int = 15):
        import ipywidgets as w

        self.data, self.bel, self.ind, self.draw, self.vis_antal = data, bel, ind, draw, vis_antal
        common = {"style": control_style(), "layout": control_layout()}
        months = month_options(bel)
        self.month = w.Dropdown(options=months, value=months[0][1], description="Måned",
                                **common)
        pars = paragraph_options(bel)
        self.paragraf = w.Dropdown(options=pars, value="§108" if "§108" in pars else pars[0],
                                   description="Paragraf", **common)
        lav, hoej = ind.marginal_andel
        self.andel = w.IntRangeSlider(value=[round(lav * 100), round(hoej * 100)], min=0,
                                      max=100, step=5, continuous_update=False,
                                      description="Variabel andel af egen pris")
        self.maaneder = w.IntSlider(value=ind.ledige_maaneder, min=1, max=12, step=1,
                                    continuous_update=False,
                                    description="Ledige måneder i træk, mindst")
        # The shared slider rows (report.widgets): Danish readouts, one label width.
        rows = [slider_row(self.andel, lambda v: f"{v[0]}–{v[1]} %"),
                slider_row(self.maaneder, lambda n: f"{n} {'måned' if n == 1 else 'måneder'}")]
        self.andel_tekst, self.maaneder_tekst = (row.children[1] for row in rows)
        self.output = w.Output()
        for control in (self.month, self.paragraf, self.andel, self.maaneder):
            control.observe(lambda _change: self.update(), names="value")
        self.widget = w.VBox([self.month, self.paragraf, *rows, self.output])
        self.update()

    def settings(self) -> K.Indstillinger:
        lav, hoej = self.andel.value
        return dataclasses.replace(self.ind, ledige_maaneder=int(self.maaneder.value),
                                   marginal_andel=(lav / 100, hoej / 100))

    def update(self) -> None:
        """Recompute from the widgets and redraw."""
        month_text, self.figures = month_view(self.bel, self.month.value, self.paragraf.value)
        self.hjemtagning, homecoming_text_ = homecoming_view(
            self.data, self.bel, self.settings(), self.paragraf.value)
        self.tekst = f"{month_text} {homecoming_text_}"
        if self.draw:
            self.output.clear_output(wait=True)
            with self.output:
                report.markdown(self.tekst)
                for fig, alt in self.figures:
                    report.figure(fig, alt=alt)
                if not isinstance(self.hjemtagning, K.IkkeTilgaengelig):
                    report.show_table(
                        homecoming_preview(self.hjemtagning, self.vis_antal,
                                           self.paragraf.value),
                        f"Kandidater på {self.paragraf.value}", money=PREVIEW_MONEY,
                        tom=f"Ingen kandidater på {self.paragraf.value} med disse indstillinger.")
        else:
            import matplotlib.pyplot as plt

            for fig, _ in self.figures:
                plt.close(fig)


# --- headline results ---------------------------------------------------------------------------


def headline_results(bel, h, selvforsyning, trappe, kb) -> dict[str, report.Headline]:
    """The workbook's figures for `report.record_all`; a result the data cannot give
    (`IkkeTilgaengelig`) is left out. Counts of citizens are declared as such."""
    hl = report.Headline
    out: dict[str, report.Headline] = {}
    if not isinstance(bel, K.IkkeTilgaengelig):
        last = _last_months(bel)
        occ = (last["belagte_pladser"] * last["dage"]).sum() / (last["pladser"]
                                                               * last["dage"]).sum()
        out |= {
            "opgjort": hl(bel.opgjort, "Opgjort", "dato"),
            "belaegning_gns": hl(occ, "Belægning i egne tilbud, seneste 12 måneder", "pct"),
            "udgift_tomme_pladser_aar": hl(last["udgift_tomme_pladser"].sum(),
                                           "Udgift til tomme pladser, seneste 12 måneder",
                                           "kr"),
            "tilbud_fulde_med_eksterne": hl(int(bel.tilbud["fuld_med_eksterne"].sum()),
                                            "Fulde egne tilbud, mens borgere er eksternt",
                                            "tal"),
        }
    if not isinstance(h, K.IkkeTilgaengelig):
        out |= {
            "hjemtagning_antal": hl(h.antal, "Kandidater til hjemtagning", "borgere"),
            "hjemtagning_inden_for_pladser": hl(h.antal_inden_for_pladser,
                                                "Kandidater inden for de ledige pladser",
                                                "borgere"),
            "hjemtagning_besparelse_lav": hl(h.besparelse_lav,
                                             "Besparelse ved hjemtagning pr. år, lav", "kr"),
            "hjemtagning_besparelse_hoej": hl(h.besparelse_hoej,
                                              "Besparelse ved hjemtagning pr. år, høj", "kr"),
        }
    if not isinstance(selvforsyning, K.IkkeTilgaengelig) and len(selvforsyning[1]):
        r = selvforsyning[1].sort_values("aar").iloc[-1]
        out["selvforsyningsgrad_botilbud"] = hl(r["andel_egen"],
                                                "Selvforsyningsgrad på botilbud", "pct")
    if not isinstance(trappe, K.IkkeTilgaengelig):
        year, share = step_down_share(trappe)
        if year is not None:
            out |= {"trinskift_107_andel": hl(share, "§107-ophold fulgt af mindre indgribende "
                                                     "tilbud", "pct"),
                    "trinskift_107_aar": hl(year, "År for §107-opholdenes afslutning", "aar")}
    if not isinstance(kb, K.IkkeTilgaengelig) and len(kb.behov):
        first = kb.behov.sort_values("aar").groupby("paragraf", sort=False).first()
        out["kapacitet_signal"] = hl(first["signal_tekst"].to_dict(),
                                     f"Kapacitet {int(first['aar'].min())} pr. paragraf",
                                     "tekst")
    return out
