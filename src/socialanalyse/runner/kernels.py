"""Kernels: started by the runner so it can measure their startup and start the next one early.

A notebook's kernel is started before the notebook is handed to Papermill (while the previous
notebook runs, when `Job.prewarm`), with the notebook's imports done at start-up
(`preimport_code`), so that importing happens off the critical path.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..data import snapshot

KERNEL_NAME = "python3"
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers


class Kernel:
    """A python3 kernel started in a given folder with a given environment.

    On POSIX it talks over Unix sockets in a private temporary folder (no TCP ports, no
    warnings about unencrypted TCP); its own stderr (kernel-level messages, not cell output)
    goes to `log`.
    """

    def __init__(
        self, cwd: Path, env: dict[str, str], log: Path | None = None,
        preimport: Iterable[str] | None = None,
    ):
        import tempfile

        from jupyter_client import KernelManager

        self.launched = time.perf_counter()
        self._sockets = None
        options: dict[str, Any] = {"kernel_name": KERNEL_NAME}
        if os.name == "posix":
            self._sockets = tempfile.mkdtemp(prefix="sa-k-")
            options.update(transport="ipc", ip=os.path.join(self._sockets, "k"))
        self.km = KernelManager(**options)
        self._log = open(log, "ab") if log is not None else None  # noqa: SIM115 - kept open
        extra = []
        if preimport is not None:
            lines = [preimport_code(preimport)]
            extra.append(f"--IPKernelApp.exec_lines={lines!r}")
        self.km.start_kernel(
            cwd=str(cwd), env=env, stderr=self._log, stdout=self._log, extra_arguments=extra
        )
        self.ready_after: float | None = None

    def wait_ready(self, timeout: float = KERNEL_START_TIMEOUT) -> float:
        """Block until the kernel answers; returns the seconds waited here."""
        t0 = time.perf_counter()
        if self.ready_after is None:
            kc = self.km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=timeout)
            finally:
                kc.stop_channels()
            self.ready_after = time.perf_counter() - self.launched
        return time.perf_counter() - t0

    def shutdown(self) -> None:
        """Stop the kernel (quietly if it is already gone) and remove its sockets."""
        import shutil

        # A kernel that died on its own needs no shutdown; whatever the error, go on.
        with contextlib.suppress(Exception):
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        if self._log is not None:
            self._log.close()
        if self._sockets:
            shutil.rmtree(self._sockets, ignore_errors=True)


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


def preimport_code(modules: Iterable[str]) -> str:
    """Code run when a kernel starts (IPKernelApp.exec_lines, not stored in the history):
    import the given modules into sys.modules only, leaving the user's namespace empty.

    Importing is what a notebook's first cells spend most time on; a kernel started ahead
    of its notebook (prewarm) has then done it off the critical path. Names that are not
    modules (`from x import function`) or fail to import are skipped silently: the
    notebook's own import reports any real problem."""
    mods = list(modules)
    return (
        "def _sa_preimport(names):\n"
        "    import importlib\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except Exception:\n"
        "            pass\n"
        f"_sa_preimport({mods!r})\n"
        "del _sa_preimport\n"
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
