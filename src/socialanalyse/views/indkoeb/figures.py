"""The figures of notebook 06_indkoeb, each with its Danish alt text (`*_alt`).

Every figure function returns a matplotlib Figure (show it with `report.figure(fig, alt=...)`)
and expects an available result (`result.tilgaengelig`); the `show_*` functions of the package
check that first. No figure shows a count of citizens or grants, so the byråd's copy needs no
suppression in the figures; cells with few citizens are left out where a cost could point to
them (`diskretion`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ... import indkoeb as ik
from ...indkoeb import KVADRANTER
from ...report.format import MAANEDER, amount, kr, maaned, pct, sentence, tal
from ...report.theme import axis_kr, axis_pct, axis_tal
from .labels import (
    COLOURS,
    QUADRANT_COLOURS,
    TYPE_COLOURS,
    omfang_text,
    type_label,
    whole_year,
    year_label,
)


def _fig(width: float = 8.0, height: float = 4.5):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def short_month(d) -> str:
    """'jan. 2025', 'apr. 2025', 'jul. 2025', 'okt. 2025' (the quarters' first months)."""
    return f"{MAANEDER[d.month - 1][:3]}. {d.year}"


def axis_quarters(ax) -> None:
    """A date x-axis with a Danish tick at the first month of each quarter."""
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: short_month(mdates.num2date(x))))


# --- spending by provider type and the Pareto curve ------------------------------------------


def spend_by_type_figure(lev: ik.Leverandoeroverblik, til: pd.Timestamp | None = None):
    """Stacked bars: the area's spending per year by provider type (the current, partial
    year labelled as such)."""
    t = lev.pr_type.pivot_table(index="aar", columns="leverandoertype", values="udgift",
                                aggfunc="sum").fillna(0.0)
    types = [c for c in TYPE_COLOURS if c in t.columns] + [c for c in t.columns
                                                           if c not in TYPE_COLOURS]
    whole = lev.pr_type.groupby("aar")["helt_aar"].first()
    fig, ax = _fig()
    x = np.arange(len(t))
    bottom = np.zeros(len(t))
    for typ in types:
        values = t[typ].to_numpy()
        ax.bar(x, values, bottom=bottom, color=TYPE_COLOURS.get(typ, COLOURS["oevrige"]),
               label=type_label(typ), width=0.7)
        bottom += values
    ax.set_xticks(x, [year_label(a, whole[a], til) for a in t.index])
    ax.set_title("Udgifter pr. leverandørtype")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axis_kr(ax, "y")
    return fig


def spend_by_type_alt(lev: ik.Leverandoeroverblik) -> str:
    t = lev.pr_type[lev.pr_type["helt_aar"]]
    if t.empty:
        return "Stablede søjler med udgifterne pr. leverandørtype (ingen hele år)."
    last = t[t["aar"] == t["aar"].max()]
    parts = ", ".join(f"{type_label(r.leverandoertype).lower()} {amount(r.udgift)} "
                      f"({pct(r.andel, 0)})" for r in last.itertuples())
    return sentence(f"Stablede søjler med udgifterne pr. år fordelt på leverandørtype, "
                    f"{t['aar'].min()}–{lev.pr_type['aar'].max()}. I {int(last['aar'].iloc[0])}: "
                    f"{parts}")


def pareto_figure(lev: ik.Leverandoeroverblik, aar: int | None = None):
    """The Pareto curve: providers ranked by spending (largest first) against the cumulative
    share of the year's spending, for all providers and for the external ones, with the
    `lev.andel` line and how many providers reach it."""
    aar = whole_year(lev.pr_leverandoer, aar)
    rows = lev.pr_leverandoer[(lev.pr_leverandoer["aar"] == aar)
                              & (lev.pr_leverandoer["udgift"] > 0)]
    ext = rows[rows["leverandoertype"] != "egen drift"]
    k = lev.koncentration.set_index(["aar", "omfang"])
    fig, ax = _fig()
    for part, name, colour in ((rows, "alle", COLOURS["hoej"]),
                               (ext, "eksterne", COLOURS["markeret"])):
        if part.empty:
            continue
        share = part["udgift"].cumsum() / part["udgift"].sum()
        x = np.arange(1, len(part) + 1)
        n80 = int(k.loc[(aar, name), "antal_for_andel"])
        label = (f"Alle leverandører ({tal(n80)} af {tal(len(part))} bærer "
                 f"{pct(lev.andel, 0)})" if name == "alle" else
                 f"Eksterne leverandører ({tal(n80)} af {tal(len(part))})")
        ax.step(np.r_[0, x], np.r_[0, share], where="post", color=colour, label=label)
        ax.plot([n80], [share.iloc[n80 - 1]], "o", color=colour)
    ax.axhline(lev.andel, ls="--", lw=1, color="black")
    ax.annotate(pct(lev.andel, 0), (0.3, lev.andel), va="bottom", fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(len(rows), 1) + 0.5)
    ax.set_xlabel("Leverandører, den største først")
    ax.set_ylabel("Andel af årets udgift (kumuleret)")
    ax.set_title(f"Hvor mange leverandører bærer udgiften? ({aar})")
    ax.legend(loc="lower right")
    axis_pct(ax, "y")
    axis_tal(ax, "x")
    return fig


def pareto_alt(lev: ik.Leverandoeroverblik, aar: int | None = None) -> str:
    aar = whole_year(lev.pr_leverandoer, aar)
    k = lev.koncentration.set_index(["aar", "omfang"])
    alle, ext = k.loc[(aar, "alle")], k.loc[(aar, "eksterne")]
    return (f"Trappekurve over den kumulerede andel af udgiften i {aar} med leverandørerne "
            f"ordnet fra den største. {tal(alle['antal_for_andel'])} af "
            f"{tal(alle['antal_leverandoerer'])} leverandører står for {pct(lev.andel, 0)} af "
            f"udgiften; blandt de eksterne {tal(ext['antal_for_andel'])} af "
            f"{tal(ext['antal_leverandoerer'])}. De fem største eksterne har "
            f"{pct(ext['top_andel'], 0)} af den eksterne udgift.")


# --- price development -----------------------------------------------------------------------


def chained(rows: pd.DataFrame) -> pd.Series:
    """A price index by year (the year before the first change = 100) from yearly
    like-for-like changes (`aendring` by `aar`); years without a change are left out."""
    r = rows.dropna(subset=["aendring"]).sort_values("aar")
    if r.empty:
        return pd.Series(dtype=float)
    values = 100 * (1 + r["aendring"].to_numpy()).cumprod()
    return pd.Series(np.r_[100.0, values], index=np.r_[r["aar"].iloc[0] - 1, r["aar"]])


def main_paragraphs(pris: ik.Prisudvikling, n: int = 5) -> list[str]:
    """The paragraphs with the most paid, largest first."""
    t = pris.pr_paragraf.groupby("paragraf")["betalt"].sum().sort_values(ascending=False)
    return list(t.index[:n])


def risen(pris: ik.Prisudvikling, n: int = 4) -> pd.DataFrame:
    """The provider-paragraph rows with the largest rises above the limit in the latest year
    with any (the first `n`)."""
    s = pris.stigninger
    return s[s["aar"] == s["aar"].max()].head(n) if len(s) else s


def price_index_figure(pris: ik.Prisudvikling, n: int = 5):
    """The price paid per unit for the same grants as an index: the `n` paragraphs with most
    paid (thin lines) and the providers with the largest rises above the limit (bold),
    against the price index."""
    import seaborn as sns

    fig, ax = _fig(8.5, 4.8)
    years: set[int] = set()
    grey = sns.light_palette("#5b5b66", n + 2)[2:]
    for colour, paragraf in zip(grey, main_paragraphs(pris, n)):
        idx = chained(pris.pr_paragraf[pris.pr_paragraf["paragraf"] == paragraf])
        ax.plot(idx.index, idx, color=colour, lw=1.2, label=f"{paragraf} (alle leverandører)")
        years |= set(idx.index)
    t = pris.tabel
    for colour, r in zip(sns.color_palette("colorblind")[3:], risen(pris).itertuples()):
        rows = t[(t["leverandoer_id"] == r.leverandoer_id) & (t["paragraf"] == r.paragraf)
                 & (t["enhed"] == r.enhed)]
        idx = chained(rows)
        ax.plot(idx.index, idx, color=colour, lw=2.4, marker="o",
                label=f"{r.navn}, {r.paragraf}")
        years |= set(idx.index)
    years_sorted = sorted(years) or [0]
    first = years_sorted[0]
    xs = np.array(years_sorted)
    ax.plot(xs, 100 * (1 + pris.prisindeks) ** (xs - first), color="black", lw=2, ls="--",
            label=f"Prisindeks ({pct(pris.prisindeks)} om året)")
    ax.set_xticks(xs, [str(y) for y in xs])
    ax.set_ylabel("Indeks (året før første sammenligning = 100)")
    ax.set_title("Pris pr. enhed for de samme bevillinger mod prisindekset")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
    axis_tal(ax, "y")
    return fig


def price_index_alt(pris: ik.Prisudvikling, n: int = 5) -> str:
    parts = []
    for paragraf in main_paragraphs(pris, n):
        idx = chained(pris.pr_paragraf[pris.pr_paragraf["paragraf"] == paragraf])
        if len(idx):
            parts.append(f"{paragraf} {tal(idx.iloc[-1], 1)} i {idx.index[-1]}")
    rises = ", ".join(f"{r.navn} på {r.paragraf} ({pct(r.aendring)} i {r.aar})"
                      for r in risen(pris).itertuples())
    return sentence(
        f"Linjer med prisen pr. enhed for de samme bevillinger år for år som indeks mod "
        f"prisindekset på {pct(pris.prisindeks)} om året. Paragrafferne med flest udgifter: "
        + ("; ".join(parts) or "ingen år at sammenligne")
        + (f". Største stigninger over grænsen: {rises}" if rises else
           ". Ingen stigninger over grænsen"))


# --- own vs external ---------------------------------------------------------------------------


def own_external_cells(egne: ik.EgneModEksterne, diskretion: int | None = None,
                       n: int = 6) -> pd.DataFrame:
    """The rows of `pr_paragraf` the figure shows: the `n` paragraphs with most spending that
    have own provision or more than one provider type; with `diskretion` (byråd) cells with
    fewer citizens than that are left out (their cost could point to them)."""
    t = egne.pr_paragraf
    if diskretion is not None:
        t = t[t["antal_borgere"] >= diskretion]
    kinds = t.groupby("paragraf")["leverandoertype"].nunique()
    spend = t.groupby("paragraf")["udgift"].sum()
    keep = spend[kinds.reindex(spend.index) > 1].sort_values(ascending=False).index[:n]
    return t[t["paragraf"].isin(keep)]


def own_external_figure(egne: ik.EgneModEksterne, diskretion: int | None = None):
    """Cost per full-year person per paragraph and provider type: the middle grant (dot) and
    the 25-75 % spread (line), own provision first."""
    t = own_external_cells(egne, diskretion)
    fig, ax = _fig(8.5, max(3.0, 0.32 * len(t) + 1.5))
    y = np.arange(len(t))[::-1]
    for yi, r in zip(y, t.itertuples()):
        colour = TYPE_COLOURS.get(r.leverandoertype, COLOURS["oevrige"])
        ax.plot([r.p25_pr_helaarsperson, r.p75_pr_helaarsperson], [yi, yi], color=colour, lw=3,
                alpha=0.6, solid_capstyle="butt")
        ax.plot(r.median_pr_helaarsperson, yi, "o", color=colour)
    ax.set_yticks(y, [f"{r.paragraf}, {type_label(r.leverandoertype).lower()}"
                      for r in t.itertuples()])
    ax.set_xlabel("Årlig udgift pr. helårsperson (midterste bevilling og 25–75 %)")
    ax.set_title(f"Egne og eksterne tilbud: udgift pr. helårsperson ({egne.aar})")
    ax.xaxis.set_major_locator(MaxNLocator(5))
    axis_kr(ax, "x", mio=True)
    return fig


def own_external_alt(egne: ik.EgneModEksterne, diskretion: int | None = None) -> str:
    t = own_external_cells(egne, diskretion)
    parts = []
    for paragraf, rows in t.groupby("paragraf", sort=False):
        cells = ", ".join(f"{type_label(r.leverandoertype).lower()} "
                          f"{kr(r.median_pr_helaarsperson)}" for r in rows.itertuples())
        parts.append(f"{paragraf}: {cells}")
    return sentence(f"Prikker med spænd for den årlige udgift pr. helårsperson i {egne.aar} pr. "
                    f"paragraf og leverandørtype (midterste bevilling). " + "; ".join(parts))


# --- contracts ---------------------------------------------------------------------------------


def coverage_shares(dk: ik.Kontraktdaekning) -> pd.DataFrame:
    """Per year: the shares of external spending on the standard contract, on another
    contract and without a valid contract (known only with kontrakter), and the share of
    external grants on the standard contract."""
    t = dk.pr_aar[dk.pr_aar["leverandoertype"] == "I alt"].set_index("aar")
    total = t["udgift"].where(t["udgift"] != 0)
    none = t["udgift_uden_kontrakt"].fillna(0.0)
    return pd.DataFrame({
        "standardkontrakt": t["udgift_standardkontrakt"] / total,
        "anden kontrakt": (t["udgift"] - t["udgift_standardkontrakt"] - none) / total,
        "ingen gyldig kontrakt": none / total,
        "bevillinger_standardkontrakt": t["andel_bevillinger_standardkontrakt"],
        "helt_aar": t["helt_aar"],
    })


def coverage_figure(dk: ik.Kontraktdaekning, til: pd.Timestamp | None = None):
    """100 % bars of the external spending by contract (standard, other, none) per year, with
    the share of external grants on the standard contract as a line."""
    s = coverage_shares(dk)
    fig, ax = _fig()
    x = np.arange(len(s))
    bottom = np.zeros(len(s))
    parts = ("standardkontrakt", "anden kontrakt", "ingen gyldig kontrakt")
    colours = (COLOURS["hoej"], COLOURS["lav"], COLOURS["markeret"])
    labels = ("Standardkontrakt", "Anden kontrakt", "Ingen gyldig kontrakt")
    for part, colour, label in zip(parts, colours, labels):
        values = s[part].fillna(0.0).to_numpy()
        if dk.kilde != "kontrakter" and part == "ingen gyldig kontrakt":
            continue
        ax.bar(x, values, bottom=bottom, color=colour, width=0.7,
               label=label + " (andel af udgiften)")
        bottom += values
    ax.plot(x, s["bevillinger_standardkontrakt"], color="black", marker="D",
            label="Bevillinger på standardkontrakt (andel)")
    ax.set_xticks(x, [year_label(a, w, til) for a, w in s["helt_aar"].items()])
    ax.set_ylim(0, 1.0)
    ax.set_title("Eksterne køb: hvor meget er købt på standardkontrakten?")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axis_pct(ax, "y")
    return fig


def coverage_alt(dk: ik.Kontraktdaekning) -> str:
    s = coverage_shares(dk)
    first, last = s.index[0], s.index[-1]
    return (f"Søjler med andelen af de eksterne udgifter på kommunens standardkontrakt, anden "
            f"kontrakt og uden gyldig kontrakt pr. år, {first}–{last}. Andelen på "
            f"standardkontrakt gik fra {pct(s.at[first, 'standardkontrakt'], 0)} til "
            f"{pct(s.at[last, 'standardkontrakt'], 0)} af udgiften og fra "
            f"{pct(s.at[first, 'bevillinger_standardkontrakt'], 0)} til "
            f"{pct(s.at[last, 'bevillinger_standardkontrakt'], 0)} af bevillingerne.")


# --- the negotiation list ------------------------------------------------------------------


def negotiation_figure(fl: ik.Forhandlingsliste, n: int = 10):
    """The potential per provider (the first `n` on the list) as a low-high range, with the
    expected value; providers whose renegotiation date has passed are marked."""
    t = fl.liste.head(n).iloc[::-1]
    fig, ax = _fig(8.5, 0.45 * len(t) + 1.5)
    y = np.arange(len(t))
    lo, hi = t["potentiale_lav"].to_numpy(), t["potentiale_hoej"].to_numpy()
    ax.barh(y, hi - lo, left=lo, color=COLOURS["lav"], label="Spænd (lav til høj)")
    ax.plot(t["forventet"], y, "D", color=COLOURS["hoej"], label="Forventet (midt i spændet)")
    for yi, r in zip(y, t.itertuples()):
        if r.genforhandling_overskredet:
            ax.annotate("genforhandling overskredet", (r.potentiale_hoej, yi), xytext=(8, 0),
                        textcoords="offset points", va="center", fontsize=9,
                        color=COLOURS["markeret"])
    ax.set_yticks(y, t["navn"])
    ax.set_xlim(0, max(float(hi.max()) * 1.45, 1.0) if len(t) else 1.0)
    ax.set_title("Forhandlingspotentiale pr. år: pris ned til medianen")
    ax.legend(loc="lower right")
    ax.xaxis.set_major_locator(MaxNLocator(5))
    axis_kr(ax, "x")
    return fig


def negotiation_alt(fl: ik.Forhandlingsliste, n: int = 10) -> str:
    t = fl.liste.head(n)
    top = t.iloc[0]
    over = int(t["genforhandling_overskredet"].sum())
    return (f"Vandrette spænd for forhandlingspotentialet pr. år hos de {len(t)} første "
            f"leverandører på listen. Først: {top['navn']} med {amount(top['potentiale_lav'])} "
            f"til {amount(top['potentiale_hoej'])}. I alt {amount(fl.potentiale_lav)} til "
            f"{amount(fl.potentiale_hoej)} for alle {tal(len(fl.liste))} leverandører. "
            f"{tal(over)} af de viste har en overskredet genforhandlingsdato.")


# --- price and quality -----------------------------------------------------------------------


def quadrant_figure(pk: ik.PrisOgKvalitet):
    """Each provider's price against its peers (1 = the median) and its latest supervision
    score, in four quadrants; point size by the compared grants' yearly cost; the providers
    with high price and low quality are named."""
    t = pk.tabel.dropna(subset=["prisindeks", "bedoemmelse"])
    fig, ax = _fig(8.0, 5.5)
    size = 30 + 270 * np.sqrt(t["aarlig_udgift"].fillna(0) / max(t["aarlig_udgift"].max(), 1))
    colours = t["kvadrant"].map(QUADRANT_COLOURS).fillna(COLOURS["oevrige"])
    ax.scatter(t["prisindeks"], t["bedoemmelse"], s=size, c=list(colours), alpha=0.8,
               edgecolor="white")
    ax.axvline(1.0, color="black", lw=1, ls="--")
    ax.axhline(pk.kvalitet_graense, color="black", lw=1, ls="--")
    lo = min(0.8, float(t["prisindeks"].min()) - 0.05) if len(t) else 0.8
    hi = max(1.3, float(t["prisindeks"].max()) + 0.1) if len(t) else 1.3
    ax.set_xlim(lo, hi)
    ax.set_ylim(1, 5.2)
    corners = {KVADRANTER[0]: (hi, 1.1, "right"), KVADRANTER[1]: (hi, 5.1, "right"),
               KVADRANTER[2]: (lo, 1.1, "left"), KVADRANTER[3]: (lo, 5.1, "left")}
    for name, (x, y, ha) in corners.items():
        ax.annotate(name.capitalize(), (x, y), ha=ha, va="center", fontsize=9,
                    color=QUADRANT_COLOURS[name], fontweight="bold",
                    xytext=(-6 if ha == "right" else 6, 0), textcoords="offset points")
    for r in t[t["kvadrant"] == KVADRANTER[0]].itertuples():
        ax.annotate(r.navn, (r.prisindeks, r.bedoemmelse), xytext=(0, 10),
                    textcoords="offset points", ha="center", fontsize=9)
    ax.set_xlabel("Pris i forhold til medianen for sammenlignelige bevillinger (1 = medianen)")
    ax.set_ylabel("Socialtilsynets seneste bedømmelse (1–5)")
    ax.set_title("Pris og kvalitet pr. leverandør")
    ax.set_yticks([1, 2, 3, 4, 5])
    axis_tal(ax, "x", 1)
    axis_tal(ax, "y", 0)
    return fig


def quadrant_alt(pk: ik.PrisOgKvalitet) -> str:
    counts = "; ".join(f"{k} {tal(v)}" for k, v in pk.antal_pr_kvadrant.items())
    worst = pk.tabel[pk.tabel["kvadrant"] == KVADRANTER[0]]["navn"].tolist()
    named = (f" Høj pris og lav kvalitet: {', '.join(worst)}." if worst else
             " Ingen leverandører har både høj pris og lav kvalitet.")
    return (f"Punktdiagram med hver leverandørs pris i forhold til medianen mod "
            f"socialtilsynets seneste bedømmelse, delt ved medianen og ved "
            f"{tal(pk.kvalitet_graense, 1)}. Leverandører pr. kvadrant: {counts}.{named}")


# --- the price calculator ------------------------------------------------------------------


def calculator_figure(pb: ik.Prisberegning):
    """Yearly cost per provider for the chosen service and volume, cheapest first."""
    t = pb.tabel.iloc[::-1]
    fig, ax = _fig(8.0, 0.42 * len(t) + 1.4)
    y = np.arange(len(t))
    colours = [COLOURS["maal"] if r == 1 else COLOURS["hoej"] for r in t["rang"]]
    ax.barh(y, t["aarlig_udgift"], color=colours)
    for yi, value in zip(y, t["aarlig_udgift"]):
        ax.annotate(kr(value), (value, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_yticks(y, t["navn"])
    ax.set_xlim(0, float(t["aarlig_udgift"].max()) * 1.25)
    ax.set_title(f"{pb.ydelse}\n{omfang_text(pb.omfang, pb.enhed)}: årlig udgift")
    axis_kr(ax, "x")
    return fig


def calculator_alt(pb: ik.Prisberegning) -> str:
    t = pb.tabel
    first, last = t.iloc[0], t.iloc[-1]
    return (f"Vandrette søjler med den årlige udgift til {pb.ydelse}, "
            f"{omfang_text(pb.omfang, pb.enhed)}, hos {tal(len(t))} leverandører. Billigst: {first['navn']} ({kr(first['aarlig_udgift'])}"
            f"); dyrest: {last['navn']} ({kr(last['aarlig_udgift'])}), "
            f"{kr(last['forskel_til_billigste'])} mere om året.")


# --- realised savings ----------------------------------------------------------------------


def savings_figure(gev: ik.Indkoebsgevinster):
    """Left: realised savings month by month and accumulated; right: each year's yearly
    effect of its renegotiations against the political target."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.2),
                                   gridspec_kw={"width_ratios": [2, 1]})
    m = gev.pr_maaned
    if len(m):
        colours = [COLOURS["lav"] if v >= 0 else COLOURS["markeret"] for v in m["besparelse"]]
        ax1.bar(m["maaned"], m["besparelse"], width=20, color=colours, label="Pr. måned")
        ax1.plot(m["maaned"], m["akkumuleret"], marker="o", ms=3, color=COLOURS["hoej"],
                 label="Akkumuleret")
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title("Realiseret indkøbsgevinst")
    # The accumulated curve runs from the first month's corner to the opposite one: the
    # legend goes in the corner it leaves free.
    falling = len(m) and m["akkumuleret"].iloc[-1] < 0
    ax1.legend(loc="lower left" if falling else "upper left")
    axis_kr(ax1, "y")
    axis_quarters(ax1)
    ax1.tick_params(axis="x", labelrotation=45)
    y = gev.pr_aar
    x = np.arange(len(y))
    ax2.bar(x - 0.2, y["aarlig_effekt"], width=0.4, color=COLOURS["hoej"], label="Årlig effekt")
    if y["maal"].notna().any():
        ax2.bar(x + 0.2, y["maal"].fillna(0.0), width=0.4, color=COLOURS["maal"], label="Mål")
    ax2.axhline(0, color="black", lw=0.8)
    ax2.set_xticks(x, [str(a) for a in y["aar"]])
    ax2.set_title("Årlig effekt mod målet")
    ax2.legend(loc="best")
    axis_kr(ax2, "y")
    fig.tight_layout()
    return fig


def savings_alt(gev: ik.Indkoebsgevinster) -> str:
    goal = (f" Målet for {gev.aar} er {amount(gev.maal)}; årets genforhandlinger svarer til "
            f"{pct(gev.andel_af_maal, 0)} af det." if gev.maal else " Der er ikke sat et mål.")
    months = gev.pr_maaned
    since = f" siden {maaned(months['maaned'].iloc[0])}" if len(months) else ""
    return (f"Søjler og kurve med den realiserede indkøbsgevinst måned for måned{since}, i alt "
            f"{amount(gev.realiseret)} til og med opgørelsesmåneden, og søjler med hvert års "
            f"årlige effekt mod målet. Genforhandlingerne i {gev.aar} giver "
            f"{amount(gev.aarlig_effekt)} om året.{goal}")
