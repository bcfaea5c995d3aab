"""Gradients: every ``<name>_grad`` against its float64 twin (and mpmath), by finite
differences, from the output, the zero-derivative select, and prelu's weight gradient.

``grad_x = grad * f'(x)`` with, where ``f'(x) == 0``, exactly +0.0 whatever grad holds; NaN in
x gives NaN.  ``from_output=True`` takes y = f(x) instead of x where y determines f'(x).
"""

import math

import numpy as np
import pytest

import relufast

import reference as ref
from cases import (
    DTYPES,
    ELEMENTWISE,
    F16,
    F32,
    F64,
    FROM_OUTPUT,
    NO_FROM_OUTPUT,
    SCALES,
    SPECIAL_GROUPS,
    TRANSCENDENTAL,
    float64_sample,
    fn_params,
    in_layout,
    mixed_values,
    random_values,
    shape_id,
    special_values,
    sweep,
)
from numerics import (
    TRANSCENDENTAL_ULP_TOL,
    assert_gradient_ulp,
    assert_same,
    derivative_floor,
    exact_values,
)

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")


def check_gradient(fn, g, x, got, from_output=False):
    """relufast's gradient ``got`` for (g, x) of float32 or float64 against the oracle."""
    dtype = x.dtype
    assert got.dtype == dtype and got.shape == x.shape
    g64, x64 = g.astype(F64), x.astype(F64)
    if fn.exact:
        with np.errstate(over="ignore"):
            want = fn.ref_gradient(g64, x64, dtype, from_output).astype(dtype)
        assert_same(got, want, what=fn.grad_name)
    elif dtype == F32 or from_output:
        # from the output, f'(x) is rational in y (y + scale*alpha, y/alpha + 1): the twin
        # computes it in float64 as the kernel does, so it is exact enough for float64 too
        d = fn.ref_gradient(np.ones_like(x64), x64, dtype, from_output)
        floor = fn.from_output_floor(dtype) if from_output else derivative_floor(fn, x64)
        assert_gradient_ulp(got, g64, d, dtype, TRANSCENDENTAL_ULP_TOL[dtype], floor=floor,
                            x=x, what=fn.grad_name)
    else:
        hi, lo = exact_values(fn, x64, derivative=True)
        assert_gradient_ulp(got, g64, hi, F64, TRANSCENDENTAL_ULP_TOL[F64], d_lo=lo,
                            floor=derivative_floor(fn, x64), x=x, what=fn.grad_name)


def float32_twin(fn, g16, x16, **kw):
    """The float32 computation of the gradient, rounded once to float16 (prelu: float16 weight)."""
    g32, x32 = g16.astype(F32), x16.astype(F32)
    if fn.name == "prelu":
        w = np.float32(np.float16(fn.kw["weight"]))
        return relufast.prelu_grad(g32, x32, w, **kw)[0].astype(F16)
    return fn.gradient(g32, x32, **kw).astype(F16)


# ---------------------------------------------------------------------------------------------
# against the twin and mpmath


def _random_cases():
    for fn in ELEMENTWISE:
        for dtype in (F32, F64) if fn.exact else (F32,):
            for scale in SCALES:
                # x ~ N(0, 100) reaches the range where exp(x / alpha) overflows (alpha < 0)
                # but grad * exp(x / alpha) does not
                yield pytest.param(fn, dtype, scale, id=f"{fn.id}-{dtype.name}-{scale:g}")


@pytest.mark.parametrize("fn, dtype, scale", list(_random_cases()))
def test_random(fn, dtype, scale, rng):
    x = random_values(rng, 5000, dtype, scale)
    g = random_values(rng, 5000, dtype, 3.0)
    check_gradient(fn, g, x, fn.gradient(g, x))


@pytest.mark.parametrize("fn", fn_params(TRANSCENDENTAL))
def test_float64_accuracy(fn, rng):
    x = float64_sample(rng)
    g = random_values(rng, x.size, F64, 3.0)
    check_gradient(fn, g, x, fn.gradient(g, x))


def _special_marks(fn, dtype, group):
    return []


@pytest.mark.parametrize(
    "fn, dtype, group",
    [pytest.param(fn, dt, group, id=f"{fn.id}-{dt.name}-{group}",
                  marks=_special_marks(fn, dt, group))
     for fn in ELEMENTWISE for dt in (F32, F64) for group in SPECIAL_GROUPS],
)
def test_special_values(fn, dtype, group):
    x = special_values(dtype)[group].astype(dtype)
    g = np.resize(np.array([1.0, -2.5, 0.75], dtype), x.shape)
    check_gradient(fn, g, x, fn.gradient(g, x))


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_special_grad_values(fn, dtype, rng):
    # non-finite, signed-zero and extreme grads, against ordinary and kink x
    info = np.finfo(dtype)
    gs = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, info.max, -info.max,
                   info.smallest_subnormal], dtype)
    xs = np.concatenate([random_values(rng, 6, dtype, 2.0), np.array([0.0, 6.0, -1.0], dtype)])
    g, x = (a.ravel() for a in np.meshgrid(gs, xs))
    check_gradient(fn, g, x, fn.gradient(g, x))


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_float16_is_float32_rounded_once(fn, rng):
    x = mixed_values(rng, 4000, F16)
    g = mixed_values(rng, 4000, F16)
    assert_same(fn.gradient(g, x), float32_twin(fn, g, x), what=fn.grad_name)
    if fn.from_output:
        y = fn.forward(x)
        assert_same(fn.gradient(g, y, from_output=True),
                    float32_twin(fn, g, y, from_output=True), what=fn.grad_name)


def _sweep_marks(fn, dtype):
    return []


@pytest.mark.parametrize(
    "fn, dtype",
    [pytest.param(fn, dt, id=f"{fn.id}-{dt.name}", marks=_sweep_marks(fn, dt))
     for fn in ELEMENTWISE for dt in DTYPES],
)
def test_no_spurious_overflow_or_nan(fn, dtype):
    x = sweep(dtype)
    g = np.ones_like(x)
    got = fn.gradient(g, x)
    with np.errstate(over="ignore"):
        want = fn.ref_gradient(g.astype(F64), x.astype(F64), dtype).astype(dtype)
    assert not np.isnan(got).any(), f"NaN at x={x[np.isnan(got)][:5]}"
    bad = np.isfinite(got) != np.isfinite(want)
    assert not bad.any(), f"x={x[bad][:5]}: got {got[bad][:5]}, want {want[bad][:5]}"


# found by tests/test_properties.py (elu_grad, float16 computed in float32, alpha=-5, x=-100):
# elu'(x) = alpha * exp(x) is computed as exp(x) first, which underflows to a subnormal (float32:
# x < -87.3; float64: x < -708.4) and loses its significant bits before alpha scales it back up.
# With a large alpha the gradient is then far off although it is a normal number: float32
# elu_grad(1, -100, alpha=1e30) is 3.7835e-14 (1.7% high), float64 elu_grad(1, -1000,
# alpha=1e300) is 0 instead of 5.08e-135.  Fixed: the product is one scaled exp
# (rf_exp_mul_neg_f/_d in _vecmath.h; the _big forms for |alpha| > 2**64).
@pytest.mark.parametrize("dtype, x, alpha", [
    (np.float32, -100.0, 1e30), (np.float32, -100.0, -5.0), (np.float32, -99.35696, 40.0),
    (np.float32, -150.0, 3e38), (np.float32, -190.0, -3.4e38), (np.float32, -0.5, 3.4e38),
    (np.float32, -100.0, 1e10), (np.float32, -87.5, 1.7580993),
    (np.float64, -1000.0, 1e300), (np.float64, -740.0, 1e300), (np.float64, -0.3, 1.7e308),
    (np.float64, -1400.0, -1.7e308), (np.float64, -750.0, 1e15)], ids=str)
def test_elu_grad_large_alpha_where_exp_underflows(dtype, x, alpha):
    mpmath = pytest.importorskip("mpmath")
    a = float(dtype(alpha))  # the parameter is rounded to the dtype first
    with mpmath.workdps(40):
        want = float(mpmath.mpf(a) * mpmath.exp(mpmath.mpf(float(dtype(x)))))
    got = float(relufast.elu_grad(np.ones(1, dtype), np.array([x], dtype), alpha=alpha)[0])
    ulp = float(np.spacing(np.abs(dtype(want))))
    assert abs(got - want) <= 2 * ulp, (got, want)


# ---------------------------------------------------------------------------------------------
# finite differences


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_finite_differences(fn, rng):
    # central differences in float64, away from the kinks (0, and 6 for relu6)
    x = rng.uniform(-8, 8, 2000)
    x = x[(np.abs(x) > 0.05) & (np.abs(x - 6) > 0.05)]
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    xp, xm = x + h, x - h
    fd = (fn.forward(xp) - fn.forward(xm)) / (xp - xm)
    np.testing.assert_allclose(fn.gradient(np.ones_like(x), x), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_chain_rule_is_elementwise_product(fn, rng):
    # grad_x = grad * f'(x): linear in grad (exactly so for power-of-two factors)
    x = random_values(rng, 1000, F64, 3.0)
    g = random_values(rng, 1000, F64, 1.0)
    one = fn.gradient(np.ones_like(x), x)
    assert_same(fn.gradient(4 * g, x), 4 * fn.gradient(g, x))
    np.testing.assert_allclose(fn.gradient(g, x), g * one, rtol=1e-15, atol=0)


# ---------------------------------------------------------------------------------------------
# the kinks, and the zero-derivative select


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_derivative_at_the_kinks(dtype):
    one = np.ones(1, dtype)
    zero = np.zeros(1, dtype)
    six = np.full(1, 6, dtype)
    assert relufast.relu_grad(one, zero)[0] == 0  # relu'(0) = 0
    assert relufast.leaky_relu_grad(one, zero, 0.25)[0] == dtype.type(0.25)
    assert relufast.prelu_grad(one, zero, 0.25)[0][0] == dtype.type(0.25)
    assert relufast.elu_grad(one, zero, alpha=0.5)[0] == dtype.type(0.5)  # the x <= 0 branch
    assert relufast.selu_grad(one, zero)[0] == dtype.type(ref.SELU_SCALE * ref.SELU_ALPHA)
    assert relufast.celu_grad(one, zero, alpha=3.0)[0] == 1  # exp(0 / alpha)
    assert relufast.relu6_grad(one, zero)[0] == 0
    assert relufast.relu6_grad(one, six)[0] == 0
    assert relufast.gelu_grad(one, zero)[0] == 0.5
    assert relufast.gelu_grad(one, zero, "tanh")[0] == 0.5
    assert relufast.silu_grad(one, zero)[0] == 0.5


inf, nan = math.inf, math.nan
# (call, grad, x): f'(x) is 0 there, so grad_x is exactly +0.0 whatever grad holds
ZERO_DERIVATIVE = [
    ("relu_grad", nan, -1.0, {}),
    ("relu_grad", inf, -1.0, {}),
    ("relu_grad", -inf, 0.0, {}),
    ("relu_grad", -1.0, -3.0, {}),  # +0.0, not -1 * 0 = -0.0
    ("relu_grad", nan, -inf, {}),
    ("relu6_grad", inf, 6.0, {}),
    ("relu6_grad", nan, 7.0, {}),
    ("relu6_grad", -2.0, inf, {}),
    ("relu6_grad", nan, -0.0, {}),
    ("leaky_relu_grad", nan, -1.0, {"negative_slope": 0.0}),
    ("leaky_relu_grad", -inf, -inf, {"negative_slope": 0.0}),
    ("prelu_grad", nan, -1.0, {"weight": 0.0}),
    ("elu_grad", nan, -1.0, {"alpha": 0.0}),
    ("elu_grad", inf, -inf, {}),
    ("elu_grad", nan, -1000.0, {}),  # exp(-1000) == 0 in every dtype
    ("selu_grad", nan, -inf, {}),
    ("celu_grad", inf, -inf, {"alpha": 2.0}),
    ("celu_grad", -inf, -1e4, {"alpha": 0.5}),
    ("gelu_grad", nan, -40.0, {}),
    ("gelu_grad", inf, -1000.0, {"approximate": "tanh"}),
    ("gelu_grad", nan, -inf, {}),
    ("gelu_grad", nan, -inf, {"approximate": "tanh"}),
    ("silu_grad", inf, -1000.0, {}),
    ("silu_grad", nan, -inf, {}),
]
_ZERO_DERIVATIVE_BUGS = {}


def _zero_cases():
    for name, g, x, kw in ZERO_DERIVATIVE:
        key = (name, x, tuple(kw.items()))
        mark = _ZERO_DERIVATIVE_BUGS.get(key)
        for dtype in DTYPES:
            yield pytest.param(name, g, x, kw, dtype,
                               id=f"{name}({g},{x},{kw or ''})-{dtype.name}",
                               marks=[mark] if mark else [])


@pytest.mark.parametrize("name, g, x, kw, dtype", list(_zero_cases()))
def test_zero_derivative_gives_exactly_zero(name, g, x, kw, dtype):
    gg = np.array([g, g], dtype)
    xx = np.array([x, x], dtype)
    got = getattr(relufast, name)(gg, xx, **kw)
    got = got[0] if name == "prelu_grad" else got
    assert_same(got, np.zeros(2, dtype), what=name)  # +0.0: the sign bit is clear too


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_nan_in_x_gives_nan_whatever_grad(dtype):
    g = np.array([0.0, -0.0, 1.0, -inf, inf, nan], dtype)
    x = np.full(g.shape, nan, dtype)
    for fn in ELEMENTWISE:
        assert np.isnan(fn.gradient(g, x)).all(), fn.grad_name
        if fn.from_output:
            assert np.isnan(fn.gradient(g, x, from_output=True)).all(), fn.grad_name


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_nonzero_derivative_propagates_grad_specials(dtype):
    # where f'(x) != 0 it is a multiply: NaN and inf in grad come through
    g = np.array([nan, inf, -inf], dtype)
    for fn in ELEMENTWISE:
        # 2 is on a sloped part of every function but hardtanh with its bounds below 2
        inside = (fn.kw["min_val"] + fn.kw["max_val"]) / 4 if fn.name == "hardtanh" else 2.0
        x = np.full(3, inside, dtype)
        got = fn.gradient(g, x)
        assert np.isnan(got[0]) and got[1] == inf and got[2] == -inf, fn.grad_name


# found by tests/test_properties.py (thorough profile): celu_grad(0.0, -1.0, alpha=-6.9e-291)
# in float64.  The derivative exp(x / alpha) = exp(1.4e290) is finite but beyond float64, so a
# zero grad times it is exactly 0; relufast's scaled exp gives 0, the float64 twin gave
# 0 * inf = NaN (a spurious NaN in the reference, fixed there).  At x = -inf the derivative's
# limit is inf itself and 0 * inf stays NaN in both.
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=str)
def test_celu_grad_zero_grad_where_the_derivative_overflows(dtype):
    alpha = -6.906853825088651e-291 if dtype == np.float64 else -1e-30
    g = np.array([0.0, -0.0, 1.0, 0.0], dtype)
    x = np.array([-1.0, -1.0, -1.0, -np.inf], dtype)
    got = relufast.celu_grad(g, x, alpha=alpha)
    want = np.array([0.0, -0.0, np.inf, np.nan], dtype)
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[1]) and not np.signbit(got[0])
    np.testing.assert_array_equal(ref.celu_grad(g, x, alpha, precision=dtype).astype(dtype), want)


# ---------------------------------------------------------------------------------------------
# from_output


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("fn", fn_params(FROM_OUTPUT))
def test_from_output_matches_the_x_form(fn, dtype, rng):
    x = mixed_values(rng, 3000, dtype)
    g = random_values(rng, 3000, dtype, 2.0)
    y = fn.forward(x)
    got_y = fn.gradient(g, y, from_output=True)
    got_x = fn.gradient(g, x)
    if fn.exact:
        assert_same(got_y, got_x, what=fn.grad_name)  # y determines f'(x) exactly
        return
    # elu/selu: f'(x) = y + scale*alpha; celu: y / alpha + 1, exact in y, but y is rounded:
    # the two forms differ by a few ulp of the derivative's largest value (scale*alpha or 1)
    assert np.array_equal(np.isnan(got_y), np.isnan(got_x))
    both = np.isfinite(got_x) & np.isfinite(got_y)
    assert np.array_equal(got_y[~both & ~np.isnan(got_x)], got_x[~both & ~np.isnan(got_x)])
    dmax = {"elu": abs(fn.kw.get("alpha", 1.0)), "celu": 1.0,
            "selu": ref.SELU_SCALE * ref.SELU_ALPHA}[fn.name]
    eps = float(np.finfo(dtype).eps)
    diff = np.abs(got_y[both].astype(F64) - got_x[both].astype(F64))
    tol = 4 * eps * max(dmax, 1.0) * np.abs(g[both].astype(F64)) + np.spacing(
        np.abs(got_x[both])).astype(F64) * 2
    assert np.all(diff <= tol), (x[both][diff > tol][:5], diff[diff > tol][:5])


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("fn", fn_params([fn for fn in FROM_OUTPUT if not fn.exact]))
def test_from_output_against_twin(fn, dtype, rng):
    x = mixed_values(rng, 3000, dtype)
    g = random_values(rng, 3000, dtype, 2.0)
    y = fn.forward(x)
    check_gradient(fn, g, y, fn.gradient(g, y, from_output=True), from_output=True)


@pytest.mark.parametrize("fn", fn_params(NO_FROM_OUTPUT))
def test_from_output_refused(fn):
    g = np.ones(3)
    x = np.array([-1.0, 0.0, 1.0])
    out = np.full(3, 7.0)
    with pytest.raises(ValueError, match="from_output"):
        fn.gradient(g, x, from_output=True, out=out)
    assert_same(out, np.full(3, 7.0))


def test_from_output_allowed_for_zero_parameters():
    g, y = np.ones(3), np.array([-0.0, 0.0, 2.0])
    assert_same(relufast.leaky_relu_grad(g, y, 0.0, from_output=True), np.array([0, 0, 1.0]))
    assert_same(relufast.elu_grad(g, y, alpha=0.0, from_output=True), np.array([0, 0, 1.0]))


# ---------------------------------------------------------------------------------------------
# prelu_grad: (grad_x, grad_weight)

PRELU_SHAPES = [((7,), 0), ((7,), -1), ((3, 5), 1), ((3, 5), 0), ((3, 5), -1), ((2, 3, 4), 1),
                ((2, 3, 4), 2), ((2, 3, 4), -3), ((2, 3, 2, 5), 2), ((1, 4, 1, 3, 2), 1),
                ((2, 3, 0), 1), ((0, 3), 1), ((5, 1), 1)]


def _prelu_weight_check(gw, g, x, w, axis, dtype):
    """grad_weight against the exactly summed twin: within one ulp of dtype, plus the float64
    accumulation's error bound."""
    want_x, want_w = ref.prelu_grad(g.astype(F64), x.astype(F64), w.astype(F64), axis)
    assert gw.dtype == dtype and gw.shape == np.shape(w)
    terms = np.abs(np.where(x > 0, 0.0, g.astype(F64) * x.astype(F64)))
    if np.ndim(w):
        mass = np.moveaxis(terms, axis, 0).reshape(np.shape(w)[0], -1).sum(axis=1)
    else:
        mass = terms.sum()
    err = np.abs(gw.astype(F64) - want_w)
    tol = np.spacing(np.abs(want_w).astype(dtype)).astype(F64) + 2.0**-40 * mass
    assert np.all(err <= tol), (gw, want_w)
    return want_x


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape, axis", PRELU_SHAPES, ids=lambda v: str(v))
def test_prelu_grad_against_twin(shape, axis, dtype, rng):
    x = random_values(rng, math.prod(shape), dtype, 2.0).reshape(shape)
    g = random_values(rng, math.prod(shape), dtype, 1.0).reshape(shape)
    w = random_values(rng, shape[axis], dtype, 0.5)
    gx, gw = relufast.prelu_grad(g, x, w, axis=axis)
    want_x = _prelu_weight_check(gw, g, x, w, axis, dtype)
    assert_same(gx, want_x.astype(dtype))
    assert_same(relufast.prelu(x, w, axis=axis),
                ref.prelu(x.astype(F64), w.astype(F64), axis).astype(dtype))


@pytest.mark.parametrize("layout", ["F", "permuted", "step", "negative", "unaligned"])
def test_prelu_grad_any_layout(layout, rng):
    shape, axis = (3, 4, 5), 1
    x = random_values(rng, 60, F32, 2.0).reshape(shape)
    g = random_values(rng, 60, F32, 1.0).reshape(shape)
    w = random_values(rng, 4, F32, 0.5)
    want_x, want_w = relufast.prelu_grad(g, x, w, axis=axis)
    gx, gw = relufast.prelu_grad(in_layout(g, layout), in_layout(x, layout), w, axis=axis)
    assert_same(gx, want_x)
    assert_same(relufast.prelu(in_layout(x, layout), w, axis=axis), relufast.prelu(x, w, axis))
    np.testing.assert_allclose(gw, want_w, rtol=1e-6)
    _prelu_weight_check(gw, g, x, w, axis, F32)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_prelu_grad_scalar_weight_gives_0d_grad_weight(dtype, rng):
    x = random_values(rng, 24, dtype, 2.0).reshape(2, 3, 4)
    g = random_values(rng, 24, dtype, 1.0).reshape(2, 3, 4)
    for w in (0.25, dtype.type(0.25), np.array(0.25, dtype)):
        gx, gw = relufast.prelu_grad(g, x, w)
        assert gw.shape == () and gw.dtype == dtype and isinstance(gw, np.ndarray)
        _prelu_weight_check(gw, g, x, np.float64(0.25), None, dtype)


def test_prelu_grad_list_weight_is_converted(rng):
    x = random_values(rng, 6, F32, 2.0).reshape(2, 3)
    g = np.ones((2, 3), F32)
    gx, gw = relufast.prelu_grad(g, x, [0.1, 0.2, 0.3])
    assert gw.dtype == F32 and gw.shape == (3,)
    _prelu_weight_check(gw, g, x, np.array([0.1, 0.2, 0.3], F32), 1, F32)


def test_prelu_grad_weight_nan_rules():
    # terms are grad * x where x <= 0 (a select): NaN in x poisons its channel; NaN in grad
    # where x > 0 does not reach the weight gradient
    g = np.array([[1.0, nan], [1.0, 1.0]])
    x = np.array([[-2.0, 3.0], [nan, -1.0]])
    gx, gw = relufast.prelu_grad(g, x, np.array([0.5, 0.5]), axis=1)
    assert np.isnan(gw[0]) and gw[1] == -1.0
    assert np.isnan(gx[1, 0]) and np.isnan(gx[0, 1]) and gx[0, 0] == 0.5


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_prelu_grad_weight_precision_on_large_float32(axis, rng):
    # 2**22 float32 elements of one sign: a float32 accumulator would lose several digits; the
    # float64 accumulation must give the float64 sum rounded to float32 (within one ulp)
    n = 2**22 + 3
    x = -rng.uniform(0.0, 1.0, n).astype(F32)
    g = rng.uniform(0.5, 1.5, n).astype(F32)
    if axis is None:
        w = np.float32(0.1)
        _, gw = relufast.prelu_grad(g, x, w)
        want = math.fsum((g.astype(F64) * x.astype(F64)).tolist())
        assert abs(float(gw) - want) <= float(np.spacing(np.float32(abs(want))))
        naive = np.cumsum(g * x, dtype=F32)[-1]  # what a float32 running sum would give
        assert abs(float(naive) - want) > 8 * float(np.spacing(np.float32(abs(want))))
        return
    shape = (n // 7 + 1, 7) if axis == 1 else (7, n // 7 + 1)
    m = math.prod(shape)
    x = np.resize(x, m).reshape(shape)
    g = np.resize(g, m).reshape(shape)
    w = np.full(7, 0.1, F32)
    _, gw = relufast.prelu_grad(g, x, w, axis=axis)
    prod = np.moveaxis(g.astype(F64) * x.astype(F64), axis, 0)
    for c in range(7):
        want = math.fsum(prod[c].tolist())
        assert abs(float(gw[c]) - want) <= float(np.spacing(np.float32(abs(want)))), c


# found by tests/test_properties.py: prelu_grad's weight gradient is a float64 sum, exact
# products but rounded sums; where products of grad and x near float32's maximum (~1e76) cancel,
# the sum's rounding error (up to 2**-45 of their mass) swamps the small exact sum: the result
# is 0 instead of -6464 below, and where the error exceeds float32's range, +-inf (the case the
# property tests hit).  A limit of float64 accumulation, not fixed: it needs compensated (or
# exact) summation of the weight gradient, a cost for every call.
@pytest.mark.xfail(strict=True, reason=(
    "prelu_grad float32 weight gradient: float64 accumulation of cancelling products near "
    "1e76 loses the small exact sum (0 instead of -6464), or gives +-inf"))
def test_prelu_weight_gradient_of_cancelling_huge_products():
    big = np.float32(3.4028235e38)
    g = np.array([big / 2, -big / 2, 100.0, 1e30] * 64, np.float32)
    x = np.array([-big, -big, -1.0, -1e-30] * 64, np.float32)
    _, gw = relufast.prelu_grad(g, x, np.float32(0.1))
    want = math.fsum(float(a) * float(b) for a, b in zip(g, x) if b <= 0)
    assert np.isfinite(gw) and abs(float(gw) - want) <= 1e-3 * abs(want) + 1e-30, (gw, want)


# relu_squared_grad is grad * (2 * relu(x)), PyTorch's order (docs/semantics.md): past half the
# dtype's maximum 2x is inf, so the result is +-inf there (NaN for grad 0) although grad * 2x
# may be finite; kept for speed (the forward is inf long before), and held here as documented.
@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
def test_relu_squared_grad_where_2x_overflows(dtype):
    big = float(np.finfo(dtype).max)
    x = np.array([big, big * 0.75, big, big / 4], dtype)
    g = np.array([0.25, 0.5, 0.0, 0.5], dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        want = g * (2 * x)
    assert np.isinf(want[0]) and np.isnan(want[2]) and want[3] == big / 4
    assert_same(relufast.relu_squared_grad(g, x), want)


# found by tests/test_properties.py (thorough profile): celu_grad with a negative subnormal
# alpha, where x / alpha overflows to inf (x = -1, alpha = -1e-40 in float32), gave NaN for a
# zero grad: 0 times exp(inf).  The derivative exp(x / alpha) is finite there (past the
# dtype's range, not infinite), so a zero grad gives 0 and any other grad overflows to +-inf.
@pytest.mark.parametrize("isa", relufast._dispatch.available_isas())
@pytest.mark.parametrize("dtype, alpha", [(F32, -1e-40), (F64, -5e-324)], ids=str)
def test_celu_grad_where_x_over_alpha_overflows(isa, dtype, alpha):
    relufast._dispatch.select_isa(isa)
    x = np.array([-1.0, -1e30], dtype)
    assert_same(relufast.celu_grad(np.zeros_like(x), x, alpha=alpha), np.zeros_like(x))
    g = np.array([2.0, -3.0], dtype)
    assert_same(relufast.celu_grad(g, x, alpha=alpha), np.array([np.inf, -np.inf], dtype))
    assert np.isnan(relufast.celu_grad(np.array([np.nan, 0], dtype), x, alpha=alpha)[0])


def test_prelu_grad_float16_weight_gradient():
    g = np.array([1, 1, 2**-15], F16)
    x = np.array([-1, -(2**-11), -(2**-15)], F16)
    _, gw = relufast.prelu_grad(g, x, np.float16(0.25))
    # the float64 sum -(1 + 2**-11 + 2**-30) rounded once to float16
    assert gw.dtype == F16 and gw.shape == ()
    assert gw == np.float16(-(1 + 2**-11 + 2**-30))


def test_prelu_grad_float16_weight_gradient_random(rng):
    x = mixed_values(rng, 600, F16).reshape(20, 30)
    x[~np.isfinite(x)] = -1
    g = random_values(rng, 600, F16, 1.0).reshape(20, 30)
    w = random_values(rng, 30, F16, 0.5)
    _, gw = relufast.prelu_grad(g, x, w, axis=1)
    want = ref.prelu_grad(g.astype(F64), x.astype(F64), w.astype(F64), 1)[1]
    with np.errstate(over="ignore"):
        assert_same(gw, want.astype(F16))


@pytest.mark.parametrize("target", ["grad", "x"])
def test_prelu_grad_in_place(target, rng):
    x = random_values(rng, 40, F64, 2.0).reshape(5, 8)
    g = random_values(rng, 40, F64, 1.0).reshape(5, 8)
    w = random_values(rng, 8, F64, 0.5)
    want_x, want_w = relufast.prelu_grad(g, x, w, axis=1)
    g2, x2 = g.copy(), x.copy()
    out = g2 if target == "grad" else x2
    gx, gw = relufast.prelu_grad(g2, x2, w, axis=1, out=out)
    assert gx is out
    assert_same(gx, want_x)
    assert_same(gw, want_w)


def test_prelu_grad_into_out(rng):
    x = random_values(rng, 40, F64, 2.0).reshape(5, 8)
    g = random_values(rng, 40, F64, 1.0).reshape(5, 8)
    w = random_values(rng, 8, F64, 0.5)
    want_x, want_w = relufast.prelu_grad(g, x, w, axis=1)
    out = np.full_like(x, nan)
    gx, gw = relufast.prelu_grad(g, x, w, axis=1, out=out)
    assert gx is out
    assert_same(gx, want_x)
    assert_same(gw, want_w)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_gradient_limits_at_infinity_gelu_silu(dtype):
    # docs/semantics.md: +-inf give the mathematical limits: f'(-inf) = 0 and f'(+inf) = 1
    g = np.ones(2, dtype)
    x = np.array([-inf, inf], dtype)
    for call in (lambda: relufast.gelu_grad(g, x), lambda: relufast.silu_grad(g, x)):
        assert_same(call(), np.array([0.0, 1.0], dtype))


# the weight gradient's running sums (16 per block of a channel run, folded pairwise; rows of
# channels accumulate per channel): every layout the kernel takes, in place on grad and on x,
# on 1 and 2 threads, run lengths that end mid-lane and span several blocks, against math.fsum
# of the exact products.  A NaN or infinite grad where x > 0 must not reach the sums.
@pytest.mark.parametrize("shape", [(3, 64, 5, 13), (2, 8, 3000), (1, 3, 4099), (700, 64),
                                   (2, 64, 16, 16), (5, 130)], ids=shape_id)
@pytest.mark.parametrize("dtype", [F32, F64], ids=lambda d: d.name)
def test_prelu_grad_weight_sums_every_layout(shape, dtype, rng):
    x = random_values(rng, math.prod(shape), dtype, 2.0).reshape(shape)
    g = random_values(rng, math.prod(shape), dtype, 1.0).reshape(shape)
    pos = np.flatnonzero(x.ravel() > 0)
    g.ravel()[pos[:3]] = [inf, -inf, nan]
    w = random_values(rng, shape[1], dtype, 0.5)
    bw = w.reshape((-1,) + (1,) * (len(shape) - 2))
    with np.errstate(invalid="ignore"):
        want_x = np.where(x > 0, g, bw * g).astype(dtype)
    terms = np.moveaxis(np.where(x > 0, 0.0, g.astype(F64) * x.astype(F64)), 1, 0)
    want_w = np.array([math.fsum(t.ravel().tolist()) for t in terms])
    for nt in (1, 2):
        with relufast.num_threads(nt):
            for target in (None, "grad", "x"):
                gg, xx = g.copy(), x.copy()
                out = {None: None, "grad": gg, "x": xx}[target]
                gx, gw = relufast.prelu_grad(gg, xx, w, out=out)
                assert_same(gx, want_x, what=f"{shape} nt={nt} out={target}")
                assert np.all(np.isfinite(gw))
                tol = 8 * np.spacing(np.abs(terms).sum(axis=tuple(range(1, len(shape)))))
                assert np.all(np.abs(gw.astype(F64) - want_w) <= np.maximum(
                    tol, np.spacing(np.abs(want_w).astype(dtype)).astype(F64))), (nt, target)
