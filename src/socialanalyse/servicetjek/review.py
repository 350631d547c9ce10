"""After the screening: the review list for the myndighed's fællesmøde (`prioritize`,
`review_sheet`), checking the decisions filled in (`validate_decisions`) and the savings they
realise (`realized_savings`). Pure computations; reading the Excel file is in decisions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Parametre
from ..data import Data
from ..data.derived import annual_cost, effect_month
from ..reference import OPFOELGNINGSRESULTATER
from .base import regulated, resolve_as_of, servicetjek_params
from .catalog import REGLER
from .screening import combine, shares

#: The decisions the myndighed can record (the same words as opfoelgninger.resultat).
BESLUTNINGER = OPFOELGNINGSRESULTATER  # ("uændret", "justeret", "ophørt")

#: Columns of the review sheet the myndighed fills in.
DECISION_COLUMNS = ["beslutning", "beslutningsdato", "ny_enhedspris", "nyt_omfang",
                    "ny_aarlig_udgift", "bemaerkning"]


def prioritize(flags: pd.DataFrame) -> pd.DataFrame:
    """One review row per flagged grant, most expected gain first, reasons in plain Danish.

    Columns: prioritet (1 = first), bevilling_id, borger_id, paragraf, leverandoer_id,
    afdeling, antal_regler, regler (rule ids, comma-separated), aarsager (each rule's name and
    reason, separated by ' | '), aarlig_udgift, potentiale_lav, potentiale_hoej (combined per
    grant, see screening.combine), forventet_gevinst (the middle of the range, kr per year).
    Ties are broken by annual cost (highest first), then bevilling_id.
    """
    cols = ["prioritet", "bevilling_id", "borger_id", "paragraf", "leverandoer_id", "afdeling",
            "antal_regler", "regler", "aarsager", "aarlig_udgift", "potentiale_lav",
            "potentiale_hoej", "forventet_gevinst"]
    if flags.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    order = {k: n for n, k in enumerate(REGLER)}
    f = flags.assign(_o=flags["regel"].map(order)).sort_values(["bevilling_id", "_o"])
    f = f.assign(_txt=f["regel_navn"] + ": " + f["begrundelse"])
    g = f.groupby("bevilling_id", sort=False)
    out = g[["borger_id", "paragraf", "leverandoer_id", "afdeling", "aarlig_udgift"]].first()
    out["antal_regler"] = g["regel"].size()
    out["regler"] = g["regel"].agg(", ".join)
    out["aarsager"] = g["_txt"].agg(" | ".join)
    out = out.join(combine(flags).set_index("bevilling_id"))
    out["forventet_gevinst"] = (out["potentiale_lav"] + out["potentiale_hoej"]) / 2
    out = out.reset_index().sort_values(
        ["forventet_gevinst", "aarlig_udgift", "bevilling_id"], ascending=[False, False, True]
    )
    out.insert(0, "prioritet", np.arange(1, len(out) + 1))
    return out[cols].reset_index(drop=True)


def review_sheet(liste: pd.DataFrame, data: Data, params: Parametre, as_of=None,
                 top: int | None = None) -> pd.DataFrame:
    """The review list as the Excel sheet the myndighed fills in.

    The prioritised list (ids are the data's pseudonyms), the grant's unit, current price
    (regulated to the reference year) and volume for reference, and the empty decision
    columns: beslutning (uændret, justeret or ophørt), beslutningsdato, ny_enhedspris (kr per
    unit, current prices), nyt_omfang (units per week, or per month for maaned),
    ny_aarlig_udgift (the replacing offer's annual cost, e.g. after a step down) and
    bemaerkning. `top` keeps the first rows only.
    """
    _, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    rows = liste if top is None else liste.head(top)
    bev = data.bevillinger.set_index("bevilling_id")
    b = bev.loc[rows["bevilling_id"]]
    sheet = rows.drop(columns=["forventet_gevinst"]).copy()
    pos = sheet.columns.get_loc("aarlig_udgift")
    sheet.insert(pos, "enhed", b["enhed"].to_numpy())
    sheet.insert(pos + 1, "enhedspris_nu",
                 regulated(b["enhedspris"], b["startdato"], as_of.year, prisindeks).to_numpy())
    sheet.insert(pos + 2, "omfang", b["omfang"].to_numpy())
    sheet["enhedspris_nu"] = sheet["enhedspris_nu"].round(2)
    for c in ("aarlig_udgift", "potentiale_lav", "potentiale_hoej"):
        sheet[c] = sheet[c].round(0)
    for c in DECISION_COLUMNS:
        sheet[c] = pd.Series([None] * len(sheet), dtype=object)
    return sheet.reset_index(drop=True)


# --- decisions -----------------------------------------------------------------------------

class BeslutningsFejl(ValueError):
    """The filled-in review list cannot be used; the message is Danish and names each row and
    column with a problem (`problemer` holds them as (række, kolonne, tekst))."""

    def __init__(self, message: str, problemer: list[tuple[int | None, str | None, str]]):
        super().__init__(message)
        self.problemer = problemer


_ALIASES = {"uaendret": "uændret", "uændret": "uændret", "justeret": "justeret",
            "ophoert": "ophørt", "ophørt": "ophørt"}


def _number(value) -> float | None:
    """A number from a cell: floats as they are, Danish text ('1.234,50', '1234,5 kr.')."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = re.sub(r"\s|kr\.?", "", str(value))
    if text == "":
        return None
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+(,\d+)?", text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    raise ValueError(text)


def parse_number(value) -> float:
    """A number from a cell as the decision columns are read; NaN when empty or unreadable."""
    try:
        number = _number(value)
    except ValueError:
        return float("nan")
    return float("nan") if number is None else number


def _date(value) -> pd.Timestamp | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "year"):
        return pd.Timestamp(value).normalize()
    text = str(value).strip()
    if text == "":
        return None
    for fmt in ("%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%y", "%d.%m.%y"):
        try:
            return pd.Timestamp(pd.to_datetime(text, format=fmt))
        except ValueError:
            continue
    raise ValueError(text)


def _empty(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def validate_decisions(decisions: pd.DataFrame, data: Data | None = None,
                       where: dict[str, str] | None = None) -> pd.DataFrame:
    """Check the filled-in decisions and return them clean; raise BeslutningsFejl otherwise.

    `decisions` has the review sheet's columns (at least bevilling_id and beslutning; the
    other decision columns may be missing). Optional column `raekke`: the spreadsheet row of
    each line, used in messages (default: data row number + 1, i.e. as in Excel with a header
    row). `where` maps a column to how it is named in messages (e.g. "K (Beslutning)").
    With `data`, every bevilling_id must exist there.

    Rules: beslutning is empty (not decided yet) or uændret, justeret, ophørt (case and
    æ/ø spelt ae/oe do not matter); justeret needs ny_enhedspris, nyt_omfang or
    ny_aarlig_udgift; justeret and ophørt need a beslutningsdato; numbers are ≥ 0 (Danish
    '1.234,50' is read); a grant is decided once.

    Returns every row (undecided ones with an empty beslutning), with beslutning normalised,
    numbers as floats, the date as a Timestamp, and columns raekke, bevilling_id, regler (if present), beslutning,
    beslutningsdato, ny_enhedspris, nyt_omfang, ny_aarlig_udgift, bemaerkning.
    """
    where = where or {}
    problems: list[tuple[int | None, str | None, str]] = []

    def name(col: str) -> str:
        return where.get(col, col)

    missing = [c for c in ("bevilling_id", "beslutning") if c not in decisions.columns]
    if missing:
        text = ", ".join(f"'{m}'" for m in missing)
        raise BeslutningsFejl(
            f"Gennemgangslisten mangler kolonnen {text}. Brug den liste, servicetjekket har lavet.",
            [(None, m, "kolonnen mangler") for m in missing],
        )
    d = decisions.copy()
    if "raekke" not in d.columns:
        d["raekke"] = np.arange(len(d)) + 2
    for c in DECISION_COLUMNS:
        if c not in d.columns:
            d[c] = None
    rows = []
    seen: dict[str, int] = {}
    known = set(data.bevillinger["bevilling_id"]) if data is not None else None
    for rec in d.to_dict("records"):  # one row per reviewed grant (hundreds), not per payment
        row = int(rec["raekke"])
        raw = rec["beslutning"]
        if _empty(raw):  # not decided yet: kept, so the undecided can be counted
            rows.append({"raekke": row, "bevilling_id": None if _empty(rec["bevilling_id"])
                         else str(rec["bevilling_id"]).strip(),
                         **({"regler": rec["regler"]} if "regler" in d.columns else {}),
                         "beslutning": None, "beslutningsdato": None, "ny_enhedspris": None,
                         "nyt_omfang": None, "ny_aarlig_udgift": None, "bemaerkning": None})
            continue
        key = str(raw).strip().lower().replace("ae", "æ").replace("oe", "ø")
        beslutning = _ALIASES.get(str(raw).strip().lower()) or _ALIASES.get(key)
        if beslutning is None:
            problems.append((row, name("beslutning"),
                             (f"'{raw}' er ikke en gyldig beslutning; skriv uændret, justeret "
                              "eller ophørt (eller lad feltet stå tomt)")))
            continue
        bid = rec["bevilling_id"]
        if _empty(bid):
            problems.append((row, name("bevilling_id"), "bevillingens id mangler"))
            continue
        bid = str(bid).strip()
        if known is not None and bid not in known:
            problems.append((row, name("bevilling_id"), f"bevillingen '{bid}' findes ikke i data"))
        if bid in seen:
            problems.append((row, name("bevilling_id"),
                             f"bevillingen '{bid}' har allerede en beslutning i række {seen[bid]}"))
        seen[bid] = row
        numbers = {}
        for c in ("ny_enhedspris", "nyt_omfang", "ny_aarlig_udgift"):
            try:
                numbers[c] = _number(rec[c])
            except ValueError:
                problems.append((row, name(c), f"'{rec[c]}' er ikke et tal"))
                numbers[c] = None
                continue
            if numbers[c] is not None and numbers[c] < 0:
                problems.append((row, name(c), f"{rec[c]} er negativ; skriv 0 eller mere"))
        try:
            when = _date(rec["beslutningsdato"])
        except ValueError:
            problems.append((row, name("beslutningsdato"),
                             f"'{rec['beslutningsdato']}' er ikke en dato; skriv fx 15-01-2027"))
            when = None
        else:
            if when is None and beslutning != "uændret":
                problems.append((row, name("beslutningsdato"),
                                 f"beslutningen '{beslutning}' kræver en beslutningsdato"))
        if beslutning == "justeret" and all(numbers[c] is None for c in numbers):
            problems.append((row, name("beslutning"),
                             "'justeret' kræver ny enhedspris, nyt omfang eller ny årlig udgift"))
        rows.append({"raekke": row, "bevilling_id": bid,
                     **({"regler": rec["regler"]} if "regler" in d.columns else {}),
                     "beslutning": beslutning, "beslutningsdato": when, **numbers,
                     "bemaerkning": None if _empty(rec["bemaerkning"]) else str(rec["bemaerkning"])})
    if problems:
        lines = [
            "  - " + ", ".join(x for x in (f"række {r}" if r is not None else None,
                                           f"kolonne {c}" if c else None) if x) + f": {t}"
            for r, c, t in problems
        ]
        raise BeslutningsFejl(
            f"Gennemgangslisten har {len(problems)} fejl:\n" + "\n".join(lines), problems)
    cols = ["raekke", "bevilling_id"] + (["regler"] if "regler" in d.columns else []) + [
        "beslutning", "beslutningsdato", "ny_enhedspris", "nyt_omfang", "ny_aarlig_udgift",
        "bemaerkning"]
    out = pd.DataFrame(rows, columns=cols)
    out["beslutningsdato"] = pd.to_datetime(out["beslutningsdato"])
    for c in ("ny_enhedspris", "nyt_omfang", "ny_aarlig_udgift"):
        out[c] = out[c].astype(float)
    return out


@dataclass(frozen=True)
class Realiseret:
    """Realised savings of the decisions.

    pr_bevilling: bevilling_id, beslutning, beslutningsdato, virkning_fra (first month with
    the change), aarlig_udgift_foer, aarlig_udgift_efter, aarlig_besparelse.
    pr_maaned: maaned, besparelse (kr saved that month), akkumuleret, aarlig_effekt (the
    annual saving of the decisions in effect that month, to set against the goal).
    aarlig: annualised saving of all decisions (kr per year); realiseret: saved up to and
    including the month of the reference date; maal/andel_af_maal: the political goal (kr per
    year, None when not set) and aarlig as a share of it.
    traef: hit rate per rule: regel, regel_navn, antal_besluttet, antal_justeret, antal_ophoert,
    traefprocent ((justeret + ophørt) / besluttet), aarlig_besparelse, besparelse_pr_justeret
    (aarlig_besparelse / (justeret + ophørt)), andel_lav and andel_hoej (the shares assumed
    in the potential, `screening.shares`): realised against expected.
    afventer: reviewed grants without a decision yet.
    start: the programme's start (None: from the first decision).
    """

    pr_bevilling: pd.DataFrame
    pr_maaned: pd.DataFrame
    aarlig: float
    realiseret: float
    maal: float | None
    andel_af_maal: float | None
    traef: pd.DataFrame
    afventer: int
    start: pd.Timestamp | None = None


def realized_savings(decisions: pd.DataFrame, data: Data, params: Parametre, as_of=None,
                     flags: pd.DataFrame | None = None, start=None) -> Realiseret:
    """Savings realised by the myndighed's decisions on the review list.

    decisions: the filled-in review list (e.g. from `read_decisions`, or any frame accepted by
    `validate_decisions`). The annual cost before is the grant's cost at its price regulated to
    the decision year; after: uændret = before; ophørt = ny_aarlig_udgift (a replacing offer)
    or 0; justeret = ny_aarlig_udgift if given, else the grant with ny_enhedspris (current
    prices) and/or nyt_omfang instead of its own (tillaeg unchanged). The saving counts from
    the first whole month after the decision (a decision on the 1st counts from that month),
    1/12 of the annual saving per month, up to the reference month (`as_of`, default from the
    data). The hit rate per rule uses the list's `regler` column, or `flags` when given.
    `start` (the programme's start date, parameter servicetjek.programstart when None):
    only decisions on or after it count, and the months run from its month.
    """
    p, prisindeks = servicetjek_params(params)
    as_of = resolve_as_of(data, as_of)
    start = p.programstart if start is None else start
    start = None if start is None else pd.Timestamp(start)
    d = validate_decisions(decisions, data)
    afventer = int(d["beslutning"].isna().sum())
    d = d[d["beslutning"].notna()]
    if start is not None:
        d = d[d["beslutningsdato"].isna() | (d["beslutningsdato"] >= start)]
    d = d.reset_index(drop=True)
    bev = data.bevillinger.set_index("bevilling_id").loc[d["bevilling_id"]].reset_index()
    when = d["beslutningsdato"].fillna(as_of)
    # The grant's price regulated to the decision year.
    price_now = regulated(bev["enhedspris"].astype(float), bev["startdato"], when.dt.year,
                          prisindeks).to_numpy()
    before = annual_cost(bev.assign(enhedspris=price_now))
    new_price = np.where(d["ny_enhedspris"].notna(), d["ny_enhedspris"], price_now)
    new_omfang = d["nyt_omfang"].fillna(bev["omfang"]).to_numpy()
    adjusted = annual_cost(bev.assign(enhedspris=new_price, omfang=new_omfang))
    after = np.select(
        [d["beslutning"].eq("uændret").to_numpy(),
         d["ny_aarlig_udgift"].notna().to_numpy(),
         d["beslutning"].eq("ophørt").to_numpy()],
        [before.to_numpy(), d["ny_aarlig_udgift"].to_numpy(), 0.0],
        default=adjusted.to_numpy(),
    )
    # First whole month after the decision (the 1st of a month counts from that month).
    start_month = effect_month(when)
    per_grant = pd.DataFrame({
        "bevilling_id": d["bevilling_id"],
        "beslutning": d["beslutning"],
        "beslutningsdato": d["beslutningsdato"],
        "virkning_fra": start_month.where(d["beslutning"].ne("uændret")),
        "aarlig_udgift_foer": before.to_numpy(),
        "aarlig_udgift_efter": after,
    })
    per_grant["aarlig_besparelse"] = per_grant["aarlig_udgift_foer"] - per_grant["aarlig_udgift_efter"]

    last_month = as_of.to_period("M").to_timestamp()
    eff = per_grant[per_grant["virkning_fra"].notna() & (per_grant["virkning_fra"] <= last_month)]
    first = start.to_period("M").to_timestamp() if start is not None else (
        eff["virkning_fra"].min() if len(eff) else None)
    if first is not None and first <= last_month:
        months = pd.date_range(first, last_month, freq="MS")
        on = eff["virkning_fra"].to_numpy()[None, :] <= months.to_numpy()[:, None]
        monthly = on @ (eff["aarlig_besparelse"].to_numpy() / 12)
    else:
        months, monthly = pd.DatetimeIndex([]), np.empty(0)
    pr_maaned = pd.DataFrame({"maaned": months, "besparelse": monthly})
    pr_maaned["akkumuleret"] = pr_maaned["besparelse"].cumsum()
    pr_maaned["aarlig_effekt"] = pr_maaned["besparelse"] * 12

    # Hit rate per rule.
    if flags is not None:
        rule_rows = flags[["bevilling_id", "regel"]].drop_duplicates()
    elif "regler" in d.columns:
        rule_rows = d[["bevilling_id", "regler"]].assign(
            regel=d["regler"].fillna("").astype(str).str.split(",")).explode("regel")
        rule_rows["regel"] = rule_rows["regel"].str.strip()
        rule_rows = rule_rows[rule_rows["regel"] != ""][["bevilling_id", "regel"]]
    else:
        rule_rows = pd.DataFrame({"bevilling_id": pd.Series(dtype=str), "regel": pd.Series(dtype=str)})
    hits = rule_rows.merge(per_grant[["bevilling_id", "beslutning", "aarlig_besparelse"]],
                           on="bevilling_id")
    hits = hits.assign(antal_besluttet=1, antal_justeret=hits["beslutning"].eq("justeret"),
                       antal_ophoert=hits["beslutning"].eq("ophørt"))
    traef = hits.groupby("regel")[["antal_besluttet", "antal_justeret", "antal_ophoert",
                                   "aarlig_besparelse"]].sum().reindex(list(REGLER))
    traef = traef.astype(float).fillna(0.0)
    for c in ("antal_besluttet", "antal_justeret", "antal_ophoert"):
        traef[c] = traef[c].astype(int)
    changed = traef["antal_justeret"] + traef["antal_ophoert"]
    traef["traefprocent"] = changed / traef["antal_besluttet"].where(traef["antal_besluttet"] > 0)
    traef["besparelse_pr_justeret"] = traef["aarlig_besparelse"] / changed.where(changed > 0)
    traef.insert(0, "regel_navn", [REGLER[k].navn for k in traef.index])
    traef = traef.rename_axis("regel").reset_index().merge(shares(params), on="regel")[
        ["regel", "regel_navn", "antal_besluttet", "antal_justeret", "antal_ophoert",
         "traefprocent", "aarlig_besparelse", "besparelse_pr_justeret", "andel_lav",
         "andel_hoej"]]

    aarlig = float(per_grant["aarlig_besparelse"].sum())
    maal = p.besparelsesmaal
    return Realiseret(
        pr_bevilling=per_grant,
        pr_maaned=pr_maaned,
        aarlig=aarlig,
        realiseret=float(pr_maaned["besparelse"].sum()),
        maal=maal,
        andel_af_maal=(aarlig / maal) if maal else None,
        traef=traef,
        afventer=afventer,
        start=start,
    )
