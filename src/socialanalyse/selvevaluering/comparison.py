"""The self-assessment next to the data: each KL recommendation's status from both, and the
questions where the two disagree.

Answers on different scales are compared by their position on the scale, 0 (least) to 1
(most): 'Påbegyndt' is 1/3, 'Middel' 1/2, 'Ja' 1. They disagree when they lie at least UENIG
apart (half the scale): ja against nej, lav against middel, or two of KL's four steps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import reference as ref
from .questionnaire import (
    KL,
    SKALAER,
    STATUS,
    missing_as_none,
    position,
    question_id,
    questions,
)

#: Positions at least this far apart disagree.
UENIG = 0.5


def status_label(pos: float | None) -> str | None:
    """A position 0-1 as KL's status (the nearest of the four steps, halves up)."""
    if pos is None or np.isnan(pos):
        return None
    return STATUS[int(np.floor(pos * (len(STATUS) - 1) + 0.5))]


def _positions(frame: pd.DataFrame, skala: pd.Series) -> pd.Series:
    return pd.Series([position(s, k) for s, k in zip(frame["svar"], skala)], index=frame.index,
                     dtype=float)


def data_status(datasvar: pd.DataFrame) -> pd.DataFrame:
    """Per KL recommendation, what the data's answers say: the mean position of the answers
    that inform it (on their own scales), as the nearest status.

    Columns: nr, data_status (None without an answer), data_position (that status's
    position, 0-1; NaN then), data_evidens (the evidence of every answer informing it, also
    of facts without an answer).
    """
    skala = questions().set_index("id")["skala"]
    d = datasvar.assign(pos=_positions(datasvar, datasvar["spoergsmaal"].map(skala)))
    by = d.groupby("anbefaling")
    mean, evidens = by["pos"].mean(), by["evidens"].agg(" ".join)
    nr = ref.kl_anbefalinger()["nr"]
    labels = [status_label(mean.get(n, np.nan)) for n in nr]
    frame = pd.DataFrame({"nr": nr, "data_status": labels,
                          "data_position": [position(s, "status") for s in labels],
                          "data_evidens": [evidens.get(n, "") for n in nr]})
    frame["data_position"] = frame["data_position"].astype(float)
    frame["data_status"] = missing_as_none(frame["data_status"])
    return frame


def _self(answers: pd.DataFrame | None) -> pd.DataFrame:
    """The self-assessment by question id: svar, kommentar (empty frame without answers)."""
    if answers is None or answers.empty:
        return pd.DataFrame(columns=["svar", "kommentar"], index=pd.Index([], name="id"))
    return answers.set_index("id")[["svar", "kommentar"]]


def status_table(answers: pd.DataFrame | None, datasvar: pd.DataFrame) -> pd.DataFrame:
    """KL's 12 recommendations with their status from the self-assessment and from the data
    (the status grid).

    Columns: nr, gruppe, titel, spoergsmaal (til videre drøftelse), selvvurdering (the KL
    sheet's status; None unanswered or 'Ved ikke'), data_status, status (the more cautious of
    the two where both are known, else the known one), position (status as 0-1, NaN unknown),
    kommentar, data_evidens.
    """
    kl = ref.kl_anbefalinger()
    mine = _self(answers)
    ids = [question_id(KL, n) for n in kl["nr"]]
    selv = mine["svar"].reindex(ids).where(lambda s: s.isin(STATUS), None)
    out = kl[["nr", "gruppe", "titel", "spoergsmaal"]].copy()
    out["selvvurdering"] = selv.to_numpy()
    out = out.merge(data_status(datasvar), on="nr", how="left")
    self_pos = pd.Series([position(s, "status") for s in out["selvvurdering"]], dtype=float)
    out["position"] = np.fmin(self_pos, out["data_position"])  # NaN only when both are
    out["status"] = missing_as_none(pd.Series([status_label(p) for p in out["position"]]))
    out["kommentar"] = missing_as_none(pd.Series(mine["kommentar"].reindex(ids).to_numpy()))
    out["selvvurdering"] = missing_as_none(out["selvvurdering"])
    return out[["nr", "gruppe", "titel", "spoergsmaal", "selvvurdering", "data_status",
                "status", "position", "kommentar", "data_evidens"]]


def disagreements(answers: pd.DataFrame | None, datasvar: pd.DataFrame) -> pd.DataFrame:
    """Where the self-assessment and the data disagree (UENIG apart or more), largest first.

    Deloitte's questions against the data's answer to the same question; KL's
    recommendations against the data's status (`data_status`). Columns: id, spoergsmaal (the
    question or recommendation), selvvurdering, data, afstand (0-1), retning (Danish: which
    side is the more positive), evidens, kommentar. Empty without answers.
    """
    cols = ["id", "spoergsmaal", "selvvurdering", "data", "afstand", "retning", "evidens",
            "kommentar"]
    mine = _self(answers)
    q = questions().set_index("id")
    rows = []
    for r in datasvar[datasvar["svar"].notna()].itertuples():
        if r.spoergsmaal.startswith("D") and r.spoergsmaal in mine.index:
            skala = q.loc[r.spoergsmaal, "skala"]
            rows.append((r.spoergsmaal, mine.loc[r.spoergsmaal, "svar"], r.svar,
                         position(mine.loc[r.spoergsmaal, "svar"], skala),
                         position(r.svar, skala), r.evidens))
    st = status_table(answers, datasvar)
    for r in st.itertuples():
        if r.selvvurdering is not None and r.data_status is not None:
            rows.append((question_id(KL, r.nr), r.selvvurdering, r.data_status,
                         position(r.selvvurdering, "status"), position(r.data_status, "status"),
                         r.data_evidens))
    out = []
    for qid, selv, data, p_selv, p_data, evidens in rows:
        if p_selv is None or p_data is None or abs(p_selv - p_data) < UENIG - 1e-9:
            continue
        retning = ("Selvvurderingen er mere positiv end data" if p_selv > p_data
                   else "Data er mere positive end selvvurderingen")
        out.append((qid, q.loc[qid, "titel"], selv, data, abs(p_selv - p_data), retning,
                    evidens, mine["kommentar"].get(qid)))
    frame = pd.DataFrame(out, columns=cols)
    frame["_orden"] = frame["id"].map({i: n for n, i in enumerate(q.index)})
    return frame.sort_values(["afstand", "_orden"], ascending=[False, True]).drop(
        columns="_orden").reset_index(drop=True)


def answer_group(groups: pd.DataFrame, svar: str | None):
    """The index of the group among one question's rows of deloitte_fordeling that holds the
    answer `svar` on the question's scale: the stated group ('Ja', 'Middel eller høj') naming
    it, else the 'ikke oplyst' group (its answer may be among those), None when neither."""
    if svar is None:
        return None
    stated = [i for i, g in groups["svar"].items() if svar in g]
    unstated = [i for i, g in groups["svar"].items() if not g]
    return (stated or unstated or [None])[0]


def deloitte_comparison(answers: pd.DataFrame | None, datasvar: pd.DataFrame) -> pd.DataFrame:
    """Deloitte's 25 questions with the municipality's and the data's answer next to the 14
    municipalities' answers (as far as the report states them).

    Columns: nr, id, spoergsmaal, skala, kommune (the self-assessment; None unanswered),
    data (the data's answer; None where the data cannot tell), hoejst_samme (at most this many
    of the 14 gave the municipality's answer: the stated group holding it, else those not
    stated; NaN without an answer or for 'Ved ikke'), mindretal (hoejst_samme under half the
    14: the municipality is in a minority whatever the unstated answers were).
    """
    f = ref.deloitte_fordeling()
    total = ref.deloitte_antal_kommuner()
    mine = _self(answers)["svar"]
    data = datasvar[datasvar["spoergsmaal"].str.startswith("D")].set_index("spoergsmaal")["svar"]
    q = questions()
    q = q[q["kilde"] == "Deloitte"]
    rows = []
    for r in q.itertuples():
        svar = mine.get(r.id)
        groups = f[f["nr"] == r.nr]
        same = np.nan
        if svar in SKALAER[r.skala]:
            group = answer_group(groups, svar)
            same = 0.0 if group is None else float(groups.at[group, "antal"])
        rows.append((int(r.nr), r.id, r.titel, r.skala, svar, data.get(r.id), same))
    out = pd.DataFrame(rows, columns=["nr", "id", "spoergsmaal", "skala", "kommune", "data",
                                      "hoejst_samme"])
    out["mindretal"] = out["hoejst_samme"] < total / 2
    for c in ("kommune", "data"):
        out[c] = missing_as_none(out[c])
    return out
