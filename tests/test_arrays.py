"""Arrays: every stride pattern, every ndim, in place, overlapping operands, read-only and
memory-mapped inputs, array-likes.  Results never depend on the layout: each call is compared
bitwise with the same call on C-contiguous copies, which the value tests check against the
oracle.
"""

import math
import pickle

import numpy as np
import pytest

import relufast

from cases import (
    DTYPES,
    ELEMENTWISE,
    F16,
    F32,
    F64,
    LAYOUTS,
    OUT_LAYOUTS,
    SHAPES,
    broadcast_input,
    fn_params,
    in_layout,
    mixed_values,
    random_values,
    shape_id,
)
from numerics import assert_same

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

SHAPE = (2, 3, 5)


def _values(rng, dtype, shape=SHAPE):
    return mixed_values(rng, max(1, math.prod(shape)), dtype)[: math.prod(shape)].reshape(shape)


def _input(rng, values, layout):
    """(array in ``layout``, its values as a C-contiguous array)."""
    if layout == "broadcast":
        x = broadcast_input(rng, values.shape, values.dtype)
        return x, np.array(x)
    return in_layout(values, layout), values


# ---------------------------------------------------------------------------------------------
# every stride pattern


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_forward_any_layout(fn, layout, rng):
    for dtype in DTYPES:
        x, values = _input(rng, _values(rng, dtype), layout)
        want = fn.forward(values)
        got = fn.forward(x)
        assert type(got) is np.ndarray and got.shape == x.shape and got.dtype == dtype
        assert_same(got, want, what=f"{fn.id} {dtype}")
        assert_same(x, values, what="input modified")
        if layout in OUT_LAYOUTS:
            out = in_layout(np.full(SHAPE, np.nan, dtype), layout)
            assert fn.forward(values, out=out) is out
            assert_same(out, want, what=f"{fn.id} {dtype} out")
            assert fn.forward(x, out=x) is x  # in place
            assert_same(x, want, what=f"{fn.id} {dtype} in place")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_gradient_any_layout(fn, layout, rng):
    for dtype in DTYPES:
        x, xv = _input(rng, _values(rng, dtype), layout)
        g, gv = _input(rng, _values(rng, dtype), layout)
        want = fn.gradient(gv, xv)
        assert_same(fn.gradient(g, x), want, what=f"{fn.id} {dtype}")
        assert_same(fn.gradient(gv, x), want, what=f"{fn.id} {dtype} grad C")
        assert_same(fn.gradient(g, xv), want, what=f"{fn.id} {dtype} x C")
        assert_same(x, xv, what="x modified")
        assert_same(g, gv, what="grad modified")
        if layout in OUT_LAYOUTS:
            out = in_layout(np.full(SHAPE, np.nan, dtype), layout)
            assert fn.gradient(gv, xv, out=out) is out
            assert_same(out, want, what=f"{fn.id} {dtype} out")
            assert fn.gradient(g, x, out=g) is g  # in place into grad
            assert_same(g, want, what=f"{fn.id} {dtype} out=grad")
            g = in_layout(gv, layout)
            assert fn.gradient(g, x, out=x) is x  # in place into x
            assert_same(x, want, what=f"{fn.id} {dtype} out=x")


@pytest.mark.parametrize("fn", fn_params([f for f in ELEMENTWISE if f.id in
                                          ("relu", "prelu(0.25)", "elu(alpha=1.0)",
                                           "gelu(tanh)")]))
def test_every_input_and_out_layout_pair(fn, rng):
    dtype = F32
    values = _values(rng, dtype)
    gvalues = _values(rng, dtype)
    want = fn.forward(values)
    gwant = fn.gradient(gvalues, values)
    for lx in LAYOUTS:
        x, xv = _input(rng, values, lx)
        want_x = fn.forward(xv)
        gwant_x = fn.gradient(gvalues, xv)
        for lo in OUT_LAYOUTS:
            out = in_layout(np.full(SHAPE, np.nan, dtype), lo)
            assert_same(fn.forward(x, out=out), want_x, what=f"x {lx}, out {lo}")
            out = in_layout(np.full(SHAPE, np.nan, dtype), lo)
            g = in_layout(gvalues, lo)
            assert_same(fn.gradient(g, x, out=out), gwant_x, what=f"x {lx}, out {lo}")
    assert_same(fn.forward(values), want)
    assert_same(fn.gradient(gvalues, values), gwant)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_large_arrays_any_layout(layout, rng):
    # above both parallel thresholds, so the threaded path sees every layout too
    shape = (3, 7, 1601)  # 33,621 elements
    for fn in [f for f in ELEMENTWISE if f.id in ("relu", "leaky_relu(negative_slope=0.01)",
                                                    "prelu(0.25)", "elu(alpha=1.0)", "silu")]:
        values = random_values(rng, math.prod(shape), F64, 3.0).reshape(shape)
        x, xv = _input(rng, values, layout)
        assert_same(fn.forward(x), fn.forward(xv), what=fn.id)
        g, gv = _input(rng, values[::-1].copy(), layout)
        assert_same(fn.gradient(g, x), fn.gradient(gv, xv), what=fn.id)
        if layout in OUT_LAYOUTS:
            want = fn.forward(xv)
            assert_same(fn.forward(x, out=x), want, what=fn.id + " in place")


# ---------------------------------------------------------------------------------------------
# shapes


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
def test_every_shape(shape, rng):
    for dtype in DTYPES:
        values = _values(rng, dtype, shape)
        gvalues = _values(rng, dtype, shape)
        flat = values.ravel()
        for fn in ELEMENTWISE:
            got = fn.forward(values)
            assert type(got) is np.ndarray and got.shape == shape and got.dtype == dtype
            assert_same(got.ravel(), fn.forward(flat), what=f"{fn.id} {shape}")
            gg = fn.gradient(gvalues, values)
            assert gg.shape == shape and gg.dtype == dtype
            assert_same(gg.ravel(), fn.gradient(gvalues.ravel(), flat), what=fn.grad_name)
            out = np.empty(shape, dtype)
            assert fn.forward(values, out=out) is out
            assert fn.gradient(gvalues, values, out=out) is out


@pytest.mark.parametrize("shape", [s for s in SHAPES if len(s) >= 1], ids=shape_id)
def test_prelu_vector_weight_every_shape_and_axis(shape, rng):
    for dtype in (F32, F64):
        x = _values(rng, dtype, shape)
        g = _values(rng, dtype, shape)
        for axis in range(-len(shape), len(shape)):
            w = random_values(rng, shape[axis], dtype, 0.5)
            got = relufast.prelu(x, w, axis=axis)
            assert got.shape == shape
            # the same thing with the channel axis moved last and the weight broadcast
            xm = np.moveaxis(x, axis, -1)
            with np.errstate(over="ignore"):
                want = np.where(xm > 0, xm, w * xm) if xm.size else xm.copy()
            assert_same(np.moveaxis(got, axis, -1), want.astype(dtype))
            gx, gw = relufast.prelu_grad(g, x, w, axis=axis)
            assert gx.shape == shape and gw.shape == w.shape


def test_zero_d_results_are_zero_d_arrays():
    for dtype in DTYPES:
        x = np.array(-2.0, dtype)
        for fn in ELEMENTWISE:
            r = fn.forward(x)
            assert type(r) is np.ndarray and r.shape == () and r.dtype == dtype
            r = fn.gradient(np.array(1.0, dtype), x)
            assert type(r) is np.ndarray and r.shape == () and r.dtype == dtype


# ---------------------------------------------------------------------------------------------
# operands that share memory


OVERLAP_SIZES = [9, 100_003]  # inline, and above every parallel threshold


@pytest.mark.parametrize("n", OVERLAP_SIZES)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_forward_out_overlapping_input(fn, n, rng):
    base = random_values(rng, n, F64, 3.0)
    cases = {
        "out=y[1:], x=y[:-1]": (slice(None, -1), slice(1, None)),
        "out=y[:-1], x=y[1:]": (slice(1, None), slice(None, -1)),
        "out=y[::-1], x=y": (slice(None), slice(None, None, -1)),
        "out=y[2::2], x=y[1:-1:2]": (slice(1, -1, 2), slice(2, None, 2)),
    }
    for what, (xs, os_) in cases.items():
        y = base.copy()
        x, out = y[xs], y[os_]
        if x.shape != out.shape:
            out = out[: x.shape[0]]
        want = fn.forward(x.copy())
        assert fn.forward(x, out=out) is out
        assert_same(out, want, what=f"{fn.id}: {what}")


def test_forward_overlap_2d(rng):
    for fn in ELEMENTWISE:
        buf = random_values(rng, 5 * 9, F32, 3.0).reshape(5, 9)
        x, out = buf[:, :-1], buf[:, 1:]
        want = fn.forward(x.copy())
        fn.forward(x, out=out)
        assert_same(out, want, what=fn.id)
        buf = random_values(rng, 6 * 7, F32, 3.0).reshape(6, 7)
        x, out = buf[:-1], buf[1:].T.T  # C-contiguous views shifted by one row
        want = fn.forward(x.copy())
        fn.forward(x, out=out)
        assert_same(out, want, what=fn.id)


@pytest.mark.parametrize("n", OVERLAP_SIZES)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_gradient_out_overlapping_inputs(fn, n, rng):
    base = random_values(rng, n + 1, F64, 3.0)
    other = random_values(rng, n, F64, 3.0)
    for which in ("grad", "x", "both"):
        for shift in (1, -1):
            y = base.copy()
            a, out = (y[:-1], y[1:]) if shift == 1 else (y[1:], y[:-1])
            g = a if which in ("grad", "both") else other
            x = a if which in ("x", "both") else other
            want = fn.gradient(g.copy(), x.copy())
            assert fn.gradient(g, x, out=out) is out
            assert_same(out, want, what=f"{fn.id}: {which} overlaps out, shift {shift}")


def test_gradient_grad_is_x():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0, 7.0])
    for fn in ELEMENTWISE:
        assert_same(fn.gradient(x, x), fn.gradient(x.copy(), x.copy()), what=fn.grad_name)
        y = x.copy()
        assert_same(fn.gradient(y, y, out=y), fn.gradient(x, x), what=fn.grad_name + " in place")


@pytest.mark.parametrize("n", OVERLAP_SIZES)
def test_gradient_in_place_with_x_overlapping_grad(n, rng):
    base = random_values(rng, n + 1, F64, 3.0)
    for fn in ELEMENTWISE:
        for gs, xs, target in [(slice(None, -1), slice(1, None), "grad"),
                               (slice(1, None), slice(None, -1), "grad"),
                               (slice(None, -1), slice(1, None), "x"),
                               (slice(1, None), slice(None, -1), "x")]:
            y = base.copy()
            g, x = y[gs], y[xs]
            want = fn.gradient(g.copy(), x.copy())
            out = g if target == "grad" else x
            assert fn.gradient(g, x, out=out) is out
            assert_same(out, want, what=f"{fn.grad_name}, out={target}")


def test_prelu_vector_weight_in_place(rng):
    x = random_values(rng, 4 * 5, F64, 3.0).reshape(4, 5)
    w = random_values(rng, 5, F64, 0.5)
    for layout in OUT_LAYOUTS:
        xx = in_layout(x, layout)
        want = relufast.prelu(x, w)
        assert relufast.prelu(xx, w, out=xx) is xx
        assert_same(xx, want, what=layout)
    xx = x.copy()
    want = relufast.prelu(x, x[0].copy())
    relufast.prelu(xx, xx[0], out=xx)  # the weight is a row of x, overwritten in place
    assert_same(xx, want)


@pytest.mark.parametrize("n", [5, 300])
def test_out_is_the_transposed_input(n, rng):
    # the same memory in another order: in place only element for element, so x is copied
    x = random_values(rng, n * n, F64, 3.0).reshape(n, n)
    g = random_values(rng, n * n, F64, 3.0).reshape(n, n)
    for fn in ELEMENTWISE:
        xx = x.copy()
        fn.forward(xx, out=xx.T)
        assert_same(xx.T, fn.forward(x), what=fn.id)
        gg = g.copy()
        fn.gradient(gg, x, out=gg.T)
        assert_same(gg.T, fn.gradient(g, x), what=fn.grad_name)
    w = np.linspace(-1, 1, n)
    xx = x.copy()
    relufast.prelu(xx, w, out=xx.T)
    assert_same(xx.T, relufast.prelu(x, w))


def _check_prelu_new_and_in_place(x, w, want, what):
    assert_same(relufast.prelu(x, w), want, what=what)
    xx = x.copy()
    assert relufast.prelu(xx, w, out=xx) is xx
    assert_same(xx, want, what=f"{what} in place")


# short channel runs (NCHW with a small H*W): the kernels lay the weights out as a pattern
# of whole periods (C * inner <= 4096, or <= 65536 from 32768 elements; runs under 64) and
# walk it as rows; longer runs and periods step the channel run by run from the chunk's first
# element (a chunk may start in the middle of a run), the forward's runs of 128 and more in two
# loops (the elements before the output's next cache line, then the rest).
# Small arrays in place take the Python layer's hot path.  Every case against NumPy's broadcast
# formula, on one thread and on several (chunk boundaries fall inside runs and periods).
@pytest.mark.parametrize("shape", [(3, 64, 2, 2), (5, 7, 3, 3), (2, 300, 3, 1), (40, 64, 2, 2),
                                   (700, 64, 2, 2), (9, 5, 17, 3), (3, 2000, 4, 1),
                                   (20000, 3, 2, 1), (40, 64, 5, 5), (12, 64, 7, 7),
                                   (20, 100, 50, 1), (3, 5000, 2, 2), (3, 128, 7, 7),
                                   (12, 300, 7, 7), (4, 64, 10, 10), (3, 7, 20, 7)],
                         ids=shape_id)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_prelu_short_runs(shape, dtype, rng):
    x = random_values(rng, math.prod(shape), dtype, 3.0).reshape(shape)
    w = random_values(rng, shape[1], dtype, 0.5)
    want = np.where(x > 0, x, w[:, None, None] * x).astype(dtype)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            _check_prelu_new_and_in_place(x, w, want, f"{shape} nt={nt}")
            gx, gw = relufast.prelu_grad(np.ones_like(x), x, w)
            assert_same(gx, np.where(x > 0, 1, w[:, None, None]).astype(dtype))
            want_gw = np.where(x > 0, 0, x.astype(F64)).sum(axis=(0, 2, 3))
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5 if dtype == F32 else 1e-12,
                                       atol=1e-3)


# rows of channels (NC, inner == 1): periods of up to half the kernel's pattern are laid out
# several times over in it (rows of 64 floats alone ran at half relu's speed), longer ones are
# walked row by row; a chunk may start mid-row.  A zero slope keeps its exact-zero rule (-inf
# gives -0.0, not NaN, and -x gives -0.0), so a zero among the weights takes the loop that tests
# for it.
@pytest.mark.parametrize("channels", [1, 3, 64, 100, 341, 513, 2000, 2049, 5000])
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("zero", [False, True], ids=["nonzero", "zero_slope"])
def test_prelu_rows_of_channels(channels, dtype, zero, rng):
    rows = -(-40000 // channels)
    x = random_values(rng, rows * channels, dtype, 3.0).reshape(rows, channels)
    x[1, 0] = -np.inf
    x[2, -1] = np.nan
    w = random_values(rng, channels, dtype, 0.5)
    if zero:
        w[0] = 0
    with np.errstate(invalid="ignore"):  # 0 * -inf, replaced
        want = np.where(x > 0, x, np.where((w == 0) & (x < 0), -w, w * x)).astype(dtype)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            _check_prelu_new_and_in_place(x, w, want, f"{channels} nt={nt}")
            tail = x[5:]  # starts mid-period when the pattern holds several periods
            assert_same(relufast.prelu(tail.reshape(-1, channels), w), want[5:],
                        what=f"{channels} offset nt={nt}")
            g = np.ones_like(x)  # NaN in x gives NaN (in gx and in its channel's sum)
            gx, gw = relufast.prelu_grad(g, x, w)
            want_gx = np.where(np.isnan(x), x, np.where(x > 0, g, w)).astype(dtype)
            assert_same(gx, want_gx, what=f"{channels} grad nt={nt}")
            want_gw = np.where(x > 0, 0, x.astype(F64)).sum(axis=0)  # -inf, NaN channels too
            np.testing.assert_allclose(gw, want_gw, rtol=1e-5 if dtype == F32 else 1e-12,
                                       atol=1e-3)


def test_prelu_hot_path_refuses_like_the_general_path(rng):
    x = random_values(rng, 2 * 8 * 3, F32, 3.0).reshape(2, 8, 3)
    w = np.full(8, 0.25, F32)
    w[5] = np.nan
    before = x.copy()
    with pytest.raises(ValueError, match="weight must be finite"):
        relufast.prelu(x, w, out=x)
    assert_same(x, before)
    w[5] = 0.5
    with pytest.raises(ValueError, match="weight has length 8, expected 3"):
        relufast.prelu(x, w, axis=2, out=x)
    assert_same(x, before)
    # a float64 weight promotes the call to float64 (NumPy's result_type), rounded into out
    xx = x.copy()
    assert relufast.prelu(xx, w.astype(F64), out=xx) is xx
    assert_same(xx, relufast.prelu(x.astype(F64), w.astype(F64)).astype(F32))
    xx = x.copy()
    relufast.prelu(xx, xx[0, :, 0].copy(), out=xx)
    want = relufast.prelu(x, x[0, :, 0].copy())
    xx = x.copy()
    relufast.prelu(xx, xx[0, :, 0], axis=1, out=xx)  # a weight inside out: the kernel copies
    assert_same(xx, want)
    y = random_values(rng, 2 * 3 * 8, F32, 3.0).reshape(2, 3, 8)
    want = relufast.prelu(y, y[1, 2].copy(), axis=2)
    relufast.prelu(y, y[1, 2], axis=2, out=y)  # contiguous, inside out: refused, then copied
    assert_same(y, want)
    # an unaligned weight (and grad) leaves the hot paths for the copying general path
    buf = np.zeros(8 * 4 + 1, np.uint8)
    wu = buf[1:].view(F32)
    wu[:] = np.linspace(-1, 1, 8, dtype=F32)
    assert not wu.flags.aligned
    xx = x.copy()
    assert_same(relufast.prelu(xx, wu, out=xx), relufast.prelu(x, wu.copy()))
    gbuf = np.zeros(x.size * 4 + 1, np.uint8)
    gu = gbuf[1:].view(F32).reshape(x.shape)
    gu[:] = 1.5
    want_gx, want_gw = relufast.prelu_grad(gu.copy(), x, wu.copy())
    got_gx, got_gw = relufast.prelu_grad(gu, x, wu, out=gu)
    assert got_gx is gu
    assert_same(gu, want_gx)
    assert_same(got_gw, want_gw)


def test_prelu_weight_overlapping_out(rng):
    buf = random_values(rng, 12, F64, 3.0)
    x = buf.reshape(3, 4).copy()
    w = buf[:4]  # the weight is part of out
    want = relufast.prelu(x, w.copy(), axis=1)
    out = buf.reshape(3, 4)
    relufast.prelu(x, w, axis=1, out=out)
    assert_same(out, want)


@pytest.mark.parametrize("n", OVERLAP_SIZES)
def test_prelu_out_overlapping_input(n, rng):
    base = random_values(rng, n, F64, 3.0)
    for w in (0.3, random_values(rng, n - 1, F64, 0.5)):
        y = base.copy()
        x, out = y[:-1], y[1:]
        want = relufast.prelu(x.copy(), w, axis=0)
        relufast.prelu(x, w, axis=0, out=out)
        assert_same(out, want)
        y = base.copy()
        g, out = y[:-1], y[1:]
        xx = base[::-1][:-1].copy()
        want_x, want_w = relufast.prelu_grad(g.copy(), xx, w, axis=0)
        gx, gw = relufast.prelu_grad(g, xx, w, axis=0, out=out)
        assert_same(gx, want_x)
        assert_same(gw, want_w)


# ---------------------------------------------------------------------------------------------
# inputs that must not (or cannot) be written


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_read_only_inputs_out_of_place(fn, rng):
    for dtype in DTYPES:
        x = _values(rng, dtype)
        g = _values(rng, dtype)
        want, gwant = fn.forward(x), fn.gradient(g, x)
        x.flags.writeable = False
        g.flags.writeable = False
        assert_same(fn.forward(x), want)
        assert_same(fn.gradient(g, x), gwant)
        out = np.empty_like(x)
        assert_same(fn.gradient(g, x, out=out), gwant)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_inputs_never_modified_out_of_place(fn, rng):
    for dtype in DTYPES:
        for layout in ("C", "F", "step-negative", "unaligned"):
            x = in_layout(_values(rng, dtype), layout)
            g = in_layout(_values(rng, dtype), layout)
            x0, g0 = x.copy(), g.copy()
            fn.forward(x)
            fn.forward(x, out=np.empty_like(x))
            fn.gradient(g, x)
            fn.gradient(g, x, out=np.empty_like(x))
            if fn.from_output:
                fn.gradient(g, x, from_output=True)
            assert_same(x, x0, what=f"{fn.id}: x modified")
            assert_same(g, g0, what=f"{fn.id}: grad modified")


def test_prelu_inputs_never_modified(rng):
    x = _values(rng, F32)
    g = _values(rng, F32)
    w = random_values(rng, 3, F32, 0.5)
    x0, g0, w0 = x.copy(), g.copy(), w.copy()
    relufast.prelu(x, w)
    relufast.prelu_grad(g, x, w)
    assert_same(x, x0)
    assert_same(g, g0)
    assert_same(w, w0)


def test_memmap_inputs(tmp_path, rng):
    values = random_values(rng, 10_001, F32, 3.0)
    path = tmp_path / "x.f32"
    mm = np.memmap(path, dtype=F32, mode="w+", shape=values.shape)
    mm[:] = values
    mm.flush()
    del mm
    ro = np.memmap(path, dtype=F32, mode="r", shape=values.shape)
    assert not ro.flags.writeable
    for fn in ELEMENTWISE:
        assert_same(np.asarray(fn.forward(ro)), fn.forward(values), what=fn.id)
        assert_same(np.asarray(fn.gradient(ro, ro)), fn.gradient(values, values), what=fn.id)
    rw = np.memmap(path, dtype=F32, mode="r+", shape=values.shape)
    relufast.elu(rw, out=rw)
    rw.flush()
    del rw
    assert_same(np.fromfile(path, dtype=F32), relufast.elu(values))


# ---------------------------------------------------------------------------------------------
# array-likes


def test_lists_become_float64():
    assert_same(relufast.relu([-1, 2, 3]), np.array([0.0, 2.0, 3.0]))
    assert_same(relufast.relu([[-1.5, 2], [3, -4]]), np.array([[0.0, 2.0], [3.0, 0.0]]))
    assert_same(relufast.leaky_relu((-2, 2), 0.5), np.array([-1.0, 2.0]))
    assert_same(relufast.relu([]), np.zeros(0))
    assert_same(relufast.relu_grad([1, 1], [-1, 1]), np.array([0.0, 1.0]))
    # a list grad against a float64 x: both float64
    assert_same(relufast.relu_grad([1.0, 2.0], np.array([-1.0, 1.0])), np.array([0.0, 2.0]))
    gx, gw = relufast.prelu_grad([1.0, 1.0], [-1.0, 2.0], [0.5, 0.25], axis=0)
    assert_same(gx, np.array([0.5, 1.0]))
    assert_same(gw, np.array([-1.0, 0.0]))


@pytest.mark.parametrize("scalar, dtype", [
    (-3, F64), (2.5, F64), (True, F64),
    (np.int64(-3), F64), (np.int8(3), F64), (np.uint16(3), F64), (np.bool_(True), F64),
    (np.float64(-3.0), F64), (np.float32(-3.0), F32), (np.float16(-3.0), F16),
], ids=lambda v: type(v).__name__ if not isinstance(v, np.dtype) else v.name)
def test_scalars(scalar, dtype):
    got = relufast.leaky_relu(scalar, 0.5)
    assert type(got) is np.ndarray and got.shape == () and got.dtype == dtype
    assert got == (scalar if scalar > 0 else 0.5 * float(scalar))
    g = relufast.relu_grad(np.ones((), dtype), scalar)
    assert g.dtype == dtype and g.shape == ()
    for fn in ELEMENTWISE:
        r = fn.forward(scalar)
        assert r.dtype == dtype and r.shape == (), fn.id


def test_array_like_into_out():
    out = np.empty(3)
    assert relufast.relu([-1.0, 0.0, 2.0], out=out) is out
    assert_same(out, np.array([0.0, 0.0, 2.0]))


def test_float32_scalar_keeps_float32_through_gradients():
    x = np.float32(-2.0)
    g = np.float32(3.0)
    got = relufast.leaky_relu_grad(g, x, 0.1)
    assert got.dtype == F32 and got == np.float32(3.0) * np.float32(0.1)
    gx, gw = relufast.prelu_grad(g, x, np.float32(0.1))
    assert gx.dtype == F32 and gw.dtype == F32 and gw == np.float32(-6.0)


def test_big_python_ints_that_fit_float64():
    assert_same(relufast.relu(2**63 - 1), np.array(float(2**63 - 1)))
    assert_same(relufast.relu([-(2**63), 2**64 - 1]), np.array([0.0, float(2**64 - 1)]))


@pytest.mark.parametrize("value", [2**64, 2**70, -(2**70), [1, 2**70]], ids=repr)
def test_python_ints_beyond_int64(value):
    got = relufast.relu(value)
    assert_same(got, np.maximum(np.asarray(value, dtype=F64), 0.0))


def _pickled(a):
    return pickle.loads(pickle.dumps(a))


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_equal_but_distinct_dtype_objects_forward(fn, rng):
    # arrays that went through pickle carry a dtype equal to, but not, the canonical object
    for dtype in DTYPES:
        x = _values(rng, dtype)
        xp = _pickled(x)
        assert xp.dtype == dtype and xp.dtype is not np.dtype(dtype)
        assert_same(fn.forward(xp), fn.forward(x), what=f"{fn.id} {dtype}")
        out = np.empty_like(x)
        assert_same(fn.forward(x, out=_pickled(out)), fn.forward(x), what=f"{fn.id} out")


@pytest.mark.parametrize("fn", fn_params(
    ELEMENTWISE))
def test_equal_but_distinct_dtype_objects_gradient(fn, rng):
    for dtype in (F32, F64):
        x = _values(rng, dtype)
        g = _values(rng, dtype)
        want = fn.gradient(g, x)
        assert_same(fn.gradient(_pickled(g), x), want, what=f"{fn.grad_name} {dtype} grad")
        assert_same(fn.gradient(g, _pickled(x)), want, what=f"{fn.grad_name} {dtype} x")
        assert_same(fn.gradient(_pickled(g), _pickled(x)), want, what=f"{fn.grad_name} both")


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_matrix_inputs():
    m = np.matrix([[1.0, -1.0], [2.0, -3.0]])
    a = np.asarray(m)
    for fn in ELEMENTWISE:
        assert_same(np.asarray(fn.forward(m)), fn.forward(a), what=fn.id)
        assert_same(np.asarray(fn.gradient(m, m)), fn.gradient(a, a), what=fn.grad_name)
