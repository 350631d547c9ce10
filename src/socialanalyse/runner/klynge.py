"""A cluster's run: `socialanalyse klynge --navn X`.

Reads parameters/klynger/X.yaml (config.load_klynge), finds each member's latest successful
run and its aggregates (views.klynge.read_members, the same reading notebook 09 does), names
the members that are missing or stale, and runs notebook 09_klynge into
output/klynger/X/<run-id>/ as one job of the ordinary machinery (plan.Job with klynge=True:
job, export, finalize, seneste), so a cluster's run looks like any other.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import config
from ..report.outputs import AGGREGAT_DIR, KLYNGER_DIR, OUTPUT_DIR, latest_run
from .plan import (
    DEFAULT_TIMEOUT,
    PUBLIKUMMER,
    Job,
    KoerselFejl,
    Plan,
    discover_notebooks,
    new_run_id,
)

MIN_MEMBERS = 2  # a cluster of one compares nothing


def build_klynge_plan(navn: str, *, publikum: str = "intern", root: Path | None = None,
                      notebooks_dir: Path | None = None, out: Path | None = None,
                      timeout: int = DEFAULT_TIMEOUT) -> tuple[Plan, list[str]]:
    """Validate the cluster file and its members' runs; the plan (one job) and the Danish
    lines naming members left out. Raises config.ParameterFejl or KoerselFejl (fewer than two
    usable members, unknown audience) and starts nothing."""
    from ..views.klynge import OK, read_members

    root = (root or config.project_root()).resolve()
    if publikum not in PUBLIKUMMER:
        raise KoerselFejl(f"publikum skal være 'intern' eller 'byraad', ikke {publikum!r}.")
    kp = config.load_klynge(navn, root=root)
    out_root = (out or root / OUTPUT_DIR).resolve()
    _, status = read_members(out_root, kp.medlemmer, kp.foraeldet_dage)
    left_out = [f"{r.navn}: {r.besked}" for r in status.itertuples() if r.status != OK]
    usable = status[status["status"] == OK]
    if len(usable) < MIN_MEMBERS:
        why = "\n".join(f"  - {line}" for line in left_out)
        raise KoerselFejl(
            f"Klyngen {kp.navn} kan ikke køres: kun {len(usable)} af {len(status)} medlemmer "
            f"har en brugbar kørsel med aggregater (mindst {MIN_MEMBERS}).\n{why}\n"
            "Kør medlemmerne med `socialanalyse run --kommune SLUG` først.")
    paths = discover_notebooks(notebooks_dir or root / "notebooks", klynge=True)
    out_dir = out_root / KLYNGER_DIR / navn
    inputs = tuple(str(latest_run(out_root / slug) / AGGREGAT_DIR) for slug in usable["kommune"])
    job = Job(kommune=navn, publikum=publikum, run_id=new_run_id(publikum, [out_dir]),
              notebooks=tuple(str(p.resolve()) for p in paths), root=str(root),
              out_dir=str(out_dir), timeout=timeout, snapshot=False, klynge=True,
              inputs=inputs)
    return Plan([job], {navn: kp}, workers=1), left_out


def run_klynge(navn: str, *, publikum: str = "intern", root: Path | None = None,
               notebooks_dir: Path | None = None, out: Path | None = None,
               timeout: int = DEFAULT_TIMEOUT, quiet: bool = False) -> int:
    """`socialanalyse klynge --navn X`; the exit code as runner.run returns it."""
    from . import execute

    try:
        p, left_out = build_klynge_plan(
            navn, publikum=publikum, root=Path(root) if root else None,
            notebooks_dir=Path(notebooks_dir) if notebooks_dir else None,
            out=Path(out) if out else None, timeout=timeout or DEFAULT_TIMEOUT)
    except (config.ParameterFejl, KoerselFejl) as exc:
        print(f"Klyngens kørsel er ikke startet.\n{exc}", file=sys.stderr)
        return 2
    for line in left_out:
        print(f"Ikke med i klyngens tal: {line}", file=sys.stderr)
    return execute(p, quiet=quiet)
