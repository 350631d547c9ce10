"""The Danish export format: the tables as a municipality's case and payment systems deliver them.

Danish headers, semicolon CSV with decimal commas and thousand dots, dates as 31-12-2025 or
31.12.2025, Windows-1252 or UTF-8 with BOM, codes that differ from the canonical ones, and
Excel files. Each table family declares its files as `Export`s (its module's `EXPORT`);
parameters/kommuner/eksempelkommune.yaml maps them back. The same tables give the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..contract import TABLES

PARAGRAF_KODER = {  # canonical paragraf -> how the case system writes it
    "§82b": "SEL § 82 b", "§85": "SEL § 85", "§96": "SEL § 96", "§97": "SEL § 97",
    "§103": "SEL § 103", "§104": "SEL § 104", "§105+§85": "ABL § 105 / SEL § 85",
    "§107": "SEL § 107", "§108": "SEL § 108", "§110": "SEL § 110",
    "BL §32": "BL § 32", "BL §46": "BL § 46", "BL §87": "BL § 87",
}


@dataclass(frozen=True)
class Export:
    """How one canonical table is written as a municipality's file."""

    fil: str
    kolonner: dict[str, str]  # canonical -> header in the file (in file order)
    koder: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical -> {canon: code}
    encoding: str = "utf-8-sig"  # "utf-8-sig" (with BOM) or "cp1252"
    datoformat: str = "%d-%m-%Y"
    ark: str | None = None  # sheet of an .xlsx
    tusinder: tuple[str, ...] = ()  # int columns written with thousand dots (12.345)


_FIXED_TIME = datetime(2026, 11, 2, 8, 0, 0)  # the extract's (fixed) creation time


def _danish_number(values: pd.Series, decimals: int) -> pd.Series:
    """1234567.5 -> '1.234.567,50'; NaN -> ''."""
    out = values.map(lambda x: "" if pd.isna(x) else f"{x:,.{decimals}f}")
    return out.str.translate(str.maketrans(",.", ".,"))


def export_frame(name: str, df: pd.DataFrame, spec: Export) -> pd.DataFrame:
    """The table with Danish headers and codes; CSV cells as Danish formatted strings."""
    table = TABLES[name]
    xlsx = spec.fil.endswith(".xlsx")
    out = {}
    for col, header in spec.kolonner.items():
        kind = table.col(col).kind
        s = df[col]
        codes = spec.koder.get(col)
        if codes is not None:
            s = s.map(lambda x, c=codes: c.get(str(x), x) if not pd.isna(x) else x)
        elif kind == "date":
            s = s.dt.strftime(spec.datoformat).fillna("") if not xlsx else s
        elif kind == "float" and not xlsx:
            s = _danish_number(s, 2)
        elif kind == "int" and not xlsx:
            s = _danish_number(s, 0) if col in spec.tusinder else s.astype(str)
        out[header] = s if xlsx else s.fillna("").astype(str)
    return pd.DataFrame(out)


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> None:
    text = frame.to_csv(sep=";", index=False, lineterminator="\r\n")
    path.write_bytes(text.encode(encoding))


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """An .xlsx whose bytes depend only on the content (fixed timestamps in docProps and zip)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(x, float) and np.isnan(x)) else
                   (x.item() if isinstance(x, np.generic) else x) for x in row])
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(str(col)) + 2)
    wb.properties.creator = "Fagsystem (syntetisk udtræk)"
    wb.properties.created = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<3>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())


def write_tables(tables: dict[str, pd.DataFrame], specs: dict[str, Export], out: Path) -> None:
    """Write each table named in `specs` as its file in `out` (created if missing)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, spec in specs.items():
        frame = export_frame(name, tables[name], spec)
        if spec.fil.endswith(".xlsx"):
            _write_xlsx(frame, out / spec.fil, spec.ark or name)
        else:
            _write_csv(frame, out / spec.fil, spec.encoding)
