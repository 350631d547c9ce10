"""What the terminal shows: a progress bar per municipality while the run goes, and the
summary table (Danish, decimal commas) with the failures explained below it."""

from __future__ import annotations

import sys

from .plan import Job
from .results import FAILED, NOT_RUN, OK, REJECTED, JobResult


class Bars:
    """One tqdm bar per municipality, counting its notebooks (on stderr)."""

    def __init__(self, jobs: list[Job], enabled: bool = True):
        from tqdm import tqdm

        width = max(len(j.kommune) for j in jobs)
        self.bars = {
            j.kommune: tqdm(
                total=len(j.notebooks), desc=j.kommune.ljust(width), unit="nb",
                position=i, leave=True, disable=not enabled, file=sys.stderr,
                bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} notebooks  {elapsed} {postfix}",
            )
            for i, j in enumerate(jobs)
        }

    def put(self, event: tuple) -> None:
        """Apply one progress event from a job."""
        kind, kommune, notebook, status = event
        bar = self.bars.get(kommune)
        if bar is None:
            return
        if kind == "start":
            bar.set_postfix_str(notebook, refresh=True)
        elif kind == "slut":
            bar.update(1)
            if status != OK:
                bar.set_postfix_str(f"{notebook}: {status}", refresh=True)

    def finish(self, kommune: str, result: JobResult) -> None:
        """A job is done: fill its bar and show its status."""
        bar = self.bars.get(kommune)
        if bar is None:
            return
        bar.n = bar.total
        bar.set_postfix_str("færdig" if result.ok else "fejl", refresh=True)

    def close(self) -> None:
        """Close every bar."""
        for bar in self.bars.values():
            bar.close()


def summary_rows(pairs: list[tuple[Job, JobResult]]) -> list[dict[str, str]]:
    """One row per (kommune, notebook) with Danish status and seconds (decimal comma)."""
    rows = []
    for job, result in pairs:
        if result.fejl or result.byraadstjek:
            rows.append({
                "kommune": job.kommune,
                "notebook": "(hele kørslen)",
                "status": FAILED if result.fejl else REJECTED,
                "sekunder": f"{result.sekunder:.1f}".replace(".", ","),
            })
        for nb in result.notebooks:
            status = nb.status
            if result.fejl and nb.status == NOT_RUN and not result.disk_fuld:
                status = FAILED  # the job broke: none of its notebooks came back
            rows.append({
                "kommune": job.kommune,
                "notebook": nb.navn,
                "status": status,
                "sekunder": f"{nb.sekunder:.1f}".replace(".", ","),
            })
    return rows


def format_summary(pairs: list[tuple[Job, JobResult]]) -> str:
    """The summary table as plain text, with the failures explained below it."""
    rows = summary_rows(pairs)
    headers = ["kommune", "notebook", "status", "sekunder"]
    widths = {h: max([len(h)] + [len(r[h]) for r in rows]) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) if h != "sekunder" else h.rjust(widths[h])
                       for h in headers)]
    lines.append("  ".join("-" * widths[h] for h in headers))
    for r in rows:
        lines.append("  ".join(
            r[h].rjust(widths[h]) if h == "sekunder" else r[h].ljust(widths[h]) for h in headers
        ))
    problems = []
    for job, result in pairs:
        if result.fejl:
            problems.append(f"{job.kommune}: kørslen fejlede: {result.fejl.splitlines()[0]}")
        for problem in result.byraadstjek:
            problems.append(f"{job.kommune}: byrådstjek: {problem}")
        for nb in result.notebooks:
            if nb.status != OK and nb.fejl:
                problems.append(f"{job.kommune} / {nb.navn}: {nb.fejl}")
            for problem in nb.byraadstjek[:5]:
                problems.append(f"    - {problem}")
            if len(nb.byraadstjek) > 5:
                problems.append(f"    … og {len(nb.byraadstjek) - 5} mere")
    if problems:
        lines += ["", "Fejl:"] + [f"  {p}" for p in problems]
    return "\n".join(lines)
