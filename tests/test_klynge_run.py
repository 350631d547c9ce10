"""Klynge in the runner: the aggregates every run writes (and rejects when they leak), reading
the members' latest runs (missing, stale, without aggregates), the cluster's plan and its
command line, and the views of notebook 09."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from socialanalyse import cli
from socialanalyse import klynge as K
from socialanalyse.config import load_klynge, load_parameters
from socialanalyse.report.checks import forbidden_ids
from socialanalyse.report.outputs import AGGREGAT_DIR, MANIFEST_FILE
from socialanalyse.report.session import ENHEDER
from socialanalyse.runner import export
from socialanalyse.runner.finalize import point_latest
from socialanalyse.runner.klynge import build_klynge_plan
from socialanalyse.runner.plan import Job, KoerselFejl, discover_notebooks
from socialanalyse.runner.results import JobResult
from socialanalyse.runner.summary import format_summary
from socialanalyse.views import klynge as view

REPO = Path(__file__).resolve().parents[1]
RUN_ID = "20261101-120000-intern"


@pytest.fixture(scope="module")
def built(sample):
    _, data = sample
    params = load_parameters("eksempelkommune", root=REPO)
    return data, params, K.build_aggregater(data, params)


def _leak(agg: K.Aggregater) -> K.Aggregater:
    small = agg.forbrug.copy()
    small.loc[small.index[~small["diskretioneret"]][0], "antal_borgere"] = 2
    return K.Aggregater(**{**agg.tables(), "forbrug": small})


# --- writing and reading aggregater/ ---------------------------------------------------------

def test_written_aggregates_read_back_with_a_csv_copy_and_a_readme(built, tmp_path):
    data, params, agg = built
    folder = tmp_path / "aggregater"
    K.write_aggregater(agg, folder, params.diskretion, forbidden_ids(data))
    back = K.read_aggregater(folder)
    for name, frame in agg.tables().items():
        pd.testing.assert_frame_equal(back.tables()[name], frame, check_dtype=False)
    text = (folder / "priser.csv").read_text("utf-8-sig")
    assert text.splitlines()[0].startswith("kommune;aar;leverandoer;")
    csv = pd.read_csv(folder / "priser.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert csv["gennemsnitspris"].to_numpy() == pytest.approx(
        agg.priser["gennemsnitspris"].to_numpy())
    readme = (folder / "README.md").read_text("utf-8")
    assert K.format_markdown() in readme and "diskretionsgrænsen 5" in readme
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aggregater"]


def test_a_leak_is_rejected_and_nothing_is_written(built, tmp_path):
    data, params, agg = built
    with pytest.raises(K.AggregatFejl, match="under diskretionsgrænsen"):
        K.write_aggregater(_leak(agg), tmp_path / "aggregater", params.diskretion)
    one_id = min(forbidden_ids(data))
    named = agg.kapacitet.copy()
    named.loc[named.index[0], "tilbud"] = one_id
    with pytest.raises(K.AggregatFejl, match="ligner id'er"):
        K.write_aggregater(K.Aggregater(**{**agg.tables(), "kapacitet": named}),
                           tmp_path / "aggregater", params.diskretion, forbidden_ids(data))
    assert list(tmp_path.iterdir()) == []


def _job(tmp_path: Path, publikum: str = "intern") -> tuple[Job, JobResult]:
    run_id = RUN_ID.replace("intern", publikum)
    job = Job(kommune="eksempelkommune", publikum=publikum, run_id=run_id, notebooks=(),
              root=str(REPO), out_dir=str(tmp_path / "eksempelkommune"))
    job.tmp_dir.mkdir(parents=True)
    return job, JobResult("eksempelkommune", run_id, "", 0.0, [])


@pytest.mark.parametrize("publikum", ["intern", "byraad"])
def test_every_run_writes_its_aggregates(built, tmp_path, publikum):
    data, params, _ = built
    job, out = _job(tmp_path, publikum)
    export.export_aggregater(job, params, out, data)
    assert out.ok and out.aggregater == AGGREGAT_DIR
    assert (job.tmp_dir / AGGREGAT_DIR / "noegletal.parquet").is_file()


def test_a_leaking_aggregate_rejects_the_run_and_writes_nothing(built, tmp_path, monkeypatch):
    data, params, agg = built
    monkeypatch.setattr(K, "build_aggregater", lambda *_a, **_k: _leak(agg))
    job, out = _job(tmp_path)
    export.export_aggregater(job, params, out, data)
    assert not out.ok and out.aggregater == "afvist"
    assert out.byraadstjek[0].startswith("aggregater/: Aggregaterne kan ikke deles")
    assert list(job.tmp_dir.iterdir()) == []
    summary = format_summary([(job, out)])
    assert "afvist" in summary and "under diskretionsgrænsen" in summary


def test_data_that_do_not_load_give_no_aggregates_but_say_so(tmp_path):
    params = load_parameters("eksempelkommune", root=REPO).model_copy(
        update={"data": load_parameters("eksempelkommune", root=REPO).data.model_copy(
            update={"mappe": str(tmp_path / "findes_ikke")})})
    job, out = _job(tmp_path)
    export.export_aggregater(job, params, out)
    assert out.aggregater.startswith("ikke skrevet: data kunne ikke indlæses")
    assert not (job.tmp_dir / AGGREGAT_DIR).exists()


# --- the members' latest runs ----------------------------------------------------------------

def _member_run(out: Path, slug: str, agg: K.Aggregater | None, started: dt.datetime) -> Path:
    run = out / slug / RUN_ID
    run.mkdir(parents=True)
    (run / MANIFEST_FILE).write_text(json.dumps({"start": started.isoformat()}), "utf-8")
    if agg is not None:
        mine = K.Aggregater(**{n: f.assign(kommune=slug) for n, f in agg.tables().items()})
        K.write_aggregater(mine, run / AGGREGAT_DIR, 5)
    point_latest(out / slug, RUN_ID)
    return run


@pytest.fixture
def members(built, tmp_path):
    _, _, agg = built
    now = dt.datetime(2026, 11, 20, 12, 0)
    out = tmp_path / "output"
    _member_run(out, "holstebro", agg, now - dt.timedelta(days=3))
    _member_run(out, "herning", agg, now - dt.timedelta(days=10))
    _member_run(out, "struer", agg, now - dt.timedelta(days=61))  # stale at 60 days
    _member_run(out, "lemvig", None, now - dt.timedelta(days=1))  # an older version's run
    return out, now


def test_members_missing_stale_or_without_aggregates_are_named(members):
    out, now = members
    slugs = ["holstebro", "herning", "struer", "lemvig", "skive"]
    agg, status = view.read_members(out, slugs, 60, now)
    assert dict(zip(status["kommune"], status["status"])) == {
        "holstebro": "ok", "herning": "ok", "struer": "forældet", "lemvig": "ingen aggregater",
        "skive": "ingen kørsel"}
    assert set(agg.metadata["kommune"]) == {"holstebro", "herning"}
    assert status.set_index("kommune").loc["struer", "alder_dage"] == 61
    text = view.members_text(status)
    assert text.startswith("2 af 5 medlemmer er med i opgørelsen: Holstebro, Herning.")
    assert "Struer seneste kørsel er 61 dage gammel (grænsen er 60 dage)" in text
    assert "Skive har ingen vellykket kørsel" in text and "Lemvig kørslen" in text


def test_cluster_results_and_headlines_have_declared_units(members):
    out, now = members
    agg, status = view.read_members(out, ["holstebro", "herning", "struer"], 60, now)
    res = K.analyse(agg, prisindeks=0.025, takstloft=0.0)
    headlines = view.headline_results(res, status)
    assert all(h.enhed in ENHEDER for h in headlines.values())
    assert headlines["medlemmer_med"].value == 2 and headlines["medlemmer_mangler"].value == 1
    assert headlines["ledige_pladser_match"].enhed == "borgere"  # suppressed for the byråd
    # The same member twice: every shared group has equal prices, so no saving.
    assert len(res.priser) and res.priser["besparelse"].sum() == 0
    assert set(view.excel_tables(res, status)) >= {"Priser", "Kapacitet", "Takster"}


# --- the cluster's plan and command line -----------------------------------------------------

@pytest.fixture
def project(members, tmp_path):
    out, _ = members
    root = tmp_path / "projekt"
    root.mkdir()
    shutil.copytree(REPO / "parameters", root / "parameters")
    (root / "parameters/klynger/test.yaml").write_text(yaml.safe_dump(
        {"navn": "Test", "medlemmer": ["holstebro", "herning", "skive"],
         "foraeldet_dage": 100_000}), "utf-8")
    return root, out


def test_the_cluster_plan_is_one_job_of_the_ordinary_runner(project):
    root, out = project
    p, left_out = build_klynge_plan("test", root=root, notebooks_dir=REPO / "notebooks", out=out)
    (job,) = p.jobs
    assert job.klynge and job.kommune == "test" and not job.snapshot
    assert [Path(n).stem for n in job.notebooks] == ["09_klynge"]
    assert Path(job.out_dir) == out.resolve() / "klynger" / "test"
    assert job.runner_parameters() == {"klynge": "test", "publikum": "intern",
                                       "run_dir": str(job.tmp_dir)}
    assert len(job.inputs) == 2 and all(i.endswith(AGGREGAT_DIR) for i in job.inputs)
    assert left_out == [f"Skive: har ingen vellykket kørsel (seneste) i {out.resolve()}/skive"]
    kp = p.parametre["test"]
    assert kp.diskretion == 5 and kp.koersel.ryd_op_efter_timer > 0
    assert kp.files == [root / "parameters/default.yaml", root / "parameters/klynger/test.yaml"]


def test_a_cluster_without_two_usable_members_does_not_start(project, capsys):
    root, out = project
    (root / "parameters/klynger/lille.yaml").write_text(yaml.safe_dump(
        {"navn": "Lille", "medlemmer": ["holstebro", "skive"]}), "utf-8")
    with pytest.raises(KoerselFejl, match="kun 1 af 2 medlemmer har en brugbar kørsel"):
        build_klynge_plan("lille", root=root, out=out)
    code = cli.main(["klynge", "--navn", "lille", "--root", str(root), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "Klyngens kørsel er ikke startet." in err and "Skive: har ingen vellykket" in err
    assert cli.main(["klynge", "--navn", "ukendt", "--root", str(root)]) == 2
    assert "Der er ingen klyngefil" in capsys.readouterr().err


def test_a_municipalitys_run_never_runs_the_cluster_notebook():
    names = [p.stem for p in discover_notebooks(REPO / "notebooks")]
    assert "09_klynge" not in names and "00_datagrundlag" in names
    assert [p.stem for p in discover_notebooks(REPO / "notebooks", klynge=True)] == ["09_klynge"]
    with pytest.raises(KoerselFejl, match="Ukendt notebook '09'"):
        discover_notebooks(REPO / "notebooks", ["09"])


def test_cluster_file_takes_diskretion_from_default_and_may_set_its_own(tmp_path):
    folder = tmp_path / "parameters"
    (folder / "klynger").mkdir(parents=True)
    shutil.copy(REPO / "parameters" / "default.yaml", folder / "default.yaml")
    (folder / "klynger" / "x.yaml").write_text(
        "navn: X\nmedlemmer: [furesoe, lyngby-taarbaek]\ndiskretion: 10\n", "utf-8")
    assert load_klynge("x", root=tmp_path).diskretion == 10
    assert load_klynge("vestklyngen", root=REPO).diskretion == 5


def test_jobs_stay_picklable_with_the_cluster_fields():
    import pickle

    job = Job(kommune="k", publikum="intern", run_id=RUN_ID, notebooks=(), root=".",
              out_dir=".", klynge=True, inputs=("a",))
    assert pickle.loads(pickle.dumps(job)) == job
    assert dataclasses.replace(job, klynge=False).runner_parameters()["kommune"] == "k"
