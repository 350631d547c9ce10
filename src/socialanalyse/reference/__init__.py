"""Reference tables shipped with the package: paragraphs, municipalities, VUM, discount rates,
national levels per 10,000 adults, and the self-evaluation's sources (KL's 12 recommendations,
Deloitte's 25 questions).

Each loader returns a fresh DataFrame (callers may modify it) read from the CSV and YAML files
in this folder; the files are the single source and are documented in data/README.md.
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


# --- The self-evaluation's sources (KL's 12 recommendations, Deloitte's 25 questions) -------
# YAML rather than CSV: each entry nests lists (questions, cases, several stated counts each
# with its quote), the quotes are long Danish sentences full of commas and quotation marks,
# and the judgement calls (a scale chosen from the wording) are comments next to the data.

#: The answer group of the municipalities whose answer the report does not state in words.
IKKE_OPLYST = "ikke oplyst"


@cache
def _read_yaml(name: str) -> dict:
    import yaml

    with _HERE.joinpath(name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def kl_anbefalinger() -> pd.DataFrame:
    """KL's 12 recommendations (kl_anbefalinger.yaml), one row each.

    Columns: nr (1-12, the order of KL's overview page; KL does not rank them), gruppe ('Tag
    politisk stilling' or 'Samarbejde med forvaltningen'), titel (as on the overview page),
    overskrift (the chapter's own heading), spoergsmaal (the 'Til videre drøftelse' question,
    verbatim; several would be joined by a space), cases (the municipal case(s) named, as
    'Haderslev Kommune: Lydoptagelser …', several joined by '; ').
    """
    raw = _read_yaml("kl_anbefalinger.yaml")
    rows = [{
        "nr": int(a["nr"]),
        "gruppe": raw["grupper"][a["gruppe"]],
        "titel": a["titel"],
        "overskrift": a.get("overskrift", a["titel"]),
        "spoergsmaal": " ".join(a["spoergsmaal"]),
        "cases": "; ".join(f"{c['navn']}: {c['titel']}" for c in a["cases"]),
    } for a in raw["anbefalinger"]]
    return pd.DataFrame(rows)


def deloitte_antal_kommuner() -> int:
    """How many municipalities answered Deloitte's questionnaire (14)."""
    return int(_read_yaml("deloitte_spoergsmaal.yaml")["antal_kommuner"])


def deloitte_spoergsmaal() -> pd.DataFrame:
    """Deloitte's 25 questions (deloitte_spoergsmaal.yaml, Bilag 2), one row each.

    Columns: nr (1-25), tekst, skala ('grad' or 'ja_nej'), svarmuligheder (tuple of the
    scale's answers, 'Ved ikke' last), forklaring (what the grades mean, questions 17-18),
    bemaerkning (why a scale or count was read as it was; '' when nothing to say).
    """
    raw = _read_yaml("deloitte_spoergsmaal.yaml")
    rows = [{
        "nr": int(q["nr"]),
        "tekst": q["tekst"],
        "skala": q["skala"],
        "svarmuligheder": tuple(raw["skalaer"][q["skala"]]),
        "forklaring": q.get("forklaring", ""),
        "bemaerkning": q.get("bemaerkning", ""),
    } for q in raw["spoergsmaal"]]
    return pd.DataFrame(rows)


def deloitte_fordeling() -> pd.DataFrame:
    """The 14 municipalities' answers to each question, as far as the report states them in
    words: one row per stated count, plus one 'ikke oplyst' row per question for the rest.

    Columns: nr, svar (tuple of the answers the count covers, e.g. ('Middel', 'Høj') for
    'middel eller højt'; () for ikke oplyst), betegnelse ('Middel eller høj', 'Ikke oplyst'),
    antal, kilde (the sentence quoted and its section; '' for ikke oplyst). The counts of a
    question cover disjoint answers, so they sum to at most 14; the ikke oplyst row makes 14
    (it is left out when the stated counts already do).
    """
    raw = _read_yaml("deloitte_spoergsmaal.yaml")
    total = int(raw["antal_kommuner"])
    rows = []
    for q in raw["spoergsmaal"]:
        stated = 0
        for f in q["fordeling"]:
            svar = tuple(f["svar"])
            text = " eller ".join([svar[0]] + [s.lower() for s in svar[1:]])
            rows.append((int(q["nr"]), svar, text, int(f["antal"]), f["kilde"]))
            stated += int(f["antal"])
        if stated < total:
            rows.append((int(q["nr"]), (), IKKE_OPLYST.capitalize(), total - stated, ""))
    return pd.DataFrame(rows, columns=["nr", "svar", "betegnelse", "antal", "kilde"])
