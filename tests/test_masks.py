"""1-bit masks: relu, leaky_relu and relu6 with ``mask=``, and their gradients from the mask.

The forward with a mask gives the plain forward's values bit for bit and the mask NumPy's
``np.packbits(bits, axis=-1, bitorder="little")`` gives; the gradient from the mask is bitwise
the gradient from x wherever x is not NaN (and, where it is, the x <= 0 side, as documented).
Every ISA's kernels, every dtype, the edge values, every layout, in place and not, the
threaded paths (flat and row by row), and the refusals (nothing written)."""

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import (F16, F32, F64, LAYOUTS, OUT_LAYOUTS, in_layout, mixed_values,
                   wrap_kernel_tables)
from numerics import assert_same

pytestmark = pytest.mark.usefixtures("default_isa")

ISAS = _dispatch.available_isas()
BF16 = _dispatch.BF16

# (id, forward, gradient, keyword arguments, the bit as a function of x)
OPS = [
    ("relu", relufast.relu, relufast.relu_grad, {}, lambda x: x > 0),
    ("leaky", relufast.leaky_relu, relufast.leaky_relu_grad, {"negative_slope": 0.1},
     lambda x: x > 0),
    ("leaky-zero", relufast.leaky_relu, relufast.leaky_relu_grad, {"negative_slope": 0.0},
     lambda x: x > 0),
    ("leaky-negzero", relufast.leaky_relu, relufast.leaky_relu_grad,
     {"negative_slope": -0.0}, lambda x: x > 0),
    ("leaky-negative", relufast.leaky_relu, relufast.leaky_relu_grad,
     {"negative_slope": -0.3}, lambda x: x > 0),
    ("relu6", relufast.relu6, relufast.relu6_grad, {}, lambda x: (x > 0) & (x < 6)),
]
OP_IDS = [o[0] for o in OPS]
DTYPES = [F16, F32, F64] + ([BF16] if BF16 is not None else [])


def packed(bits):
    bits = np.asarray(bits)
    return np.packbits(bits.reshape(bits.shape or (1,)), axis=-1, bitorder="little")


def values(rng, shape, dtype):
    """Every edge value (zeros, the kinks 0 and 6 and their neighbours, subnormals, huge, inf,
    NaN) mixed into a random sample, as ``dtype``."""
    n = int(np.prod(shape))
    if dtype == BF16:
        return mixed_values(rng, n, F32).astype(BF16).reshape(shape)
    return mixed_values(rng, n, dtype).reshape(shape)


def check(op, x, g, dtype_out=None):
    """The forward with a mask and the gradient from it, against the plain calls."""
    _, f, fg, kw, bit = op
    want_y = f(x, **kw)
    y, m = f(x, mask=True, **kw)
    assert_same(y, want_y, what="forward with a mask")
    assert m.dtype == np.uint8 and m.shape == relufast.mask_shape(x.shape)
    assert np.array_equal(m, packed(bit(np.asarray(x, dtype=F64))))
    got = fg(g, mask=m, **kw)
    want = fg(g, x, **kw)
    nan = np.isnan(np.asarray(x, dtype=F64))
    assert got.dtype == g.dtype
    assert_same(got[~nan], want[~nan], what="gradient from the mask")
    # a NaN x left bit 0: the gradient of an x <= 0 (0, or slope * grad)
    if nan.any():
        x_neg = np.where(nan, -1.0, np.asarray(x, F64)).astype(x.dtype)
        assert_same(got[nan], fg(g, x_neg, **kw)[nan], what="gradient from a NaN's bit")
    return m


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (7,), (8,), (63,), (64,), (65,), (1000,),
                                   (3, 5), (4, 8), (2, 3, 13), (5, 0), (0, 3)],
                         ids=lambda s: "x".join(map(str, s)) or "0d")
def test_values_and_bits(isa, dtype, op, shape, rng):
    _dispatch.select_isa(isa)
    x = values(rng, shape, dtype)
    g = values(rng, shape, dtype)
    check(op, x, g)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("shape", [(100_003,), (257, 129), (300, 400)],
                         ids=["flat-threads", "rows-threads", "rows-by-8-threads"])
def test_threaded(isa, dtype, op, shape, rng):
    """Sizes past the threading threshold: thread chunks of the flat path start on whole
    bytes of the mask; a row length not a multiple of 8 goes row by row."""
    _dispatch.select_isa(isa)
    x = values(rng, shape, dtype)
    g = values(rng, shape, dtype)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            check(op, x, g)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_every_start_in_a_cache_line(isa, dtype, op, rng):
    """The kernels do the elements before y's first cache-line boundary one by one and carry
    their bits into the words of the mask: every offset of y in a line (0 to 15 elements),
    lengths around whole blocks of 64 and the carry's limits, in place and into another
    array whose start is not x's."""
    _dispatch.select_isa(isa)
    _, f, _, kw, bit = op
    per_line = 64 // dtype.itemsize
    src = values(rng, (1200,), dtype)
    buf = np.empty(1200 + 64, dtype)
    base = (-(buf.ctypes.data % 64) // dtype.itemsize) % per_line   # buf[base] starts a line
    for k in range(per_line):
        for n in (0, 1, 7, 8, 9, 63, 64, 65, 64 + k, 79, 80, 127, 128, 129, 200, 1000):
            x = src[5:5 + n]
            want_y, want_m = f(x, **kw), packed(bit(x.astype(F64)))
            y = buf[base + k:base + k + n]
            y[...] = x
            y2, m = f(y, out=y, mask=True, **kw)         # in place
            assert y2 is y
            assert_same(y, want_y, what=f"in place, offset {k}, n {n}")
            assert np.array_equal(m, want_m), (k, n)
            y[...] = 0
            m = np.full(relufast.mask_shape(x.shape), 0xAA, np.uint8)
            f(x, out=y, mask=m, **kw)                      # x not aligned as y is
            assert_same(y, want_y, what=f"out of place, offset {k}, n {n}")
            assert np.array_equal(m, want_m), (k, n)


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("dtype", [F16, F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(op, dtype, layout, rng):
    """The mask is in the logical C order of x's shape whatever x's memory layout."""
    xv = values(rng, (4, 6, 11), dtype)
    gv = values(rng, (4, 6, 11), dtype)
    x = in_layout(xv, layout)
    g = in_layout(gv, layout)
    m = check(op, x, g)
    assert np.array_equal(m, check(op, xv, gv))


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("dtype", [F16, F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("layout", OUT_LAYOUTS)
def test_in_place(op, dtype, layout, rng):
    """The forward in place into x with the mask into a caller's buffer; the gradient in place
    into grad; out in every writable layout."""
    _, f, fg, kw, bit = op
    xv = values(rng, (5, 24), dtype)
    gv = values(rng, (5, 24), dtype)
    x = in_layout(xv, layout)
    m = np.full(relufast.mask_shape(x.shape), 0xAA, np.uint8)
    y, m2 = f(x, out=x, mask=m, **kw)
    assert y is x and m2 is m
    assert_same(x, f(xv, **kw), what="in place")
    assert np.array_equal(m, packed(bit(xv.astype(F64))))
    g = in_layout(gv, layout)
    r = fg(g, mask=m, out=g, **kw)
    assert r is g
    nan = np.isnan(xv.astype(F64))
    assert_same(np.asarray(g)[~nan], fg(gv, xv, **kw)[~nan], what="gradient in place")


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_out_of_another_dtype(op, rng):
    """out may be any float dtype the result casts to (same_kind), as for the plain calls."""
    _, f, fg, kw, bit = op
    x = values(rng, (3, 17), F32)
    g = values(rng, (3, 17), F32)
    out = np.empty(x.shape, F64)
    y, m = f(x, out=out, mask=True, **kw)
    assert y is out
    assert_same(out, f(x, out=np.empty(x.shape, F64), **kw))
    out16 = np.empty(x.shape, F16)
    with np.errstate(over="ignore"):
        r = fg(g, mask=m, out=out16, **kw)
        want = fg(g, x, out=np.empty(x.shape, F16), **kw)
    nan = np.isnan(x)
    assert r is out16
    assert_same(out16[~nan], want[~nan], what="into a float16 out")


def test_unpackbits_reads_the_mask(rng):
    """The documented reading: np.unpackbits along the last axis, count = the row's length."""
    x = rng.standard_normal((6, 13)).astype(F32)
    _, m = relufast.relu(x, mask=True)
    bits = np.unpackbits(m, axis=-1, count=13, bitorder="little").astype(bool)
    assert np.array_equal(bits, x > 0)
    assert relufast.mask_shape((6, 13)) == (6, 2)
    assert relufast.mask_shape(()) == (1,)
    assert relufast.mask_shape((4, 0)) == (4, 0)


def test_padding_bits_are_zero(rng):
    x = np.full((3, 5), 1.0, F32)
    _, m = relufast.relu(x, mask=np.full((3, 1), 0xFF, np.uint8))
    assert np.array_equal(m, np.full((3, 1), 0b11111, np.uint8))


def test_mask_false_is_no_mask(rng):
    x = rng.standard_normal(10)
    y = relufast.relu(x, mask=False)
    assert isinstance(y, np.ndarray)
    assert_same(y, relufast.relu(x))


# ---------------------------------------------------------------------------------------------
# refusals: a clear error naming the argument, and nothing written


def _untouched(*arrays):
    return [a.copy() for a in arrays]


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_forward_refusals(op, rng):
    _, f, fg, kw, bit = op
    name = f.__name__
    x = rng.standard_normal((4, 16)).astype(F32)
    out = np.zeros_like(x)
    good = np.zeros((4, 2), np.uint8)
    cases = [
        (TypeError, "mask must be", 1),
        (TypeError, "mask has dtype", np.zeros((4, 2), np.int8)),
        (ValueError, "mask has shape", np.zeros((4, 3), np.uint8)),
        (ValueError, "mask has shape", np.zeros(8, np.uint8)),
        (ValueError, "mask is read-only", np.zeros((4, 2), np.uint8)),
        (ValueError, "mask overlaps out", out.view(np.uint8)[:, :2]),
    ]
    cases[4][2].flags.writeable = False
    for exc, msg, mask in cases:
        before = _untouched(x, out, good)
        with pytest.raises(exc, match=f"{name}: {msg}"):
            f(x, out=out, mask=mask, **kw)
        for a, b in zip((x, out, good), before):
            assert np.array_equal(a, b)
    # a bad out, or a bad input, leaves the mask buffer as it was
    m = np.full((4, 2), 7, np.uint8)
    with pytest.raises(ValueError, match=f"{name}: out has shape"):
        f(x, out=np.zeros((4, 15), F32), mask=m, **kw)
    with pytest.raises(TypeError, match=f"{name}: x has dtype int64"):
        f(np.zeros((4, 16), np.int64), mask=m, **kw)
    assert (m == 7).all()


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_gradient_refusals(op, rng):
    _, f, fg, kw, bit = op
    name = fg.__name__
    x = rng.standard_normal((4, 16)).astype(F32)
    g = rng.standard_normal((4, 16)).astype(F32)
    _, m = f(x, mask=True, **kw)
    out = np.zeros_like(g)
    gm = g.copy()
    with pytest.raises(TypeError, match=f"{name}: give x or mask, not both"):
        fg(g, x, mask=m, out=out, **kw)
    with pytest.raises(TypeError, match=f"{name}: missing x"):
        fg(g, out=out, **kw)
    with pytest.raises(ValueError, match=f"{name}: from_output=True does not apply"):
        fg(g, mask=m, out=out, from_output=True, **kw)
    with pytest.raises(ValueError, match=f"{name}: mask has shape .* another shape"):
        fg(g.reshape(8, 8), mask=m, **kw)  # same size, another shape
    with pytest.raises(ValueError, match=f"{name}: mask has shape"):
        fg(g[:, :8], mask=m, **kw)
    with pytest.raises(TypeError, match=f"{name}: mask has dtype bool"):
        fg(g, mask=np.zeros((4, 2), bool), **kw)
    with pytest.raises(TypeError, match=f"{name}: mask must be a numpy.ndarray"):
        fg(g, mask=m.tolist(), **kw)
    with pytest.raises(ValueError, match=f"{name}: out has shape"):
        fg(g, mask=m, out=np.zeros((4, 15), F32), **kw)
    with pytest.raises(TypeError, match=f"{name}: grad has dtype int32"):
        fg(np.zeros((4, 16), np.int32), mask=m, **kw)
    with pytest.raises(ValueError, match=f"{name}: mask overlaps out"):
        big = np.zeros(80, np.uint8)
        fg(g[:1, :], mask=big[20:22].reshape(1, 2), out=big[16:80].view(F32).reshape(1, 16), **kw)
    assert (out == 0).all() and np.array_equal(g, gm)


def test_slope_rounded_to_float32_is_checked(rng):
    x = rng.standard_normal(8).astype(F32)
    _, m = relufast.leaky_relu(x, mask=True)
    with pytest.raises(ValueError, match="leaky_relu_grad: negative_slope=1e\\+300 overflows"):
        relufast.leaky_relu_grad(np.ones(8, F32), mask=m, negative_slope=1e300)
    with pytest.raises(ValueError, match="leaky_relu: negative_slope=1e\\+300 overflows"):
        relufast.leaky_relu(x, negative_slope=1e300, mask=True)


# --- with a bias: the mask of x + bias, and the bias gradient from the mask's gradient ---

def bias_axes(ndim, axis, scalar):
    return tuple(i for i in range(ndim) if scalar or i != axis % ndim)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_zero_dimensional_with_a_bias(op, dtype):
    """A 0-d x with a mask and a scalar bias (float16 and bfloat16 compute in a float32
    temporary, which NumPy's add gives as a scalar for 0-d operands)."""
    _, f, fg, kw, bit = op
    for v in (-1.0, 0.25, 3.0, 7.0):
        x = np.array(v, dtype)
        y, m = f(x, mask=True, bias=0.5, **kw)
        assert y.shape == () and y.dtype == dtype
        assert_same(y, f(x, bias=0.5, **kw), what="0-d forward with a mask and a bias")
        assert np.array_equal(m, packed(bit(np.float64(v) + 0.5)))
        g = np.array(2.0, dtype)
        gx, gb = fg(g, mask=m, bias=0.5, **kw)
        assert_same(gx, fg(g, x, bias=0.5, **kw)[0], what="0-d gradient from the mask")


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis, scalar", [((6, 21), 1, False), ((3, 4, 9), 0, False),
                                                 ((3, 4, 9), -1, False), ((5, 7), 1, True),
                                                 ((0, 4), 1, False)],
                         ids=["dense", "axis0", "last", "scalar", "empty"])
def test_with_bias_equals_the_composition(op, dtype, shape, axis, scalar, rng):
    _, f, fg, kw, bit = op
    x, g = values(rng, shape, dtype), values(rng, shape, dtype)
    n = shape[axis]
    b = (np.asarray(rng.standard_normal(), F64).astype(dtype) if scalar
         else rng.standard_normal(n).astype(dtype))
    y_want = f(x, bias=b, axis=axis, **kw)
    y, m = f(x, mask=True, bias=b, axis=axis, **kw)
    assert_same(y, y_want, what="forward with a mask and a bias")
    compute = F64 if dtype == F64 else F32
    trailing = (1,) * (len(shape) - axis % len(shape) - 1)
    bb = np.asarray(b, compute).reshape(() if scalar else (-1,) + trailing)
    z = (np.asarray(x, compute) + bb).astype(compute)
    assert m.shape == relufast.mask_shape(shape)
    if x.size:
        assert np.array_equal(m, packed(bit(z.astype(F64))))
    gx, gb = fg(g, mask=m, bias=b, axis=axis, **kw)
    assert_same(gx, fg(g, mask=m, **kw), what="gradient from the mask with a bias")
    nan = np.isnan(z)
    if dtype in (F32, F64):
        # bitwise the gradient from x + bias where x + bias is not NaN
        want = fg(g, x, bias=b, axis=axis, **kw)[0]
        assert_same(gx[~nan], want[~nan], what="against the gradient from x")
    assert gb.shape == np.shape(b) and gb.dtype == dtype
    if dtype in (F32, F64):
        # the kernels sum in their own order: the fused bias gradient's standard
        check_bias_sum(gb, gx, bias_axes(len(shape), axis, scalar), dtype)
        return
    with np.errstate(invalid="ignore", over="ignore"):
        sums = np.sum(np.asarray(gx, F64), axis=bias_axes(len(shape), axis, scalar))
        sums = np.asarray(sums, dtype).astype(F64)
    np.testing.assert_allclose(np.asarray(gb, F64), sums, rtol=1e-2, atol=1e-6)


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_with_bias_in_place(op, rng):
    _, f, fg, kw, bit = op
    x0, g0 = values(rng, (8, 33), F32), values(rng, (8, 33), F32)
    b = rng.standard_normal(33).astype(F32)
    want = f(x0, bias=b, **kw)
    x = x0.copy()
    buf = np.zeros(relufast.mask_shape(x.shape), np.uint8)
    y, m = f(x, out=x, mask=buf, bias=b, **kw)
    assert y is x and m is buf
    assert_same(x, want)
    g = g0.copy()
    gx, gb = fg(g, mask=m, out=g, bias=b, **kw)
    assert gx is g


@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
def test_with_bias_refusals_write_nothing(op, rng):
    _, f, fg, kw, bit = op
    name, gname = f.__name__, fg.__name__
    x = rng.standard_normal((4, 16)).astype(F32)
    out = np.zeros_like(x)
    m = np.full((4, 2), 7, np.uint8)
    with pytest.raises(ValueError, match=f"{name}: bias has length 15"):
        f(x, out=out, mask=m, bias=np.ones(15, F32), **kw)
    with pytest.raises(ValueError, match=f"{name}: bias must be finite"):
        f(x, out=out, mask=m, bias=np.full(16, np.nan, F32), **kw)
    with pytest.raises(ValueError, match=f"{name}: bias must be finite"):
        f(x, out=out, mask=m, bias=np.array([0] * 15 + [-np.inf], F32), **kw)
    with pytest.raises(ValueError, match=f"{name}: mask has shape"):
        f(x, out=out, mask=np.zeros((4, 3), np.uint8), bias=np.ones(16, F32), **kw)
    with pytest.raises(ValueError, match=f"{name}: out has shape"):
        f(x, out=np.zeros((4, 15), F32), mask=m, bias=np.ones(16, F32), **kw)
    assert (out == 0).all() and (m == 7).all()
    _, mk = f(x, mask=True, **kw)
    g = rng.standard_normal((4, 16)).astype(F32)
    gm = g.copy()
    with pytest.raises(ValueError, match=f"{gname}: bias has length 3"):
        fg(g, mask=mk, out=out, bias=np.ones(3, F32), **kw)
    with pytest.raises(ValueError, match=f"{gname}: mask has shape"):
        fg(g, mask=mk[:, :1], out=out, bias=np.ones(16, F32), **kw)
    with pytest.raises(TypeError, match=f"{gname}: give x or mask, not both"):
        fg(g, x, mask=mk, out=out, bias=np.ones(16, F32), **kw)
    for bad in (np.array([np.inf] + [0] * 15, F32), np.array([0] * 15 + [np.nan], F32)):
        with pytest.raises(ValueError, match=f"{gname}: bias must be finite"):
            fg(g, mask=mk, out=out, bias=bad, **kw)
    assert (out == 0).all() and np.array_equal(g, gm)


# --- the one-pass kernels with a bias (float32 / float64 in C order) against the two passes ---

# (shape, axis, bias length or None for a scalar): the bias along the last axis (rows of
# channels: widths around multiples of 8 and of 64, one row, 1-D), along another axis (NCHW,
# W % 8 != 0 and == 0: constant over whole rows), a scalar, 0-d
FUSED_CASES = [
    ((5, 7), 1, None), ((3, 2, 16), 0, None), ((), 0, None), ((1,), 0, None),
    ((5, 7), 1, "-0"), ((4, 16), 1, "+0"), ((4, 16), 1, "huge"), ((5, 7), 1, "-huge"),
    ((4, 7), -1, 7), ((4, 8), -1, 8), ((4, 9), -1, 9), ((3, 63), -1, 63), ((3, 64), -1, 64),
    ((3, 65), -1, 65), ((2, 129), 1, 129), ((1, 200), -1, 200), ((100,), 0, 100),
    ((6, 5, 40), -1, 40), ((2, 3, 5, 7), 1, 3), ((2, 3, 4, 8), 1, 3), ((2, 3, 2, 16), 1, 3),
    ((5, 3, 1), 1, 3), ((4, 6, 3), 0, 4),
]
FUSED_IDS = ["scalar", "scalar-3d", "0d", "1", "scalar-neg0", "scalar-pos0", "scalar-huge",
             "scalar-neghuge", "last7", "last8", "last9", "last63", "last64",
             "last65", "last129", "one-row", "1d", "last40", "nchw-w7", "nchw-w8", "nchw-w16",
             "trailing-one", "axis0"]
# above the threading threshold: rows of channels (cut inside rows by the threads), NCHW with
# W % 8 == 0 (flat) and != 0 (row by row), a scalar
FUSED_BIG = [((300, 136), -1, 136), ((37, 1000), 1, 1000), ((8, 16, 16, 24), 1, 16),
             ((8, 16, 15, 23), 1, 16), ((70_001,), 0, None), ((9, 4099), -1, 4099)]
FUSED_BIG_IDS = ["rows", "rows-1000", "nchw-flat", "nchw-rows", "scalar", "wide"]


def bias_for(rng, length, dtype, edges=True):
    """A bias with its own edge values: +-0 (x + -0.0 keeps -0.0, x + +0.0 does not) and, where
    long enough, huge values that make x + bias overflow to +-inf."""
    big = np.finfo(dtype).max * 0.75
    if length is None:
        return dtype.type(rng.standard_normal() * 2)
    if isinstance(length, str):  # a scalar edge value
        return dtype.type({"-0": -0.0, "+0": 0.0, "huge": big, "-huge": -big}[length])
    b = (rng.standard_normal(length) * 2).astype(dtype)
    if edges:
        b[::5] = np.resize(np.array([0.0, -0.0, big, -big, 6.0], dtype), b[::5].size)
    return b


def two_passes(op, x, b, axis, g):
    """The composition the one-pass kernels replace: z = x + bias rounded in the dtype, the
    mask's forward on z; the select from that mask.  (y, mask, grad_x, the axes the bias
    gradient sums over)."""
    _, f, fg, kw, _ = op
    trailing = (1,) * (x.ndim - axis % max(x.ndim, 1) - 1)
    bb = b if np.ndim(b) == 0 else b.reshape((-1,) + trailing)
    with np.errstate(over="ignore"):
        z = np.asarray(x + bb, x.dtype)
    y, m = f(z, mask=True, **kw)
    gx = fg(g, mask=m, **kw)
    axes = tuple(i for i in range(x.ndim) if np.ndim(b) == 0 or i != axis % x.ndim)
    return y, m, gx, axes


def check_bias_sum(got, gx, axes, dtype):
    """test_bias's standard for a fused bias gradient: the float64 sum of grad_x per channel
    (bias_sum's) rounded once into the dtype, within float64 rounding of the terms (the kernels
    sum in another order than NumPy).  A channel whose finite terms overflow float64 when added
    up (+-1e308 and the like) has a sum that depends on the order (inf, -inf, NaN or finite):
    only its other channels are compared."""
    got = np.asarray(got, F64).reshape(-1)
    g64 = np.asarray(gx, F64)
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.sum(g64, axis=axes).reshape(-1).astype(dtype).astype(F64)
        finite_mass = np.sum(np.where(np.isfinite(g64), np.abs(g64), 0), axis=axes).reshape(-1)
    defined = np.isfinite(finite_mass)
    special = ~np.isfinite(want) & defined
    assert_same(got[special], want[special], what="bias gradient: inf and NaN")
    ok = ~defined | special
    with np.errstate(invalid="ignore", over="ignore"):
        tol = float(np.finfo(dtype).eps) * np.abs(want) + 1e-13 * finite_mass  # per channel
        ok |= np.abs(got - want) <= tol
    assert ok.all(), (got[~ok], want[~ok])


def check_fused(op, x, b, axis, g, in_place):
    """The one-pass forward and gradient against two_passes: y, the mask and grad_x bitwise,
    the bias gradient to test_bias's standard; in place (into x and grad) or not."""
    _, f, fg, kw, _ = op
    y_want, m_want, gx_want, axes = two_passes(op, x, b, axis, g)
    xi = x.copy()
    y, m = f(xi, out=xi if in_place else None, mask=True, bias=b, axis=axis, **kw)
    assert (y is xi) == in_place
    assert_same(y, y_want, what="forward with a mask and a bias")
    assert np.array_equal(m, m_want), "the mask of x + bias"
    gi = g.copy()
    gx, gb = fg(gi, mask=m, out=gi if in_place else None, bias=b, axis=axis, **kw)
    assert (gx is gi) == in_place
    assert_same(gx, gx_want, what="gradient from the mask with a bias")
    assert gb.dtype == x.dtype and gb.shape == np.shape(b)
    check_bias_sum(gb, gx_want, axes, x.dtype)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("case", FUSED_CASES, ids=FUSED_IDS)
@pytest.mark.parametrize("in_place", [False, True], ids=["out", "in-place"])
def test_fused_bias_against_two_passes(isa, dtype, op, case, in_place, rng):
    _dispatch.select_isa(isa)
    shape, axis, length = case
    x, g = values(rng, shape, dtype), values(rng, shape, dtype)
    check_fused(op, x, bias_for(rng, length, dtype), axis, g, in_place)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("op", OPS, ids=OP_IDS)
@pytest.mark.parametrize("case", FUSED_BIG, ids=FUSED_BIG_IDS)
def test_fused_bias_threads(isa, dtype, op, case, rng):
    """1, 2 and 3 threads: bitwise the same y, mask and grad_x, the bias gradient to float64
    rounding (thread chunks on whole mask cache lines, or whole rows)."""
    _dispatch.select_isa(isa)
    shape, axis, length = case
    x, g = values(rng, shape, dtype), values(rng, shape, dtype)
    b = bias_for(rng, length, dtype)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            check_fused(op, x, b, axis, g, in_place=nt == 2)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_fused_bias_every_start_in_a_cache_line(isa, dtype, rng):
    """The forward's aligned-store head and its carried bits with a bias: y at every offset in
    a cache line, rows of channels from every phase (a row of 41 against the head's length)."""
    _dispatch.select_isa(isa)
    op = OPS[1]
    per_line = 64 // dtype.itemsize
    buf = np.empty(41 * 24 + 64, dtype)
    base = (-(buf.ctypes.data % 64) // dtype.itemsize) % per_line
    for k in range(per_line):
        for shape, length in (((24, 40), 40), ((3, 41 * 8), 41 * 8), ((300,), None)):
            n = int(np.prod(shape))
            x = values(rng, shape, dtype)
            b = bias_for(rng, length, dtype)
            y = buf[base + k:base + k + n].reshape(shape)
            y[...] = x
            y_want, m_want, _, _ = two_passes(op, x, b, -1, x)
            _, m = op[1](y, out=y, mask=True, bias=b, axis=-1, **op[3])
            assert_same(y, y_want, what=f"offset {k}, shape {shape}")
            assert np.array_equal(m, m_want), (k, shape)


def test_fused_bias_takes_the_kernels(monkeypatch, rng):
    """float32 / float64 in C order are done by the one-pass kernels (the checks above would
    pass on the two-pass path too); another layout, dtype or out dtype is not (the entry
    refuses what the call's first attempt hands it, and the two passes compute it)."""
    calls = []

    def wrap(table, fn):
        def spy(*args):
            status = fn(*args)
            calls.append((table, status == _dispatch.STATUS.DONE))
            return status
        return spy

    wrap_kernel_tables(monkeypatch, ("mask_bias_forward", "mask_bias_gradient"), wrap)
    x = rng.standard_normal((4, 16)).astype(F32)
    b = rng.standard_normal(16).astype(F32)
    y, m = relufast.relu(x, mask=True, bias=b)
    relufast.relu_grad(x, mask=m, bias=b)
    assert calls == [("mask_bias_forward", True), ("mask_bias_gradient", True)]
    calls.clear()
    relufast.relu(x.T, mask=True, bias=rng.standard_normal(4).astype(F32))
    relufast.relu(x.astype(F16), mask=True, bias=b)
    relufast.relu(x, mask=True, bias=b, out=np.empty(x.shape, F64))
    assert not any(done for _, done in calls)


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_fused_bias_entry_statuses(dtype):
    """The entry points check their operands in C: DONE, or nothing written and OVERLAP or
    REFUSED (a bias that does not tile the array, runs that are neither one element nor whole
    rows, overlaps, a read-only output, the wrong dtype of the sums)."""
    DONE, OVERLAP, REFUSED = (_dispatch.STATUS.DONE, _dispatch.STATUS.OVERLAP,
                              _dispatch.STATUS.REFUSED)
    relu = _dispatch.MASK.MASK_RELU
    for isa in ISAS:
        k = _dispatch.Kernels(isa)
        fwd, grad = k.mask_bias_forward[dtype], k.mask_bias_gradient[dtype]
        x = np.linspace(-3, 3, 24).astype(dtype)
        b = np.arange(4, dtype=dtype)

        def forward(xx, bb, rows, width, inner, y=None, m=None):
            y = np.full(x.size, 7, dtype) if y is None else y
            m = np.full(rows * ((width + 7) // 8), 7, np.uint8) if m is None else m
            y0, m0 = y.copy(), m.copy()
            r = fwd(relu, xx, bb, y, m, rows, width, inner, 0.0, 1)
            if r != DONE:
                assert np.array_equal(y, y0) and np.array_equal(m, m0), "written on refusal"
            return r

        assert forward(x, b, 6, 4, 1) == DONE               # rows of 4 channels
        assert forward(x, b[:2], 2, 12, 12) == DONE         # one bias per 12-element row
        assert forward(x, np.arange(5, dtype=dtype), 6, 4, 1) == REFUSED  # 5 do not tile 24
        assert forward(x, b[:2], 6, 4, 6) == REFUSED        # runs of 6 cut rows of 4
        assert forward(x, b, 6, 4, 1, m=np.zeros(5, np.uint8)) == REFUSED
        assert forward(x, b.astype(F16), 6, 4, 1) == REFUSED
        ro = np.zeros(24, dtype)
        ro.flags.writeable = False
        assert forward(x, b, 6, 4, 1, y=ro) == REFUSED
        buf = np.zeros(28, dtype)
        assert forward(x, buf[:4], 6, 4, 1, y=buf[4:]) == DONE          # bias beside y
        assert forward(x, buf[2:6], 6, 4, 1, y=buf[4:]) == OVERLAP     # bias over y
        assert forward(buf[:24], b, 6, 4, 1, y=buf[2:26]) == OVERLAP    # x half over y

        g = np.linspace(-1, 1, 24).astype(dtype)
        m = np.full(6, 0xFF, np.uint8)

        def gradient(gg, rows, width, inner, C=4, out=None, gb=None, mm=m):
            out = np.full(24, 7, dtype) if out is None else out
            gb = np.full(C, 7.0) if gb is None else gb
            o0, s0 = out.copy(), gb.copy()
            r = grad(gg, mm, out, gb, rows, width, inner, 0.0, True, 1)
            if r != DONE:
                assert np.array_equal(out, o0) and np.array_equal(gb, s0), "written on refusal"
            return r, gb

        r, gb = gradient(g, 6, 4, 1)
        assert r == DONE
        np.testing.assert_allclose(gb, g.reshape(6, 4).astype(F64).sum(axis=0), rtol=1e-12)
        assert gradient(g, 6, 4, 1, C=5)[0] == REFUSED
        assert gradient(g, 6, 4, 6, C=2)[0] == REFUSED
        assert gradient(g, 6, 4, 1, gb=np.zeros(4, F32))[0] == REFUSED
        assert gradient(g, 6, 4, 1, mm=np.zeros(5, np.uint8))[0] == REFUSED
        sums = np.zeros(24 + 4, F64)
        if dtype == F64:  # the sums beside out, then overlapping it
            assert gradient(g, 6, 4, 1, out=sums[4:], gb=sums[:4])[0] == DONE
            assert gradient(g, 6, 4, 1, out=sums[2:26], gb=sums[:4])[0] == OVERLAP
