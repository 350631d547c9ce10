"""The runner's kernels, with real kernels: a cell whose reply is read only when the timeout
is reached fails its notebook (never "completed"), an interrupt of a kernel reaches that
kernel and never the runner, and repeated runs of two notebooks side by side finish within a
bound and leave no thread behind. Its clients are ready once the kernel has answered
(kernels._ready: with fake channels, and with a real kernel).

In this process (the pytest worker), so that signals and threads of the runner can be seen.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from run_support import REPO, make_project, write_notebook, write_notebooks

from socialanalyse.runner import build_plan, kernels
from socialanalyse.runner.folders import release, remove_scratch, reserve
from socialanalyse.runner.job import execute_job

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups (Linux)"),
]


@pytest.fixture
def scratch():
    """A short private folder under /tmp (the kernels' Unix sockets need short paths)."""
    folder = Path(tempfile.mkdtemp(prefix="sa-test-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_cell_whose_reply_is_read_only_at_the_timeout_fails_its_notebook(
        scratch, monkeypatch):
    import papermill as pm
    from jupyter_client.channels import AsyncZMQSocketChannel

    channel = kernels._manager_class().channel_class

    async def late(self, timeout=None):
        # The cell's reply is read, but only once it is there, whatever the timeout: what
        # nbclient saw when its poll's wake-up was lost (the poll ended at the timeout, found
        # the reply, and the cell counted as completed after exactly the timeout).
        waits_for_cell = timeout is not None and timeout >= 1.5
        return await AsyncZMQSocketChannel.get_msg(
            self, timeout=None if waits_for_cell else timeout)
    path = write_notebook(scratch / "sover.ipynb", "Sover", "import time\ntime.sleep(3)",
                          "efter = 1")
    executed = scratch / "udfoert.ipynb"
    kernel = kernels.Kernel(scratch, kernels.kernel_env(REPO), scratch / "k")

    def run() -> None:
        try:
            kernel.wait_ready()
            monkeypatch.setattr(channel, "get_msg", late)
            pm.execute_notebook(str(path), str(executed), engine_name=kernels.papermill_engine(),
                                keep_as=str(executed), kernel_name=kernels.KERNEL_NAME,
                                progress_bar=False, execution_timeout=2, km=kernel.km)
        finally:
            kernel.shutdown()

    with pytest.raises(kernels.KernelStopped) as stopped:
        kernels.in_own_event_loop(run)
    assert str(stopped.value) == ("Kørslen blev stoppet i celle [2]: cellen kørte længere end "
                                  "tidsgrænsen på 2 sekunder (--timeout).")
    cells = nbformat.read(executed, as_version=4).cells
    assert cells[2].metadata.papermill.status == "failed"
    assert cells[2].outputs[-1].evalue == str(stopped.value)  # the reason, in the notebook
    assert cells[3].metadata.papermill.status == "pending"  # stopped there: no cell after it


def test_an_interrupt_reaches_the_kernel_and_never_the_runner(scratch):
    from jupyter_core.utils import run_sync

    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    kernel = kernels.Kernel(scratch, kernels.kernel_env(REPO), scratch / "k")
    pid = kernel.pid

    def run() -> dict:
        try:
            kernel.wait_ready()
            # A session and process group of its own, not the runner's.
            assert os.getsid(pid) == os.getpgid(pid) == pid
            assert os.getpgid(pid) != os.getpgrp() and os.getsid(pid) != os.getsid(0)
            client = kernel.km.client()
            client.start_channels()
            msg_id = client.execute("import time\nprint('sover', flush=True)\ntime.sleep(60)")
            # Until the cell's own code runs: its output, not execute_input. On a loaded
            # machine (CI) a SIGINT that came after execute_input but before the cell ran was
            # caught by the kernel itself ("KeyboardInterrupt caught in kernel") and the
            # request never got a reply.
            while True:
                msg = run_sync(client.get_iopub_msg)(timeout=60)
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["msg_type"] == "stream" and "sover" in msg["content"]["text"]):
                    break
            # jupyter_client's interrupt: SIGINT to the kernel's process group, sent again
            # every 5 s in case one is lost.
            deadline = time.monotonic() + 55
            while True:
                run_sync(kernel.km.interrupt_kernel)()
                try:
                    reply = run_sync(client.get_shell_msg)(timeout=5)
                    break
                except queue.Empty:
                    if time.monotonic() > deadline:
                        raise
            client.execute("time.sleep(60)")  # busy again when the runner stops it
            time.sleep(0.5)
            return reply
        finally:
            start = time.monotonic()
            kernel.shutdown()
            stopping.append(time.monotonic() - start)

    stopping: list[float] = []
    try:
        reply = kernels.in_own_event_loop(run)
        time.sleep(0.5)  # a signal sent to this process would have arrived by now
    finally:
        signal.signal(signal.SIGINT, previous)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"  # the kernel got it
    assert received == []  # the runner did not
    # The busy kernel was killed at once, not after its 60 s sleep.
    assert _gone(pid) and stopping[0] < 30
    assert not (scratch / "k").exists()


def test_repeated_runs_side_by_side_finish_in_time_and_leave_no_thread(tmp_path, scratch,
                                                                        monkeypatch):
    monkeypatch.setenv("TMPDIR", str(scratch))  # short socket paths for the kernels
    root = make_project(tmp_path / "projekt", sample=False)
    nb = write_notebooks(
        tmp_path / "nb",
        ("00_a", 'report.record("a", 1)'),
        # An Output widget, as in the sample's panels (whose cells stalled).
        ("01_b", ("import ipywidgets as w\nfrom IPython.display import display\n"
                  'ud = w.Output()\nwith ud:\n    print("i panelet")\ndisplay(ud)\n'
                  'report.record("b", 2)')),
        ("02_c", 'report.record("c", 3)'),  # in a lane after another notebook
    )
    before = None
    for _ in range(5):
        p = reserve(build_plan(["eksempelkommune"], root=root, notebooks_dir=nb,
                               out=tmp_path / "output", workers=2, timeout=30))
        job = p.jobs[0]
        assert job.parallel == 2
        t0 = time.monotonic()
        try:
            result = execute_job(job)
        finally:
            release(job)
            remove_scratch(job)
        took = time.monotonic() - t0
        assert [n.status for n in result.notebooks] == ["ok"] * 3, [
            n.fejl for n in result.notebooks]
        # A stalled reply would hold its notebook up to the 30 s timeout and then fail it.
        assert took < 120, took
        # No lane, heartbeat or ZeroMQ thread outlives a run (it used to be one heartbeat
        # thread per notebook, pinging its dead kernel for as long as the process lived).
        alive = threading.active_count()
        before = alive if before is None else before
        assert alive <= before, [t.name for t in threading.enumerate()]
        shutil.rmtree(job.tmp_dir)
    assert list(scratch.iterdir()) == []  # kernel files and sockets removed


# --- a client is ready as soon as the kernel has answered (kernels._ready) ---------------------

class _Channel:
    """A channel holding queued messages; get_msg raises Empty when none is left."""

    def __init__(self, messages=()):
        self.messages = list(messages)

    async def get_msg(self, timeout=None):
        if not self.messages:
            raise queue.Empty
        return self.messages.pop(0)


def _msg(parent, msg_type, **content):
    return {"parent_header": {"msg_id": parent}, "msg_type": msg_type, "content": content}


class _Client:
    """kernel_info() queues what `answers` says the kernel sends for each request."""

    def __init__(self, answers, alive=True):
        self.shell_channel, self.iopub_channel = _Channel(), _Channel()
        self.answers, self.alive, self.asked, self.handled = list(answers), alive, [], None

    def kernel_info(self):
        msg_id = f"info-{len(self.asked) + 1}"
        self.asked.append(msg_id)
        shell, iopub = self.answers.pop(0)(msg_id) if self.answers else ([], [])
        self.shell_channel.messages += shell
        self.iopub_channel.messages += iopub
        return msg_id

    def _handle_kernel_info_reply(self, msg):
        self.handled = msg

    async def _async_is_alive(self):
        return self.alive


def _answered(msg_id):
    return ([_msg(msg_id, "kernel_info_reply", status="ok")],
            [_msg(msg_id, "status", execution_state="busy"),
             _msg(msg_id, "status", execution_state="idle")])


def _ready(client, timeout=None):
    import asyncio

    return asyncio.run(kernels._ready(client, timeout))


def test_a_client_is_ready_once_its_request_is_done_and_earlier_messages_are_dropped():
    client = _Client([_answered])
    # What the kernel sent before (a clean slate's status, an output) is read first.
    client.iopub_channel.messages = [_msg("oprydning", "status", execution_state="idle"),
                                     _msg("oprydning", "stream", text="gammelt")]
    _ready(client)
    assert client.asked == ["info-1"]
    assert client.handled["parent_header"]["msg_id"] == "info-1"
    assert client.iopub_channel.messages == []  # nothing of before is left for the notebook


def test_a_client_that_missed_the_kernels_iopub_messages_asks_again(monkeypatch):
    monkeypatch.setattr(kernels, "READY_RETRY", 0.01)
    # The first answer's IOPub messages were sent before the subscriber was connected.
    client = _Client([lambda m: (_answered(m)[0], []), _answered])
    _ready(client)
    assert client.asked == ["info-1", "info-2"]
    assert client.handled["parent_header"]["msg_id"] == "info-2"


def test_a_client_of_a_dead_or_silent_kernel_is_not_ready():
    with pytest.raises(RuntimeError, match="died"):
        _ready(_Client([], alive=False))
    with pytest.raises(RuntimeError, match="respond in 0.1 seconds"):
        _ready(_Client([]), timeout=0.1)


def test_a_notebook_client_is_ready_without_waiting_for_iopub_to_fall_silent(scratch):
    """jupyter_client's own wait_for_ready ends by reading IOPub until nothing has come for
    0.2 s - a wait that always runs out (Empty) - before every notebook, with the lane idle.
    The runner's clients are ready when the kernel's answer is read: no wait runs out
    (one may when the subscriber was not yet connected: then it asks again)."""
    from jupyter_core.utils import run_sync

    kernel = kernels.Kernel(scratch, kernels.kernel_env(REPO), scratch / "k")

    def run() -> list[int]:
        try:
            kernel.wait_ready()
            ran_out = []
            for _ in range(5):
                client = kernel.km.client()
                client.start_channels()
                channel, empty = client.iopub_channel, []
                get = channel.get_msg

                async def counting(timeout=None, get=get, empty=empty):
                    try:
                        return await get(timeout=timeout)
                    except queue.Empty:
                        empty.append(timeout)
                        raise
                channel.get_msg = counting
                run_sync(client.wait_for_ready)(timeout=60)
                ran_out.append(len(empty))
                # The next request's messages are its own, from its busy on.
                msg_id = client.execute("1 + 1")
                first = run_sync(client.get_iopub_msg)(timeout=60)
                assert first["parent_header"]["msg_id"] == msg_id
                assert first["content"] == {"execution_state": "busy"}
                client.stop_channels()
            return ran_out
        finally:
            kernel.shutdown()

    ran_out = kernels.in_own_event_loop(run)
    assert sorted(ran_out)[2] == 0, ran_out
