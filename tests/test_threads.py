"""Threads: results that do not depend on the thread count, the thread-count API, threadpoolctl,
and several Python threads calling at once."""

import concurrent.futures
import math
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import relufast
from relufast import _dispatch, _openmp, _runtime, _threads

from cases import DTYPES, ELEMENTWISE, F16, F32, F64, fn_params, mixed_values, random_values
from numerics import assert_same

pytestmark = [
    pytest.mark.usefixtures("thread_state"),
    pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning"),
]
needs_openmp = pytest.mark.skipif(not _openmp.OPENMP, reason="built without OpenMP")

THREAD_COUNTS = (2, 3, 4)  # 3 and 4 oversubscribe this 2-core machine: chunk edges move


def _sizes(threshold):
    """Odd sizes above the parallel threshold, large enough for 4 threads (one per half
    threshold)."""
    return (3 * threshold + 7, 2 * threshold + 1)


def _unaligned(values, offset):
    """``values`` copied into a buffer at ``offset`` elements: the chunks start off alignment."""
    buf = np.empty(values.size + offset, values.dtype)
    view = buf[offset:]
    view[...] = values
    return view


# ---------------------------------------------------------------------------------------------
# 1 thread and N threads give the same bits


@needs_openmp
@pytest.mark.parametrize("dtype", [F32, F64, F16], ids=lambda d: d.name)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_elementwise_bitwise_independent_of_threads(fn, dtype, rng, kernel_spy):
    for n in _sizes(fn.threshold):
        x0 = mixed_values(rng, n, dtype)
        g0 = mixed_values(rng, n, dtype)
        with relufast.num_threads(1):
            want_f = fn.forward(x0)
            want_g = fn.gradient(g0, x0)
            want_y = fn.gradient(g0, want_f, from_output=True) if fn.from_output else None
        for offset in (0, 1, 5):
            x, g = _unaligned(x0, offset), _unaligned(g0, offset)
            for nt in THREAD_COUNTS:
                kernel_spy.calls.clear()
                with relufast.num_threads(nt):
                    assert_same(fn.forward(x), want_f, what=f"{fn.id} n={n} nt={nt}")
                    assert_same(fn.gradient(g, x), want_g, what=f"{fn.grad_name} nt={nt}")
                    if fn.from_output:
                        got = fn.gradient(g, _unaligned(want_f, offset), from_output=True)
                        assert_same(got, want_y, what=f"{fn.grad_name} from y, nt={nt}")
                    xi = x.copy()
                    assert_same(fn.forward(xi, out=xi), want_f, what=f"{fn.id} in place")
                assert kernel_spy.calls and set(kernel_spy.calls) == {nt}, kernel_spy.calls


def _at_line_offset(values, k):
    """``values`` copied to start ``k`` elements past a 64-byte boundary."""
    item = values.dtype.itemsize
    buf = np.empty(values.size + 64 // item + k, values.dtype)
    start = (-buf.ctypes.data % 64) // item + k
    view = buf[start:start + values.size]
    view[...] = values
    return view


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_elementwise_bitwise_independent_of_the_cache_line_offset(fn, dtype, rng):
    # the drivers run the elements before the output's first 64-byte boundary apart from the
    # rest: every such head (none to 15 elements), arrays shorter than their head, 1 and 2 threads
    lanes = 64 // np.dtype(dtype).itemsize
    for n in (0, 1, 5, lanes - 1, lanes + 3, 3 * lanes + 1, 3 * fn.threshold + 7):
        x0 = mixed_values(rng, n, dtype)
        g0 = mixed_values(rng, n, dtype)
        with relufast.num_threads(1):
            want_f = fn.forward(_at_line_offset(x0, 0))
            want_g = fn.gradient(_at_line_offset(g0, 0), _at_line_offset(x0, 0))
        for k in range(lanes):
            for nt in (1, 2):
                with relufast.num_threads(nt):
                    x = _at_line_offset(x0, k)
                    what = f"{fn.id} n={n} offset={k} nt={nt}"
                    assert_same(fn.forward(x), want_f, what=what)
                    assert_same(fn.forward(x, out=x), want_f, what=what + " in place")
                    g = _at_line_offset(g0, k)
                    assert_same(fn.gradient(g, _at_line_offset(x0, (k + 3) % lanes)), want_g,
                                what=what + " gradient")
                    assert_same(fn.gradient(g, x0, out=g), want_g, what=what + " into grad")


@needs_openmp
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", [((300_007,), None), ((37, 4001), 0), ((4001, 37), 1),
                                         ((3, 17, 2003), 1), ((2, 50_001), 1)],
                         ids=str)
def test_prelu_weight_gradient_agrees_to_rounding(shape, axis, dtype, rng, kernel_spy):
    n = math.prod(shape)
    x = random_values(rng, n, dtype, 2.0).reshape(shape)
    g = random_values(rng, n, dtype, 1.0).reshape(shape)
    w = dtype.type(0.1) if axis is None else random_values(rng, shape[axis], dtype, 0.5)
    with relufast.num_threads(1):
        want_x, want_w = relufast.prelu_grad(g, x, w, axis=axis or 0)
        want_f = relufast.prelu(x, w, axis=axis or 0)
    terms = np.abs(np.where(x > 0, 0.0, g.astype(F64) * x.astype(F64)))
    mass = terms.sum() if axis is None else np.moveaxis(terms, axis, 0).reshape(
        shape[axis], -1).sum(axis=1)
    for nt in THREAD_COUNTS:
        kernel_spy.calls.clear()
        with relufast.num_threads(nt):
            gx, gw = relufast.prelu_grad(g, x, w, axis=axis or 0)
            assert_same(relufast.prelu(x, w, axis=axis or 0), want_f)
        assert set(kernel_spy.calls) == {nt}
        assert_same(gx, want_x)
        # a reduction: the float64 partial sums are added in another order
        tol = np.spacing(np.abs(want_w)).astype(F64) + 2.0**-45 * mass
        assert np.all(np.abs(gw.astype(F64) - want_w.astype(F64)) <= tol), (gw, want_w)


# Shapes whose prelu walks a laid-out weight pattern (rows of channels, short runs) or not
# (long runs), with 2 (its 16-element pattern a line itself), 3 (odd period) and 64 channels.
LINE_OFFSET_SHAPES = [((700, 64), 1), ((3000, 3), 1), ((40, 3, 5), 1), ((4, 64, 7, 7), 1),
                      ((6, 2, 100), 1), ((5, 1), 1)]


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", LINE_OFFSET_SHAPES, ids=str)
def test_prelu_independent_of_the_cache_line_offset(shape, axis, dtype, rng):
    # prelu and prelu_grad run the elements before the output's first 64-byte boundary with
    # the weights as given and the rest from a pattern rotated to start there: every such head,
    # 1 and 2 threads, against the elementwise definition and the exact weight-gradient sums
    n = math.prod(shape)
    x0 = random_values(rng, n, dtype, 2.0).reshape(shape)
    g0 = random_values(rng, n, dtype, 1.0).reshape(shape)
    w = random_values(rng, shape[axis], dtype, 0.5)
    wb = w.reshape((-1,) + (1,) * (len(shape) - axis - 1))
    want_f = np.where(x0 > 0, x0, wb * x0)
    want_x = np.where(x0 > 0, g0, wb * g0)
    exact, mass = _fsum_weight_gradient(g0, x0, axis)
    gw_first = {}
    for k in range(64 // np.dtype(dtype).itemsize):
        x = _at_line_offset(x0.ravel(), k).reshape(shape)
        g = _at_line_offset(g0.ravel(), (k + 5) % 8).reshape(shape)
        for nt in (1, 2):
            with relufast.num_threads(nt):
                assert_same(relufast.prelu(x, w, axis=axis), want_f, what=f"offset {k} nt={nt}")
                gx, gw = relufast.prelu_grad(g, x, w, axis=axis)
                xi = x.copy()
                relufast.prelu(xi, w, axis=axis, out=xi)
                assert_same(xi, want_f, what=f"in place, offset {k} nt={nt}")
                gi = _at_line_offset(g0.ravel(), k).reshape(shape)
                gxi, _ = relufast.prelu_grad(gi, x, w, axis=axis, out=gi)
            assert_same(gx, want_x, what=f"grad_x offset {k} nt={nt}")
            assert_same(gxi, want_x, what=f"grad_x in place, offset {k} nt={nt}")
            tol = np.spacing(np.abs(exact).astype(dtype)).astype(F64) + 2.0**-45 * mass
            assert np.all(np.abs(gw.astype(F64) - exact) <= tol), (k, nt, gw, exact)
            # grad_weight's sums are grouped by the walk, never by where gx's buffer starts
            assert_same(gw, gw_first.setdefault(nt, gw), what=f"grad_weight offset {k} nt={nt}")


# prelu_grad split by channel: with many channels the kernel gives each thread a range of
# channels (its slice of every period) instead of a range of elements, so that its sums are
# not one array of every channel per thread.  These shapes take that path on 2 and 3 threads
# (their sums would pass the kernel's 1 MiB budget, and every thread's slice of a period is
# >= 1024 elements): rows of channels; runs of 2 with the weights laid out (a period of
# 60,002); runs of 3 walked one by one (a period past the layout's 65,536); runs of 64 in lane
# blocks.  On one thread they take the element split, which is the reference for grad_x.
CHANNEL_SPLIT_SHAPES = [((5, 70_001), 1), ((4, 30_001, 2), 1), ((2, 70_001, 3), 1),
                        ((1, 66_000, 64), 1)]


def _fsum_weight_gradient(g, x, axis):
    """grad_weight summed exactly (math.fsum of the float64 terms, per channel), and each
    channel's sum of |terms| (the float64 accumulation's error scale)."""
    terms = np.where(x > 0, 0.0, g.astype(F64) * x.astype(F64))
    per_channel = np.moveaxis(terms, axis, 0).reshape(x.shape[axis], -1)
    return (np.array([math.fsum(row) for row in per_channel]),
            np.abs(per_channel).sum(axis=1))


@needs_openmp
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", CHANNEL_SPLIT_SHAPES, ids=str)
def test_prelu_grad_split_by_channel(shape, axis, dtype, rng, kernel_spy):
    n = math.prod(shape)
    x = random_values(rng, n, dtype, 2.0).reshape(shape)
    g = random_values(rng, n, dtype, 1.0).reshape(shape)
    w = random_values(rng, shape[axis], dtype, 0.5)
    exact, mass = _fsum_weight_gradient(g, x, axis)
    tol = np.spacing(np.abs(exact).astype(dtype)).astype(F64) + 2.0**-45 * mass
    with relufast.num_threads(1):
        want_x = relufast.prelu_grad(g, x, w, axis=axis)[0]
    np.testing.assert_array_equal(
        want_x, np.where(x > 0, g, g * w.reshape((-1,) + (1,) * (x.ndim - axis - 1))))
    for nt in (1, 2, 3):
        for into in ("new", "grad", "x"):
            gi, xi = g.copy(), x.copy()
            out = {"new": None, "grad": gi, "x": xi}[into]
            kernel_spy.calls.clear()
            with relufast.num_threads(nt):
                gx, gw = relufast.prelu_grad(gi, xi, w, axis=axis, out=out)
            what = f"nt={nt} out={into}"
            assert kernel_spy.calls == [nt], what
            assert out is None or gx is out, what
            assert_same(gx, want_x, what=what)  # bitwise, whatever the split
            assert np.all(np.abs(gw.astype(F64) - exact) <= tol), what


@needs_openmp
@pytest.mark.parametrize("nt", [2, 3])
def test_prelu_grad_split_by_channel_writes_gw_after_reading(nt, rng):
    # the entry points let gw overlap g or x (only not gx): split by channel, gw is written
    # once every thread has read both, as in the element split
    kern = _dispatch.KERNELS.prelu_gradient[F64]
    C, rows = 70_001, 5
    x = rng.standard_normal(rows * C + 3)
    g, w = rng.standard_normal(rows * C), rng.uniform(0.1, 1, C)
    xs = x[:-3]
    want_x, want_w = np.empty_like(g), np.empty(C)
    assert kern(g, xs.copy(), w, want_x, want_w, 1, nt) == _dispatch.STATUS.DONE
    gx, gw = np.empty_like(g), x[C // 2 + 3:C // 2 + 3 + C]  # across two rows of x's channels
    assert kern(g, xs, w, gx, gw, 1, nt) == _dispatch.STATUS.DONE
    assert_same(gx, want_x)
    assert_same(gw, want_w)


@needs_openmp
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM (Linux)")
def test_prelu_grad_memory_does_not_grow_with_threads():
    # 10**6 channels on 64 threads: split by elements, every thread kept 8 MB of sums (512 MB);
    # split by channel, one array of 8 MB.  The growth of the peak resident set over the arrays
    # (made and touched first) is those sums and grad_weight (4 MB), in a fresh process.
    code = """if True:
        import numpy as np, relufast
        def hwm():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        x = np.linspace(-1, 1, 64 * 10**6, dtype=np.float32).reshape(64, 10**6)
        g = np.ones_like(x)
        before = hwm()
        with relufast.num_threads(64):
            gx, gw = relufast.prelu_grad(g, x, np.full(10**6, 0.25, np.float32), axis=-1, out=g)
        want = np.minimum(x, 0).sum(axis=0, dtype=np.float64)  # g is 1
        print(hwm() - before, np.abs(gw - want).max() / np.abs(want).max())
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(relufast.__file__)))
    growth, error = out.stdout.split()
    assert float(error) < 1e-6
    assert int(growth) < 20 * 2**20, f"peak memory grew by {int(growth) / 2**20:.1f} MiB"


# ---------------------------------------------------------------------------------------------
# which calls go parallel


@needs_openmp
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_small_arrays_run_on_one_thread(fn, kernel_spy):
    t = fn.threshold
    with relufast.num_threads(2):
        for n, want in [(1, 1), (t - 1, 1), (t, 2), (t + 1, 2)]:
            kernel_spy.calls.clear()
            x = np.linspace(-3, 3, n)
            fn.forward(x)
            fn.gradient(x, x)
            fn.forward(x, out=x)
            assert set(kernel_spy.calls) == {want}, (n, kernel_spy.calls)


@needs_openmp
def test_threads_grow_with_size(kernel_spy):
    # above the threshold a call takes one thread per half threshold, up to the count in force
    t = _threads.PARALLEL_MIN_CHEAP
    with relufast.num_threads(8):
        for n, want in [(t - 1, 1), (t, 2), (2 * t - 1, 3), (2 * t, 4), (10 * t, 8)]:
            kernel_spy.calls.clear()
            relufast.relu(np.zeros(n))
            assert kernel_spy.calls == [want], (n, kernel_spy.calls)


def test_thresholds_are_ordered():
    # transcendental ops cost more per element, so they split sooner
    assert 0 < _threads.PARALLEL_MIN_TRANSCENDENTAL <= _threads.PARALLEL_MIN_CHEAP


# ---------------------------------------------------------------------------------------------
# get / set / num_threads


def _default_threads():
    return _openmp.max_threads() if _openmp.OPENMP else 1


@needs_openmp
def test_set_and_get():
    default = relufast.get_num_threads()
    assert default == _default_threads() >= 1
    relufast.set_num_threads(1)
    assert relufast.get_num_threads() == 1
    relufast.set_num_threads(3)
    assert relufast.get_num_threads() == 3  # more than the cores is allowed
    relufast.set_num_threads(np.int64(2))
    assert relufast.get_num_threads() == 2
    relufast.set_num_threads(None)
    assert relufast.get_num_threads() == default


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-1, ValueError), (1.5, TypeError),
                                      ("2", TypeError), (2.0, TypeError)], ids=repr)
def test_bad_thread_counts(bad, exc):
    before = relufast.get_num_threads()
    with pytest.raises(exc, match="n must be"):
        relufast.set_num_threads(bad)
    with pytest.raises(exc, match="n must be"):
        with relufast.num_threads(bad):
            pass
    assert relufast.get_num_threads() == before


# found probing the thread API for tests/test_thread_stress.py: set_num_threads accepted any
# count, and the next large call asked libgomp for that many threads; at 2**31 - 1 libgomp
# printed "Out of memory allocating 481036338272 bytes" and ended the process, at 2**31 the
# kernel call raised OverflowError.  Counts above MAX_THREADS are now refused, and an
# OMP_NUM_THREADS above it is capped.
@pytest.mark.parametrize("n", [2**31 - 1, 2**31, 10**6])
def test_absurd_thread_counts_are_refused(n, thread_state):
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        relufast.set_num_threads(n)
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        with relufast.num_threads(n):
            pass
    assert relufast.get_num_threads() <= _threads.MAX_THREADS


def test_thread_count_cap_is_generous(thread_state):
    # far past any speedup, yet far below what a runtime fails to start
    assert 256 <= _threads.MAX_THREADS and 4 * _openmp.num_procs() <= _threads.MAX_THREADS
    relufast.set_num_threads(_threads.MAX_THREADS)
    assert relufast.get_num_threads() == _threads.MAX_THREADS
    with relufast.num_threads(_threads.MAX_THREADS):
        pass


@needs_openmp
def test_context_manager_nests_and_restores():
    default = relufast.get_num_threads()
    with relufast.num_threads(3) as n:
        assert n == 3 and relufast.get_num_threads() == 3
        with relufast.num_threads(1):
            assert relufast.get_num_threads() == 1
        assert relufast.get_num_threads() == 3
        relufast.set_num_threads(2)  # the innermost block wins over the process setting
        assert relufast.get_num_threads() == 3
    assert relufast.get_num_threads() == 2
    relufast.set_num_threads(None)
    assert relufast.get_num_threads() == default


@needs_openmp
def test_context_manager_restores_on_exception():
    default = relufast.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"):
        with relufast.num_threads(1):
            with relufast.num_threads(3):
                raise RuntimeError("boom")
    assert relufast.get_num_threads() == default


@needs_openmp
def test_context_manager_is_per_python_thread():
    default = relufast.get_num_threads()
    inside = threading.Event()
    checked = threading.Event()
    seen = {}

    def worker():
        with relufast.num_threads(1):
            seen["worker"] = relufast.get_num_threads()
            inside.set()
            checked.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    seen["main"] = relufast.get_num_threads()  # the worker's block does not reach here
    checked.set()
    t.join(10)
    assert seen == {"worker": 1, "main": default}


@needs_openmp
def test_process_setting_reaches_every_python_thread():
    relufast.set_num_threads(3)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        assert list(ex.map(lambda _: relufast.get_num_threads(), range(4))) == [3] * 4


@needs_openmp
@pytest.mark.parametrize("omp, want", [("1", 1), ("3", 3), (None, None)])
def test_default_follows_omp_num_threads(omp, want):
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if omp is not None:
        env["OMP_NUM_THREADS"] = omp
    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = "import relufast; print(relufast.get_num_threads())"
    # run from the package's parent: `python -c` puts the working directory first on sys.path,
    # and a source checkout there would shadow the installed package
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True, cwd=root)
    got = int(out.stdout.strip())
    if want is None:  # all the cores this process may run on
        want = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert got == want


# the other half of test_absurd_thread_counts_are_refused's bug: an OMP_NUM_THREADS above
# MAX_THREADS is capped, and a large call runs instead of ending the process
@needs_openmp
@pytest.mark.parametrize("count", [2**31 - 1, 2**31, 10**12, 2**32 + 1])
def test_huge_omp_num_threads_does_not_end_the_process(count):
    # past 2**31 - 1 libgomp hands the count back as a negative or small wrong int; each means
    # "more than the cap", and a parallel call still uses threads
    env = dict(os.environ, OMP_NUM_THREADS=str(count))
    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import numpy as np, relufast\n"
            "from relufast import _threads\n"
            "assert relufast.get_num_threads() == _threads.MAX_THREADS\n"
            "assert _threads.threads_for(10**6, _threads.PARALLEL_MIN_CHEAP) > 1\n"
            "x = np.linspace(-1, 1, 40_000)\n"
            "assert (relufast.relu(x) == np.maximum(x, 0)).all()\n"
            "print('ok')\n")
    # from the package's parent, so that a checkout in the working directory does not shadow it
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120, cwd=root)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)


@pytest.mark.parametrize("setter", ["set_num_threads", "num_threads"])
@pytest.mark.parametrize("bad", [True, False, np.bool_(True), 2.0, "2", None])
def test_thread_count_errors_name_the_function(setter, bad):
    if bad is None and setter == "set_num_threads":
        return  # None means "follow the OpenMP runtime" there
    with pytest.raises(TypeError, match=f"^{setter}: n must be an int"):
        if setter == "set_num_threads":
            relufast.set_num_threads(bad)
        else:
            with relufast.num_threads(bad):
                pass
    with pytest.raises(ValueError, match=f"^{setter}: n must be an int"):
        if setter == "set_num_threads":
            relufast.set_num_threads(0)
        else:
            with relufast.num_threads(10**9):
                pass


# ---------------------------------------------------------------------------------------------
# threadpoolctl

def _threadpoolctl():
    return pytest.importorskip("threadpoolctl")


@needs_openmp
def test_threadpoolctl_sees_the_openmp_runtime():
    threadpoolctl = _threadpoolctl()
    info = threadpoolctl.threadpool_info()
    omp = [m for m in info if m["internal_api"] == "openmp"]
    assert omp, info
    assert any(m["prefix"] == "libgomp" for m in omp), omp  # gcc's runtime, on this machine
    assert any(m["num_threads"] == relufast.get_num_threads() for m in omp)


@needs_openmp
def test_threadpoolctl_limits_relufast(kernel_spy, monkeypatch):
    threadpoolctl = _threadpoolctl()
    monkeypatch.setattr(_runtime, "WAKE_WINDOW", None)  # no guess about sleeping workers here
    default = relufast.get_num_threads()
    x = np.linspace(-3, 3, 3 * _threads.PARALLEL_MIN_CHEAP + 1)
    with threadpoolctl.threadpool_limits(1):
        assert relufast.get_num_threads() == 1
        kernel_spy.calls.clear()
        relufast.relu(x)
        relufast.elu_grad(x, x)
        assert set(kernel_spy.calls) == {1}
    assert relufast.get_num_threads() == default
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert relufast.get_num_threads() == 1
    if default > 1:
        kernel_spy.calls.clear()
        relufast.relu(x)
        # one thread per half threshold, up to the count in force (6 here on a 16-core machine)
        assert set(kernel_spy.calls) == {min(default, 2 * x.size // _threads.PARALLEL_MIN_CHEAP)}


@needs_openmp
def test_explicit_settings_win_over_threadpoolctl():
    threadpoolctl = _threadpoolctl()
    with threadpoolctl.threadpool_limits(1):
        with relufast.num_threads(2):
            assert relufast.get_num_threads() == 2
        relufast.set_num_threads(3)
        assert relufast.get_num_threads() == 3
        relufast.set_num_threads(None)
        assert relufast.get_num_threads() == 1


# ---------------------------------------------------------------------------------------------
# several Python threads at once


def test_concurrent_calls_from_python_threads(rng):
    fns = ELEMENTWISE
    jobs = []
    for i in range(24):
        fn = fns[i % len(fns)]
        dtype = DTYPES[i % 3]
        n = 3 * fn.threshold + 11 * i + 1
        x = mixed_values(rng, n, dtype)
        g = mixed_values(rng, n, dtype)
        nt = (1, 2, 3)[i % 3]
        jobs.append((fn, x, g, nt))
    with relufast.num_threads(1):
        want = [(fn.forward(x), fn.gradient(g, x)) for fn, x, g, _ in jobs]

    def run(job):
        fn, x, g, nt = job
        with relufast.num_threads(nt):
            results = []
            for _ in range(3):
                f = fn.forward(x)
                gg = fn.gradient(g, x)
                xi = x.copy()
                fn.forward(xi, out=xi)
                results.append((f, gg, xi))
            return results

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as ex:
        got = list(ex.map(run, jobs))
    for (fn, *_), (wf, wg), results in zip(jobs, want, got):
        for f, gg, xi in results:
            assert_same(f, wf, what=fn.id)
            assert_same(gg, wg, what=fn.grad_name)
            assert_same(xi, wf, what=fn.id + " in place")


def test_concurrent_prelu_grad(rng):
    shape = (8, 20_001)
    jobs = [(random_values(rng, math.prod(shape), F64, 2.0).reshape(shape),
             random_values(rng, math.prod(shape), F64, 1.0).reshape(shape),
             random_values(rng, 8, F64, 0.5)) for _ in range(8)]
    want = [relufast.prelu_grad(g, x, w, axis=0) for x, g, w in jobs]

    def run(job):
        x, g, w = job
        return relufast.prelu_grad(g, x, w, axis=0)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        got = list(ex.map(run, jobs))
    for (wx, ww), (gx, gw) in zip(want, got):
        assert_same(gx, wx)
        np.testing.assert_allclose(gw, ww, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# the caller's floating-point mode: IEEE everywhere


@pytest.mark.thread_unsafe(reason="sets the calling thread's floating-point mode")
@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
def test_flush_to_zero_on_the_caller_changes_nothing(dtype, rng):
    # flush-to-zero is per thread: set on the caller only, it used to flush the elements the
    # caller computed and not the workers' (elu_grad at -100, float32: 0 and 3.8e-44 in one
    # array).  Every thread now computes in IEEE mode, and the caller's mode is restored.
    if _openmp.set_flush_denormals(False) is None:
        pytest.skip("no flush-to-zero control on this CPU")
    tiny = np.finfo(dtype).smallest_subnormal
    x = np.concatenate([np.full(50_000, -100.0 if dtype == F32 else -740.0, dtype),
                        np.full(50_000, tiny, dtype), rng.standard_normal(50_000).astype(dtype)])
    g = np.ones_like(x)
    want = {}
    for fn in ELEMENTWISE:
        with relufast.num_threads(1):
            want[fn.id] = (fn.forward(x), fn.gradient(g, x))
    try:
        assert _openmp.set_flush_denormals(True) is False
        for nt in (1, 2, 3):
            with relufast.num_threads(nt):
                for fn in ELEMENTWISE:
                    assert_same(fn.forward(x), want[fn.id][0], f"{fn.id} nt={nt}")
                    assert_same(fn.gradient(g, x), want[fn.id][1], f"{fn.id}' nt={nt}")
        assert _openmp.set_flush_denormals(True) is True  # still the caller's mode
    finally:
        _openmp.set_flush_denormals(False)
    sub = next(w[1] for k, w in want.items() if k.startswith("elu("))[:50_000]
    assert (sub > 0).all() and (sub < np.finfo(dtype).tiny).all()  # subnormal, not flushed


# ---------------------------------------------------------------------------------------------
# beside BLAS: the workers stop spinning soon after a call


_IDLE_CPU = """
import os, resource, time
import numpy as np
import relufast
x = np.random.default_rng(0).standard_normal(10**6).astype(np.float32)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
spent = []
for _ in range(5):
    relufast.relu(x, out=x)  # a parallel call, then nothing for 50 ms
    c0 = cpu()
    time.sleep(0.05)
    spent.append(cpu() - c0)
print(sorted(spent)[2] * 1e3, "GOMP_SPINCOUNT" in os.environ)
"""


@needs_openmp
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="libgomp's wait policy")
@pytest.mark.parametrize("user", [None, "GOMP_SPINCOUNT=300000"])
def test_workers_give_the_cores_back_after_a_call(user):
    # libgomp's default had relufast's workers spin for ~7.5 ms of CPU after every call, time a
    # BLAS matmul between two activations needed; relufast starts its runtime with a short
    # spin, unless the user chose a policy
    env = dict(os.environ, OMP_NUM_THREADS="2")
    for var in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        env.pop(var, None)
    if user:
        k, v = user.split("=")
        env[k] = v
    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", _IDLE_CPU], env=env, capture_output=True,
                       text=True, timeout=120, cwd=root)
    assert r.returncode == 0, r.stderr
    idle_ms, still_set = r.stdout.split()
    if user is None:
        assert float(idle_ms) < 2.0, idle_ms  # spinning for tens of microseconds, not ms
        assert still_set == "False"  # the environment is the user's again
    else:
        assert float(idle_ms) > 3.0, idle_ms  # the user's policy is kept
        assert still_set == "True"


@needs_openmp
def test_sleeping_workers_are_woken_only_for_large_calls(kernel_spy, monkeypatch):
    # at the default thread count a call that finds the workers asleep (idle past their spin)
    # runs on the calling thread below WAKE_FACTOR thresholds (nt = 0); awake, or a count the
    # user set, threads as before
    if relufast.get_num_threads() < 2:
        pytest.skip("one thread by default here")
    monkeypatch.setattr(_runtime, "WAKE_WINDOW", 20e-6)
    t = _threads.PARALLEL_MIN_CHEAP
    small, large = np.ones(4 * t), np.ones(_threads.WAKE_FACTOR * t)
    for idle, want_small, want_large in ((1.0, 0, 2), (0.0, 2, 2)):  # 0: inline, marked
        monkeypatch.setattr(_dispatch.KERNELS, "idle_seconds", lambda idle=idle: idle)
        kernel_spy.calls.clear()
        relufast.relu(small)
        relufast.relu(large)
        relufast.prelu(small.reshape(-1, 4), np.ones(4))
        assert kernel_spy.calls == [want_small, want_large, want_small], (idle, kernel_spy.calls)
    monkeypatch.setattr(_dispatch.KERNELS, "idle_seconds", lambda: 1.0)
    with relufast.num_threads(2):
        kernel_spy.calls.clear()
        relufast.relu(small)
        assert kernel_spy.calls == [2]
    monkeypatch.setattr(_runtime, "WAKE_WINDOW", None)  # the user chose the wait policy
    kernel_spy.calls.clear()
    relufast.relu(small)
    assert kernel_spy.calls == [2]


@needs_openmp
def test_back_to_back_calls_thread_after_a_pause(monkeypatch):
    # the first call after a pause runs inline (nt = 0) and counts as activity, so the next one,
    # right behind it, threads.  The window is widened here so that a slow interpreter (a
    # sanitizer build) still sees the calls as back to back.
    if relufast.get_num_threads() < 2:
        pytest.skip("one thread by default here")
    monkeypatch.setattr(_runtime, "WAKE_WINDOW", 0.05)
    x = np.ones(4 * _threads.PARALLEL_MIN_CHEAP)
    idle = _dispatch.KERNELS.idle_seconds

    def nt():
        return _threads.threads_for(x.size, _threads.PARALLEL_MIN_CHEAP, idle)

    time.sleep(0.1)
    assert idle() > 0.05 and nt() == 0
    relufast.relu(x)  # inline, marked
    assert 0 <= idle() < 0.05 and nt() == 2


@needs_openmp
@pytest.mark.parametrize("dtype", [F32, F64, F16])
def test_summed_gradients_do_not_depend_on_a_pause(dtype, monkeypatch):
    # a gradient that sums (prelu's weight, a bias's) groups its float64 sums by thread; the
    # first call after a pause runs inline, and must group them as the threaded call does, or
    # the same call would round grad_weight differently depending on the time since the last
    if relufast.get_num_threads() < 2:
        pytest.skip("one thread by default here")
    monkeypatch.setattr(_runtime, "WAKE_WINDOW", 20e-6)
    rng = np.random.default_rng(23)
    t = _threads.PARALLEL_MIN_CHEAP
    assert _threads.threads_for(4 * t, t, lambda: 1.0, True) == -2  # inline, grouped as 2
    assert _threads.threads_for(4 * t, t, lambda: 1.0) == 0
    shape = (4 * t // 64 + 3, 64)  # a size not a multiple of the threads' blocks
    g = random_values(rng, shape, dtype, 3.0)
    x = random_values(rng, shape, dtype, 3.0)
    w = random_values(rng, 64, dtype, 0.5)
    b = random_values(rng, 64, dtype, 0.5)
    wide = np.linspace(-1, 1, 70_000).astype(dtype)  # the split by channel (many channels)
    gw2 = random_values(rng, (2, 70_000), dtype, 3.0)
    xw2 = random_values(rng, (2, 70_000), dtype, 3.0)
    _, mask = relufast.relu(x + b, mask=True)
    calls = {
        "prelu_grad, one weight": lambda: relufast.prelu_grad(g.ravel(), x.ravel(), 0.3, axis=0),
        "prelu_grad, a weight per channel": lambda: relufast.prelu_grad(g, x, w),
        "prelu_grad, many channels": lambda: relufast.prelu_grad(gw2, xw2, wide),
        "prelu_grad with bias": lambda: relufast.prelu_grad(g, x, w, bias=b),
        "relu_grad with bias": lambda: relufast.relu_grad(g, x, bias=b),
        "softplus_grad with bias": lambda: relufast.softplus_grad(g, x, bias=b),
        "relu_grad from the mask with bias": lambda: relufast.relu_grad(g, mask=mask, bias=b),
    }
    for what, call in calls.items():
        results = []
        for idle in (1.0, 0.0):  # asleep: inline; awake: 2 threads
            monkeypatch.setattr(_dispatch.KERNELS, "idle_seconds", lambda idle=idle: idle)
            results.append(call())
        for got, want in zip(results[0], results[1]):
            assert_same(got, want, f"{what}, {np.dtype(dtype)}")
