"""Kernels: started by the runner so it can measure their startup and start the next one early.

A notebook's kernel is started before the notebook is handed to Papermill (while the previous
notebook runs, when `Job.prewarm`), with the notebook's imports done at start-up
(`startup_code`), so that importing happens off the critical path. A kernel that dies, or a
cell that runs past the timeout, stops only its notebook (`papermill_engine`, `KernelStopped`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..data import snapshot

KERNEL_NAME = "python3"
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers


class Kernel:
    """A python3 kernel started in a given folder with a given environment.

    Its manager is jupyter_client's AsyncKernelManager, so that the notebook client (nbclient,
    under Papermill) can wait for a message and watch the kernel at the same time: a kernel
    that dies is noticed within a second and a cell that runs past the timeout is stopped
    (with the synchronous manager the client blocks in a read and notices neither).

    Everything the kernel needs on disk - its connection file and, on POSIX, its Unix sockets
    (no TCP ports, no warnings about unencrypted TCP) - lives in the private folder `folder`,
    removed by `shutdown`. The kernel's own stderr (kernel-level messages, not cell output)
    goes to `log`. The kernel dies with the process that started it (`startup_code`).
    """

    def __init__(
        self, cwd: Path, env: dict[str, str], folder: Path, log: Path | None = None,
        preimport: Iterable[str] = (),
    ):
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.launched = time.perf_counter()
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        options: dict[str, Any] = {"kernel_name": KERNEL_NAME,
                                   "connection_file": str(self.folder / "kernel.json")}
        if os.name == "posix":
            options.update(transport="ipc", ip=str(self.folder / "k"))
        self.km = AsyncKernelManager(**options)
        self._log = open(log, "ab") if log is not None else None  # noqa: SIM115 - kept open
        lines = [startup_code(preimport)]
        try:
            run_sync(self.km.start_kernel)(
                cwd=str(cwd), env=env, stderr=self._log, stdout=self._log,
                extra_arguments=[f"--IPKernelApp.exec_lines={lines!r}"],
            )
        except BaseException:
            self.shutdown()
            raise
        self.ready_after: float | None = None

    def wait_ready(self, timeout: float = KERNEL_START_TIMEOUT) -> float:
        """Block until the kernel answers; returns the seconds waited here. Raises
        KernelStopped when the kernel dies first."""
        from jupyter_core.utils import run_sync

        t0 = time.perf_counter()
        if self.ready_after is None:
            kc = self.km.client()
            kc.start_channels()
            try:
                run_sync(kc.wait_for_ready)(timeout=timeout)
            except RuntimeError as exc:  # died before replying, or did not reply in time
                text = (f"{KERNEL_DIED}." if "died" in str(exc) else
                        f"Python-kernen svarede ikke inden for {timeout:g} sekunder efter start.")
                raise KernelStopped(text) from exc
            finally:
                kc.stop_channels()
            self.ready_after = time.perf_counter() - self.launched
        return time.perf_counter() - t0

    def shutdown(self) -> None:
        """Stop the kernel (quietly if it is already gone) and remove its folder."""
        from jupyter_core.utils import run_sync

        # A kernel that died on its own needs no shutdown; whatever the error, go on.
        with contextlib.suppress(Exception):
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.folder, ignore_errors=True)


KERNEL_DIED = "Python-kernen stoppede uventet under kørslen (fx for lidt hukommelse)"


class KernelStopped(RuntimeError):
    """A notebook stopped because its kernel died or a cell ran past the timeout (Danish)."""


def _stopped_cell(nb) -> tuple[int, Any] | tuple[None, None]:
    """The code cell that was running when execution stopped: the last one Papermill started
    (cells after it are still 'pending')."""
    found: tuple[int, Any] | tuple[None, None] = (None, None)
    for index, cell in enumerate(nb.cells):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if cell.cell_type == "code" and status not in (None, "pending"):
            found = (index, cell)
    return found


ENGINE = "socialanalyse"
_registered = False


def papermill_engine() -> str:
    """The name of the Papermill engine that keeps stopped notebooks (registered on first use,
    so that importing the runner does not import Papermill).

    It is Papermill's nbclient engine, except that a dead kernel or a cell timeout stops the
    notebook with KernelStopped after keeping it (`_keep_stopped`): pass `keep_as=PATH`."""
    global _registered
    if _registered:
        return ENGINE
    import logging

    from papermill.engines import NBClientEngine, papermill_engines

    class StoppingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, keep_as=None, **kwargs):
            from nbclient.exceptions import CellTimeoutError, DeadKernelError

            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except (DeadKernelError, CellTimeoutError) as exc:
                timeout = kwargs.get("execution_timeout")
                raise _keep_stopped(nb_man, exc, keep_as, timeout) from exc

    papermill_engines.register(ENGINE, StoppingEngine)
    # Papermill and nbclient log their errors in English ("Kernel died while waiting for
    # execute reply."); the runner reports every failure itself, in Danish.
    logging.getLogger("papermill").addHandler(logging.NullHandler())
    _registered = True
    return ENGINE


def _keep_stopped(nb_man, exc: BaseException, keep_as: str | None,
                  timeout: int | None) -> KernelStopped:
    """The stopped cell gets a Danish error output and the notebook is written to `keep_as`
    (so that its HTML shows how far it got); returns the KernelStopped to raise."""
    from nbclient.exceptions import DeadKernelError
    from nbformat.v4 import new_output

    index, cell = _stopped_cell(nb_man.nb)
    where = ""
    if cell is not None:
        counts = [c.get("execution_count") or 0 for c in nb_man.nb.cells[:index]
                  if c.cell_type == "code"]
        where = f" i celle [{max(counts, default=0) + 1}]"
    if isinstance(exc, DeadKernelError):
        text = f"{KERNEL_DIED}{where}."
    else:
        text = (f"Kørslen blev stoppet{where}: cellen kørte længere end tidsgrænsen på "
                f"{timeout} sekunder (--timeout).")
    if cell is not None:
        cell.outputs.append(new_output("error", ename="Kørslen stoppet", evalue=text,
                                       traceback=[text]))
        nb_man.cell_exception(cell, cell_index=index)
    if keep_as:
        from papermill.iorw import write_ipynb

        write_ipynb(nb_man.nb, keep_as)
    return KernelStopped(text)


def notebook_imports(path: Path) -> list[str]:
    """The modules a notebook imports at the top level of its code cells, in order: the
    kernel can import them while it starts (see `preimport_code`). Cells that are not plain
    Python (magics) are skipped; relative imports are ignored."""
    import ast

    import nbformat

    names: list[str] = []
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # an unreadable notebook fails later, with a proper message
        return names
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names
                          if alias.name != "*"]
    return list(dict.fromkeys(names))


def startup_code(modules: Iterable[str]) -> str:
    """Code run when a kernel starts (IPKernelApp.exec_lines, not stored in the history).

    1. On Linux a kernel started by jupyter_client (JPY_PARENT_PID set) asks to be killed
       when the process that started it ends (PR_SET_PDEATHSIG), and exits at once if that
       already happened: an interrupted or
       killed run leaves no kernel behind, wherever orphans are re-parented (ipykernel's own
       check only notices a re-parenting to process 1).
    2. It imports the given modules into sys.modules only, leaving the user's namespace
       empty. Importing is what a notebook's first cells spend most time on; a kernel started
       ahead of its notebook (prewarm) has then done it off the critical path. Names that are
       not modules (`from x import function`) or fail to import are skipped silently: the
       notebook's own import reports any real problem."""
    mods = list(modules)
    return (
        "def _sa_start(names):\n"
        "    import importlib, os, signal, sys\n"
        "    parent = os.environ.get('JPY_PARENT_PID')\n"
        "    if parent and sys.platform.startswith('linux'):\n"
        "        try:\n"
        "            import ctypes\n"
        "            ctypes.CDLL('libc.so.6').prctl(1, signal.SIGKILL)\n"
        "        except Exception:\n"
        "            pass\n"
        "        if os.getppid() != int(parent):\n"
        "            os._exit(1)\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"_sa_start({mods!r})\n"
        "del _sa_start\n"
    )


def kernel_env(root: Path, data_snapshot: Path | None = None) -> dict[str, str]:
    """The kernels' environment: the runner's, with the project folder, a fixed hash seed
    (so anything that iterates over a set of strings gives the same order in every run) and,
    with `data_snapshot`, the run's data snapshot for `socialanalyse.data.load`."""
    env = dict(os.environ)
    env["SOCIALANALYSE_HOME"] = str(root)
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    env.pop(snapshot.ENV, None)
    if data_snapshot is not None:
        env[snapshot.ENV] = str(data_snapshot)
    return env
