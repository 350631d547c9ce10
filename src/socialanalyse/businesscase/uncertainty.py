"""Uncertainty: one-at-a-time sensitivity (tornado) and Monte Carlo simulation.

The uncertain inputs and their distributions are declared in the case (`usikkerhed`). Draws
are independent between inputs. All draws are evaluated at once as numpy arrays by the same
engine as `evaluate` (no Python loop over draws), so 100,000 draws take a fraction of a second.

Distributions (parameters as in the YAML):
- trekant (min, sandsynligst, max): triangular;
- pert (min, sandsynligst, max, form λ = 4): beta-PERT, x = min + (max − min)·B with
  B ~ Beta(1 + λ(m − min)/(max − min), 1 + λ(max − m)/(max − min)); mean (min + λm + max)/(λ + 2);
- uniform (min, max);
- normal (middel, sd), clipped to the input's valid range (e.g. a success rate to [0, 1]).
A distribution with min = max (or sd = 0) is a fixed value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .evaluate import _line_pv, npv
from .model import (
    RANGES,
    BusinessCase,
    Fordeling,
    get_value,
    input_kind,
    input_label,
    with_scenario,
    with_values,
)

PERCENTILER = (5, 10, 25, 50, 75, 90, 95)


def _clip(path: str, values: np.ndarray) -> np.ndarray:
    lo, hi = RANGES.get(path.split(".")[-1], (0.0, np.inf))
    return np.clip(values, lo, hi)


def draw(dist: Fordeling, n: int, rng: np.random.Generator) -> np.ndarray:
    """n independent draws from a distribution (before clipping to the input's range)."""
    if dist.fordeling == "normal":
        return rng.normal(dist.middel, dist.sd, n)
    lo, hi = float(dist.min), float(dist.max)
    if hi == lo:
        return np.full(n, lo)
    if dist.fordeling == "uniform":
        return rng.uniform(lo, hi, n)
    mode = float(dist.sandsynligst)
    if dist.fordeling == "trekant":
        return rng.triangular(lo, mode, hi, n)
    alpha = 1.0 + dist.form * (mode - lo) / (hi - lo)
    beta = 1.0 + dist.form * (hi - mode) / (hi - lo)
    return lo + (hi - lo) * rng.beta(alpha, beta, n)


def sensitivity(
    case: BusinessCase,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    scenario: str | None = None,
) -> pd.DataFrame:
    """A tornado table: the net present value with each input at its low and its high value,
    the others at the case's (or scenario's) values.

    `ranges`: input path -> (low, high); default from the case's distributions (min/max, or
    middel ± 1.96 sd for normal ones), without the inputs a scenario fixes. Values are clipped
    to the input's valid range. Columns: input, navn, grundvaerdi, lav, hoej,
    nutidsvaerdi_lav, nutidsvaerdi_hoej, nutidsvaerdi_grund, spaend (|høj − lav|); sorted
    with the widest bar first.
    """
    fixed = set(case.scenarier[scenario].vaerdier) if scenario in case.scenarier else set()
    case = with_scenario(case, scenario)
    if ranges is None:
        ranges = {p: d.bounds() for p, d in case.usikkerhed.items() if p not in fixed}
    base = float(npv(case)[0])
    rows = []
    for path, (low, high) in ranges.items():
        kind = input_kind(case, path)
        if kind == "float":
            low, high = _clip(path, np.array([low, high], dtype=float))
            at_low, at_high = npv(case, {path: np.array([low, high])})
        else:
            low, high = int(low), int(high)
            at_low = float(npv(with_values(case, {path: low}))[0])
            at_high = float(npv(with_values(case, {path: high}))[0])
        rows.append({
            "input": path,
            "navn": input_label(case, path),
            "grundvaerdi": get_value(case, path),
            "lav": float(low),
            "hoej": float(high),
            "nutidsvaerdi_lav": float(at_low),
            "nutidsvaerdi_hoej": float(at_high),
            "nutidsvaerdi_grund": base,
            "spaend": abs(float(at_high) - float(at_low)),
        })
    columns = ["input", "navn", "grundvaerdi", "lav", "hoej", "nutidsvaerdi_lav",
               "nutidsvaerdi_hoej", "nutidsvaerdi_grund", "spaend"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("spaend", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class MonteCarloResultat:
    """The distribution of the net present value over n draws of the uncertain inputs.

    nutidsvaerdi: array (n,) of NPVs; pr_niveau: niveau -> array (n,); traek: the drawn inputs
    (one column per input path); deterministisk: the NPV at the case's own values.
    """

    n: int
    seed: int | None
    scenarie: str | None
    nutidsvaerdi: np.ndarray
    pr_niveau: dict[str, np.ndarray]
    traek: pd.DataFrame
    deterministisk: float
    percentiler: pd.DataFrame = field(repr=False)

    @property
    def sandsynlighed_for_gevinst(self) -> float:
        """Share of draws with a net present value ≥ 0 (the case pays)."""
        return float(np.mean(self.nutidsvaerdi >= 0))

    @property
    def sandsynlighed_for_gevinst_kommune(self) -> float:
        """Share of draws where the municipality's own net present value is ≥ 0."""
        values = self.pr_niveau.get("kommune")
        return float("nan") if values is None else float(np.mean(values >= 0))

    @property
    def middel(self) -> float:
        """Mean net present value over the draws."""
        return float(np.mean(self.nutidsvaerdi))

    def percentil(self, p: float) -> float:
        """The p-th percentile (0–100) of the net present value."""
        return float(np.percentile(self.nutidsvaerdi, p))


def monte_carlo(
    case: BusinessCase,
    n: int = 10_000,
    seed: int | None = 0,
    scenario: str | None = None,
    fixed: Iterable[str] = (),
) -> MonteCarloResultat:
    """Simulate the net present value: draw each uncertain input n times and evaluate all draws
    as arrays. Same seed → same result.

    Inputs fixed by the scenario, or listed in `fixed` (e.g. set by a slider), keep their
    value and are not drawn. Draws are clipped to the input's valid range.
    """
    if n < 1:
        raise ValueError("Antallet af træk skal være mindst 1.")
    fixed = set(fixed) | (set(case.scenarier[scenario].vaerdier) if scenario in case.scenarier
                          else set())
    case = with_scenario(case, scenario)
    rng = np.random.default_rng(seed)
    draws = {
        path: _clip(path, draw(dist, n, rng))
        for path, dist in case.usikkerhed.items()
        if path not in fixed
    }
    compiled, pv = _line_pv(case, draws)
    values = np.broadcast_to(pv.sum(axis=1), (n,)).copy()
    by_payer = pv @ compiled.shares
    levels: dict[str, np.ndarray] = {}
    for j, payer in enumerate(compiled.payers):
        level = case.betalere[payer].niveau
        levels[level] = levels.get(level, 0.0) + np.broadcast_to(by_payer[:, j], (n,))
    table = pd.DataFrame(
        {"percentil": PERCENTILER, "nutidsvaerdi": np.percentile(values, PERCENTILER)}
    )
    return MonteCarloResultat(
        n=n,
        seed=seed,
        scenarie=scenario,
        nutidsvaerdi=values,
        pr_niveau=levels,
        traek=pd.DataFrame(draws),
        deterministisk=float(npv(case)[0]),
        percentiler=table,
    )
