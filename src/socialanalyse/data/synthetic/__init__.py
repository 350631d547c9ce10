"""The synthetic municipality ("eksempelkommune") with planted signals.

`generate(kommune, indbyggere, seed)` builds the canonical tables of a municipality of the
given size, calibrated on public figures (see shared/reference/FACTS.md: citizens per
10,000 adults per paragraph, daily rates, §85 hourly prices, a third of spending at private
providers), and plants signals the analyses must find. `Planted` lists the ids of every planted
signal under the definitions fixed for the whole team. Everything is vectorised with numpy and
depends on the seed only (same seed -> same tables and same files).

`write_sample` writes the tables as a municipality would deliver them (see `export`);
parameters/kommuner/eksempelkommune.yaml maps that format back.

One module per table family, each with its steps, its tables' file formats (`EXPORT`) and
the signals it plants:

- `population`   befolkning
- `providers`    leverandoerer, tilbud; price rise without genforhandling, no standard contract
- `grants`       borgere, bevillinger; overpriced providers, overlapping grants, expensive grants
- `assessments`  vurderinger, maal; the intervention's effect, progressing citizens, §107
                 citizens improved past their end date
- `followups`    opfoelgninger; overdue follow-ups
- `payments`     betalinger; payments after slutdato, payments that differ from the grant
- `indkoeb`      kontrakter, prislister, tilsyn; expiring and overdue contracts, high price
                 and low quality, a fast-growing tillæg, a renegotiation with a known saving,
                 a price list with a known ranking (`Planted.families["indkoeb"]`)
- `budget`       budget; the two 2026 overruns
- `opfoelgning`  no tables of its own: development cases without progression, potential,
                 a target group's volume × 1.30, grants outside the serviceniveau, Fredericia's
                 business case lagging its plan (two steps: before the payments, before
                 indkoeb and the budget)
- `kapacitet`    rows in the tables above: an own §108 offer with empty places and known
                 hjemtagning candidates, a full own §107 offer, step-down flows after §107
- `klynge`       only for a member of a test cluster (`klynge_rolle`): a shared provider one
                 member pays 30 % more, free own places another member buys externally
- `world`        what the steps share (`World`: calendar, random streams, working frames)
- `calibration`  the per-paragraph figures; `planted` the returned record; `export` the writer

The steps run in the order of `STEPS`. The first ten tables' steps interleave because they
read each other's working frames and share random streams; their order is fixed (the sample
is byte-identical for a given seed).

Adding a table family (e.g. a workbook's new tables and its planted signals):
1. Add its tables to data/contract.py and its file format to eksempelkommune.yaml.
2. Write one module here with `EXPORT = {"table": export.Export(...)}` and a step
   `def step(w: World) -> None` that reads what it needs from `w` (the working frames and
   `w.tables`), draws only from its own stream `w.rng("<family>")`, writes
   `w.tables["table"] = ...` and records its signals as its own frozen dataclass with
   `w.plant_family("<family>", record, notes={signal: Danish description})`.
3. Register the step: one line at the end of `STEPS` (before `budget.budget` if its grants
   or payments should count in the budget, as kapacitet's and indkoeb's do; a family that
   reads every grant, as indkoeb does for its contracts, goes after those that add grants).
   `EXPORT` is then collected from its module, and `Planted.families["<family>"]` holds the
   record.
A new stream never changes what the other steps draw, so the existing rows stay the same
(a family that adds grants adds rows, and the budget follows them; indkoeb changes tillæg and
payments on purpose).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from ..contract import TABLES, dtype
from . import (
    assessments,
    budget,
    followups,
    grants,
    indkoeb,
    kapacitet,
    klynge,
    opfoelgning,
    payments,
    population,
    providers,
)
from .export import Export, write_tables
from .planted import Intervention, Planted, Sample
from .world import REFERENCE_DATE, World

#: The generation, in order; each step reads what the earlier ones left on the World.
STEPS: tuple[Callable[[World], None], ...] = (
    population.population,
    providers.providers,
    grants.grants,
    grants.overlaps,
    providers.offers,
    grants.citizens,
    grants.assign_ids,
    assessments.assessments,
    grants.prices,
    opfoelgning.volume,
    providers.contracts,
    payments.signals,
    followups.followups,
    payments.payments,
    assessments.goals,
    kapacitet.kapacitet,
    opfoelgning.signals,
    # Reads every grant (contracts) and changes payments (tillæg, a renegotiated price):
    # after the families that add grants, before the budget.
    indkoeb.step,
    klynge.klynge,  # only with a klynge_rolle; after indkoeb (no contract signal reaches it)
    budget.budget,
)

#: How each table is written: the `EXPORT` of every module with a step in STEPS.
EXPORT: dict[str, Export] = {
    name: spec
    for module in dict.fromkeys(sys.modules[step.__module__] for step in STEPS)
    for name, spec in module.EXPORT.items()
}


def generate(kommune: str = "eksempelkommune", indbyggere: int = 45_000, seed: int = 1,
             klynge_rolle: str | None = None) -> Sample:
    """Generate a municipality's canonical tables with planted signals (deterministic by seed).

    The tables pass `Data.from_tables`; `Sample.planted` lists the ids of every planted signal
    under the team's fixed definitions (see `Planted` and `planted.notes`). klynge_rolle: one
    of klynge.KLYNGE_ROLLER for a member of a test cluster (its signals in
    `Planted.families["klynge"]`); None plants nothing for clusters.
    """
    if indbyggere < 2_000:
        raise ValueError("indbyggere skal være mindst 2.000")
    w = World(kommune, int(indbyggere), int(seed))
    w.klynge_rolle = klynge_rolle
    for step in STEPS:
        step(w)
    order = list(TABLES)  # a table missing from the contract fails here
    tables = {name: w.tables[name].astype({c.name: dtype(c) for c in TABLES[name].columns})
              for name in sorted(w.tables, key=order.index)}
    return Sample(tables, Planted(**w.planted, notes=dict(w.notes), families=dict(w.families)))


def write_sample(kommune: str, indbyggere: int, seed: int, out: Path,
                 statbank: Path | None = None, statbank_kommune: str = "furesoe",
                 klynge_rolle: str | None = None) -> Planted:
    """Write the generated tables as a municipality's extracts in Danish export format.

    One file per table in `out` (created if missing), as described by `EXPORT`; the same
    arguments give byte-identical files. With `statbank`, also a made-up statbank export
    there in which the sample stands as `statbank_kommune` (synthetic.statbank). klynge_rolle:
    as in `generate`. Returns what was planted.
    """
    sample = generate(kommune, indbyggere, seed, klynge_rolle)
    write_tables(sample.tables, EXPORT, Path(out))
    if statbank is not None:
        from .statbank import write_statbank

        write_statbank(sample.tables, Path(statbank), statbank_kommune, seed)
    return sample.planted


__all__ = ["EXPORT", "REFERENCE_DATE", "STEPS", "Intervention", "Planted", "Sample", "World",
           "generate", "write_sample"]
