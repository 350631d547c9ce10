"""Issue 20 on the synthetic municipality: three monthly meetings' filled review lists
(servicetjek_meetings.write_meetings, as a user fills them) read by a scheduled run whose
municipality's parameters name the folder; the memory and the accumulated savings on them;
and misspelt or missing decisions folders stopping the run before anything starts."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from openpyxl import load_workbook
from run_support import NOTEBOOKS, cli, make_project, own_parameters
from servicetjek_meetings import PROGRAMSTART, write_meetings

from socialanalyse import cli as cli_module
from socialanalyse import config, report, servicetjek
from socialanalyse.data import Data, load
from socialanalyse.runner import build_plan

FOLDER = "data/eksempelkommune/beslutninger"


@pytest.fixture(scope="module")
def programme(tmp_path_factory):
    """The small sample as a project whose parameters name the decisions folder, with the
    three meetings' lists in it: (root, params, data, Meetings)."""
    root = make_project(tmp_path_factory.mktemp("program") / "projekt")
    own_parameters(root, servicetjek={"beslutninger": FOLDER, "programstart": PROGRAMSTART})
    params = config.load_parameters("eksempelkommune", root=root)
    data = load(params)
    meetings = write_meetings(root / FOLDER, data, params)
    return root, params, data, meetings


def test_three_meetings_with_one_grant_decided_twice(programme):
    _, params, data, m = programme
    assert [p.name for p in m.files] == ["2026-06_gennemgangsliste.xlsx",
                                         "2026-07_gennemgangsliste.xlsx",
                                         "2026-08_gennemgangsliste.xlsx"]
    b = servicetjek.read_decision_folder(servicetjek.decision_folder(params), data)
    assert b.gentagne["bevilling_id"].tolist() == [m.twice]
    now = b.gaeldende.set_index("bevilling_id")
    assert now.loc[m.twice, "beslutning"] == "justeret"  # the latest decision wins
    assert now.loc[m.twice, "fil"] == "2026-08_gennemgangsliste.xlsx"
    assert now.loc[m.twice, "nyt_omfang"] == pytest.approx(now.loc[m.twice, "omfang"] / 2)
    assert len(b.gaeldende) == m.decided["bevilling_id"].nunique()
    assert b.ukendte.empty and b.modstrid.empty


def test_a_grant_decided_unchanged_last_month_comes_back_only_when_its_price_rose(programme):
    _, params, data, _ = programme
    b = servicetjek.read_decision_folder(servicetjek.decision_folder(params), data)
    liste = servicetjek.prioritize(servicetjek.screen(data, params))
    last = b.gaeldende[(b.gaeldende["beslutning"] == "uændret")
                       & (b.gaeldende["fil"] == "2026-08_gennemgangsliste.xlsx")]
    flagged = last[last["bevilling_id"].isin(liste["bevilling_id"])]
    grant = flagged["bevilling_id"].iloc[0]
    h = servicetjek.remember(liste, b, data, params)
    assert grant not in set(h.liste["bevilling_id"]) and grant in set(h.udeladt["bevilling_id"])
    counts = h.antal.set_index("status")["antal_bevillinger"]
    assert counts["udeladt: besluttet inden for 12 måneder, intet nyt"] == len(h.udeladt) > 0
    assert len(h.liste) + len(h.udeladt) == len(liste)  # nothing disappears silently
    bev = data.bevillinger.copy()
    bev.loc[bev["bevilling_id"] == grant, "enhedspris"] *= 1.10
    risen = Data(**{**{f: getattr(data, f) for f in data.__dataclass_fields__},
                    "bevillinger": bev})
    again = servicetjek.remember(liste, b, risen, params).liste.set_index("bevilling_id")
    assert again.loc[grant, "status"] == "igen: prisen er steget"


@pytest.mark.slow
@pytest.mark.parametrize("publikum", ["intern", "byraad"])
def test_a_scheduled_run_reads_the_folder_of_the_municipality_s_parameters(programme, tmp_path,
                                                                            publikum):
    root, params, data, m = programme
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in m.files}
    done = cli("run", "--kommune", "eksempelkommune", "--root", str(root), "--notebooks-dir",
               str(NOTEBOOKS), "--notebook", "01", "--publikum", publikum, "--out",
               str(tmp_path), "--quiet")
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = (tmp_path / "eksempelkommune").glob(f"*-{publikum}")
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in m.files} == before
    recorded = report.load_results(run)["01_servicetjek"]
    page = (run / "html" / "01_servicetjek.html").read_text("utf-8")
    b = servicetjek.read_decision_folder(root / FOLDER, data)
    real = servicetjek.realized_savings(b.gaeldende, data, params)
    # The accumulated savings: every decision in force since the start, 1/12 of its annual
    # saving for each month from its first month to the reference month (October 2026).
    per = real.pr_bevilling.dropna(subset=["virkning_fra"])
    months = (2026 * 12 + 10) - (per["virkning_fra"].dt.year * 12 + per["virkning_fra"].dt.month
                                 ) + 1
    by_hand = float((per["aarlig_besparelse"] / 12 * months.clip(lower=0)).sum())
    assert recorded["realiseret_til_dato"] == pytest.approx(by_hand) == pytest.approx(
        real.realiseret)
    assert by_hand > 0
    assert real.pr_maaned["maaned"].iloc[0] == pd.Timestamp(PROGRAMSTART)
    assert "Besparelser måned for måned" in page or "måned for måned" in page
    if publikum == "byraad":
        assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
        assert report.check_byraad_results(report.load_results(run), 5) == []
        assert not (run / "excel").exists() or not any((run / "excel").iterdir())
        return
    assert recorded["antal_beslutninger"] == len(b.gaeldende)
    assert recorded["antal_udeladt"] > 0
    assert recorded["antal_paa_listen"] + recorded["antal_udeladt"] == recorded[
        "antal_bevillinger_markeret"]
    assert "besluttet mere end én gang" in page and m.twice in page
    liste = load_workbook(run / "excel" / "servicetjek_gennemgangsliste.xlsx")["Gennemgangsliste"]
    header = [c.value for c in liste[1]]
    assert header[:3] == ["Prioritet", "Status", "Sidste beslutning"]
    assert liste.max_row - 1 == recorded["antal_paa_listen"]
    pack = load_workbook(run / "excel" / "servicetjek_moedepakke.xlsx")
    afdelinger = sorted(data.bevillinger["afdeling"].unique())
    assert set(pack.sheetnames) <= set(afdelinger) and len(pack.sheetnames) > 1
    for ws in pack.worksheets:  # this month's cases, in priority order, at most 15 each
        col = [c.value for c in ws[1]].index("Prioritet") + 1
        order = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
        assert order == sorted(order) and 0 < len(order) <= 15


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "projekt", sample=False)
    (root / "notebooks").mkdir()
    for path in NOTEBOOKS.glob("*.ipynb"):
        (root / "notebooks" / path.name).write_bytes(path.read_bytes())
    return root


def test_a_misspelt_or_missing_decisions_folder_stops_the_run_naming_file_and_key(project,
                                                                                   capsys):
    args = ["run", "--kommune", "eksempelkommune", "--root", str(project)]
    path = own_parameters(project, servicetjek={"beslutningr": FOLDER})
    assert cli_module.main(args) == 2
    err = capsys.readouterr().err
    assert "Kørslen er ikke startet" in err
    assert f"{path}: nøglen 'servicetjek.beslutningr' ukendt nøgle" in err
    path.write_text(path.read_text("utf-8").replace("beslutningr", "beslutninger"), "utf-8")
    assert cli_module.main(args) == 2
    err = capsys.readouterr().err
    assert (f"{path}: nøglen 'servicetjek.beslutninger': mappen med beslutninger "
            f"{project / FOLDER} findes ikke") in err
    assert not (project / "output").exists()
    (project / FOLDER).mkdir()  # with the folder in place, the run can be planned
    assert build_plan(["eksempelkommune"], root=project).jobs
    assert cli_module.main([*args, "--parameter", "01:beslutninger=andet/sted"]) == 2
    assert (f"--parameter 01_servicetjek:beslutninger: mappen med beslutninger "
            f"{project / 'andet/sted'} findes ikke") in capsys.readouterr().err
    assert not (project / "output").exists()
