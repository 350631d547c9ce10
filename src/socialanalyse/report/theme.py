"""The plot theme and Danish axis formatters (decimal comma, thousand dots, kr., %)."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.ticker import FuncFormatter

from .format import tal

#: Colour-blind friendly palette used by all figures (seaborn 'colorblind').
PALETTE = "colorblind"


def theme() -> None:
    """Apply the project's plot theme: clean white grid, readable font sizes, Danish decimals.

    Called by `report.setup`; safe to call again.
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", palette=PALETTE, font_scale=1.05)
    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.5),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "axes.titlesize": "large",
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.family": "sans-serif",
            # Axes show Danish numbers only through axis_tal/axis_kr/axis_pct: the system's
            # locale is not relied on (a da_DK locale is often missing on servers).
            "axes.formatter.use_locale": False,
            "axes.unicode_minus": False,
        }
    )


def _axis(ax, axis: str):
    if axis not in ("x", "y"):
        raise ValueError("axis skal være 'x' eller 'y'")
    return ax.xaxis if axis == "x" else ax.yaxis


def axis_tal(ax, axis: str = "y", decimaler: int = 0) -> None:
    """Tick labels as Danish numbers: 1.234.567 or 12,5."""
    _axis(ax, axis).set_major_formatter(FuncFormatter(lambda x, _pos: tal(x, decimaler)))


def axis_kr(ax, axis: str = "y", mio: bool | None = None, decimaler: int | None = None) -> None:
    """Tick labels in kroner: '1.234.567 kr.' or, for large amounts, '12,5 mio. kr.'.

    mio=None chooses millions when the axis reaches one million; in millions, decimaler=None
    shows whole millions when the axis spans 10 million or more, else one decimal.
    """
    target = _axis(ax, axis)
    lo, hi = (ax.get_xlim() if axis == "x" else ax.get_ylim())
    if mio is None:
        mio = max(abs(lo), abs(hi)) >= 1e6
    # Whole millions once the axis spans 10 million or more (ticks are then whole anyway).
    mio_places = decimaler if decimaler is not None else (0 if abs(hi - lo) >= 1e7 else 1)

    def fmt(x, _pos):
        if mio:
            return f"{tal(x / 1e6, mio_places)} mio. kr."
        return f"{tal(x, 0 if decimaler is None else decimaler)} kr."

    target.set_major_formatter(FuncFormatter(fmt))


def axis_pct(ax, axis: str = "y", decimaler: int = 0, andel: bool = True) -> None:
    """Tick labels as Danish percentages: '12 %'. andel=True: the data are shares (0.12)."""
    factor = 100 if andel else 1
    _axis(ax, axis).set_major_formatter(
        FuncFormatter(lambda x, _pos: f"{tal(x * factor, decimaler)} %")
    )
