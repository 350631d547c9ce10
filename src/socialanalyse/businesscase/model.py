"""The business-case file: its pydantic schema, loading, validation and input paths.

A business case is a YAML file in `parameters/business_cases/<navn>.yaml`. It holds

- `betalere`: who pays or saves (afdeling/udvalg and niveau kommune, region or stat);
- `borgergrupper`: named counts of citizens that per-citizen lines multiply by;
- `udgifter`: cost lines; `gevinster`: gains (avoided costs) with success rate, dødvægt,
  duration and fading of the effect;
- `horisont` (years 0 .. horisont-1), an optional discount-rate schedule (`diskontering`,
  default the Finansministeriet schedule in `reference.diskonteringsrente()`), an optional
  optimism-bias uplift on costs (`optimisme_tillaeg`);
- `usikkerhed`: distributions of the uncertain inputs; `scenarier`: named sets of input values;
  `fra_data`: how to fill inputs from the municipality's own data (see `link.from_data`).

Every line is one of: one-off (`art: engangs`) or yearly (`art: aarlig`), with either a
`beloeb` or a `pris` × `antal`, optionally per citizen (`borgere: <gruppe>`). A choice between
alternatives is written as an investment: the chosen alternative's costs are `udgifter`, the
costs it avoids are `gevinster`.

Inputs are addressed by dotted paths (`udgifter.<id>.beloeb`, `gevinster.<id>.succesrate`,
`borgergrupper.<id>.antal`, `optimisme_tillaeg`, `horisont`), used by scenarios, distributions,
sensitivity, break-even and `fra_data`. Errors are Danish and name the file and the key
(reusing `config.explain_validation_error`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..config import (
    BusinesscaseParametre,
    Model,
    ParameterFejl,
    explain_validation_error,
    parameters_dir,
    read_yaml,
)

Niveau = Literal["kommune", "region", "stat"]
NIVEAUER = ("kommune", "region", "stat")
CASES_FOLDER = "business_cases"
HEADING = "Fejl i business casen"

#: Inputs of a line that take a number and may be uncertain (drawn in Monte Carlo).
LINE_FLOAT_FIELDS = ("beloeb", "pris", "antal", "deles_af")
GAIN_FLOAT_FIELDS = ("succesrate", "doedvaegt", "varighed", "aftagning")
#: Whole-year inputs: may be set by scenarios and sliders, but not drawn.
INT_FIELDS = ("fra_aar", "til_aar")
#: Valid range of each numeric input (normal draws are clipped to it).
RANGES: dict[str, tuple[float, float]] = {
    "beloeb": (0.0, float("inf")),
    "pris": (0.0, float("inf")),
    "antal": (0.0, float("inf")),
    "deles_af": (1e-9, float("inf")),
    "succesrate": (0.0, 1.0),
    "doedvaegt": (0.0, 1.0),
    "varighed": (0.0, float("inf")),
    "aftagning": (0.0, 1.0),
    "optimisme_tillaeg": (0.0, 5.0),
}
#: Danish names of the inputs, for tables and figures.
FIELD_NAMES = {
    "beloeb": "beløb",
    "pris": "pris",
    "antal": "antal",
    "deles_af": "deles af",
    "succesrate": "succesrate",
    "doedvaegt": "dødvægt",
    "varighed": "varighed (år)",
    "aftagning": "aftagning pr. år",
    "fra_aar": "fra år",
    "til_aar": "til år",
}


class Betaler(Model):
    """Who pays a cost or keeps a saving."""

    navn: str = Field(description="Afdeling eller enhed, fx 'Familie- og Ungdomscentret'.")
    udvalg: str | None = Field(None, description="Det politiske udvalg, fx 'Socialudvalget'.")
    niveau: Niveau = Field(description="kommune, region eller stat.")


class Borgergruppe(Model):
    """A named number of citizens that per-citizen lines multiply by."""

    antal: float = Field(ge=0, description="Antal borgere (eller familier) i gruppen.")
    beskrivelse: str = ""


class Linje(Model):
    """A cost or gain line: amount (or price × quantity), timing, per citizen, payer."""

    navn: str = Field(description="Linjens navn, som det vises.")
    art: Literal["engangs", "aarlig"] = Field(
        "aarlig", description="engangs: kun i fra_aar; aarlig: hvert år fra fra_aar til til_aar."
    )
    beloeb: float | None = Field(None, ge=0, description="Beløb i kr. (pr. år eller engangs).")
    pris: float | None = Field(None, ge=0, description="Pris pr. enhed i kr.")
    antal: float | None = Field(None, ge=0, description="Antal enheder (pr. år eller engangs).")
    borgere: str | None = Field(None, description="Borgergruppe: beløbet gælder pr. borger.")
    deles_af: float = Field(
        1.0, gt=0, description="Antal (kommuner), der deler udgiften ligeligt; casen bærer 1/deles_af."
    )
    fra_aar: int = Field(0, ge=0, description="Første år (år 0 er første år).")
    til_aar: int | None = Field(None, ge=0, description="Sidste år (tom = horisontens sidste).")
    betaler: str | dict[str, float] = Field(
        description="Betalerens nøgle i betalere, eller {nøgle: andel} med andele, der summer til 1."
    )
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Linje:
        if self.beloeb is None and (self.pris is None or self.antal is None):
            raise ValueError("skal have enten 'beloeb' eller både 'pris' og 'antal'")
        if self.beloeb is not None and (self.pris is not None or self.antal is not None):
            raise ValueError("skal have enten 'beloeb' eller 'pris' og 'antal', ikke begge dele")
        if self.til_aar is not None and self.til_aar < self.fra_aar:
            raise ValueError(f"til_aar ({self.til_aar}) ligger før fra_aar ({self.fra_aar})")
        if self.art == "engangs" and self.til_aar not in (None, self.fra_aar):
            raise ValueError("en engangsudgift ligger i ét år: brug kun fra_aar")
        if isinstance(self.betaler, dict):
            if not self.betaler:
                raise ValueError("betaler må ikke være tom")
            if any(not 0 < v <= 1 for v in self.betaler.values()):
                raise ValueError("hver betalers andel skal ligge mellem 0 og 1")
            if abs(sum(self.betaler.values()) - 1) > 1e-9:
                raise ValueError(
                    f"betalernes andele skal summe til 1 (summer til {sum(self.betaler.values())})"
                )
        return self

    def shares(self) -> dict[str, float]:
        """The payer keys with their shares of this line."""
        return {self.betaler: 1.0} if isinstance(self.betaler, str) else dict(self.betaler)


class Udgift(Linje):
    """A cost of the intervention."""


class Gevinst(Linje):
    """A gain: a cost avoided, for the share of citizens where the intervention works.

    Yearly gain = amount × (succesrate − doedvaegt) × effect(t), where the effect is 1 for
    `varighed` years from fra_aar and then falls by `aftagning` a year:
    effect(t) = (1 − aftagning) ** (k − varighed + 1) for k = t − fra_aar ≥ varighed.
    """

    succesrate: float = Field(1.0, ge=0, le=1, description="Andel, hvor indsatsen lykkes.")
    doedvaegt: float = Field(
        0.0, ge=0, le=1, description="Andel, der ville have opnået det samme uden indsatsen."
    )
    varighed: float | None = Field(
        None, ge=0, description="År med fuld effekt fra fra_aar (tom = resten af horisonten)."
    )
    aftagning: float = Field(
        1.0, ge=0, le=1, description="Andel af effekten, der forsvinder hvert år efter varigheden."
    )


class Rentetrin(Model):
    """One step of a discount-rate schedule."""

    fra_aar: int = Field(ge=0)
    til_aar: int = Field(ge=0)
    rente: float = Field(ge=-0.5, le=1)


class Fordeling(Model):
    """A distribution of an uncertain input (for Monte Carlo and the tornado's low/high).

    trekant and pert: min, sandsynligst, max (pert: beta-PERT with form λ, default 4);
    uniform: min, max; normal: middel, sd (draws are clipped to the input's valid range).
    """

    fordeling: Literal["trekant", "uniform", "normal", "pert"]
    min: float | None = None
    sandsynligst: float | None = None
    max: float | None = None
    middel: float | None = None
    sd: float | None = Field(None, ge=0)
    form: float = Field(4.0, gt=0, description="PERT: vægt på den sandsynligste værdi.")

    @model_validator(mode="after")
    def _parameters(self) -> Fordeling:
        need = {
            "trekant": ("min", "sandsynligst", "max"),
            "pert": ("min", "sandsynligst", "max"),
            "uniform": ("min", "max"),
            "normal": ("middel", "sd"),
        }[self.fordeling]
        allowed = set(need) | ({"form"} if self.fordeling == "pert" else set())
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"fordelingen {self.fordeling} mangler {', '.join(missing)}")
        extra = [
            k for k in ("min", "sandsynligst", "max", "middel", "sd")
            if k not in allowed and getattr(self, k) is not None
        ]
        if extra:
            raise ValueError(f"fordelingen {self.fordeling} bruger ikke {', '.join(extra)}")
        if self.fordeling in ("trekant", "pert") and not (
            self.min <= self.sandsynligst <= self.max
        ):
            raise ValueError("skal opfylde min ≤ sandsynligst ≤ max")
        if self.fordeling == "uniform" and self.min > self.max:
            raise ValueError("min må ikke være større end max")
        return self

    def bounds(self) -> tuple[float, float]:
        """Low and high value for the tornado: min/max, or middel ± 1.96 sd (95 % interval)."""
        if self.fordeling == "normal":
            return self.middel - 1.96 * self.sd, self.middel + 1.96 * self.sd
        return self.min, self.max


class Scenarie(Model):
    """A named set of input values (e.g. forsigtigt, forventet, optimistisk)."""

    beskrivelse: str = ""
    vaerdier: dict[str, float] = Field(default_factory=dict)


Maal = Literal[
    "udgift_pr_helaarsperson",
    "udgift_pr_doegn",
    "bevilget_udgift_pr_helaarsperson",
    "helaarspersoner",
    "aktive_bevillinger",
]


class DataKobling(Model):
    """How to fill one input from the municipality's own data (see `link.from_data`)."""

    maal: Maal = Field(description="Hvad der måles i data.")
    paragraf: list[str] = Field(min_length=1, description="Paragraffer, fx ['§107'].")
    afdeling: str | None = Field(None, description="Kun bevillinger fra denne afdeling.")
    aar: int | None = Field(None, description="Kalenderår (tom = sidste hele år i data).")
    faktor: float = Field(1.0, gt=0, description="Ganges på, fx 3 børn eller 365 døgn.")

    @field_validator("paragraf", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class FulgtIndsats(Model):
    """The real intervention a case is followed up on: its grants (all given filters match,
    active on or after `start`; as progression.intervention_grants, plus målgruppe/afdeling)."""

    paragraf: str | None = Field(None, description="Indsatsens paragraf, fx 'BL §32'.")
    tilbud_id: str | None = Field(None, description="Tilbuddets id.")
    leverandoer_id: str | None = Field(None, description="Leverandørens id.")
    maalgruppe: str | None = Field(None, description="Kun borgere i denne målgruppe.")
    afdeling: str | None = Field(None, description="Kun bevillinger fra denne afdeling.")
    start: date = Field(description="Dato, indsatsen startede.")

    @model_validator(mode="after")
    def _something(self) -> FulgtIndsats:
        if not (self.paragraf or self.tilbud_id or self.leverandoer_id):
            raise ValueError("angiv mindst én af paragraf, tilbud_id eller leverandoer_id")
        return self


class FulgtEffekt(Model):
    """An effect to follow: a gain line and what in the data shows it (a fall against the
    base year, valued in kr per unit)."""

    maal: Literal["helaarspersoner", "nye_forloeb", "udgift"] = Field(
        description="helaarspersoner (helårspersoner i paragraffen), nye_forloeb (bevillinger, "
        "der starter i året) eller udgift (betalinger i kr.)."
    )
    paragraf: list[str] = Field(min_length=1, description="Paragraffer, fx ['BL §46'].")
    maalgruppe: str | None = Field(None, description="Kun borgere i denne målgruppe.")
    afdeling: str | None = Field(None, description="Kun bevillinger fra denne afdeling.")
    leverandoer_id: str | None = Field(None, description="Kun bevillinger hos denne leverandør.")
    tilbud_id: str | None = Field(None, description="Kun bevillinger i dette tilbud.")
    basisaar: int | None = Field(
        None, description="Året før indsatsen, der sammenlignes med (tom = året før start)."
    )
    vaerdi_pr_enhed: float | None = Field(
        None, gt=0, description="Kr. pr. undgået enhed (tom: kommunens egen udgift pr. "
        "helårsperson i basisåret; 1 for udgift; skal angives for nye_forloeb)."
    )

    @field_validator("paragraf", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _value_needed(self) -> FulgtEffekt:
        if self.maal == "nye_forloeb" and self.vaerdi_pr_enhed is None:
            raise ValueError("nye_forloeb kræver vaerdi_pr_enhed (kr. pr. undgået forløb)")
        return self


class Opfoelgning(Model):
    """How a case is followed up after the decision (see `followup.follow_up`)."""

    indsats: FulgtIndsats
    udgifter: list[str] | None = Field(
        None, description="Udgiftslinjerne, indsatsens betalinger svarer til (tom = alle)."
    )
    borgergruppe: str | None = Field(
        None, description="Borgergruppen, antallet af borgere i indsatsen sammenlignes med."
    )
    effekter: dict[str, FulgtEffekt] = Field(
        default_factory=dict, description="Gevinstlinje -> hvordan effekten ses i data."
    )


class BusinessCase(Model):
    """A business case: costs and gains over years, by payer. See the module docstring."""

    navn: str = Field(description="Casens titel.")
    kommune: str = Field("", description="Kommunen, eksemplet stammer fra (fri tekst).")
    beskrivelse: str = ""
    kilde: str = Field(min_length=1, description="Hvor tallene kommer fra (dansk tekst).")
    antagelser: str = Field(min_length=1, description="Antagelser ud over kilden (dansk tekst).")
    horisont: int = Field(ge=1, le=70, description="Antal år: år 0 til horisont − 1.")
    startaar: int | None = Field(None, description="Kalenderåret for år 0 (kun til visning).")
    diskontering: list[Rentetrin] | None = Field(
        None, description="Diskonteringsrente pr. år (tom = Finansministeriets 3,5 %/2,5 %)."
    )
    optimisme_tillaeg: float = Field(
        0.0, ge=0, le=5, description="Optimismetillæg: udgifter ganges med 1 + tillægget."
    )
    betalere: dict[str, Betaler] = Field(min_length=1)
    borgergrupper: dict[str, Borgergruppe] = Field(default_factory=dict)
    udgifter: dict[str, Udgift] = Field(default_factory=dict)
    gevinster: dict[str, Gevinst] = Field(default_factory=dict)
    usikkerhed: dict[str, Fordeling] = Field(default_factory=dict)
    scenarier: dict[str, Scenarie] = Field(default_factory=dict)
    fra_data: dict[str, DataKobling] = Field(default_factory=dict)
    opfoelgning: Opfoelgning | None = Field(
        None, description="Den rigtige indsats og de effekter, der følges op på."
    )

    _fil: Path | None = PrivateAttr(default=None)
    _id: str | None = PrivateAttr(default=None)

    @property
    def fil(self) -> Path | None:
        """The YAML file the case was loaded from (None if built in code)."""
        return self._fil

    @property
    def id(self) -> str:
        """The case's name: the file stem (or 'case' when built in code)."""
        return self._id or (self._fil.stem if self._fil else "case")

    def lines(self) -> Iterable[tuple[str, str, Linje]]:
        """(section, key, line) for every cost and gain line, costs first."""
        for key, line in self.udgifter.items():
            yield "udgifter", key, line
        for key, line in self.gevinster.items():
            yield "gevinster", key, line


# --- input paths ------------------------------------------------------------------------------


def input_kind(case: BusinessCase, path: str) -> str:
    """'float' or 'int' for a valid input path of this case; raises ValueError (Danish) if not.

    Valid: optimisme_tillaeg, horisont (int), borgergrupper.<id>.antal,
    udgifter.<id>.<beloeb|pris|antal|deles_af|fra_aar|til_aar>, gevinster.<id>.<the same or
    succesrate|doedvaegt|varighed|aftagning>. beloeb only on lines with beloeb; pris/antal only on
    lines with pris and antal.
    """
    parts = path.split(".")
    if parts == ["optimisme_tillaeg"]:
        return "float"
    if parts == ["horisont"]:
        return "int"
    if len(parts) == 3 and parts[0] == "borgergrupper":
        if parts[1] not in case.borgergrupper:
            raise ValueError(_unknown("borgergruppe", parts[1], case.borgergrupper))
        if parts[2] != "antal":
            raise ValueError(f"en borgergruppe har kun input 'antal', ikke {parts[2]!r}")
        return "float"
    if len(parts) == 3 and parts[0] in ("udgifter", "gevinster"):
        section = getattr(case, parts[0])
        if parts[1] not in section:
            word = "udgift" if parts[0] == "udgifter" else "gevinst"
            raise ValueError(_unknown(word, parts[1], section))
        line = section[parts[1]]
        fields = LINE_FLOAT_FIELDS + (GAIN_FLOAT_FIELDS if parts[0] == "gevinster" else ())
        if parts[2] in INT_FIELDS:
            return "int"
        if parts[2] not in fields:
            raise ValueError(
                f"{parts[2]!r} er ikke et input på en linje under {parts[0]}; brug en af "
                f"{', '.join(fields + INT_FIELDS)}"
            )
        if parts[2] == "beloeb" and line.beloeb is None:
            raise ValueError("linjen bruger pris og antal, ikke beloeb")
        if parts[2] in ("pris", "antal") and line.beloeb is not None:
            raise ValueError("linjen bruger beloeb, ikke pris og antal")
        return "float"
    raise ValueError(
        f"ukendt input {path!r}: brug fx 'udgifter.<linje>.beloeb', 'gevinster.<linje>.succesrate', "
        "'borgergrupper.<gruppe>.antal' eller 'optimisme_tillaeg'"
    )


def _unknown(word: str, key: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" Mente du {close[0]!r}?" if close else ""
    return f"ukendt {word} {key!r}; casen har {', '.join(map(repr, known)) or 'ingen'}.{hint}"


def get_value(case: BusinessCase, path: str) -> float | None:
    """The current value of an input path (None for an empty optional input)."""
    node: Any = case
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def input_label(case: BusinessCase, path: str) -> str:
    """A Danish label of an input: 'Undgået anbringelse: succesrate'."""
    parts = path.split(".")
    if parts == ["optimisme_tillaeg"]:
        return "Optimismetillæg på udgifter"
    if parts == ["horisont"]:
        return "Horisont (år)"
    if parts[0] == "borgergrupper":
        group = case.borgergrupper[parts[1]]
        return f"Antal borgere: {group.beskrivelse or parts[1]}"
    line = getattr(case, parts[0])[parts[1]]
    return f"{line.navn}: {FIELD_NAMES.get(parts[2], parts[2])}"


def _set_path(content: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = content
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


# --- validation and loading -------------------------------------------------------------------


def _cross_errors(case: BusinessCase, check_base: bool = True) -> list[dict[str, Any]]:
    """Checks that span sections: payers, groups, years, input paths, schedule, scenarios.

    check_base: the case's own value of an uncertain input must lie within its distribution's
    interval (checked for the file as written, not for scenarios or values set later).
    """
    errors: list[dict[str, Any]] = []

    def add(loc: tuple, value: Any, message: str) -> None:
        errors.append({"type": "value_error", "loc": loc, "input": value,
                       "ctx": {"error": ValueError(message)}})

    if not case.udgifter and not case.gevinster:
        add(("udgifter",), {}, "casen skal have mindst én udgift eller gevinst")
    for section, key, line in case.lines():
        for payer in line.shares():
            if payer not in case.betalere:
                add((section, key, "betaler"), payer, _unknown("betaler", payer, case.betalere))
        if line.borgere is not None and line.borgere not in case.borgergrupper:
            add((section, key, "borgere"), line.borgere,
                _unknown("borgergruppe", line.borgere, case.borgergrupper))
        if line.fra_aar >= case.horisont:
            add((section, key, "fra_aar"), line.fra_aar,
                f"ligger efter horisonten (år 0 til {case.horisont - 1})")
    for path, dist in case.usikkerhed.items():
        try:
            kind = input_kind(case, path)
        except ValueError as exc:
            add(("usikkerhed", path), path, str(exc))
            continue
        if kind != "float":
            add(("usikkerhed", path), path, "hele år kan ikke have en fordeling; brug scenarier")
            continue
        lo, hi = RANGES.get(path.split(".")[-1], (0.0, float("inf")))
        values = [v for v in (dist.min, dist.sandsynligst, dist.max, dist.middel) if v is not None]
        if any(not lo <= v <= hi for v in values):
            add(("usikkerhed", path), path, f"fordelingens værdier skal ligge mellem {lo} og {hi}")
        base = get_value(case, path)
        if (check_base and dist.fordeling != "normal" and base is not None
                and not dist.min <= base <= dist.max):
            add(("usikkerhed", path), base,
                f"casens værdi ligger uden for fordelingens interval [{dist.min}; {dist.max}]")
    for name, scenario in case.scenarier.items():
        for path, value in scenario.vaerdier.items():
            try:
                kind = input_kind(case, path)
            except ValueError as exc:
                add(("scenarier", name, "vaerdier", path), path, str(exc))
                continue
            if kind == "int" and float(value) != int(value):
                add(("scenarier", name, "vaerdier", path), value, "skal være et helt år")
    for path in case.fra_data:
        try:
            if input_kind(case, path) != "float":
                add(("fra_data", path), path, "kan kun udfylde beløb, priser og antal")
        except ValueError as exc:
            add(("fra_data", path), path, str(exc))
    if case.opfoelgning is not None:
        errors.extend(_followup_errors(case))
    if case.diskontering is not None:
        steps = sorted(case.diskontering, key=lambda s: s.fra_aar)
        expected = 0
        for step in steps:
            if step.fra_aar != expected or step.til_aar < step.fra_aar:
                add(("diskontering",), [s.model_dump() for s in steps],
                    "rentetrinene skal følge hinanden uden huller fra år 0")
                break
            expected = step.til_aar + 1
        else:
            if expected < case.horisont:
                add(("diskontering",), expected - 1,
                    f"renten skal dække alle år op til {case.horisont - 1}")
    return errors


def _followup_errors(case: BusinessCase) -> list[dict[str, Any]]:
    """The follow-up section must name the case's own lines and groups, and the case needs a
    startaar (to place its years in the calendar)."""
    f = case.opfoelgning
    errors: list[dict[str, Any]] = []

    def add(loc: tuple, value: Any, message: str) -> None:
        errors.append({"type": "value_error", "loc": ("opfoelgning", *loc), "input": value,
                       "ctx": {"error": ValueError(message)}})

    if case.startaar is None:
        add((), "startaar", "opfølgning kræver, at casen har et startaar (kalenderåret for år 0)")
    for key in f.effekter:
        if key not in case.gevinster:
            add(("effekter", key), key, _unknown("gevinst", key, case.gevinster))
    for key in f.udgifter or []:
        if key not in case.udgifter:
            add(("udgifter",), key, _unknown("udgift", key, case.udgifter))
    from .. import reference

    known = set(reference.paragraffer()["paragraf"])
    if f.indsats.paragraf is not None and f.indsats.paragraf not in known:
        add(("indsats", "paragraf"), f.indsats.paragraf, "ukendt paragraf; se paragrafkataloget")
    for key, effect in f.effekter.items():
        for name in effect.paragraf:
            if name not in known:
                add(("effekter", key, "paragraf"), name, "ukendt paragraf; se paragrafkataloget")
    if f.borgergruppe is not None and f.borgergruppe not in case.borgergrupper:
        add(("borgergruppe",), f.borgergruppe,
            _unknown("borgergruppe", f.borgergruppe, case.borgergrupper))
    return errors


def parse_case(
    content: Mapping[str, Any], path: Path | str | None = None, check_scenarios: bool = True
) -> BusinessCase:
    """Validate a case given as a dict (e.g. from YAML); ParameterFejl names file and key.

    The schema is checked by pydantic (unknown keys, types, ranges), then the checks across
    sections (payers, citizen groups, years, input paths) and finally each scenario is applied
    and validated (a scenario may not set a success rate of 1.2).
    """
    where = Path(path) if path is not None else Path("<business case>")
    sources = [(where, dict(content))]
    try:
        case = BusinessCase.model_validate(content)
    except ValidationError as exc:
        raise explain_validation_error(exc, sources, HEADING) from None
    errors = _cross_errors(case, check_base=check_scenarios)
    if errors:
        exc = ValidationError.from_exception_data("BusinessCase", errors)
        raise explain_validation_error(exc, sources, HEADING) from None
    if check_scenarios:
        for name, scenario in case.scenarier.items():
            try:
                _with(case, scenario.vaerdier, where)
            except ParameterFejl as exc:
                raise ParameterFejl(
                    f"{where}: scenariet {name!r} giver en ugyldig case:\n{exc}"
                ) from None
    if path is not None:
        case._fil = Path(path)
    return case


def _with(
    case: BusinessCase, values: Mapping[str, float], where: Path, rescale: bool = False
) -> BusinessCase:
    if not values:
        return case
    new = case.model_dump()
    for key, value in values.items():
        kind = input_kind(case, key)
        _set_path(new, key, int(value) if kind == "int" else float(value))
        old = get_value(case, key)
        dist = new["usikkerhed"].get(key)
        if rescale and dist is not None and old:
            ratio = float(value) / float(old)
            for name in ("min", "sandsynligst", "max", "middel", "sd"):
                if dist.get(name) is not None:
                    dist[name] = dist[name] * ratio
    return parse_case(new, where, check_scenarios=False)


def with_values(
    case: BusinessCase, values: Mapping[str, float], rescale: bool = False
) -> BusinessCase:
    """A copy of the case with some inputs set (paths as in `input_kind`), validated again.

    rescale: also scale the distribution of each changed input by new/old value, keeping its
    relative spread (used when a template value is replaced by the municipality's own).
    """
    if not values:
        return case
    for key in values:
        try:
            input_kind(case, key)
        except ValueError as exc:
            raise ParameterFejl(f"{case.fil or case.id}: {exc}") from None
    new = _with(case, values, case.fil or Path(case.id), rescale)
    new._fil, new._id = case._fil, case._id
    return new


def with_scenario(case: BusinessCase, scenario: str | None) -> BusinessCase:
    """The case with a named scenario's values applied. None (or 'forventet' when the case
    does not define it) gives the case's own values."""
    if scenario is None or (scenario == "forventet" and scenario not in case.scenarier):
        return case
    if scenario not in case.scenarier:
        raise ParameterFejl(
            f"{case.fil or case.id}: {_unknown('scenarie', scenario, case.scenarier)}"
        )
    return with_values(case, case.scenarier[scenario].vaerdier)


def cases_dir(root: Path | None = None) -> Path:
    """The folder holding the business cases: parameters/business_cases/."""
    return parameters_dir(root) / CASES_FOLDER


def available_cases(root: Path | None = None) -> list[str]:
    """The names of the shipped business cases (file stems), sorted."""
    return sorted(p.stem for p in cases_dir(root).glob("*.yaml"))


def _default_settings(root: Path | None) -> BusinesscaseParametre:
    content = read_yaml(parameters_dir(root) / "default.yaml").get("businesscase", {})
    try:
        return BusinesscaseParametre.model_validate(content)
    except ValidationError as exc:
        where = parameters_dir(root) / "default.yaml"
        raise explain_validation_error(exc, [(where, {"businesscase": content})]) from None


def load(
    name_or_path: str | Path | None,
    parametre: BusinesscaseParametre | None = None,
    *,
    root: Path | None = None,
) -> BusinessCase:
    """Load and validate a business case: a name in parameters/business_cases/ or a path;
    None is the municipality's choice, `parametre.case` (businesscase.case).

    A case without `horisont` gets the default horizon from `parametre` (the `businesscase`
    section of the parameters; default: that section of default.yaml). Raises ParameterFejl
    (Danish, naming file and key) for a missing file, invalid YAML or an invalid case.
    """
    if name_or_path is None:
        name_or_path = (parametre if parametre is not None else _default_settings(root)).case
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(name_or_path)
    else:
        path = cases_dir(root) / f"{text}.yaml"
        if not path.is_file():
            known = available_cases(root)
            close = difflib.get_close_matches(text, known, n=2)
            hint = f" Mente du {' eller '.join(map(repr, close))}?" if close else ""
            raise ParameterFejl(
                f"Business casen {text!r} findes ikke: der er ingen fil {path}. "
                f"Kendte cases: {', '.join(known) or 'ingen'}.{hint}"
            )
    if not path.is_file():
        raise ParameterFejl(f"Business case-filen {path} findes ikke.")
    content = read_yaml(path)
    if "horisont" not in content:
        settings = parametre if parametre is not None else _default_settings(root)
        content = {**content, "horisont": settings.horisont}
    case = parse_case(content, path)
    case._id = path.stem
    return case
