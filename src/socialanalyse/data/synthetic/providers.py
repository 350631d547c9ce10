"""Providers and offers (leverandoerer, tilbud), and the signals about providers' contracts.

Planted: providers raising their prices well above the index without a genforhandling (and a
decoy that renegotiated first), and external providers without the standard contract.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import reference as ref
from .. import derived
from .export import PARAGRAF_KODER, Export
from .world import REFERENCE_DATE, World, id_strings, scaled

EXPORT = {
    "leverandoerer": Export(
        "leverandoerer.xlsx",
        {"leverandoer_id": "Leverandør-ID", "navn": "Leverandørnavn",
         "leverandoertype": "Leverandørtype", "standardkontrakt": "Standardkontrakt"},
        {"leverandoertype": {"egen drift": "Egen drift", "privat": "Privat",
                             "anden kommune": "Anden kommune", "region": "Region",
                             "selvejende": "Selvejende"},
         "standardkontrakt": {"True": "Ja", "False": "Nej"}},
        ark="Leverandører"),
    "tilbud": Export(
        "tilbud.csv",
        {"tilbud_id": "Tilbuds-ID", "leverandoer_id": "Leverandør-ID", "navn": "Tilbudsnavn",
         "paragraf": "Paragraf", "pladser": "Pladser", "maalgruppe": "Målgruppe",
         "takst": "Takst (kr. pr. døgn)"},
        {"paragraf": PARAGRAF_KODER},
        encoding="utf-8-sig", tusinder=("pladser",)),
}

_OWN_TEMPLATES = (
    ("Bo- og Støttecenter Engen", ("§108", "§105+§85")),
    ("Botilbuddet Skovly", ("§107",)),
    ("Bostøtten Nord", ("§85",)),  # the intervention's provider (first copy)
    ("Bostøtten Syd", ("§85", "§82b")),
    ("Aktivitetshuset Værkstedet", ("§104", "§103")),
    ("Ledsage- og BPA-teamet", ("§97", "§96")),
    ("Familiehuset", ("BL §32",)),
    ("Familieplejen", ("BL §46",)),
    ("Familieydelser", ("BL §87",)),
)
INTERVENTION_PROVIDER = "Bostøtten Nord"

_PRIVATE_PROFILES = (
    ("§107", "§108"), ("BL §46",), ("§85", "§97", "§96"), ("§107", "§108", "§104"),
    ("BL §46", "BL §32"), ("§108", "§105+§85"), ("§107", "BL §46"),
)
_PRIVATE_PREFIX = ("Opholdsstedet", "Bostedet", "Botilbuddet", "Socialpædagogisk Center",
                   "Støttecentret", "Hjemmet", "Gården")
_PLACE_NAMES = ("Lærkegården", "Søbakken", "Møllehøj", "Ågården", "Egebjerg", "Fyrrely",
                "Kærhuset", "Birkely", "Strandlyst", "Højmarken", "Rønnebær", "Solsikken",
                "Æblehaven", "Østerbo", "Bøgely", "Kløverengen", "Skovbrynet", "Fjordglimt",
                "Engbo", "Lyngholm", "Kastanjegården", "Tjørnely", "Grønnegården", "Havblik",
                "Mosegården", "Nøddelunden", "Pilehuset", "Rosenly", "Stenhøj", "Vesterled")
_SUFFIX = (" ApS", " A/S", " I/S", " ApS", " ApS")
_DISTRICTS = ("Nord", "Syd", "Øst", "Vest", "Centrum", "Havnen", "Åparken", "Bakken", "Lunden",
              "Strandvejen", "Torvet", "Engen", "Skoven", "Marken", "Byen", "Dalen")


def providers(w: World) -> None:
    """The providers: own offers (copies by size), private, other municipalities, regions and
    selvejende, each with the paragraphs it offers and a price factor."""
    rng = w.rng("prov")
    scale = w.n / 45_000
    names, types, paragraphs, factors = [], [], [], []
    copies = max(1, int(np.rint(0.7 * scale)))
    for k in range(copies):
        for base, pars in _OWN_TEMPLATES:
            names.append(base if k == 0 else f"{base} – {_DISTRICTS[(k - 1) % 16]}"
                         + (f" {(k - 1) // 16 + 1}" if k > 16 else ""))
            types.append("egen drift")
            paragraphs.append(pars)
            factors.append(rng.uniform(0.95, 1.0))
    n_ext = {t: max(1, int(np.rint(b * scale ** 0.6)))
             for t, b in (("privat", 13), ("anden kommune", 4), ("region", 2),
                          ("selvejende", 4))}
    combos = [f"{p} {n}" for p in _PRIVATE_PREFIX for n in _PLACE_NAMES]
    order = rng.permutation(len(combos))
    for i in range(n_ext["privat"]):
        names.append(combos[order[i % len(combos)]] + _SUFFIX[i % len(_SUFFIX)]
                     + ("" if i < len(combos) else f" {i // len(combos) + 1}"))
        types.append("privat")
        paragraphs.append(_PRIVATE_PROFILES[i % len(_PRIVATE_PROFILES)])
        factors.append(rng.uniform(0.94, 1.06))
    kommuner = ref.kommuner()["navn"].tolist()
    picked = rng.choice(len(kommuner), size=min(n_ext["anden kommune"], len(kommuner)),
                        replace=False)
    for j, i in enumerate(picked):
        names.append(f"{kommuner[i]} Kommune, Bo og Aktivitet")
        types.append("anden kommune")
        paragraphs.append(("§108", "§107", "§104", "§103", "§105+§85", "§85")
                          if j % 2 == 0 else ("§108", "§104", "§103", "§110"))
        factors.append(rng.uniform(0.94, 1.06))
    regions = ("Region Hovedstaden", "Region Sjælland", "Region Syddanmark",
               "Region Midtjylland", "Region Nordjylland")
    for i in range(n_ext["region"]):
        names.append(f"{regions[i % 5]}, Specialområde {('Socialpsykiatri', 'Handicap')[i % 2]}"
                     + ("" if i < 10 else f" {i // 10 + 1}"))
        types.append("region")
        paragraphs.append(("§107", "§108", "BL §46"))
        factors.append(rng.uniform(0.94, 1.06))
    places = rng.permutation(len(_PLACE_NAMES))
    for i in range(n_ext["selvejende"]):
        names.append(f"Den selvejende institution {_PLACE_NAMES[places[i % 30]]}"
                     + ("" if i < 30 else f" {i // 30 + 1}"))
        types.append("selvejende")
        paragraphs.append(("§110", "§107", "§104") if i % 2 == 0
                          else ("§110", "§108", "BL §46", "§85"))
        factors.append(rng.uniform(0.94, 1.06))
    n = len(names)
    w.prov = pd.DataFrame({
        "leverandoer_id": id_strings("L", np.arange(1, n + 1), 3),
        "navn": names,
        "leverandoertype": types,
        "paragraffer": paragraphs,
        "faktor": factors,
    })


def offers(w: World) -> None:
    """tilbud: one per own provider and paragraph, with places for the citizens in it on the
    reference date (and a little spare); sets each grant's tilbud_id."""
    rng = w.rng("extra")
    g, prov = w.g, w.prov
    rows = []
    own = prov.index[prov["leverandoertype"] == "egen drift"]
    for i in own:
        for p in prov.at[i, "paragraffer"]:
            rows.append((i, p))
    t = pd.DataFrame(rows, columns=["prov", "paragraf"])
    t["tilbud_id"] = id_strings("T", np.arange(1, len(t) + 1), 3)
    t["navn"] = [offer_name(prov.at[i, "navn"], p) for i, p in zip(t["prov"], t["paragraf"])]
    t["leverandoer_id"] = prov["leverandoer_id"].to_numpy()[t["prov"].to_numpy()]
    key = pd.MultiIndex.from_frame(g[["prov", "paragraf"]])
    lookup = pd.Series(t["tilbud_id"].to_numpy(), index=pd.MultiIndex.from_frame(
        t[["prov", "paragraf"]]))
    g["tilbud_id"] = lookup.reindex(key).to_numpy()
    active = g[derived.is_active(g, REFERENCE_DATE)].groupby("tilbud_id").size()
    occupied = active.reindex(t["tilbud_id"]).fillna(0).to_numpy()
    t["pladser"] = np.maximum(1, np.ceil(occupied * rng.uniform(1.0, 1.15, len(t)))).astype(
        np.int64)
    w.tilbud = t
    # The optional maalgruppe and takst are left empty here: the analyses take the target
    # group from the residents and the unit cost from the grants (the kapacitet family's
    # planted offers fill them, so the sample has both kinds).
    w.tables["tilbud"] = t[["tilbud_id", "leverandoer_id", "navn", "paragraf", "pladser"]
                           ].sort_values("tilbud_id").reset_index(drop=True).assign(
        maalgruppe=None, takst=np.nan)


def offer_name(provider: str, paragraf: str) -> str:
    """An own offer's name: the provider and the paragraph's service, e.g. 'Botilbuddet
    Skovly, midlertidigt botilbud'."""
    label = ref.paragraffer().set_index("paragraf").at[paragraf, "navn"]
    return f"{provider}, {label.split(' (')[0].lower()}"


def contracts(w: World) -> None:
    """Planted: a price rise 2025 -> 2026 (and a decoy with a genforhandling from 2025), and
    external providers without the standard contract; leverandoerer."""
    rng = w.rng("plant")
    g, prov = w.g, w.prov
    ext = np.flatnonzero((prov["leverandoertype"] != "egen drift").to_numpy())
    in25 = derived.is_active(g, "2025-01-01") & derived.is_active(g, "2026-10-31")
    per_prov = np.bincount(g.loc[in25, "prov"], minlength=len(prov))
    cand = np.setdiff1d(ext[per_prov[ext] >= 3], w.overpriced)
    k = scaled(w.n, 1.2, minimum=1)
    pick = rng.choice(cand, size=min(k + 1, len(cand)), replace=False)
    w.price_rise = np.sort(pick[:k])
    w.renegotiated = np.sort(pick[k:])
    # No standard contract: 2-4 other external providers.
    rest = np.setdiff1d(ext, np.concatenate([w.overpriced, pick]))
    k = scaled(w.n, 3, minimum=2)
    w.no_contract = np.sort(rng.choice(rest, size=min(k, len(rest)), replace=False))

    std = np.where(prov["leverandoertype"] == "egen drift", False, True)
    std[w.no_contract] = False
    w.tables["leverandoerer"] = pd.DataFrame({
        "leverandoer_id": prov["leverandoer_id"],
        "navn": prov["navn"],
        "leverandoertype": prov["leverandoertype"],
        "standardkontrakt": std.astype(bool),
    })
    pid = prov["leverandoer_id"].to_numpy()
    # The provider's grants paid in both 2025 and 2026 (the years of the rise).
    rise_grants = g[np.isin(g["prov"], w.price_rise)
                    & (g["startdato"] <= pd.Timestamp("2025-12-31"))
                    & (g["slutdato"].isna() | (g["slutdato"] >= pd.Timestamp("2026-01-01")))]
    w.plant("price_rise_providers", tuple(sorted(pid[w.price_rise])),
            "Leverandører, der fra 1. januar 2026 opkræver 11 % mere end den pristalsregulerede "
            "takst uden genforhandling.")
    w.plant("price_rise_grants", tuple(sorted(rise_grants["bevilling_id"])))
    w.plant("price_rise_year", 2026)
    w.plant("renegotiated_providers", tuple(sorted(pid[w.renegotiated])),
            "Lokkedue: leverandør med 12 % højere priser fra 2025 efter genforhandling i "
            "december 2024 (ikke et fund).")
    w.plant("no_standard_contract", tuple(sorted(pid[w.no_contract])),
            "Eksterne leverandører uden kommunens standardkontrakt.")
