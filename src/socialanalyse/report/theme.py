"""The plot theme and Danish axis formatters (decimal comma, thousand dots, kr., %)."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.ticker import FuncFormatter

from .format import tal

#: Colour-blind friendly palette used by all figures (seaborn 'colorblind').
PALETTE = "colorblind"
#: seaborn's 'colorblind' palette, and its six-colour version for the colour codes 'b', 'g' ...
COLORBLIND = ("#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4",
              "#949494", "#ECE133", "#56B4E9")
COLORBLIND6 = ("#0173B2", "#029E73", "#D55E00", "#CC78BC", "#ECE133", "#56B4E9")
FONT_SCALE = 1.05

# What seaborn's set_theme(style="whitegrid", context="notebook", palette="colorblind",
# font_scale=1.05) sets, with matplotlib alone: importing seaborn costs every kernel about
# 0.8 s of CPU (measured after pandas and matplotlib), and most notebooks draw without it.
# tests/test_theme.py checks every value against seaborn's.
_WHITEGRID = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15",
    "axes.axisbelow": True, "grid.linestyle": "-", "text.color": ".15",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "image.cmap": "rocket", "xtick.top": False, "ytick.right": False, "axes.grid": True,
    "axes.facecolor": "white", "axes.edgecolor": ".8", "grid.color": ".8",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
}
_NOTEBOOK = {
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.major.width": 1.25, "ytick.major.width": 1.25,
    "xtick.minor.width": 1, "ytick.minor.width": 1, "xtick.major.size": 6,
    "ytick.major.size": 6, "xtick.minor.size": 4, "ytick.minor.size": 4,
    # seaborn's "notebook" font sizes times the font scale
    **{k: size * FONT_SCALE for k, size in (
        ("font.size", 12), ("axes.labelsize", 12), ("axes.titlesize", 12),
        ("xtick.labelsize", 11), ("ytick.labelsize", 11), ("legend.fontsize", 11),
        ("legend.title_fontsize", 12))},
}
#: The project's own settings on top of the seaborn look.
OWN = {
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


def theme() -> None:
    """Apply the project's plot theme: seaborn's clean white grid with its colour-blind palette
    and readable font sizes (set with matplotlib alone), Danish decimals.

    Called by `report.setup`; safe to call again.
    """
    from matplotlib import cycler  # matplotlib's own (its dependency cycler's, validated)
    from matplotlib.colors import colorConverter, to_rgb

    from .colormaps import register_rocket

    register_rocket()  # the default image colormap below
    mpl.rcParams.update(_NOTEBOOK)
    mpl.rcParams.update(_WHITEGRID)
    mpl.rcParams["axes.prop_cycle"] = cycler("color", [to_rgb(c) for c in COLORBLIND])
    # seaborn's color_codes=True: 'b', 'g', 'r', ... are the palette's colours
    for code, color in zip("bgrmyck", [*COLORBLIND6, (0.1, 0.1, 0.1)], strict=True):
        colorConverter.colors[code] = to_rgb(color)
    mpl.rcParams.update(OWN)


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
