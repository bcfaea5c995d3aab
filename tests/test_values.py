"""Forward values of every elementwise function.

* float32 and float64: against the float64 twin (tests/reference.py), bitwise for the exact
  functions (relu, leaky_relu, prelu, relu6), within TRANSCENDENTAL_ULP_TOL for the others;
  float64 results of the transcendental functions against mpmath (the twin is not exact enough);
* float16: the float32 computation rounded once to float16, bitwise;
* the edge values (+-0, subnormals, +-inf, NaN, the kinks, magnitudes where a naive exp
  overflows) and a sweep of the whole finite range for spurious overflow or NaN;
* the decisions about particular values (relu(-0.0) is +0.0, parameters rounded to the dtype,
  selu's constants, ...).
"""

import math

import numpy as np
import pytest

import relufast

import reference as ref
from cases import (
    DTYPES,
    ELEMENTWISE,
    EXACT,
    F16,
    F32,
    F64,
    SCALES,
    SPECIAL_GROUPS,
    TRANSCENDENTAL,
    float64_sample,
    fn_params,
    mixed_values,
    random_values,
    special_values,
    sweep,
)
from numerics import TRANSCENDENTAL_ULP_TOL, assert_same, assert_ulp, exact_values

# float16 results are float32 results cast to float16: where they exceed float16's range the
# cast overflows to inf, and NumPy says so with a RuntimeWarning (the values are still checked)
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")


def check_forward(fn, x, got):
    """relufast's result ``got`` on ``x`` (float32 or float64) against the oracle."""
    dtype = x.dtype
    x64 = x.astype(F64)
    assert got.dtype == dtype and got.shape == x.shape
    if fn.exact:
        with np.errstate(over="ignore"):
            want = fn.ref_forward(x64, dtype).astype(dtype)
        assert_same(got, want, what=fn.id)
    elif dtype == F32:
        assert_ulp(got, fn.ref_forward(x64, dtype), dtype, TRANSCENDENTAL_ULP_TOL[F32], x=x,
                   what=fn.id)
    else:
        hi, lo = exact_values(fn, x64)
        assert_ulp(got, hi, F64, TRANSCENDENTAL_ULP_TOL[F64], x=x, want_lo=lo, what=fn.id)


def float32_twin(fn, x16, **kw):
    """What relufast must return for a float16 x: the float32 computation, rounded once.

    prelu's weight is an array of x's dtype, so for float16 a scalar weight is rounded to
    float16 (then computed in float32); every other parameter is rounded to float32.
    """
    x32 = x16.astype(F32)
    if fn.name == "prelu":
        w = np.float32(np.float16(fn.kw["weight"]))
        return relufast.prelu(x32, w, **kw).astype(F16)
    return fn.forward(x32, **kw).astype(F16)


# ---------------------------------------------------------------------------------------------
# random data over several scales


def _random_cases():
    for fn in ELEMENTWISE:
        for dtype in (F32, F64) if fn.exact else (F32,):
            for scale in SCALES:
                # x ~ N(0, 100) reaches the range where expm1(x / alpha) overflows for
                # celu(x, -0.5) but alpha * expm1(x / alpha) does not
                yield pytest.param(fn, dtype, scale, id=f"{fn.id}-{dtype.name}-{scale:g}")


@pytest.mark.parametrize("fn, dtype, scale", list(_random_cases()))
def test_random(fn, dtype, scale, rng):
    x = random_values(rng, 5000, dtype, scale)
    check_forward(fn, x, fn.forward(x))


@pytest.mark.parametrize("fn", fn_params(TRANSCENDENTAL))
def test_float64_accuracy(fn, rng):
    x = float64_sample(rng)
    check_forward(fn, x, fn.forward(x))


# ---------------------------------------------------------------------------------------------
# edge values


def _special_marks(fn, dtype, group):
    return []


def _special_cases(dtypes):
    for fn in ELEMENTWISE:
        for dtype in dtypes:
            for group in SPECIAL_GROUPS:
                # float16 is checked against the float32 computation: no marks
                marks = _special_marks(fn, dtype, group) if dtype != F16 else []
                yield pytest.param(fn, dtype, group, id=f"{fn.id}-{dtype.name}-{group}",
                                   marks=marks)


@pytest.mark.parametrize("fn, dtype, group", list(_special_cases((F32, F64))))
def test_special_values(fn, dtype, group):
    x = special_values(dtype)[group].astype(dtype)
    check_forward(fn, x, fn.forward(x))


@pytest.mark.parametrize("fn, dtype, group", list(_special_cases((F16,))))
def test_special_values_float16(fn, dtype, group):
    x = special_values(F16)[group].astype(F16)
    assert_same(fn.forward(x), float32_twin(fn, x), what=fn.id)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_float16_is_float32_rounded_once(fn, rng):
    x = mixed_values(rng, 4000, F16)
    assert_same(fn.forward(x), float32_twin(fn, x), what=fn.id)
    # and so against the twin: float16 values within one float16 ulp of the exact value
    # (rounded twice, float64 -> float32 -> float16, so not always the nearest)
    got = fn.forward(x)
    finite = np.isfinite(got)
    err = np.abs(got[finite].astype(F64) - fn.ref_forward(x[finite].astype(F64), F16))
    with np.errstate(over="ignore"):
        assert np.all(err <= np.spacing(np.abs(got[finite])).astype(F64))


@pytest.mark.parametrize(
    "fn, dtype",
    [pytest.param(fn, dt, id=f"{fn.id}-{dt.name}") for fn in ELEMENTWISE for dt in DTYPES],
)
def test_no_spurious_overflow_or_nan(fn, dtype):
    # docs/semantics.md: every function is finite wherever its true value is (the twin, rounded
    # to dtype)
    x = sweep(dtype)
    got = fn.forward(x)
    with np.errstate(over="ignore"):
        want = fn.ref_forward(x.astype(F64), dtype).astype(dtype)
    assert not np.isnan(got).any(), f"NaN at x={x[np.isnan(got)][:5]}"
    bad = np.isfinite(got) != np.isfinite(want)
    assert not bad.any(), f"x={x[bad][:5]}: got {got[bad][:5]}, want {want[bad][:5]}"
    assert np.array_equal(np.sign(got[~np.isfinite(got)]), np.sign(want[~np.isfinite(want)]))


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_celu_negative_alpha_does_not_overflow_early(dtype):
    # alpha * expm1(x / alpha) with x / alpha past exp's overflow but the product in range
    x = np.array([-44.5 if dtype == F32 else -355.0], dtype)
    got = relufast.celu(x, alpha=-0.5)
    assert np.isfinite(got).all(), got
    assert_ulp(got, ref.celu(x.astype(F64), -0.5, precision=dtype), dtype,
               TRANSCENDENTAL_ULP_TOL[F32] if dtype == F32 else 1e6)


# ---------------------------------------------------------------------------------------------
# the decisions about particular values


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["relu", "relu6"])
def test_negative_zero_gives_positive_zero(name, dtype):
    got = getattr(relufast, name)(np.array([-0.0, 0.0], dtype))
    assert_same(got, np.zeros(2, dtype))  # like np.maximum(x, 0)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("slope", [0.0, -0.0])
def test_zero_slope_keeps_the_sign_of_the_product(slope, dtype):
    # slope * x for x < 0, and its limit at -inf: -0.0 for a +0.0 slope, +0.0 for -0.0, as
    # PyTorch and the formula give (a zero slope used to give +0.0 for every x < 0)
    x = np.array([-1.0, -0.0, -np.inf, -1e-30, 2.0], dtype)
    want = np.array([-slope, slope * -0.0, -slope, -slope, 2.0], dtype)
    assert_same(relufast.leaky_relu(x, slope), want)
    assert_same(relufast.prelu(x, slope), want)
    assert_same(relufast.prelu(x[None, :], np.full(5, slope, dtype), axis=1), want[None, :])
    big = np.repeat(x, 10_000)  # the vectorized loop, on threads
    assert_same(relufast.leaky_relu(big, slope), np.repeat(want, 10_000))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_nan_passes_through_every_forward(dtype):
    x = np.array([np.nan, -np.nan, 1.0], dtype)
    for fn in ELEMENTWISE:
        got = fn.forward(x)
        assert np.isnan(got[:2]).all(), fn.id


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_zero_slope_at_negative_infinity_is_zero(dtype):
    # the limit, not 0 * -inf = NaN; its sign is that of 0.0 * x for finite x < 0
    x = np.array([-np.inf, -1.0, 2.0], dtype)
    want = np.array([-0.0, -0.0, 2.0], dtype)
    assert_same(relufast.leaky_relu(x, 0.0), want)
    assert_same(relufast.prelu(x, 0.0), want)
    xx = np.array([[-np.inf, -np.inf], [-1.0, 3.0]], dtype)
    got = relufast.prelu(xx, np.array([0.0, 0.5], dtype), axis=1)
    assert_same(got, np.array([[-0.0, -np.inf], [-0.0, 3.0]], dtype))
    # channels of several elements (NCHW-like runs: the zero-slope test is hoisted per run)
    x3 = np.array([[[-np.inf, -1.0, 2.0], [-np.inf, -1.0, 2.0]]] * 2, dtype)
    got = relufast.prelu(x3, np.array([0.0, 0.5], dtype), axis=1)
    want3 = np.array([[[-0.0, -0.0, 2.0], [-np.inf, -0.5, 2.0]]] * 2, dtype)
    assert_same(got, want3)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_parameters_are_rounded_to_the_dtype_first(dtype):
    # as PyTorch: the slope (alpha) is a value of the array's dtype, then the product is rounded
    p = dtype.type(0.1)
    x = np.array([-np.inf], dtype)
    assert_same(relufast.elu(x, alpha=0.1), np.array([-p], dtype))
    assert_same(relufast.celu(x, alpha=0.1), np.array([-p], dtype))
    xs = -np.arange(1, 2001, dtype=dtype) / dtype.type(7)
    assert_same(relufast.leaky_relu(xs, 0.1), xs * p)
    assert_same(relufast.prelu(xs, 0.1), xs * p)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_selu_constants(dtype):
    # negative branch: the constant scale * alpha (product in float64, rounded to the dtype)
    # times expm1(x); positive branch: the constant scale, rounded to the dtype, times x
    sa = dtype.type(ref.SELU_SCALE * ref.SELU_ALPHA)
    s = dtype.type(ref.SELU_SCALE)
    assert_same(relufast.selu(np.array([-np.inf], dtype)), np.array([-sa], dtype))
    xs = np.arange(1, 2001, dtype=dtype) / dtype.type(7)
    assert_same(relufast.selu(xs), xs * s)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_limits_at_infinity(dtype):
    x = np.array([-np.inf, np.inf], dtype)
    assert_same(relufast.elu(x, alpha=2.0), np.array([-2.0, np.inf], dtype))
    assert_same(relufast.celu(x, alpha=2.0), np.array([-2.0, np.inf], dtype))
    assert_same(relufast.celu(x, alpha=-2.0), np.array([-np.inf, np.inf], dtype))
    assert_same(relufast.relu6(x), np.array([0.0, 6.0], dtype))
    assert_same(relufast.leaky_relu(x, -0.5), np.array([np.inf, np.inf], dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_of_negative_infinity_is_zero(approximate, dtype):
    got = relufast.gelu(np.array([-np.inf], dtype), approximate=approximate)
    assert got[0] == 0, got  # docs/semantics.md: gelu(-inf) is -0.0, not NaN


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_silu_of_negative_infinity_is_zero(dtype):
    got = relufast.silu(np.array([-np.inf], dtype))
    assert got[0] == 0, got


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_celu_is_continuous_at_zero_for_any_alpha(dtype):
    x = np.array([-0.0, 0.0, -float(np.finfo(dtype).smallest_subnormal)], dtype)
    for alpha in (1.0, 0.25, -3.0):
        got = relufast.celu(x, alpha=alpha)
        assert np.all(np.abs(got.astype(F64)) <= float(np.finfo(dtype).smallest_subnormal))


def test_relu6_caps_at_six():
    for dtype in DTYPES:
        six = np.array(6, dtype)
        above = np.nextafter(six, np.array(7, dtype))
        below = np.nextafter(six, np.array(5, dtype))
        got = relufast.relu6(np.array([below, six, above, 1e4], dtype))
        assert_same(got, np.array([below, 6, 6, 6], dtype))


def test_docstring_formulas_hold_on_small_inputs():
    # the formulas of the docstrings (and docs/functions.md), spelled out once with NumPy on a
    # few float64 values
    x = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 7.0])
    np.testing.assert_array_equal(relufast.relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relufast.leaky_relu(x, 0.2), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(relufast.elu(x, 1.5), np.where(x > 0, x, 1.5 * np.expm1(x)),
                               rtol=1e-15)
    np.testing.assert_allclose(
        relufast.selu(x), ref.SELU_SCALE * np.where(x > 0, x, ref.SELU_ALPHA * np.expm1(x)),
        rtol=1e-15)
    np.testing.assert_allclose(
        relufast.celu(x, 2.0), np.maximum(0, x) + np.minimum(0, 2.0 * np.expm1(x / 2.0)),
        rtol=1e-15)
    np.testing.assert_array_equal(relufast.relu6(x), np.minimum(np.maximum(x, 0), 6))
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(relufast.gelu(x), x * 0.5 * (1 + erf(x / math.sqrt(2))),
                               rtol=1e-13, atol=1e-300)
    u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    np.testing.assert_allclose(relufast.gelu(x, "tanh"), 0.5 * x * (1 + np.tanh(u)),
                               rtol=1e-14)
    np.testing.assert_allclose(relufast.silu(x), x / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_array_equal(relufast.prelu(x, 0.3), np.where(x > 0, x, 0.3 * x))


@pytest.mark.parametrize("fn", fn_params(EXACT))
def test_exact_functions_at_huge_magnitudes(fn):
    for dtype in DTYPES:
        info = np.finfo(dtype)
        x = np.array([info.max, -info.max, info.tiny, -info.tiny], dtype)
        if dtype == F16:
            assert_same(fn.forward(x), float32_twin(fn, x))
        else:
            check_forward(fn, x, fn.forward(x))
