"""tools/compare_runs.py: two runs that show the same compare equal (run ids and timestamps
aside), and every kind of difference is found and makes the exit code 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from socialanalyse.report import write_workbook

TOOL = Path(__file__).resolve().parents[1] / "tools" / "compare_runs.py"
PAGE = ('<html><body><main><p>Kørsel 20261201-110331-intern, {stamp}: '
        '<span class="antal-borgere">{n}</span> borgere</p><img src="data:," alt="{alt}"/>'
        "</main></body></html>")


def make_run(folder: Path, *, n: int = 12, udgift: float = 1.5, cell: float = 1.0,
             stamp: str = "2026-12-01T11:03:31", alt: str = "Søjler", enhed: str = "borgere",
             run_id: str = "20261201-110331-intern") -> Path:
    run = folder / run_id
    (run / "html").mkdir(parents=True)
    results = {"00_a": {"antal": n, "udgift": udgift},
               "_meta": {"00_a": {"antal": {"label": "Antal", "enhed": enhed}}}}
    (run / "results.json").write_text(json.dumps(results), encoding="utf-8")
    page = PAGE.format(stamp=stamp, n=n, alt=alt).replace("20261201-110331-intern", run_id)
    (run / "html" / "00_a.html").write_text(page, encoding="utf-8")
    write_workbook({"Ark": pd.DataFrame({"x": [cell, 2.0]})}, run / "excel" / "a.xlsx")
    return run


def compare(a: Path, b: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), str(a), str(b), *options],
                          capture_output=True, text=True, check=False)


def test_the_same_outputs_with_other_run_ids_and_times_are_equal(tmp_path):
    a = make_run(tmp_path / "a")
    b = make_run(tmp_path / "b", run_id="20261202-090000-intern", stamp="2026-12-02T09:00:00")
    done = compare(a, b)
    assert done.returncode == 0, done.stdout
    assert "Ingen forskelle / no differences." in done.stdout
    assert "1 Excel-filer, 1 ark, 3 celler, 1 HTML-sider" in done.stdout


def test_every_kind_of_difference_is_found(tmp_path):
    a = make_run(tmp_path / "a")
    b = make_run(tmp_path / "b", n=13, udgift=1.5000001, cell=1.5, alt="Linjer", enhed="tal")
    done = compare(a, b)
    assert done.returncode == 1
    out = done.stdout
    assert "00_a.antal: 12 -> 13" in out and "00_a.udgift: 1.5 -> 1.5000001" in out
    assert "_meta 00_a.antal: {'label': 'Antal', 'enhed': 'borgere'} -> " in out
    assert "Ark!A2: 1 -> 1.5" in out
    assert "tekst / text: +Kørsel <kørsels-id>, <tidspunkt>: 13 borgere" in out
    assert "alt-tekst: +Linjer" in out
    # a field of _meta can be left out of the comparison
    assert "_meta" not in compare(a, b, "--ignore-meta", "enhed").stdout.split("forskelle")[-1]


def test_a_file_in_one_run_only_and_a_folder_that_is_no_run(tmp_path):
    a = make_run(tmp_path / "a")
    b = make_run(tmp_path / "b")
    (b / "excel" / "a.xlsx").unlink()
    done = compare(a, b)
    assert done.returncode == 1 and "excel/a.xlsx: 1" in done.stdout
    assert compare(a, tmp_path).returncode == 2
