"""Reference tables shipped with the package: paragraphs, municipalities, VUM, discount rates,
national levels per 10,000 adults.

Each loader returns a fresh DataFrame (callers may modify it) read from the CSV files in this
folder; the CSVs are the single source and are documented in data/README.md.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import pandas as pd

_HERE = files(__name__)

#: Slug of the synthetic municipality the notebooks run on by default. Not one of the 98.
EKSEMPELKOMMUNE = "eksempelkommune"

MAALGRUPPER_VOKSNE = (
    "Udviklingshæmning",
    "Autisme",
    "Sindslidelse",
    "Fysisk funktionsnedsættelse",
    "Erhvervet hjerneskade",
    "Misbrug",
    "Hjemløshed",
)
MAALGRUPPER_BOERN = ("Børn med handicap", "Udsatte børn og unge")
MAALGRUPPER = MAALGRUPPER_VOKSNE + MAALGRUPPER_BOERN

LEVERANDOERTYPER = ("egen drift", "anden kommune", "region", "privat", "selvejende")
ENHEDER = ("doegn", "time", "maaned")
MAALTYPER = ("Udvikle", "Fastholde", "Begrænse tab")
MAALSTATUS = ("igangværende", "opnået", "delvist opnået", "ikke opnået")
OPFOELGNINGSTYPER = ("opfølgning", "revisitation", "genforhandling")
OPFOELGNINGSRESULTATER = ("uændret", "justeret", "ophørt")
VURDERINGSMETODER = ("VUM2", "ICS")
KOEN = ("K", "M")
#: How a contract's price is regulated (kontrakter.prisregulering).
PRISREGULERINGER = ("pl-indeks", "fast pris", "efter aftale", "leverandørens takst")


@cache
def _read(name: str) -> pd.DataFrame:
    with _HERE.joinpath(name).open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def paragraffer() -> pd.DataFrame:
    """The paragraph catalogue: one row per legal basis.

    Columns: paragraf, lov, navn, kategori, maalgruppe_type (voksne/børn), trin (step on the
    indsatstrappe, 1 = least intrusive), midlertidig (bool), enhed (usual unit), funktion
    (kontoplan function).
    """
    df = _read("paragraffer.csv").copy()
    df["trin"] = df["trin"].astype(int)
    df["midlertidig"] = df["midlertidig"].eq("ja")
    return df


def kommuner() -> pd.DataFrame:
    """The 98 Danish municipalities: kode, navn, slug, region."""
    df = _read("kommuner.csv").copy()
    df["kode"] = df["kode"].astype(int)
    return df


def vum_temaer() -> pd.DataFrame:
    """Assessment themes: metode (VUM2/ICS), tema, omraade, har_niveau."""
    df = _read("vum_temaer.csv").copy()
    df["har_niveau"] = df["har_niveau"].eq("ja")
    return df


def vum_niveauer() -> pd.DataFrame:
    """VUM functional levels 0-4 with their Danish names and the matching support need."""
    df = _read("vum_niveauer.csv").copy()
    df["niveau"] = df["niveau"].astype(int)
    return df


def diskonteringsrente() -> pd.DataFrame:
    """The Danish social discount-rate schedule: fra_aar, til_aar (inclusive), rente."""
    df = _read("diskonteringsrente.csv").copy()
    df[["fra_aar", "til_aar"]] = df[["fra_aar", "til_aar"]].astype(int)
    df["rente"] = df["rente"].astype(float)
    return df


def landsniveau() -> pd.DataFrame:
    """National orders of magnitude: persons per paragraph in Denmark and per 10,000 adults.

    Columns: paragraf, beskrivelse, aar, personer, voksne (adults 18+), kilde, and
    pr_10000_voksne = personer / voksne × 10,000 (derived, an order of magnitude: §107 about
    18, §108 12, §105+§85 31, §85 in own home 98; ../shared/reference/FACTS.md).
    """
    df = _read("landsniveau.csv").copy()
    df[["aar", "personer", "voksne"]] = df[["aar", "personer", "voksne"]].astype(int)
    df["pr_10000_voksne"] = df["personer"] / df["voksne"] * 10_000
    return df


def kendte_kommuner() -> frozenset[str]:
    """Slugs a parameters file may name: the 98 municipalities and the synthetic sample."""
    return frozenset(kommuner()["slug"]) | {EKSEMPELKOMMUNE}


def kontoplan_funktioner() -> pd.DataFrame:
    """The specialised social area's functions in the municipal chart of accounts (kontoplan):
    funktion ('5.38.50'), statbank_kode (the code Statistics Denmark's REGK31 uses, '53850'),
    navn, maalgruppe_type (voksne: hovedfunktion 5.38; børn: 5.28) and navn_kilde (how far
    the name was checked against a published kontoplan; see data/README.md)."""
    return _read("kontoplan_funktioner.csv").copy()
