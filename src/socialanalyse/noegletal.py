"""Key figures (nøgletal) for management information, political pejlemærker and benchmark.

Randers' management information on botilbud, Brønderslev's self-sufficiency goal and
Ringkøbing-Skjern's political pejlemærker, per year with trends. `compute(data, parametre)`
returns a `Noegletal` with one long table of figures (noegletal, gruppe, aar, vaerdi);
`compute_with_budget(data, parametre)` adds the budget's expected year-end for the current year:

- budget, forbrug_aar_til_dato (payments January to the reference month, the same months
  every year), forventet_aarsforbrug (complete years: payments; the current year: the expected
  year-end given by the caller, else empty), forventet_andel_af_budget;
- udgift_pr_helaarsperson per paragraf (gruppe) and enhedspris_botilbud (the botilbud
  paragraphs together): spending × days in the year / active days, i.e. the average annual
  cost per full-year person (for the current year from January to the reference month).
  Active days are counted per grant, as the budget counts helårspersoner: a citizen with two
  grants on the same paragraph at once counts twice (servicetjek flags such overlaps);
- antal_dyre_sager: active grants at the year's end (or the reference date) whose annual cost
  at the year's prices exceeds `servicetjek.dyr_sag_graense` (Randers: cases above 1 mio. kr.);
- selvforsyningsgrad: share of botilbud full-year persons served in the municipality's own
  offers (leverandoertype 'egen drift'), the rest bought externally (Randers: places bought
  internally and externally; Brønderslev's goal: 90 %, parameter `selvforsyning_maal`).
  One definition: `kapacitet.self_sufficiency` over the botilbud paragraphs together;
- andel_opfoelgning_rettidig: share of active grants at the date whose next follow-up,
  counted from the last one (or the start), is not overdue (`derived.followup_due` with
  `servicetjek.opfoelgning_interval_maaneder`: the same deadline the case review uses);
- udgift_pr_18_64_aarig: spending on adults' paragraphs per inhabitant aged alder_fra..til
  (ØkonomiBenchmark), annualised for the current year (× 12 / months);
- borgere_pr_10000: adults with an active grant in the year per 10,000 inhabitants aged
  alder_fra..til (gruppe = paragraf: per paragraph);
- antal_borgere: citizens with an active grant at the date;
- andel_borgere_eget_hjem, andel_borgere_forebyggende: shares of adults with support at the
  date who have no botilbud grant / have a preventive (trin 1) grant (Ringkøbing-Skjern);
- andel_nye_tidsbegraensede: share of new grants on temporary paragraphs that were given an
  expected end date (forventet_slutdato).

Pejlemærker from the parameters are evaluated against the latest year: grøn (goal met), gul
(within `trafiklys_margin` of it), rød; with the direction since the year before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import reference as ref
from .data import Data
from .data.derived import annual_cost, followup_due, population
from .kapacitet import IkkeTilgaengelig, self_sufficiency

SAMLET = ""  # gruppe of figures for the whole area

#: Danish label and unit ('kr', 'andel', 'antal', 'pr_10000') of every key figure.
NOEGLETAL: dict[str, tuple[str, str]] = {
    "budget": ("Budget", "kr"),
    "forbrug_aar_til_dato": ("Forbrug år til dato", "kr"),
    "forventet_aarsforbrug": ("Forventet årsforbrug", "kr"),
    "forventet_andel_af_budget": ("Forventet forbrug i pct. af budget", "andel"),
    "udgift_pr_helaarsperson": ("Gns. årlig udgift pr. helårsperson", "kr"),
    "enhedspris_botilbud": ("Gns. årlig udgift pr. borger i botilbud", "kr"),
    "antal_dyre_sager": ("Sager over grænsen for dyre sager", "antal"),
    "selvforsyningsgrad": ("Selvforsyningsgrad på botilbud", "andel"),
    "andel_opfoelgning_rettidig": ("Andel bevillinger med rettidig opfølgning", "andel"),
    "udgift_pr_18_64_aarig": ("Udgift pr. indbygger i aldersgruppen", "kr"),
    "borgere_pr_10000": ("Voksne borgere med støtte pr. 10.000 indbyggere", "pr_10000"),
    "antal_borgere": ("Borgere med en aktiv bevilling", "antal"),
    "andel_borgere_eget_hjem": ("Andel voksne med støtte uden botilbud", "andel"),
    "andel_borgere_forebyggende": ("Andel voksne med forebyggende indsats", "andel"),
    "andel_nye_tidsbegraensede": ("Andel nye midlertidige bevillinger med slutdato", "andel"),
}

COLUMNS = ["noegletal", "gruppe", "aar", "vaerdi", "navn", "enhed"]


@dataclass(frozen=True)
class Noegletal:
    """Key figures of one municipality.

    tal: long table (COLUMNS) with one row per key figure, gruppe ('' = samlet) and year.
    pejlemaerker: one row per pejlemærke: navn, noegletal, gruppe, maal, retning, aar, vaerdi,
    forrige, status (grøn/gul/rød/mangler/ukendt nøgletal), udvikling (bedre/værre/uændret).
    opgjort: the reference date; aar: the latest year.
    """

    tal: pd.DataFrame
    pejlemaerker: pd.DataFrame
    opgjort: pd.Timestamp
    aar: int

    def vaerdi(self, noegletal: str, gruppe: str = SAMLET, aar: int | None = None) -> float:
        """One figure's value (NaN if missing); the latest year by default."""
        t = self.tal
        hit = t[(t["noegletal"] == noegletal) & (t["gruppe"] == gruppe)
                & (t["aar"] == (aar or self.aar))]
        return float(hit["vaerdi"].iloc[0]) if len(hit) else float("nan")

    def seneste(self, gruppe: str | None = SAMLET) -> pd.DataFrame:
        """The latest year's figures with the year before and the change (for a dashboard).

        Columns noegletal, gruppe, navn, enhed, vaerdi, forrige, aendring. gruppe None: all.
        """
        t = self.tal if gruppe is None else self.tal[self.tal["gruppe"] == gruppe]
        now = t[t["aar"] == self.aar].set_index(["noegletal", "gruppe"])
        before = t[t["aar"] == self.aar - 1].set_index(["noegletal", "gruppe"])["vaerdi"]
        out = now[["navn", "enhed", "vaerdi"]].copy()
        out["forrige"] = before.reindex(out.index)
        out["aendring"] = out["vaerdi"] - out["forrige"]
        return out.reset_index()

    def udvikling(self, noegletal: str, gruppe: str = SAMLET) -> pd.Series:
        """One figure over the years (index aar)."""
        t = self.tal
        hit = t[(t["noegletal"] == noegletal) & (t["gruppe"] == gruppe)]
        return hit.set_index("aar")["vaerdi"].sort_index()


def _months_overlap(first: pd.Timestamp, last: pd.Timestamp) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _active_days(bev: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    s = bev["startdato"].clip(lower=first)
    e = bev["slutdato"].fillna(last).clip(upper=last)
    return ((e - s).dt.days + 1).clip(lower=0).to_numpy(dtype=float)


def _share(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def followup_on_time(bev: pd.DataFrame, opfoelgninger: pd.DataFrame, on: pd.Timestamp,
                     maaneder: dict[str, int]) -> pd.Series:
    """For grants active on the date: whether the next follow-up, counted from the last one
    on or before the date (or else the start), is not yet overdue (`derived.followup_due`,
    the same deadline as servicetjek's rule opfoelgning_overskredet)."""
    active = bev[(bev["startdato"] <= on) & (bev["slutdato"].isna() | (bev["slutdato"] >= on))]
    f = opfoelgninger[opfoelgninger["dato"] <= on]
    last = f.groupby("bevilling_id")["dato"].max()
    last_at = last.astype("datetime64[ns]").reindex(active["bevilling_id"]).to_numpy()
    since = pd.Series(last_at, index=active.index).fillna(active["startdato"])
    since = since.where(since >= active["startdato"], active["startdato"])
    due, _ = followup_due(since, active["paragraf"], maaneder)
    return (due >= on).rename("rettidig")


def compute(data: Data, parametre, forventet: pd.Series | float | None = None) -> Noegletal:
    """The key figures per year over the last `trend_aar` years (module docstring).

    parametre: the municipality's Parametre (its noegletal section, pejlemaerker, prisindeks).
    forventet: the current year's expected year-end (a number, or a Series per budget line
    labelled by paragraf or målgruppe, e.g. budget.expected_year_end(...).linjer['forventet']);
    without it the current year's forventet_aarsforbrug is empty and its spending per
    inhabitant is annualised from the year to date.
    """
    p = parametre.noegletal
    bev = data.bevillinger
    bet = data.betalinger
    if bet.empty:
        raise ValueError("Der er ingen betalinger i data; nøgletallene kan ikke beregnes.")
    ref_month = bet["periode"].max().to_period("M").to_timestamp()
    opgjort = ref_month + pd.offsets.MonthEnd(0)
    cat = ref.paragraffer().set_index("paragraf")
    adult = bev["paragraf"].map(cat["maalgruppe_type"]).eq("voksne").to_numpy()
    botilbud = bev["paragraf"].isin(p.botilbud_paragraffer).to_numpy()
    trin1 = bev["paragraf"].map(cat["trin"]).eq(1).to_numpy()
    temporary = bev["paragraf"].map(cat["midlertidig"]).fillna(False).astype(bool).to_numpy()
    annual = annual_cost(bev).to_numpy()
    start_year = bev["startdato"].dt.year.to_numpy()
    pos = pd.Index(bev["bevilling_id"]).get_indexer(bet["bevilling_id"])
    pay_month = (bet["periode"].dt.year * 12 + bet["periode"].dt.month - 1).to_numpy()
    beloeb = bet["beloeb"].to_numpy(dtype=float)
    pop = population(data.befolkning, p.alder_fra, p.alder_til)
    budget_by_year = data.budget.groupby("aar")["beloeb"].sum()
    first_year = max(int(bet["periode"].min().year), ref_month.year - p.trend_aar + 1)
    first_month = bet["periode"].min().to_period("M").to_timestamp()
    own_share = self_sufficiency(data, by="samlet", paragraffer=p.botilbud_paragraffer,
                                 years=range(first_year, ref_month.year + 1))
    own_share = (pd.Series(dtype=float) if isinstance(own_share, IkkeTilgaengelig)
                 else own_share.set_index("aar")["andel_egen"])
    if isinstance(forventet, pd.Series):
        forventet_total = float(forventet.sum())
        labels = forventet.index.astype(str)
        child = labels.isin(list(cat.index[cat["maalgruppe_type"] == "børn"])) | labels.isin(
            ref.MAALGRUPPER_BOERN)
        forventet_adult = float(forventet[~child].sum())
    elif forventet is not None:
        forventet_total, forventet_adult = float(forventet), float("nan")
    else:
        forventet_total = forventet_adult = float("nan")

    rows: list[tuple[str, str, int, float]] = []
    for year in range(first_year, ref_month.year + 1):
        first = max(pd.Timestamp(year, 1, 1), first_month)
        last = min(pd.Timestamp(year, 12, 31), opgjort)
        complete = first == pd.Timestamp(year, 1, 1) and last == pd.Timestamp(year, 12, 31)
        diy = 366 if pd.Timestamp(year, 12, 31).day_of_year == 366 else 365
        y_lo, y_hi = year * 12 + first.month - 1, year * 12 + last.month - 1
        in_period = (pay_month >= y_lo) & (pay_month <= y_hi)
        spend = np.bincount(pos[in_period], weights=beloeb[in_period], minlength=len(bev))
        days = _active_days(bev, first, last)
        active_year = days > 0
        on = last
        active_on = ((bev["startdato"] <= on) & (bev["slutdato"].isna() | (bev["slutdato"] >= on))
                     ).to_numpy()
        add = lambda name, value, gruppe=SAMLET, y=year: rows.append(
            (name, gruppe, y, float(value)))

        # Budget and spending against it.
        ytd_months = (year * 12 + ref_month.month - 1)
        ytd = (pay_month >= year * 12) & (pay_month <= ytd_months)
        add("budget", budget_by_year.get(year, np.nan))
        if year * 12 >= first_month.year * 12 + first_month.month - 1:
            add("forbrug_aar_til_dato", beloeb[ytd].sum())
        expected = spend.sum() if complete else (
            forventet_total if year == ref_month.year else np.nan)
        add("forventet_aarsforbrug", expected)
        add("forventet_andel_af_budget", _share(expected, budget_by_year.get(year, 0.0))
            if not np.isnan(expected) else np.nan)

        # Average annual cost per full-year person: spending × days in year / active days.
        by_par = pd.DataFrame({"p": bev["paragraf"].to_numpy(), "s": spend, "d": days})
        agg = by_par.groupby("p")[["s", "d"]].sum()
        for par, r in agg[agg["d"] > 0].iterrows():
            add("udgift_pr_helaarsperson", r["s"] * diy / r["d"], par)
        d_bo = days[botilbud].sum()
        add("enhedspris_botilbud", spend[botilbud].sum() * diy / d_bo if d_bo else np.nan)

        # Expensive cases, self-sufficiency, follow-up.
        annual_now = annual * (1 + parametre.prisindeks) ** (year - start_year)
        add("antal_dyre_sager", (active_on & (annual_now > parametre.servicetjek.dyr_sag_graense)).sum())
        add("selvforsyningsgrad", own_share.get(year, np.nan))
        on_time = followup_on_time(bev, data.opfoelgninger, on,
                                   parametre.servicetjek.opfoelgning_interval_maaneder)
        add("andel_opfoelgning_rettidig", on_time.mean() if len(on_time) else np.nan)

        # Per inhabitant (ØkonomiBenchmark style).
        inhabitants = pop.get(year, np.nan)
        if complete:
            adult_spend = spend[adult].sum()
        elif year == ref_month.year and not np.isnan(forventet_adult):
            adult_spend = forventet_adult
        else:
            adult_spend = spend[adult].sum() * 12 / _months_overlap(first, last)
        add("udgift_pr_18_64_aarig", _share(adult_spend, inhabitants))
        citizens_year = bev.loc[adult & active_year, ["borger_id", "paragraf"]]
        add("borgere_pr_10000", _share(citizens_year["borger_id"].nunique() * 10_000, inhabitants))
        for par, n in citizens_year.groupby("paragraf")["borger_id"].nunique().items():
            add("borgere_pr_10000", _share(n * 10_000, inhabitants), par)
        add("antal_borgere", bev.loc[active_on, "borger_id"].nunique())

        # Ringkøbing-Skjern style: own home, prevention, time-limited grants.
        people = pd.DataFrame({"b": bev["borger_id"].to_numpy()[adult & active_on],
                               "bo": botilbud[adult & active_on],
                               "t1": trin1[adult & active_on]}).groupby("b")[["bo", "t1"]].any()
        add("andel_borgere_eget_hjem", (~people["bo"]).mean() if len(people) else np.nan)
        add("andel_borgere_forebyggende", people["t1"].mean() if len(people) else np.nan)
        new = ((bev["startdato"] >= first) & (bev["startdato"] <= last)).to_numpy() & temporary
        add("andel_nye_tidsbegraensede",
            bev.loc[new, "forventet_slutdato"].notna().mean() if new.any() else np.nan)

    tal = pd.DataFrame(rows, columns=["noegletal", "gruppe", "aar", "vaerdi"])
    tal["navn"] = tal["noegletal"].map(lambda k: NOEGLETAL[k][0])
    tal["enhed"] = tal["noegletal"].map(lambda k: NOEGLETAL[k][1])
    result = Noegletal(tal=tal[COLUMNS], pejlemaerker=pd.DataFrame(), opgjort=opgjort,
                       aar=ref_month.year)
    marks = [("Selvforsyningsgrad på botilbud (mål i parametrene)", "selvforsyningsgrad",
              SAMLET, p.selvforsyning_maal, "over")]
    marks += [(m.navn, m.noegletal, m.gruppe or SAMLET, m.maal, m.retning)
              for m in parametre.pejlemaerker]
    return Noegletal(tal=result.tal, pejlemaerker=evaluate(result, marks, p.trafiklys_margin),
                     opgjort=opgjort, aar=result.aar)


def compute_with_budget(data: Data, parametre) -> Noegletal:
    """`compute` with the current year's expected year-end per budget line from
    `budget.expected_year_end` (the budget's own settings), as notebook 05 shows them. The one
    documented import of another analysis: nøgletal read the budget's forecast."""
    from . import budget

    forventet = budget.expected_year_end(data, ind=budget.Indstillinger.fra(parametre))
    return compute(data, parametre, forventet=forventet.linjer["forventet"])


def traffic_light(value: float, maal: float, retning: str, margin: float) -> str:
    """'grøn' when the goal is met, 'gul' when within `margin` (a share of the goal) of it,
    'rød' otherwise; 'mangler' without a value."""
    if value is None or np.isnan(value):
        return "mangler"
    if retning == "over":
        return "grøn" if value >= maal else ("gul" if value >= maal - abs(maal) * margin
                                              else "rød")
    return "grøn" if value <= maal else ("gul" if value <= maal + abs(maal) * margin else "rød")


def evaluate(nt: Noegletal, marks: list[tuple[str, str, str, float, str]],
             margin: float) -> pd.DataFrame:
    """Evaluate pejlemærker (navn, noegletal, gruppe, maal, retning) on the latest year."""
    out = []
    for navn, key, gruppe, maal, retning in marks:
        if key not in NOEGLETAL:
            out.append((navn, key, gruppe, maal, retning, nt.aar, np.nan, np.nan,
                        "ukendt nøgletal", ""))
            continue
        now, before = nt.vaerdi(key, gruppe), nt.vaerdi(key, gruppe, nt.aar - 1)
        if np.isnan(now) or np.isnan(before) or np.isclose(now, before):
            trend = "uændret" if not (np.isnan(now) or np.isnan(before)) else ""
        else:
            trend = "bedre" if (now > before) == (retning == "over") else "værre"
        out.append((navn, key, gruppe, maal, retning, nt.aar, now, before,
                    traffic_light(now, maal, retning, margin), trend))
    return pd.DataFrame(out, columns=["navn", "noegletal", "gruppe", "maal", "retning", "aar",
                                      "vaerdi", "forrige", "status", "udvikling"])


def benchmark_year(nt: Noegletal) -> int:
    """The latest complete year: the one benchmarked (comparable across runs)."""
    return nt.aar - (0 if nt.opgjort.month == 12 else 1)


def benchmark_values(nt: Noegletal, names: list[str], aar: int | None = None) -> dict[str, float]:
    """The benchmark figures of one municipality (samlet), by name, for recording in
    results.json. Default year: the latest complete year (`benchmark_year`)."""
    year = aar if aar is not None else benchmark_year(nt)
    return {name: nt.vaerdi(name, SAMLET, year) for name in names}


def benchmark(own: dict[str, float], kommune: str, others: pd.DataFrame) -> pd.DataFrame:
    """Compare a municipality's benchmark figures with its comparison municipalities.

    own: {noegletal: value}; others: long frame kommune, noegletal, vaerdi, status (from
    report.outputs.read_comparisons). Returns one row per (kommune, noegletal) with vaerdi,
    status ('egen', 'ok', or why it is missing), and for the municipality itself the
    comparison mean and its own value relative to that mean (forskel = own / mean - 1).
    """
    rows = [(kommune, k, v, "egen") for k, v in own.items()]
    frame = pd.concat([pd.DataFrame(rows, columns=["kommune", "noegletal", "vaerdi", "status"]),
                       others[["kommune", "noegletal", "vaerdi", "status"]]], ignore_index=True)
    ok = frame[frame["status"] == "ok"]
    mean = ok.groupby("noegletal")["vaerdi"].mean()
    frame["sammenligning_gns"] = frame["noegletal"].map(mean).where(frame["status"] == "egen")
    frame["forskel"] = frame["vaerdi"] / frame["sammenligning_gns"] - 1
    frame["navn"] = frame["noegletal"].map(lambda k: NOEGLETAL.get(k, (k, ""))[0])
    return frame
