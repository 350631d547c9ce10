"""CPU per figure: savefig(bbox_inches="tight") against report.png.figure_png (one draw).

Real view figures of one municipality (kapacitet's and indkøb's: a heat map, horizontal bars
with long labels spilling left, legends beside and below the axes, a figure legend with a
suptitle and tight_layout). Each figure is made afresh for every measurement (a figure is saved
once in a run), both ways in turn; prints the median CPU seconds of each, the saving and how
figure_png made it ("én tegning", "to tegninger" or savefig's reason).

    SOCIALANALYSE_HOME=/tmp/nat/projekt .venv/bin/python benchmarks/bench_figures.py \
        --kommune hilleroed [--gentag 7]
"""

from __future__ import annotations

import argparse
import statistics
import time


def figure_makers(s) -> dict[str, object]:
    """Name -> a function returning a new figure, as the notebooks 06 and 07 draw them from
    the report session `s`'s data."""
    from socialanalyse import indkoeb, kapacitet
    from socialanalyse.views import indkoeb as iview
    from socialanalyse.views import kapacitet as kview
    from socialanalyse.views.indkoeb import figures as ifig

    ind = kview.settings(s.parametre, None, None)
    bel = kapacitet.occupancy(s.data, ind=ind)
    trappe = kapacitet.staircase(s.data, ind=ind)
    behov = kapacitet.capacity_need(s.data, ind, kview.forecast(s.data, s.parametre))
    andele, samlet = kview.self_sufficiency(s.data, s.parametre, ind)
    lev = indkoeb.supplier_overview(s.data)
    til = iview.opgoerelsesdato(s.data)
    return {
        "belægning (varmekort)": lambda: kview.occupancy_figure(bel),
        "tomme pladser (vandrette søjler)": lambda: kview.empty_cost_figure(bel),
        "selvforsyning (forklaring til højre)": lambda: kview.self_sufficiency_figure(
            andele, samlet),
        "indsatstrappe (forklaring til højre)": lambda: kview.staircase_figure(trappe),
        "skift (forklaring under)": lambda: kview.flows_figure(trappe, kview.flows_year(trappe)),
        "behov (figurforklaring, 2 akser)": lambda: kview.need_figure(
            behov, kview.need_paragraphs(behov, ind)),
        "udgift pr. leverandørtype": lambda: ifig.spend_by_type_figure(lev, til),
        "paretokurve": lambda: ifig.pareto_figure(lev),
    }


def cpu(make, save) -> float:
    import matplotlib.pyplot as plt

    fig = make()
    start = time.process_time()
    save(fig)
    seconds = time.process_time() - start
    plt.close(fig)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommune", default="eksempelkommune")
    parser.add_argument("--gentag", type=int, default=7, help="målinger pr. figur og måde")
    args = parser.parse_args()

    from socialanalyse import report
    from socialanalyse.report import png
    from socialanalyse.report.display import FIGURE_DPI

    makers = figure_makers(report.setup(args.kommune, "intern", None, notebook="07_kapacitet"))
    print(f"CPU-sekunder pr. figur ({args.kommune}, {FIGURE_DPI} dpi, median af {args.gentag})")
    print(f"{'figur':<38}{'savefig':>8}{'én gang':>9}{'sparet':>8}  lavet som")
    total_old = total_new = 0.0
    for name, make in makers.items():
        old, new = [], []
        png.COUNTS.clear()
        for _ in range(args.gentag):  # in turn, so a load on the machine hits both alike
            old.append(cpu(make, lambda fig: png.savefig_png(fig, FIGURE_DPI)))
            new.append(cpu(make, lambda fig: png.figure_png(fig, FIGURE_DPI)))
        o, n = statistics.median(old), statistics.median(new)
        total_old, total_new = total_old + o, total_new + n
        how = ", ".join(sorted(png.COUNTS))
        print(f"{name:<38}{o:>8.3f}{n:>9.3f}{1 - n / o:>8.0%}  {how}")
    print(f"{'i alt':<38}{total_old:>8.3f}{total_new:>9.3f}{1 - total_new / total_old:>8.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
