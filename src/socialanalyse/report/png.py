"""A figure as PNG bytes cropped to its content, drawn once.

`savefig(bbox_inches="tight")` draws a figure twice: a pass without output to run the layout
and find the tight box, then the real draw, cropped. That was the largest single cost of a
run (59 figures for hilleroed). `figure_png` draws once, on an Agg canvas that reaches
beyond the figure's edges (where a legend beside the axes, `bbox_to_anchor=(1.0, 1.0)`, or
long rotated tick labels end up), takes the tight box after that draw (the layout is cached
then), pads it like savefig does and crops. The result has savefig's pixel size; the content
can sit up to half a pixel differently (savefig's crop starts at a fraction of a pixel, ours
at a whole one), which no reader sees.

Matplotlib places an axes' title anew at every draw and tight box (Axes._update_title_position:
the tight boxes of the x axis and of every y tick label, to lift the title above anything at the
top); that was a tenth of a figure's CPU. Where nothing can reach above the axes' top
(`titles_stay_put`), the title stays at y = 1 whatever it measures, and the measuring is skipped
for our draw: the PNG is byte for byte the same.

A figure reaching further than the canvas is drawn once more on one as large as it needs. A
figure this cannot draw the same way falls back to savefig (counted in `COUNTS` by reason): a
canvas that is not Agg (or is scaled for a high-resolution screen), subfigures, a figure
legend placed against the figure's own edge, figure images, a figure frame, non-default
savefig colours.
"""

from __future__ import annotations

import contextlib
import io
from collections import Counter

import matplotlib as mpl
import numpy as np

#: How far the canvas reaches beyond the figure on each side, as a share of its width (left,
#: right) and height (bottom, top). Long category labels spill left, legends beside the axes
#: right, legends below and rotated tick labels down: the largest spills of the 59 figures of
#: a hilleroed run were 0.71, 0.40, 0.26 and 0.06. A figure reaching further is drawn a second
#: time on a canvas as large as it needs (two draws, as savefig).
REACH = {"left": 0.75, "right": 0.5, "bottom": 0.35, "top": 0.15}

#: zlib level of the PNGs. Pillow's default, 6, costs 2.03 s CPU for the 59 PNGs of a hilleroed
#: run, 3 costs 1.44 s (the row filters, not zlib, are the rest: 1 and 2 are no faster) for
#: 5 % more bytes (5.40 -> 5.68 MB); the pixels are the same.
PNG_COMPRESSION = 3

#: How figures were made in this process: "én tegning", "to tegninger" (a second draw on a
#: larger canvas) or, with savefig, the reason it was needed.
COUNTS: Counter[str] = Counter()


def savefig_png(fig, dpi: int) -> bytes:
    """The PNG savefig(bbox_inches="tight") makes: the reference `figure_png` matches."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _why_not_once(fig) -> str | None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rc = mpl.rcParams
    if not isinstance(fig.canvas, FigureCanvasAgg) or fig.canvas.device_pixel_ratio != 1:
        return "ikke et Agg-lærred med 1 pixel pr. punkt"
    if fig.subfigs:
        return "underfigurer"
    # A figure legend without bbox_to_anchor sits against the figure's bbox, which savefig
    # replaces by the cropped box and we by the enlarged canvas.
    if any(legend.get_bbox_to_anchor() is fig.bbox for legend in fig.legends):
        return "figurforklaring ved figurens kant"
    if fig.images:
        return "figurbilleder"
    if fig.patch.get_linewidth() > 0 and fig.patch.get_edgecolor()[3] > 0:
        return "figurramme"
    if rc["savefig.transparent"] or any(
            not (isinstance(rc[f"savefig.{p}"], str) and rc[f"savefig.{p}"] == "auto")
            for p in ("facecolor", "edgecolor")):
        return "savefig-farver"
    return None


def titles_stay_put(ax) -> bool:
    """True when matplotlib's automatic title placement leaves `ax`'s titles at y = 1 (the
    axes' top plus the title pad) whatever the draw measures: an automatically placed title,
    no child, twin or title-aligned axes, the x axis's tick labels, label and offset text at
    the bottom, and a y axis formatter without an offset text (matplotlib would lift the title
    above one it overlaps: ScalarFormatter's '1e6', a date formatter's offset)."""
    from matplotlib.ticker import Formatter, FuncFormatter

    if ax._autotitlepos is not True or ax.child_axes:
        return False
    aligned = getattr(ax.figure, "_align_label_groups", {}).get("title")
    if any(group is not None and len(group.get_siblings(ax)) > 1
           for group in (ax._twinned_axes, aligned)):
        return False
    x = ax.xaxis
    if (x.get_label_position() != "bottom" or x.offset_text_position != "bottom"
            or any(kw.get("label2On", True) for kw in (x._major_tick_kw, x._minor_tick_kw))):
        return False
    fmt = ax.yaxis.get_major_formatter()  # its offset text is set in the draw: by its kind
    offset = type(fmt).get_offset
    return offset is Formatter.get_offset or (
        offset is FuncFormatter.get_offset and not getattr(fmt, "offset_string", ""))


@contextlib.contextmanager
def _titles_put(fig):
    """The titles of the axes that `titles_stay_put` at y = 1, where matplotlib's placement
    would put them, without its measuring; as before afterwards."""
    put = [ax for ax in fig.axes if titles_stay_put(ax)]
    titles = [(t, t.get_position()) for ax in put
              for t in (ax.title, ax._left_title, ax._right_title)]
    try:
        for ax in put:
            ax._autotitlepos = False
        for t, (x, _) in titles:
            t.set_position((x, 1.0))
        yield
    finally:
        for ax in put:
            ax._autotitlepos = True
        for t, position in titles:
            t.set_position(position)


def _draw_enlarged(fig, dpi: int, pad: float, reach: dict[str, float]):
    """Draw `fig` once at `dpi` on a canvas reaching beyond its edges by `reach` (as REACH);
    return the RGBA buffer, the padded tight box (inches, in the canvas) and the figure's
    place on the canvas (pixels: left, bottom, width, height)."""
    from matplotlib.transforms import Bbox

    old_dpi = fig.dpi
    fig._set_dpi(dpi, forward=False)  # as savefig: no resize of a window
    figure_box, boxout = fig.bbox, fig.transFigure._boxout
    w, h = figure_box.width, figure_box.height
    left, bottom = round(w * reach["left"]), round(h * reach["bottom"])
    width = left + w + round(w * reach["right"])
    height = bottom + h + round(h * reach["top"])
    try:
        # The canvas (its size is fig.bbox's) grows; figure coordinates move by (left, bottom)
        # and keep their size, so the layout engine sees the same figure; the background
        # covers the whole canvas (savefig's covers its crop).
        fig.bbox = Bbox.from_bounds(0, 0, width, height)
        fig.transFigure._boxout = Bbox.from_bounds(left, bottom, w, h)
        fig.transFigure.invalidate()
        fig.patch.set_bounds(-left / w, -bottom / h, width / w, height / h)
        renderer = fig.canvas.get_renderer()
        renderer.clear()
        with _titles_put(fig):
            fig.draw(renderer)
            tight = fig.get_tightbbox(renderer)
        if tight is fig.bbox_inches:  # nothing drawn: the figure itself, not moved
            tight = tight.translated(left / dpi, bottom / dpi)
        tight = tight.padded(pad)
        rgba = np.asarray(renderer.buffer_rgba())
    finally:
        fig.bbox = figure_box
        fig.transFigure._boxout = boxout
        fig.transFigure.invalidate()
        fig.patch.set_bounds(0, 0, 1, 1)
        fig._set_dpi(old_dpi, forward=False)
    return rgba, tight, (left, bottom, w, h)


def _crop(rgba, tight, dpi: int):
    """Rows and columns of savefig's image in the canvas, or None if it reaches beyond it."""
    # savefig's canvas is the padded box, its size truncated to whole pixels.
    width = int(tight.width * dpi + 1e-8)
    height = int(tight.height * dpi + 1e-8)
    col = round(tight.x0 * dpi)
    row = round(rgba.shape[0] - height - tight.y0 * dpi)
    if col < 0 or row < 0 or col + width > rgba.shape[1] or row + height > rgba.shape[0]:
        return None
    return slice(row, row + height), slice(col, col + width)


def _reach_for(tight, place, dpi: int) -> dict[str, float]:
    """REACH grown to hold the padded tight box of a figure at `place`, with some room."""
    left, bottom, w, h = place
    spill = {"left": (left - tight.x0 * dpi) / w, "right": (tight.x1 * dpi - left - w) / w,
             "bottom": (bottom - tight.y0 * dpi) / h, "top": (tight.y1 * dpi - bottom - h) / h}
    return {side: max(REACH[side], spill[side] + 0.05) for side in REACH}


def figure_png(fig, dpi: int = 150) -> bytes:
    """The PNG of a matplotlib Figure cropped to its content plus savefig's padding, as
    `fig.savefig(..., dpi=dpi, bbox_inches="tight")` gives it, from one draw.

    Pure: the figure's dpi, size, layout and canvas are as before.
    """
    from matplotlib.image import imsave

    reason = _why_not_once(fig)
    if reason is not None:
        COUNTS[reason] += 1
        return savefig_png(fig, dpi)
    pad = mpl.rcParams["savefig.pad_inches"]
    rgba, tight, place = _draw_enlarged(fig, dpi, pad, REACH)
    crop = _crop(rgba, tight, dpi)
    if crop is None:
        rgba, tight, _ = _draw_enlarged(fig, dpi, pad, _reach_for(tight, place, dpi))
        crop = _crop(rgba, tight, dpi)
        if crop is None:  # the layout moved between the draws
            COUNTS["uden for lærredet"] += 1
            return savefig_png(fig, dpi)
        COUNTS["to tegninger"] += 1
    else:
        COUNTS["én tegning"] += 1
    buffer = io.BytesIO()
    # RGBA with savefig's metadata and dpi, by the function savefig itself writes PNGs with.
    imsave(buffer, rgba[crop], format="png", dpi=dpi,
           pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()
