"""The buyer's tables (kontrakter, prislister, tilsyn) for 06_indkoeb, and their signals.

Contracts: each external provider has a framework contract per paragraph it delivers; most
moved from the provider's own contract to the municipality's standard contract at some date
from 2022 to mid-2025 (so the standard-contract coverage grows over time), the providers
without the standard contract keep their own, and some of them have no contract at all. About
a tenth of the external §107/§108 grants have an individual contract. Supervision reports
(socialtilsynet's quality model, 1-5: an overall score and seven themes) for every provider
of residential offers, every one to two years. Price lists with hourly prices for supportive
services at a few providers.

Planted (`Indkoeb`, read back as `Planted.families["indkoeb"]`):
- contracts expiring within six months of the reference date, with the spending at stake
  (what was paid in the last 12 months for the active grants each covers) to the krone;
- running contracts past their renegotiation date;
- a provider with a high price (one of the overpriced providers) and a low supervision score;
- a provider whose tillæg grows fast: grants started in 2025 with a tillæg of 12,000 kr. a
  month (its payments follow the grants);
- a renegotiated framework price from 15 March 2026 with a known saving (the payments follow
  the new price from April);
- a price list whose ranking for §85 support at six hours a week is known, with a newer price
  from 1 July 2026 that changes a rank and one provider pricing per month.
This step runs after the payments and before the budget, so the budget is made from what was
paid; it draws only from its own stream.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .. import derived
from .export import PARAGRAF_KODER, Export
from .world import LAST_MONTH, PRISINDEKS, REFERENCE_DATE, World, id_strings, scaled

EXPORT = {
    "kontrakter": Export(
        "kontrakter.csv",
        {"kontrakt_id": "Kontrakt-ID", "leverandoer_id": "Leverandør-ID",
         "bevilling_id": "Bevillings-ID", "paragraf": "Paragraf", "startdato": "Startdato",
         "udloebsdato": "Udløbsdato", "standardkontrakt": "Standardkontrakt",
         "prisregulering": "Prisregulering", "genforhandlingsdato": "Næste genforhandling",
         "enhed": "Prisenhed", "enhedspris": "Aftalt pris (kr.)",
         "tidligere_enhedspris": "Pris før genforhandling (kr.)",
         "prisaendring_dato": "Ny pris fra"},
        {"paragraf": PARAGRAF_KODER,
         "standardkontrakt": {"True": "Ja", "False": "Nej"},
         "prisregulering": {"pl-indeks": "PL-indeks", "fast pris": "Fast pris",
                            "efter aftale": "Efter aftale",
                            "leverandørens takst": "Leverandørens takst"},
         "enhed": {"doegn": "Døgn", "time": "Time", "maaned": "Måned"}},
        encoding="cp1252", datoformat="%d-%m-%Y"),
    "prislister": Export(
        "prislister.xlsx",
        {"leverandoer_id": "Leverandør-ID", "ydelse": "Ydelse", "paragraf": "Paragraf",
         "enhed": "Enhed", "enhedspris": "Pris (kr.)", "gyldig_fra": "Gældende fra",
         "indhold": "Prisen indeholder"},
        {"paragraf": PARAGRAF_KODER,
         "enhed": {"doegn": "Døgn", "time": "Time", "maaned": "Måned"}},
        ark="Prislister"),
    "tilsyn": Export(
        "tilsyn.csv",
        {"leverandoer_id": "Leverandør-ID", "tilbud": "Tilbud", "dato": "Rapportdato",
         "tema": "Tema", "bedoemmelse": "Bedømmelse"},
        encoding="utf-8-sig", datoformat="%d.%m.%Y"),
}

#: Paragraphs whose offers the social supervision (socialtilsynet) supervises.
SUPERVISED = ("§107", "§108", "§105+§85", "§110", "BL §46")
#: The themes of socialtilsynet's quality model.
THEMES = ("Uddannelse og beskæftigelse", "Selvstændighed og relationer",
          "Målgrupper, metoder og resultater", "Sundhed og trivsel", "Organisation og ledelse",
          "Kompetencer", "Fysiske rammer")
TILLAEG = 12_000.0  # kr. a month on the fast-growing provider's grants started in 2025
TILLAEG_BASE = 4_000.0  # kr. a month on one of its grants running through 2024 and 2025
RABAT = 0.08  # the renegotiated framework price is 8 % lower
NY_PRIS_FRA = pd.Timestamp("2026-03-15")  # the renegotiated price applies from this date
SOON_UNTIL = REFERENCE_DATE + pd.DateOffset(months=6)  # "expiring within six months"
LATER_FROM = pd.Timestamp("2027-06-01")  # every other fixed expiry is from this date on
YDELSE = "Socialpædagogisk støtte (§85), dagtimer"
OMFANG = 6.0  # hours a week in the planted ranking
PRISER = (520.0, 560.0, 585.0, 610.0, 640.0, 700.0)  # kr. an hour from 1 January 2026
NY_TIMEPRIS = (560.0, 600.0, pd.Timestamp("2026-07-01"))  # this price rises from this date
PAKKEPRIS = 9_850.0  # kr. a month: the provider pricing the service per month


@dataclass(frozen=True)
class Udloeber:
    """A contract expiring within six months, and the spending at stake."""

    kontrakt_id: str
    leverandoer_id: str
    paragraf: str
    udloebsdato: pd.Timestamp
    bevillinger: tuple[str, ...]  # the active grants it covers on the reference date
    betalt_12_mdr: float  # paid for them from November 2025 to October 2026, kr.


@dataclass(frozen=True)
class Genforhandling:
    """A framework price renegotiated with a known saving."""

    kontrakt_id: str
    leverandoer_id: str
    paragraf: str
    pris_foer: float  # kr. per unit
    pris_efter: float
    virkning_fra: pd.Timestamp  # the first month at the new price
    bevillinger: tuple[str, ...]  # the grants running in that month (those the saving counts)
    aarlig_besparelse: float  # (pris_foer - pris_efter) × their units per year, kr.
    realiseret: float  # the same month by month up to the reference month, kr.


@dataclass(frozen=True)
class Prisrang:
    """The known ranking of the price calculator for one service and volume."""

    ydelse: str
    omfang: float  # units per week
    leverandoerer: tuple[str, ...]  # cheapest first, at each provider's latest price
    aarlig_udgift: tuple[float, ...]  # kr. a year, in the same order
    foer_ny_pris: tuple[str, ...]  # the ranking on the day before the newer price applies
    ny_pris_fra: pd.Timestamp
    anden_enhed: str  # the provider pricing the service per month (left out)


@dataclass(frozen=True)
class Indkoeb:
    """What the indkoeb step planted."""

    udloeber: tuple[Udloeber, ...]
    genforhandling_overskredet: tuple[str, ...]  # kontrakt_ids of running contracts
    hoej_pris_lav_kvalitet: tuple[str, ...]  # leverandoer_ids
    tillaeg_leverandoer: str
    tillaeg_bevillinger: tuple[str, ...]  # the grants given a tillæg (the 2025 ones first)
    tillaeg_pr_maaned: tuple[tuple[int, float], ...]  # (year, the provider's tillæg a month)
    genforhandling: Genforhandling
    prisliste: Prisrang
    uden_kontrakt: tuple[str, ...]  # external providers without any contract


def step(w: World) -> None:
    """kontrakter, prislister and tilsyn with the planted signals (see the module docstring);
    gives the fast-growing provider's grants their tillæg and pays the renegotiated price."""
    rng = w.rng("indkoeb")
    g, prov = w.g, w.prov
    ext = np.flatnonzero((prov["leverandoertype"] != "egen drift").to_numpy())
    pay_signals = np.concatenate([w.differ, w.after_end, w.overlap_orig, w.overlap_new])
    free = ~np.isin(np.arange(len(g)), pay_signals)  # grants whose payments we may change
    # Providers in no other planted set first; a small municipality has few providers.
    busy = np.concatenate([w.overpriced, w.price_rise, w.renegotiated, w.no_contract])
    tiers = [np.setdiff1d(ext, busy), np.setdiff1d(ext, np.r_[w.price_rise, w.renegotiated]),
             ext]
    tillaeg = _fast_growing_tillaeg(w, rng, tiers, free)
    # The renegotiated contract is a standard contract: not a provider without one.
    reneg = _renegotiation(w, rng, [np.setdiff1d(t, np.r_[tillaeg[0], w.no_contract])
                                    for t in tiers + [ext]], free)
    kontrakter, reneg, soon, overdue, none = _contracts(w, rng, ext, reneg)
    w.tables["kontrakter"] = kontrakter
    w.tables["tilsyn"], low = _supervision(w, rng)
    w.tables["prislister"], ranking = _price_lists(w, rng, ext)

    pid = prov["leverandoer_id"].to_numpy()
    record = Indkoeb(
        udloeber=soon, genforhandling_overskredet=overdue,
        hoej_pris_lav_kvalitet=() if low is None else (pid[low],),
        tillaeg_leverandoer=pid[tillaeg[0]],
        tillaeg_bevillinger=tillaeg[1], tillaeg_pr_maaned=tillaeg[2],
        genforhandling=reneg, prisliste=ranking, uden_kontrakt=tuple(sorted(pid[none])))
    w.plant_family("indkoeb", record, {
        "udloeber": "Kontrakter, der udløber inden for seks måneder efter opgørelsesdatoen, med "
                    "det, der er betalt de seneste 12 måneder for de aktive bevillinger, de "
                    "dækker.",
        "genforhandling_overskredet": "Løbende standardkontrakter, hvis aftalte "
                                      "genforhandlingsdato er passeret.",
        "hoej_pris_lav_kvalitet": "En af de dyre leverandører fik 2 i socialtilsynets seneste "
                                  "samlede bedømmelse (4 før); alle andre har mindst 3.",
        "tillaeg_leverandoer": "En leverandør, hvis nye bevillinger fra 2025 har et tillæg på "
                               "12.000 kr. om måneden, så tillæggene mere end fordobles.",
        "genforhandling": "En rammekontrakt genforhandlet til en 8 % lavere pris fra 15. marts "
                          "2026; betalingerne følger den nye pris fra april.",
        "prisliste": "Prislister for socialpædagogisk støtte, hvor rangordenen ved 6 timer om "
                     "ugen er kendt; én pris stiger 1. juli 2026, og én leverandør prissætter "
                     "pr. måned.",
        "uden_kontrakt": "Eksterne leverandører uden nogen kontrakt (heller ikke deres egen).",
    })


# --- the fast-growing tillæg -----------------------------------------------------------------


def _fast_growing_tillaeg(w: World, rng, tiers: list[np.ndarray], free: np.ndarray):
    """Give grants started in 2025 at one external provider a tillæg of TILLAEG a month (and
    one of its grants running through 2024-2025 a smaller one, so the growth is a ratio);
    the payments get the tillæg too. Returns (provider, grant ids, tillæg a month per year)."""
    g = w.g
    cost = derived.annual_cost(g).to_numpy()
    start, end = g["startdato"], g["slutdato"]
    new = (free & (start.dt.year == 2025) & (g["tillaeg"] == 0)
           & (cost + 12 * TILLAEG < 950_000)).to_numpy()
    base = (free & (start <= "2024-01-01") & (end.isna() | (end >= "2025-12-31"))
            & (g["tillaeg"] == 0) & (cost + 12 * TILLAEG_BASE < 950_000)).to_numpy()
    pv = g["prov"].to_numpy()
    n_new = np.bincount(pv[new], minlength=len(w.prov))
    n_base = np.bincount(pv[base], minlength=len(w.prov))
    # Providers without tillæg of their own in 2024-2025 first, so the growth is the planted;
    # a small municipality may have to do with fewer grants (or no grant running before).
    had = (g["tillaeg"] > 0) & (start <= "2025-12-31") & (end.isna() | (end >= "2024-01-01"))
    clean = np.bincount(pv[had.to_numpy()], minlength=len(w.prov)) == 0
    k = scaled(w.n, 4, minimum=2)
    for cand, (need, with_base, only_clean) in ((c, t) for c in tiers for t in (
            (k, 1, True), (k, 1, False), (1, 1, False), (1, 0, False))):
        fits = (n_new[cand] >= need) & (n_base[cand] >= with_base)
        ok = cand[fits & clean[cand]] if only_clean else cand[fits]
        if len(ok):
            break
    else:
        raise ValueError("For få eksterne bevillinger fra 2025 til at plante væksten i tillæg.")
    p = int(rng.choice(ok))
    rows_new = np.sort(rng.choice(np.flatnonzero(new & (pv == p)),
                                  size=min(k, int(n_new[p])), replace=False))
    bases = np.flatnonzero(base & (pv == p))
    rows_base = bases[:0] if not len(bases) else np.array([int(rng.choice(bases))])
    amount = {int(i): TILLAEG for i in rows_new} | {int(i): TILLAEG_BASE for i in rows_base}
    _add_tillaeg(w, amount)
    grants = g.iloc[np.flatnonzero(pv == p)]
    per_month = []
    for year in (2024, 2025):
        e = derived.expected_payments(grants.assign(enhedspris=0.0), f"{year}-01-01",
                                      f"{year}-12-01", 0.0)
        per_month.append((year, float(e["forventet"].sum()) / 12))
    ids = g["bevilling_id"].to_numpy()
    return p, tuple(ids[rows_new]) + tuple(ids[rows_base]), tuple(per_month)


def _add_tillaeg(w: World, amount: dict[int, float]) -> None:
    """Set the tillæg of grants (rows of g) in g and bevillinger, and add what the tillæg
    costs each month (derived.expected_payments) to their payments."""
    g = w.g
    rows = np.array(sorted(amount))
    g.loc[rows, "tillaeg"] = [amount[i] for i in rows]
    bev = w.tables["bevillinger"]
    at = pd.Index(bev["bevilling_id"]).get_indexer(g.loc[rows, "bevilling_id"])
    bev.loc[at, "tillaeg"] = g.loc[rows, "tillaeg"].to_numpy()
    extra = derived.expected_payments(g.loc[rows].assign(enhedspris=0.0), "2021-11-01",
                                      LAST_MONTH, 0.0)
    _change_payments(w, extra.assign(delta=extra["forventet"]))


def _change_payments(w: World, change: pd.DataFrame) -> None:
    """Add `delta` per (bevilling_id, periode) to the first payment line of that grant and
    month (a credit note's pair keeps its credit line)."""
    pay = w.tables["betalinger"]
    key = pd.MultiIndex.from_frame(pay[["bevilling_id", "periode"]])
    first = ~key.duplicated()
    at = pd.Series(np.flatnonzero(first), index=key[first])
    rows = at.reindex(pd.MultiIndex.from_frame(change[["bevilling_id", "periode"]]))
    missing = rows.isna()
    if missing.any():
        raise AssertionError("the generator's grants lack payments for months they run")
    col = pay.columns.get_loc("beloeb")
    values = pay["beloeb"].to_numpy().copy()
    np.add.at(values, rows.to_numpy(dtype=np.int64), change["delta"].to_numpy())
    pay.iloc[:, col] = np.round(values, 2)


# --- the renegotiated framework price --------------------------------------------------------


def _renegotiation(w: World, rng, tiers: list[np.ndarray], free: np.ndarray
                   ) -> Genforhandling:
    """A framework contract (one external provider, one residential paragraph) renegotiated
    to a price RABAT lower from NY_PRIS_FRA; its grants are paid the lower price from the
    effect month. The saving is (old - new price) × the units of the grants running in the
    effect month, as procurement savings count it."""
    g = w.g
    effect = pd.Timestamp(derived.effect_month(pd.Series([NY_PRIS_FRA])).iloc[0])
    month_end = effect + pd.offsets.MonthEnd(0)
    runs = ((g["startdato"] <= month_end) & (g["slutdato"].isna() | (g["slutdato"] >= effect))
            ).to_numpy()
    later = (g["slutdato"].isna() | (g["slutdato"] >= effect)).to_numpy()  # paid after it
    residential = g["paragraf"].isin(["§107", "§108", "BL §46", "§110"]).to_numpy()
    pv, par = g["prov"].to_numpy(), g["paragraf"].to_numpy()
    options = []
    for cand, (need, kinds) in ((c, t) for c in tiers for t in (
            (3, residential), (1, residential), (1, np.ones(len(g), bool)))):
        for p in cand:
            for q in np.unique(par[(pv == p) & kinds]):
                cell = (pv == p) & (par == q)
                if (cell & later & ~free).any():  # a payment signal must stay as planted
                    continue
                if (cell & runs).sum() >= need:
                    options.append((int(p), str(q)))
        if options:
            break
    p, q = options[int(rng.integers(len(options)))]
    cell = np.flatnonzero((pv == p) & (par == q))
    counted = cell[runs[cell]]
    regulated = g["enhedspris"].to_numpy() * (1 + PRISINDEKS) ** (
        2026 - g["startdato"].dt.year.to_numpy())
    old = float(np.round(np.median(regulated[counted])))
    new = float(np.round(old * (1 - RABAT)))
    delta = old - new
    # Payments from the effect month at the new price (every grant of the contract).
    paid_after = g.iloc[cell[later[cell]]].assign(enhedspris=delta, tillaeg=0.0)
    cut = derived.expected_payments(paid_after, effect, LAST_MONTH, 0.0)
    _change_payments(w, cut.assign(delta=-cut["forventet"]))
    b = g.iloc[counted]
    units = derived.annual_cost(b.assign(enhedspris=1.0, tillaeg=0.0)).to_numpy()
    realised = derived.expected_payments(b.assign(enhedspris=delta, tillaeg=0.0), effect,
                                         LAST_MONTH, 0.0)["forventet"].sum()
    pid = w.prov["leverandoer_id"].to_numpy()
    return Genforhandling(
        kontrakt_id="", leverandoer_id=pid[p], paragraf=q, pris_foer=old, pris_efter=new,
        virkning_fra=effect, bevillinger=tuple(sorted(b["bevilling_id"])),
        aarlig_besparelse=float(delta * units.sum()), realiseret=float(realised))


# --- contracts ------------------------------------------------------------------------------


def _contracts(w: World, rng, ext: np.ndarray, reneg: Genforhandling):
    """kontrakter; the renegotiation with its contract's id, the planted expiring and overdue
    contracts, and the providers without any contract."""
    g, prov = w.g, w.prov
    pid = prov["leverandoer_id"].to_numpy()
    none = np.sort(rng.choice(w.no_contract, size=min(scaled(w.n, 1), len(w.no_contract)),
                              replace=False))
    pv, par = g["prov"].to_numpy(), g["paragraf"].to_numpy()
    active = derived.is_active(g, REFERENCE_DATE).to_numpy()
    first_start = g.groupby("prov")["startdato"].min()
    rows = []  # dicts of kontrakter columns (kontrakt_id given below)

    def add(**row):
        rows.append({"bevilling_id": None, "paragraf": None, "udloebsdato": pd.NaT,
                     "genforhandlingsdato": pd.NaT, "enhed": None, "enhedspris": np.nan,
                     "tidligere_enhedspris": np.nan, "prisaendring_dato": pd.NaT, **row})

    # The standard contract's start per provider (its own contract before that).
    std_start = {int(p): pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(d))
                 for p, d in zip(ext, rng.integers(0, 1277, len(ext)))}
    frame_keys = []
    for p in ext:
        if p in none:
            continue
        since = min(pd.Timestamp("2015-01-01"), first_start.get(p, pd.Timestamp("2015-01-01")))
        for q in sorted(set(par[pv == p])):
            if p in w.no_contract:
                add(leverandoer_id=pid[p], paragraf=q, startdato=since, standardkontrakt=False,
                    prisregulering="leverandørens takst")
                continue
            s = std_start[int(p)]
            add(leverandoer_id=pid[p], paragraf=q, startdato=since,
                udloebsdato=s - pd.Timedelta(days=1), standardkontrakt=False,
                prisregulering=str(rng.choice(["leverandørens takst", "efter aftale"])))
            frame_keys.append((int(p), q, len(rows)))
            add(leverandoer_id=pid[p], paragraf=q, startdato=s, standardkontrakt=True,
                prisregulering="pl-indeks", genforhandlingsdato=_next_anniversary(s, rng),
                udloebsdato=(_later(s, rng) if rng.random() < 0.3 else pd.NaT))

    # Planted on the running standard framework contracts: the renegotiated price, those
    # expiring within six months and those past their renegotiation date.
    reneg_p = int(np.flatnonzero(pid == reneg.leverandoer_id)[0])
    by_key = {(p, q): i for p, q, i in frame_keys}
    r = by_key[(reneg_p, reneg.paragraf)]
    rows[r].update(enhed=str(g.loc[(pv == reneg_p) & (par == reneg.paragraf), "enhed"].iloc[0]),
                   enhedspris=reneg.pris_efter, tidligere_enhedspris=reneg.pris_foer,
                   prisaendring_dato=NY_PRIS_FRA, udloebsdato=pd.NaT,
                   genforhandlingsdato=NY_PRIS_FRA + pd.DateOffset(years=1))
    pool = [(p, q) for p, q, _ in frame_keys if (p, q) != (reneg_p, reneg.paragraf)
            and ((pv == p) & (par == q) & active).any()]  # covering active grants
    k_soon = min(scaled(w.n, 3, minimum=3), len(pool) - 1)
    k_over = min(scaled(w.n, 2, minimum=2), len(pool) - k_soon)
    # One overdue renegotiation is with an overpriced provider, on the paragraph where it has
    # the most active grants (so the negotiation list shows it); the rest are drawn.
    first = []
    if len(w.overpriced):
        top = int(w.overpriced[-1])
        mine = [key for key in pool if key[0] == top]
        if mine:
            first = [max(mine, key=lambda key: (((pv == key[0]) & (par == key[1]) & active
                                                 ).sum(), key[1]))]
    rest = [key for key in pool if key not in first]
    order = [rest[i] for i in rng.permutation(len(rest))]
    soon_keys = order[:k_soon]
    over_keys = (first + order[k_soon:])[:k_over]
    span = (SOON_UNTIL - REFERENCE_DATE).days
    for j, key in enumerate(soon_keys):  # spread over the six months
        day = 1 + (j * span) // len(soon_keys) + int(rng.integers(0, max(1, span // len(
            soon_keys))))
        rows[by_key[key]].update(udloebsdato=REFERENCE_DATE + pd.Timedelta(days=min(day, span)),
                                 genforhandlingsdato=pd.NaT)
    for key in over_keys:
        rows[by_key[key]].update(genforhandlingsdato=pd.Timestamp("2026-01-01") + pd.Timedelta(
            days=int(rng.integers(0, 273))), udloebsdato=pd.NaT)

    # Individual contracts for about a tenth of the external §107/§108 grants started on the
    # standard contract (not under the planted framework contracts, whose cover stays known).
    planted_keys = {(reneg_p, reneg.paragraf), *soon_keys, *over_keys}
    own = [i for i in np.flatnonzero(np.isin(pv, ext) & np.isin(par, ["§107", "§108"]))
           if int(pv[i]) in std_start and (int(pv[i]), par[i]) not in planted_keys
           and pv[i] not in w.no_contract and g.at[i, "startdato"] >= std_start[int(pv[i])]]
    for i in np.sort(rng.choice(own, size=int(np.rint(0.1 * len(own))), replace=False)):
        start = g.at[i, "startdato"]
        ended = not active[i]
        add(leverandoer_id=pid[pv[i]], bevilling_id=g.at[i, "bevilling_id"], paragraf=par[i],
            startdato=start, standardkontrakt=True, prisregulering="pl-indeks",
            udloebsdato=g.at[i, "slutdato"] if ended else pd.NaT,
            genforhandlingsdato=pd.NaT if ended else _next_anniversary(start, rng),
            enhed=g.at[i, "enhed"], enhedspris=g.at[i, "enhedspris"])

    k = pd.DataFrame(rows)
    k = k.sort_values(["leverandoer_id", "startdato", "paragraf", "bevilling_id"],
                      na_position="first", kind="stable").reset_index(drop=True)
    k.insert(0, "kontrakt_id", id_strings("K", np.arange(1, len(k) + 1), 4))
    k = k[["kontrakt_id", "leverandoer_id", "bevilling_id", "paragraf", "startdato",
           "udloebsdato", "standardkontrakt", "prisregulering", "genforhandlingsdato", "enhed",
           "enhedspris", "tidligere_enhedspris", "prisaendring_dato"]]
    for c in ("startdato", "udloebsdato", "genforhandlingsdato", "prisaendring_dato"):
        k[c] = k[c].astype("datetime64[ns]")

    def contract_of(p: int, q: str) -> str:
        hit = k[(k["leverandoer_id"] == pid[p]) & (k["paragraf"] == q) & k["bevilling_id"].isna()
                & k["standardkontrakt"]]
        return str(hit["kontrakt_id"].iloc[-1])

    reneg = replace(reneg, kontrakt_id=contract_of(reneg_p, reneg.paragraf))
    bet = w.tables["betalinger"]
    recent = bet[bet["periode"] >= (REFERENCE_DATE.to_period("M") - 11).to_timestamp()]
    paid = recent.groupby("bevilling_id")["beloeb"].sum()
    soon = []
    for p, q in soon_keys:
        kid = contract_of(p, q)
        grants = tuple(sorted(g.loc[(pv == p) & (par == q) & active, "bevilling_id"]))
        soon.append(Udloeber(kid, pid[p], q, k.set_index("kontrakt_id").at[kid, "udloebsdato"],
                             grants, float(paid.reindex(list(grants)).fillna(0.0).sum())))
    soon.sort(key=lambda u: (u.udloebsdato, u.kontrakt_id))
    overdue = tuple(sorted(contract_of(p, q) for p, q in over_keys))
    return k, reneg, tuple(soon), overdue, none


def _next_anniversary(start: pd.Timestamp, rng) -> pd.Timestamp:
    """The contract's next yearly renegotiation after the reference date (within a year)."""
    day = start
    while day <= REFERENCE_DATE:
        day = day + pd.DateOffset(years=1)
    return day + pd.Timedelta(days=int(rng.integers(0, 2)))


def _later(start: pd.Timestamp, rng) -> pd.Timestamp:
    """A fixed expiry four to six years on, never before LATER_FROM (then within a year)."""
    return max(start + pd.DateOffset(years=int(rng.integers(4, 7))),
               LATER_FROM + pd.Timedelta(days=int(rng.integers(0, 365))))


# --- supervision ----------------------------------------------------------------------------


def _supervision(w: World, rng):
    """tilsyn: an overall score and the seven themes per report, every 12-24 months from
    2022, for each provider of residential offers (own providers per offer). The low one:
    an overpriced provider's latest report scores at most 2 (4 before). Returns (table, its row or
    None: a very small municipality may have no overpriced provider)."""
    prov = w.prov
    low = int(w.overpriced[0]) if len(w.overpriced) else None
    rows = []
    for p in range(len(prov)):
        pars = set(prov.at[p, "paragraffer"]) & set(SUPERVISED)
        if not pars:
            continue
        if prov.at[p, "leverandoertype"] == "egen drift":
            t = w.tilbud
            names = t.loc[(t["prov"] == p) & t["paragraf"].isin(SUPERVISED), "navn"].tolist()
        else:
            names = [None]
        for name in names:
            day = pd.Timestamp("2022-01-01") + pd.Timedelta(days=int(rng.integers(0, 540)))
            dates = []
            while day <= REFERENCE_DATE:
                dates.append(day)
                day = day + pd.Timedelta(days=int(rng.integers(365, 731)))
            level = rng.uniform(3.5, 4.6)
            for j, d in enumerate(dates):
                latest = j == len(dates) - 1
                mean = (2.0 if latest else 4.0) if p == low else level
                themes = np.clip(np.rint(mean + rng.normal(0, 0.5, len(THEMES))), 1, 5)
                if p == low:
                    themes = np.clip(themes, mean - 1, mean + 1)
                overall = float(np.round(themes.mean(), 1))
                overall = (min(overall, 2.0) if latest else max(overall, 3.5)) if p == low \
                    else max(overall, 3.0)
                rows.append((p, name, d, None, overall))
                rows.extend((p, name, d, tema, float(s)) for tema, s in zip(THEMES, themes))
    t = pd.DataFrame(rows, columns=["prov", "tilbud", "dato", "tema", "bedoemmelse"])
    t.insert(0, "leverandoer_id", prov["leverandoer_id"].to_numpy()[t.pop("prov").to_numpy()])
    t["dato"] = t["dato"].astype("datetime64[ns]")
    t = t.sort_values(["leverandoer_id", "tilbud", "dato", "tema"], na_position="first",
                      kind="stable").reset_index(drop=True)
    return t, low


# --- price lists ----------------------------------------------------------------------------

_INDHOLD = (  # what a price contains: one sentence from each group
    ("Pædagog eller tilsvarende uddannelse.",
     "Socialrådgiver eller pædagog med efteruddannelse i recovery.",
     "Medarbejdere med mindst to års erfaring med målgruppen."),
    ("Kørsel i kommunen er med i prisen.", "Kørsel afregnes særskilt efter statens takst."),
    ("Dokumentation i kommunens fagsystem.",
     "Skriftlig status til myndigheden hver tredje måned.",
     "Dokumentation og skriftlig status før hver opfølgning."),
    ("Aflysning senest 24 timer før, ellers betales timen.",
     "Ingen betaling for aflyste besøg."),
)
_ANDRE_YDELSER = (  # service, paragraph, unit, lowest and highest price
    ("Socialpædagogisk støtte (§85), aften og weekend", "§85", "time", 610.0, 820.0),
    ("Ledsagelse (§97)", "§97", "time", 320.0, 390.0),
    ("Familiebehandling (BL §32)", "BL §32", "time", 760.0, 980.0),
)


def _price_lists(w: World, rng, ext: np.ndarray):
    """prislister: YDELSE at six providers (PRISER from 2026, 3 % less from 2025; one of them
    rises per NY_TIMEPRIS) and a seventh pricing it per month; other supportive services at
    some of them. Returns (table, the known ranking at OMFANG hours a week)."""
    prov = w.prov
    offers85 = np.array(["§85" in p for p in prov["paragraffer"]])
    own85 = np.flatnonzero(offers85 & (prov["leverandoertype"] == "egen drift").to_numpy())[:2]
    ext85 = ext[offers85[ext]]
    others = np.setdiff1d(ext, ext85)
    picked = np.r_[own85, rng.permutation(ext85), rng.permutation(others)][:7]
    hourly, monthly = picked[:6], int(picked[6])
    prices = rng.permutation(PRISER)
    pid = prov["leverandoer_id"].to_numpy()
    rows = []

    def text() -> str:
        return " ".join(group[int(rng.integers(len(group)))] for group in _INDHOLD)

    y2025, y2026 = pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")
    for p, price in zip(hourly, prices):
        content = text()
        rows.append((pid[p], YDELSE, "§85", "time", float(np.round(price / 1.03)), y2025,
                     content))
        rows.append((pid[p], YDELSE, "§85", "time", float(price), y2026, content))
        if price == NY_TIMEPRIS[0]:
            rows.append((pid[p], YDELSE, "§85", "time", NY_TIMEPRIS[1], NY_TIMEPRIS[2],
                         content))
    rows.append((pid[monthly], YDELSE, "§85", "maaned", PAKKEPRIS, y2026,
                 "Op til 20 timers støtte om måneden efter behov. " + text()))
    for name, paragraf, unit, lo, hi in _ANDRE_YDELSER:
        for p in picked[rng.random(len(picked)) < 0.6]:
            rows.append((pid[p], name, paragraf, unit, float(np.round(rng.uniform(lo, hi))),
                         y2026, text()))
    t = pd.DataFrame(rows, columns=["leverandoer_id", "ydelse", "paragraf", "enhed",
                                    "enhedspris", "gyldig_fra", "indhold"])
    t["gyldig_fra"] = t["gyldig_fra"].astype("datetime64[ns]")
    t = t.sort_values(["leverandoer_id", "ydelse", "gyldig_fra"]).reset_index(drop=True)

    def ranking(on: pd.Timestamp) -> tuple[tuple[str, ...], tuple[float, ...]]:
        latest = {}
        for p, price in zip(hourly, prices):
            latest[pid[p]] = NY_TIMEPRIS[1] if (price == NY_TIMEPRIS[0]
                                                and on >= NY_TIMEPRIS[2]) else float(price)
        order = sorted(latest, key=lambda lid: (latest[lid], lid))
        return tuple(order), tuple(latest[lid] * OMFANG * derived.WEEKS_PER_YEAR for lid in order)

    now, cost = ranking(REFERENCE_DATE)
    before, _ = ranking(NY_TIMEPRIS[2] - pd.Timedelta(days=1))
    return t, Prisrang(YDELSE, OMFANG, now, cost, before, NY_TIMEPRIS[2], pid[monthly])
