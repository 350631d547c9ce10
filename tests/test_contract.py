"""The documentation in data/README.md follows the data contract and the parameter models."""

from __future__ import annotations

from pathlib import Path

from socialanalyse import reference as ref
from socialanalyse.config import TabelKilde
from socialanalyse.data.contract import TABLES, markdown

README = Path(__file__).resolve().parents[1] / "data" / "README.md"
START, END = "<!-- kontrakt:start -->\n", "<!-- kontrakt:slut -->"


def generated_block() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index(START) + len(START):text.index(END)]


def test_readme_holds_the_current_generated_contract():
    # If this fails, regenerate the block between the markers from markdown():
    # it is the text of socialanalyse.data.contract.markdown() with a blank line around it.
    assert generated_block() == "\n" + markdown() + "\n"


def test_markdown_names_every_table_and_column():
    text = markdown()
    for t in TABLES.values():
        assert f"### `{t.name}`" in text
        for c in t.columns:
            assert f"| `{c.name}` |" in text


def test_markdown_states_the_rules():
    text = markdown()
    assert "| `niveau` | heltal | ja | nej |" in text and "fra 0 til 4" in text
    assert "skal findes i borgere.borger_id" in text
    assert "| `tillaeg` | tal | nej (standard 0) | ja (= 0) |" in text
    assert "ikke før startdato" in text


def test_readme_explains_every_mapping_key():
    text = README.read_text(encoding="utf-8")
    for key in TabelKilde.model_fields:
        assert f"`{key}`" in text, key


def test_readme_explains_every_reference_table_column():
    text = README.read_text(encoding="utf-8")
    frames = {
        "paragraffer.csv": ref.paragraffer(), "kommuner.csv": ref.kommuner(),
        "vum_temaer.csv": ref.vum_temaer(), "vum_niveauer.csv": ref.vum_niveauer(),
        "diskonteringsrente.csv": ref.diskonteringsrente(),
        "kontoplan_funktioner.csv": ref.kontoplan_funktioner(),
        "landsniveau.csv": ref.landsniveau(),
    }
    for name, frame in frames.items():
        assert f"`{name}`" in text
        for column in frame.columns:
            assert f"`{column}`" in text, (name, column)


def test_readme_names_the_key_variable_and_required_tables():
    from socialanalyse.data.loading import REQUIRED_TABLES
    from socialanalyse.privacy import KEY_ENV

    text = README.read_text(encoding="utf-8")
    assert KEY_ENV in text
    assert "**Påkrævet:** " + ", ".join(f"`{t}`" for t in REQUIRED_TABLES[:-1]) in text


def test_readme_parameter_example_is_valid(tmp_path):
    import re
    import shutil

    from socialanalyse.config import load_parameters

    text = README.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.DOTALL).group(1)
    (tmp_path / "parameters" / "kommuner").mkdir(parents=True)
    shutil.copy(README.parents[1] / "parameters" / "default.yaml",
                tmp_path / "parameters" / "default.yaml")
    (tmp_path / "parameters" / "kommuner" / "furesoe.yaml").write_text(example, encoding="utf-8")
    params = load_parameters("furesoe", root=tmp_path)
    bev = params.data.tabeller["bevillinger"]
    assert bev.ark == "Aktive bevillinger" and bev.kolonner["startdato"] == "Periode Start"
    assert params.data.tabeller["borgere"].koder["koen"] == {"1": "M", "2": "K"}
