"""report.png.figure_png: one draw gives the PNG savefig(bbox_inches="tight") gives.

Each kind of figure the views draw is saved both ways and compared: the same pixel size
(within 1 px each way) and the same content. The content may sit up to half a pixel apart
(savefig crops at a fraction of a pixel), so pixels are compared with a 1-pixel tolerance
and in 16 x 16 blocks: a missing legend or label is a block of large differences, antialiased
edges are not (on the 51 one-draw figures of a hilleroed run the worst block was 17.7, a legend
cut off 56 or more; see `test_a_cut_legend_is_caught`).
"""

from __future__ import annotations

import base64
import io
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import imread

from socialanalyse.report import png
from socialanalyse.report.display import figure_html
from socialanalyse.report.theme import theme

BLOCK = 16
#: Largest mean difference (0-255, 1-pixel tolerant) in a 16 x 16 block.
BLOCK_LIMIT = 30
#: Largest mean absolute difference per channel over the whole image.
MEAN_LIMIT = 3


@pytest.fixture(autouse=True)
def _theme():
    with mpl.rc_context():
        theme()
        png.COUNTS.clear()
        yield
        plt.close("all")


def pixels(data: bytes) -> np.ndarray:
    return (imread(io.BytesIO(data), format="png") * 255).round().astype(np.int16)


def differences(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(mean absolute difference per channel, worst 16 x 16 block of differences that no
    shift of b by up to 1 pixel explains)."""
    h, w = a.shape[:2]
    padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    tolerant = np.min([np.abs(a - padded[dy:dy + h, dx:dx + w]).max(axis=2)
                       for dy in range(3) for dx in range(3)], axis=0)
    hb, wb = h // BLOCK * BLOCK, w // BLOCK * BLOCK
    blocks = tolerant[:hb, :wb].reshape(hb // BLOCK, BLOCK, wb // BLOCK, BLOCK).mean(axis=(1, 3))
    return float(np.abs(a - b).mean()), float(blocks.max())


def assert_same_image(new: bytes, old: bytes) -> None:
    a, b = pixels(old), pixels(new)
    assert abs(a.shape[0] - b.shape[0]) <= 1 and abs(a.shape[1] - b.shape[1]) <= 1, (
        f"størrelse {b.shape[1]}x{b.shape[0]}, savefig {a.shape[1]}x{a.shape[0]}")
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    mean, block = differences(a[:h, :w], b[:h, :w])
    assert mean < MEAN_LIMIT and block < BLOCK_LIMIT, (mean, block)


LABELS = [f"Botilbud nr. {i}" for i in range(8)]


def legend_inside():
    fig, ax = plt.subplots()
    ax.plot([1, 3, 2], label="Udgift")
    ax.plot([2, 1, 3], label="Budget")
    ax.legend(loc="upper left")
    return fig


def legend_outside_right():
    fig, ax = plt.subplots(figsize=(7, 4))
    for i in range(3):
        ax.bar(LABELS, np.arange(8) + i, bottom=i * 8, label=f"Udgiftsart med et langt navn {i}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def rotated_tick_labels():
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar([f"Tilbud nr. {i}" for i in range(12)], range(12))
    ax.tick_params(axis="x", rotation=45)
    return fig


def suptitle_two_axes():
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax in axes:
        ax.plot([0, 1], [0, 2_000_000])
        ax.set_title("Udgift pr. år")
    fig.suptitle("Nøgletal for 2026", x=0.01, ha="left", fontweight="bold")
    fig.tight_layout()
    return fig


def constrained_layout():
    fig, axes = plt.subplots(2, 2, layout="constrained", figsize=(7, 5))
    for ax in axes.flat:
        ax.scatter([1, 2, 3], [3, 1, 2])
        ax.set_xlabel("Måned")
        ax.set_ylabel("Belagte pladser")
    axes[0, 1].legend(["Pladser"], loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def facet_grid():
    import pandas as pd
    import seaborn as sns

    df = pd.DataFrame({"aar": [2023, 2024, 2025] * 4, "udgift": range(12),
                       "paragraf": ["§ 85", "§ 107", "§ 108", "§ 110"] * 3})
    grid = sns.FacetGrid(df, col="paragraf", col_wrap=2, height=2.2)
    grid.map_dataframe(sns.lineplot, x="aar", y="udgift")
    return grid  # figure_html takes the grid (its .figure)


def content_inside():
    fig = plt.figure(figsize=(6, 4))
    ax = fig.add_axes((0.3, 0.3, 0.3, 0.3))  # far from every edge: the crop is inside
    ax.plot([1, 2, 3])
    return fig


def long_labels_left():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.barh([f"Længerevarende botilbud for voksne med særlige behov nr. {i}" for i in range(5)],
            range(5))
    return fig


def figure_legend_below():
    fig, axes = plt.subplots(1, 2, figsize=(8, 3))
    for ax in axes:
        ax.plot([1, 2, 3], label="Forventet")
        ax.plot([3, 2, 1], label="Budget")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncols=2,
               bbox_to_anchor=(0.5, -0.06))
    fig.tight_layout()
    return fig


def transparent_background():
    fig, ax = plt.subplots(facecolor="none")
    ax.plot([1, 2])
    ax.legend(["Linje"], loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


KINDS = [legend_inside, legend_outside_right, rotated_tick_labels, suptitle_two_axes,
         constrained_layout, facet_grid, content_inside, figure_legend_below,
         transparent_background]


@pytest.mark.parametrize("make", KINDS, ids=lambda f: f.__name__)
def test_one_draw_gives_savefigs_image(make):
    shown = make()
    fig = getattr(shown, "figure", shown)
    old = png.savefig_png(fig, 150)
    new = png.figure_png(fig, 150)
    assert png.COUNTS == {"én tegning": 1}
    assert_same_image(new, old)


def test_the_comparison_is_not_blind_to_small_shifts_of_whole_images():
    old = png.savefig_png(legend_outside_right(), 150)
    a = pixels(old)
    shifted = np.roll(a, 3, axis=1)  # everything 3 px to the right: not antialiasing
    assert differences(a, shifted)[1] > BLOCK_LIMIT


def test_a_cut_legend_is_caught():
    """The legend beside the axes lies beyond the figure: a plain draw of the figure, cropped
    and padded to savefig's size, misses it, and the comparison says so."""
    fig = legend_outside_right()
    old = pixels(png.savefig_png(fig, 150))
    fig.set_dpi(150)
    fig.canvas.draw()
    plain = np.asarray(fig.canvas.buffer_rgba()).astype(np.int16)
    cut = np.full_like(old, 255)
    h, w = min(old.shape[0], plain.shape[0]), min(old.shape[1], plain.shape[1])
    cut[:h, :w] = plain[:h, :w]  # the figure's own area, legend beyond it missing
    assert old.shape[1] > plain.shape[1]  # the legend does lie beyond the figure
    assert differences(old, cut)[1] > 2 * BLOCK_LIMIT


def test_content_beyond_the_canvas_is_drawn_again_on_a_larger_one(monkeypatch):
    monkeypatch.setattr(png, "REACH", dict.fromkeys(png.REACH, 0.0))
    fig = legend_outside_right()
    old = png.savefig_png(fig, 150)
    new = png.figure_png(fig, 150)
    assert png.COUNTS == {"to tegninger": 1}
    assert_same_image(new, old)


def test_long_labels_left_of_the_figure():
    fig = long_labels_left()
    old = png.savefig_png(fig, 150)
    new = png.figure_png(fig, 150)
    assert sum(png.COUNTS.values()) == 1 and "uden for lærredet" not in png.COUNTS
    assert_same_image(new, old)


def test_figure_png_changes_nothing():
    fig = constrained_layout()
    fig.set_dpi(72)
    before = png.savefig_png(fig, 150)
    state = (fig.dpi, tuple(fig.get_size_inches()), fig.get_layout_engine(), fig.canvas,
             fig.bbox.bounds, fig.transFigure.transform((1, 1)).tolist(),
             fig.patch.get_bbox().bounds, fig.get_facecolor())
    png.figure_png(fig, 150)
    assert (fig.dpi, tuple(fig.get_size_inches()), fig.get_layout_engine(), fig.canvas,
            fig.bbox.bounds, fig.transFigure.transform((1, 1)).tolist(),
            fig.patch.get_bbox().bounds, fig.get_facecolor()) == state
    assert plt.fignum_exists(fig.number)
    assert png.savefig_png(fig, 150) == before


def test_transparent_background_stays_transparent():
    new = pixels(png.figure_png(transparent_background(), 150))
    assert new[0, 0, 3] == 0 and new[..., 3].max() == 255


def _figure_legend(fig):
    fig.legend(["Linje"])  # against the figure's own bbox, which savefig moves to the crop


def _plain_figure():
    from matplotlib.figure import Figure

    fig = Figure()  # no pyplot: a FigureCanvasBase, which savefig swaps for Agg itself
    fig.add_subplot().plot([1, 2])
    return fig


@pytest.mark.parametrize(("change", "reason"), [
    (_figure_legend, "figurforklaring ved figurens kant"),
    (lambda fig: fig.figimage(np.ones((5, 5))), "figurbilleder"),
    (lambda fig: fig.patch.set(linewidth=2, edgecolor="black"), "figurramme"),
    (lambda fig: mpl.rcParams.update({"savefig.facecolor": "yellow"}), "savefig-farver"),
    (None, "ikke et Agg-lærred med 1 pixel pr. punkt"),
])
def test_what_one_draw_cannot_do_falls_back_to_savefig(change, reason):
    if change is None:
        fig = _plain_figure()
    else:
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        change(fig)
    assert png.figure_png(fig, 150) == png.savefig_png(fig, 150)
    assert png.COUNTS == {reason: 1}


def test_the_views_figures_in_the_benchmark(sample):
    """The real figures bench_figures times (kapacitet's and indkøb's, on the sample) agree
    with savefig, each from one draw."""
    from helpers import load_benchmark

    from socialanalyse import report
    from socialanalyse.config import load_parameters

    _, data = sample
    s = report.setup("eksempelkommune", "intern", data=data,
                     parametre=load_parameters("eksempelkommune"))
    for name, make in load_benchmark("bench_figures").figure_makers(s).items():
        fig = make()
        png.COUNTS.clear()
        new = png.figure_png(fig, 150)
        assert png.COUNTS == {"én tegning": 1}, name
        assert_same_image(new, png.savefig_png(fig, 150))


def test_figure_html_embeds_the_one_draw_png():
    grid = facet_grid()
    text = figure_html(grid, alt="Udgift pr. år for fire paragraffer")
    data = base64.b64decode(re.search(r'base64,([A-Za-z0-9+/=]+)"', text).group(1))
    assert png.COUNTS == {"én tegning": 1}
    assert_same_image(data, png.savefig_png(grid.figure, 150))


# --- the title placement skipped where it cannot move a title (png.titles_stay_put) ----------

def titled_kr_axes():
    from socialanalyse.report.theme import axis_kr

    fig, ax = plt.subplots()
    ax.plot([2020, 2021, 2022], [1_500_000, 2_500_000, 2_000_000])
    axis_kr(ax)
    ax.set_title("Udgift pr. år")
    ax.set_title("mio. kr.", loc="right")
    return fig


def titled_category_bars():
    fig, ax = plt.subplots()
    ax.barh(LABELS, range(8))
    ax.set_title("Pladser pr. botilbud")
    ax.set_xlabel("Pladser")
    return fig


def titled_ticks_on_top():  # as selvevaluering's heat map: the title must clear the labels
    fig, ax = plt.subplots()
    ax.imshow(np.arange(12).reshape(3, 4))
    ax.set_xticks(range(4), ["Anbefaling 1", "Anbefaling 2", "Anbefaling 3", "Anbefaling 4"])
    ax.xaxis.tick_top()
    ax.set_title("Status pr. anbefaling")
    return fig


def titled_offset_text():  # ScalarFormatter writes '1e7' where the title starts
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [12_000_000, 25_000_000, 18_000_000])
    ax.set_title("Udgift")
    return fig


def titled_twins():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    ax.twinx().plot([3, 2, 1], color="C1")
    ax.set_title("Antal og udgift")
    return fig


TITLED = [titled_kr_axes, titled_category_bars, titled_ticks_on_top, titled_offset_text,
          titled_twins, suptitle_two_axes, constrained_layout, legend_inside]


@pytest.mark.parametrize("make", TITLED, ids=lambda f: f.__name__)
def test_skipping_the_title_placement_changes_no_pixel(make, monkeypatch):
    fig = make()
    fast = png.figure_png(fig, 150)
    monkeypatch.setattr(png, "titles_stay_put", lambda ax: False)  # matplotlib's placement
    assert png.figure_png(fig, 150) == fast


@pytest.mark.parametrize(("make", "skipped"), [
    (titled_kr_axes, True), (titled_category_bars, True), (titled_ticks_on_top, False),
    (titled_offset_text, False), (titled_twins, False),
])
def test_which_titles_stay_put(make, skipped):
    assert png.titles_stay_put(make().axes[0]) is skipped


def test_a_title_matplotlib_lifts_would_be_wrong_if_not_lifted():
    """The comparison above can fail: kept at y = 1, the title over tick labels on top gives
    another image than matplotlib's placement."""
    fig = titled_ticks_on_top()
    placed = png.figure_png(fig, 150)
    ax = fig.axes[0]
    ax._autotitlepos = False
    ax._left_title.set_y(1.0)  # not lifted (the theme's titles are on the left)
    assert png.figure_png(fig, 150) != placed


def test_the_title_placement_is_restored():
    fig = titled_kr_axes()
    ax = fig.axes[0]
    ax._left_title.set_y(1.2)  # as a draw with something on top would have left it
    png.figure_png(fig, 150)
    assert ax._autotitlepos is True and ax._left_title.get_position()[1] == 1.2
