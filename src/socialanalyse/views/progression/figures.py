"""Figures of notebook 02_effekt_og_progression. Each function returns a matplotlib figure;
`report.figure(fig, alt=...)` shows it. VUM levels: lower is better, said on every axis."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ... import report
from ...progression import hide_small_shares
from ...progression.duration import DAYS_PER_MONTH
from ...progression.estimates import Estimate
from ...report.format import tal
from ...report.theme import axis_pct, axis_tal

COLOURS = {"progression": "#2a7f62", "stabil": "#9db4cc", "regression": "#c0504d"}
GROUP_COLOURS = {"indsats": "#1f4e79", "sammenligning": "#e08a2c", "før": "#e08a2c",
                 "efter": "#1f4e79", "alle": "#1f4e79"}
LEVEL_AXIS = "Gennemsnitligt VUM-niveau (lavere = bedre)"
#: The counts of a table of progression shares (`progression.progression_by`): citizens.
SHARE_COUNTS = {"antal_borgere": "borgere", "antal_progression": "borgere",
                "antal_stabil": "borgere", "antal_regression": "borgere"}


def shares_figure(shares: pd.DataFrame, by: str, title: str, min_antal: int = 1):
    """Stacked horizontal bars of the shares progression / stabil / regression per group
    (`progression.progression_by`). Groups with fewer than `min_antal` citizens, or with a
    blanked share (`progression.hide_small_shares`), are left out and counted in a note."""
    keep = (shares["antal_borgere"] >= min_antal) & shares[
        ["andel_progression", "andel_stabil", "andel_regression"]
    ].notna().all(axis=1)
    data = shares[keep].sort_values("andel_progression")
    dropped = int((~keep).sum())
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(data), 3) + 1.2))
    labels = data[by].astype(str).tolist()
    left = np.zeros(len(data))
    for kind in ("progression", "stabil", "regression"):
        values = data[f"andel_{kind}"].fillna(0).to_numpy()
        ax.barh(labels, values, left=left, color=COLOURS[kind], label=kind.capitalize())
        left += values
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    axis_pct(ax, "x")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)
    if dropped:
        ax.set_xlabel(
            f"{dropped} {'gruppe' if dropped == 1 else 'grupper'} med små tal (under "
            f"{min_antal} borgere) er udeladt.",
            fontsize="small", labelpad=28,
        )
    return fig


def trajectory_figure(traj: pd.DataFrame, by: str | None, title: str, min_antal: int = 1):
    """Mean level by months since the first assessment (`progression.trajectories`), one line
    per group; points resting on fewer than `min_antal` citizens are left out."""
    data = traj[traj["antal_borgere"] >= min_antal]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    groups = [(None, data)] if by is None else list(data.groupby(by, sort=True))
    for name, d in groups:
        ax.plot(d["maaneder"], d["gennemsnit"], marker="o",
                label=None if name is None else str(name).capitalize(),
                color=COLOURS.get(str(name), GROUP_COLOURS.get(str(name))))
    ax.set_title(title)
    ax.set_xlabel("Måneder efter første vurdering")
    ax.set_ylabel(LEVEL_AXIS)
    axis_tal(ax, "y", 1)
    if by is not None:
        ax.legend()
    return fig


def did_figure(celler: pd.DataFrame, did: Estimate, udfald: str):
    """The difference in differences as a picture: mean level before and after for the two
    groups (`progression.did_means`), and dashed, where the intervention group would have
    ended had it followed the comparison group."""
    c = celler.set_index(["gruppe", "periode"])["gennemsnit"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = [0, 1]
    for gruppe, label in (("sammenligning", "Sammenligningsgruppe"), ("indsats", "Indsats")):
        ax.plot(x, [c[(gruppe, "før")], c[(gruppe, "efter")]], marker="o", linewidth=2.5,
                color=GROUP_COLOURS[gruppe], label=label)
    expected = c[("indsats", "før")] + c[("sammenligning", "efter")] - c[("sammenligning", "før")]
    ax.plot(x, [c[("indsats", "før")], expected], linestyle="--", color=GROUP_COLOURS["indsats"],
            alpha=0.6, label="Indsats uden effekt (som sammenligningsgruppen)")
    ax.annotate(
        f"Effekt {tal(did.estimate, 2)}\n({tal(did.ci_low, 2)} til {tal(did.ci_high, 2)})",
        xy=(1, (expected + c[("indsats", "efter")]) / 2), xytext=(1.06, 0),
        textcoords="offset fontsize", va="center",
    )
    ax.set_xticks(x, ["Før", "Efter"])
    ax.set_xlim(-0.2, 1.5)
    ax.set_ylabel(LEVEL_AXIS)
    ax.set_title(f"Forskel-i-forskelle: {udfald}")
    axis_tal(ax, "y", 1)
    ax.legend(loc="best", fontsize="small")
    return fig


def estimates_figure(estimates: Mapping[str, Estimate], kriterie: float | None = None,
                     enhed: str = "niveau"):
    """Effect estimates with their confidence intervals side by side (a forest plot), with
    the line of no effect and, if given, the success criterion (−kriterie: lower = better)."""
    names = list(estimates)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1.5))
    for y, name in enumerate(names):
        e = estimates[name]
        ax.errorbar(e.estimate, y, xerr=[[e.estimate - e.ci_low], [e.ci_high - e.estimate]],
                    fmt="o", color="#1f4e79", capsize=4)
    ax.axvline(0, color="black", linewidth=1)
    if kriterie:
        ax.axvline(-kriterie, color="#2a7f62", linestyle="--", linewidth=1,
                   label=f"Succeskriterie ({tal(-kriterie, 2)} {enhed})")
        ax.legend(loc="lower right", fontsize="small")
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"Ændring i {enhed} (negativ = forbedring)")
    ax.set_title("Effektestimater med 95 %-konfidensinterval")
    axis_tal(ax, "x", 1)
    ax.grid(axis="y", visible=False)
    return fig


def survival_figure(kurver: pd.DataFrame, medianer: pd.DataFrame, paragraf: str,
                    min_antal: int = 1):
    """Kaplan–Meier curves (`progression.survival_curves`): the share still in the offer by
    months since the start, with pointwise intervals, per group; medians in the legend.
    Groups with fewer than `min_antal` stays are left out (byråd)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    med = medianer.set_index("gruppe")["median_maaneder"]
    enough = set(medianer.loc[medianer["antal_forloeb"] >= min_antal, "gruppe"])
    present = set(kurver["gruppe"]) & enough
    order = [g for g in ("før", "efter", "alle") if g in present]
    order += sorted(present - set(order))
    for gruppe in order:
        d = kurver[kurver["gruppe"] == gruppe]
        months = d["dage"] / DAYS_PER_MONTH
        m = med.get(gruppe, np.nan)
        median = "ikke nået" if pd.isna(m) else f"{tal(m, 1)} mdr."
        label = {"før": "Startet før", "efter": "Startet efter"}.get(gruppe, str(gruppe))
        colour = GROUP_COLOURS.get(gruppe)
        ax.step(months, d["andel_stadig_i_tilbud"], where="post", color=colour,
                label=f"{label} (median {median})")
        ax.fill_between(months, d["ci_lav"], d["ci_hoej"], step="post", alpha=0.15, color=colour)
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Måneder efter start")
    ax.set_ylabel("Andel stadig i tilbuddet")
    ax.set_title(f"Varighed i {paragraf} (Kaplan–Meier)")
    axis_pct(ax, "y")
    ax.legend()
    return fig


def monthly_count_figure(monthly: pd.DataFrame, column: str, start: pd.Timestamp,
                         title: str, ylabel: str, bars: bool = True):
    """A monthly count (`progression.monthly_counts`) as bars, with the start marked and the
    average per month before and after drawn as lines. bars=False (byråd, where a month's
    count may be small) draws the averages only."""
    s = pd.Timestamp(start)
    fig, ax = plt.subplots(figsize=(9, 4))
    if bars:
        ax.bar(monthly["periode"], monthly[column], width=25, color="#9db4cc")
    ax.set_ylim(bottom=0)
    for part, colour in ((monthly[monthly["periode"] < s], "#e08a2c"),
                         (monthly[monthly["periode"] >= s], "#1f4e79")):
        if len(part):
            mean = part[column].mean()
            ax.hlines(mean, part["periode"].min(), part["periode"].max(), color=colour,
                      linewidth=2.5, label=f"Gennemsnit {tal(mean, 1)} pr. måned")
    ax.axvline(s, color="black", linestyle="--", linewidth=1)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    axis_tal(ax, "y")
    ax.legend(fontsize="small")
    return fig


def show_shares(shares: pd.DataFrame, by: str | None, title: str, alt: str | None = None) -> None:
    """Show progression shares (per group `by`, or overall with by=None) as a table and, with
    an `alt` text, a figure. In byråd mode the counts are suppressed (`show_table`), the
    shares of suppressed counts blanked (`progression.hide_small_shares`) and small groups
    left out of the figure."""
    from ...report.session import current_or_none

    session = current_or_none()
    byraad = bool(session and session.byraad)
    threshold = session.diskretion if session else 5
    table = hide_small_shares(shares, threshold) if byraad else shares
    counts = {c: kind for c, kind in SHARE_COUNTS.items() if c in table.columns}
    shares_cols = [c for c in table.columns if c.startswith("andel_")]
    report.show_table(table, title, counts=counts, pct=shares_cols)
    if by is not None and alt:
        report.figure(shares_figure(table, by, title, min_antal=threshold if byraad else 1),
                      alt=alt)
