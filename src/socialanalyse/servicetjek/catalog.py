"""The catalogue of screening rules: id, Danish name, Danish explanation and how the rule's
savings potential combines with other rules on the same grant; `check_parameters` checks the
rule ids the parameters name.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Parametre, key_error


@dataclass(frozen=True)
class Regel:
    """One screening rule.

    `gruppe` says how potentials combine per grant (see servicetjek.prioritize): rules in the
    group "indsats" (price, step down, double grant) are alternatives, so a grant's potential
    is their maximum; rules in "betaling" (payment errors, disjoint months) add up on top.
    """

    id: str
    navn: str
    forklaring: str
    gruppe: str  # "indsats" or "betaling"


_RULES = (
    Regel(
        "pris_over_sammenlignelige",
        "Pris over sammenlignelige",
        "Prisen pr. enhed ligger markant over medianen for andre leverandørers bevillinger "
        "med samme paragraf, enhed og funktionsniveau ved bevillingens start.",
        "indsats",
    ),
    Regel(
        "priskategori",
        "Høj priskategori uden tilsvarende støttebehov",
        "Døgntaksten (§107/§108) eller timeprisen (§85) ligger i kategorien høj eller "
        "ekstraordinær, men borgerens funktionsniveau ved start forklarer det ikke.",
        "indsats",
    ),
    Regel(
        "midlertidig_overskredet",
        "Midlertidigt tilbud over forventet slutdato",
        "Et tidsbegrænset tilbud (fx §107 eller tidsbegrænset §85) er stadig aktivt efter den "
        "forventede slutdato.",
        "indsats",
    ),
    Regel(
        "forbedret_funktion",
        "Forbedret funktionsniveau uden ændret støtte",
        "Borgerens gennemsnitlige funktionsniveau er forbedret siden bevillingens start, men "
        "støtten er ikke justeret: kandidat til et trin ned ad indsatstrappen.",
        "indsats",
    ),
    Regel(
        "ingen_progression",
        "Udviklingsforløb uden progression",
        "Et udviklingsforløb (midlertidigt tilbud eller mål om udvikling) har efter den fastsatte "
        "tid i tilbuddet (standard 12 måneder) ingen pålidelig progression i funktionsniveauet: "
        "overvej et andet tilbud (Deloitte). Potentialet er prisen over medianen for "
        "sammenlignelige tilbud.",
        "indsats",
    ),
    Regel(
        "opfoelgning_overskredet",
        "Opfølgning overskredet",
        "Der er ikke fulgt op på bevillingen inden for det krævede interval (fx 6 måneder for "
        "§107, 12 måneder for øvrige), regnet fra seneste opfølgning eller start.",
        "indsats",
    ),
    Regel(
        "dyr_sag",
        "Meget dyr sag",
        "Bevillingens årlige udgift i nutidspriser er over grænsen for meget dyre sager.",
        "indsats",
    ),
    Regel(
        "dobbelt_kompensation",
        "Overlappende bevillinger på tværs af afdelinger",
        "Borgeren har samtidig to aktive bevillinger af samme slags fra to forskellige "
        "afdelinger: mulig dobbeltkompensation.",
        "indsats",
    ),
    Regel(
        "betaling_efter_slut",
        "Betaling efter ophør",
        "Der er betalt for måneder efter bevillingens slutdato.",
        "betaling",
    ),
    Regel(
        "betaling_afviger",
        "Betaling afviger fra bevillingen",
        "I flere måneder afviger det betalte beløb markant fra det, bevillingen skulle koste "
        "(pris × omfang, reguleret med prisindekset).",
        "betaling",
    ),
    Regel(
        "prisstigning",
        "Prisstigning over indeks uden genforhandling",
        "Betalingen pr. enhed er steget mere end prisindekset plus en margin fra et år til det "
        "næste, uden at der er registreret en genforhandling.",
        "indsats",
    ),
    Regel(
        "uden_standardkontrakt",
        "Eksternt køb uden standardkontrakt",
        "Ydelsen købes hos en ekstern leverandør uden kommunens standardkontrakt.",
        "indsats",
    ),
)

#: The rules by id, in the order they are shown.
REGLER: dict[str, Regel] = {r.id: r for r in _RULES}


def check_parameters(params: Parametre) -> None:
    """The keys of servicetjek.andel_justeret must be rule ids (or 'standard'); raises
    config.ParameterFejl naming the file and the key."""
    problems = [
        (("servicetjek", "andel_justeret", key),
         f"ukendt regel {key!r}; brug 'standard' eller en af {', '.join(REGLER)}")
        for key in params.servicetjek.andel_justeret
        if key != "standard" and key not in REGLER
    ]
    if problems:
        raise key_error(params, problems)
