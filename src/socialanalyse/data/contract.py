"""The data contract: the canonical tables every analysis reads.

One declarative spec per table (`TABLES`) is the single source for the pandera schemas
(`schema(name)`), the loader's parsing (which columns are dates, numbers, flags) and the
documentation in data/README.md (`tests/test_contract.py` keeps them in step).

Units (used by `socialanalyse.data.derived.annual_cost`):
- `enhed` is the unit of `enhedspris`: doegn (a day), time (an hour) or maaned (a month).
- `omfang` is units per week for doegn and time (7 = every day), units per month for maaned.
- `tillaeg` is an additional amount in kr per month (særtakst, tillægsydelse), 0 if none.
- `betalinger.periode` is the first day of the month paid for.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd

from .. import reference as ref
from ..config import Parametre, key_error

if TYPE_CHECKING:  # pandera is imported where the schemas are built: a kernel that reads the
    import pandera.pandas as pa  # run's validated data snapshot never needs it (~0,3 s CPU)

Kind = Literal["str", "int", "float", "date", "bool"]


@dataclass(frozen=True)
class Col:
    """One canonical column: its name, kind, constraints and a Danish description."""

    name: str
    kind: Kind
    beskrivelse: str
    required: bool = True  # must be present in the extract (after mapping)
    nullable: bool = False  # may hold empty cells
    allowed: tuple | None = None
    ge: float | None = None
    le: float | None = None
    regex: str | None = None
    # Few distinct values in a table with millions of rows: held as pandas category (one
    # small code per row instead of the text): a København-size extract takes ~30 % less.
    kategori: bool = False


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns, primary key and Danish description."""

    name: str
    beskrivelse: str
    columns: tuple[Col, ...]
    key: tuple[str, ...] = ()
    foreign_keys: dict[str, tuple[str, str]] = field(default_factory=dict)

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _paragraf_values() -> tuple[str, ...]:
    return tuple(ref.paragraffer()["paragraf"])


def _tema_values() -> tuple[str, ...]:
    return tuple(dict.fromkeys(ref.vum_temaer()["tema"]))


FUNKTION_REGEX = r"^\d\.\d{2}\.\d{2}$"
ALDERSGRUPPE_REGEX = r"^(\d{1,3}-\d{1,3}|\d{1,3}\+)$"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "borgere",
            "En borger (pseudonymiseret) med støtte fra det specialiserede socialområde.",
            (
                Col("borger_id", "str", "Pseudonym for borgeren (aldrig CPR-nummer)."),
                Col("foedselsaar", "int", "Fødselsår.", ge=1900, le=2100),
                Col("koen", "str", "Køn: K eller M.", allowed=ref.KOEN),
                Col("maalgruppe", "str", "Målgruppe.", allowed=ref.MAALGRUPPER),
            ),
            key=("borger_id",),
        ),
        Table(
            "leverandoerer",
            "En leverandør af tilbud: egen drift, anden kommune, region, privat eller selvejende.",
            (
                Col("leverandoer_id", "str", "Leverandørens id."),
                Col("navn", "str", "Leverandørens navn."),
                Col("leverandoertype", "str", "Type af leverandør.", allowed=ref.LEVERANDOERTYPER),
                Col(
                    "standardkontrakt",
                    "bool",
                    "Om køb sker på kommunens standardkontrakt (ja/nej).",
                ),
            ),
            key=("leverandoer_id",),
        ),
        Table(
            "tilbud",
            "Et tilbud i kommunens egen drift med et antal pladser.",
            (
                Col("tilbud_id", "str", "Tilbuddets id."),
                Col("leverandoer_id", "str", "Leverandøren, der driver tilbuddet."),
                Col("navn", "str", "Tilbuddets navn."),
                Col("paragraf", "str", "Paragraf, tilbuddet leverer efter.", allowed=None),
                Col("pladser", "int", "Antal pladser (normeret kapacitet).", ge=0),
                Col(
                    "maalgruppe",
                    "str",
                    "Tilbuddets målgruppe (tom = den målgruppe, flest af beboerne har).",
                    required=False,
                    nullable=True,
                    allowed=ref.MAALGRUPPER,
                ),
                Col(
                    "takst",
                    "float",
                    "Tilbuddets egen pris i kr. pr. plads pr. døgn (tom = beregnes af "
                    "bevillingerne i tilbuddet).",
                    required=False,
                    nullable=True,
                    ge=0,
                ),
            ),
            key=("tilbud_id",),
            foreign_keys={"leverandoer_id": ("leverandoerer", "leverandoer_id")},
        ),
        Table(
            "bevillinger",
            "En bevilling: én ydelse til én borger i en periode.",
            (
                Col("bevilling_id", "str", "Bevillingens id."),
                Col("borger_id", "str", "Borgeren, der har bevillingen."),
                Col("paragraf", "str", "Lovgrundlag, fx §85 eller §107 (se paragrafkataloget)."),
                Col("leverandoer_id", "str", "Leverandøren, der leverer ydelsen."),
                Col(
                    "tilbud_id",
                    "str",
                    "Tilbud i egen drift, hvis ydelsen leveres der (ellers tom).",
                    required=False,
                    nullable=True,
                ),
                Col("afdeling", "str", "Afdelingen/udvalget, der har bevilget og betaler."),
                Col("startdato", "date", "Første dag med ydelsen."),
                Col("slutdato", "date", "Sidste dag med ydelsen (tom = løbende).", nullable=True),
                Col(
                    "forventet_slutdato",
                    "date",
                    "Forventet slutdato for tidsbegrænsede ydelser (fx §107).",
                    required=False,
                    nullable=True,
                ),
                Col("enhed", "str", "Enhed for prisen: doegn, time eller maaned.", allowed=ref.ENHEDER),
                Col("enhedspris", "float", "Pris pr. enhed i kr. ved bevillingens start.", ge=0),
                Col(
                    "omfang",
                    "float",
                    "Antal enheder pr. uge (doegn, time) eller pr. måned (maaned).",
                    ge=0,
                ),
                Col(
                    "tillaeg",
                    "float",
                    "Tillæg i kr. pr. måned (særtakst, tillægsydelser), 0 hvis intet.",
                    required=False,
                    ge=0,
                ),
            ),
            key=("bevilling_id",),
            foreign_keys={
                "borger_id": ("borgere", "borger_id"),
                "leverandoer_id": ("leverandoerer", "leverandoer_id"),
                "tilbud_id": ("tilbud", "tilbud_id"),
            },
        ),
        Table(
            "betalinger",
            "En betalingslinje: et beløb betalt for en bevilling for en måned.",
            (
                Col("bevilling_id", "str", "Bevillingen, der betales for."),
                Col("leverandoer_id", "str", "Leverandøren, der modtager betalingen."),
                Col("periode", "date", "Måneden, der betales for (første dag i måneden)."),
                Col("beloeb", "float", "Beløb i kr. (negativt ved kreditering)."),
                Col(
                    "funktion",
                    "str",
                    "Funktion i den kommunale kontoplan, fx 5.38.50.",
                    regex=FUNKTION_REGEX,
                    kategori=True,
                ),
            ),
            foreign_keys={
                "bevilling_id": ("bevillinger", "bevilling_id"),
                "leverandoer_id": ("leverandoerer", "leverandoer_id"),
            },
        ),
        Table(
            "opfoelgninger",
            "En gennemført opfølgning på en bevilling.",
            (
                Col("bevilling_id", "str", "Bevillingen, der er fulgt op på."),
                Col("dato", "date", "Dato for opfølgningen."),
                Col(
                    "type",
                    "str",
                    "opfølgning, revisitation eller genforhandling (af pris med leverandøren).",
                    allowed=ref.OPFOELGNINGSTYPER,
                    kategori=True,
                ),
                Col(
                    "resultat",
                    "str",
                    "uændret, justeret eller ophørt.",
                    allowed=ref.OPFOELGNINGSRESULTATER,
                    kategori=True,
                ),
            ),
            foreign_keys={"bevilling_id": ("bevillinger", "bevilling_id")},
        ),
        Table(
            "vurderinger",
            "Ét tema vurderet ved én udredning (VUM 2.0 eller ICS).",
            (
                Col("borger_id", "str", "Den vurderede borger."),
                Col("dato", "date", "Dato for vurderingen."),
                Col("metode", "str", "VUM2 eller ICS.", allowed=ref.VURDERINGSMETODER,
                    kategori=True),
                Col("tema", "str", "Tema, fx Egenomsorg (se VUM-temaerne).", kategori=True),
                Col(
                    "niveau",
                    "int",
                    "Funktionsniveau 0-4: 0 ingen, 1 let, 2 moderat, 3 svært, 4 fuldstændigt "
                    "nedsat.",
                    ge=0,
                    le=4,
                ),
            ),
            key=("borger_id", "dato", "tema"),
            foreign_keys={"borger_id": ("borgere", "borger_id")},
        ),
        Table(
            "maal",
            "Et mål i borgerens handleplan.",
            (
                Col("borger_id", "str", "Borgeren, målet gælder."),
                Col("maal_id", "str", "Målets id."),
                Col("tema", "str", "Tema, målet handler om."),
                Col("maaltype", "str", "Udvikle, Fastholde eller Begrænse tab.", allowed=ref.MAALTYPER),
                Col("startdato", "date", "Hvornår målet blev sat."),
                Col("frist", "date", "Frist for målet."),
                Col(
                    "status",
                    "str",
                    "igangværende, opnået, delvist opnået eller ikke opnået.",
                    allowed=ref.MAALSTATUS,
                ),
            ),
            key=("maal_id",),
            foreign_keys={"borger_id": ("borgere", "borger_id")},
        ),
        Table(
            "budget",
            "En budgetlinje for et år: pr. paragraf eller pr. målgruppe.",
            (
                Col("aar", "int", "Budgetår.", ge=2000, le=2100),
                Col("paragraf", "str", "Paragraf (tom hvis linjen er pr. målgruppe).", nullable=True),
                Col(
                    "maalgruppe",
                    "str",
                    "Målgruppe (tom hvis linjen er pr. paragraf).",
                    required=False,
                    nullable=True,
                    allowed=ref.MAALGRUPPER,
                ),
                Col("beloeb", "float", "Budgetbeløb i kr."),
                Col(
                    "forudsat_antal",
                    "float",
                    "Forudsat antal helårspersoner.",
                    required=False,
                    nullable=True,
                    ge=0,
                ),
                Col(
                    "forudsat_enhedspris",
                    "float",
                    "Forudsat gennemsnitlig årlig udgift pr. helårsperson i kr.",
                    required=False,
                    nullable=True,
                    ge=0,
                ),
            ),
            key=("aar", "paragraf", "maalgruppe"),
        ),
        Table(
            "befolkning",
            "Antal indbyggere i kommunen pr. aldersgruppe og år.",
            (
                Col("aar", "int", "År.", ge=1900, le=2100),
                Col(
                    "aldersgruppe",
                    "str",
                    "Aldersgruppe som 18-24 eller 65+.",
                    regex=ALDERSGRUPPE_REGEX,
                ),
                Col("antal", "int", "Antal indbyggere.", ge=0),
            ),
            key=("aar", "aldersgruppe"),
        ),
        # --- optional tables of the buyer role (indkoeb) --------------------------------
        Table(
            "kontrakter",
            "En kontrakt eller betalingsaftale med en leverandør: for én bevilling, eller som "
            "ramme for leverandørens bevillinger på en paragraf (eller alle paragraffer).",
            (
                Col("kontrakt_id", "str", "Kontraktens id."),
                Col("leverandoer_id", "str", "Leverandøren, kontrakten er indgået med."),
                Col(
                    "bevilling_id",
                    "str",
                    "Bevillingen, kontrakten gælder (tom = rammekontrakt for leverandørens "
                    "bevillinger).",
                    required=False,
                    nullable=True,
                ),
                Col(
                    "paragraf",
                    "str",
                    "Paragraffen, kontrakten gælder (tom = alle leverandørens paragraffer).",
                    required=False,
                    nullable=True,
                ),
                Col("startdato", "date", "Første dag, kontrakten gælder."),
                Col(
                    "udloebsdato",
                    "date",
                    "Sidste dag, kontrakten gælder (tom = løbende, til den opsiges).",
                    required=False,
                    nullable=True,
                ),
                Col(
                    "standardkontrakt",
                    "bool",
                    "Om kontrakten er kommunens standardkontrakt (ja/nej).",
                ),
                Col(
                    "prisregulering",
                    "str",
                    "Hvordan prisen reguleres.",
                    required=False,
                    nullable=True,
                    allowed=ref.PRISREGULERINGER,
                ),
                Col(
                    "genforhandlingsdato",
                    "date",
                    "Næste aftalte genforhandling af pris og vilkår (tom = ingen aftalt).",
                    required=False,
                    nullable=True,
                ),
                Col(
                    "enhed",
                    "str",
                    "Enhed for kontraktens pris: doegn, time eller maaned.",
                    required=False,
                    nullable=True,
                    allowed=ref.ENHEDER,
                ),
                Col(
                    "enhedspris",
                    "float",
                    "Aftalt pris pr. enhed i kr. (efter seneste genforhandling).",
                    required=False,
                    nullable=True,
                    ge=0,
                ),
                Col(
                    "tidligere_enhedspris",
                    "float",
                    "Prisen pr. enhed før seneste genforhandling (tom = ingen prisændring).",
                    required=False,
                    nullable=True,
                    ge=0,
                ),
                Col(
                    "prisaendring_dato",
                    "date",
                    "Dato, den genforhandlede pris gælder fra.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("kontrakt_id",),
            foreign_keys={
                "leverandoer_id": ("leverandoerer", "leverandoer_id"),
                "bevilling_id": ("bevillinger", "bevilling_id"),
            },
        ),
        Table(
            "prislister",
            "En pris i en leverandørs prisliste: prisen pr. enhed for en ydelse fra en dato, og "
            "hvad prisen indeholder.",
            (
                Col("leverandoer_id", "str", "Leverandøren, prislisten er fra."),
                Col("ydelse", "str", "Ydelsen, fx Socialpædagogisk støtte, dagtimer."),
                Col(
                    "paragraf",
                    "str",
                    "Paragraffen, ydelsen leveres efter (tom = ikke angivet).",
                    required=False,
                    nullable=True,
                ),
                Col("enhed", "str", "Enhed for prisen: doegn, time eller maaned.",
                    allowed=ref.ENHEDER),
                Col("enhedspris", "float", "Pris pr. enhed i kr.", ge=0),
                Col("gyldig_fra", "date", "Første dag, prisen gælder."),
                Col(
                    "indhold",
                    "str",
                    "Hvad prisen indeholder (fritekst), fx kørsel, dokumentation, "
                    "kvalifikationer.",
                    required=False,
                    nullable=True,
                ),
            ),
            key=("leverandoer_id", "ydelse", "gyldig_fra"),
            foreign_keys={"leverandoer_id": ("leverandoerer", "leverandoer_id")},
        ),
        Table(
            "tilsyn",
            "En bedømmelse fra socialtilsynet af en leverandør eller et af dens tilbud: den "
            "samlede bedømmelse eller ét tema i kvalitetsmodellen.",
            (
                Col("leverandoer_id", "str", "Leverandøren, der driver tilbuddet."),
                Col(
                    "tilbud",
                    "str",
                    "Tilbuddets navn (tom = leverandøren som helhed).",
                    required=False,
                    nullable=True,
                ),
                Col("dato", "date", "Dato for tilsynsrapporten."),
                Col(
                    "tema",
                    "str",
                    "Tema i kvalitetsmodellen, fx Kompetencer (tom = den samlede bedømmelse).",
                    required=False,
                    nullable=True,
                ),
                Col(
                    "bedoemmelse",
                    "float",
                    "Bedømmelse på kvalitetsmodellens skala fra 1 (i meget lav grad opfyldt) "
                    "til 5 (i meget høj grad opfyldt).",
                    ge=1,
                    le=5,
                ),
            ),
            key=("leverandoer_id", "tilbud", "dato", "tema"),
            foreign_keys={"leverandoer_id": ("leverandoerer", "leverandoer_id")},
        ),
    )
}

#: Optional tables only the indkoeb workbook reads; analyses say so when they are empty.
INDKOEB_TABLES = ("kontrakter", "prislister", "tilsyn")

# Columns whose allowed values come from the reference catalogues.
_PARAGRAF_COLUMNS = {("bevillinger", "paragraf"), ("tilbud", "paragraf"), ("budget", "paragraf"),
                     ("kontrakter", "paragraf"), ("prislister", "paragraf")}
_TEMA_COLUMNS = {("vurderinger", "tema"), ("maal", "tema")}

_DTYPES = {"str": "str", "int": "int64", "float": "float64", "date": "datetime64[ns]",
           "bool": "bool"}


def dtype(c: Col):
    """The pandas dtype a canonical column has after loading and validation."""
    return pd.CategoricalDtype() if c.kategori else _DTYPES[c.kind]


def allowed_values(table: str, column: str) -> tuple | None:
    """The allowed values of a column, including the catalogue-backed ones (paragraf, tema)."""
    if (table, column) in _PARAGRAF_COLUMNS:
        return _paragraf_values()
    if (table, column) in _TEMA_COLUMNS:
        return _tema_values()
    return TABLES[table].col(column).allowed


def _checks(table: str, c: Col) -> list[pa.Check]:
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    allowed = allowed_values(table, c.name)
    if allowed is not None:
        checks.append(pa.Check.isin(list(allowed)))
    if c.ge is not None:
        checks.append(pa.Check.ge(c.ge))
    if c.le is not None:
        checks.append(pa.Check.le(c.le))
    if c.regex is not None:
        checks.append(pa.Check.str_matches(c.regex))
    return checks


def schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of one canonical table (columns, types, allowed values, key)."""
    import pandera.pandas as pa

    t = TABLES[name]
    columns = {
        c.name: pa.Column(
            dtype(c),
            checks=_checks(name, c),
            nullable=c.nullable,
            required=c.required,
            coerce=True,
        )
        for c in t.columns
    }
    return pa.DataFrameSchema(
        columns,
        unique=list(t.key) if t.key else None,
        strict=False,
        name=name,
        report_duplicates="all",
    )


_OPTIONAL_DEFAULTS = {("bevillinger", "tillaeg"): 0.0}


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Add missing optional columns (empty, or their default) and put canonical columns first.

    After loading, every canonical column exists, so analyses never test for optional ones.
    Returns a new frame; extra columns are kept after the canonical ones.
    """
    t = TABLES[name]
    out = df.copy()
    for c in t.columns:
        if c.name not in out.columns and not c.required:
            default = _OPTIONAL_DEFAULTS.get((name, c.name))
            if default is not None:
                out[c.name] = default
            else:
                out[c.name] = pd.Series(None, index=out.index, dtype=dtype(c))
    canonical = [c for c in t.names if c in out.columns]
    return out[canonical + [c for c in out.columns if c not in canonical]]


@dataclass(frozen=True)
class Problem:
    """One validation problem, located as precisely as possible (row is 0-based in the table)."""

    table: str
    column: str | None
    row: int | None
    value: object
    message: str
    fil: str | None = None  # the file, when the table is read from several (row is in it)


def cross_table_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rules spanning columns or tables: foreign keys, end not before start, budget lines.

    `tables` holds canonical tables by name (missing optional tables are skipped).
    """
    problems: list[Problem] = []
    for name, t in TABLES.items():
        df = tables.get(name)
        if df is None:
            continue
        for col, (other, other_col) in t.foreign_keys.items():
            if col not in df.columns or other not in tables:
                continue
            known = set(tables[other][other_col].dropna())
            values = df[col]
            bad = values.notna() & ~values.isin(known)
            for row in df.index[bad.to_numpy()]:
                problems.append(
                    Problem(
                        name,
                        col,
                        int(row),
                        values.at[row],
                        f"{values.at[row]!r} findes ikke i tabellen {other} ({other_col})",
                    )
                )
    bev = tables.get("bevillinger")
    if bev is not None:
        for end in ("slutdato", "forventet_slutdato"):
            if end not in bev.columns:
                continue
            bad = bev[end].notna() & (bev[end] < bev["startdato"])
            for row in bev.index[bad.to_numpy()]:
                problems.append(
                    Problem(
                        "bevillinger",
                        end,
                        int(row),
                        bev.at[row, end],
                        f"{end} ligger før startdato ({bev.at[row, 'startdato']:%d.%m.%Y})",
                    )
                )
    maal = tables.get("maal")
    if maal is not None:
        bad = maal["frist"] < maal["startdato"]
        for row in maal.index[bad.to_numpy()]:
            problems.append(Problem("maal", "frist", int(row), maal.at[row, "frist"],
                                    "frist ligger før startdato"))
    budget = tables.get("budget")
    if budget is not None:
        both = budget["paragraf"].notna() == budget["maalgruppe"].notna()
        for row in budget.index[both.to_numpy()]:
            problems.append(Problem("budget", "paragraf", int(row), budget.at[row, "paragraf"],
                                    "en budgetlinje skal have enten paragraf eller målgruppe"))
    problems += _contract_problems(tables.get("kontrakter"))
    return problems


def _contract_problems(k: pd.DataFrame | None) -> list[Problem]:
    """kontrakter: expiry not before start; a previous price needs the new price, its unit and
    the date it applies from (procurement savings are measured from them)."""
    if k is None or k.empty:
        return []
    problems = []
    if "udloebsdato" in k.columns:
        bad = k["udloebsdato"].notna() & (k["udloebsdato"] < k["startdato"])
        for row in k.index[bad.to_numpy()]:
            problems.append(Problem("kontrakter", "udloebsdato", int(row), k.at[row, "udloebsdato"],
                                    f"udloebsdato ligger før startdato "
                                    f"({k.at[row, 'startdato']:%d.%m.%Y})"))
    if "tidligere_enhedspris" in k.columns:
        needed = ("enhedspris", "enhed", "prisaendring_dato")
        has_old = k["tidligere_enhedspris"].notna()
        for row in k.index[has_old.to_numpy()]:
            missing = [c for c in needed if c not in k.columns or pd.isna(k.at[row, c])]
            if missing:
                problems.append(Problem(
                    "kontrakter", "tidligere_enhedspris", int(row), k.at[row, "tidligere_enhedspris"],
                    "tidligere_enhedspris er udfyldt, så " + " og ".join(missing)
                    + " skal også udfyldes"))
    return problems


# --- documentation ---------------------------------------------------------------------------

_KIND_NAMES = {"str": "tekst", "int": "heltal", "float": "tal", "date": "dato", "bool": "ja/nej"}
_REGEX_NAMES = {FUNKTION_REGEX: "formen 5.38.50", ALDERSGRUPPE_REGEX: "formen 18-24 eller 65+"}
_CATALOGUE_NAMES = {"paragraf": "en paragraf fra paragrafkataloget",
                    "tema": "et tema fra VUM-temaerne"}


# The rules of cross_table_problems, as the documentation states them.
_CROSS_RULES = {
    ("bevillinger", "slutdato"): "ikke før startdato",
    ("bevillinger", "forventet_slutdato"): "ikke før startdato",
    ("maal", "frist"): "ikke før startdato",
    ("budget", "paragraf"): "hver linje har enten paragraf eller maalgruppe",
    ("kontrakter", "udloebsdato"): "ikke før startdato",
    ("kontrakter", "tidligere_enhedspris"): "kræver enhedspris, enhed og prisaendring_dato",
}


def _rule(table: str, c: Col) -> str:
    parts = []
    if (table, c.name) in _PARAGRAF_COLUMNS | _TEMA_COLUMNS:
        parts.append(_CATALOGUE_NAMES[c.name])
    elif c.allowed is not None:
        parts.append("en af: " + ", ".join(f"`{v}`" for v in c.allowed))
    if c.ge is not None and c.le is not None:
        parts.append(f"fra {c.ge:g} til {c.le:g}")
    elif c.ge is not None:
        parts.append(f"mindst {c.ge:g}")
    elif c.le is not None:
        parts.append(f"højst {c.le:g}")
    if c.regex is not None:
        parts.append(_REGEX_NAMES.get(c.regex, f"formen `{c.regex}`"))
    if (table, c.name) in _CROSS_RULES:
        parts.append(_CROSS_RULES[(table, c.name)])
    fk = TABLES[table].foreign_keys.get(c.name)
    if fk:
        parts.append(f"skal findes i {fk[0]}.{fk[1]}")
    return "; ".join(parts)


def markdown() -> str:
    """The canonical tables as Danish Markdown (one section per table), for data/README.md.

    tests/test_contract.py checks that data/README.md contains exactly this text, so the
    documentation follows the contract.
    """
    out = []
    for t in TABLES.values():
        out.append(f"### `{t.name}`\n")
        out.append(f"{t.beskrivelse}")
        if t.key:
            out.append(f"Nøgle (unik pr. række): {', '.join(f'`{k}`' for k in t.key)}.")
        out.append("")
        out.append("| kolonne | type | skal med | må være tom | betydning | regler |")
        out.append("|---|---|---|---|---|---|")
        for c in t.columns:
            default = _OPTIONAL_DEFAULTS.get((t.name, c.name))
            required = "ja" if c.required else (
                f"nej (standard {default:g})" if default is not None else "nej")
            empty = "ja" if c.nullable else ("ja (= 0)" if default is not None else "nej")
            kind = _KIND_NAMES[c.kind] + (" (kategori)" if c.kategori else "")
            out.append(f"| `{c.name}` | {kind} | {required} | {empty} | "
                       f"{c.beskrivelse} | {_rule(t.name, c)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def check_table_columns(params: Parametre) -> None:
    """The keys under data.tabeller.<tabel>.kolonner and .koder must be canonical columns of
    their table; raises config.ParameterFejl naming the file and the key (with a suggestion)."""
    problems = []
    for table, source in params.data.tabeller.items():
        names = TABLES[table].names
        for part in ("kolonner", "koder"):
            for column in getattr(source, part):
                if column not in names:
                    close = difflib.get_close_matches(column, names, n=1)
                    hint = f" Mente du {close[0]!r}?" if close else ""
                    text = (f"er ikke en kolonne i tabellen {table}.{hint} Kolonnerne er: "
                            f"{', '.join(names)}.")
                    problems.append((("data", "tabeller", table, part, column), text))
    if problems:
        raise key_error(params, problems)
