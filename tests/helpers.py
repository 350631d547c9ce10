"""Test helpers shared by the loader tests and anyone who needs a small municipality on disk.

`write_minimal_kommune(tmp_path, **overrides)` writes a complete, valid municipality (all
canonical tables, the three optional indkoeb tables included, a few rows each, as Danish
semicolon CSV) plus a parameters folder
(`parameters/default.yaml` copied from the repository and `parameters/kommuner/<slug>.yaml`)
into `tmp_path`, and returns a `MinimalKommune` to load it from:

    kommune = write_minimal_kommune(tmp_path)
    data = load(kommune.slug, root=kommune.root)

Overrides, by keyword:
- a table name with a DataFrame: written instead of the default rows (same CSV format);
- a table name with a str or bytes: written to the file as-is (for format quirks);
- a table name with None: the file is not written (a missing table);
- `params={...}`: merged into the municipality's YAML (e.g. a table's kolonner/koder/fil);
- `slug="furesoe"`: another municipality slug (default 'eksempelkommune').
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class MinimalKommune:
    """Where a minimal municipality was written."""

    root: Path  # project folder: pass as load(slug, root=root)
    slug: str
    data_dir: Path  # root / "data" / slug
    params_file: Path  # root / "parameters" / "kommuner" / f"{slug}.yaml"

    def path(self, table: str) -> Path:
        """The CSV file of one table (as written by default)."""
        return self.data_dir / f"{table}.csv"


def minimal_tables() -> dict[str, pd.DataFrame]:
    """The default rows: canonical columns, values as a Danish export writes them."""
    return {
        "borgere": pd.DataFrame({
            "borger_id": ["B1", "B2", "B3"],
            "foedselsaar": ["1980", "1995", "2010"],
            "koen": ["K", "M", "K"],
            "maalgruppe": ["Sindslidelse", "Udviklingshæmning", "Børn med handicap"],
        }),
        "leverandoerer": pd.DataFrame({
            "leverandoer_id": ["L1", "L2"],
            "navn": ["Bostedet Åbakken", "Privat Støtte ApS"],
            "leverandoertype": ["egen drift", "privat"],
            "standardkontrakt": ["ja", "nej"],
        }),
        "tilbud": pd.DataFrame({
            "tilbud_id": ["T1"],
            "leverandoer_id": ["L1"],
            "navn": ["Åbakken"],
            "paragraf": ["§107"],
            "pladser": ["12"],
        }),
        "bevillinger": pd.DataFrame({
            "bevilling_id": ["G1", "G2", "G3"],
            "borger_id": ["B1", "B2", "B3"],
            "paragraf": ["§107", "§85", "BL §46"],
            "leverandoer_id": ["L1", "L2", "L2"],
            "tilbud_id": ["T1", "", ""],
            "afdeling": ["Voksen", "Voksen", "Børn"],
            "startdato": ["01-01-2025", "15.03.2025", "2025-06-01"],
            "slutdato": ["", "31-12-2025", ""],
            "forventet_slutdato": ["31-12-2026", "", ""],
            "enhed": ["doegn", "time", "doegn"],
            "enhedspris": ["1.850,50", "450", "3.200,00"],
            "omfang": ["7", "4,5", "7"],
            "tillaeg": ["0", "", "1.000"],
        }),
        "betalinger": pd.DataFrame({
            "bevilling_id": ["G1", "G1", "G2", "G3"],
            "leverandoer_id": ["L1", "L1", "L2", "L2"],
            "periode": ["01-01-2025", "01-02-2025", "01-03-2025", "01-06-2025"],
            "beloeb": ["57.365,50", "51.814,00", "-1.234,50", "96.000,00"],
            "funktion": ["5.38.52", "5.38.52", "5.38.38", "5.28.23"],
        }),
        "opfoelgninger": pd.DataFrame({
            "bevilling_id": ["G1", "G2"],
            "dato": ["01-07-2025", "15-09-2025"],
            "type": ["opfølgning", "genforhandling"],
            "resultat": ["uændret", "justeret"],
        }),
        "vurderinger": pd.DataFrame({
            "borger_id": ["B1", "B1", "B2"],
            "dato": ["01-12-2024", "01-12-2024", "01-02-2025"],
            "metode": ["VUM2", "VUM2", "VUM2"],
            "tema": ["Egenomsorg", "Mobilitet", "Egenomsorg"],
            "niveau": ["3", "2", "1"],
        }),
        "maal": pd.DataFrame({
            "borger_id": ["B1", "B2"],
            "maal_id": ["M1", "M2"],
            "tema": ["Egenomsorg", "Samfundsliv"],
            "maaltype": ["Udvikle", "Fastholde"],
            "startdato": ["01-01-2025", "01-04-2025"],
            "frist": ["31-12-2025", "01-04-2026"],
            "status": ["igangværende", "opnået"],
        }),
        "budget": pd.DataFrame({
            "aar": ["2025", "2025"],
            "paragraf": ["§107", ""],
            "maalgruppe": ["", "Sindslidelse"],
            "beloeb": ["1.000.000", "2.500.000,00"],
            "forudsat_antal": ["1,5", ""],
            "forudsat_enhedspris": ["666.666,67", ""],
        }),
        "befolkning": pd.DataFrame({
            "aar": ["2025", "2025"],
            "aldersgruppe": ["18-64", "65+"],
            "antal": ["30.000", "9.500"],
        }),
        # The optional tables of the indkoeb workbook.
        "kontrakter": pd.DataFrame({
            "kontrakt_id": ["K1", "K2"],
            "leverandoer_id": ["L2", "L2"],
            "bevilling_id": ["G2", ""],
            "paragraf": ["", "BL §46"],
            "startdato": ["15.03.2025", "2025-01-01"],
            "udloebsdato": ["31-12-2026", ""],
            "standardkontrakt": ["nej", "ja"],
            "prisregulering": ["pl-indeks", "fast pris"],
            "genforhandlingsdato": ["01-06-2026", ""],
            "enhed": ["time", ""],
            "enhedspris": ["430,00", ""],
            "tidligere_enhedspris": ["450", ""],
            "prisaendring_dato": ["01.09.2025", ""],
        }),
        "prislister": pd.DataFrame({
            "leverandoer_id": ["L2", "L1"],
            "ydelse": ["Socialpædagogisk støtte, dagtimer", "Socialpædagogisk støtte, dagtimer"],
            "paragraf": ["§85", ""],
            "enhed": ["time", "time"],
            "enhedspris": ["1.045,50", "412,5"],
            "gyldig_fra": ["01-01-2025", "01.01.2025"],
            "indhold": ["Inkl. kørsel og dokumentation", ""],
        }),
        "tilsyn": pd.DataFrame({
            "leverandoer_id": ["L1", "L1", "L2"],
            "tilbud": ["Åbakken", "Åbakken", ""],
            "dato": ["15-05-2025", "15-05-2025", "01.10.2024"],
            "tema": ["", "Kompetencer", ""],
            "bedoemmelse": ["4", "3,5", "2"],
        }),
    }


def write_csv(path: Path, frame: pd.DataFrame, sep: str = ";", encoding: str = "utf-8") -> None:
    """Write a frame of text as a Danish export: ';' separated, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=sep, index=False, encoding=encoding)


def write_minimal_kommune(tmp_path: Path, **overrides) -> MinimalKommune:
    """Write a complete minimal municipality into tmp_path (see the module docstring)."""
    slug = overrides.pop("slug", "eksempelkommune")
    params = overrides.pop("params", None) or {}
    root = Path(tmp_path)
    pdir = root / "parameters"
    (pdir / "kommuner").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "parameters" / "default.yaml", pdir / "default.yaml")
    own = {"kommune": slug, "navn": slug.capitalize()}
    _merge(own, params)
    params_file = pdir / "kommuner" / f"{slug}.yaml"
    params_file.write_text(yaml.safe_dump(own, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    data_dir = root / "data" / slug
    data_dir.mkdir(parents=True, exist_ok=True)
    tables = minimal_tables()
    unknown = set(overrides) - set(tables)
    if unknown:
        raise TypeError(f"unknown overrides: {sorted(unknown)}")
    for name, frame in tables.items():
        content = overrides.get(name, frame)
        path = data_dir / f"{name}.csv"
        if content is None:
            continue
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            write_csv(path, content)
    return MinimalKommune(root=root, slug=slug, data_dir=data_dir, params_file=params_file)


SPLIT = {"data": {"tabeller": {"betalinger": {"fil": "betalinger_*.csv"}}}}


def split_payments(tmp_path: Path, first: pd.DataFrame | None = None,
                   second: pd.DataFrame | None = None) -> MinimalKommune:
    """The minimal municipality with betalinger in two files: 2024 (first two default rows,
    ';' and UTF-8) and 2025 (the other two, ',' and Windows-1252, as another system writes)."""
    kommune = write_minimal_kommune(tmp_path, betalinger=None, params=SPLIT)
    rows = minimal_tables()["betalinger"]
    write_csv(kommune.data_dir / "betalinger_2024.csv", rows.iloc[:2] if first is None else first)
    write_csv(kommune.data_dir / "betalinger_2025.csv", rows.iloc[2:] if second is None else second,
              sep=",", encoding="cp1252")
    return kommune


def _merge(base: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under a folder with its bytes and mtime (to prove nothing was changed)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def readouts(box) -> dict[str, str]:
    """The Danish readouts of a widget panel's slider rows (`report.widgets.slider_row`) by the
    slider's description, checking that ipywidgets' own readout is hidden."""
    from socialanalyse.report.widgets import READOUT_CLASS

    out = {}
    for row in box.children:
        parts = getattr(row, "children", ())
        if len(parts) == 2 and READOUT_CLASS in parts[1]._dom_classes:
            assert parts[0].readout is False
            out[parts[0].description] = parts[1].value
    return out


def load_benchmark(name: str):
    """benchmarks/NAME.py as a module (the benchmarks are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
