"""Kernels: started by the runner so it can measure their startup and start the next one early.

A notebook's kernel is started before the notebook is handed to Papermill (while the previous
notebook runs, when `Job.prewarm`), with the notebook's imports done at start-up
(`startup_code`), so that importing happens off the critical path. A kernel that dies, or a
cell that runs past the timeout, stops only its notebook (`papermill_engine`, `KernelStopped`).

Threads: a kernel is launched in one thread (the job's) and used in another (a lane's). What
crosses over is only the kernel's process and connection file: the manager opens no ZeroMQ
socket when it starts (`_manager_class`), every socket belongs to a client made in the lane,
in the event loop of that one notebook (`in_own_event_loop`), and `Kernel.shutdown` closes
them before that loop is closed. A kernel is stopped by killing it - never by a signal to a
process group that could be another process's (`_kill`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import shutil
import signal
import time
from collections.abc import Iterable
from pathlib import Path
from queue import Empty
from typing import Any

from ..data import snapshot

KERNEL_NAME = "python3"
KERNEL_START_TIMEOUT = 120  # seconds until the kernel answers
CLEAN_SLATE_TIMEOUT = 60  # seconds for a kernel to be made ready for the next notebook


class Kernel:
    """A python3 kernel started in a given folder with a given environment.

    Its manager is jupyter_client's AsyncKernelManager, so that the notebook client (nbclient,
    under Papermill) can wait for a message and watch the kernel at the same time: a kernel
    that dies is noticed within a second and a cell that runs past the timeout is stopped
    (with the synchronous manager the client blocks in a read and notices neither).

    Everything the kernel needs on disk - its connection file and, on POSIX, its Unix sockets
    (no TCP ports, no warnings about unencrypted TCP) - lives in the private folder `folder`,
    removed by `shutdown`. The kernel's own stderr (kernel-level messages, not cell output)
    goes to `log`. The kernel dies with the process that started it (`startup_code`). It runs
    in a session of its own (jupyter_client starts it so), so a Ctrl-C in the terminal reaches
    the runner, not the kernel, and nothing sent to the kernel reaches the runner.
    """

    def __init__(
        self, cwd: Path, env: dict[str, str], folder: Path, log: Path | None = None,
        preimport: Iterable[str] = (),
    ):
        from jupyter_core.utils import run_sync

        self.launched = time.perf_counter()
        self.cwd, self.env = Path(cwd), dict(env)
        self.log, self.job_log, self._logged = log, None, 0  # see copy_log
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        options: dict[str, Any] = {"kernel_name": KERNEL_NAME,
                                   "connection_file": str(self.folder / "kernel.json")}
        if os.name == "posix":
            options.update(transport="ipc", ip=str(self.folder / "k"))
        self.km = _manager_class()(**options)
        self._log = open(log, "ab") if log is not None else None  # noqa: SIM115 - kept open
        lines = [startup_code(preimport)]
        try:
            run_sync(self.km.start_kernel)(
                cwd=str(cwd), env=env, stderr=self._log, stdout=self._log,
                # History in memory: no SQLite file shared (and locked) by every kernel.
                extra_arguments=[f"--IPKernelApp.exec_lines={lines!r}",
                                 "--HistoryManager.hist_file=:memory:"],
            )
        except BaseException:
            self.shutdown()
            raise
        self.ready_after: float | None = None
        self.notebooks_run = 0  # notebooks this kernel has run and been cleaned after
        self.cleaned_in: float | None = None  # seconds the last clean_slate took

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

    def clean_slate(self, timeout: float = CLEAN_SLATE_TIMEOUT) -> float:
        """Make the kernel ready for another notebook (`CLEAN_SLATE`) and close this
        notebook's clients; returns the seconds it took. Raises KernelStopped when the kernel
        does not answer in `timeout` seconds, has died, or the reset fails - the kernel is
        then of no further use (shut it down). Call it in the lane thread whose event loop
        the notebook's clients used."""
        t0 = time.perf_counter()
        self._run_quietly(CLEAN_SLATE, timeout)
        self.notebooks_run += 1
        self.cleaned_in = time.perf_counter() - t0
        return self.cleaned_in

    def use_for(self, env: dict[str, str], job_log: Path | None,
                timeout: float = CLEAN_SLATE_TIMEOUT) -> None:
        """Hand a clean kernel to another job: `env` (kernel_env of that job) becomes the
        environment a clean slate restores - only the variables that differ from the
        kernel's last job are changed, those jupyter_client set at start stay - and what the
        kernel writes to its log from now on is copied to `job_log` (copy_log). Raises
        KernelStopped as clean_slate does. Call it in its own event loop
        (in_own_event_loop)."""
        changed = {k: v for k, v in env.items() if self.env.get(k) != v}
        removed = [k for k in self.env if k not in env]
        self._run_quietly(USE_FOR % (changed, removed), timeout)
        self.copy_log()
        self.env, self.job_log = dict(env), job_log

    def copy_log(self) -> None:
        """Append what the kernel wrote to its own log since the last copy to `job_log` (a
        kernel that runs several jobs logs into its folder; each job keeps its part)."""
        if self.log is None or self.job_log is None:
            return
        with contextlib.suppress(OSError):
            with open(self.log, "rb") as fh:
                fh.seek(self._logged)
                new = fh.read()
            self._logged += len(new)
            if new:
                with open(self.job_log, "ab") as out:
                    out.write(new)

    def _run_quietly(self, code: str, timeout: float) -> None:
        """Run `code` silently (outside the history); then close this call's clients. Raises
        KernelStopped when the kernel does not answer in `timeout` seconds, has died, or the
        code fails."""
        from jupyter_core.utils import run_sync

        kc = self.km.client()
        try:
            kc.start_channels()
            reply = run_sync(kc.execute_interactive)(
                code, silent=True, store_history=False, timeout=timeout,
                output_hook=lambda _msg: None)
        except (TimeoutError, RuntimeError) as exc:
            raise KernelStopped("Python-kernen kunne ikke gøres klar til næste notebook "
                                f"({type(exc).__name__}).") from exc
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelStopped("Python-kernen kunne ikke gøres klar til næste notebook: "
                                f"{content.get('ename')}: {content.get('evalue')}")
        self.release_clients()

    def cpu_seconds(self) -> float | None:
        """The kernel process's CPU seconds so far (user + system; None where /proc is
        missing or the kernel is gone)."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, TypeError):
            return None

    def resident_bytes(self) -> int | None:
        """The kernel process's resident memory in bytes (None where /proc is missing)."""
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        """Whether the kernel's process is still running."""
        process = getattr(self.km.provisioner, "process", None)
        return process is not None and process.poll() is None

    def release_clients(self) -> None:
        """Close every client's sockets (also nbclient's, which Papermill leaves open);
        the kernel goes on running."""
        for client in self.km.clients:
            with contextlib.suppress(Exception):
                if client.channels_running:
                    client.stop_channels()
        self.km.clients.clear()

    @property
    def pid(self) -> int | None:
        """The kernel's process id (None before it started or after shutdown)."""
        process = getattr(self.km.provisioner, "process", None)
        return process.pid if process is not None else None

    def shutdown(self) -> None:
        """Close the clients' sockets, kill the kernel (quietly if it is already gone) and
        remove its folder. Call it in the thread whose event loop the clients used."""
        from jupyter_core.utils import run_sync

        self.release_clients()
        if self.log is not None and self.job_log is not None and self.log != self.job_log:
            self.copy_log()
        process = getattr(self.km.provisioner, "process", None)
        if process is not None:
            _kill(process)
            self.km.provisioner.process = None
        # Connection file and Unix sockets; whatever the error, go on.
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _kill(process) -> None:
    """Kill a kernel process and its process group (the kernel leads its own session: what
    a cell started dies with it), then reap it.

    Only while the process is this process's unreaped child - then its pid, and the group
    it leads, cannot belong to anyone else. jupyter_client signals the group id it noted at
    start, even after the kernel is gone and the number may have been reused; it also
    sends SIGINT first, which the runner has no use for."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
    with contextlib.suppress(Exception):
        process.wait(timeout=30)


_MANAGER = None


def _manager_class():
    """jupyter_client's AsyncKernelManager for the runner's kernels (made on first use, so that
    importing the runner does not import jupyter_client).

    - It opens no control socket when the kernel starts: the kernel is started in the job's
      thread, and a ZeroMQ socket made there would be used and closed in a lane's thread.
      The runner never needs it (it kills kernels rather than asking them to shut down).
    - It keeps the clients it makes (`client()`, also the one nbclient makes under
      Papermill, which Papermill never closes when it is given a manager): each left open
      keeps a heartbeat thread pinging a dead kernel forever, with a ZeroMQ context and
      four sockets - thousands in an `--all` run. `Kernel.shutdown` closes them.
    - Its clients are ready when the kernel has answered a kernel_info request on the shell
      channel and reported the request done on IOPub (`_ready`), without jupyter_client's
      closing wait for 0.2 s of silence on IOPub: that wait came before every notebook
      (nbclient makes a client per notebook), 0.2 s with the lane idle, 8 % of the national
      batch's wall time on two cores.
    - Its clients read the shell and IOPub channels in slices of `WAKE` seconds. A ZeroMQ
      socket's file descriptor only signals a change, and a signal can be taken by another
      operation on the socket (likely: nbclient's Output-widget mimic sending on the shell
      channel while the cell's reply arrives); the event loop is then not woken and the
      reply sat in the socket until the poll's timeout - the cell's whole `--timeout` - and
      a notebook after it waited the same way. Seen in the sample's widget cells (03 and 04)
      with two notebooks side by side: the lane in `select`, the kernel idle, and the
      shell socket reporting a message waiting under a pending poll."""
    global _MANAGER
    if _MANAGER is None:
        from jupyter_client import AsyncKernelManager
        from jupyter_client.asynchronous import AsyncKernelClient

        class RunnerKernelClient(AsyncKernelClient):
            wait_for_ready = _ready

        class RunnerKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.client_factory = RunnerKernelClient
                self.clients: list = []

            async def _async_post_start_kernel(self, **kw: Any) -> None:
                self.start_restarter()
                await self.provisioner.post_launch(**kw)

            def client(self, **kwargs: Any):
                kwargs.setdefault("shell_channel_class", channel)
                kwargs.setdefault("iopub_channel_class", channel)
                made = super().client(**kwargs)
                self.clients.append(made)
                return made

        from jupyter_client.channels import AsyncZMQSocketChannel

        class WakingChannel(AsyncZMQSocketChannel):
            async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
                # Wait in slices of WAKE seconds: each slice ends with a direct look at the
                # socket, so a lost wake-up delays a message by WAKE at most.
                deadline = None if timeout is None else time.monotonic() + timeout
                while True:
                    left = WAKE if deadline is None else max(0.0, deadline - time.monotonic())
                    try:
                        return await super().get_msg(timeout=min(WAKE, left))
                    except Empty:
                        if deadline is not None and time.monotonic() >= deadline:
                            raise

        channel = RunnerKernelManager.channel_class = WakingChannel
        _MANAGER = RunnerKernelManager
    return _MANAGER


# Seconds a client waits for a kernel's message before it looks at the socket itself.
WAKE = 1.0
# Seconds a client waits for a kernel_info request's messages before it asks again (IOPub not
# yet connected: a subscriber misses what is sent before it is), as jupyter_client does.
READY_RETRY = 0.2


async def _ready(client, timeout: float | None = None) -> None:
    """A client's wait_for_ready: until the kernel has answered a kernel_info request on the
    shell channel and its IOPub has reported that request done (status idle). Then IOPub is
    connected and every message the kernel sent before is read and dropped, as jupyter_client
    makes sure by reading IOPub until it is silent for 0.2 s; the next message is the next
    request's. Raises RuntimeError, as jupyter_client does, when the kernel dies first or
    does not answer in `timeout` seconds."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        msg_id = client.kernel_info()
        reply = await _message(client.shell_channel, msg_id, "kernel_info_reply", 1.0)
        if reply is not None and await _message(client.iopub_channel, msg_id, "status",
                                                READY_RETRY, idle=True) is not None:
            client._handle_kernel_info_reply(reply)
            return
        if not await client._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if deadline is not None and time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


async def _message(channel, parent: str, msg_type: str, seconds: float, idle: bool = False
                   ) -> dict[str, Any] | None:
    """The first message of `msg_type` answering request `parent` on `channel` within
    `seconds` (with `idle`: a status 'idle'), others read and dropped; None if none came."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            msg = await channel.get_msg(timeout=left)
        except Empty:
            return None
        if (msg["parent_header"].get("msg_id") == parent and msg["msg_type"] == msg_type
                and (not idle or msg["content"].get("execution_state") == "idle")):
            return msg
    return None


def in_own_event_loop(function, *args: Any, **kwargs: Any):
    """Call `function` with a new asyncio event loop for this thread, closed afterwards.

    jupyter_client, nbclient and Papermill run their coroutines with jupyter_core's run_sync,
    in the loop jupyter_core keeps for the current thread (in a context variable). Here that
    loop is made for this one call, in a fresh context: every socket and future of the
    notebook belongs to it, and nothing of it is left to a later notebook in the same lane
    thread (or to another thread) once it is closed."""

    def call():
        from jupyter_core.utils import ensure_event_loop

        loop = ensure_event_loop()  # a new loop: the fresh context has none
        try:
            return function(*args, **kwargs)
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)

    return contextvars.Context().run(call)


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
    notebook with KernelStopped after keeping it (`_keep_stopped`): pass `keep_as=PATH`.
    A cell whose reply came only when the timeout was reached is a timeout too
    (`_timed_cells`), never a completed cell."""
    global _registered
    if _registered:
        return ENGINE
    import logging

    from papermill.engines import NBClientEngine, papermill_engines

    class StoppingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, keep_as=None, **kwargs):
            from nbclient.exceptions import CellTimeoutError, DeadKernelError

            timeout = kwargs.get("execution_timeout")
            _timed_cells(nb_man, timeout)
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except (DeadKernelError, CellTimeoutError) as exc:
                raise _keep_stopped(nb_man, exc, keep_as, timeout) from exc

    papermill_engines.register(ENGINE, StoppingEngine)
    # Papermill and nbclient log their errors in English ("Kernel died while waiting for
    # execute reply."); the runner reports every failure itself, in Danish.
    logging.getLogger("papermill").addHandler(logging.NullHandler())
    _registered = True
    return ENGINE


def _timed_cells(nb_man, timeout: float | None) -> None:
    """Make a cell that took `timeout` seconds or more a timeout (CellTimeoutError), even when
    its reply was read in the end.

    nbclient waits for a cell's reply with one poll of `timeout` seconds; when the poll's
    wake-up is missed, the poll ends at the timeout, finds the reply and the cell counts as
    completed - after exactly the timeout, and the next cell goes on. Papermill calls
    `cell_complete` after every cell (also after a timeout); raising there stops the
    notebook at that cell."""
    from nbclient.exceptions import CellTimeoutError

    if not timeout:
        return
    complete = nb_man.cell_complete

    def cell_complete(cell, cell_index=None, **kwargs):
        complete(cell, cell_index=cell_index, **kwargs)
        meta = cell.metadata.get("papermill", {})
        if (meta.get("duration") or 0) >= timeout and meta.get("status") != nb_man.FAILED:
            raise CellTimeoutError(f"Cell execution timed out ({timeout} s)")

    nb_man.cell_complete = cell_complete


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
        "    import types, warnings\n"
        f"    clean = types.ModuleType({CLEAN_STATE!r})\n"
        "    clean.cwd, clean.environ = os.getcwd(), dict(os.environ)\n"
        "    clean.path, clean.filters = list(sys.path), list(warnings.filters)\n"
        f"    sys.modules[{CLEAN_STATE!r}] = clean\n"
        "    import gc\n"
        "    gc.freeze()\n"
        f"_sa_start({mods!r})\n"
        "del _sa_start\n"
    )


# The module (in the kernel's sys.modules, never in a notebook's namespace) that holds what
# the kernel looked like when it had started: `CLEAN_SLATE` puts it back.
CLEAN_STATE = "_socialanalyse_start"

# Run in a kernel between two notebooks (silently, outside the history): the next notebook
# finds what a newly started kernel would give it - whatever the last one did, also when it
# failed. Its imports stay (the point: they are paid once), and so does module state no
# notebook is meant to change; what a notebook changes is set back:
# - its variables, outputs and execution count (IPython's reset, a new session: [1] again);
# - the working folder, environment variables, sys.path and warning filters of the start;
# - the plot state: every figure closed, rcParams as matplotlib reads them from its rc file
#   on import (the backend excepted) and its colour codes - the theme a notebook sets is
#   its own;
# - pandas options (report.setup's Danish float format), the random generators (reseeded
#   from the OS as at start), open widgets (closed) and the report session (none: a
#   notebook that records without report.setup fails as in a new kernel).
CLEAN_SLATE = f"""\
def _sa_clean_slate():
    import gc, os, random, sys, warnings
    start = sys.modules[{CLEAN_STATE!r}]
    get_ipython().reset(new_session=True, aggressive=False)
    os.chdir(start.cwd)
    os.environ.clear()
    os.environ.update(start.environ)
    sys.path[:] = start.path
    warnings.filters[:] = start.filters
    getattr(warnings, "_filters_mutated", lambda: None)()  # forget cached decisions
    modules = sys.modules
    if "matplotlib.pyplot" in modules:
        modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in modules:
        mpl = modules["matplotlib"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mpl.rcParams.update({{k: v for k, v in mpl.rcParamsOrig.items() if k != "backend"}})
    if "matplotlib.colors" in modules:  # the colour codes 'b', 'g' ... the theme redefines
        colors = modules["matplotlib.colors"]
        colors.colorConverter.colors.update(colors.BASE_COLORS)
        getattr(colors.colorConverter.colors, "cache", {{}}).clear()
    if "pandas" in modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            modules["pandas"].reset_option("all")
    if "numpy" in modules:
        modules["numpy"].random.seed()
    random.seed()
    if "ipywidgets" in modules:
        modules["ipywidgets"].Widget.close_all()
    if "socialanalyse.report.session" in modules:
        modules["socialanalyse.report.session"]._current = None
    gc.collect()  # after the reset, which collects before the figures are closed
    # What survives is the kernel's own (modules, caches), as what the start-up froze: the
    # next notebook's collections need not go through it again.
    gc.freeze()
_sa_clean_slate()  # its own name goes with the reset
"""


# Run in a clean kernel that goes on to another job (Kernel.use_for): the environment the
# clean slate restores, and the current one, get that job's variables.
USE_FOR = f"""\
def _sa_use_for(changed, removed):
    import os, sys
    start = sys.modules[{CLEAN_STATE!r}]
    start.environ.update(changed)
    for key in removed:
        start.environ.pop(key, None)
    os.environ.clear()
    os.environ.update(start.environ)
_sa_use_for(%r, %r)
del _sa_use_for
"""


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
