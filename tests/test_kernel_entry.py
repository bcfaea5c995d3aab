"""The kernels' entry points check their operands themselves (the Python layer's fast path
passes arrays unchecked): DONE for C-contiguous aligned operands of the dtype and one shape (any
shape), otherwise nothing written and another Status: OVERLAP (an input overlaps out other than
in place), NONFINITE (a prelu weight), REFUSED (anything else).  Every kernel module the machine
can run is checked.  prelu's kernels decide their layout themselves for every (channels, run
length, size), and take their working memory from the heap (small thread stacks)."""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from relufast import _dispatch

from cases import F32, F64


def _modules():
    return [_dispatch.Kernels(isa) for isa in _dispatch.available_isas()]


@pytest.fixture(params=[F32, F64], ids=["float32", "float64"])
def dtype(request):
    return request.param


def _unaligned(n, dtype):
    raw = np.zeros(n * dtype.itemsize + 1, np.uint8)
    return raw[1:].view(dtype)


def test_statuses(dtype):
    for K in _modules():
        fwd, grad = K.forward[dtype], K.gradient[dtype]
        st = _dispatch.STATUS
        op, dop = _dispatch.OP.RELU, _dispatch.OP.D_RELU
        x = np.array([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]], dtype)
        want = np.maximum(x, 0)

        def fresh():
            return np.full(x.shape, 7.0, dtype)

        # any shape, in place or not
        out = fresh()
        assert fwd(op, x, out, 0.0, 0.0, 1) == st.DONE and np.array_equal(out, want)
        y = x.copy()
        assert fwd(op, y, y, 0.0, 0.0, 1) == st.DONE and np.array_equal(y, want)
        out = fresh()
        assert grad(dop, np.ones_like(x), x, out, 0.0, 0.0, 1) == st.DONE
        assert np.array_equal(out, (x > 0).astype(dtype))
        g = np.ones_like(x)
        assert grad(dop, g, x, g, 0.0, 0.0, 1) == st.DONE
        z = np.zeros((0, 3), dtype)
        assert fwd(op, z, np.zeros((0, 3), dtype), 0.0, 0.0, 1) == st.DONE
        # refused, nothing written
        other = F32 if dtype == F64 else F64
        ro = fresh()
        ro.flags.writeable = False
        bad_outs = [fresh().reshape(3, 2), fresh().ravel(), fresh().astype(other),
                    np.full((2, 6), 7.0, dtype)[:, ::2], np.asfortranarray(fresh()), ro,
                    fresh().astype(dtype.newbyteorder()), _unaligned(6, dtype).reshape(2, 3)]
        for out in bad_outs:
            before = out.tobytes()
            assert fwd(op, x, out, 0.0, 0.0, 1) == st.REFUSED
            assert grad(dop, x, x, out, 0.0, 0.0, 1) == st.REFUSED
            assert out.tobytes() == before
        for bad_x in [x.reshape(3, 2), np.asfortranarray(x), x.astype(other),
                      np.repeat(x, 2, axis=1)[:, ::2]]:
            out = fresh()
            assert fwd(op, bad_x, out, 0.0, 0.0, 1) == st.REFUSED
            assert grad(dop, bad_x, x, out, 0.0, 0.0, 1) == st.REFUSED
            assert grad(dop, x, bad_x, out, 0.0, 0.0, 1) == st.REFUSED
            assert np.all(out == 7.0)
        assert fwd(op, [1.0, 2.0], fresh(), 0.0, 0.0, 1) == st.REFUSED
        assert fwd(op, x, [0.0] * 6, 0.0, 0.0, 1) == st.REFUSED
        # overlapping other than in place
        buf = np.arange(-4.0, 5.0, dtype=dtype)
        before = buf.tobytes()
        assert fwd(op, buf[:-1], buf[1:], 0.0, 0.0, 1) == st.OVERLAP
        assert grad(dop, buf[1:], buf[:-1], buf[:-1], 0.0, 0.0, 1) == st.OVERLAP
        assert buf.tobytes() == before


def test_refusals_leave_no_exception_or_held_buffer(dtype):
    K = _dispatch.KERNELS
    ro = np.zeros(4, dtype)
    ro.flags.writeable = False
    for _ in range(3):
        assert K.forward[dtype](_dispatch.OP.RELU, np.zeros(4, dtype), ro, 0.0, 0.0, 1) == 2
    x = np.zeros(4, dtype)
    K.forward[dtype](_dispatch.OP.RELU, x, x, 0.0, 0.0, 1)
    x.resize(8, refcheck=False)  # fails if a buffer export were still held


def test_prelu_forward_statuses(dtype):
    for K in _modules():
        kern = K.prelu_forward[dtype]
        st = _dispatch.STATUS
        x = np.array([[[-1.0, 2.0], [-3.0, 4.0]], [[5.0, -6.0], [-7.0, 8.0]]], dtype)  # NCH
        w = np.array([0.5, 0.25], dtype)
        want = np.where(x > 0, x, w[None, :, None] * x)

        def fresh():
            return np.full(x.shape, 7.0, dtype)

        out = fresh()
        assert kern(x, w, out, 2, 1) == st.DONE and np.array_equal(out, want)
        y = x.copy()
        assert kern(y, w, y, 2, 1) == st.DONE and np.array_equal(y, want)
        other = F32 if dtype == F64 else F64
        ro = fresh()
        ro.flags.writeable = False
        for args in [(x, w, fresh().reshape(4, 2)), (x, w, fresh().astype(other)), (x, w, ro),
                     (x, w, np.asfortranarray(fresh())), (np.asfortranarray(x), w, fresh()),
                     (x, w.astype(other), fresh()), (x, w[None, :], fresh()),
                     (x, np.zeros(0, dtype), fresh()), (x, w, _unaligned(8, dtype).reshape(x.shape))]:
            before = args[2].tobytes()
            assert kern(*args, 2, 1) == st.REFUSED
            assert args[2].tobytes() == before
        out = fresh()
        assert kern(x, w, out, 0, 1) == st.REFUSED and np.all(out == 7.0)
        assert kern(x, np.array([np.nan, 1.0], dtype), out, 2, 1) == st.NONFINITE
        assert np.all(out == 7.0)
        buf = np.arange(-4.0, 5.0, dtype=dtype)
        before = buf.tobytes()
        assert kern(buf[:-1], w, buf[1:], 4, 1) == st.OVERLAP
        assert kern(buf[:8], buf[6:8], np.zeros(8, dtype), 4, 1) == st.DONE  # w may overlap x
        z = np.zeros(8, dtype)
        assert kern(np.ones(8, dtype), z[:2], z, 4, 1) == st.OVERLAP and not z.any()  # not y
        assert kern(buf[1:], w, buf[1:], 4, 1) == st.DONE  # in place
        assert buf[0] == -4.0 and before != buf.tobytes()


def test_prelu_gradient_statuses(dtype):
    for K in _modules():
        kern = K.prelu_gradient[dtype]
        st = _dispatch.STATUS
        x = np.array([[[-1.0, 2.0], [-3.0, 4.0]], [[5.0, -6.0], [-7.0, 8.0]]], dtype)  # NCH
        g = np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], dtype)
        w = np.array([0.5, 0.25], dtype)
        want = np.where(x > 0, g, w[None, :, None] * g)
        want_gw = np.where(x > 0, 0, g * x).sum(axis=(0, 2)).astype(dtype)

        def fresh():
            return np.full(x.shape, 7.0, dtype)

        def gw0():  # of x's dtype and len(w); 7.0 shows whether it was written
            return np.full(2, 7.0, dtype)

        out, gw = fresh(), gw0()
        assert kern(g, x, w, out, gw, 2, 1) == st.DONE
        assert np.array_equal(out, want) and np.array_equal(gw, want_gw)
        for target in ("g", "x"):  # in place on either input
            gg, xx, gw = g.copy(), x.copy(), gw0()
            o = gg if target == "g" else xx
            assert kern(gg, xx, w, o, gw, 2, 1) == st.DONE
            assert np.array_equal(o, want) and np.array_equal(gw, want_gw)
        out, gw = fresh(), gw0()  # two threads: the kernel adds their sums up itself
        assert kern(g, x, w, out, gw, 2, 2) == st.DONE
        assert np.array_equal(out, want) and np.array_equal(gw, want_gw)
        other = F32 if dtype == F64 else F64
        ro, ro_gw = fresh(), gw0()
        ro.flags.writeable = False
        ro_gw.flags.writeable = False
        refused = [(g, x, w, fresh().reshape(4, 2), gw0()),
                   (g, x, w, fresh().astype(other), gw0()),
                   (g, x, w, ro, gw0()),
                   (g, x, w, np.asfortranarray(fresh()), gw0()),
                   (np.asfortranarray(g), x, w, fresh(), gw0()),
                   (g, x.reshape(4, 2), w, fresh(), gw0()),
                   (g.astype(other), x, w, fresh(), gw0()),
                   (g, x, w.astype(other), fresh(), gw0()),
                   (g, x, w[None, :], fresh(), gw0()),
                   (g, x, np.zeros(0, dtype), fresh(), gw0()),
                   (g, x, w, _unaligned(8, dtype).reshape(x.shape), gw0()),
                   (g, x, w, fresh(), np.full(3, 7.0, dtype)),
                   (g, x, w, fresh(), np.full((1, 2), 7.0, dtype)),
                   (g, x, w, fresh(), gw0().astype(other)),
                   (g, x, w, fresh(), ro_gw),
                   (g, x, w, fresh(), np.full(4, 7.0, dtype)[::2]),
                   (g, x, w, fresh(), _unaligned(2, dtype))]
        for args in refused:
            before, gw_before = args[3].tobytes(), args[4].tobytes()
            assert kern(*args, 2, 1) == st.REFUSED
            assert args[3].tobytes() == before and args[4].tobytes() == gw_before
        out, gw = fresh(), gw0()
        assert kern(g, x, w, out, gw, 0, 1) == st.REFUSED
        assert kern(g, x, np.array([np.nan, 1.0], dtype), out, gw, 2, 1) == st.NONFINITE
        assert kern(g, x, np.array([1.0, -np.inf], dtype), out, gw, 2, 2) == st.NONFINITE
        assert np.all(out == 7.0) and np.all(gw == 7.0)
        buf = np.arange(-4.0, 5.0, dtype=dtype)
        before = buf.tobytes()
        ones = np.ones(8, dtype)
        assert kern(ones, buf[:-1], w, buf[1:], gw0(), 4, 1) == st.OVERLAP
        assert kern(buf[1:], ones, w, buf[:-1], gw0(), 4, 1) == st.OVERLAP
        assert buf.tobytes() == before
        z = np.zeros(8, dtype)
        assert kern(ones, ones, z[:2], z, gw0(), 4, 1) == st.OVERLAP and not z.any()
        # the two outputs may not share memory either (gw is written last, over gx)
        assert kern(ones, ones, w, z, z[6:], 4, 1) == st.OVERLAP and not z.any()
        # gw is written after every read, so it may overlap an input
        xx = np.array([-1.0, 2.0, -3.0, 4.0, 5.0, -6.0, -7.0, 8.0], dtype)
        want_x = np.where(xx > 0, 1, np.repeat(np.tile(w, 2), 2)).astype(dtype)
        want_w = np.where(xx > 0, 0, xx).reshape(2, 2, 2).sum(axis=(0, 2)).astype(dtype)
        out = np.zeros(8, dtype)
        assert kern(ones, xx, w, out, xx[:2], 2, 1) == st.DONE
        assert np.array_equal(out, want_x) and np.array_equal(xx[:2], want_w)
        # an empty array: gw is zero
        gw = gw0()
        assert kern(np.zeros(0, dtype), np.zeros(0, dtype), w, np.zeros(0, dtype), gw, 1,
                    1) == st.DONE
        assert np.array_equal(gw, np.zeros(2, dtype))


def test_prelu_gradient_refusal_holds_no_buffer(dtype):
    kern = _dispatch.KERNELS.prelu_gradient[dtype]
    g, x, w, out = (np.zeros(4, dtype) for _ in range(4))
    w += 1
    for _ in range(3):  # refused at the last operand: every earlier export must be released
        assert kern(g, x, w, out, np.zeros(4, F32 if dtype == F64 else F64), 4, 1) == 2
    for a in (g, x, w, out):
        a.resize(8, refcheck=False)  # fails if a buffer export were still held


# Periods (channels x run length) of 4096 to 65536 elements with short runs, on large arrays:
# the Python layer used to lay these out itself; the kernels now do, from the heap.  Around
# them: the periods laid out at any size, a period just past 65536 and a small array (both
# walked run by run), and runs at the forward's (16) and the gradient's (64) bounds.
@pytest.mark.parametrize("shape", [(3, 5000, 4), (4, 1000, 15), (2, 1100, 16), (3, 1000, 30),
                                   (2, 512, 63), (2, 8192, 8), (9, 4097, 2), (2, 4369, 15),
                                   (1, 5000, 4), (5, 1025, 64)],
                         ids=lambda s: "x".join(map(str, s)))
def test_prelu_long_periods_short_runs(shape, dtype):
    rng = np.random.default_rng(13)
    n_, C, inner = shape
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    x.flat[::97] = 0.0
    w = rng.uniform(-1, 1, C).astype(dtype)
    w[::50] = 0.0
    wb = w[None, :, None]
    want = np.where(x > 0, x, wb * x)
    want_gx = np.where(x > 0, g, wb * g)
    want_gw = np.where(x > 0, 0, g.astype(F64) * x).sum(axis=(0, 2))
    for K in _modules():
        for nt in (1, 2):
            y = np.full(shape, 7.0, dtype)
            assert K.prelu_forward[dtype](x, w, y, inner, nt) == _dispatch.STATUS.DONE
            assert np.array_equal(y, want), (K.isa, nt)
            gx, gw = np.full(shape, 7.0, dtype), np.full(C, 7.0, dtype)
            assert K.prelu_gradient[dtype](g, x, w, gx, gw, inner, nt) == _dispatch.STATUS.DONE
            assert np.array_equal(gx, want_gx), (K.isa, nt)
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5 if dtype == F32 else 1e-12,
                                       atol=1e-5 if dtype == F32 else 1e-12)
    # the same through the public functions, which pass the run length for the flat order
    # they walk: C order here, and F order for the transposes
    import relufast
    for nt in (1, 2):
        with relufast.num_threads(nt):
            assert np.array_equal(relufast.prelu(x, w), want)
            gx, gw = relufast.prelu_grad(g, x, w)
            assert np.array_equal(gx, want_gx)
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5 if dtype == F32 else 1e-12,
                                       atol=1e-5 if dtype == F32 else 1e-12)
            assert np.array_equal(relufast.prelu(x.T, w, axis=1), want.T)
            gx, gw = relufast.prelu_grad(g.T, x.T, w, axis=1)
            assert np.array_equal(gx, want_gx.T)
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5 if dtype == F32 else 1e-12,
                                       atol=1e-5 if dtype == F32 else 1e-12)
    assert math.prod(shape) == x.size


def _run_isolated(code, env=None):
    """Run ``code`` in a fresh interpreter: a crash (a stack overflow's SIGSEGV) fails the test
    instead of taking pytest down."""
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=300, env=full_env)
    assert r.returncode == 0, f"exit status {r.returncode}\n{r.stdout}\n{r.stderr}"
    assert r.stdout.strip().endswith("ok"), r.stdout


_SMALL_STACK_CALLS = """
    import threading
    import numpy as np
    import relufast

    # the arrays and the expected values are made on the main thread: only relufast's calls run
    # on the small stack (importing or NumPy's lazy imports there overflow it on some CPythons
    # by themselves)
    CASES = []
    for shape in SHAPES:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            x = rng.standard_normal(shape).astype(dtype)
            g = rng.standard_normal(shape).astype(dtype)
            w = np.linspace(-1, 1, shape[1]).astype(dtype)
            want = np.where(x > 0, x, w[None, :, None] * x)
            want_gx = np.where(x > 0, g, w[None, :, None] * g)
            want_gw = np.where(x > 0, 0, g.astype(np.float64) * x).sum(axis=(0, 2))
            for nt in (1, 2):
                CASES.append((x, g, w, nt, want, want_gx, want_gw))

    def calls(results, errors):
        try:
            for x, g, w, nt, *_ in CASES:
                with relufast.num_threads(nt):
                    results.append((relufast.prelu(x, w), *relufast.prelu_grad(g, x, w)))
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    def check(results):
        assert len(results) == len(CASES)
        for (y, gx, gw), (x, g, w, nt, want, want_gx, want_gw) in zip(results, CASES):
            assert np.array_equal(y, want)
            assert np.array_equal(gx, want_gx)
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5, atol=1e-4)
"""


@pytest.mark.parametrize("shape", [(100, 8, 5), (20000, 8, 5)], ids=["100x8x5", "20000x8x5"])
def test_prelu_in_a_thread_with_a_32k_stack(shape):
    # the weight pattern and the per-thread sums used to live on the stack (up to 32 KiB)
    _run_isolated(_SMALL_STACK_CALLS.replace("SHAPES", repr([shape])) + """
    threading.stack_size(32 * 1024)
    results, errors = [], []
    t = threading.Thread(target=calls, args=(results, errors))
    t.start()
    t.join()
    if errors:
        raise errors[0]
    check(results)
    print("ok")
    """)


def test_prelu_grad_with_a_16k_openmp_stack():
    # OpenMP's worker threads get OMP_STACKSIZE; the calling thread its own, so both run here
    _run_isolated(_SMALL_STACK_CALLS.replace("SHAPES", repr([(20000, 8, 5)])) + """
    results, errors = [], []
    calls(results, errors)
    if errors:
        raise errors[0]
    check(results)
    print("ok")
    """, env={"OMP_STACKSIZE": "16K"})
