"""The plot theme without seaborn (issue 18: seaborn's import costs every kernel about 1.6 s
of CPU) looks exactly like seaborn's set_theme it replaces: every rcParam, the colour codes
and the 'rocket' default colormap."""

import importlib
import os
import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pytest

from socialanalyse.report.colormaps import ROCKET_LUT

theme = importlib.import_module("socialanalyse.report.theme")  # report.theme is the function

sns = pytest.importorskip("seaborn")


def _rc_after(apply) -> dict:
    with mpl.rc_context():
        mpl.rcdefaults()
        sns.set_color_codes("reset")
        apply()
        codes = {c: mpl.colors.colorConverter.colors[c] for c in "bgrmyck"}
        return {**dict(mpl.rcParams), **{f"farvekode {c}": v for c, v in codes.items()}}


def _seaborn_theme():
    # what theme() did before: seaborn's theme, then the project's own settings
    sns.set_theme(style="whitegrid", context="notebook", palette=theme.PALETTE,
                  font_scale=theme.FONT_SCALE)
    mpl.rcParams.update(theme.OWN)


def test_every_rcparam_and_colour_code_is_the_same_as_with_seaborns_theme():
    ours, seaborns = _rc_after(theme.theme), _rc_after(_seaborn_theme)
    assert ours.keys() == seaborns.keys()
    differ = {k: (ours[k], seaborns[k]) for k in ours if ours[k] != seaborns[k]}
    assert differ == {}
    # the theme really changed something: seaborn's look and the project's own
    assert ours["axes.edgecolor"] == ".8" and ours["xtick.labelsize"] == pytest.approx(11.55)
    assert ours["image.cmap"] == "rocket" and ours["axes.titlesize"] == "large"
    assert ours["farvekode b"] == (1 / 255, 115 / 255, 178 / 255)  # #0173B2


def test_the_theme_does_not_depend_on_what_was_set_before():
    def after_user_changes():
        mpl.rcParams.update({"axes.grid": False, "grid.color": "red", "font.size": 20})
        theme.theme()

    assert _rc_after(after_user_changes) == _rc_after(theme.theme)


def test_rocket_is_seaborns_colormap():
    assert [list(rgb) for rgb in ROCKET_LUT] == sns.cm._rocket_lut
    x = np.linspace(0, 1, 300)
    for name in ("rocket", "rocket_r"):
        assert np.array_equal(mpl.colormaps[name](x), getattr(sns.cm, name)(x))


def test_the_theme_works_without_seaborn_and_draws_with_rocket():
    code = (
        "import sys, matplotlib; matplotlib.use('agg')\n"
        "import matplotlib.pyplot as plt, numpy as np\n"
        "from socialanalyse.report.theme import theme\n"
        "theme()\n"
        "img = plt.imshow(np.arange(4).reshape(2, 2))\n"
        "print(img.get_cmap().name, [float(x) for x in img.get_cmap()(0.0)[:3]], 'seaborn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "agg"}).stdout.split()
    assert out[0] == "rocket"
    assert out[-1] == "False"
    assert " ".join(out[1:4]) == "[0.01060815, 0.01808215, 0.10018654]"
