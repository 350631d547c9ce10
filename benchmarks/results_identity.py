"""Same results before and after a speed-up (issue 18): every notebook's results.json entries
of the code at a basis commit and of the current code, compared entry by entry.

1. The basis (--basis REF; default: the merge-base of HEAD and main) is checked out into a
   temporary `git worktree` (removed at the end).
2. Three municipalities - the eksempelkommune (data/eksempelkommune, `make sample`) and two of
   the national benchmark's synthetic ones at other sizes (bench_national.ensure_data, cached
   in ~/.cache/socialanalyse-identitet) - are run with `socialanalyse run`, intern, every notebook,
   once with the basis code and once with the current code, side by side: the same data
   (linked from the same folders), each side its own parameters/ and notebooks/. The basis
   side runs this venv's Python with PYTHONPATH at the basis's src/, and a kernel started
   with that environment is asked which socialanalyse it imports before anything runs.
3. Each municipality's results.json of the two sides is compared entry by entry (`compare`):
   run ids, times, durations and the runs' own folders are left out. A Danish table lists
   the differences; the exit code is 1 on any difference or failed run, else 0.

Usage: python benchmarks/results_identity.py [--basis REF] [--kommuner eksempelkommune,...]
           [--seed 1] [--cache DIR] [--behold]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "eksempelkommune"
# Two of the national benchmark's municipalities, smaller and larger than the eksempelkommune
# (about 45.000 inhabitants).
NATIONAL = ("dragoer", "gentofte")
# Keys whose values differ between two runs of the same code and data.
IGNORED_KEYS = frozenset({"run_id", "koersel_id", "sekunder", "tidspunkt", "koersel_start"})


# --- the comparison ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    """One entry that differs: where (notebook, key path) and the two values (MISSING when
    one side has no such entry)."""

    notebook: str
    key: str
    basis: Any
    current: Any


MISSING = "(mangler)"


def _normalise(value: Any, replace: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in replace.items():
            value = value.replace(old, new)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def _walk(notebook: str, path: str, a: Any, b: Any, replace_a: dict[str, str],
          replace_b: dict[str, str], out: list[Difference]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key in IGNORED_KEYS:
                continue
            where = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                out.append(Difference(notebook, where, a.get(key, MISSING), b.get(key, MISSING)))
            else:
                _walk(notebook, where, a[key], b[key], replace_a, replace_b, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(notebook, f"{path}[{i}]", x, y, replace_a, replace_b, out)
    elif not _same(_normalise(a, replace_a), _normalise(b, replace_b)):
        out.append(Difference(notebook, path, a, b))


def compare(basis: dict[str, Any], current: dict[str, Any], *,
            replace_basis: dict[str, str] | None = None,
            replace_current: dict[str, str] | None = None) -> list[Difference]:
    """The entries of two results.json contents that differ, notebook by notebook (also
    "_meta", the labels and units), key by key into nested mappings and lists. A notebook or
    key only one side has is a difference (its other value MISSING). Keys in IGNORED_KEYS are
    left out; `replace_*` maps text in one side's strings (its run folder, its run id) to a
    placeholder before strings are compared. Values must be equal and of the same JSON type
    (1 and 1.0 differ); NaN equals NaN."""
    out: list[Difference] = []
    for notebook in [*basis, *(k for k in current if k not in basis)]:
        if notebook not in basis or notebook not in current:
            out.append(Difference(notebook, "", basis.get(notebook, MISSING),
                                  current.get(notebook, MISSING)))
        else:
            _walk(notebook, "", basis[notebook], current[notebook], replace_basis or {},
                  replace_current or {}, out)
    return out


def count_entries(results: dict[str, Any]) -> int:
    """The number of leaf entries (values that are not mappings) of the notebooks' sections."""
    def leaves(v: Any) -> int:
        return sum(leaves(x) for x in v.values()) if isinstance(v, dict) else 1
    return sum(leaves(v) for k, v in results.items() if not k.startswith("_"))


def shown(value: Any, width: int = 50) -> str:
    """A value as one short line of the table."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[tuple[str, Difference]]) -> str:
    """The differences as a Danish text table: kommune, notebook, nøgle, basis, nuværende."""
    head = ("kommune", "notebook", "nøgle", "basis", "nuværende")
    body = [(k, d.notebook, d.key or "(hele notebooken)", shown(d.basis), shown(d.current))
            for k, d in rows]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [head, tuple("-" * w for w in widths), *body]]
    return "\n".join(lines)


# --- the runs ----------------------------------------------------------------------------------

def _bench_national():
    spec = importlib.util.spec_from_file_location("bench_national",
                                                  REPO / "benchmarks/bench_national.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_side(bench, name: str, repo: Path, base: Path, cache: Path, national: list[str]) -> Path:
    """A project folder for one side: `repo`'s parameters, the national municipalities' data
    from the cache (bench_national.make_project) and the eksempelkommune's own parameter file
    and data (linked from this checkout's data/)."""
    root = bench.make_project(base / name, cache, national, repo=repo)
    shutil.copy(repo / "parameters/kommuner" / f"{SAMPLE}.yaml",
                root / "parameters/kommuner" / f"{SAMPLE}.yaml")
    (root / "data" / SAMPLE).symlink_to((REPO / "data" / SAMPLE).resolve(),
                                        target_is_directory=True)
    return root


def side_env(src: Path) -> dict[str, str]:
    """The environment of a side's run: its src/ first on the path (the kernels inherit it)."""
    return {**os.environ, "PYTHONPATH": str(src), "MPLBACKEND": "agg"}


def kernel_imports_from(env: dict[str, str]) -> str:
    """The file of the socialanalyse package a python3 kernel started with `env` imports."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=env)
    found: list[str] = []
    try:
        kc.execute_interactive("import socialanalyse; print(socialanalyse.__file__)",
                               timeout=60, output_hook=lambda msg: found.append(
                                   msg["content"].get("text", "")))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return "".join(found).strip()


def start_run(root: Path, repo: Path, out: Path, kommuner: list[str], env: dict[str, str],
              log: Path) -> subprocess.Popen:
    """`socialanalyse run` of the municipalities one after another (one worker: the order of
    the runs is the same on both sides), intern, every notebook, in the background."""
    args = [sys.executable, "-m", "socialanalyse.cli", "run", "--root", str(root),
            "--out", str(out), "--notebooks-dir", str(repo / "notebooks"),
            "--publikum", "intern", "--workers", "1", "--quiet"]
    for slug in kommuner:
        args += ["--kommune", slug]
    with open(log, "wb") as f:
        return subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=root)


def read_results(out: Path, slug: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A municipality's latest results.json under `out` and what to replace in its strings
    (the run's folder and id); ({}, {}) when there is none."""
    link = out / slug / "seneste"
    if not link.exists():
        return {}, {}
    run = link.resolve()
    path = run / "results.json"
    content = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    return content, {str(run): "<kørselsmappe>", str(out): "<ud>", run.name: "<kørsel>"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--basis", default=None,
                        help="commit at sammenligne med (standard: merge-base af HEAD og main)")
    parser.add_argument("--kommuner", default=",".join((SAMPLE, *NATIONAL)),
                        help="kommasepareret; eksempelkommune og kommuner fra "
                             "benchmarks/kommuner_stoerrelse.csv")
    parser.add_argument("--seed", type=int, default=1)
    # Its own cache folder (bench_national's layout): the national benchmark's folder may be
    # cleared of other generator versions while this runs.
    parser.add_argument("--cache", type=Path, default=Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "socialanalyse-identitet")
    parser.add_argument("--behold", action="store_true", help="behold projekter og output")
    args = parser.parse_args(argv)

    bench = _bench_national()
    ref = args.basis or git("merge-base", "HEAD", "main")
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    kommuner = [k.strip() for k in args.kommuner.split(",") if k.strip()]
    sizes = bench.read_sizes()
    national = [k for k in kommuner if k != SAMPLE]
    unknown = [k for k in national if k not in sizes]
    if unknown:
        parser.error(f"ukendte kommuner: {', '.join(unknown)}")
    if SAMPLE in kommuner and not (REPO / "data" / SAMPLE / ".komplet").exists():
        parser.error("data/eksempelkommune mangler: kør `make sample` først")
    cache = args.cache / bench.cache_key(args.seed)
    bench.ensure_data(cache, national, sizes, args.seed, 2)

    base = Path(tempfile.mkdtemp(prefix="sa-identitet-"))
    tree = base / "basis"
    git("worktree", "add", "--detach", str(tree), commit)
    try:
        sides = {"basis": tree, "nuværende": REPO}
        roots = {s: make_side(bench, s.replace("æ", "ae"), repo, base, cache.resolve(), national)
                 for s, repo in sides.items()}
        envs = {s: side_env(repo / "src") for s, repo in sides.items()}
        for s, repo in sides.items():
            used = kernel_imports_from(envs[s])
            if not Path(used).resolve().is_relative_to((repo / "src").resolve()):
                print(f"{s}: kernen importerer socialanalyse fra {used}, ikke fra "
                      f"{repo / 'src'}; sammenligningen ville ikke betyde noget.")
                return 1
            print(f"{s:<10} {git('rev-parse', '--short', 'HEAD', cwd=repo)}  "
                  f"kernerne importerer {used}")
        outs = {s: base / f"ud-{s.replace('æ', 'ae')}" for s in sides}
        print(f"Kører {', '.join(kommuner)} med begge versioner side om side ...", flush=True)
        procs = {s: start_run(roots[s], sides[s], outs[s], kommuner, envs[s],
                              base / f"{s.replace('æ', 'ae')}.log") for s in sides}
        codes = {s: p.wait() for s, p in procs.items()}
        failed = [s for s, code in codes.items() if code != 0]
        for s in failed:
            log = (base / f"{s.replace('æ', 'ae')}.log").read_text("utf-8", errors="replace")
            print(f"\n{s}: kørslen fejlede (kode {codes[s]}):\n{log[-3000:]}")
        rows: list[tuple[str, Difference]] = []
        print(f"\n{'kommune':<18}{'notebooks':>10}{'resultater':>12}{'forskelle':>11}")
        for slug in kommuner:
            (a, ra), (b, rb) = (read_results(outs[s], slug) for s in sides)
            diffs = compare(a, b, replace_basis=ra, replace_current=rb)
            rows += [(slug, d) for d in diffs]
            notebooks = sum(not k.startswith("_") for k in b)
            print(f"{slug:<18}{notebooks:>10}{count_entries(b):>12}{len(diffs):>11}")
            if not a or not b:
                print(f"  {slug}: ingen results.json fra "
                      f"{'basis' if not a else 'den nuværende kode'}")
                failed.append(slug)
        if rows:
            print(f"\nForskelle ({len(rows)}):\n{table(rows)}")
        if failed:
            print(f"\nSammenligningen er ufuldstændig: {', '.join(failed)} fejlede.")
        elif not rows:
            print("\nIngen forskelle: alle notebooks' resultater er identiske.")
        return 1 if rows or failed else 0
    finally:
        git("worktree", "remove", "--force", str(tree))
        if args.behold:
            print(f"Projekter og output: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
