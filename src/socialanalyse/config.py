"""Parameters: parameters/default.yaml merged with parameters/kommuner/<slug>.yaml.

Every model forbids unknown keys, so a misspelt key fails before anything runs, with a Danish
message that names the file and the key (`ParameterFejl`). Values live in the YAML files, not in
code: a model field without a default must be given by default.yaml or the municipality's file.

Each analysis has its own section model (`ServicetjekParametre`, ...); add a field there and
its default to default.yaml.

This module imports nothing of the package above the reference tables. A check that needs the
data contract or an analysis' catalogue lives there and reports with `key_error`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from . import reference as ref

TABLE_NAMES = (
    "borgere",
    "bevillinger",
    "betalinger",
    "opfoelgninger",
    "vurderinger",
    "maal",
    "leverandoerer",
    "tilbud",
    "budget",
    "befolkning",
    "kontrakter",
    "prislister",
    "tilsyn",
)
TableName = Literal[
    "borgere",
    "bevillinger",
    "betalinger",
    "opfoelgninger",
    "vurderinger",
    "maal",
    "leverandoerer",
    "tilbud",
    "budget",
    "befolkning",
    "kontrakter",
    "prislister",
    "tilsyn",
]


class Model(BaseModel):
    """Base for all parameter models: unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TabelKilde(Model):
    """Where one canonical table comes from in a municipality's extracts, and how to map it."""

    fil: str = Field(description="Filen i datamappen (.csv, .xlsx eller .parquet), eller et "
                     "mønster som betalinger_*.csv for en tabel delt på flere filer.")
    ark: str | None = Field(None, description="Arket i en Excel-fil (standard: det første).")
    kolonner: dict[str, str] = Field(
        default_factory=dict,
        description="Kanonisk kolonnenavn -> kolonnenavn i udtrækket (kun dem, der afviger).",
    )
    koder: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Kanonisk kolonne -> {kode i udtrækket: kanonisk værdi}.",
    )
    separator: str | None = Field(None, description="CSV-separator (standard: find selv).")
    encoding: str | None = Field(None, description="Tegnsæt (standard: UTF-8 eller Windows-1252).")
    datoformat: str | None = Field(None, description="Fast datoformat, fx %d-%m-%Y.")
    ekstra_kolonner: list[str] = Field(
        default_factory=list,
        description="Kolonner ud over datakontrakten, der skal med (som tekst). Andre "
        "kolonner i udtrækket læses ikke, så navne og noter ikke kommer med ved et uheld.",
    )

    @field_validator("koder", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        # YAML reads `1: M` or `ja: true` as numbers and booleans; codes are always text.
        if not isinstance(value, dict):
            return value
        return {
            col: {_yaml_text(k): _yaml_text(v) for k, v in codes.items()}
            if isinstance(codes, dict) else codes
            for col, codes in value.items()
        }


    @field_validator("separator")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError(f"skal være ét tegn, fx ';' eller ',' (fik {value!r})")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        import codecs

        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"ukendt tegnsæt {value!r}: brug fx utf-8, utf-8-sig eller cp1252"
                ) from None
        return value

    @field_validator("datoformat")
    @classmethod
    def _date_format(cls, value: str | None) -> str | None:
        if value is not None and "%" not in value:
            raise ValueError(
                f"skal være et datoformat med %-koder, fx '%d-%m-%Y' for 31-12-2025 (fik {value!r})"
            )
        return value


def _yaml_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


class UsandsynligtBeloeb(Model):
    """Payments so large they are probably a mistake (kr): the loader warns, naming the rows."""

    linje: float = Field(gt=0, description="Én betalingslinje over dette beløb (plus eller minus).")
    bevilling_maaned: float = Field(
        gt=0, description="En bevillings betalinger for én måned tilsammen over dette beløb."
    )


class DataKilder(Model):
    """Where a municipality's extracts are."""

    mappe: str = Field(description="Datamappen; relativ til projektmappen. {kommune} udfyldes.")
    tabeller: dict[TableName, TabelKilde]
    usandsynligt_beloeb: UsandsynligtBeloeb


class Pejlemaerke(Model):
    """A politically chosen indicator with a target value."""

    navn: str
    noegletal: str = Field(description="Navnet på nøgletallet (se socialanalyse.noegletal).")
    maal: float
    retning: Literal["over", "under"] = Field(
        description="'over': målet er nået, når nøgletallet er mindst målet; 'under': højst."
    )
    gruppe: str | None = Field(
        None, description="Gruppen for nøgletal pr. paragraf, fx '§107' (tom = samlet)."
    )


class Priskategorier(Model):
    """Upper bounds of the price categories lav, middel and høj (kr per unit, current prices);
    a price at or above `hoej_til` is ekstraordinær."""

    lav_til: float = Field(gt=0)
    middel_til: float = Field(gt=0)
    hoej_til: float = Field(gt=0)

    @field_validator("hoej_til")
    @classmethod
    def _increasing(cls, value: float, info) -> float:
        lav, middel = info.data.get("lav_til"), info.data.get("middel_til")
        if lav is not None and middel is not None and not lav < middel < value:
            raise ValueError("grænserne skal stige: lav_til < middel_til < hoej_til")
        return value


class PriskategoriNiveau(Model):
    """The lowest need level (VUM band 0-4) that explains a price in the høj / ekstraordinær
    category."""

    hoej: int = Field(ge=0, le=4)
    ekstraordinaer: int = Field(ge=0, le=4)


class ServicetjekParametre(Model):
    """Thresholds for the case-review screening rules (issue: servicetjek).

    See socialanalyse.servicetjek for the rules; every key is explained in default.yaml.
    """

    pris_over_sammenlignelige: float = Field(
        gt=0, description="Andel, prisen mindst skal ligge over medianen for sammenlignelige."
    )
    min_sammenlignelige: int = Field(
        ge=1, description="Mindste antal sammenlignelige bevillinger hos andre leverandører."
    )
    priskategori_paragraffer: list[str]
    priskategori_graenser: dict[str, Priskategorier]
    priskategori_kvantiler: tuple[float, float, float]
    priskategori_min_niveau: PriskategoriNiveau
    opfoelgning_interval_maaneder: dict[str, int]
    forbedring_min: float = Field(gt=0)
    dyr_sag_graense: float = Field(gt=0)
    betaling_afvigelse_pct: float = Field(gt=0)
    betaling_afvigelse_min_maaneder: int = Field(ge=1)
    prisstigning_margin: float = Field(ge=0)
    betaling_vindue_maaneder: int = Field(ge=1, le=60)
    naeste_trin: dict[str, str]
    andel_justeret: dict[str, tuple[float, float]]
    besparelsesmaal: float | None = Field(ge=0)
    # The servicetjek as a monthly routine (issue 20): the decisions folder, the programme's
    # start, how long a decided grant stays off the list, when observed shares replace the
    # assumed ones, and the cases per afdeling in the meeting pack.
    beslutninger: str | None = Field(
        description="Mappe med de udfyldte gennemgangslister (relativ til projektmappen).")
    programstart: _dt.date | None
    gentag_efter_maaneder: int = Field(ge=0, le=120)
    min_beslutninger_observeret: int = Field(ge=1)
    moedepakke_antal: int | None = Field(ge=1)

    @field_validator("priskategori_paragraffer", "priskategori_graenser", "naeste_trin")
    @classmethod
    def _known_paragraphs(cls, value):
        known = set(ref.paragraffer()["paragraf"])
        names = list(value) + (list(value.values()) if isinstance(value, dict) else [])
        for name in names:
            if isinstance(name, str) and name not in known:
                raise ValueError(f"ukendt paragraf {name!r}; se paragrafkataloget")
        return value

    @field_validator("opfoelgning_interval_maaneder")
    @classmethod
    def _intervals(cls, value: dict[str, int]) -> dict[str, int]:
        known = set(ref.paragraffer()["paragraf"]) | {"standard"}
        for key, months in value.items():
            if key not in known:
                raise ValueError(f"ukendt paragraf {key!r} (brug en paragraf eller 'standard')")
            if months < 1:
                raise ValueError(f"intervallet for {key} skal være mindst 1 måned")
        if "standard" not in value:
            raise ValueError("der skal være et 'standard'-interval")
        return value

    @field_validator("priskategori_kvantiler")
    @classmethod
    def _quantiles(cls, value: tuple[float, float, float]) -> tuple[float, float, float]:
        if not 0 < value[0] < value[1] < value[2] < 1:
            raise ValueError("kvantilerne skal stige og ligge mellem 0 og 1")
        return value

    @field_validator("andel_justeret")
    @classmethod
    def _shares(cls, value: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        # The keys are rule ids: servicetjek.catalog.check_parameters checks them.
        for key, (lav, hoej) in value.items():
            if not 0 <= lav <= hoej <= 1:
                raise ValueError(f"andelene for {key} skal opfylde 0 <= lav <= høj <= 1")
        if "standard" not in value:
            raise ValueError("der skal være en 'standard'-andel")
        return value


class ProgressionIndsats(Model):
    """The intervention whose effect is measured (progression.indsats): grants of the given
    paragraph and/or provider and/or offer, active on or after `start`."""

    paragraf: str | None = Field(description="Indsatsens paragraf, fx '§107' (null = alle).")
    leverandoer_id: str | None = Field(description="Leverandørens id (null = alle).")
    tilbud_id: str | None = Field(description="Tilbuddets id (null = alle).")
    start: _dt.date = Field(description="Dato, indsatsen startede.")

    @field_validator("paragraf")
    @classmethod
    def _known_paragraph(cls, value: str | None) -> str | None:
        if value is not None and value not in set(ref.paragraffer()["paragraf"]):
            raise ValueError(f"ukendt paragraf {value!r}; se paragrafkataloget")
        return value


class ProgressionParametre(Model):
    """Settings for effect and progression measurement (issue: progression); see
    socialanalyse.progression. Every key is explained in default.yaml."""

    klassifikation: Literal["rci", "minimum"]
    reliabilitet: float = Field(ge=0, lt=1)
    standardafvigelse: float | None = Field(gt=0)
    mindste_aendring: float = Field(gt=0)
    vurderingsmetode: Literal["VUM2", "ICS"] | None
    indsats: ProgressionIndsats
    udfald: str
    sammenligning: Literal["paragraf", "maalgruppe"]
    match_paa_niveau: bool
    match_antal: int = Field(ge=1)
    succeskriterie: float = Field(ge=0)
    konfidensniveau: float = Field(gt=0.5, lt=1)
    min_borgere: int = Field(ge=2)
    max_std_forskel: float = Field(gt=0)
    varighed_paragraf: str
    varighed_skaeringsdato: _dt.date | None
    sammenhaeng_dage: int = Field(ge=0)
    antal_paragraf: str
    antal_maal: Literal["antal_nye", "antal_aktive"]

    @field_validator("udfald")
    @classmethod
    def _known_theme(cls, value: str) -> str:
        known = set(ref.vum_temaer()["tema"]) | {"samlet"}
        if value not in known:
            raise ValueError(f"ukendt udfald {value!r}: brug et VUM-tema (fx 'Egenomsorg') "
                             "eller 'samlet'")
        return value

    @field_validator("varighed_paragraf", "antal_paragraf")
    @classmethod
    def _known_paragraphs(cls, value: str) -> str:
        if value not in set(ref.paragraffer()["paragraf"]):
            raise ValueError(f"ukendt paragraf {value!r}; se paragrafkataloget")
        return value


class BusinesscaseParametre(Model):
    """Settings for business cases (issue: business cases); see socialanalyse.businesscase."""

    case: str = Field(
        description="Standard-business case: filnavn uden .yaml i parameters/business_cases/."
    )
    horisont: int = Field(
        ge=1, le=70, description="Antal år i beregningen, når casen ikke selv angiver det."
    )
    simuleringer: int = Field(ge=100, description="Antal Monte Carlo-træk i notebooken.")
    seed: int = Field(ge=0, description="Startværdi for tilfældige tal (samme tal = samme svar).")
    egne_data: bool = Field(
        description="Udfyld casens priser og mængder fra kommunens egne data (casens fra_data)."
    )


class BudgetParametre(Model):
    """Settings for the budget forecast and deviations (issue: budget); see socialanalyse.budget.

    Every key is explained in default.yaml.
    """

    budgetniveau: Literal["paragraf", "maalgruppe"]
    historik_maaneder: int = Field(ge=3, le=60)
    backtest_aar: int = Field(ge=0, le=10)
    usikkerhed_z: float = Field(gt=0)
    prognose_aar: int = Field(ge=1, le=10)
    scenarie_sandsynlighed: float = Field(gt=0, lt=1)
    dyr_bevilling: float = Field(gt=0)
    prisstigning_graense: float = Field(ge=0)
    antal_aarsager: int = Field(ge=1)
    aar: int | None = Field(ge=2000, le=2100)
    opgjort: _dt.date | None


class NoegletalParametre(Model):
    """Settings for key figures and benchmark (issue: nøgletal); see socialanalyse.noegletal.

    Every key is explained in default.yaml.
    """

    botilbud_paragraffer: list[str]
    selvforsyning_maal: float = Field(ge=0, le=1)
    alder_fra: int = Field(ge=0, le=120)
    alder_til: int = Field(ge=0, le=120)
    trend_aar: int = Field(ge=2, le=20)
    trafiklys_margin: float = Field(ge=0, lt=1)
    benchmark_noegletal: list[str]

    @field_validator("botilbud_paragraffer")
    @classmethod
    def _known_botilbud(cls, value: list[str]) -> list[str]:
        known = set(ref.paragraffer()["paragraf"])
        for name in value:
            if name not in known:
                raise ValueError(f"ukendt paragraf {name!r}; se paragrafkataloget")
        return value


class BenchmarkParametre(Model):
    """The public benchmark against all 98 municipalities from Statistics Denmark's statbank
    exports (see socialanalyse.data.statbank and socialanalyse.benchmark)."""

    statbank_mappe: str | None = Field(
        description="Mappen med udtræk fra Statistikbanken (relativ til projektmappen); null = "
        "ingen offentlig benchmark."
    )
    regnskab_fil: str = Field(description="Udtrækket af REGK31 i mappen.")
    befolkning_fil: str = Field(description="Udtrækket af en FOLK-tabel (fx FOLK1A) i mappen.")
    dranst: list[int] = Field(min_length=1, description="Dranst, der tælles: 1 drift, 2 refusion.")
    befolkning_kvartal: int = Field(ge=1, le=4, description="Kvartalet, der står for året.")
    voksne_alder: tuple[int, int] = Field(description="Aldersgruppen for voksenfunktionerne.")
    boern_alder: tuple[int, int] = Field(description="Aldersgruppen for børnefunktionerne.")
    afstemning_graense: float = Field(
        gt=0, description="Advar, når egne betalinger afviger mere end denne andel."
    )
    statistikbank_kommune: str | None = Field(
        None, description="Kommunen, hvis offentlige tal er kommunens egne (slug); null = "
        "kommunens egen slug. Eksempelkommunen står som en rigtig kommune i sit opdigtede udtræk."
    )

    @field_validator("statistikbank_kommune")
    @classmethod
    def _known_statbank_kommune(cls, value: str | None) -> str | None:
        if value is not None and value not in ref.kendte_kommuner():
            raise ValueError(_unknown_kommune_text(value))
        return value

    @field_validator("dranst")
    @classmethod
    def _known_dranst(cls, value: list[int]) -> list[int]:
        for d in value:
            if d not in (1, 2):
                raise ValueError(f"dranst {d} tæller ikke som driftsudgift: brug 1 og evt. 2")
        return value

    @field_validator("voksne_alder", "boern_alder")
    @classmethod
    def _age_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= value[0] <= value[1] <= 125:
            raise ValueError("skal være [fra, til] med 0 <= fra <= til <= 125")
        return value


class KlyngeMaal(Model):
    """A cluster's shared goals (Vestklyngen: hold takster steady)."""

    takstloft: float | None = Field(
        ge=0, description="Højeste årlige takststigning ud over indekset (andel); null = intet loft."
    )
    prisindeks: float | None = Field(
        ge=-0.5, le=1, description="Klyngens fælles pris- og lønindeks (andel); null = hvert "
        "medlems eget prisindeks."
    )


class KlyngeStandard(Model):
    """What every run shares in aggregater/, and the defaults of cluster files."""

    aggregat_aar: int = Field(ge=1, le=20, description="Antal år med forbrug og priser.")
    belaegning_maaneder: int = Field(ge=1, le=60, description="Antal måneder med belægning.")
    min_medlemmer: int = Field(ge=2, description="En leverandør er fælles, når så mange bruger den.")
    foraeldet_dage: int = Field(ge=1, description="Et medlems kørsel er forældet efter så mange dage.")
    maal: KlyngeMaal


class KapacitetParametre(Model):
    """Settings for capacity, hjemtagning and the indsatstrappe (issue: kapacitet); see
    socialanalyse.kapacitet. Every key is explained in default.yaml. The self-sufficiency
    goal for botilbud is noegletal.selvforsyning_maal; goals per paragraph add to it here."""

    ledige_maaneder: int = Field(ge=1, le=60)
    marginal_andel: tuple[float, float]
    selvforsyning_maal_paragraf: dict[str, float]
    trinskift_maaneder: int = Field(ge=1, le=24)
    tyndt_trin_andel: float = Field(gt=0, le=1)

    @field_validator("marginal_andel")
    @classmethod
    def _share_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] <= value[1] <= 1:
            raise ValueError("andelene skal opfylde 0 <= lav <= høj <= 1")
        return value

    @field_validator("selvforsyning_maal_paragraf")
    @classmethod
    def _goals(cls, value: dict[str, float]) -> dict[str, float]:
        known = set(ref.paragraffer()["paragraf"])
        for name, goal in value.items():
            if name not in known:
                raise ValueError(f"ukendt paragraf {name!r}; se paragrafkataloget")
            if not 0 <= goal <= 1:
                raise ValueError(f"målet for {name} skal ligge mellem 0 og 1")
        return value


class KoerselParametre(Model):
    """Settings for `socialanalyse run` itself (see socialanalyse.runner.folders)."""

    ryd_op_efter_timer: float = Field(
        gt=0, description="Timer, en afbrudt kørsels ufærdige mappe får lov at ligge, før den "
        "næste kørsel sletter den.",
    )
    pdf_byraad: bool = Field(
        description="Om en byrådskørsel også skriver hver rapport som A4-PDF i pdf/ (headless "
        "Chromium); --pdf/--ingen-pdf vælger for den enkelte kørsel.",
    )


class SelvevalueringParametre(Model):
    """Settings for the self-evaluation (issue: selvevaluering); see
    socialanalyse.selvevaluering. Every key is explained in default.yaml."""

    besvarelse: str | None = Field(
        description="Den udfyldte selvevaluering (.xlsx); {kommune} erstattes af kommunens "
        "slug, en relativ sti regnes fra projektmappen. Tom: ingen besvarelse endnu.",
    )
    antal_forslag: int = Field(ge=1, le=12, description="Højst så mange anbefalinger foreslås.")
    mindst_forslag: int = Field(ge=0, le=12, description="Mindst så mange foreslås.")

    @field_validator("mindst_forslag")
    @classmethod
    def _least_not_above_most(cls, value: int, info: ValidationInfo) -> int:
        most = info.data.get("antal_forslag")
        if most is not None and value > most:
            raise ValueError(f"må ikke være større end antal_forslag ({most})")
        return value


def parse_range(value: Any) -> tuple[float, float]:
    """A volume range from the parameters: '3-6' (also '3–6', '2,5-5', '3 til 6'), [3, 6] or
    one number (exactly that). Raises ValueError in Danish."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        lo = hi = float(value)
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        lo, hi = float(value[0]), float(value[1])
    else:
        text = " ".join(str(value).split())
        number = r"\d+(?:[.,]\d+)?"
        match = re.fullmatch(rf"({number}) ?(?:-|–|til) ?({number})|({number})", text)
        if not isinstance(value, str) or not match:
            raise ValueError(
                f"omfanget {value!r} kan ikke læses: skriv et spænd som '3-6' (fra 3 til 6 "
                "enheder pr. uge, pr. måned for månedsydelser) eller ét tal som '7'"
            )
        a, b, one = (None if g is None else float(g.replace(",", ".")) for g in match.groups())
        lo, hi = (one, one) if one is not None else (a, b)
    if lo < 0 or hi < lo:
        raise ValueError(f"omfanget {value!r}: fra skal være mindst 0 og højst til")
    return lo, hi


class Serviceniveau(Model):
    """The serviceniveau for one paragraph and need level: the usual volume, the highest usual
    price category and the longest a grant runs before it is revisited."""

    omfang: tuple[float, float] = Field(
        description="Sædvanligt omfang fra-til, fx '3-6' timer pr. uge (døgn pr. uge; pr. måned "
        "for månedsydelser)."
    )
    priskategori: Literal["lav", "middel", "høj", "ekstraordinær"] | None = Field(
        None, description="Højeste sædvanlige priskategori (servicetjekkets kategorier)."
    )
    revisitation_maaneder: int | None = Field(
        None, ge=1, le=120, description="Højst så mange måneder mellem revisitationer."
    )

    @field_validator("omfang", mode="before")
    @classmethod
    def _range(cls, value: Any) -> tuple[float, float]:
        return parse_range(value)


class OpfoelgningParametre(Model):
    """Settings for the follow-up calendar, progression-led follow-up, the serviceniveau and
    business cases followed up (issue: opfølgning); see socialanalyse.opfoelgning. Every key
    is explained in default.yaml. The follow-up interval is servicetjek's
    opfoelgning_interval_maaneder (one deadline for both)."""

    moedekalender: dict[str, str | list[_dt.date]] = Field(
        description="Mødekalender pr. afdeling: en regel som 'første tirsdag i måneden' eller "
        "en liste af datoer; 'standard' gælder afdelinger, der ikke er nævnt."
    )
    fridage: list[_dt.date] = Field(description="Lokale lukkedage ud over helligdagene.")
    plan_maaneder: int = Field(ge=1, le=24)
    statusanmodning_maaneder: int = Field(ge=0, le=12)
    statusfrist_dage: int = Field(ge=0, le=90)
    progression_maaneder: int = Field(ge=1, le=120)
    udviklingsparagraffer: list[str]
    potentiale_andel: float = Field(gt=0, le=1)
    potentiale_min_borgere: int = Field(ge=1)
    serviceniveau: dict[str, dict[str, Serviceniveau]]
    businesscase_margin: float = Field(ge=0, lt=1)

    @field_validator("moedekalender")
    @classmethod
    def _calendar(cls, value: dict[str, str | list[_dt.date]]):
        from .kalender import parse_rule

        if "standard" not in value:
            raise ValueError("der skal være en 'standard'-kalender (fx 'første tirsdag i "
                             "måneden') for de afdelinger, der ikke er nævnt")
        for afdeling, entry in value.items():
            if isinstance(entry, str):
                try:
                    parse_rule(entry)
                except ValueError as exc:
                    raise ValueError(f"afdelingen {afdeling!r}: {exc}") from None
            elif not entry:
                raise ValueError(f"afdelingen {afdeling!r}: listen af mødedatoer er tom")
        return value

    @field_validator("udviklingsparagraffer")
    @classmethod
    def _known_development(cls, value: list[str]) -> list[str]:
        known = set(ref.paragraffer()["paragraf"])
        for name in value:
            if name not in known:
                raise ValueError(f"ukendt paragraf {name!r}; se paragrafkataloget")
        return value

    @field_validator("serviceniveau", mode="before")
    @classmethod
    def _level_keys(cls, value: Any) -> Any:
        # YAML reads the need level 2 as a number and '2-3' as text: both become '2', '3'.
        if not isinstance(value, dict):
            return value
        known = set(ref.paragraffer()["paragraf"])
        out: dict[str, Any] = {}
        for paragraf, levels in value.items():
            if paragraf not in known:
                raise ValueError(f"ukendt paragraf {paragraf!r}; se paragrafkataloget")
            if not isinstance(levels, dict):
                out[paragraf] = levels
                continue
            out[paragraf] = {}
            for key, entry in levels.items():
                for level in _need_levels(key, paragraf):
                    if str(level) in out[paragraf]:
                        raise ValueError(f"{paragraf}: niveau {level} står mere end én gang")
                    out[paragraf][str(level)] = entry
        return out


def _need_levels(key: Any, paragraf: str) -> list[int]:
    """Need level keys of the serviceniveau: 0-4, or a span like '2-3'."""
    text = str(key).replace("–", "-").replace(" ", "")
    lo, _, hi = text.partition("-")
    if lo.isdigit() and (hi == "" or hi.isdigit()) and not isinstance(key, bool):
        first, last = int(lo), int(hi or lo)
        if 0 <= first <= last <= 4:
            return list(range(first, last + 1))
    raise ValueError(
        f"{paragraf}: støttebehovet {key!r} kan ikke læses: brug et funktionsniveau 0-4 eller "
        "et spænd som '2-3'"
    )
class IndkoebParametre(Model):
    """Settings for the buyer role: suppliers, contracts, negotiation and procurement savings
    (issue: indkøb); see socialanalyse.indkoeb. Every key is explained in default.yaml.

    The peer comparison (how far above the peer median, how many peer grants) and the price
    rise margin are the servicetjek's keys, so both workbooks use one definition.
    """

    besparelsesmaal: float | dict[int, float] | None = Field(
        description="Politisk mål for årlige indkøbsgevinster i kr.: ét tal for alle år, et "
        "tal pr. år, eller null (intet mål)."
    )
    min_andre_leverandoerer: int = Field(
        ge=1, description="Mindste antal andre leverandører i en sammenligningsgruppe."
    )
    kvalitet_lav_under: float = Field(
        gt=1, le=5, description="Tilsynsbedømmelser under dette tal regnes som lav kvalitet."
    )
    kalender_maaneder: int = Field(
        ge=1, le=60, description="Antal måneder frem, kontraktkalenderen viser."
    )
    maalevindue_maaneder: int = Field(
        ge=1, le=12,
        description="Antal måneder før og efter en genforhandling, prisen måles over.",
    )
    prisberegner_ydelse: str | None = Field(
        description="Prisberegnerens ydelse i byrådsudgaven og som start i den interne; null: "
        "den ydelse, flest leverandører prissætter."
    )
    prisberegner_omfang: float = Field(
        gt=0, le=168, description="Prisberegnerens omfang: enheder pr. uge (pr. måned for "
        "månedspriser)."
    )

    @field_validator("besparelsesmaal")
    @classmethod
    def _non_negative(cls, value):
        amounts = value.values() if isinstance(value, dict) else [value]
        if any(v is not None and v < 0 for v in amounts):
            raise ValueError("besparelsesmålet kan ikke være negativt")
        return value

    def maal_for(self, aar: int) -> float | None:
        """The savings target for one year (None when no target is set for it)."""
        m = self.besparelsesmaal
        return m.get(aar) if isinstance(m, dict) else m


class Parametre(Model):
    """All parameters of one municipality: default.yaml with the municipality's overrides."""

    kommune: str = Field(description="Kommunens slug, fx 'furesoe' (se kommuner.csv).")
    navn: str = Field(description="Kommunens navn, som det vises i rapporterne.")
    data: DataKilder
    diskretion: int = Field(ge=1, description="Antal borgere, under hvilket tal diskretioneres.")
    prisindeks: float = Field(ge=-0.5, le=1, description="Årlig pris- og lønregulering (andel).")
    sammenligningskommuner: list[str]
    servicetjek: ServicetjekParametre
    progression: ProgressionParametre
    businesscase: BusinesscaseParametre
    budget: BudgetParametre
    noegletal: NoegletalParametre
    kapacitet: KapacitetParametre
    opfoelgning: OpfoelgningParametre
    indkoeb: IndkoebParametre
    pejlemaerker: list[Pejlemaerke]
    benchmark: BenchmarkParametre
    klynge: KlyngeStandard
    koersel: KoerselParametre
    selvevaluering: SelvevalueringParametre

    _root: Path = PrivateAttr(default=Path("."))
    _files: tuple[Path, ...] = PrivateAttr(default=())
    _sources: tuple[tuple[Path, dict[str, Any]], ...] = PrivateAttr(default=())  # file, content

    @field_validator("kommune", "sammenligningskommuner")
    @classmethod
    def _known_slug(cls, value: str | list[str]) -> str | list[str]:
        for slug in [value] if isinstance(value, str) else value:
            if slug not in ref.kendte_kommuner():
                raise ValueError(_unknown_kommune_text(slug))
        return value

    @property
    def root(self) -> Path:
        """The project folder the relative paths are resolved against."""
        return self._root

    @property
    def files(self) -> tuple[Path, ...]:
        """The parameter files merged into these parameters (default first)."""
        return self._files

    @property
    def statbank_dir(self) -> Path | None:
        """The folder with the statbank exports (benchmark.statbank_mappe), or None."""
        folder = self.benchmark.statbank_mappe
        if folder is None:
            return None
        path = Path(folder)
        return path if path.is_absolute() else self._root / path

    @property
    def data_dir(self) -> Path:
        """The folder holding this municipality's extracts."""
        path = Path(self.data.mappe.format(kommune=self.kommune))
        return path if path.is_absolute() else self._root / path


class ParameterFejl(ValueError):
    """Parameters that cannot be used; the message is Danish and names file and key."""


def _unknown_kommune_text(slug: str) -> str:
    close = difflib.get_close_matches(slug, sorted(ref.kendte_kommuner()), n=3)
    hint = f" Mente du {' eller '.join(repr(c) for c in close)}?" if close else ""
    return (
        f"ukendt kommune {slug!r}: brug en af de 98 kommuners slugs fra kommuner.csv "
        f"(fx 'koebenhavn') eller 'eksempelkommune'.{hint}"
    )


def project_root() -> Path:
    """The project folder: $SOCIALANALYSE_HOME, else the nearest folder upwards holding
    parameters/default.yaml (from the working directory, then from this package)."""
    env = os.environ.get("SOCIALANALYSE_HOME")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd().resolve(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "parameters" / "default.yaml").is_file():
                return folder
    raise ParameterFejl(
        "Kan ikke finde projektmappen med parameters/default.yaml. Kør fra projektmappen "
        "eller sæt miljøvariablen SOCIALANALYSE_HOME til den."
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterFejl(f"Parameterfilen {path} findes ikke.") from None
    try:
        # libyaml's C loader when available: the same safe subset, many times faster.
        content = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (linje {mark.line + 1}, kolonne {mark.column + 1})" if mark else ""
        english = " ".join(str(x) for x in (getattr(exc, "problem", None) or exc,
                                            getattr(exc, "context", None)) if x)
        raise ParameterFejl(
            f"Parameterfilen {path} er ikke gyldig YAML{where}: {_yaml_problem(exc, text)}.\n"
            f"  (YAML-læserens egen besked: {english})"
        ) from None
    if not isinstance(content, dict):
        raise ParameterFejl(f"Parameterfilen {path} skal indeholde nøgler og værdier.")
    return content


# What PyYAML's (English) problems mean, in the words of someone editing a parameter file.
_INDENT = "indrykningen passer ikke: nøgler i samme gruppe skal stå lige langt inde"
_COLON = ("et kolon (:) står, hvor det ikke må: skriv hver nøgle på sin egen linje, og sæt en "
          "værdi med kolon i anførselstegn")
_YAML_PROBLEMS = (
    ("mapping values are not allowed", _COLON),
    ("end of stream", "et anførselstegn er ikke lukket"),
    ("expected ',' or ']'", "en liste [...] er ikke lukket med ]"),
    ("expected ',' or '}'", "en gruppe {...} er ikke lukket med }"),
    ("undefined alias", "en værdi, der begynder med *, skal stå i anførselstegn"),
    ("could not find expected ':'", "der mangler et kolon (:) efter en nøgle"),
    ("expected key", _INDENT),
    ("expected <block end>", _INDENT),
    ("expected '-' indicator", "en liste med - blandes med nøgler på samme niveau"),
)


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """A Danish sentence for a YAML syntax error."""
    problem = str(getattr(exc, "problem", "") or "")
    if "cannot start any token" in problem:
        mark = exc.problem_mark
        lines = text.splitlines()
        char = lines[mark.line][mark.column:mark.column + 1] if mark.line < len(lines) else ""
        if char == "\t":
            return "et tabulatortegn må ikke bruges til indrykning; brug mellemrum"
        return f"en værdi må ikke begynde med tegnet {char!r}; sæt den i anførselstegn"
    return next((da for en, da in _YAML_PROBLEMS if en in problem),
                "filen følger ikke YAML-formatet (nøgle: værdi, indrykket med mellemrum)")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge two parameter dicts: mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _has_path(content: dict[str, Any], loc: tuple) -> bool:
    node: Any = content
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return False
    return True


_MESSAGES = {
    "extra_forbidden": "ukendt nøgle (stavefejl?)",
    "missing": "mangler",
    "int_parsing": "skal være et heltal",
    "int_from_float": "skal være et heltal",
    "float_parsing": "skal være et tal",
    "bool_parsing": "skal være true eller false",
    "string_type": "skal være tekst",
    "dict_type": "skal være en gruppe af nøgler",
    "list_type": "skal være en liste",
    "model_type": "skal være en gruppe af nøgler",
    "float_type": "skal være et tal",
    "int_type": "skal være et heltal",
    "date_from_datetime_parsing": "skal være en dato, fx 2024-01-31",
    "date_parsing": "skal være en dato, fx 2024-01-31",
    "date_type": "skal være en dato, fx 2024-01-31",
}


def _danish(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        text = f"skal være mindst {ctx.get('ge', ctx.get('gt'))}"
    elif kind in ("less_than_equal", "less_than"):
        text = f"må højst være {ctx.get('le', ctx.get('lt'))}"
    elif kind in ("literal_error", "enum"):
        text = f"skal være en af {ctx.get('expected')}"
    elif kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
    else:
        text = _MESSAGES.get(kind, error["msg"])
    if kind not in ("missing", "extra_forbidden") and "input" in error:
        text += f" (fik {error['input']!r})"
    return text


def _explain(
    exc: ValidationError,
    sources: list[tuple[Path, dict[str, Any]]],
    heading: str = "Fejl i parametrene",
) -> ParameterFejl:
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc) or "(hele filen)"
        # A missing key belongs to the municipality's file.
        path = _file_of(sources, loc, sources[-1][0])
        lines.append(f"  - {path}: nøglen '{key}' {_danish(error)}")
    return ParameterFejl(f"{heading}:\n" + "\n".join(lines))


# Public names for other parameter-like files (business cases) that reuse the Danish messages.
explain_validation_error = _explain
read_yaml = _read_yaml


def _file_of(sources, loc: tuple, otherwise: Path | str) -> Path | str:
    """The last parameter file that holds the key `loc`."""
    return next((p for p, c in reversed(sources) if _has_path(c, loc)), otherwise)


def key_error(params: Parametre, problems: list[tuple[tuple, str]]) -> ParameterFejl:
    """A ParameterFejl for problems found after validation by checks that need more than the
    reference tables (the data contract, an analysis' catalogue): each problem is (key path,
    Danish text) and is named with the parameter file holding the key, as `load_parameters`
    names its own errors."""
    lines = [
        f"  - {_file_of(params._sources, loc, 'parametrene')}: nøglen "
        f"'{'.'.join(str(p) for p in loc)}' {text}"
        for loc, text in problems
    ]
    return ParameterFejl("Fejl i parametrene:\n" + "\n".join(lines))


def parameters_dir(root: Path | None = None) -> Path:
    """The folder holding default.yaml, kommuner/ and business_cases/."""
    return (root or project_root()) / "parameters"


def load_parameters(
    kommune: str, *, root: Path | None = None, parameters_folder: Path | None = None
) -> Parametre:
    """Load and validate the parameters of one municipality (default.yaml + kommuner/<slug>.yaml).

    Raises ParameterFejl (Danish, naming file and key) for an unknown municipality, a missing
    file, invalid YAML, an unknown key, a wrong type or a value out of range. Checks against
    the data contract and the analyses' catalogues are theirs (`data.contract.
    check_table_columns`, `servicetjek.catalog.check_parameters`), run where parameters are
    checked before anything runs: the run's plan, `data.load` and `report.setup`.
    """
    root = (root or project_root()).resolve()
    folder = parameters_folder or parameters_dir(root)
    if kommune not in ref.kendte_kommuner():
        raise ParameterFejl(f"Parametrene kan ikke indlæses: {_unknown_kommune_text(kommune)}")
    default_path = folder / "default.yaml"
    own_path = folder / "kommuner" / f"{kommune}.yaml"
    if not own_path.is_file():
        raise ParameterFejl(
            f"Der er ingen parameterfil for {kommune}: opret {own_path} (kopiér "
            f"{folder / 'kommuner' / 'eksempelkommune.yaml'} og ret stier og kolonner)."
        )
    sources = [(default_path, _read_yaml(default_path)), (own_path, _read_yaml(own_path))]
    merged = merge(sources[0][1], sources[1][1])
    if merged.get("kommune", kommune) != kommune:
        raise ParameterFejl(
            f"{own_path}: nøglen 'kommune' er {merged['kommune']!r}, men filen hedder {kommune}."
        )
    merged["kommune"] = kommune
    try:
        params = Parametre.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, sources) from None
    params._root = root
    params._files = (default_path, own_path)
    params._sources = tuple(sources)
    return params


def available_kommuner(root: Path | None = None) -> list[str]:
    """Slugs that have a parameters file, sorted."""
    folder = parameters_dir(root) / "kommuner"
    return sorted(p.stem for p in folder.glob("*.yaml"))


# --- clusters (klynger) -----------------------------------------------------------------------

class KlyngeParametre(Model):
    """A cluster of municipalities (parameters/klynger/<navn>.yaml) over default.yaml's klynge
    section: who the members are and what they agreed on. See socialanalyse.klynge."""

    navn: str = Field(min_length=1, description="Klyngens navn, som det vises i rapporten.")
    beskrivelse: str | None = Field(None, description="Kort tekst om samarbejdet.")
    medlemmer: list[str] = Field(min_length=2, description="Medlemmernes slugs.")
    min_medlemmer: int = Field(ge=2)
    foraeldet_dage: int = Field(ge=1)
    maal: KlyngeMaal
    # From default.yaml's top level unless the cluster file sets them.
    diskretion: int = Field(ge=1, description="Diskretionsgrænsen for klyngens rapporter.")
    koersel: KoerselParametre

    _fil: Path = PrivateAttr(default=Path("."))
    _standard: Path = PrivateAttr(default=Path("."))

    @field_validator("medlemmer")
    @classmethod
    def _known_members(cls, value: list[str]) -> list[str]:
        for slug in value:
            if slug not in ref.kendte_kommuner():
                raise ValueError(_unknown_kommune_text(slug))
        dupes = sorted({s for s in value if value.count(s) > 1})
        if dupes:
            raise ValueError(f"{', '.join(dupes)} står flere gange")
        return value

    @property
    def fil(self) -> Path:
        """The cluster file these parameters came from."""
        return self._fil

    @property
    def files(self) -> list[Path]:
        """The parameter files read, in merge order (as Parametre.files)."""
        return [self._standard, self._fil]

    @property
    def root(self) -> Path:
        """The project folder (parameters/ is in it)."""
        return self._fil.parent.parent.parent


def available_klynger(root: Path | None = None) -> list[str]:
    """Names of the cluster files in parameters/klynger/, sorted."""
    return sorted(p.stem for p in (parameters_dir(root) / "klynger").glob("*.yaml"))


def load_klynge(navn: str, *, root: Path | None = None,
                parameters_folder: Path | None = None) -> KlyngeParametre:
    """Load and validate parameters/klynger/<navn>.yaml over default.yaml's klynge section.

    Raises ParameterFejl (Danish, naming file and key) for a missing file, invalid YAML, an
    unknown key, an unknown member or a value out of range.
    """
    root = (root or project_root()).resolve()
    folder = parameters_folder or parameters_dir(root)
    path = folder / "klynger" / f"{navn}.yaml"
    if not path.is_file():
        known = available_klynger(root) if parameters_folder is None else sorted(
            p.stem for p in (folder / "klynger").glob("*.yaml"))
        hint = f" Klyngerne er: {', '.join(known)}." if known else ""
        raise ParameterFejl(f"Der er ingen klyngefil {path}.{hint}")
    default_path = folder / "default.yaml"
    defaults = _read_yaml(default_path)
    standard = dict(defaults.get("klynge") or {})
    standard.update({k: defaults[k] for k in ("diskretion", "koersel") if k in defaults})
    for key in ("aggregat_aar", "belaegning_maaneder"):  # the members' own export settings
        standard.pop(key, None)
    own = _read_yaml(path)
    merged = merge(standard, own)
    try:
        params = KlyngeParametre.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, [(default_path, standard), (path, own)],
                       heading=f"Fejl i klyngefilen {path.name}") from None
    params._fil, params._standard = path, default_path
    return params
