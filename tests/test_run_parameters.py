"""Notebook parameters from the municipality's parameters, and --parameter for one-off runs:
the bindings match the notebooks and the parameter models, values are validated before
anything runs (Danish errors naming file/option and key, exit 2), and a real run uses the
municipality's choices unless --parameter overrides them."""

from __future__ import annotations

import json

import pytest
from run_support import NOTEBOOKS, REPO, cli, make_project, own_parameters, write_notebook

from socialanalyse import businesscase, config
from socialanalyse import cli as cli_module
from socialanalyse.runner import build_plan
from socialanalyse.runner import notebook_parameters as nbp


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "projekt", sample=False)
    for path in NOTEBOOKS.glob("*.ipynb"):  # the real notebooks' parameter cells
        (root / "notebooks").mkdir(exist_ok=True)
        (root / "notebooks" / path.name).write_bytes(path.read_bytes())
    return root


# -- the bindings ---------------------------------------------------------------------------


def test_every_binding_names_a_none_parameter_of_its_notebook_and_a_key_of_the_parameters():
    params = config.load_parameters("eksempelkommune", root=REPO)
    for notebook, names in nbp.FROM_PARAMETERS.items():
        declared = nbp.cell_parameters(NOTEBOOKS / f"{notebook}.ipynb")
        for name, key in names.items():
            # None in the cell: "as the municipality's parameters say".
            assert name in declared and declared[name] is None, (notebook, name)
            node = params
            for part in key.split("."):
                node = getattr(node, part)  # the key exists in the parameter models


def test_the_notebooks_take_the_parameters_when_their_cell_says_none():
    settings = config.load_parameters("eksempelkommune", root=REPO).businesscase
    herning = settings.model_copy(update={"case": "herning_puls"})
    assert businesscase.load(None, herning, root=REPO).id == "herning_puls"
    assert businesscase.load("ikast_brande_profugo", herning, root=REPO).id == (
        "ikast_brande_profugo")


def test_the_budget_year_of_the_parameters_is_the_default_of_the_forecast(sample):
    from socialanalyse import budget

    _, data = sample
    latest = budget.expected_year_end(data)
    chosen = budget.expected_year_end(data, ind=budget.Indstillinger(aar=latest.aar - 1))
    explicit = budget.expected_year_end(data, latest.aar - 1)
    assert chosen.aar == explicit.aar == latest.aar - 1
    assert chosen.samlet.equals(explicit.samlet)
    # The notebook's own value wins over the parameters'.
    assert budget.expected_year_end(
        data, latest.aar, ind=budget.Indstillinger(aar=latest.aar - 1)).aar == latest.aar


# -- values on the command line -------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("50", 50), ("-3", -3), ("0.3", 0.3), ("0,3", 0.3), ("true", True), ("False", False),
    ("null", None), ("None", None), ("herning_puls", "herning_puls"), ('"50"', "50"),
    ("2024-01-01", "2024-01-01"), ("§85", "§85"),
])
def test_values_on_the_command_line_are_read_as_a_user_writes_them(text, value):
    assert nbp.parse_value(text) == value and type(nbp.parse_value(text)) is type(value)


def test_good_parameters_reach_their_notebook_only(project):
    p = build_plan(["eksempelkommune"], root=project, notebook_parameters=[
        "01_servicetjek:vis_antal=50", "03:case=herning_puls", "04:aar=2025"])
    job = p.jobs[0]
    assert job.parameters_for("01_servicetjek") == {"vis_antal": 50}
    assert job.parameters_for("03_business_case") == {"case": "herning_puls"}
    assert job.parameters_for("04_budget_og_prognose") == {"aar": 2025}
    assert job.parameters_for("00_datagrundlag") == {}


@pytest.mark.parametrize(("spec", "message"), [
    ("09_findes_ikke:x=1", "--parameter 09_findes_ikke:x=1: ukendt notebook '09_findes_ikke'"),
    ("01_servicetjek:vis=50", ("notebooken 01_servicetjek har ingen parameter 'vis'. Dens "
                              "parametre er: beslutninger, vis_antal.")),
    ("01_servicetjek:vis_antal=mange", ("værdien skal være et heltal (standardværdien er 25), "
                                       "ikke 'mange'")),
    ("01_servicetjek:publikum=byraad", "'publikum' sættes af kørslen"),
    ("01_servicetjek", "skriv NOTEBOOK:NAVN=VÆRDI"),
    ("03_business_case:case=herning_pulss",
     "--parameter 03_business_case:case: Business casen 'herning_pulss' findes ikke"),
    ("04:aar=1999", ("--parameter 04_budget_og_prognose:aar: nøglen 'budget.aar' skal være "
                    "mindst 2000 (fik 1999)")),
    ("02:paragraf=§999", "nøglen 'progression.indsats.paragraf' ukendt paragraf '§999'"),
    ("02:startdato=2024-13-01", "nøglen 'progression.indsats.start' skal være en dato"),
])
def test_a_bad_parameter_is_a_danish_error_exit_2_and_nothing_runs(project, capsys, spec,
                                                                   message):
    code = cli_module.main(["run", "--kommune", "eksempelkommune", "--root", str(project),
                            "--parameter", spec])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Kørslen er ikke startet" in err and message in err, err
    assert not (project / "output").exists()


def test_a_parameter_for_a_notebook_outside_the_run_is_an_error(project, capsys):
    code = cli_module.main(["run", "--kommune", "eksempelkommune", "--root", str(project),
                            "--notebook", "00", "--parameter", "01_servicetjek:vis_antal=50"])
    assert code == 2
    assert "notebooken '01_servicetjek' er ikke med i kørslen (kørslen har: 00_datagrundlag)" \
        in capsys.readouterr().err


# -- values in the municipality's parameter file --------------------------------------------


def test_a_misspelt_key_or_business_case_in_the_file_names_file_and_key(project, capsys):
    path = own_parameters(project, businesscase={"cas": "herning_puls"})
    args = ["run", "--kommune", "eksempelkommune", "--root", str(project)]
    assert cli_module.main(args) == 2
    err = capsys.readouterr().err
    assert f"{path}: nøglen 'businesscase.cas' ukendt nøgle" in err
    path.write_text(path.read_text("utf-8").replace("cas:", "case:").replace(
        "herning_puls", "herning_pulss"), encoding="utf-8")
    assert cli_module.main(args) == 2
    err = capsys.readouterr().err
    assert f"{path}: nøglen 'businesscase.case': Business casen 'herning_pulss' findes " \
        "ikke" in err and "Mente du 'herning_puls'?" in err
    assert not (project / "output").exists()


# -- a real run -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_scheduled_run_uses_the_municipality_s_choices_and_parameter_overrides_them(tmp_path):
    root = make_project(tmp_path / "projekt")
    params = own_parameters(root, businesscase={"case": "herning_puls"}, budget={"aar": 2025})
    written = params.read_bytes()
    nb = tmp_path / "nb"
    nb.mkdir()
    for name in ("01_servicetjek", "03_business_case", "04_budget_og_prognose"):
        (nb / f"{name}.ipynb").write_bytes((NOTEBOOKS / f"{name}.ipynb").read_bytes())
    # The municipality's choice, in a notebook that reads it through its own analysis.
    write_notebook(nb / "02_laeser.ipynb", "Læser", (
        "from socialanalyse import budget, report\n"
        "s = report.setup(kommune, publikum, run_dir, notebook='02_laeser')\n"
        "report.record('aar', budget.expected_year_end(\n"
        "    s.data, ind=budget.Indstillinger.fra(s.parametre)).aar)"))
    common = ["--kommune", "eksempelkommune", "--root", str(root), "--notebooks-dir", str(nb),
              "--quiet"]

    scheduled = cli("run", *common, "--notebook", "02", "--notebook", "03", "--notebook",
                    "04", "--out", str(tmp_path / "planlagt"))
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    (run,) = (tmp_path / "planlagt/eksempelkommune").glob("*-intern")
    results = json.loads((run / "results.json").read_text("utf-8"))
    assert results["03_business_case"]["case"] == "herning_puls"
    assert results["04_budget_og_prognose"]["opgjort"] == "2025-12-01"  # a past year: December
    assert results["02_laeser"]["aar"] == 2025  # 05's figures would use the same year

    once = cli("run", *common, "--out", str(tmp_path / "engang"),
               "--parameter", "03_business_case:case=ikast_brande_profugo",
               "--parameter", "04:aar=2024", "--parameter", "01_servicetjek:vis_antal=3")
    assert once.returncode == 0, once.stdout + once.stderr
    (run,) = (tmp_path / "engang/eksempelkommune").glob("*-intern")
    results = json.loads((run / "results.json").read_text("utf-8"))
    assert results["03_business_case"]["case"] == "ikast_brande_profugo"
    assert results["04_budget_og_prognose"]["opgjort"] == "2024-12-01"
    assert results["02_laeser"]["aar"] == 2025  # --parameter is for its notebook only
    assert "De første 3 af " in (run / "html" / "01_servicetjek.html").read_text("utf-8")
    manifest = json.loads((run / "manifest.json").read_text("utf-8"))
    assert manifest["koersel"]["notebookparametre"] == {
        "01_servicetjek": {"vis_antal": 3}, "03_business_case": {"case": "ikast_brande_profugo"},
        "04_budget_og_prognose": {"aar": 2024}}
    assert params.read_bytes() == written  # a run never changes the parameter file
