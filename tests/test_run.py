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

from socialanalyse import cli, config
from socialanalyse.report.outputs import latest_run
from socialanalyse.runner import finalize, folders, kernels, plan, results, summary
from socialanalyse.runner.job import reads_earlier_results


@pytest.fixture
def project(tmp_path):
    """A project with the repository's parameters and a placeholder data folder."""
    return make_project(tmp_path / "projekt", extra_kommuner=("furesoe",), sample=False)


# -- run ids ---------------------------------------------------------------------------------


def test_run_id_is_timestamp_and_publikum_and_sorts_in_time(tmp_path):
    early = plan.new_run_id("intern", [tmp_path], dt.datetime(2026, 1, 2, 3, 4, 5))
    late = plan.new_run_id("byraad", [tmp_path], dt.datetime(2026, 1, 2, 3, 4, 6))
    assert early == "20260102-030405-intern"
    assert late == "20260102-030406-byraad"
    assert sorted([late, early]) == [early, late]


def test_run_id_skips_a_second_already_taken_by_a_finished_or_running_run(tmp_path):
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "20260102-030405-intern").mkdir()
    (tmp_path / ".20260102-030406-intern.tmp").mkdir()
    # 05 is finished, 06 is running: the next free second is 07.
    assert plan.new_run_id("intern", [tmp_path], when) == "20260102-030407-intern"


# -- seneste ---------------------------------------------------------------------------------


def test_seneste_is_a_relative_symlink_replaced_atomically(tmp_path):
    for rid in ("a", "b"):
        (tmp_path / rid).mkdir()
    finalize.point_latest(tmp_path, "a")
    assert os.readlink(tmp_path / "seneste") == "a"
    finalize.point_latest(tmp_path, "b")
    assert os.readlink(tmp_path / "seneste") == "b"
    assert latest_run(tmp_path) == (tmp_path / "b").resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "seneste"]  # no leftovers


def test_seneste_falls_back_to_a_text_file_without_symlinks(tmp_path, monkeypatch):
    def no_symlinks(*args, **kwargs):
        raise OSError("symlinks not supported")

    (tmp_path / "a").mkdir()
    monkeypatch.setattr(finalize.os, "symlink", no_symlinks)
    finalize.point_latest(tmp_path, "a")
    assert (tmp_path / "seneste").read_text() == "a\n"
    assert latest_run(tmp_path) == tmp_path / "a"


def test_latest_run_is_none_before_any_run(tmp_path):
    assert latest_run(tmp_path) is None


# -- hashes and versions ---------------------------------------------------------------------


def test_sha256_of_a_file_matches_the_published_test_vector(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    # FIPS 180-2 test vector for "abc".
    assert finalize.sha256_file(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_input_hashes_cover_every_data_file_relative_to_the_project(project):
    params = config.load_parameters("eksempelkommune", root=project)
    extra = params.data_dir / "sub" / "b.csv"
    extra.parent.mkdir()
    extra.write_bytes(b"x")
    hashes = finalize.input_hashes(params)
    assert list(hashes) == ["data/eksempelkommune/sub/b.csv", "data/eksempelkommune/udtraek.csv"]
    assert hashes["data/eksempelkommune/sub/b.csv"] == hashlib.sha256(b"x").hexdigest()


def test_versions_name_python_the_package_and_the_libraries():
    v = finalize.versions()
    assert {"python", "socialanalyse", "pandas", "papermill", "nbconvert"} <= set(v)


# -- notebooks -------------------------------------------------------------------------------


def test_notebooks_are_found_in_order_and_selected_by_name_stem_or_number(tmp_path):
    for name in ("01_b", "00_a", "02_c"):
        write_notebook(tmp_path / f"{name}.ipynb", name)
    (tmp_path / ".skjult.ipynb").write_text("{}")
    assert [p.stem for p in plan.discover_notebooks(tmp_path)] == ["00_a", "01_b", "02_c"]
    chosen = plan.discover_notebooks(tmp_path, ["02_c.ipynb", "00"])
    assert [p.stem for p in chosen] == ["00_a", "02_c"]
    with pytest.raises(plan.KoerselFejl, match="Ukendt notebook 'xx'.*00_a, 01_b, 02_c"):
        plan.discover_notebooks(tmp_path, ["xx"])


def test_notebook_title_is_the_first_heading(tmp_path):
    path = write_notebook(tmp_path / "03_budget.ipynb", "Budget og prognose")
    assert plan.notebook_title(path) == "Budget og prognose"


# -- validation before anything starts -------------------------------------------------------


def _run(*extra: str) -> int:
    return cli.main(["run", *extra])


def test_bad_parameters_print_the_danish_message_exit_2_and_run_nothing(project, capsys):
    bad = project / "parameters/kommuner/furesoe.yaml"
    content = yaml.safe_load(bad.read_text("utf-8"))
    content["diskretion"] = 0  # must be at least 1
    content["stavefejl"] = 1
    bad.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    code = _run("--kommune", "eksempelkommune", "--kommune", "furesoe",
                "--root", str(project), "--notebooks-dir", str(project / "nb"))
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
        plan.build_plan(["furesoe"], root=project, notebooks_dir=project / "nb")
    assert "furesoe.yaml: nøglen 'data.tabeller.borgere.kolonner.koen_' er ikke en kolonne" in (
        str(err.value))
    content["data"] = {}
    bad.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    with pytest.raises(config.ParameterFejl, match="nøglen 'servicetjek.andel_justeret.dyr_sagg' "
                       "ukendt regel"):
        plan.build_plan(["furesoe"], root=project, notebooks_dir=project / "nb")


def test_unknown_kommune_and_missing_data_folder_exit_2(project, capsys):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    common = ("--root", str(project), "--notebooks-dir", str(project / "nb"))
    assert _run("--kommune", "furesoee", *common) == 2
    assert "ukendt kommune 'furesoee'" in capsys.readouterr().err
    (project / "parameters/kommuner/aarhus.yaml").write_text("navn: Aarhus\n", encoding="utf-8")
    assert _run("--kommune", "aarhus", *common) == 2
    err = capsys.readouterr().err
    assert "datamappen" in err and "data/aarhus findes ikke" in err
    assert not (project / "output").exists()


def test_all_takes_every_municipality_with_a_parameters_file(project):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    p = plan.build_plan(config.available_kommuner(project), root=project,
                        notebooks_dir=project / "nb", workers=None)
    assert [j.kommune for j in p.jobs] == ["eksempelkommune", "furesoe"]
    assert p.workers == min(2, os.cpu_count() or 1)
    assert len({j.run_id for j in p.jobs}) == 1
    assert p.jobs[0].tmp_dir == project / "output/eksempelkommune" / f".{p.jobs[0].run_id}.tmp"


def test_unknown_notebook_exits_2(project, capsys):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    code = _run("--kommune", "eksempelkommune", "--notebook", "99_x", "--root",
                str(project), "--notebooks-dir", str(project / "nb"))
    assert code == 2
    assert "Ukendt notebook '99_x'" in capsys.readouterr().err


# -- manifest and summary --------------------------------------------------------------------


def _finished(project: Path, ok: bool = True):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    p = plan.build_plan(["eksempelkommune"], root=project, notebooks_dir=project / "nb")
    job = p.jobs[0]
    nb = results.NotebookResult("00_a", status=results.OK if ok else results.FAILED,
                                sekunder=1.25,
                                fejl=None if ok else "ZeroDivisionError i celle [3]: division by zero")
    result = results.JobResult("eksempelkommune", job.run_id, "2026-01-01T00:00:00", 2.0, [nb],
                               inputfiler={"data/eksempelkommune/udtraek.csv": "ab"})
    return p, job, result


def test_finalize_writes_the_manifest_renames_and_points_seneste(project):
    p, job, result = _finished(project)
    job.tmp_dir.mkdir(parents=True)
    final = finalize.finalize(job, result, p.parametre["eksempelkommune"], {"executor": "local"})
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
    assert latest_run(final.parent) == final.resolve()


def test_a_failed_run_is_kept_but_does_not_become_seneste(project):
    p, job, result = _finished(project, ok=False)
    job.tmp_dir.mkdir(parents=True)
    final = finalize.finalize(job, result, p.parametre["eksempelkommune"], {})
    assert json.loads((final / "manifest.json").read_text("utf-8"))["status"] == "fejlet"
    assert latest_run(final.parent) is None


def test_summary_is_danish_with_decimal_comma_and_names_the_failure(project):
    _, job, result = _finished(project, ok=False)
    text = summary.format_summary([(job, result)])
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
    # The README's test command first, then the floors (make test-min).
    assert [line.strip() for line in ci][-2:] == ["make test", "make test-min"]


# -- kernels start with the notebook's imports done ------------------------------------------


def test_notebook_imports_are_read_from_the_code_cells(tmp_path):
    path = write_notebook(
        tmp_path / "00_a.ipynb", "A",
        "from socialanalyse import report\nimport numpy as np, json",
        "%matplotlib inline",  # a magic: not Python, skipped
        "def f():\n    import csv  # not top level: left to the notebook\nfrom . import x",
    )
    assert kernels.notebook_imports(path) == ["socialanalyse", "socialanalyse.report", "numpy",
                                          "json"]


def test_startup_code_imports_modules_and_leaves_the_namespace_empty(monkeypatch):
    import sys

    monkeypatch.delenv("JPY_PARENT_PID", raising=False)  # not a kernel: no parent-death signal
    sys.modules.pop("colorsys", None)
    namespace: dict = {}
    exec(kernels.startup_code(["colorsys", "ikke_et_modul", "json.dumps"]), namespace)  # noqa: S102
    assert "colorsys" in sys.modules
    assert [k for k in namespace if k != "__builtins__"] == []


# -- notebooks of one municipality at once, when there are cores to spare -------------------


def test_spare_workers_let_one_municipality_run_notebooks_side_by_side(project):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    common = {"root": project, "notebooks_dir": project / "nb"}
    assert plan.build_plan(["eksempelkommune"], workers=2, **common).jobs[0].parallel == 2
    assert plan.build_plan(["eksempelkommune"], workers=5, **common).jobs[0].parallel == 5
    both = plan.build_plan(["eksempelkommune", "furesoe"], workers=2, **common)
    assert [j.parallel for j in both.jobs] == [1, 1]  # 2 workers // 2 municipalities
    five = plan.build_plan(["eksempelkommune", "furesoe"], workers=5, **common)
    assert five.jobs[0].parallel == 2


def test_a_notebook_reading_earlier_results_is_recognised(tmp_path):
    reads = write_notebook(tmp_path / "05_x.ipynb", "X", "r = report.load_results(run_dir)")
    named = write_notebook(tmp_path / "06_y.ipynb", "Y", "open(run_dir + '/results.json')")
    alone = write_notebook(tmp_path / "07_z.ipynb", "Z", "report.record('a', 1)")
    assert reads_earlier_results(reads) and reads_earlier_results(named)
    assert not reads_earlier_results(alone)


# -- reserving the run id, the liveness lock, cleaning up after interrupted runs ------------


def _planned(project, *slugs):
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    return plan.build_plan(list(slugs), root=project, notebooks_dir=project / "nb")


def test_reserving_takes_the_next_second_when_a_folder_of_any_municipality_has_the_id(
    project, tmp_path, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    p = _planned(project, "eksempelkommune", "furesoe")
    taken = p.jobs[1]  # furesoe's folder for the planned id exists (another run has it)
    taken.tmp_dir.mkdir(parents=True)
    reserved = folders.reserve(p)
    ids = {j.run_id for j in reserved.jobs}
    assert len(ids) == 1 and ids != {p.jobs[0].run_id}
    assert dt.datetime.strptime(ids.pop()[:15], "%Y%m%d-%H%M%S") == dt.datetime.strptime(
        p.jobs[0].run_id[:15], "%Y%m%d-%H%M%S") + dt.timedelta(seconds=1)
    # eksempelkommune's folder for the taken id was rolled back; the reserved ones exist,
    # locked by this process and naming their scratch folders.
    assert not p.jobs[0].tmp_dir.exists()
    for job in reserved.jobs:
        assert job.tmp_dir.is_dir() and Path(job.scratch).is_dir()
        assert folders._alive(job.tmp_dir) == (True, None)
        folders.release(job)
        folders.remove_scratch(job)
        assert folders._alive(job.tmp_dir) == (False, None)


def test_reserving_on_a_full_disk_says_so_and_leaves_nothing(project, monkeypatch):
    import errno

    p = _planned(project, "eksempelkommune", "furesoe")
    real = Path.mkdir

    def full(self, *args, **kwargs):
        if self.name.endswith(".tmp") and "furesoe" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", full)
    with pytest.raises(folders.DiskFuld, match="Der er ikke mere plads på disken til"):
        folders.reserve(p)
    assert not p.jobs[0].tmp_dir.exists()


def test_stale_runs_lose_their_scratch_at_once_and_their_folder_when_old(
    project, tmp_path, monkeypatch
):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    out = project / "output" / "eksempelkommune"
    (job,) = folders.reserve(_planned(project, "eksempelkommune")).jobs
    assert folders.remove_stale(out, 1) == []  # alive: untouched
    # The run dies (its lock goes with it) without cleaning up.
    os.close(folders._held.pop(str(job.tmp_dir)))
    now = job.tmp_dir.stat().st_mtime
    assert folders.remove_stale(out, 1, now=now + 1800) == [
        f"kernefiler fra en afbrudt kørsel: {job.scratch}"]
    assert not Path(job.scratch).exists() and job.tmp_dir.is_dir()  # kept for a look
    assert folders.remove_stale(out, 1, now=now + 7200) == [
        f"en afbrudt kørsel, uændret i 2 timer: {job.tmp_dir}"]
    assert not job.tmp_dir.exists()


def test_a_lock_file_naming_a_folder_outside_the_temp_folder_is_not_believed(project, tmp_path):
    out = project / "output" / "eksempelkommune"
    tmp = out / ".20260102-030405-intern.tmp"
    tmp.mkdir(parents=True)
    precious = tmp_path / "vigtigt"
    precious.mkdir()
    (tmp / folders.LOCK_FILE).write_text(json.dumps({"pid": 1, "kladde": str(precious)}))
    assert folders.remove_stale(out, 1000) == []
    assert precious.is_dir() and tmp.is_dir()


def test_seneste_only_moves_forward(tmp_path):
    for rid in ("20260102-030405-intern", "20260102-030406-intern"):
        (tmp_path / rid).mkdir()
    finalize.point_latest(tmp_path, "20260102-030406-intern")
    # The run started earlier finishes later: it does not take `seneste` back.
    finalize.point_latest(tmp_path, "20260102-030405-intern")
    assert latest_run(tmp_path).name == "20260102-030406-intern"


def test_a_full_disk_is_recognised_in_our_writes_and_in_a_notebook_cell():
    import errno

    class CellError(Exception):  # like papermill.PapermillExecutionError
        ename, evalue = "OSError", "[Errno 28] No space left on device"

    assert folders.disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert folders.disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert folders.disk_full(CellError())
    assert not folders.disk_full(OSError(errno.ENOENT, "No such file or directory"))
    assert not folders.disk_full(ValueError("planlagt fejl"))


def test_a_finished_job_on_a_full_disk_is_removed_not_renamed(project, monkeypatch):
    import errno

    p, job, result = _finished(project)
    job.tmp_dir.mkdir(parents=True)
    (job.tmp_dir / "results.json").write_text("{}")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(finalize, "_write_json", full)
    assert finalize.finalize(job, result, p.parametre["eksempelkommune"], {}) is None
    assert result.disk_fuld and result.fejl.startswith("Der er ikke mere plads på disken")
    assert not job.tmp_dir.exists() and not job.final_dir.exists()
    assert latest_run(job.final_dir.parent) is None


# -- the data snapshot ------------------------------------------------------------------------


class _Params:
    """Just what the snapshot's key needs."""

    def __init__(self, kommune, folder):
        self.kommune, self.data_dir = kommune, folder
        self.data = config.DataKilder(
            mappe=str(folder), tabeller={},
            usandsynligt_beloeb=config.UsandsynligtBeloeb(linje=1e7, bevilling_maaned=2e6))


@pytest.mark.parametrize("memory", [True, False])
def test_the_snapshot_is_read_back_only_for_the_same_data_and_removed(
    tmp_path, monkeypatch, memory
):
    from socialanalyse.data import loading, snapshot

    params = _Params("eksempelkommune", tmp_path)
    monkeypatch.setattr(loading, "load", lambda p: {"borgere": [1, 2, 3]})
    snap = snapshot.Snapshot.create(tmp_path / snapshot.FILE, memory=memory)
    assert snapshot.read(params, snap.path) is None  # empty until filled
    assert snap.fill(params) == {"borgere": [1, 2, 3]}
    assert snapshot.read(params, snap.path) == {"borgere": [1, 2, 3]}
    assert snapshot.read(_Params("furesoe", tmp_path), snap.path) is None
    assert memory == snap.path.startswith("/proc/")  # in memory: no file on any disk
    assert [p.name for p in tmp_path.iterdir()] == ([] if memory else [snapshot.FILE])
    snap.remove()
    assert snapshot.read(params, snap.path) is None and list(tmp_path.iterdir()) == []


def test_a_snapshot_file_that_cannot_be_written_leaves_no_partial_file(tmp_path, monkeypatch):
    import errno
    import pickle

    from socialanalyse.data import loading, snapshot

    def full(obj, fh, protocol=None):
        fh.write(b"halvt")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(loading, "load", lambda p: {"borgere": [1]})
    monkeypatch.setattr(pickle, "dump", full)
    snap = snapshot.Snapshot.create(tmp_path / snapshot.FILE, memory=False)
    with pytest.raises(OSError):
        snap.fill(_Params("eksempelkommune", tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_cannot_be_written_is_a_danish_error_exit_2(project, capsys,
                                                                           monkeypatch):
    import errno

    write_notebook(project / "nb" / "00_a.ipynb", "A")
    real = Path.mkdir

    def refused(self, *args, **kwargs):
        if self.name.endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refused)
    assert _run("--kommune", "eksempelkommune", "--root", str(project), "--notebooks-dir",
                str(project / "nb")) == 2
    err = capsys.readouterr().err
    assert "Kørslen er ikke startet" in err and "ingen adgang til at skrive der" in err


# -- PDF for the byråd -----------------------------------------------------------------------


@pytest.mark.parametrize(("args", "pdf"), [
    ([], None), (["--pdf"], True), (["--ingen-pdf"], False),
    (["--pdf", "--ingen-pdf"], False), (["--ingen-pdf", "--pdf"], True),  # the last one wins
])
def test_pdf_options_parse(args, pdf):
    parsed = cli.build_parser().parse_args(["run", "--kommune", "eksempelkommune", *args])
    assert parsed.pdf is pdf


def _pdf_plan(project: Path, publikum: str, pdf: bool | None) -> plan.Plan:
    write_notebook(project / "nb" / "00_a.ipynb", "A")
    return plan.build_plan(["eksempelkommune", "furesoe"], root=project, publikum=publikum,
                           notebooks_dir=project / "nb", pdf=pdf)


@pytest.mark.parametrize(("publikum", "pdf", "expected"), [
    ("byraad", None, {"eksempelkommune": True, "furesoe": False}),  # furesoe: pdf_byraad false
    ("intern", None, {"eksempelkommune": False, "furesoe": False}),
    ("byraad", False, {"eksempelkommune": False, "furesoe": False}),
    ("intern", True, {"eksempelkommune": True, "furesoe": True}),
])
def test_pdfs_are_on_for_the_byraad_by_parameter_and_chosen_by_the_options(
    project, monkeypatch, publikum, pdf, expected
):
    monkeypatch.setenv("SOCIALANALYSE_CHROMIUM", "sh")  # any program: nothing is printed
    path = project / "parameters/kommuner/furesoe.yaml"
    content = yaml.safe_load(path.read_text("utf-8"))
    content["koersel"] = {"pdf_byraad": False}
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    p = _pdf_plan(project, publikum, pdf)
    assert {j.kommune: j.pdf for j in p.jobs} == expected and p.warnings == []


def test_without_chromium_default_pdfs_become_a_warning_and_asked_ones_an_error(
    project, monkeypatch, capsys
):
    monkeypatch.setenv("SOCIALANALYSE_CHROMIUM", str(project / "ingen-chromium"))
    p = _pdf_plan(project, "byraad", None)
    assert [j.pdf for j in p.jobs] == [False, False]
    (warning,) = p.warnings
    assert "ingen PDF'er, kun HTML" in warning and "apt-get install chromium" in warning
    with pytest.raises(plan.KoerselFejl, match="kræver headless Chromium.*Eller kør uden --pdf"):
        _pdf_plan(project, "intern", True)
    code = _run("--kommune", "eksempelkommune", "--pdf", "--root", str(project),
                "--notebooks-dir", str(project / "nb"))
    assert code == 2 and "Kørslen er ikke startet" in capsys.readouterr().err
    assert _pdf_plan(project, "byraad", False).warnings == []  # --ingen-pdf: no warning
