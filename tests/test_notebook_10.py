"""Notebook 10_selvevaluering as executed by `socialanalyse run` on the small synthetic
municipality: without a filled-in questionnaire (the shared end-to-end runs of every notebook,
so it reads the earlier workbooks' results of the same run) and with one (a fixture written
and filled in with openpyxl; only notebook 10, so the other workbooks' results are absent and
the workbook says so), in both audiences; the byråd copies pass the privacy check."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from run_support import E2E_GROUP, NOTEBOOKS, cli, make_project, notebook_fixtures
from selvevaluering_cases import FILLED, UENIGE, write_filled

from socialanalyse import config, report
from socialanalyse import selvevaluering as S
from socialanalyse.runner import plan
from socialanalyse.selvevaluering.recorded import value
from socialanalyse.views import selvevaluering as view

NAME = "10_selvevaluering"
BESVARELSE = "besvarelser/{kommune}_selvevaluering.xlsx"

intern, byraad, params, data = notebook_fixtures(NAME)


def _alts(page: str) -> list[str]:
    return re.findall(r'<img [^>]*alt="([^"]+)"', page)


# --- without a filled-in questionnaire: the whole run -------------------------------------------

@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_reads_the_earlier_workbooks_results_of_the_run(intern, params, data):
    _, run_dir, _ = intern
    content = report.load_results(run_dir)
    mine = content[NAME]
    earlier = {k: v for k, v in content.items() if k != NAME}
    # The names it reads are what those workbooks recorded: every workbook of RESULTATER that
    # is in the run (every workbook of RESULTATER).
    ran = [nb for nb, _ in S.RESULTATER.values() if nb in earlier]
    assert set(ran) == {nb for nb, _ in S.RESULTATER.values()}
    for key, (nb, name) in S.RESULTATER.items():
        if nb in earlier:
            assert name in earlier[nb] and value(earlier, key) is not None, (key, nb, name)
    datasvar = S.data_answers(data, params, earlier)
    assert datasvar.set_index("noegle").at["opfoelgning_rettidig", "kilde"] == \
        "05_noegletal: andel_opfoelgning_rettidig"
    prio = S.priorities(earlier, datasvar, None, antal=3, mindst=2)
    assert mine["kroner_paa_spil"] == pytest.approx(prio["kroner"].sum())
    assert mine["kroner_paa_spil"] >= earlier["01_servicetjek"]["potentiale_lav"] > 0
    assert mine["forslag"] == [f"{r.nr}. {r.titel}" for r in prio[prio["start_her"]].itertuples()]
    assert 2 <= len(mine["forslag"]) <= 3
    assert mine["antal_besvarede"] == 0 and mine["antal_uenigheder"] == 0
    assert mine["datasvar"]["Rettidig opfølgning"] in ("Høj", "Middel", "Lav")
    meta = content["_meta"][NAME]
    assert meta["kroner_paa_spil"]["enhed"] == "mio_kr" and meta["antal_besvarede"]["enhed"] == "tal"


@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_serviceniveau_kroner_are_08s_recorded_besparelse(intern):
    """KL 2's kroner at stake are 08_opfoelgning's spending above the serviceniveau of the
    same run (the eksempelkommune's §85 example), in the priorities table, not 'ikke opgjort'."""
    _, run_dir, page = intern
    content = report.load_results(run_dir)
    besparelse = content["08_opfoelgning"]["besparelse"]
    assert besparelse > 0
    row = S.stakes(content).set_index("nr").loc[2]
    assert row["kroner_lav"] == row["kroner_hoej"] == row["kroner"] == besparelse
    assert row["kroner_kilde"] == "Udgift over serviceniveauet pr. år, arbejdsbog 08 (opfølgning)"
    shown = view.kroner_text(besparelse, besparelse)
    assert shown != "ikke opgjort"
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tr))
            for tr in re.findall(r"<tr[^>]*>.*?</tr>", page, re.DOTALL)]
    # KL 2's row in the priorities (KL 9's evidence also names workbook 08).
    kl2 = [r for r in rows if "2. Afstem og skab politisk tydelighed" in r
           and "arbejdsbog 08 (opfølgning)" in r]
    assert len(kl2) == 1 and shown in kl2[0] and "ikke opgjort" not in kl2[0]


@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_html_shows_the_datas_answers_and_how_to_fill_in(intern):
    _, run_dir, page = intern
    assert "Traceback" not in page and "report.setup" not in page
    alts = _alts(page)
    assert len(alts) == 2
    assert alts[0].startswith("Statusgitter for KL's 12 anbefalinger")
    assert alts[1].startswith("Søjler for Deloittes 25 spørgsmål")
    assert "Kommunen har endnu ikke udfyldt selvevalueringen" in page
    assert "data/{kommune}/selvevaluering_udfyldt.xlsx" in page  # in a highlighted yaml block
    assert "Uden en udfyldt selvevaluering er der intet at sammenligne data med." in page
    assert "Datas svar" in page and "Prioritering af KL's anbefalinger" in page
    # Workbooks whose notebooks are not (yet) in the run: said in Danish, never a crash.
    earlier = {k: v for k, v in report.load_results(run_dir).items() if k != NAME}
    missing = view.missing_results_text(earlier)
    assert missing is None or missing in page
    assert "arbejdsbog 05 (nøgletal)" not in (missing or "")
    # The questionnaire it wrote reads back, unanswered.
    back = S.read_questionnaire(run_dir / "excel" / "selvevaluering.xlsx")
    assert len(back) == 37 and back["svar"].isna().all()


@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_byraad_shows_grid_priorities_and_questions_only(byraad, data):
    _, run_dir, page = byraad
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert [a[:30] for a in _alts(page)] == ["Statusgitter for KL's 12 anbef"]
    assert "Til videre drøftelse" in page and "Prioritering af KL's anbefalinger" in page
    assert "Kommunen mod Deloittes 14 kommuner" not in page and "Datas svar</" not in page
    assert "Hele listen i Excel" not in page


# --- with a filled-in questionnaire: notebook 10 alone ------------------------------------------

def _with_besvarelse(root):
    """Point eksempelkommune's parameter file at BESVARELSE; returns the file."""
    own = root / "parameters/kommuner/eksempelkommune.yaml"
    content = yaml.safe_load(own.read_text("utf-8"))
    content["selvevaluering"] = {"besvarelse": BESVARELSE}
    own.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    return own


@pytest.fixture(scope="module")
def filled_project(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("selveval") / "projekt")
    own = _with_besvarelse(root)
    # Without the eksempelkommune's example serviceniveau, so D10's "Ja" disagrees with data.
    content = yaml.safe_load(own.read_text("utf-8"))
    del content["opfoelgning"]["serviceniveau"]
    own.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    write_filled(root / BESVARELSE.format(kommune="eksempelkommune"))
    return root


def _run_filled(root, publikum):
    out = root / f"output_{publikum}"
    done = cli("run", "--kommune", "eksempelkommune", "--publikum", publikum, "--root",
               str(root), "--notebooks-dir", str(NOTEBOOKS), "--out", str(out),
               "--notebook", "10", "--workers", "1", "--quiet")
    runs = sorted(p for p in (out / "eksempelkommune").glob(f"*-{publikum}") if p.is_dir())
    assert done.returncode == 0 and runs, done.stdout + done.stderr
    return runs[-1], (runs[-1] / "html" / f"{NAME}.html").read_text("utf-8")


@pytest.fixture(scope="module")
def filled_intern(filled_project):
    return _run_filled(filled_project, "intern")


@pytest.fixture(scope="module")
def filled_byraad(filled_project):
    return _run_filled(filled_project, "byraad")


@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_filled_shows_both_and_the_disagreements(filled_intern):
    run_dir, page = filled_intern
    mine = report.load_results(run_dir)[NAME]
    assert mine["antal_besvarede"] == len(FILLED)
    assert mine["antal_uenigheder"] == len(UENIGE)
    assert {i.replace("Deloitte ", "D").replace("KL ", "KL") for i in mine["uenigheder"]} == UENIGE
    assert "Kørslen har læst den udfyldte selvevaluering" in page
    assert "Hvor selvvurderingen og data er uenige" in page
    assert "Selvvurderingen er mere positiv end data" in page and "Vedtaget i byrådet 2024" in page
    # The Deloitte figure names where the municipality is in a minority (D5: 2 of 14 said Nej).
    assert "5 (Nej: højst 2 af 14)" in _alts(page)[1]
    # No other workbook ran: every kroner figure is 'ikke opgjort', said in Danish.
    assert mine["kroner_paa_spil"] is None and "ikke opgjort" in page
    assert "Kørslen har ingen resultater fra arbejdsbog 01 (servicetjek)" in page
    manifest = json.loads((run_dir / "manifest.json").read_text("utf-8"))
    assert "besvarelser/eksempelkommune_selvevaluering.xlsx" in manifest["inputfiler"]


@pytest.mark.slow
@pytest.mark.xdist_group(E2E_GROUP)
def test_filled_byraad_passes_the_check(filled_byraad, filled_project):
    run_dir, page = filled_byraad
    from socialanalyse.data import load

    data = load(config.load_parameters("eksempelkommune", root=filled_project))
    assert report.check_byraad_html(page, report.forbidden_ids(data), 5) == []
    assert report.check_byraad_results(report.load_results(run_dir), 5) == []
    assert not (run_dir / "excel").exists()
    assert "Selvvurderingen er kommunens egen besvarelse" in page and ".xlsx" not in page
    assert "Hvor selvvurderingen og data er uenige" not in page
    assert "Påbegyndt" in page  # KL1's self-assessment in the grid's text (alt) and table


# --- the plan: a named file that is missing stops the run before it starts -----------------------

def test_missing_filled_file_is_named_with_its_key(tmp_path):
    root = make_project(tmp_path / "projekt", sample=False)
    own = _with_besvarelse(root)
    with pytest.raises(config.ParameterFejl) as info:
        plan.validate_parameters(["eksempelkommune"], root)
    text = str(info.value)
    assert f"{own}: nøglen 'selvevaluering.besvarelse'" in text
    assert "besvarelser/eksempelkommune_selvevaluering.xlsx findes ikke" in text
    params_ = config.load_parameters("eksempelkommune", root=root)
    chosen = {NAME: {"besvarelse": str(tmp_path / "mangler.xlsx")}}
    with pytest.raises(config.ParameterFejl) as info:
        plan.validate_notebook_parameters({"eksempelkommune": params_}, chosen)
    assert "--parameter 10_selvevaluering:besvarelse: den udfyldte selvevaluering" in str(
        info.value)
    write_filled(root / BESVARELSE.format(kommune="eksempelkommune"))
    assert plan.validate_parameters(["eksempelkommune"], root)


def test_view_reads_the_latest_run_interactively(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALANALYSE_HOME", str(tmp_path))
    assert view.latest_results("eksempelkommune") == {}
    run = tmp_path / "output" / "eksempelkommune" / "20261201-120000-intern"
    run.mkdir(parents=True)
    (run / "results.json").write_text('{"01_servicetjek": {"potentiale_lav": 7}}', "utf-8")
    (run.parent / "seneste").write_text(run.name, "utf-8")  # as where no symlink can be made
    assert view.latest_results("eksempelkommune") == {"01_servicetjek": {"potentiale_lav": 7}}
