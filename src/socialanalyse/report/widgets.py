"""The widget layout every panel uses (notebooks 01–04): controls in rows with a fixed label
width, tracks that fill the rest, and a Danish readout (`25 %`, `1,0 mio. kr.`) in place of
ipywidgets' own (`0.25`, `1e+06`), which cannot be formatted in Danish.

`slider_row` wraps a slider: its own readout is hidden and a Label (class `sa-readout`) beside
the track shows the value through a formatter, kept in step on every change. The static HTML
export (`report.html.static_widgets`) reads that label, so the HTML names the setting as it
was shown. `control_style` / `control_layout` give drop-downs and check boxes the same label
width so they line up with the sliders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Width of the description in front of every control, so the tracks start in one line.
LABEL_WIDTH = "26em"
#: Width of the Danish readout after a slider's track.
READOUT_WIDTH = "9em"
#: Class of the readout label (read by the static HTML export and the browser test).
READOUT_CLASS = "sa-readout"


def control_style() -> dict[str, str]:
    """The style of a control's description: the shared fixed width."""
    return {"description_width": LABEL_WIDTH}


def control_layout(**extra: str) -> Any:
    """A control that fills its row (the description keeps `LABEL_WIDTH`)."""
    import ipywidgets as w

    return w.Layout(width="100%", max_width="60em", **extra)


def slider_row(slider: Any, fmt: Callable[[Any], str]) -> Any:
    """A slider in a row with its value as Danish text: the slider's own readout hidden, its
    description given the shared width, the track filling the rest and a label showing
    `fmt(value)` after it. Returns the row (an HBox; `row.children[0]` is the slider)."""
    import ipywidgets as w

    slider.readout = False
    slider.style.description_width = LABEL_WIDTH
    slider.layout.width = "auto"
    slider.layout.flex = "1 1 auto"
    readout = w.Label(fmt(slider.value), layout=w.Layout(width=READOUT_WIDTH,
                                                          min_width=READOUT_WIDTH))
    readout.add_class(READOUT_CLASS)

    def show(change: dict) -> None:
        readout.value = fmt(change["new"])

    slider.observe(show, names="value")
    return w.HBox([slider, readout], layout=control_layout(align_items="center"))
