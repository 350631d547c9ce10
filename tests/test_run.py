"""Unit tests of the runner's pieces (no notebooks executed): run ids, `seneste`, hashes,
notebook selection, validation before anything starts, the manifest and the summary."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest
import yaml
from run_support import make_project, write_notebook

from socialanalyse import cli, config, run


@pytest.fixture
def project(tmp_path):
    """A project with the repository's parameters and a placeholder data folder."""
    return make_project(tmp_path / "projekt", extra_kommuner=("furesoe",), sample=False)


# -- run ids ---------------------------------------------------------------------------------


def test_run_id_is_timestamp_and_publikum_and_sorts_in_time(tmp_path):
    early = run.new_run_id("intern", [tmp_path], dt.datetime(2026, 1, 2, 3, 4, 5))
    late = run.new_run_id("byraad", [tmp_path], dt.datetime(2026, 1, 2, 3, 4, 6))
    assert early == "20260102-030405-intern"
    assert late == "20260102-030406-byraad"
    assert sorted([late, early]) == [early, late]


def test_run_id_skips_a_second_already_taken_by_a_finished_or_running_run(tmp_path):
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "20260102-030405-intern").mkdir()
    (tmp_path / ".20260102-030406-intern.tmp").mkdir()
    # 05 is finished, 06 is running: the next free second is 07.
    assert run.new_run_id("intern", [tmp_path], when) == "20260102-030407-intern"


# -- seneste ---------------------------------------------------------------------------------


def test_seneste_is_a_relative_symlink_replaced_atomically(tmp_path):
    for rid in ("a", "b"):
        (tmp_path / rid).mkdir()
    run.point_latest(tmp_path, "a")
    assert os.readlink(tmp_path / "seneste") == "a"
    run.point_latest(tmp_path, "b")
    assert os.readlink(tmp_path / "seneste") == "b"
    assert run.latest_run(tmp_path) == (tmp_path / "b").resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "seneste"]  # no leftovers


def test_seneste_falls_back_to_a_text_file_without_symlinks(tmp_path, monkeypatch):
    def no_symlinks(*args, **kwargs):
        raise OSError("symlinks not supported")

    (tmp_path / "a").mkdir()
    monkeypatch.setattr(run.os, "symlink", no_symlinks)
    run.point_latest(tmp_path, "a")
    assert (tmp_path / "seneste").read_text() == "a\n"
    assert run.latest_run(tmp_path) == tmp_path / "a"


def test_latest_run_is_none_before_any_run(tmp_path):
    assert run.latest_run(tmp_path) is None


# -- hashes and versions ---------------------------------------------------------------------


def test_sha256_of_a_file_matches_the_published_test_vector(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc".
    assert run.sha256_file(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_input_hashes_cover_every_data_file_relative_to_the_project(project):
    params = config.load_parameters("eksempelkommune", root=project)
    extra = params.data_dir / "sub" / "b.csv"
    extra.parent.mkdir()
    extra.write_bytes(b"x")
    hashes = run.input_hashes(params)
    assert list(hashes) == ["data/eksempelkommune/sub/b.csv", "data/eksempelkommune/udtraek.csv"]
    assert hashes["data/eksempelkommune/sub/b.csv"] == hashlib.sha256(b"x").hexdigest()


def test_versions_name_python_the_package_and_the_libraries():
    v = run.versions()
    assert {"python", "socialanalyse", "pandas", "papermill", "nbconvert"} <= set(v)


# -- notebooks -------------------------------------------------------------------------------


def test_notebooks_are_found_in_order_and_selected_by_name_stem_or_number(tmp_path):
    for name in ("01_b", "00_a", "02_c"):
        write_notebook(tmp_path / f"{name}.ipynb", name)
    (tmp_path / ".skjult.ipynb").write_text("{}")
    assert [p.stem for p in run.discover_notebooks(tmp_path)] == ["00_a", "01_b", "02_c"]
    chosen = run.discover_notebooks(tmp_path, ["02_c.ipynb", "00"])
    assert [p.stem for p in chosen] == ["00_a", "02_c"]
    with pytest.raises(run.KoerselFejl, match="Ukendt notebook 'xx'.*00_a, 01_b, 02_c"):
        run.discover_notebooks(tmp_path, ["xx"])


def test_notebook_title_is_the_first_heading(tmp_path):
    path = write_notebook(tmp_path / "03_budget.ipynb", "Budget og prognose")
    assert run.notebook_title(path) == "Budget og prognose"


# -- validation before anything starts -------------------------------------------------------


def _args(*extra: str):
    return cli.build_parser().parse_args(["run", *extra])


def test_bad_parameters_print_the_danish_message_exit_2_and_run_nothing(project, capsys):
    bad = project / "parameters/kommuner/furesoe.yaml"
    content = yaml.safe_load(bad.read_text("utf-8"))
    content["diskretion"] = 0  # must be at least 1
    content["stavefejl"] = 1
    bad.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    code = run.main(_args("--kommune", "eksempelkommune", "--kommune", "furesoe",
                          "--root", str(project), "--notebooks-dir", str(project / "nb")))
    err = capsys.readouterr().err
    assert code == 2
    assert "Kørslen er ikke startet" in err
    assert "furesoe" in err and "'diskretion' skal være mindst 1" in err
    assert "'stavefejl' ukendt nøgle" in err
    assert not (project / "output").exists()  # not even eksempelkommune started


def test_plan_checks_columns_and_rule_ids_that_config_leaves_to_others(project):
    bad = project / "parameters/kommuner/furesoe.yaml"
    content = yaml.safe_load(bad.read_text("utf-8"))
    content.setdefault("servicetjek", {})["andel_justeret"] = {"standard": [0.1, 0.2],
                                                               "dyr_sagg": [0.1, 0.2]}
    content["data"] = {"tabeller": {"borgere": {"fil": "b.csv", "kolonner": {"koen_": "Køn"}}}}
    bad.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(config.ParameterFejl) as err:
        run.plan(["furesoe"], root=project, notebooks_dir=project / "nb")
    assert "furesoe.yaml: nøglen 'data.tabeller.borgere.kolonner.koen_' er ikke en kolonne" in (
        str(err.value))
    content["data"] = {}
    bad.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(config.ParameterFejl, match="nøglen 'servicetjek.andel_justeret.dyr_sagg' "
                       "ukendt regel"):
        run.plan(["furesoe"], root=project, notebooks_dir=project / "nb")


def test_unknown_kommune_and_missing_data_folder_exit_2(project, capsys):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    common = ("--root", str(project), "--notebooks-dir", str(project / "nb"))
    assert run.main(_args("--kommune", "furesoee", *common)) == 2
    assert "ukendt kommune 'furesoee'" in capsys.readouterr().err
    (project / "parameters/kommuner/aarhus.yaml").write_text("navn: Aarhus\n", encoding="utf-8")
    assert run.main(_args("--kommune", "aarhus", *common)) == 2
    err = capsys.readouterr().err
    assert "datamappen" in err and "data/aarhus findes ikke" in err
    assert not (project / "output").exists()


def test_all_takes_every_municipality_with_a_parameters_file(project):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    p = run.plan(config.available_kommuner(project), root=project,
                 notebooks_dir=project / "nb", workers=None)
    assert [j.kommune for j in p.jobs] == ["eksempelkommune", "furesoe"]
    assert p.workers == min(2, os.cpu_count() or 1)
    assert len({j.run_id for j in p.jobs}) == 1
    assert p.jobs[0].tmp_dir == project / "output/eksempelkommune" / f".{p.jobs[0].run_id}.tmp"


def test_unknown_notebook_exits_2(project, capsys):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    code = run.main(_args("--kommune", "eksempelkommune", "--notebook", "99_x", "--root",
                          str(project), "--notebooks-dir", str(project / "nb")))
    assert code == 2
    assert "Ukendt notebook '99_x'" in capsys.readouterr().err


# -- manifest and summary --------------------------------------------------------------------


def _finished(project: Path, ok: bool = True):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    p = run.plan(["eksempelkommune"], root=project, notebooks_dir=project / "nb")
    job = p.jobs[0]
    nb = run.NotebookResult("00_a", status=run.OK if ok else run.FAILED, sekunder=1.25,
                            fejl=None if ok else "ZeroDivisionError i celle [3]: division by zero")
    result = run.JobResult("eksempelkommune", job.run_id, "2026-01-01T00:00:00", 2.0, [nb],
                           inputfiler={"data/eksempelkommune/udtraek.csv": "ab"})
    return p, job, result


def test_finalize_writes_the_manifest_renames_and_points_seneste(project):
    p, job, result = _finished(project)
    job.tmp_dir.mkdir(parents=True)
    final = run.finalize(job, result, p.parametre["eksempelkommune"], {"executor": "local"})
    assert final == job.final_dir and final.is_dir() and not job.tmp_dir.exists()
    manifest = json.loads((final / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok" and manifest["publikum"] == "intern"
    assert manifest["parametre"]["kommune"] == "eksempelkommune"
    assert manifest["parametre"]["diskretion"] == p.parametre["eksempelkommune"].diskretion
    assert set(manifest["parameterfiler"]) == {
        "parameters/default.yaml", "parameters/kommuner/eksempelkommune.yaml"}
    assert manifest["inputfiler"] == {"data/eksempelkommune/udtraek.csv": "ab"}
    assert manifest["notebooks"][0]["sekunder"] == 1.25
    assert manifest["versioner"]["socialanalyse"]
    assert run.latest_run(final.parent) == final.resolve()


def test_a_failed_run_is_kept_but_does_not_become_seneste(project):
    p, job, result = _finished(project, ok=False)
    job.tmp_dir.mkdir(parents=True)
    final = run.finalize(job, result, p.parametre["eksempelkommune"], {})
    assert json.loads((final / "manifest.json").read_text("utf-8"))["status"] == "fejlet"
    assert run.latest_run(final.parent) is None


def test_summary_is_danish_with_decimal_comma_and_names_the_failure(project):
    _, job, result = _finished(project, ok=False)
    text = run.format_summary([(job, result)])
    header, _rule, row = text.splitlines()[:3]
    assert header.split() == ["kommune", "notebook", "status", "sekunder"]
    assert row.split() == ["eksempelkommune", "00_a", "fejlet", "1,2"]  # 1.25 -> 1,2 (half-even)
    assert "eksempelkommune / 00_a: ZeroDivisionError i celle [3]" in text


# -- the README's two commands ---------------------------------------------------------------


def test_readme_commands_are_make_targets_and_ci_runs_make_test():
    from run_support import REPO

    readme = (REPO / "README.md").read_text("utf-8")
    makefile = (REPO / "Makefile").read_text("utf-8")
    assert "make run" in readme and "make test" in readme
    for target in ("run", "test", "lab", "sample"):
        assert f"\n{target}:" in makefile
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "pytest -n 2" in test_recipe
    ci = [line for line in (REPO / ".ci/run").read_text("utf-8").splitlines()
          if line.strip() and not line.startswith("#")]
    assert [line.strip() for line in ci][-1] == "make test"


# -- kernels start with the notebook's imports done ------------------------------------------


def test_notebook_imports_are_read_from_the_code_cells(tmp_path):
    path = write_notebook(
        tmp_path / "00_a.ipynb", "A",
        "from socialanalyse import report\nimport numpy as np, json",
        "%matplotlib inline",  # a magic: not Python, skipped
        "def f():\n    import csv  # not top level: left to the notebook\nfrom . import x",
    )
    assert run.notebook_imports(path) == ["socialanalyse", "socialanalyse.report", "numpy",
                                          "json"]


def test_preimport_code_imports_modules_and_leaves_the_namespace_empty():
    import sys

    sys.modules.pop("colorsys", None)
    namespace: dict = {}
    exec(run.preimport_code(["colorsys", "ikke_et_modul", "json.dumps"]), namespace)  # noqa: S102
    assert "colorsys" in sys.modules
    assert [k for k in namespace if k != "__builtins__"] == []


# -- notebooks of one municipality at once, when there are cores to spare -------------------


def test_spare_workers_let_one_municipality_run_notebooks_side_by_side(project):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    common = {"root": project, "notebooks_dir": project / "nb"}
    assert run.plan(["eksempelkommune"], workers=2, **common).jobs[0].parallel == 2
    assert run.plan(["eksempelkommune"], workers=5, **common).jobs[0].parallel == 5
    both = run.plan(["eksempelkommune", "furesoe"], workers=2, **common)
    assert [j.parallel for j in both.jobs] == [1, 1]  # 2 workers // 2 municipalities
    assert run.plan(["eksempelkommune", "furesoe"], workers=5, **common).jobs[0].parallel == 2


def test_a_notebook_reading_earlier_results_is_recognised(tmp_path):
    reads = write_notebook(tmp_path / "05_x.ipynb", "X", "r = report.load_results(run_dir)")
    named = write_notebook(tmp_path / "06_y.ipynb", "Y", "open(run_dir + '/results.json')")
    alone = write_notebook(tmp_path / "07_z.ipynb", "Z", "report.record('a', 1)")
    assert run.reads_earlier_results(reads) and run.reads_earlier_results(named)
    assert not run.reads_earlier_results(alone)
