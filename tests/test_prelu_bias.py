"""prelu with a fused bias in prelu's own kernels: ``prelu(x, w, axis, bias=b)`` and
``prelu_grad(g, x, w, axis, bias=b)`` against the composition ``z = x + b`` (rounded in the
dtype), ``prelu(z, w)`` and ``prelu_grad(g, z, w)``.

The forward and grad_x bitwise; grad_weight and grad_bias (float64 sums, rounded once) against
the exact sums (math.fsum) of the same float64 terms, to the standard of prelu's own weight
gradient (tests/test_threads.py): a dtype's ulp plus 2**-45 of the terms' magnitude.  Every ISA,
float32 and float64, scalar and per-channel weight and bias, the kernel's layouts ((N, C) rows
of channels with and without a laid-out pattern, NCHW runs short and long, channel-last, many
channels split by channel), sizes around the vector widths, the output at every cache-line
offset, in place and not, 1 and 2 threads, and the edge values (+-0, subnormals, +-inf, NaN, a
bias that makes x + b overflow).  float16, bfloat16, mixed dtypes and other layouts keep the
NumPy path: tests/test_bias.py checks their values, this file that they do not reach the kernel.
"""

import math

import numpy as np
import pytest

import relufast
from relufast import _dispatch, _openmp, _prelu

from cases import F16, F32, F64, in_layout, mixed_values, random_values, wrap_kernel_tables
from numerics import assert_same

pytestmark = [pytest.mark.usefixtures("default_isa"),
              pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]

ISAS = _dispatch.available_isas()

# (shape, axis): the kernel's walks.  (N, C): rows of channels, laid out in a pattern of whole
# rows when two fit in 1,024 elements and the array is long enough (C = 3, 17, 100 at N = 300),
# else walked row by row (C = 600, few rows); C around the vector widths (7, 8, 15, 16, 17,
# 31, 33).  NCHW: runs of H * W under 16 laid out (3 * 3), from 16 to 63 long runs forward and
# laid out or short in the gradient (16, 49), from 64 in lane blocks (72; 2,500 spans two
# blocks of 2,048).  A period past 4,096 on a small array: not laid out, short runs (300 x 20).
# Channel-last (axis -1) and axis 0.
SHAPES = [((300, 3), 1), ((300, 17), 1), ((70, 100), 1), ((4, 600), 1), ((9, 7), 1),
          ((9, 8), 1), ((9, 15), 1), ((9, 16), 1), ((9, 17), 1), ((5, 31), 1), ((5, 33), 1),
          ((1, 1), 1), ((3, 1), 1),
          ((4, 5, 3, 3), 1), ((2, 3, 4, 4), 1), ((2, 4, 7, 7), 1), ((2, 3, 8, 9), 1),
          ((1, 2, 50, 50), 1), ((2, 300, 20), 1),
          ((2, 5, 5, 7), -1), ((3, 4, 4, 64), -1), ((5, 40), 0), ((33,), 0)]
WEIGHTS = ["channels", "channels-nonzero", "scalar", "scalar-zero"]
BIASES = ["channels", "scalar"]


def _weight(kind, C, dtype, rng):
    if kind == "scalar":
        return 0.25
    if kind == "scalar-zero":
        return 0.0
    w = random_values(rng, C, dtype, 0.5)
    if kind == "channels":  # zero slopes (the loops with the zero test), signed
        w[::3] = 0.0
        w[1::5] = -0.0
    else:
        w[w == 0] = 0.5
    return w


def _bias_of(kind, C, dtype, rng):
    """A bias with the edge values a finite bias has: +-0, subnormals, and +-max/2, which take
    x + b past the dtype's range where x is large."""
    info = np.finfo(dtype)
    if kind == "scalar":
        return dtype.type(-1.5)
    b = (rng.standard_normal(C) * 2).astype(dtype)
    edges = np.array([0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal,
                      info.max / 2, -info.max / 2], dtype)
    b[:min(C, edges.size)] = edges[:C]
    return b


def _shaped(v, axis, ndim):
    return v if np.ndim(v) == 0 else v.reshape((-1,) + (1,) * (ndim - axis % ndim - 1))


def _at_line_offset(values, k):
    """``values`` copied to start ``k`` elements past a 64-byte boundary (C order)."""
    item = values.dtype.itemsize
    buf = np.empty(values.size + 64 // item + k, values.dtype)
    start = (-buf.ctypes.data % 64) // item + k
    view = buf[start:start + values.size].reshape(values.shape)
    view[...] = values
    return view


def _composition(g, x, w, b, axis):
    """(z, prelu(z, w), prelu_grad(g, z, w)): the two passes, z = x + b in x's dtype."""
    with np.errstate(over="ignore"):
        z = x + _shaped(np.asarray(b, x.dtype), axis, x.ndim)
    gx, _ = relufast.prelu_grad(g, z, w, axis)
    return z, relufast.prelu(z, w, axis), gx


def _check_sum(got, terms, axis, scalar, dtype, what, overflowed=None):
    """``got`` (grad_weight or grad_bias) against the per-channel sums of the float64 ``terms``
    (every axis but ``axis``, or all of them for a scalar), summed in long double (exact to far
    below the tolerance): finite ones within an ulp of the dtype plus 2**-45 of the terms'
    magnitude (the float64 accumulation's order; where large terms cancel, far more than an
    ulp).  A NaN term gives NaN, infinite terms their infinity (NaN for both signs).  Where the
    finite terms' magnitudes pass float64's range, or a term is a float64 product that
    overflowed (``overflowed``: float64 edge values), the order of the sum, and whether gcc
    fused the product into the add (an FMA, whose product does not overflow), decide between an
    infinity, NaN and a finite value, and nothing is asserted."""
    def per_channel(a):
        return a.reshape(1, -1) if scalar else np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1)

    rows = per_channel(terms)
    got = np.asarray(got, F64).reshape(-1)
    assert got.shape == (rows.shape[0],), what
    fin = np.where(np.isfinite(rows), rows, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        mass = np.abs(fin).sum(axis=1)
        exact = fin.astype(np.longdouble).sum(axis=1).astype(F64)
        rounded = exact.astype(dtype).astype(F64)
    skip = ~np.isfinite(mass)
    if overflowed is not None:
        skip |= per_channel(overflowed).any(axis=1)
    pinf, ninf = np.isposinf(rows).any(axis=1), np.isneginf(rows).any(axis=1)
    nan = ~skip & (np.isnan(rows).any(axis=1) | (pinf & ninf))
    assert np.isnan(got[nan]).all(), (what, np.flatnonzero(nan & ~np.isnan(got)))
    inf = ~skip & ~nan & (pinf | ninf)
    assert (got[inf] == np.where(pinf, np.inf, -np.inf)[inf]).all(), what
    rest = ~skip & ~nan & ~inf
    err = np.abs(got - exact)
    tol = 2.0**-45 * mass
    past = rest & ~np.isfinite(rounded)  # past the dtype's range: that infinity, or within tol
    big = float(np.finfo(dtype).max)
    with np.errstate(invalid="ignore"):
        ok = (got == rounded) | (err <= tol + (np.abs(exact) - big))
    assert ok[past].all(), (what, got[past & ~ok], exact[past & ~ok])
    within = rest & np.isfinite(rounded)
    with np.errstate(invalid="ignore"):
        ok = err <= tol + np.spacing(np.abs(rounded).astype(dtype)).astype(F64)
    bad = within & ~ok
    assert not bad.any(), (what, np.flatnonzero(bad), got[bad], exact[bad], tol[bad])


def _check_weight_gradient(gw, g, z, axis, scalar, dtype, what):
    """grad_weight against the terms g * z where z <= 0 or NaN (0 elsewhere), at z = x + b."""
    g64, z64 = g.astype(F64), z.astype(F64)
    with np.errstate(invalid="ignore", over="ignore"):
        p = g64 * z64
    terms = np.where(z > 0, 0.0, p)
    overflowed = np.isinf(terms) & np.isfinite(g64) & np.isfinite(z64)
    _check_sum(gw, terms, axis, scalar, dtype, what, overflowed)


def _spy(monkeypatch):
    """The (entry, thread count) of every call of the fused kernels from now on (a fused path
    not taken would leave the tests comparing the two passes with themselves).  Installed
    after select_isa, which refills the kernel tables."""
    calls = []

    def wrap(table, f):
        def spy(*args):
            calls.append((table, args[-1]))
            return f(*args)
        return spy

    wrap_kernel_tables(monkeypatch, ("prelu_bias_forward", "prelu_bias_gradient"), wrap)
    return calls


def _run_case(shape, axis, wkind, bkind, dtype, rng, fused_calls, nt, offset=0):
    n = math.prod(shape)
    C = shape[axis]
    x = _at_line_offset(mixed_values(rng, n, dtype).reshape(shape), offset)
    g = _at_line_offset(mixed_values(rng, n, dtype).reshape(shape), (offset + 5) % 8)
    w = _weight(wkind, C, dtype, rng)
    b = _bias_of(bkind, C, dtype, rng)
    z, y_want, gx_want = _composition(g, x, w, b, axis)
    what = f"{shape} axis={axis} w={wkind} b={bkind} nt={nt} offset={offset}"
    fused_calls.clear()
    with relufast.num_threads(nt):
        y = relufast.prelu(x, w, axis, bias=b)
        assert_same(y, y_want, what=what + " forward")
        xi = x.copy()
        assert relufast.prelu(xi, w, axis, out=xi, bias=b) is xi
        assert_same(xi, y_want, what=what + " forward in place")
        gx, gw, gb = relufast.prelu_grad(g, x, w, axis, bias=b)
        assert_same(gx, gx_want, what=what + " grad_x")
        for into in ("grad", "x"):
            gi, xi = g.copy(), x.copy()
            out = gi if into == "grad" else xi
            r = relufast.prelu_grad(gi, xi, w, axis, out=out, bias=b)
            assert r[0] is out
            assert_same(r[0], gx_want, what=what + f" grad_x into {into}")
            assert_same(r[1], gw, what=what + f" grad_weight, out={into}")
            assert_same(r[2], gb, what=what + f" grad_bias, out={into}")
    assert fused_calls and {t for _, t in fused_calls} == {nt}, (what, fused_calls)
    assert gw.dtype == dtype and gw.shape == np.shape(w), what
    assert gb.dtype == dtype and gb.shape == np.shape(b), what
    _check_weight_gradient(gw, g, z, axis, np.ndim(w) == 0, dtype, what + " grad_weight")
    _check_sum(gb, gx_want.astype(F64), axis, np.ndim(b) == 0, dtype, what + " grad_bias")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", SHAPES, ids=str)
@pytest.mark.parametrize("bkind", BIASES)
@pytest.mark.parametrize("wkind", WEIGHTS)
def test_fused_against_composition(isa, dtype, shape, axis, wkind, bkind, rng, monkeypatch):
    _dispatch.select_isa(isa)
    fused_calls = _spy(monkeypatch)
    _run_case(shape, axis, wkind, bkind, dtype, rng, fused_calls, 1)


@pytest.mark.skipif(not _openmp.OPENMP, reason="built without OpenMP")
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", SHAPES, ids=str)
@pytest.mark.parametrize("wkind, bkind", [("channels", "channels"), ("scalar", "channels"),
                                          ("channels-nonzero", "scalar")])
def test_fused_on_two_threads(isa, dtype, shape, axis, wkind, bkind, rng, monkeypatch):
    # every size on 2 threads (the threshold lowered: each thread's chunk starts inside a row
    # or a run), the output at two cache-line offsets (the forward's head before its pattern)
    _dispatch.select_isa(isa)
    fused_calls = _spy(monkeypatch)
    monkeypatch.setattr(_prelu, "PARALLEL_MIN_CHEAP", 2)
    if math.prod(shape) < 2:
        pytest.skip("one element: one thread")
    for offset in (0, 3):
        _run_case(shape, axis, wkind, bkind, dtype, rng, fused_calls, 2, offset)


# With many channels the gradient gives each thread a range of channels (the split by
# channel, test_threads.py): rows of 40,000 channels; runs of 2 laid out in a pattern of one
# period.  On one thread, the element split.
@pytest.mark.skipif(not _openmp.OPENMP, reason="built without OpenMP")
@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis", [((3, 40_000), 1), ((2, 30_001, 2), 1)], ids=str)
def test_fused_split_by_channel(isa, dtype, shape, axis, rng, monkeypatch):
    _dispatch.select_isa(isa)
    fused_calls = _spy(monkeypatch)
    for nt in (1, 2):
        _run_case(shape, axis, "channels", "channels", dtype, rng, fused_calls, nt)


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_edge_values_each_against_each(dtype, monkeypatch):
    fused_calls = _spy(monkeypatch)
    # every edge value of x against every edge value of the bias, per channel: +-0 + -0 keeps
    # or loses the sign as IEEE says, x + b past the range is +-inf, inf + -max/2 stays inf
    info = np.finfo(dtype)
    edges = np.array([0.0, -0.0, info.smallest_subnormal, -info.smallest_subnormal, info.tiny,
                      -info.tiny, 1.0, -1.0, info.max, -info.max, info.max / 2, -info.max / 2,
                      np.inf, -np.inf, np.nan], dtype)
    finite = edges[np.isfinite(edges)]
    x = np.repeat(edges[:, None], finite.size, axis=1)  # (15, C): x down, the bias across
    x = np.concatenate([x] * 40)  # long enough for the laid-out rows
    g = np.resize(edges[::-1], x.size).reshape(x.shape)
    for w in (np.linspace(-1, 1, finite.size).astype(dtype), 0.0, -0.5):
        z, y_want, gx_want = _composition(g, x, w, finite, 1)
        assert_same(relufast.prelu(x, w, 1, bias=finite), y_want)
        gx, gw, gb = relufast.prelu_grad(g, x, w, 1, bias=finite)
        assert_same(gx, gx_want)
        _check_weight_gradient(gw, g, z, 1, np.ndim(w) == 0, dtype, f"w={w} grad_weight")
        _check_sum(gb, gx_want.astype(F64), 1, False, dtype, f"w={w} grad_bias")
    assert fused_calls


def test_overflow_and_signed_zero():
    # the values the composition gives where x + b rounds: -0.0 + -0.0 is -0.0 (prelu keeps
    # it, times the weight for the negative side), -0.0 + 0.0 is +0.0, max + max/2 is inf
    big = np.finfo(F32).max
    x = np.array([[-0.0, -0.0, big, -big]], F32)
    b = np.array([-0.0, 0.0, big / 2, -big / 2], F32)
    y = relufast.prelu(x, np.full(4, 0.5, F32), bias=b)
    assert_same(y, np.array([[-0.0, 0.0, np.inf, -np.inf]], F32))
    gx, gw, gb = relufast.prelu_grad(np.ones_like(x), x, np.full(4, 0.5, F32), bias=b)
    assert_same(gx, np.array([[0.5, 0.5, 1.0, 0.5]], F32))
    assert_same(gw, np.array([0.0, 0.0, 0.0, -np.inf], F32))
    assert_same(gb, np.array([0.5, 0.5, 1.0, 0.5], F32))


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_scalar_weight_and_bias_shapes(dtype, rng, monkeypatch):
    fused_calls = _spy(monkeypatch)
    # a scalar weight with a per-channel bias (the weight repeated per channel in the kernel)
    # and the other way round: grad_weight and grad_bias shaped like the weight and the bias,
    # 0-d for a scalar, each the float64 sum rounded once
    x = random_values(rng, 4 * 6 * 5, dtype, 2.0).reshape(4, 6, 5)
    g = random_values(rng, x.size, dtype, 1.0).reshape(x.shape)
    for w, b in ((0.25, rng.standard_normal(6).astype(dtype)),
                 (random_values(rng, 6, dtype, 0.5), dtype.type(0.75)),
                 (np.array(0.25, dtype), 0.75)):
        z, _, gx_want = _composition(g, x, w, b, 1)
        gx, gw, gb = relufast.prelu_grad(g, x, w, bias=b)
        assert type(gw) is np.ndarray and type(gb) is np.ndarray
        assert gw.shape == np.shape(w) and gb.shape == np.shape(b)
        assert_same(gx, gx_want)
        _check_weight_gradient(gw, g, z, 1, np.ndim(w) == 0, dtype, "grad_weight")
        _check_sum(gb, gx_want.astype(F64), 1, np.ndim(b) == 0, dtype, "grad_bias")
    assert fused_calls


def test_other_dtypes_and_layouts_keep_numpy(rng, monkeypatch):
    fused_calls = _spy(monkeypatch)
    # float16, mixed dtypes, a float64 out for float32 x and strided arrays: the two passes
    # (tests/test_bias.py checks their values); C-order float32 and float64: the kernels
    x = random_values(rng, 60, F32, 2.0).reshape(6, 10)
    g = random_values(rng, 60, F32, 1.0).reshape(6, 10)
    b, w = np.linspace(-1, 1, 10).astype(F32), np.full(10, 0.1, F32)
    calls = [
        lambda: relufast.prelu(x.astype(F16), w.astype(F16), bias=b),
        lambda: relufast.prelu(x, w.astype(F64), bias=b),
        lambda: relufast.prelu(x, w, bias=b, out=np.empty(x.shape, F64)),
        lambda: relufast.prelu(in_layout(x, "F"), w, bias=b),
        lambda: relufast.prelu_grad(g.astype(F64), x, w, bias=b),
        lambda: relufast.prelu_grad(in_layout(g, "step"), x, w, bias=b),
        lambda: relufast.prelu_grad(g, in_layout(x, "unaligned"), w, bias=b),
    ]
    for f in calls:
        f()
    assert fused_calls == []
    relufast.prelu(x, w, bias=b)
    relufast.prelu_grad(g, x, w, bias=b)
    assert [t for t, _ in fused_calls] == ["prelu_bias_forward", "prelu_bias_gradient"]


def test_overlapping_out_and_weight(rng):
    # an out that overlaps x other than element for element, a weight inside out: copied
    # first, so the values are the composition's
    base = random_values(rng, 70, F32, 2.0)
    b = np.linspace(-1, 1, 10).astype(F32)
    w = np.full(10, 0.1, F32)
    x = base[:60].reshape(6, 10)
    want = relufast.prelu(x + b, w)
    gwant, gw_want = relufast.prelu_grad(np.ones((6, 10), F32), x + b, w)
    out = base[10:70].reshape(6, 10)
    relufast.prelu(x, w, bias=b, out=out)
    assert_same(out, want)
    base = random_values(rng, 70, F32, 2.0)
    x = base[:60].reshape(6, 10).copy()
    want = relufast.prelu(x + b, base[60:70].copy())
    relufast.prelu(x, base[60:70], bias=b, out=base[:60].reshape(6, 10))
    assert_same(base[:60].reshape(6, 10), want)


def test_errors_write_nothing(rng):
    x = random_values(rng, 30, F32, 2.0).reshape(3, 10)
    g = random_values(rng, 30, F32, 1.0).reshape(3, 10)
    b = np.ones(10, F32)
    for w in (np.full(10, np.nan, F32), np.array([0.1] * 9 + [np.inf], F32)):
        xi, gi = x.copy(), g.copy()
        with pytest.raises(ValueError, match="prelu: weight must be finite"):
            relufast.prelu(xi, w, bias=b, out=xi)
        with pytest.raises(ValueError, match="prelu_grad: weight must be finite"):
            relufast.prelu_grad(gi, x, w, bias=b, out=gi)
        assert_same(xi, x)
        assert_same(gi, g)
    with pytest.raises(ValueError, match="prelu_grad: from_output=True is not supported"):
        relufast.prelu_grad(g, x, np.ones(10, F32), bias=b, from_output=True)
    with pytest.raises(ValueError, match="prelu: weight has length 9"):
        relufast.prelu(x, np.ones(9, F32), bias=b)
