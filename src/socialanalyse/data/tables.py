"""The validated set of canonical tables that every analysis receives (`Data`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .contract import TABLES, Problem, conform, cross_table_problems, dtype, schema
from .formats import antal

MAX_PROBLEMS = 50  # reported per file; more are summarised as a count


class DataFejl(ValueError):
    """Data that cannot be used. The message is Danish and names file, row and column."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


def empty_table(name: str) -> pd.DataFrame:
    """An empty canonical table with the right columns and types."""
    return pd.DataFrame({c.name: pd.Series(dtype=dtype(c)) for c in TABLES[name].columns})


def schema_problems(name: str, df: pd.DataFrame) -> list[Problem]:
    """All schema problems of one canonical table (types, allowed values, ranges, key)."""
    import pandera.errors as pe  # here: pandera costs a kernel that only reads a snapshot CPU

    try:
        schema(name).validate(df, lazy=True)
    except pe.SchemaErrors as exc:
        problems = []
        for case in exc.failure_cases.itertuples(index=False):
            column = case.column if isinstance(case.column, str) else None
            row = None if pd.isna(case.index) else int(case.index)
            problems.append(Problem(name, column, row, case.failure_case, _describe(name, case)))
        return problems
    return []


def _describe(table: str, case) -> str:
    check = str(case.check)
    column = case.column if isinstance(case.column, str) else None
    if check.startswith("isin"):
        from .contract import allowed_values

        allowed = allowed_values(table, column) or ()
        shown = ", ".join(map(str, allowed[:12])) + (" …" if len(allowed) > 12 else "")
        return f"ukendt værdi {case.failure_case!r}; tilladt er {shown}"
    if check.startswith("greater_than_or_equal_to"):
        return f"værdien {case.failure_case!r} er for lille (mindst {check.split('(')[1][:-1]})"
    if check.startswith("less_than_or_equal_to"):
        return f"værdien {case.failure_case!r} er for stor (højst {check.split('(')[1][:-1]})"
    if check.startswith("str_matches"):
        return f"værdien {case.failure_case!r} har ikke den rigtige form"
    if check == "not_nullable":
        return "feltet er tomt, men skal udfyldes"
    if check == "column_in_dataframe":
        return f"kolonnen {case.failure_case!r} mangler"
    if "unique" in check or "duplicates" in check:
        key = ", ".join(TABLES[table].key)
        return f"dubleret nøgle ({key}): {case.failure_case!r} forekommer mere end én gang"
    if check.startswith(("dtype", "coerce")):
        return f"værdien {case.failure_case!r} har forkert type ({check})"
    return f"{check}: {case.failure_case!r}"


@dataclass(frozen=True)
class Data:
    """The canonical tables of one municipality, validated, plus where they came from."""

    kommune: str
    borgere: pd.DataFrame
    bevillinger: pd.DataFrame
    betalinger: pd.DataFrame
    opfoelgninger: pd.DataFrame
    vurderinger: pd.DataFrame
    maal: pd.DataFrame
    leverandoerer: pd.DataFrame
    tilbud: pd.DataFrame
    budget: pd.DataFrame
    befolkning: pd.DataFrame
    # Optional tables of the indkoeb workbook: empty unless given.
    kontrakter: pd.DataFrame = field(default_factory=lambda: empty_table("kontrakter"))
    prislister: pd.DataFrame = field(default_factory=lambda: empty_table("prislister"))
    tilsyn: pd.DataFrame = field(default_factory=lambda: empty_table("tilsyn"))
    advarsler: tuple[str, ...] = ()
    kilder: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # files per table

    def tables(self) -> dict[str, pd.DataFrame]:
        """The canonical tables by name."""
        return {name: getattr(self, name) for name in TABLES}

    @classmethod
    def from_tables(
        cls,
        tables: dict[str, pd.DataFrame],
        kommune: str = "eksempelkommune",
        advarsler: tuple[str, ...] = (),
        kilder: dict[str, tuple[Path, ...]] | None = None,
    ) -> Data:
        """Conform and validate in-memory canonical tables (missing tables become empty).

        Raises DataFejl listing every problem (table, row, column) when validation fails.
        """
        unknown = set(tables) - set(TABLES)
        if unknown:
            raise DataFejl(f"Ukendte tabeller: {', '.join(sorted(unknown))}")
        full = {
            name: conform(name, tables[name]) if name in tables else empty_table(name)
            for name in TABLES
        }
        problems = [p for name, df in full.items() for p in schema_problems(name, df)]
        if not problems:
            problems = cross_table_problems(full)
        if problems:
            raise DataFejl(format_problems(problems), problems)
        validated = {name: schema(name).validate(df) for name, df in full.items()}
        return cls(kommune=kommune, advarsler=tuple(advarsler), kilder=dict(kilder or {}),
                   **validated)


def format_problems(
    problems: list[Problem],
    files: dict[str, object] | None = None,
    limit: int = MAX_PROBLEMS,
    *,
    columns: dict[str, dict[str, str]] | None = None,
    first_rows: dict[str, int] | None = None,
    totals: dict[str, int] | None = None,
) -> str:
    """A Danish, readable list of problems, grouped by file: 'fil, række N, kolonne K: ...'.

    Rows are shown as a spreadsheet shows them: the header is række 1, so the first data row
    (row 0 of the table) is række 2; `first_rows` gives another first-data-row per table (an
    Excel sheet with title rows above the header). `columns` maps a table's canonical column
    to the extract's header, shown as 'Header' (kanonisk). At most `limit` problems are
    listed per file, then 'og N problemer mere'; `totals` gives the full count per table
    when fewer Problem objects were kept. A problem with `fil` set (a table read from several
    files) is listed under that file, and the dicts are looked up by the file instead.
    """
    files = files or {}
    columns = columns or {}
    first_rows = first_rows or {}
    totals = totals or {}
    groups: dict[str, list[Problem]] = {}
    for p in problems:
        groups.setdefault(p.fil or p.table, []).append(p)
    counts = {t: max(totals.get(t, 0), len(ps)) for t, ps in groups.items()}
    total = sum(counts.values())
    lines = [f"Data kan ikke bruges ({antal(total, 'problem', 'problemer')}):"]
    for key, group in groups.items():
        label = str(files.get(key, group[0].fil or f"tabellen {key}"))
        for p in group[:limit]:
            where = [label]
            if p.row is not None:
                where.append(f"række {p.row + first_rows.get(key, 2)}")
            if p.column:
                header = columns.get(key, {}).get(p.column, p.column)
                shown = f"'{header}'" if header == p.column else f"'{header}' ({p.column})"
                where.append(f"kolonne {shown}")
            lines.append(f"  - {', '.join(where)}: {p.message}")
        more = counts[key] - min(len(group), limit)
        if more > 0:
            lines.append(f"  - … og {antal(more, 'problem', 'problemer')} mere i {label}.")
    return "\n".join(lines)
