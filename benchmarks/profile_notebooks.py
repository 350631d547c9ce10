"""Where one municipality's run spends its CPU (issue 18 point 2; prints figures).

Every notebook is run as the runner runs it (runner.kernels.Kernel with the notebook's imports
at start-up, Papermill on that kernel, the job's data snapshot, HTML export by
runner.export.export_notebook), one after another, and its CPU seconds are split into

- kernel start: the kernel process's CPU until it answers (ipykernel + the preimports),
- cells: the kernel's CPU per cell (IPython's pre/post_run_cell events; the costliest shown),
- kernel rest: the kernel's CPU besides its cells (messaging, display, shutdown not counted),
- client: this process's CPU in Papermill/nbclient while the notebook runs,
- HTML: this process's CPU exporting the notebook (nbconvert),

beside a bare kernel that only imports pandas, matplotlib.pyplot, seaborn and scipy.stats
(the floor of benchmarks/bench_national.py). The data are loaded once first (snapshot) and
that CPU is shown too.

With --imports only the notebooks' imports are measured: per notebook, the CPU seconds of a
fresh Python process importing what the notebook imports (runner.kernels.notebook_imports, as
a kernel does at start-up; the median of --gentag runs) and which of the heavy libraries
(HEAVY) that pulls in.

Usage: python benchmarks/profile_notebooks.py [--kommune eksempelkommune] [--root .]
           [--notebook 01 ...] [--celler 3] [--imports [--gentag 3]]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLOOR_IMPORTS = ("pandas", "matplotlib.pyplot", "seaborn", "scipy.stats")
# Libraries a notebook should import only when it uses them (each costs every kernel CPU).
HEAVY = ("seaborn", "scipy.stats", "statsmodels", "scipy.optimize", "openpyxl", "pandera",
         "pyarrow", "ipywidgets")

# Run in the kernel before the notebook: records the kernel's CPU seconds per cell.
_RECORDER = """
def _sa_profile():
    import json, time
    cells, state = [], {}
    def pre(info):
        state['t'] = time.process_time()
    def post(result):
        src = result.info.raw_cell if result.info is not None else ''
        cells.append([time.process_time() - state.get('t', time.process_time()), src[:70]])
        with open(%r, 'w') as f:
            json.dump(cells, f)
    ip = get_ipython()
    ip.events.register('pre_run_cell', pre)
    ip.events.register('post_run_cell', post)
_sa_profile(); del _sa_profile
"""


def kernel_cpu(kernel) -> float:
    """CPU seconds (user + system) the kernel process has used so far (Linux /proc)."""
    pid = kernel.km.provisioner.process.pid
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read().rsplit(b")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def run_code(kernel, code: str) -> None:
    from jupyter_core.utils import run_sync

    kc = kernel.km.client()
    kc.start_channels()
    try:
        run_sync(kc.execute_interactive)(code, store_history=False, timeout=60)
    finally:
        kc.stop_channels()


def profile_notebook(job, params, path: Path, env: dict, scratch: Path, cells: int) -> dict:
    import papermill as pm

    from socialanalyse.runner import export
    from socialanalyse.runner.kernels import KERNEL_NAME, Kernel, notebook_imports
    from socialanalyse.runner.results import NotebookResult

    record = scratch / f"{path.stem}.cells.json"
    kernel = Kernel(path.parent, env, scratch / path.stem, None, notebook_imports(path))
    t0 = time.perf_counter()
    kernel.wait_ready()
    start_cpu = kernel_cpu(kernel)
    run_code(kernel, _RECORDER % str(record))
    before = kernel_cpu(kernel)
    c0, w0 = time.process_time(), time.perf_counter()
    pm.execute_notebook(str(path), str(job.tmp_dir / path.name),
                        parameters=job.runner_parameters(), kernel_name=KERNEL_NAME,
                        progress_bar=False, request_save_on_cell_execute=False, km=kernel.km)
    client, wall = time.process_time() - c0, time.perf_counter() - w0 + (w0 - t0)
    in_kernel = kernel_cpu(kernel) - before
    kernel.shutdown()
    per_cell = json.loads(record.read_text("utf-8")) if record.exists() else []
    res = NotebookResult(navn=path.stem, status="ok")
    c0 = time.process_time()
    export.export_notebook(job, params, path, res)
    html = time.process_time() - c0
    cell_cpu = sum(c for c, _ in per_cell)
    return {"navn": path.stem, "start": start_cpu, "celler": cell_cpu,
            "kerne_rest": in_kernel - cell_cpu, "klient": client, "html": html, "vaeg": wall,
            "dyreste": sorted(per_cell, reverse=True)[:cells]}


def floor(env: dict, scratch: Path, n: int = 3) -> float:
    """Median CPU seconds of a bare kernel (FLOOR_IMPORTS) until it answers."""
    import statistics

    from socialanalyse.runner.kernels import Kernel

    seconds = []
    for i in range(n):
        k = Kernel(scratch, env, scratch / f"gulv{i}", None, FLOOR_IMPORTS)
        k.wait_ready()
        seconds.append(kernel_cpu(k))
        k.shutdown()
    return statistics.median(seconds)


def import_cpu(modules: list[str]) -> tuple[float, list[str]]:
    """(CPU seconds, heavy libraries loaded) of a fresh Python process importing `modules` as
    a kernel's start-up does (modules that fail to import skipped), Python's own start not
    counted."""
    import subprocess

    code = ("import importlib, json, sys, time\n"
            "t = time.process_time()\n"
            f"for m in {modules!r}:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except Exception:\n        pass\n"
            f"print(json.dumps([time.process_time() - t, "
            f"[h for h in {list(HEAVY)!r} if h in sys.modules]]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "agg"}).stdout
    cpu, heavy = json.loads(out.splitlines()[-1])
    return cpu, heavy


def print_imports(paths: list[Path], repeat: int) -> None:
    """The --imports table: per notebook its imports' CPU (median of `repeat`) and heavy
    libraries, then the bare floor's."""
    import statistics

    from socialanalyse.runner.kernels import notebook_imports

    print(f"CPU-sekunder for en notebooks imports (median af {repeat} friske processer)\n"
          f"{'notebook':<26}{'CPU':>6}  tunge biblioteker")
    total = 0.0
    for path in [*paths, None]:
        modules = list(FLOOR_IMPORTS) if path is None else notebook_imports(path)
        runs = [import_cpu(modules) for _ in range(repeat)]
        cpu = statistics.median(r[0] for r in runs)
        total += cpu if path is not None else 0.0
        name = f"gulv ({', '.join(FLOOR_IMPORTS)})" if path is None else path.stem
        if path is None:
            print(f"{'i alt':<26}{total:>6.2f}")
        print(f"{name:<26}{cpu:>6.2f}  {', '.join(runs[0][1]) or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommune", default="eksempelkommune")
    parser.add_argument("--root", type=Path, default=REPO)
    parser.add_argument("--notebook", action="append", default=[])
    parser.add_argument("--celler", type=int, default=3, help="de N dyreste celler pr. notebook")
    parser.add_argument("--imports", action="store_true", help="mål kun notebooks' imports")
    parser.add_argument("--gentag", type=int, default=3, help="med --imports: målinger pr. notebook")
    args = parser.parse_args()
    if args.imports:
        paths = sorted((REPO / "notebooks").glob("*.ipynb"))
        chosen = [p for p in paths if not args.notebook
                  or any(p.stem.startswith(n) for n in args.notebook)]
        print_imports(chosen, args.gentag)
        return 0

    from socialanalyse.data import snapshot
    from socialanalyse.runner import folders
    from socialanalyse.runner.kernels import kernel_env
    from socialanalyse.runner.plan import build_plan

    out = Path(tempfile.mkdtemp(prefix="sa-profil-"))
    plan = folders.reserve(build_plan([args.kommune], root=args.root.resolve(), out=out,
                                      notebooks=args.notebook,
                                      notebooks_dir=REPO / "notebooks"))
    job = plan.jobs[0]
    params = job.load_parameters()
    scratch = Path(job.scratch)
    for sub in ("html", "excel"):
        (job.tmp_dir / sub).mkdir(parents=True, exist_ok=True)
    c0 = time.process_time()
    data = snapshot.Snapshot.create(scratch / snapshot.FILE)
    data.fill(params)
    load = time.process_time() - c0
    env = kernel_env(args.root.resolve(), data.path)
    bare = floor(env, scratch)
    print(f"{args.kommune}: data indlæst én gang (snapshot) {load:.2f} s CPU; "
          f"bar kerne (gulv) {bare:.2f} s CPU")
    rows = [profile_notebook(job, params, Path(p), env, scratch, args.celler)
            for p in job.notebooks]
    data.remove()
    head = (f"{'notebook':<26}{'start':>7}{'celler':>8}{'kerne':>7}{'klient':>8}{'HTML':>7}"
            f"{'i alt':>8}{'over gulv':>10}{'væg':>7}")
    print(f"\nCPU-sekunder pr. notebook (start = kernestart med imports; kerne = kernens CPU "
          f"uden for cellerne; over gulv = i alt - {bare:.2f} s)\n{head}")
    total = {k: 0.0 for k in ("start", "celler", "kerne_rest", "klient", "html")}
    for r in rows:
        s = sum(r[k] for k in total)
        for k in total:
            total[k] += r[k]
        print(f"{r['navn']:<26}{r['start']:>7.2f}{r['celler']:>8.2f}{r['kerne_rest']:>7.2f}"
              f"{r['klient']:>8.2f}{r['html']:>7.2f}{s:>8.2f}{s - bare:>10.2f}{r['vaeg']:>7.1f}")
    s = sum(total.values())
    print(f"{'i alt':<26}{total['start']:>7.2f}{total['celler']:>8.2f}"
          f"{total['kerne_rest']:>7.2f}{total['klient']:>8.2f}{total['html']:>7.2f}{s:>8.2f}"
          f"{s - bare * len(rows):>10.2f}")
    print(f"gulvet for {len(rows)} notebooks: {bare * len(rows):.2f} s; forhold "
          f"{s / (bare * len(rows)):.2f}x (+ indlæsning {load:.2f} s)")
    print("\nDyreste celler (CPU-sekunder i kernen):")
    for r in rows:
        for cpu, src in r["dyreste"]:
            print(f"  {r['navn']:<26}{cpu:6.2f}  {src.splitlines()[0] if src else ''}")
    folders.release(job)
    import shutil

    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
