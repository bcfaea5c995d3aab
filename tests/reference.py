"""Pure-NumPy float64 twins of relufast's public functions: the tests' oracle.

It lives in tests/, not in the package: it is what the tests (and the accuracy tools in tools/)
check relufast against, not something a user calls, so the wheel does not ship it.

Written to be right, not fast.  Every function takes what its public twin takes (without
``out``), converts its arrays to float64, computes in float64 and returns float64.

What a twin reproduces exactly, because the contract (docs/semantics.md) defines it so:

* the kinks and special values: ``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
  ``elu'(0) = alpha``, ``relu6'(0) = relu6'(6) = 0``; NaN in gives NaN out; +-inf give the
  mathematical limits (``leaky_relu(-inf, 0.0) == 0``, ``gelu(-inf) == 0``, ...);
* gradients are a select, not a multiply: where f'(x) == 0 the result is exactly +0.0, else
  ``grad * f'(x)``;
* the rounding of parameters to the precision the kernels work in (``precision``, below).

The keyword-only ``precision`` (default float64) is the one addition to the public signatures:
the dtype the kernels compute in for the array under test (float32 for float16 and float32 arrays,
float64 for float64).  Parameters are rounded to it first, as PyTorch does (``negative_slope``,
``alpha``, prelu's weight); selu's constants ``scale * alpha`` (the product taken in float64) and
``scale`` are rounded to it; celu's ``x / alpha`` is rounded to it (the quotient is an input of
the exponential, whose condition number ``|x / alpha|`` would otherwise turn the unavoidable
rounding of the division into a large error no kernel could avoid).  Everything else is evaluated
in float64, so against a float32 (or float16) result the twin is exact to far below one unit in
the last place (ulp).

How exact the twins are in float64 (``tests/test_reference.py`` measures it against mpmath):
relu, leaky_relu, prelu, relu6 and their gradients are exact (prelu's weight gradient is the
correctly rounded sum, math.fsum); the others are within 8 ulp wherever the result exceeds
1e-290 (below, intermediates go subnormal), the derivatives that cross zero (gelu's, silu's)
relative to the size of their two terms, since near the root the relative error of any
working-precision formula grows without bound.  The tests therefore check float64 results of
the transcendental functions against mpmath, not against these twins.

Helpers: erfc through ``np.vectorize(math.erfc)``; a stable sigmoid; the arguments that the
negative tails are sensitive to (gelu's ``-x / sqrt(2)`` and ``x**2``, the tanh form's
``u = sqrt(2/pi) (x + 0.044715 x**3)``) carried in double-double, since their rounding errors
would otherwise be magnified ``x**2`` (or ``2|u|``) times.
"""

import math

import numpy as np

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

# the tanh form's constants sqrt(2/pi) and 0.044715 (as gelu's docstring writes them), each as
# hi + lo
_C_HI, _C_LO = 0.7978845608028654, -4.98465440455546e-17
_K_HI, _K_LO = 0.044715, 2.1960211427085595e-18
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# 1/sqrt(2) as an unevaluated sum hi + lo (lo: the next 53 bits), for gelu's erfc argument
_RSQRT2_HI = 0.7071067811865476
_RSQRT2_LO = -4.833646656726457e-17

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


# ---------------------------------------------------------------------------------------------
# helpers


def _f64(a):
    return np.asarray(a, dtype=np.float64)


def _param(value, precision):
    """A parameter rounded to the kernels' working precision, as a Python float."""
    return float(np.asarray(value, dtype=np.float64).astype(precision))


def _rounded(a, precision):
    """An float64 array rounded to ``precision`` and back (a no-op for float64)."""
    return np.asarray(a, dtype=np.float64).astype(precision).astype(np.float64)


def _chain(grad, d):
    """grad * d, with exactly +0.0 where d == 0 (a select, whatever grad holds)."""
    grad, d = np.broadcast_arrays(_f64(grad), _f64(d))
    with np.errstate(all="ignore"):
        return np.where(d == 0, 0.0, grad * d)


def _nan_where_nan(x, value):
    """``value`` with NaN wherever x is NaN."""
    return np.where(np.isnan(x), x, value)


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp of a non-positive number only."""
    x = _f64(x)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e == a + b exactly (Knuth's algorithm)."""
    t = a + b
    bv = t - a
    return t, (a - (t - bv)) + (b - bv)


def _two_product(a, b):
    """(p, e) with p = fl(a * b) and p + e == a * b exactly (Dekker's algorithm, finite a, b)."""
    def split(v):
        c = 134217729.0 * v  # 2**27 + 1
        hi = c - (c - v)
        return hi, v - hi

    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


def _phi(x):
    """The standard normal density, exp(-x**2 / 2) / sqrt(2 pi), with x**2 in double-double."""
    x = _f64(x)
    with np.errstate(all="ignore"):
        small = np.abs(x) < 1e150  # beyond, x**2 overflows and the density is 0 anyway
        xs = np.where(small, x, 0.0)
        sq, sq_err = _two_product(xs, xs)
        e = np.exp(-0.5 * sq) * (1.0 - 0.5 * sq_err)
        return np.where(small, e * _INV_SQRT_2PI, 0.0)


def _Phi(x):
    """The standard normal CDF, 0.5 * erfc(-x / sqrt(2)), accurate in relative terms for x < 0.

    The argument z = -x / sqrt(2) is carried as z + dz (double-double) and erfc(z + dz) is
    taken as erfc(z) - 2/sqrt(pi) exp(-z**2) dz: rounding z would otherwise cost 2 z**2 ulp.
    """
    x = _f64(x)
    with np.errstate(all="ignore"):
        finite = np.isfinite(x) & (np.abs(x) < 1e300)
        xs = np.where(finite, x, 0.0)
        z, dz = _two_product(-xs, _RSQRT2_HI)
        dz = dz - xs * _RSQRT2_LO
        # d/dz erfc(z) = -2/sqrt(pi) exp(-z**2) = -2 sqrt(2) phi(sqrt(2) z), and sqrt(2) z = -x
        value = 0.5 * _erfc(z) - math.sqrt(2.0) * _phi(xs) * dz
        limit = np.where(x > 0, 1.0, 0.0)  # +-inf and |x| >= 1e300
        return _nan_where_nan(x, np.where(finite, value, limit))


# ---------------------------------------------------------------------------------------------
# relu, leaky_relu, prelu, relu6: exact


def relu(x):
    x = _f64(x)
    return _nan_where_nan(x, np.where(x > 0, x, 0.0))  # -0.0 -> +0.0


def relu_grad(grad, x, *, from_output=False):
    x = _f64(x)  # relu(x) > 0 exactly where x > 0, and is NaN where x is: one formula for both
    return _chain(grad, _nan_where_nan(x, np.where(x > 0, 1.0, 0.0)))


def _leaky(x, w):
    with np.errstate(all="ignore"):
        # 0 * -inf is the limit here, with the sign of 0 * x for finite x < 0: -w
        neg = np.where((w == 0) & (x < 0), -w, w * x)
    return np.where(x > 0, x, neg)


def leaky_relu(x, negative_slope=0.01, *, precision=np.float64):
    return _leaky(_f64(x), _param(negative_slope, precision))


def leaky_relu_grad(grad, x, negative_slope=0.01, *, from_output=False, precision=np.float64):
    w = _param(negative_slope, precision)
    if from_output and w < 0:
        raise ValueError("leaky_relu_grad: from_output=True needs negative_slope >= 0")
    x = _f64(x)  # for w >= 0 the output is > 0 exactly where x is: the same formula on y
    return _chain(grad, _nan_where_nan(x, np.where(x > 0, 1.0, w)))


def _channel_weights(x, weight, axis, precision):
    """The weight broadcast against x (scalar, or 1-D along ``axis``), rounded to precision."""
    w = _rounded(weight, precision)
    if w.ndim == 0:
        return w
    if w.ndim != 1:
        raise ValueError("prelu: weight must be a scalar or 1-D")
    axis = axis % x.ndim
    if w.shape[0] != x.shape[axis]:
        raise ValueError("prelu: weight length must be x.shape[axis]")
    shape = [1] * x.ndim
    shape[axis] = w.shape[0]
    return w.reshape(shape)


def prelu(x, weight, axis=1, *, precision=np.float64):
    x = _f64(x)
    return _leaky(x, _channel_weights(x, weight, axis, precision))


def prelu_grad(grad, x, weight, axis=1, *, precision=np.float64):
    """(grad_x, grad_weight); grad_weight is the float64 sum over every axis but ``axis``."""
    x, grad = _f64(x), _f64(grad)
    wb = _channel_weights(x, weight, axis, precision)
    wb = np.broadcast_to(wb, x.shape)
    d = _nan_where_nan(x, np.where(x > 0, 1.0, wb))
    with np.errstate(all="ignore"):
        terms = np.where(x > 0, 0.0, grad * x)
    w = np.asarray(weight)
    if w.ndim == 0:
        gw = np.asarray(_exact_sum(terms.ravel()))
    else:
        axis = axis % x.ndim
        rest = math.prod(np.delete(np.array(x.shape, dtype=np.int64), axis).tolist())
        moved = np.moveaxis(terms, axis, 0).reshape(x.shape[axis], rest)  # -1: ambiguous at 0
        gw = np.array([_exact_sum(row) for row in moved])
    return _chain(grad, d), gw


def _exact_sum(a):
    """The correctly rounded sum (math.fsum), or NumPy's where it meets inf or NaN."""
    try:
        return math.fsum(a.tolist())
    except (ValueError, OverflowError):  # inf - inf, NaN, or a partial sum past float64
        with np.errstate(all="ignore"):
            return float(np.sum(a))


def relu6(x):
    x = _f64(x)
    return _nan_where_nan(x, np.where(x > 0, np.minimum(x, 6.0), 0.0))


def relu6_grad(grad, x, *, from_output=False):
    x = _f64(x)  # 0 < relu6(x) < 6 exactly where 0 < x < 6: the same formula on y
    return _chain(grad, _nan_where_nan(x, np.where((x > 0) & (x < 6), 1.0, 0.0)))


# ---------------------------------------------------------------------------------------------
# the piecewise rest: hardtanh, threshold, hardsigmoid, hardswish, relu_squared.  Their kernels
# round each operation in the dtype (PyTorch's order); the twins round the same intermediates
# to ``precision`` (a float64 division or product of floats rounded once to float32 is the
# float32 operation's result), so the float32 results are bitwise the twins' rounded.


def hardtanh(x, min_val=-1.0, max_val=1.0, *, precision=np.float64):
    x = _f64(x)
    lo, hi = _param(min_val, precision), _param(max_val, precision)
    return _nan_where_nan(x, np.where(x < lo, lo, np.where(x > hi, hi, x)))


def hardtanh_grad(grad, x, min_val=-1.0, max_val=1.0, *, from_output=False,
                  precision=np.float64):
    x = _f64(x)  # lo < y < hi exactly where lo < x < hi: the same formula on y
    lo, hi = _param(min_val, precision), _param(max_val, precision)
    return _chain(grad, _nan_where_nan(x, np.where((x > lo) & (x < hi), 1.0, 0.0)))


def threshold(x, threshold, value, *, precision=np.float64):
    x = _f64(x)
    t, v = _param(threshold, precision), _param(value, precision)
    return np.where(x <= t, v, x)  # NaN is not <= t: it passes


def threshold_grad(grad, x, threshold, value, *, from_output=False, precision=np.float64):
    x = _f64(x)  # with value <= threshold, y > t exactly where x > t
    t = _param(threshold, precision)
    if from_output and _param(value, precision) > t:
        raise ValueError("threshold_grad: from_output=True needs value <= threshold")
    return _chain(grad, _nan_where_nan(x, np.where(x > t, 1.0, 0.0)))


def hardsigmoid(x, *, precision=np.float64):
    x = _f64(x)
    t = np.minimum(_rounded(x + 3, precision), 6.0)
    return _nan_where_nan(x, np.where(t <= 0, 0.0, t) / 6)


def hardsigmoid_grad(grad, x, *, from_output=False, precision=np.float64):
    if from_output:
        raise ValueError("hardsigmoid_grad: from_output=True is not supported")
    x, grad = _f64(x), _f64(grad)
    inside = (x > -3) & (x < 3)
    return _nan_where_nan(x, np.where(inside, grad / 6, 0.0))


def hardswish(x, *, precision=np.float64):
    x = _f64(x)
    with np.errstate(all="ignore"):
        r = _rounded(x * _rounded(x + 3, precision), precision) / 6
    return _nan_where_nan(x, np.where(x <= -3, -0.0, np.where(x >= 3, x, r)))


def hardswish_grad(grad, x, *, from_output=False, precision=np.float64):
    if from_output:
        raise ValueError("hardswish_grad: from_output=True is not supported")
    x = _f64(x)
    with np.errstate(all="ignore"):
        d = _rounded(_rounded(x / 3, precision) + 0.5, precision)
    return _chain(grad, _nan_where_nan(x, np.where(x < -3, 0.0, np.where(x > 3, 1.0, d))))


def relu_squared(x, *, precision=np.float64):
    r = relu(x)
    with np.errstate(over="ignore"):
        return r * r


def relu_squared_grad(grad, x, *, from_output=False, precision=np.float64):
    if from_output:
        raise ValueError("relu_squared_grad: from_output=True is not supported")
    r = relu(x)
    return _chain(grad, r + r)


# ---------------------------------------------------------------------------------------------
# the exponential family


def _scaled_elu(x, sa, s):
    with np.errstate(all="ignore"):
        return np.where(x > 0, s * x, sa * np.expm1(np.minimum(x, 0.0)))


def _scaled_elu_grad(grad, x, sa, s, from_output):
    x = _f64(x)
    with np.errstate(all="ignore"):
        if from_output:  # x holds y = sa * expm1(x0) for x0 <= 0, so f'(x0) = sa * exp(x0) = y + sa
            d = np.where(x > 0, s, x + sa)
        else:
            d = np.where(x > 0, s, sa * np.exp(np.minimum(x, 0.0)))
    return _chain(grad, _nan_where_nan(x, d))


def elu(x, alpha=1.0, *, precision=np.float64):
    x = _f64(x)
    return _nan_where_nan(x, _scaled_elu(x, _param(alpha, precision), 1.0))


def elu_grad(grad, x, alpha=1.0, *, from_output=False, precision=np.float64):
    a = _param(alpha, precision)
    if from_output and a < 0:
        raise ValueError("elu_grad: from_output=True needs alpha >= 0")
    return _scaled_elu_grad(grad, x, a, 1.0, from_output)


def _selu_constants(precision):
    """(scale * alpha, scale): the product taken in float64, then both rounded to precision."""
    return _param(SELU_SCALE * SELU_ALPHA, precision), _param(SELU_SCALE, precision)


def selu(x, *, precision=np.float64):
    x = _f64(x)
    sa, s = _selu_constants(precision)
    return _nan_where_nan(x, _scaled_elu(x, sa, s))


def selu_grad(grad, x, *, from_output=False, precision=np.float64):
    sa, s = _selu_constants(precision)
    return _scaled_elu_grad(grad, x, sa, s, from_output)


def _celu_quotient(x, a, precision):
    with np.errstate(all="ignore"):
        return _rounded(x / a, precision)


def celu(x, alpha=1.0, *, precision=np.float64):
    x = _f64(x)
    a = _param(alpha, precision)
    if a == 0:
        raise ValueError("celu: alpha must be nonzero")
    q = _celu_quotient(x, a, precision)
    with np.errstate(all="ignore"):
        neg = a * np.expm1(q)
        # alpha < 0: q = x / alpha > 0 grows, and expm1(q) overflows before alpha * expm1(q)
        # does (|alpha| < 1); there take exp(q) = exp(q - m) exp(m), m = floor(q) - 700
        m = np.where(np.isfinite(q) & (q > 700), np.floor(q) - 700, 0.0)
        neg = np.where(m > 0, (a * np.exp(m)) * np.exp(q - m), neg)
    return _nan_where_nan(x, np.where(x > 0, x, neg))


def celu_grad(grad, x, alpha=1.0, *, from_output=False, precision=np.float64):
    x = _f64(x)
    a = _param(alpha, precision)
    if a == 0:
        raise ValueError("celu_grad: alpha must be nonzero")
    if from_output and a < 0:
        raise ValueError("celu_grad: from_output=True needs alpha > 0")
    with np.errstate(all="ignore"):
        if from_output:  # y = a * expm1(x0 / a), so f'(x0) = exp(x0 / a) = y / a + 1
            d = np.where(x > 0, 1.0, x / a + 1.0)
        else:
            d = np.where(x > 0, 1.0, np.exp(_celu_quotient(x, a, precision)))
        out = _chain(grad, _nan_where_nan(x, d))
        if a < 0:
            # exp(x / alpha) overflows to inf for a finite x where the true derivative is a
            # finite (huge) number: times a zero grad that is exactly 0, not 0 * inf = NaN
            g = np.broadcast_to(_f64(grad), out.shape)
            out = np.where(np.isinf(d) & np.isfinite(x) & (g == 0), g, out)
    return out


# ---------------------------------------------------------------------------------------------
# gelu and silu


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def _tanh_form_parts(x):
    """(s, s_minus, du) for the tanh form: s = (1 + tanh(u)) / 2 = sigmoid(2u), s_minus = 1 - s,
    du = 2 u'(x), with u = sqrt(2/pi) (x + 0.044715 x**3).

    u is carried as uh + ul (double-double) where |x| <= 1e30 (beyond, s is 0 or 1 exactly), and
    sigmoid(2uh + 2ul) taken as sigmoid(2uh) (1 + (1 - sigmoid(2uh)) 2ul).
    """
    x = _f64(x)
    with np.errstate(all="ignore"):
        dd = np.abs(x) <= 1e30
        xs = np.where(dd, x, 0.0)
        x2, x2e = _two_product(xs, xs)
        x3, x3e = _two_product(xs, x2)
        x3e = x3e + xs * x2e
        kx3, kx3e = _two_product(_K_HI, x3)
        kx3e = kx3e + _K_HI * x3e + _K_LO * x3
        t, te = _two_sum(xs, kx3)
        te = te + kx3e
        uh, ul = _two_product(_C_HI, t)
        ul = ul + _C_HI * te + _C_LO * t
        uh = np.where(dd, uh, _C_HI * (x + _K_HI * x**3))  # +-inf for |x| > ~5.6e102
        ul = np.where(dd, ul, 0.0)
        s0, s0_minus = _sigmoid(2.0 * uh), _sigmoid(-2.0 * uh)
        s = s0 * (1.0 + s0_minus * 2.0 * ul)
        s_minus = s0_minus * (1.0 - s0 * 2.0 * ul)
        du = 2.0 * _C_HI * (1.0 + 3.0 * _K_HI * x * x)
    return s, s_minus, du


def gelu(x, approximate="none"):
    _check_approximate(approximate)
    x = _f64(x)
    with np.errstate(all="ignore"):
        if approximate == "none":
            value = x * _Phi(x)
        else:
            value = x * _tanh_form_parts(x)[0]  # 0.5 x (1 + tanh u) = x sigmoid(2u)
    value = np.where(np.isneginf(x), 0.0, value)
    return _nan_where_nan(x, value)


def gelu_grad(grad, x, approximate="none", *, from_output=False):
    _check_approximate(approximate)
    if from_output:
        raise ValueError("gelu_grad: from_output=True is not supported")
    x = _f64(x)
    with np.errstate(all="ignore"):
        if approximate == "none":
            d = _Phi(x) + x * _phi(x)  # x * phi(x) is 0 where phi underflows, also at +-inf
            d = np.where(np.isinf(x), np.where(x > 0, 1.0, 0.0), d)
        else:
            s, s_minus, du = _tanh_form_parts(x)
            # d/dx [x s] = s + x s (1 - s) 2u'; the second term is 0 where s or 1 - s is
            tail = np.where((s == 0) | (s_minus == 0), 0.0, x * s * s_minus * du)
            d = s + tail
    return _chain(grad, _nan_where_nan(x, d))


def silu(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        value = np.where(np.isneginf(x), 0.0, x * _sigmoid(x))
    return _nan_where_nan(x, value)


def silu_grad(grad, x, *, from_output=False):
    if from_output:
        raise ValueError("silu_grad: from_output=True is not supported")
    x = _f64(x)
    with np.errstate(all="ignore"):
        s, s_minus = _sigmoid(x), _sigmoid(-x)  # 1 - s, without cancellation for x > 0
        # s (1 + x (1 - s)); x (1 - s) -> 0 at +inf, and s -> 0 faster than x at -inf
        tail = np.where(s_minus == 0, 0.0, x * s_minus)
        d = np.where(s == 0, 0.0, s * (1.0 + tail))
    return _chain(grad, _nan_where_nan(x, d))


# ---------------------------------------------------------------------------------------------
# rrelu: in evaluation leaky_relu with the mean slope; in training the slope of the element at
# C-order index i follows from the call's key (relufast/_rrelu.h, written again here in NumPy's
# wrapping uint64 arithmetic as the twin)

_RR_K = (np.uint64(0xbb67ae8584caa73b), np.uint64(0x3c6ef372fe94f82b),
         np.uint64(0xa54ff53a5f1d36f1))


def rrelu_hash(key, n):
    """The 64-bit hash of (key, i) for i in [0, n)."""
    z = np.arange(n, dtype=np.uint64) * _RR_K[0] ^ np.uint64(key)
    z ^= z >> np.uint64(32)
    z *= _RR_K[1]
    z ^= z >> np.uint64(29)
    z *= _RR_K[2]
    z ^= z >> np.uint64(32)
    return z


def rrelu_slopes(key, shape, lower, upper, precision=np.float64):
    """The slope of every element of an array of ``shape``, rounded to ``precision``."""
    n = int(np.prod(shape, dtype=np.int64))
    u = (rrelu_hash(key, n) >> np.uint64(38)).astype(np.float64) * 2.0**-26  # exact
    span = np.array(upper - lower).view(np.uint64) & ~np.uint64(2**26 - 1)
    s = np.minimum(lower + span.view(np.float64) * u, upper)  # the product is exact
    return _rounded(s, precision).reshape(shape)


def rrelu(x, lower=1.0 / 8, upper=1.0 / 3, *, precision=np.float64):
    return leaky_relu(x, (lower + upper) / 2, precision=precision)


def rrelu_grad(grad, x, lower=1.0 / 8, upper=1.0 / 3, *, from_output=False,
               precision=np.float64):
    return leaky_relu_grad(grad, x, (lower + upper) / 2, from_output=from_output,
                           precision=precision)


def rrelu_train(x, slopes):
    """rrelu in training with the given slopes (an array of x's shape)."""
    x = _f64(x)
    return np.where(x > 0, x, _leaky(x, _f64(slopes)))


def rrelu_train_grad(grad, x, slopes):
    x = _f64(x)
    return _nan_where_nan(x, np.where(x > 0, _f64(grad), _chain(grad, slopes)))

# ---------------------------------------------------------------------------------------------
# softplus and mish


def _softplus_z(x, beta, precision):
    """(z, dz, linear): z + dz = beta * x exactly (x rounded to ``precision`` is exact in
    float64 times a float32 beta; in float64 the product's error is carried), and where
    PyTorch's linear region is (``x * beta`` rounded in ``precision`` > threshold)."""
    x = _f64(x)
    with np.errstate(all="ignore"):
        finite = np.isfinite(x) & (np.abs(x) < 1e300)
        xs = np.where(finite, x, 0.0)
        z, dz = _two_product(xs, np.full_like(xs, beta))
        z = np.where(finite, z, x * beta)
        # no error term where the product overflows (z is +-inf; softplus is x or 0 there)
        dz = np.where(finite & np.isfinite(z), dz, 0.0)
    return z, dz


def softplus(x, beta=1.0, threshold=20.0, *, precision=np.float64):
    b, t = _param(beta, precision), _param(threshold, precision)
    x = _f64(x)
    with np.errstate(all="ignore"):
        z, dz = _softplus_z(x, b, precision)
        linear = _rounded(x * b, precision) > t
        a = np.abs(z)
        sgn = np.where(z >= 0, 1.0, -1.0)
        # log1p(exp(-|z + dz|)) = L(a) - sigmoid(-a) sgn dz, to first order in dz
        L = np.log1p(np.exp(-a)) - _sigmoid(-a) * sgn * dz
        value = (np.where(z > 0, z + (dz + L), L)) / b
        value = np.where(np.isneginf(x), 0.0, np.where(np.isposinf(x), np.inf, value))
        value = np.where(linear, x, value)
    return _nan_where_nan(x, value)


def softplus_grad(grad, x, beta=1.0, threshold=20.0, *, from_output=False,
                  precision=np.float64):
    if from_output:
        raise ValueError("softplus_grad: from_output=True is not supported")
    b, t = _param(beta, precision), _param(threshold, precision)
    x = _f64(x)
    with np.errstate(all="ignore"):
        z, dz = _softplus_z(x, b, precision)
        s, s_minus = _sigmoid(z), _sigmoid(-z)
        d = s * (1.0 + s_minus * dz)  # sigmoid(z + dz) to first order
        d = np.where(np.isinf(z), np.where(z > 0, 1.0, 0.0), d)
        d = np.where(_rounded(x * b, precision) > t, 1.0, d)
    return _chain(grad, _nan_where_nan(x, d))


def _softplus1(x):
    """log(1 + e^x) for beta = 1, any x (inf included)."""
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def mish(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        value = x * np.tanh(_softplus1(x))
        value = np.where(np.isneginf(x), -0.0, value)
    return _nan_where_nan(x, value)


def mish_grad(grad, x, *, from_output=False):
    if from_output:
        raise ValueError("mish_grad: from_output=True is not supported")
    x = _f64(x)
    with np.errstate(all="ignore"):
        sp = _softplus1(x)
        # tanh(sp) + x sech(sp)**2 sigmoid(x); sech(sp) = 1 / cosh(sp) is 0 where cosh overflows
        sech = 1.0 / np.cosh(sp)
        tail = np.where(sech == 0, 0.0, x * sech * sech * _sigmoid(x))
        d = np.tanh(sp) + tail
        d = np.where(np.isinf(x), np.where(x > 0, 1.0, -0.0), d)
    return _chain(grad, _nan_where_nan(x, d))
