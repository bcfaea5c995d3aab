"""Processes: a child made by fork, forkserver or spawn works like its parent, with nothing to do.

libgomp keeps a record of the forking thread's worker threads; a forked child, which has only
the forking thread, would wait forever for them on its first parallel call.  relufast releases
that pool just before every fork.  Each scenario runs in a fresh interpreter under a timeout,
so a hang fails the test instead of the suite.
"""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

import relufast
from relufast import _openmp

# the folder the relufast under test was imported from (installed, or built in place)
HOME = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")

PRELUDE = """
import os, sys, threading
import numpy as np
import relufast as rf

N = 10**6  # far above the parallel threshold

def work(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(N).astype(np.float32)
    want = np.maximum(x, 0)
    rf.relu(x, out=x)
    assert np.array_equal(x, want)
    g = rng.standard_normal(N)
    gx, gw = rf.prelu_grad(g, rng.standard_normal(N), np.float64(0.25))
    rf.elu(rng.standard_normal(N), out=None)
    return True

def fork_and_work(seed):  # the exit status of a forked child that calls relufast at once
    pid = os.fork()
    if pid == 0:
        try:
            work(seed)
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

def threads_now():
    return len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0

if __name__ == "__main__":
    work()  # the parent has a running OpenMP pool before any child is made
"""


@pytest.fixture
def script(tmp_path):
    return tmp_path / "scenario.py"  # a file, so that spawn and forkserver can import __main__


def _run(script, body, timeout=60):
    script.write_text(PRELUDE + textwrap.dedent(body))
    env = dict(os.environ, OMP_NUM_THREADS="2",
               PYTHONPATH=os.pathsep.join([HOME, os.environ.get("PYTHONPATH", "")]))
    # its own process group: on a hang the children that hold the pipes are killed with it
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        pytest.fail(f"hung for {timeout} s")
    assert p.returncode == 0, err[-3000:]
    return out


def test_os_fork_child_calls_at_once(script):
    out = _run(script, """
        assert fork_and_work(1) == 0
        work(2)  # the parent goes on, its pool started again
        print("ok")
    """)
    assert out.strip() == "ok"


@pytest.mark.skipif(not _openmp.OPENMP, reason="serial build: no worker threads")
def test_forked_child_runs_in_parallel(script):
    # not only alive: the child's parallel calls start workers of their own
    out = _run(script, """
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            before = threads_now()
            with rf.num_threads(2):
                work(1)
            os.write(w, f"{before} {threads_now()}".encode())
            os._exit(0)
        os.waitpid(pid, 0)
        print(os.read(r, 100).decode())
    """)
    before, after = map(int, out.split())
    if before:  # /proc is there
        assert after > before


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_multiprocessing_pool(script, method):
    out = _run(script, f"""
        import multiprocessing as mp
        if __name__ == "__main__":
            with mp.get_context("{method}").Pool(2) as pool:
                print(all(pool.map(work, range(4))))
    """, timeout=120)
    assert out.strip() == "True"


def test_process_pool_executor_default_start_method(script):
    out = _run(script, """
        from concurrent.futures import ProcessPoolExecutor
        if __name__ == "__main__":
            with ProcessPoolExecutor(2) as ex:
                print(all(ex.map(work, range(4))))
    """, timeout=120)
    assert out.strip() == "True"


def test_fork_while_another_thread_is_inside_a_call(script):
    # the forking thread's pool is released; the other thread's pool, mid-call, stays the
    # parent's, and the child starts its own
    out = _run(script, """
        stop = threading.Event()
        def busy():
            while not stop.is_set():
                work(3)
        t = threading.Thread(target=busy)
        t.start()
        statuses = [fork_and_work(4) for _ in range(5)]
        stop.set()
        t.join()
        print(statuses)
    """, timeout=120)
    assert out.strip() == "[0, 0, 0, 0, 0]"
