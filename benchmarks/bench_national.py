"""National scale (issue 18): every municipality with every workbook, local and on Dask.

1. Synthetic data for the 98 municipalities at their approximate sizes
   (benchmarks/kommuner_stoerrelse.csv, about 5.9 M inhabitants; a copy of
   shared/reference/kommuner_stoerrelse.csv), generated once into a cache folder keyed by the
   seed and the generator's version (a hash of its source), so a second run reuses it.
2. A project folder with one parameters file per chosen municipality (eksempelkommune.yaml's
   mapping, the municipality's own name and slug) and its data linked from the cache, then
   `socialanalyse run --all` with the local executor (--workers, default 2) and on a Dask
   cluster the benchmark starts itself: `dask scheduler` and N `dask worker` processes on
   127.0.0.1, in a working folder of their own, stopped at the end whatever happens.
3. Printed per batch: wall time, CPU time (user + system of every child process: the CLI, its
   workers, the kernels, for Dask also the scheduler and the workers), peak memory (all
   processes together, and the largest worker with its kernels per municipality), the bare-
   kernel floor (a kernel that only imports pandas, matplotlib, seaborn and scipy, started and
   stopped the way the runner does, measured in this run on K kernels and scaled to the batch's
   number of notebooks), the ratio to it and the parallel efficiency CPU / (wall x workers).

Targets (issue 18): 98 municipalities, intern, <= 15 min wall with the local executor and 2
workers; Dask with 2 workers within 1.2 x that; peak per worker < 2 GB (København < 4 GB).

Usage: python benchmarks/bench_national.py [--kommuner N] [--udvalg foerste|spredt]
           [--executor local|dask|begge] [--workers 2] [--dask-workers 1,2] [--seed 1]
           [--cache DIR] [--floor-kernels K] [--behold]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SIZES = Path(__file__).resolve().parent / "kommuner_stoerrelse.csv"
SYNTHETIC = REPO / "src/socialanalyse/data/synthetic"
FLOOR_IMPORTS = ("pandas", "matplotlib.pyplot", "seaborn", "scipy.stats")
GB = 1024**3
SMALLEST = 2_000  # inhabitants: the synthetic generator's smallest municipality


# --- the municipalities and their data ---------------------------------------------------------

def read_sizes(path: Path = SIZES) -> dict[str, int]:
    """Slug -> approximate inhabitants, in the table's order (København first); lines starting
    with '#' are comments. Raises ValueError naming the line when a row is unusable."""
    sizes: dict[str, int] = {}
    with open(path, encoding="utf-8", newline="") as f:
        lines = [(n, line) for n, line in enumerate(f, 1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in lines)
    for (n, _), row in zip(lines[1:], reader, strict=True):
        try:
            slug, people = row["slug"].strip(), int(row["indbyggere_ca"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}, linje {n}: slug og indbyggere_ca kan ikke læses") from exc
        if not slug or people <= 0 or slug in sizes:
            raise ValueError(f"{path}, linje {n}: tom, gentaget slug eller antal <= 0: {slug!r}")
        sizes[slug] = people
    return sizes


def choose(sizes: dict[str, int], n: int | None, udvalg: str = "foerste") -> list[str]:
    """The municipalities of a run: all (n None), the n first of the table ('foerste') or n
    spread over the sizes from the smallest to the largest ('spredt', sorted by size)."""
    slugs = list(sizes)
    if n is None or n >= len(slugs):
        return slugs
    if n < 1:
        raise ValueError("--kommuner skal være mindst 1")
    if udvalg == "foerste":
        return slugs[:n]
    if udvalg != "spredt":
        raise ValueError(f"ukendt udvalg {udvalg!r} (foerste eller spredt)")
    by_size = sorted(slugs, key=lambda s: (sizes[s], s))
    if n == 1:
        return [by_size[len(by_size) // 2]]
    step = (len(by_size) - 1) / (n - 1)
    return [by_size[round(i * step)] for i in range(n)]


def generator_version() -> str:
    """A hash of the synthetic generator's source and the data contract: any change to what
    the generator writes gives a new cache folder."""
    h = hashlib.sha256()
    for path in [*sorted(SYNTHETIC.glob("*.py")), REPO / "src/socialanalyse/data/contract.py"]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def cache_key(seed: int, version: str | None = None) -> str:
    """The cache folder's name for a seed and a generator version."""
    return f"seed{seed}-gen{version or generator_version()}"


def municipality_seed(seed: int, sizes: dict[str, int], slug: str) -> int:
    """Each municipality's own seed: fixed by its place in the table, not by the subset."""
    return seed * 1000 + list(sizes).index(slug)


def _generate_one(slug: str, people: int, seed: int, folder: str) -> float:
    from socialanalyse.data import synthetic

    t0 = time.perf_counter()
    tmp = Path(f"{folder}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    # Læsø (1,800) is below the generator's smallest municipality (synthetic.generate
    # refuses fewer than 2,000): it is generated at that size.
    synthetic.write_sample(slug, max(people, SMALLEST), seed, tmp)
    tmp.rename(folder)  # a half-written folder is never taken for a finished one
    return time.perf_counter() - t0


def ensure_data(cache: Path, slugs: list[str], sizes: dict[str, int], seed: int,
                workers: int) -> tuple[int, float]:
    """Generate the missing municipalities' data (and the shared statbank extract) in `cache`.
    Returns (how many were generated, seconds)."""
    import concurrent.futures as cf
    import multiprocessing as mp

    (cache / "data").mkdir(parents=True, exist_ok=True)
    missing = [s for s in slugs if not (cache / "data" / s).is_dir()]
    t0 = time.perf_counter()
    if missing:
        print(f"Genererer data for {len(missing)} kommune(r) i {cache} ...", flush=True)
    with cf.ProcessPoolExecutor(max(1, workers), mp_context=mp.get_context("spawn")) as pool:
        futures = {pool.submit(_generate_one, s, sizes[s], municipality_seed(seed, sizes, s),
                               str(cache / "data" / s)): s for s in missing}
        for fut in cf.as_completed(futures):
            print(f"  {futures[fut]:<18} {sizes[futures[fut]]:>8} indb. "
                  f"{fut.result():6.1f} s", flush=True)
    statbank = cache / "data" / "statbank"
    if not statbank.is_dir():
        from socialanalyse.data.synthetic import generate
        from socialanalyse.data.synthetic.statbank import write_statbank

        tmp = Path(f"{statbank}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        write_statbank(generate("furesoe", 45_000, seed).tables, tmp, "furesoe", seed)
        tmp.rename(statbank)
    return len(missing), time.perf_counter() - t0


def municipality_names() -> dict[str, str]:
    """Slug -> the municipality's Danish name (the package's kommuner.csv)."""
    from socialanalyse import reference

    path = Path(reference.__file__).parent / "kommuner.csv"
    with open(path, encoding="utf-8", newline="") as f:
        return {row["slug"]: row["navn"] for row in csv.DictReader(f)}


def make_project(base: Path, cache: Path, slugs: list[str], repo: Path = REPO) -> Path:
    """A project folder whose parameters/kommuner holds exactly `slugs` (so `run --all` runs
    them), with each municipality's data and the statbank extract linked from the cache;
    the parameters are `repo`'s (another checkout's for benchmarks/results_identity.py)."""
    root = base / "projekt"
    shutil.copytree(repo / "parameters", root / "parameters")
    for old in (root / "parameters/kommuner").glob("*.yaml"):
        old.unlink()
    own = yaml.safe_load((repo / "parameters/kommuner/eksempelkommune.yaml").read_text("utf-8"))
    names = municipality_names()
    (root / "data").mkdir()
    for slug in [*slugs, "statbank"]:
        (root / "data" / slug).symlink_to(cache / "data" / slug, target_is_directory=True)
    for slug in slugs:
        content = {**own, "kommune": slug, "navn": names.get(slug, slug),
                   "data": {**own["data"], "mappe": "data/{kommune}"},
                   "benchmark": {**(own.get("benchmark") or {}), "statistikbank_kommune": slug}}
        (root / "parameters/kommuner" / f"{slug}.yaml").write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


# --- measuring ---------------------------------------------------------------------------------

def cpu_children() -> float:
    """CPU seconds (user + system) of the finished (waited-for) child processes, their
    children included."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# The runner starts each kernel with its connection file in the job's scratch folder
# (runner.folders: tempfile.mkdtemp(prefix="sa-<slug>-"), 8 random characters); a kernel a
# worker keeps for its next municipality lies in the run's sa-kerner-… folder instead
# (runner.job), and is counted per worker only.
_KERNEL_SLUG = re.compile(r"/sa-(.+)-[a-z0-9_]{8}/\d+/kernel\.json")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, resident bytes, command line) of every readable process."""
    page = os.sysconf("SC_PAGE_SIZE")
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # ended meanwhile
            continue
        found[int(entry.name)] = (int(stat[1]), int(stat[21]) * page, cmd)
    return found


@dataclass
class MemorySampler:
    """Samples the resident memory of this process's descendants twice a second: the peak of
    all together, of a worker with its kernels, and per municipality the peak of the process
    that runs its kernels (a worker) plus those kernels (told apart by their scratch folder
    `sa-<slug>-`; kernels kept from an earlier municipality count for the worker only)."""

    interval: float = 0.5
    peak_total: int = 0
    peak_worker: int = 0
    per_kommune: dict[str, int] = field(default_factory=dict)

    def __enter__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            total, lanes, workers = memory_now(_processes(), os.getpid())
            self.peak_total = max(self.peak_total, total)
            self.peak_worker = max([self.peak_worker, *workers.values()])
            for slug, rss in lanes.items():
                self.per_kommune[slug] = max(self.per_kommune.get(slug, 0), rss)


def _tree(children: dict[int, list[int]], pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def memory_now(procs: dict[int, tuple[int, int, str]], me: int
               ) -> tuple[int, dict[str, int], dict[int, int]]:
    """From a process table (`_processes`): the resident bytes of all of `me`'s descendants;
    per municipality those of the process running its kernels plus the kernels (with their
    children; a worker running two municipalities' kernels counts in both); and per worker
    (a process with kernels) the worker plus all its kernels."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    mine = _tree(children, me)[1:]
    lanes: dict[tuple[int, str], int] = {}
    workers: dict[int, int] = {}
    for pid in mine:
        ppid, _, cmd = procs[pid]
        if "ipykernel" in cmd:
            workers[ppid] = workers.get(ppid, procs[ppid][1]) + sum(
                procs[p][1] for p in _tree(children, pid))
        match = _KERNEL_SLUG.search(cmd) if "ipykernel" in cmd else None
        if match:
            key = (ppid, match.group(1))
            lanes[key] = lanes.get(key, procs[ppid][1]) + sum(
                procs[p][1] for p in _tree(children, pid))
    per_slug: dict[str, int] = {}
    for (_, slug), rss in lanes.items():
        per_slug[slug] = max(per_slug.get(slug, 0), rss)
    return sum(procs[p][1] for p in mine), per_slug, workers


@dataclass
class Batch:
    name: str
    workers: int
    wall: float
    cpu: float
    memory: MemorySampler
    ok: bool
    cpu_cli: float | None = None  # Dask: the CLI's own share of `cpu` (the rest: the cluster)
    notebook_cpu: dict[str, float] = field(default_factory=dict)  # kernels' CPU per notebook


def kernel_cpu(out: Path) -> dict[str, float]:
    """The kernels' CPU seconds per notebook, summed over the municipalities of a finished
    run in `out` (the manifests' kerne_cpu)."""
    total: dict[str, float] = {}
    for manifest in sorted(out.glob("*/2*/manifest.json")):
        for nb in json.loads(manifest.read_text("utf-8"))["notebooks"]:
            total[nb["navn"]] = total.get(nb["navn"], 0.0) + (nb.get("kerne_cpu") or 0.0)
    return total


def floor_cpu(kernels: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of `kernels` bare kernels one after another, in a child
    process: each started by the runner's Kernel class with FLOOR_IMPORTS done at start-up,
    waited for and stopped."""
    code = (
        "import sys, tempfile; from pathlib import Path\n"
        "from socialanalyse.runner import kernels\n"
        "tmp = Path(tempfile.mkdtemp(prefix='sa-gulv-'))\n"
        f"env = kernels.kernel_env(Path({str(REPO)!r}))\n"
        f"for i in range({kernels}):\n"
        f"    k = kernels.Kernel(tmp, env, tmp / str(i), preimport={list(FLOOR_IMPORTS)!r})\n"
        "    k.wait_ready(); k.shutdown()\n"
    )
    cpu0, t0 = cpu_children(), time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return cpu_children() - cpu0, time.perf_counter() - t0


def run_cli(args: list[str]) -> tuple[float, float, bool, MemorySampler]:
    """`socialanalyse ARGS` in a child process: (wall, CPU, ok, memory)."""
    cpu0, t0 = cpu_children(), time.perf_counter()
    with MemorySampler() as memory:
        done = subprocess.run([sys.executable, "-m", "socialanalyse.cli", *args],
                              capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t0, cpu_children() - cpu0
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    return wall, cpu, done.returncode == 0, memory


@contextlib.contextmanager
def dask_cluster(workers: int, folder: Path):
    """A scheduler and `workers` single-threaded worker processes on 127.0.0.1, started with
    the dask command line in `folder` (not the project folder); yields the scheduler's
    address. Everything is stopped at the end, also after an error or Ctrl-C."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    dask = str(Path(sys.executable).parent / "dask")
    file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "ab")  # noqa: SIM115 - closed below
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> None:
        procs.append(subprocess.Popen([dask, *args], cwd=folder, stdout=log, stderr=log,
                                      start_new_session=True))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(file))
        deadline = time.monotonic() + 60
        while not file.exists():
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError(f"Dask-scheduleren startede ikke; se {folder / 'cluster.log'}")
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        for i in range(workers):
            start("worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}",
                  "--local-directory", str(folder / f"w{i}"))
        _wait_for_workers(address, workers)
        yield address
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        log.close()


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(n, timeout=120)


def run_local(root: Path, out: Path, workers: int) -> Batch:
    wall, cpu, ok, memory = run_cli(["run", "--all", "--root", str(root), "--out", str(out),
                                     "--notebooks-dir", str(REPO / "notebooks"),
                                     "--workers", str(workers), "--quiet"])
    return Batch("lokal", workers, wall, cpu, memory, ok, notebook_cpu=kernel_cpu(out))


def run_dask(root: Path, out: Path, workers: int, base: Path) -> Batch:
    cpu0 = cpu_children()
    with dask_cluster(workers, base / f"dask-{workers}") as address:
        wall, cpu, ok, memory = run_cli(
            ["run", "--all", "--root", str(root), "--out", str(out), "--notebooks-dir",
             str(REPO / "notebooks"), "--executor", "dask", "--scheduler", address,
             "--workers", str(workers), "--quiet"])
    total = cpu_children() - cpu0  # the workers' and kernels' CPU counts once they ended
    return Batch(f"dask {workers}w", workers, wall, total, memory, ok, cpu,
                 notebook_cpu=kernel_cpu(out))


# --- printing ----------------------------------------------------------------------------------

def minutes(seconds: float) -> str:
    return f"{seconds:7.1f} s ({seconds / 60:5.1f} min)"


def national_estimate(floor: float, cpu: float, slugs: list[str], sizes: dict[str, int]
                      ) -> tuple[float, float]:
    """(floor, CPU) seconds for every municipality from a subset's: the floor scales with the
    number of municipalities (notebooks), the CPU above it with the inhabitants."""
    people, everyone = sum(sizes[s] for s in slugs), sum(sizes.values())
    all_floor = floor / len(slugs) * len(sizes)
    return all_floor, all_floor + (cpu - floor) / people * everyone


def report(batches: list[Batch], notebooks: int, floor: float, slugs: list[str],
           sizes: dict[str, int]) -> None:
    print(f"\nGulv: {notebooks} bare kerner (kun import af {', '.join(FLOOR_IMPORTS)}) "
          f"= {floor:.1f} s CPU ({floor / notebooks:.2f} s pr. kerne)")
    for b in batches:
        eff = b.cpu / (b.wall * b.workers)
        biggest = max(slugs, key=lambda s: b.memory.per_kommune.get(s, 0))
        print(f"\n{b.name}, {b.workers} worker(s){'' if b.ok else '  (NOGET FEJLEDE)'}")
        print(f"  væg                 {minutes(b.wall)}")
        print(f"  CPU i alt           {minutes(b.cpu)}"
              + (f"  (CLI {b.cpu_cli:.1f} s; scheduler, workers og kerner "
                 f"{b.cpu - b.cpu_cli:.1f} s, start og stop af clusteret medregnet)"
                 if b.cpu_cli is not None else ""))
        print(f"  CPU pr. notebook    {b.cpu / notebooks:7.2f} s; gulvet {floor / notebooks:.2f} s;"
              f" forhold {b.cpu / floor:.2f}x")
        print(f"  parallel effektivitet CPU / (væg x workers) = {eff:.2f}")
        known = (f"; med nye kerner størst {b.memory.per_kommune[biggest] / GB:.2f} GB "
                 f"({biggest}, {sizes[biggest]} indb.)" if b.memory.per_kommune else "")
        print(f"  hukommelse, top alle processer {b.memory.peak_total / GB:.2f} GB; "
              f"største worker med sine kerner {b.memory.peak_worker / GB:.2f} GB{known}")
        if b.notebook_cpu:
            inside = sum(b.notebook_cpu.values())
            print(f"  heraf i notebooks' celler (kernernes CPU) {inside:.1f} s; resten "
                  f"{b.cpu - inside:.1f} s (kernestart og oprydning, runneren: data, Papermill, "
                  "HTML-eksport; CLI)")
            for name, secs in sorted(b.notebook_cpu.items()):
                print(f"    {name:<28} {secs:8.1f} s  {secs / len(slugs):6.2f} s pr. kommune")
    local = next((b for b in batches if b.name == "lokal"), None)
    for b in batches:
        if local and b is not local and b.workers == local.workers:
            print(f"\n{b.name} mod lokal: {b.wall / local.wall:.2f} x væg (mål <= 1,2)")
    if local and len(slugs) < len(sizes):
        # CPU, not wall (on a shared machine the wall time says more about the neighbours):
        # the floor per notebook for every notebook, and the rest in proportion to the
        # inhabitants (the subset's excess per inhabitant; a subset with København weighs it).
        people, everyone = sum(sizes[s] for s in slugs), sum(sizes.values())
        all_floor, cpu = national_estimate(floor, local.cpu, slugs, sizes)
        # An upper estimate: with reused kernels (the default) a notebook costs less than a
        # new kernel, so the fixed part per notebook is smaller than the floor.
        print(f"\nØvre skøn for alle {len(sizes)} kommuner ({everyone} indb.; udvalget "
              f"{people}): gulvet for hver notebook + resten pr. indbygger"
              f"\n  lokal CPU {minutes(cpu)} -> mindst {minutes(cpu / local.workers)} væg "
              f"på {local.workers} kerner"
              f"\n  gulvet    {minutes(all_floor)} -> mindst "
              f"{minutes(all_floor / local.workers)} væg på {local.workers} kerner")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommuner", type=int, default=None, help="kun N kommuner")
    parser.add_argument("--udvalg", choices=("foerste", "spredt"), default="foerste",
                        help="de N første i tabellen eller N spredt over størrelserne")
    parser.add_argument("--executor", choices=("local", "dask", "begge"), default="begge")
    parser.add_argument("--workers", type=int, default=2, help="lokale workers (standard 2)")
    parser.add_argument("--dask-workers", default="2",
                        help="Dask-workers, kommasepareret for flere kørsler, fx 1,2")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path(
        os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "socialanalyse-national")
    parser.add_argument("--floor-kernels", type=int, default=20,
                        help="bare kerner at måle gulvet på (skaleres til antal notebooks)")
    parser.add_argument("--behold", action="store_true", help="behold projekt- og outputmappen")
    args = parser.parse_args(argv)

    sizes = read_sizes()
    slugs = choose(sizes, args.kommuner, args.udvalg)
    # A SIGTERM (kill) stops the benchmark like Ctrl-C: subprocess.run then kills the running
    # `socialanalyse run` (its workers and kernels die with it) instead of leaving it behind.
    signal.signal(signal.SIGTERM, _interrupt)
    cache = args.cache / cache_key(args.seed)
    made, secs = ensure_data(cache, slugs, sizes, args.seed, args.workers)
    print(f"{len(slugs)} kommune(r), {sum(sizes[s] for s in slugs)} indbyggere; data i {cache} "
          f"({'genereret ' + str(made) + f' på {secs:.0f} s' if made else 'fra cachen'})")
    base = Path(tempfile.mkdtemp(prefix="sa-national-"))
    try:
        root = make_project(base, cache.resolve(), slugs)
        from socialanalyse.runner.plan import discover_notebooks

        notebooks = len(slugs) * len(discover_notebooks(REPO / "notebooks"))
        batches = []
        if args.executor in ("local", "begge"):
            batches.append(run_local(root, base / "ud-lokal", args.workers))
            print(f"lokal færdig: {batches[-1].wall:.1f} s", flush=True)
        if args.executor in ("dask", "begge"):
            for n in (int(x) for x in args.dask_workers.split(",")):
                batches.append(run_dask(root, base / f"ud-dask-{n}", n, base))
                print(f"dask {n} worker(s) færdig: {batches[-1].wall:.1f} s", flush=True)
        k = max(1, min(args.floor_kernels, notebooks))
        floor, _ = floor_cpu(k)
        report(batches, notebooks, floor * notebooks / k, slugs, sizes)
        print(f"(gulvet målt på {k} kerner efter hinanden og skaleret til {notebooks})")
        return 0 if all(b.ok for b in batches) else 1
    finally:
        if args.behold:
            print(f"Projekt og output: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
