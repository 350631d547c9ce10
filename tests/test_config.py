"""Parameters: default.yaml merged with kommuner/<slug>.yaml; every error names file and key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from socialanalyse.config import (
    ParameterFejl,
    Parametre,
    available_kommuner,
    load_parameters,
    merge,
    project_root,
)
from socialanalyse.data.contract import check_table_columns
from socialanalyse.servicetjek.catalog import check_parameters

REPO = Path(__file__).resolve().parents[1]


def project(tmp_path: Path, own: dict | str | None = None, default_edit=None,
            slug: str = "furesoe") -> Path:
    """A project folder with the repository's default.yaml and one municipality file."""
    pdir = tmp_path / "parameters"
    (pdir / "kommuner").mkdir(parents=True)
    default = yaml.safe_load((REPO / "parameters" / "default.yaml").read_text(encoding="utf-8"))
    if default_edit:
        default_edit(default)
    (pdir / "default.yaml").write_text(yaml.safe_dump(default, allow_unicode=True),
                                       encoding="utf-8")
    if own is not None:
        text = own if isinstance(own, str) else yaml.safe_dump(
            {"kommune": slug, "navn": "Furesø", **own}, allow_unicode=True)
        (pdir / "kommuner" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def error(tmp_path, own, slug="furesoe", **kw) -> str:
    root = project(tmp_path, own, slug=slug, **kw)
    with pytest.raises(ParameterFejl) as err:
        load_parameters(slug, root=root)
    return str(err.value)


def test_repository_parameters_load():
    params = load_parameters("eksempelkommune", root=REPO)
    assert isinstance(params, Parametre)
    assert params.kommune == "eksempelkommune"
    assert params.data_dir == REPO / "data" / "eksempelkommune"
    assert params.files == (REPO / "parameters" / "default.yaml",
                            REPO / "parameters" / "kommuner" / "eksempelkommune.yaml")
    assert set(params.data.tabeller) >= {"borgere", "bevillinger", "betalinger"}
    assert "eksempelkommune" in available_kommuner(REPO)


def test_municipality_overrides_only_what_it_names(tmp_path):
    root = project(tmp_path, {"diskretion": 10,
                              "data": {"tabeller": {"borgere": {"fil": "b.xlsx", "ark": "A"}}}})
    params = load_parameters("furesoe", root=root)
    assert params.diskretion == 10
    assert params.data.tabeller["borgere"].fil == "b.xlsx"
    assert params.data.tabeller["bevillinger"].fil == "bevillinger.csv"  # from default.yaml
    assert params.data.mappe == "data/{kommune}"
    assert params.data_dir == root.resolve() / "data" / "furesoe"


def test_merge_is_deep_and_replaces_lists():
    assert merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}}) == {
        "a": {"b": 1, "c": [2]}, "d": 1}


def test_misspelt_key_names_file_and_key(tmp_path):
    message = error(tmp_path, {"diskretio": 5})
    assert "kommuner/furesoe.yaml: nøglen 'diskretio' ukendt nøgle" in message


def test_misspelt_nested_key(tmp_path):
    message = error(tmp_path, {"data": {"tabeller": {"borgere": {"fill": "x.csv"}}}})
    assert "furesoe.yaml: nøglen 'data.tabeller.borgere.fill' ukendt nøgle" in message


def test_unknown_table_name(tmp_path):
    message = error(tmp_path, {"data": {"tabeller": {"bevilinger": {"fil": "x.csv"}}}})
    assert "furesoe.yaml" in message and "data.tabeller.bevilinger" in message


def test_misspelt_key_in_default_names_default(tmp_path):
    message = error(tmp_path, {}, default_edit=lambda d: d.update(prisindex=0.02))
    assert "default.yaml: nøglen 'prisindex' ukendt nøgle" in message


def test_wrong_type(tmp_path):
    message = error(tmp_path, {"diskretion": "fem"})
    assert "furesoe.yaml: nøglen 'diskretion' skal være et heltal (fik 'fem')" in message


def test_out_of_range(tmp_path):
    message = error(tmp_path, {"diskretion": 0})
    assert "furesoe.yaml: nøglen 'diskretion' skal være mindst 1 (fik 0)" in message


def test_several_errors_at_once(tmp_path):
    message = error(tmp_path, {"diskretion": 0, "prisindeks": "høj", "foo": 1})
    assert all(k in message for k in ("'diskretion'", "'prisindeks'", "'foo'"))


def test_unknown_comparison_municipality(tmp_path):
    message = error(tmp_path, {"sammenligningskommuner": ["alleroed", "furesø"]})
    assert "furesoe.yaml: nøglen 'sammenligningskommuner'" in message
    assert "ukendt kommune 'furesø'" in message and "'furesoe'" in message


def test_unknown_municipality(tmp_path):
    root = project(tmp_path, {})
    with pytest.raises(ParameterFejl, match="ukendt kommune 'fursoe'.*Mente du 'furesoe'"):
        load_parameters("fursoe", root=root)


def test_municipality_file_missing(tmp_path):
    root = project(tmp_path, None)
    with pytest.raises(ParameterFejl) as err:
        load_parameters("furesoe", root=root)
    assert str(root / "parameters" / "kommuner" / "furesoe.yaml") in str(err.value)
    assert "eksempelkommune.yaml" in str(err.value)


def test_invalid_yaml_names_file_and_line(tmp_path):
    message = error(tmp_path, "kommune: furesoe\nnavn: [Furesø\ndiskretion: 5\n")
    assert "furesoe.yaml er ikke gyldig YAML (linje" in message


def test_file_of_the_wrong_shape(tmp_path):
    message = error(tmp_path, "- en\n- liste\n")
    assert "furesoe.yaml skal indeholde nøgler og værdier" in message


def test_kommune_key_must_match_the_file_name(tmp_path):
    message = error(tmp_path, "kommune: alleroed\nnavn: Allerød\n")
    assert "furesoe.yaml: nøglen 'kommune' er 'alleroed', men filen hedder furesoe" in message


def test_missing_value_is_blamed_on_the_municipality_file(tmp_path):
    message = error(tmp_path, "kommune: furesoe\n")
    assert "furesoe.yaml: nøglen 'navn' mangler" in message


def checked_error(tmp_path, own, check) -> str:
    """The message of a check that config leaves to the data contract or an analysis."""
    params = load_parameters("furesoe", root=project(tmp_path, own))
    with pytest.raises(ParameterFejl) as err:
        check(params)
    return str(err.value)


def test_kolonner_keys_must_be_canonical_columns(tmp_path):
    message = checked_error(tmp_path, {"data": {"tabeller": {"borgere": {
        "fil": "b.csv", "kolonner": {"koen": "Køn", "fodselsaar": "Født"},
        "koder": {"kon": {"1": "M"}}}}}}, check_table_columns)
    assert message.startswith("Fejl i parametrene:\n  - ")
    assert ("furesoe.yaml: nøglen 'data.tabeller.borgere.kolonner.fodselsaar' er ikke en "
            "kolonne") in message
    assert "Mente du 'foedselsaar'" in message
    assert "nøglen 'data.tabeller.borgere.koder.kon'" in message and "Mente du 'koen'" in message
    assert "'data.tabeller.borgere.kolonner.koen'" not in message


def test_andel_justeret_keys_must_be_rule_ids(tmp_path):
    message = checked_error(tmp_path, {"servicetjek": {"andel_justeret": {
        "standard": [0.1, 0.2], "pris_for_hoej": [0.1, 0.2]}}}, check_parameters)
    assert ("furesoe.yaml: nøglen 'servicetjek.andel_justeret.pris_for_hoej' ukendt regel "
            "'pris_for_hoej'; brug 'standard' eller en af pris_over_sammenlignelige") in message
    assert "andel_justeret.standard" not in message


def test_the_checks_name_the_file_that_holds_the_key(tmp_path):
    # A wrong rule id in default.yaml is blamed on default.yaml, not on the municipality.
    def edit(default):
        default["servicetjek"]["andel_justeret"]["dyr_sagg"] = [0.1, 0.2]

    params = load_parameters("furesoe", root=project(tmp_path, {}, default_edit=edit))
    with pytest.raises(ParameterFejl, match=r"default\.yaml: nøglen 'servicetjek\.andel_justeret\."
                       r"dyr_sagg' ukendt regel"):
        check_parameters(params)


def test_config_imports_nothing_above_the_reference_tables():
    # In a fresh interpreter: loading parameters imports neither data nor an analysis.
    code = ("import sys; from pathlib import Path; from socialanalyse.config import "
            f"load_parameters; load_parameters('eksempelkommune', root=Path({str(REPO)!r})); "
            "print(sorted(m for m in sys.modules if m.startswith('socialanalyse')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert eval(out) == ["socialanalyse", "socialanalyse.config", "socialanalyse.kalender",
                         "socialanalyse.reference"]


def test_codes_written_as_yaml_numbers_and_booleans_are_text(tmp_path):
    root = project(tmp_path, "kommune: furesoe\nnavn: Furesø\ndata:\n  tabeller:\n"
                             "    borgere:\n      fil: b.csv\n      koder:\n"
                             "        koen: {1: M, 2: K}\n"
                             "    leverandoerer:\n      fil: l.csv\n      koder:\n"
                             "        standardkontrakt: {true: ja, 1.5: nej}\n")
    params = load_parameters("furesoe", root=root)
    assert params.data.tabeller["borgere"].koder == {"koen": {"1": "M", "2": "K"}}
    assert params.data.tabeller["leverandoerer"].koder["standardkontrakt"] == {
        "true": "ja", "1.5": "nej"}


def test_parameters_are_frozen():
    params = load_parameters("eksempelkommune", root=REPO)
    with pytest.raises(ValidationError):
        params.diskretion = 3  # type: ignore[misc]


def test_project_root_from_environment(tmp_path, monkeypatch):
    shutil.copytree(REPO / "parameters", tmp_path / "parameters")
    monkeypatch.setenv("SOCIALANALYSE_HOME", str(tmp_path))
    assert project_root() == tmp_path.resolve()
    assert load_parameters("eksempelkommune").root == tmp_path.resolve()


def test_project_root_found_upwards(tmp_path, monkeypatch):
    monkeypatch.delenv("SOCIALANALYSE_HOME", raising=False)
    shutil.copytree(REPO / "parameters", tmp_path / "parameters")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert project_root() == tmp_path.resolve()


@pytest.mark.parametrize(
    "source, fragment",
    [
        ({"separator": ";;"}, "nøglen 'data.tabeller.borgere.separator' skal være ét tegn"),
        ({"encoding": "latin-99"}, "nøglen 'data.tabeller.borgere.encoding' ukendt tegnsæt"),
        ({"datoformat": "dd-mm-yyyy"},
         "nøglen 'data.tabeller.borgere.datoformat' skal være et datoformat med %-koder"),
    ],
)
def test_reading_options_are_checked(tmp_path, source, fragment):
    message = error(tmp_path, {"data": {"tabeller": {"borgere": {"fil": "b.csv", **source}}}})
    assert "furesoe.yaml" in message and fragment in message
