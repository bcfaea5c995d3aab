"""A bias fused into the activation: ``f(x, bias=b, axis=k)`` and ``f_grad(grad, x, bias=b,
axis=k)`` against the unfused composition.

Bitwise: the forward is f(x + b) with x + b rounded in the compute dtype; the input gradient is
f_grad(grad, x + b) (or from the output); the bias gradient is that input gradient summed over
every axis but the bias's, in float64 (the order of the sum differs from NumPy's, so it is
compared within float64 rounding), rounded once into the result dtype.  Every ISA, every
function, the layouts the kernels take and the ones NumPy computes, threads, the refusals."""

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import F16, F32, F64, in_layout, mixed_values
from numerics import assert_same

pytestmark = [pytest.mark.usefixtures("default_isa"),
              pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]

ISAS = _dispatch.available_isas()
BF16 = _dispatch.BF16

# (id, forward, gradient, keyword arguments, from_output allowed)
FUNCS = [
    ("relu", relufast.relu, relufast.relu_grad, {}, True),
    ("leaky", relufast.leaky_relu, relufast.leaky_relu_grad, {"negative_slope": 0.1}, True),
    ("elu", relufast.elu, relufast.elu_grad, {"alpha": 1.5}, True),
    ("selu", relufast.selu, relufast.selu_grad, {}, True),
    ("celu", relufast.celu, relufast.celu_grad, {"alpha": 0.7}, True),
    ("relu6", relufast.relu6, relufast.relu6_grad, {}, True),
    ("gelu", relufast.gelu, relufast.gelu_grad, {}, False),
    ("gelu-tanh", relufast.gelu, relufast.gelu_grad, {"approximate": "tanh"}, False),
    ("silu", relufast.silu, relufast.silu_grad, {}, False),
    ("softplus", relufast.softplus, relufast.softplus_grad, {"beta": 0.7}, False),
    ("mish", relufast.mish, relufast.mish_grad, {}, False),
]
IDS = [f[0] for f in FUNCS]

# (shape, axis, bias length or None for a scalar)
CASES = [((64, 100), 1, 100), ((4, 8, 5, 5), 1, 8), ((3, 7), 0, 3), ((10,), 0, 10),
         ((6, 5, 40), -1, 40), ((6, 5, 40), 2, 40), ((2, 3, 4), 1, None), ((), 0, None),
         ((5, 0), 1, 0), ((0, 5), 1, 5)]
CASE_IDS = ["dense", "nchw", "axis0", "1d", "last", "last-positive", "scalar", "0d", "empty",
            "empty-rows"]


def values(rng, shape, dtype):
    n = int(np.prod(shape))
    if dtype == BF16:
        return mixed_values(rng, n, F32).astype(BF16).reshape(shape)
    v = mixed_values(rng, n, dtype).reshape(shape)
    return v


def bias_values(rng, length, dtype):
    if length is None:
        return dtype.type(rng.standard_normal()) if dtype != BF16 else np.float32(0.75)
    return (rng.standard_normal(length) * 2).astype(dtype)


def shaped(b, axis, ndim):
    if np.ndim(b) == 0:
        return b
    return np.asarray(b).reshape((-1,) + (1,) * (ndim - axis % ndim - 1))


def compute_of(*dts):
    return F64 if F64 in dts else F32


def reference(func, x, b, axis, g):
    """(f(x + b), f_grad(g, x + b), the bias gradient in float64), unfused, computed in the
    compute dtype and rounded into the result's."""
    _, f, fg, kw, _ = func
    c = compute_of(x.dtype, g.dtype)
    z = x.astype(c) + shaped(np.asarray(b, dtype=c) if np.ndim(b) else c.type(b), axis, x.ndim)
    y = f(z, **kw).astype(x.dtype)
    gx = fg(g.astype(c), z, **kw)
    axes = tuple(i for i in range(x.ndim) if np.ndim(b) == 0 or i != axis % x.ndim)
    gb = gx.astype(F64).sum(axis=axes) if x.ndim else gx.astype(F64)
    r = g.dtype if g.dtype == x.dtype else c
    return y, gx.astype(r), gb


def check_bias_grad(got, want64, gx, dtype):
    """The bias gradient against a float64 sum rounded into ``dtype``: the same infinities and
    NaNs, and elsewhere within float64 rounding of the terms' magnitude, plus the rounding into
    the dtype (the kernels sum in another order than NumPy)."""
    got = np.asarray(got, F64)
    with np.errstate(over="ignore"):
        want = np.asarray(want64, F64).reshape(got.shape).astype(dtype).astype(F64)
    special = ~np.isfinite(want)
    assert_same(got[special], want[special], what="bias gradient: inf and NaN")
    scale = np.abs(np.asarray(gx, F64))
    total = np.nansum(np.where(np.isfinite(scale), scale, 0))
    eps = 2.0**-7 if dtype == BF16 else float(np.finfo(dtype).eps)
    tol = eps * np.abs(want) + 1e-13 * total
    assert np.all(np.abs(got - want)[~special] <= tol[~special]), (got, want)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("func", FUNCS, ids=IDS)
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_against_composition(isa, dtype, func, case, rng):
    _dispatch.select_isa(isa)
    shape, axis, length = case
    name, f, fg, kw, from_out = func
    x = values(rng, shape, dtype)
    g = values(rng, shape, dtype)
    b = bias_values(rng, length, dtype)
    y_want, gx_want, gb_want = reference(func, x, b, axis, g)
    y = f(x, bias=b, axis=axis, **kw)
    assert_same(y, y_want, what="forward")
    gx, gb = fg(g, x, bias=b, axis=axis, **kw)
    assert_same(gx, gx_want, what="input gradient")
    assert gb.dtype == dtype and gb.shape == np.shape(b)
    check_bias_grad(gb, gb_want, gx_want, dtype)
    if from_out:
        gy, gby = fg(g, y, bias=b, axis=axis, from_output=True, **kw)
        assert_same(gy, fg(g, y, from_output=True, **kw), what="from the output")
        axes = tuple(i for i in range(x.ndim) if np.ndim(b) == 0 or i != axis % x.ndim)
        check_bias_grad(gby, gy.astype(F64).sum(axis=axes) if x.ndim else gy, gy, dtype)


@pytest.mark.parametrize("dtype", [F16, F32, F64] + ([BF16] if BF16 is not None else []),
                         ids=lambda d: d.name)
@pytest.mark.parametrize("func", FUNCS, ids=IDS)
@pytest.mark.parametrize("layout", ["C", "F", "step", "negative", "offset"])
def test_dtypes_and_layouts(dtype, func, layout, rng):
    """float16 and bfloat16 (through NumPy, computed in float32) and layouts other than C."""
    name, f, fg, kw, _ = func
    xv, gv = values(rng, (6, 10, 3), dtype), values(rng, (6, 10, 3), dtype)
    b = bias_values(rng, 10, dtype)
    x, g = in_layout(xv, layout), in_layout(gv, layout)
    y_want, gx_want, gb_want = reference(func, xv, b, 1, gv)
    assert_same(f(x, bias=b, axis=1, **kw), y_want)
    gx, gb = fg(g, x, bias=b, axis=1, **kw)
    assert_same(gx, gx_want)
    check_bias_grad(gb, gb_want, gx_want, dtype)


@pytest.mark.parametrize("func", FUNCS, ids=IDS)
def test_in_place(func, rng):
    name, f, fg, kw, _ = func
    xv, gv = values(rng, (16, 33), F32), values(rng, (16, 33), F32)
    b = bias_values(rng, 33, F32)
    y_want, gx_want, gb_want = reference(func, xv, b, 1, gv)
    x = xv.copy()
    assert f(x, out=x, bias=b, axis=1, **kw) is x
    assert_same(x, y_want)
    g = gv.copy()
    gx, gb = fg(g, xv, out=g, bias=b, axis=1, **kw)
    assert gx is g
    assert_same(g, gx_want)
    x = xv.copy()
    gx, gb = fg(gv, x, out=x, bias=b, axis=1, **kw)
    assert gx is x
    assert_same(x, gx_want)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("func", FUNCS, ids=IDS)
@pytest.mark.parametrize("shape, axis", [((300, 1000), 1), ((64, 32, 40), 1),
                                          ((100_003,), 0), ((13, 37), 1), ((1001, 37), 1), ((9, 2500), 1),
                                          ((7, 3, 4099), 2)],
                         ids=["dense", "nchw", "flat", "odd-rows", "odd-threaded", "wide", "wide-last"])
def test_threads(isa, func, shape, axis, rng):
    """Every thread count gives the input gradient bit for bit, the bias gradient to float64
    rounding.  The shapes cut rows between threads and leave groups of 8, 4, 2 and 1 rows and
    rows wider than the kernels' column groups (2,048)."""
    _dispatch.select_isa(isa)
    name, f, fg, kw, _ = func
    x, g = values(rng, shape, F32), values(rng, shape, F32)
    b = bias_values(rng, shape[axis], F32)
    y_want, gx_want, gb_want = reference(func, x, b, axis, g)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            assert_same(f(x, bias=b, axis=axis, **kw), y_want)
            gx, gb = fg(g, x, bias=b, axis=axis, **kw)
            assert_same(gx, gx_want)
            check_bias_grad(gb, gb_want, gx_want, F32)


@pytest.mark.parametrize("dtype", [F16, F32, F64] + ([BF16] if BF16 is not None else []),
                         ids=lambda d: d.name)
@pytest.mark.parametrize("shape, axis, scalar_bias, scalar_weight",
                         [((4, 6, 3), 1, False, False), ((5, 7), -1, False, False),
                          ((5, 7), 1, True, False), ((3, 8), 1, False, True), ((0, 4), 1, False, False)],
                         ids=["nchw", "last", "scalar-bias", "scalar-weight", "empty"])
def test_prelu_with_bias(dtype, shape, axis, scalar_bias, scalar_weight, rng):
    """prelu(x + bias) and its three gradients: the composition, computed in the same dtype."""
    x, g = values(rng, shape, dtype), values(rng, shape, dtype)
    n = shape[axis]
    w = 0.25 if scalar_weight else np.linspace(-0.5, 1.5, n).astype(dtype)
    b = bias_values(rng, None if scalar_bias else n, dtype)
    compute = F64 if dtype == F64 else F32
    z = x.astype(compute) + shaped(np.asarray(b, compute), axis, x.ndim)
    y = relufast.prelu(x, w, axis, bias=b)
    want = relufast.prelu(z, w, axis, out=np.empty(shape, y.dtype))
    assert_same(y, want)
    gx, gw, gb = relufast.prelu_grad(g, x, w, axis, bias=b)
    gx_want, gw_want = relufast.prelu_grad(g.astype(compute), z, w, axis)
    assert_same(gx, gx_want.astype(gx.dtype))
    assert gw.dtype == gx.dtype and gb.dtype == gx.dtype and gb.shape == np.shape(b)
    np.testing.assert_allclose(np.asarray(gw, F64), np.asarray(gw_want.astype(gw.dtype), F64),
                               rtol=1e-2 if dtype in (F16, BF16) else 1e-6)
    axes = tuple(i for i in range(x.ndim) if scalar_bias or i != axis % x.ndim)
    check_bias_grad(gb, np.asarray(gx_want, F64).sum(axis=axes), gx_want, gb.dtype)


def test_prelu_with_bias_in_place_and_refusals(rng):
    x0 = rng.standard_normal((6, 5)).astype(F32)
    g0 = rng.standard_normal((6, 5)).astype(F32)
    w, b = np.full(5, 0.1, F32), rng.standard_normal(5).astype(F32)
    want = relufast.prelu(x0 + b, w)
    x = x0.copy()
    assert relufast.prelu(x, w, out=x, bias=b) is x
    assert_same(x, want)
    g = g0.copy()
    gx, gw, gb = relufast.prelu_grad(g, x0, w, out=g, bias=b)
    assert gx is g
    x = x0.copy()
    out = np.zeros_like(x)
    with pytest.raises(ValueError, match="prelu: bias has length 4"):
        relufast.prelu(x, w, out=out, bias=np.ones(4, F32))
    with pytest.raises(ValueError, match="prelu: bias must be finite"):
        relufast.prelu(x, w, out=x, bias=np.full(5, np.inf, F32))
    with pytest.raises(ValueError, match="prelu: weight"):
        relufast.prelu(x, np.full(5, np.nan, F32), out=x, bias=b)
    with pytest.raises(ValueError, match="prelu: out has shape"):
        relufast.prelu(x, w, out=np.zeros((6, 4), F32), bias=b)
    with pytest.raises(ValueError, match="prelu_grad: grad has shape"):
        relufast.prelu_grad(g0[:, :4], x, w, out=out, bias=b)
    with pytest.raises(ValueError, match="prelu_grad: bias has length 6"):
        relufast.prelu_grad(g0, x, w, out=out, bias=np.ones(6, F32))
    with pytest.raises(ValueError, match="prelu_grad: from_output"):
        relufast.prelu_grad(g0, x, w, out=out, bias=b, from_output=True)
    assert np.array_equal(x, x0) and (out == 0).all()


def test_no_bias_is_unchanged(rng):
    x = rng.standard_normal((4, 5))
    assert_same(relufast.gelu(x, bias=None), relufast.gelu(x))
    assert isinstance(relufast.relu_grad(x, x, bias=None), np.ndarray)


@pytest.mark.parametrize("func", FUNCS, ids=IDS)
def test_refusals(func, rng):
    name, f, fg, kw, _ = func
    fn, gn = f.__name__, fg.__name__
    x = rng.standard_normal((4, 6)).astype(F32)
    g = rng.standard_normal((4, 6)).astype(F32)
    out = np.zeros_like(x)
    bad = [
        (ValueError, "bias has length 5, expected 6", dict(bias=np.ones(5, F32))),
        (ValueError, "bias must be a scalar or 1-D", dict(bias=np.ones((1, 6), F32))),
        (ValueError, "bias must be finite", dict(bias=np.array([0, 1, np.nan, 0, 0, 0], F32))),
        (ValueError, "bias must be finite", dict(bias=float("inf"))),
        # (a bias of x's dtype goes to the kernel first, whose entry refuses it: every position)
        (ValueError, "bias must be finite", dict(bias=np.array([-np.inf, 0, 0, 0, 0, 0], F32))),
        (ValueError, "bias must be finite", dict(bias=np.array([0, 0, 0, 0, 0, np.inf], F32))),
        (TypeError, "bias has dtype int64", dict(bias=np.ones(6, np.int64))),
        (TypeError, "bias must be a real number", dict(bias=True)),
        (ValueError, "axis 2 is out of range", dict(bias=np.ones(6, F32), axis=2)),
        (TypeError, "axis must be an int", dict(bias=np.ones(6, F32), axis=1.0)),
    ]
    for exc, msg, kws in bad:
        kws.setdefault("axis", 1)
        with pytest.raises(exc, match=f"{fn}: {msg}"):
            f(x, out=out, **kws, **kw)
        with pytest.raises(exc, match=f"{gn}: {msg}"):
            fg(g, x, out=out, **kws, **kw)
    with pytest.raises(ValueError, match=f"{gn}: grad has shape"):
        fg(g[:, :5], x, bias=np.ones(6, F32), out=out, **kw)
    assert (out == 0).all()


@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_bias_inside_out(dtype, rng):
    """A bias that is a row of out (the kernel's entry refuses the overlap; the checked path
    copies the bias first), and an out that is x's memory through another view: the values of
    the composition, forward and gradient."""
    x = rng.standard_normal((5, 6)).astype(dtype)
    g = rng.standard_normal((5, 6)).astype(dtype)
    b0 = rng.standard_normal(6).astype(dtype)
    for f, fg in ((relufast.relu, relufast.relu_grad), (relufast.gelu, relufast.gelu_grad)):
        want = f(x + b0)
        out = np.empty((5, 6), dtype)
        out[4] = b0
        assert_same(f(x, out=out, bias=out[4]), want, what=f"{f.__name__} bias in out")
        gx, gb = fg(g, x, bias=b0)
        out[4] = b0
        r = fg(g, x, out=out, bias=out[4])
        assert_same(r[0], gx, what=f"{fg.__name__} bias in out")
        assert_same(r[1], gb, what=f"{fg.__name__} bias gradient, bias in out")
        xc = x.copy()
        assert_same(f(xc, out=xc.reshape(-1).reshape(5, 6), bias=b0), want,
                    what=f"{f.__name__} out a view of x")


@pytest.mark.parametrize("dtype", [F16, F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "gelu", "softplus", "mish", "prelu"])
def test_zero_dimensional_x(name, dtype):
    """A 0-d x with a scalar bias gives a 0-d array of x's dtype, forward and gradient (float16
    goes through a float32 temporary, which NumPy's add gives as a scalar for 0-d operands)."""
    f, fg = getattr(relufast, name), getattr(relufast, name + "_grad")
    w = (0.25,) if name == "prelu" else ()
    for v in (-1.0, 0.75):
        x, g = np.array(v, dtype), np.array(2.0, dtype)
        y = f(x, *w, bias=0.5)
        assert type(y) is np.ndarray and y.shape == () and y.dtype == dtype
        assert_same(y, f(np.array(v + 0.5, dtype), *w), what=f"{name} 0-d with a bias")
        r = fg(g, x, *w, bias=0.5)
        assert all(type(t) is np.ndarray and t.shape == () for t in r)
        assert_same(r[0], fg(g, np.array(v + 0.5, dtype), *w)[0] if name == "prelu"
                    else fg(g, np.array(v + 0.5, dtype)), what=f"{name}_grad 0-d")
