"""Many Python threads calling relufast at once, while others change the thread settings.

* Shared read-only inputs, private outputs: 8 Python threads run every function and gradient,
  small arrays (inline) and large ones (each call an OpenMP team of its own, several teams at
  once), into new arrays, into their own ``out`` and in place on private copies; every result
  must equal, bit for bit, the one computed alone beforehand (elementwise results do not depend
  on the thread count; prelu's weight gradient agrees to rounding).
* Meanwhile a "chaos" thread calls set_num_threads with 1..4 and None, and enters and leaves
  num_threads blocks, and toggles a threadpoolctl limit: no result may change, nothing may
  crash, and the process-wide setting ends where the last call put it.
* Each Python thread's num_threads block stays its own while others change theirs.

The GIL is released in the kernels, so on a default (GIL) build the kernels of different Python
threads really overlap; on a free-threaded build the Python layer does too.
"""

import concurrent.futures
import sys
import sysconfig
import threading

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import ELEMENTWISE, F16, F32, F64, mixed_values, random_values
from numerics import assert_same

pytestmark = [
    pytest.mark.usefixtures("thread_state"),
    pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning"),
]

WORKERS = 8
ROUNDS = 3


def _jobs(rng):
    """(fn, x, g) with x and g read-only, small and large, every dtype."""
    jobs = []
    for i, fn in enumerate(ELEMENTWISE):
        dtype = (F32, F64, F16)[i % 3]
        for n in (257, 2 * fn.threshold + 13 * i + 1):
            x = mixed_values(rng, n, dtype)
            g = mixed_values(rng, n, dtype)
            x.flags.writeable = False
            g.flags.writeable = False
            jobs.append((fn, x, g))
    return jobs


def _expected(jobs):
    with relufast.num_threads(1):
        return [(fn.forward(x), fn.gradient(g, x)) for fn, x, g in jobs]


def _work(job, want, nt=None):
    """Run one job every way, ROUNDS times; return a description of every mismatch."""
    fn, x, g = job
    want_f, want_g = want
    bad = []
    for _ in range(ROUNDS):
        out = np.empty_like(x)
        xi = x.copy()
        gi = g.copy()
        got = [("forward", fn.forward(x)),
               ("forward out", fn.forward(x, out=out)),
               ("forward in place", fn.forward(xi, out=xi)),
               ("gradient", fn.gradient(g, x)),
               ("gradient in place", fn.gradient(gi, x, out=gi))]
        for what, r in got:
            w = want_g if what.startswith("gradient") else want_f
            try:
                assert_same(r, w, what=f"{fn.id} {what} n={x.size} nt={nt}")
            except AssertionError as e:
                bad.append(str(e))
    return bad


def _run_concurrently(jobs, want, chaos=None):
    stop = threading.Event()
    errors = []

    def chaos_loop():
        try:
            while not stop.is_set():
                chaos()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    t = threading.Thread(target=chaos_loop) if chaos else None
    if t:
        t.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
            # every job twice, in an order that mixes small and large arrays and dtypes
            order = list(range(len(jobs))) * 2
            np.random.default_rng(1).shuffle(order)
            results = list(ex.map(lambda i: _work(jobs[i], want[i]), order))
    finally:
        stop.set()
        if t:
            t.join(60)
    assert not errors, errors
    bad = [b for r in results for b in r]
    assert not bad, bad[:5]


def test_shared_inputs_private_outputs(rng):
    jobs = _jobs(rng)
    _run_concurrently(jobs, _expected(jobs))


def test_set_num_threads_while_others_compute(rng):
    jobs = _jobs(rng)
    want = _expected(jobs)
    counts = [1, 2, 3, 4, None]
    state = {"i": 0}

    def chaos():
        i = state["i"] = state["i"] + 1
        relufast.set_num_threads(counts[i % len(counts)])
        with relufast.num_threads(1 + i % 3):
            relufast.get_num_threads()
        if i % 50 == 0:
            try:
                import threadpoolctl
            except ImportError:
                return
            with threadpoolctl.threadpool_limits(1 + i % 2):
                pass

    _run_concurrently(jobs, want, chaos)
    assert state["i"] > 10, state  # the settings did change while the workers ran
    relufast.set_num_threads(3)
    assert relufast.get_num_threads() == 3


def test_num_threads_blocks_stay_per_thread():
    seen = {}
    barrier = threading.Barrier(WORKERS)

    def worker(k):
        n = 1 + k % 4
        with relufast.num_threads(n):
            barrier.wait(30)  # every thread inside its own block at once
            for _ in range(200):
                if relufast.get_num_threads() != n:
                    seen[k] = relufast.get_num_threads()
                    return
            barrier.wait(30)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not seen, seen


def test_concurrent_prelu_with_shared_weight(rng):
    shape = (6, 9_001)
    x = random_values(rng, shape[0] * shape[1], F32, 2.0).reshape(shape)
    g = random_values(rng, x.size, F32, 1.0).reshape(shape)
    w = random_values(rng, shape[0], F32, 0.5)
    for a in (x, g, w):
        a.flags.writeable = False
    with relufast.num_threads(1):
        want_y = relufast.prelu(x, w, axis=0)
        want_gx, want_gw = relufast.prelu_grad(g, x, w, axis=0)

    def run(k):
        with relufast.num_threads(1 + k % 3):
            y = relufast.prelu(x, w, axis=0)
            gx, gw = relufast.prelu_grad(g, x, w, axis=0)
        assert_same(y, want_y)
        assert_same(gx, want_gx)
        np.testing.assert_allclose(gw, want_gw, rtol=1e-5)
        return True

    with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
        assert all(ex.map(run, range(3 * WORKERS)))


def test_gil_is_released_in_the_kernels():
    # while one thread is inside a long kernel call, another Python thread keeps running
    x = np.linspace(-3, 3, 8_000_000, dtype=np.float32)
    out = np.empty_like(x)
    inside = threading.Event()
    done = threading.Event()
    ticks = []

    def ticker():
        inside.wait(30)
        while not done.is_set():
            ticks.append(1)
            done.wait(0.0002)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        with relufast.num_threads(1):
            relufast.gelu(x, out=out)  # warm: pages touched, code loaded
            inside.set()
            for _ in range(3):
                relufast.gelu(x, out=out)
    finally:
        done.set()
        t.join(10)
    # with the GIL held for the whole call the ticker would get ~1 tick per call
    assert len(ticks) > 10, len(ticks)


@pytest.mark.skipif(not sysconfig.get_config_var("Py_GIL_DISABLED"),
                    reason="not a free-threaded CPython build")
def test_free_threaded_build_keeps_the_gil_off():
    # importing relufast must not turn the GIL back on (Cython's freethreading_compatible)
    assert _dispatch is not None
    assert not sys._is_gil_enabled()
