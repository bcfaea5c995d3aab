"""Accuracy over the whole range: every transcendental function and gradient, every dtype.

The issue's bounds, everywhere (the saturating tails of erf, tanh, sigmoid and exp, and near 0
where exp(x) - 1 loses digits, included): float64 within 4 ulp, float32 within 2 ulp, float16
within 1 ulp, and no NaN or inf where the true value is finite.

* **ulp**: numerics' ``ulp_error``, |got - exact| in units of the dtype's spacing at the exact
  value (the smallest subnormal below the normal range); an exact value that rounds past the
  largest finite number must come out as the same infinity.  Measured against the exact value,
  not against its rounding: an error <= N ulp of the exact value puts the result within N
  floats of the correctly rounded value.
* **gradients**: grad = 1, so grad * f'(x) is f'(x) with no rounding of the multiply, and the
  error is that of f'(x) in ulps of the dtype, with test_gradients.py's convention where the
  derivative crosses zero (gelu both forms, silu): the ulp is taken at ``derivative_floor``,
  the size of the two terms that cancel, since no working-precision formula is accurate
  relative to a vanishing result.  From the output (elu, selu, celu with alpha >= 0): y is
  relufast's own forward of x in the dtype, and the gradient from y is checked as a function of
  x, against the exact f'(x), with the ulp taken at ``Fn.from_output_floor`` (f'(x) = y + sa or
  y / alpha + 1 cancels as y tends to its lower limit, and y itself was rounded).
* **points** (``accuracy_points``): float32 and float64, N_POINTS = 10**6 random points per
  function and dtype with a fixed seed (40% log-uniform magnitudes from the smallest subnormal
  to the largest finite value with random signs, 20% uniform over the range where exp over- and
  underflows, 25% uniform over [-40, 40], 10% log-uniform magnitudes in [2**-70, 2] for
  expm1's cancellation near 0, 5% over [-2, 0] where the derivatives of gelu and silu cross
  zero), plus the edge values: cases.special_values (zeros, subnormals, kinks, huge, inf,
  NaN) and the 64 floats either side of every threshold where the exponential's argument makes
  a result overflow, go subnormal or underflow, and of the derivatives' zeros.  float16: all
  65536 bit patterns, every finite value, both infinities and NaNs: exhaustive, so stronger
  than any sample.
* **references**: float32 and float16 against the float64 twin (tests/reference.py, within
  8 float64 ulp of the exact value, test_reference.py: 2**-26 float32 ulp, far below the
  bounds).  float64 against an extended-precision reference (``reference64``): x87 long double
  (64-bit significand) with the exponentials' arguments exact or carried in double-double, and
  for gelu's Phi the Mills ratio M(t) = (1 - Phi(t)) / phi(t), Taylor-expanded in long double
  around 769 centres whose coefficients come from mpmath (M' = t M - 1 gives the derivatives).
  That reference is within 0.004 float64 ulp of mpmath (test_float64_reference_against_mpmath
  checks it on every function to 1/64 ulp); mpmath on every one of the 10**6 points would take
  minutes per function.  Without an 80-bit (or wider) long double the float64 cases skip.

Every kernel module the machine runs (baseline, avx2, avx512) is measured against the same
reference.  tools/accuracy_table.py prints the measured worst cases (docs/accuracy.md).
"""

import dataclasses
import functools
import math
import os
import zlib

import numpy as np
import pytest

from relufast import _dispatch

import reference as ref
from cases import F16, F32, F64, TRANSCENDENTAL, special_values, working_dtype
from numerics import TRANSCENDENTAL_ULP_TOL, derivative_floor, exact_values, mpmath, ulp_error

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

# the bounds, in ulp of the dtype
ULP_BOUND = {F16: 1.0, F32: TRANSCENDENTAL_ULP_TOL[F32], F64: TRANSCENDENTAL_ULP_TOL[F64]}
# RELUFAST_ACCURACY_POINTS: fewer for tools/check_wheels.py's legs (the README's suite runs 10**6)
N_POINTS = int(os.environ.get("RELUFAST_ACCURACY_POINTS", 10**6))
SEED = 20240917
KINDS = ("forward", "gradient", "from_output")

LD = np.longdouble
LONGDOUBLE_OK = np.finfo(LD).nmant >= 63


def require_longdouble():
    if not LONGDOUBLE_OK:
        pytest.skip(f"the float64 reference needs a long double with a >= 64-bit significand "
                    f"(x87 80-bit or quad); this platform's has {np.finfo(LD).nmant + 1} bits "
                    f"(test_values/test_gradients still check float64 against mpmath)")


# ---------------------------------------------------------------------------------------------
# the points


def _alpha(fn, dtype):
    return ref._param(fn.kw.get("alpha", 1.0), working_dtype(dtype))


def _exponent_to_x(fn, dtype, a):
    """The x >= 0 (and its negative) where the function's exponential has argument -a (a > 0):
    exp(x) (elu, selu, silu), exp(x / alpha) (celu), exp(-x**2 / 2) (gelu), exp(2u(x)) (the tanh
    form, u = sqrt(2/pi) (x + 0.044715 x**3))."""
    if fn.name == "celu":
        t = abs(_alpha(fn, dtype)) * a
    elif fn.name == "gelu" and fn.kw["approximate"] == "none":
        t = math.sqrt(2 * a)
    elif fn.name == "gelu":
        c, k = math.sqrt(2 / math.pi), 0.044715
        t = max(r.real for r in np.roots([2 * c * k, 0, 2 * c, -a]) if abs(r.imag) < 1e-9)
    else:
        t = a
    return (t, -t)


def _derivative_root(fn):
    """The zero of f' in [-2, -0.5] (gelu's, silu's), by bisection on the twin."""
    lo, hi = -2.0, -0.5
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        d = fn.ref_gradient(np.ones(1), np.array([mid]), F64)[0]
        lo, hi = (mid, hi) if d < 0 else (lo, mid)
    return lo


def _neighbours(centres, dtype, k=64):
    """The k floats of ``dtype`` either side of each centre (and the centre), finite ones."""
    dtype = np.dtype(dtype)
    with np.errstate(over="ignore"):
        c = np.asarray(centres, F64).astype(dtype)
    c = c[np.isfinite(c) & (c != 0)]
    ut = np.dtype(f"i{dtype.itemsize}")
    bits = c.view(ut).astype(np.int64)[:, None] + np.arange(-k, k + 1)[None, :]
    v = bits.ravel().astype(ut).view(dtype)
    return v[np.isfinite(v)]


def edge_points(fn, dtype):
    """cases' edge values, and the floats either side of the thresholds: where the
    exponential's argument makes a result (of the dtype or of the working dtype) overflow, go
    subnormal or underflow, and the zero of the derivative."""
    dtype = np.dtype(dtype)
    centres = []
    for dt in dict.fromkeys((dtype, np.dtype(working_dtype(dtype)))):
        info = np.finfo(dt)
        for v in (info.max, info.tiny, info.smallest_subnormal):
            a = abs(math.log(float(v)))
            centres += _exponent_to_x(fn, dtype, a)
            centres += _exponent_to_x(fn, dtype, a + math.log(2))  # half of it
    if fn.crosses_zero:
        centres.append(_derivative_root(fn))
    edges = np.concatenate(list(special_values(dtype).values())).astype(dtype)
    return np.concatenate([edges, _neighbours(centres, dtype)])


@functools.lru_cache(maxsize=4)
def accuracy_points(fn, dtype, n=N_POINTS):
    """The points for ``fn`` in ``dtype`` (see the module docstring), as an array of dtype."""
    dtype = np.dtype(dtype)
    if dtype == F16:
        return np.arange(2**16, dtype=np.uint16).view(F16)  # every float16
    rng = np.random.default_rng([SEED, zlib.crc32(f"{fn.id}-{dtype.name}".encode())])
    info = np.finfo(dtype)
    s = abs(_alpha(fn, dtype)) if fn.name == "celu" else 1.0  # celu's exp(x / alpha)
    # beyond |x| = T every exp of the working dtype has over- or underflowed
    T = 1.05 * abs(math.log(float(np.finfo(working_dtype(dtype)).smallest_subnormal)))
    n_log, n_exp, n_mid, n_zero = (int(n * p) for p in (0.40, 0.20, 0.25, 0.10))
    n_root = n - n_log - n_exp - n_mid - n_zero

    def signs(m):
        return np.where(rng.random(m) < 0.5, -1.0, 1.0)

    lo, hi = math.log2(float(info.smallest_subnormal)), math.log2(float(info.max))
    parts = [
        signs(n_log) * np.exp2(rng.uniform(lo, hi, n_log)),
        rng.uniform(-s * T, s * T, n_exp),
        rng.uniform(-40 * s, 40 * s, n_mid),
        signs(n_zero) * s * np.exp2(rng.uniform(-70, 1, n_zero)),
        rng.uniform(-2, 0, n_root),
    ]
    x = np.concatenate(parts).astype(dtype)
    x = np.concatenate([x, edge_points(fn, dtype)])
    x.flags.writeable = False
    return x


# ---------------------------------------------------------------------------------------------
# the float64 reference, in long double


def _ld(hi, lo=0.0):
    return LD(hi) + LD(lo)


@functools.lru_cache(maxsize=None)
def _ld_constants():
    with mpmath.workdps(40):
        inv = 1 / mpmath.sqrt(2 * mpmath.pi)
        return {
            "inv_sqrt_2pi": _ld(float(inv), float(inv - mpmath.mpf(float(inv)))),
            "c": _ld(ref._C_HI, ref._C_LO),  # sqrt(2/pi)
            "k": _ld(ref._K_HI, ref._K_LO),  # 0.044715
        }


# Mills ratio M(t) = (1 - Phi(t)) / phi(t), t >= 0: Taylor polynomials of degree _M_DEG around
# t = i * _M_H, i = 0 .. _M_TMAX / _M_H, |t - centre| <= 1/32; beyond _M_TMAX, the asymptotic
# series (its 12 terms are exact to 1e-25 relative there; phi(t) underflows long double by 151)
_M_H, _M_TMAX, _M_DEG = 1 / 16, 48.0, 18


@functools.lru_cache(maxsize=None)
def _mills_table():
    n = int(_M_TMAX / _M_H) + 1
    coef = np.empty((n, _M_DEG + 1), LD)
    with mpmath.workdps(40):
        sq = mpmath.sqrt(mpmath.pi / 2)
        for i in range(n):
            c = mpmath.mpf(i) * mpmath.mpf(_M_H)
            d = [mpmath.erfc(c / mpmath.sqrt(2)) * sq * mpmath.exp(c * c / 2)]
            d.append(c * d[0] - 1)  # M' = t M - 1, so M^(k+1) = t M^(k) + k M^(k-1)
            for k in range(1, _M_DEG):
                d.append(c * d[k] + k * d[k - 1])
            for k in range(_M_DEG + 1):
                v = d[k] / mpmath.factorial(k)
                coef[i, k] = _ld(float(v), float(v - mpmath.mpf(float(v))))
    return coef


def _mills(t):
    """M(t) in long double for finite float64 t >= 0."""
    coef = _mills_table()
    near = t <= _M_TMAX
    tn = np.where(near, t, 0.0)
    i = np.rint(tn / _M_H).astype(np.intp)
    dt = LD(tn) - LD(i) * LD(_M_H)
    acc = coef[i, _M_DEG]
    for k in range(_M_DEG - 1, -1, -1):
        acc = acc * dt + coef[i, k]
    tf = LD(np.where(near, _M_TMAX, t))
    inv2 = 1 / (tf * tf)
    term, asym = LD(1), LD(1)
    for k in range(1, 12):
        term = term * (-(2 * k - 1)) * inv2
        asym = asym + term
    return np.where(near, acc, asym / tf)


def _phi_ld(x):
    """The normal density at finite float64 x, in long double, x**2 carried in double-double;
    0 for |x| >= 1e150."""
    small = np.abs(x) < 1e150
    xs = np.where(small, x, 0.0)
    p, e = ref._two_product(xs, xs)
    v = np.exp(-LD(p) / 2) * (1 - LD(e) / 2) * _ld_constants()["inv_sqrt_2pi"]
    return np.where(small, v, LD(0))


def _sigmoid_pair(v_hi, v_lo):
    """(sigmoid(v), 1 - sigmoid(v)) in long double for v = v_hi + v_lo (double-double): the
    exponential of -|v| as exp(-|v_hi|) exp(-+v_lo), the first argument exact."""
    sgn = np.where(v_hi >= 0, 1.0, -1.0)
    # exp(-|v|); beyond |v| = 2**15 it underflows long double (and v_lo alone could overflow)
    far = np.abs(v_hi) > 2.0**15
    e = np.exp(LD(np.where(far, -np.inf, -sgn * v_hi))) * np.exp(
        LD(np.where(far, 0.0, -sgn * v_lo)))
    big, small = 1 / (1 + e), e / (1 + e)
    pos = v_hi >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


def _tanh_form_u(x):
    """u = sqrt(2/pi) (x + 0.044715 x**3) as uh + ul (double-double), |x| <= 1e30 (the
    twin's _tanh_form_parts)."""
    x2, x2e = ref._two_product(x, x)
    x3, x3e = ref._two_product(x, x2)
    x3e = x3e + x * x2e
    kx3, kx3e = ref._two_product(ref._K_HI, x3)
    kx3e = kx3e + ref._K_HI * x3e + ref._K_LO * x3
    t, te = ref._two_sum(x, kx3)
    te = te + kx3e
    uh, ul = ref._two_product(ref._C_HI, t)
    ul = ul + ref._C_HI * te + ref._C_LO * t
    return uh, ul


def _ld_value(fn, x, derivative):
    """f(x) or f'(x) in long double for finite float64 x (parameters rounded to float64)."""
    xl = LD(x)
    pos = x > 0
    if fn.name in ("elu", "selu", "celu"):
        if fn.name == "selu":
            sa, s = ref._selu_constants(F64)
        else:
            sa, s = _alpha(fn, F64), 1.0
        q = fn.celu_quotient(x, F64) if fn.name == "celu" else x  # exp's argument, exact
        ql = LD(np.minimum(q, 0.0) if fn.name != "celu" else np.where(pos, 0.0, q))
        if derivative:  # sa exp(x); celu: exp(x / alpha)
            neg = np.exp(ql) if fn.name == "celu" else LD(sa) * np.exp(ql)
            return np.where(pos, LD(s), neg)
        return np.where(pos, LD(s) * xl, LD(sa) * np.expm1(ql))
    if fn.name == "silu":
        s, sm = _sigmoid_pair(x, np.zeros_like(x))
        return s * (1 + xl * sm) if derivative else xl * s
    if fn.name == "softplus":
        b, t = ref._param(fn.kw.get("beta", 1.0), F64), ref._param(fn.kw.get("threshold", 20.0), F64)
        big = np.abs(x) >= 1e300
        xs = np.where(big, 0.0, x)
        zh, zl = ref._two_product(xs, np.full_like(xs, b))  # beta x exactly
        linear = x * b > t
        s, sm = _sigmoid_pair(zh, zl)
        if derivative:
            return np.where(linear, LD(1), np.where(big, LD(1) * pos, s))
        a, sgn = np.abs(zh), np.where(zh >= 0, 1.0, -1.0)
        far = a > 2.0**15  # e underflows long double (and zl alone could overflow exp)
        e = np.exp(LD(np.where(far, -np.inf, -a))) * np.exp(LD(np.where(far, 0.0, -sgn * zl)))
        v = (np.where(zh > 0, LD(zh) + LD(zl), LD(0)) + np.log1p(e)) / LD(b)
        v = np.where(big & (x < 0), LD(0), v)
        return np.where(linear, xl, v)
    if fn.name == "mish":
        e = np.exp(LD(-np.abs(x)))  # e^-|x|: tanh(softplus(x)) = N / D without cancellation
        N = np.where(pos, 1 + 2 * e, e * (e + 2))
        D = np.where(pos, 1 + 2 * e + 2 * e * e, e * (e + 2) + 2)
        if not derivative:
            return xl * (N / D)
        a = LD(np.abs(x))
        num = np.where(pos, N * D + 4 * a * e * e * (1 + e), e * ((e + 2) * D - 4 * a * (1 + e)))
        return num / (D * D)
    if fn.kw["approximate"] == "tanh":
        dd = np.abs(x) <= 1e30  # beyond, sigmoid(2u) is 0 or 1 far below any ulp
        xs = np.where(dd, x, 0.0)
        uh, ul = _tanh_form_u(xs)
        s, sm = _sigmoid_pair(2 * uh, 2 * ul)
        s = np.where(dd, s, LD(1) * pos)
        sm = np.where(dd, sm, LD(1) * ~pos)
        if not derivative:
            return xl * s
        C = _ld_constants()
        du = 2 * C["c"] * (1 + 3 * C["k"] * xl * xl)
        return s + np.where(dd, xl * s * sm * du, LD(0))
    # gelu, erf form: Phi(x) = phi(x) M(-x) for x <= 0, 1 - phi(x) M(x) for x > 0
    t = np.abs(x)
    ph = _phi_ld(x)
    tail = ph * _mills(np.minimum(t, 1e300))  # 1 - Phi(|x|) = Phi(-|x|)
    if not derivative:
        return np.where(pos, xl - xl * tail, xl * tail)
    # Phi(x) + x phi(x): phi (M(t) - t) for x = -t <= 0, 1 - phi (M(x) - x) for x > 0
    return np.where(pos, 1 - (tail - xl * ph), tail - LD(t) * ph)


def reference64(fn, x, derivative=False):
    """(hi, lo): f(x), or f'(x), at float64 x as an unevaluated double-double, from long
    double; for non-finite x the twin's limits."""
    x = np.asarray(x, F64)
    fin = np.isfinite(x)
    xf = np.where(fin, x, 0.0)
    with np.errstate(all="ignore"):
        v = _ld_value(fn, xf, derivative)
        hi = v.astype(F64)
        lo = np.where(np.isfinite(hi), (v - LD(hi)).astype(F64), 0.0)
        if derivative:
            twin = fn.ref_gradient(np.ones_like(x), x, F64)
        else:
            twin = fn.ref_forward(x, F64)
    return np.where(fin, hi, twin), np.where(fin, lo, 0.0)


# ---------------------------------------------------------------------------------------------
# the measurement


@dataclasses.dataclass
class Measurement:
    fn: object
    dtype: np.dtype
    kind: str
    isa: str  # the kernel module (relufast._kernels_<isa>)
    n: int  # points
    worst: float  # the largest error, in ulp of the dtype
    x: float  # where
    got: float
    want: float
    over: int  # points over the bound
    nonfinite: int  # NaN or inf where the true value is finite (or NaN where it is not NaN)

    @property
    def bound(self):
        return ULP_BOUND[self.dtype]

    @property
    def what(self):
        if self.kind == "forward":
            return self.fn.id
        name = self.fn.grad_name + self.fn.id[len(self.fn.name):]
        return name + (" from_output" if self.kind == "from_output" else "")

    def __str__(self):
        return (f"{self.what} {self.dtype.name} ({self.isa}): worst {self.worst:.3g} ulp "
                f"(bound {self.bound:g}) at x={self.x!r}: got {self.got!r}, want "
                f"{self.want!r}; {self.over} of {self.n} points over the bound, "
                f"{self.nonfinite} NaN/inf where the true value is finite")


def _evaluate(fn, x, kind):
    if kind == "forward":
        return fn.forward(x)
    ones = np.ones_like(x)
    if kind == "gradient":
        return fn.gradient(ones, x)
    return fn.gradient(ones, fn.forward(x), from_output=True)  # y: relufast's own forward


def reference(fn, dtype, x64, derivative):
    """(want, want_lo): the true values of fn (or its derivative, grad = 1) at x64 for an
    array of ``dtype``: long double with a low part for float64, else the float64 twin (within
    8 float64 ulp of the exact value, 2**-26 of a float32 ulp) and None."""
    if dtype == F64:
        return reference64(fn, x64, derivative=derivative)
    with np.errstate(all="ignore"):
        return (fn.ref_gradient(np.ones_like(x64), x64, dtype) if derivative
                else fn.ref_forward(x64, dtype)), None


def measure(fn, dtype, kind, isas=None):
    """The worst error of relufast on accuracy_points(fn, dtype), one Measurement per kernel
    module in ``isas`` (default: every one this machine runs), against one reference."""
    dtype = np.dtype(dtype)
    if kind == "from_output" and not fn.from_output:
        raise ValueError(f"{fn.id} has no from_output gradient")
    x = accuracy_points(fn, dtype)
    x64 = x.astype(F64)
    deriv = kind != "forward"
    floor = {"forward": None, "gradient": derivative_floor(fn, x64),
             "from_output": fn.from_output_floor(dtype) if fn.from_output else None}[kind]
    want, lo = reference(fn, dtype, x64, deriv)
    with np.errstate(all="ignore"):
        want_finite = np.isfinite(want.astype(dtype))  # the true value rounded to dtype
    results = []
    for isa in isas or _dispatch.available_isas():
        try:
            _dispatch.select_isa(isa)
            got = _evaluate(fn, x, kind)
        finally:
            _dispatch.select_isa()
        err = ulp_error(got, want, dtype, want_lo=lo, floor=floor)
        got64 = got.astype(F64)
        nonfinite = (want_finite & ~np.isfinite(got64)) | (np.isnan(got64) & ~np.isnan(want))
        keyed = np.nan_to_num(err, nan=np.inf)
        i = int(np.argmax(keyed))
        results.append(Measurement(
            fn, dtype, kind, isa, x.size, float(keyed[i]), float(x64[i]), float(got64[i]),
            float(want[i]), int(np.sum(~(err <= ULP_BOUND[dtype]))), int(nonfinite.sum())))
    return results


def cases():
    """(fn, dtype, kind) for every transcendental function, dtype and gradient form."""
    for fn in TRANSCENDENTAL:
        for kind in KINDS:
            if kind == "from_output" and not fn.from_output:
                continue
            for dtype in (F16, F32, F64):
                yield fn, dtype, kind


# ---------------------------------------------------------------------------------------------
# the tests

# known accuracy bugs: {(fn.id, dtype name, kind): reason}, each a strict xfail
ACCURACY_BUGS = {}


def _params():
    for fn, dtype, kind in cases():
        reason = ACCURACY_BUGS.get((fn.id, dtype.name, kind))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(fn, dtype, kind, id=f"{fn.id}-{dtype.name}-{kind}", marks=marks)


@pytest.mark.parametrize("fn, dtype, kind", list(_params()))
def test_accuracy(fn, dtype, kind, default_isa):
    # every kernel module this machine can run (baseline, avx2, avx512), one reference
    if dtype == F64:
        require_longdouble()
        if mpmath is None:
            pytest.skip("mpmath is needed for the float64 reference's constants")
    ms = measure(fn, dtype, kind)
    assert ms and all(m.n >= (2**16 if dtype == F16 else N_POINTS) for m in ms)
    bad = [str(m) for m in ms if m.nonfinite or not m.worst <= m.bound]
    assert not bad, "\n".join(bad)


def test_points_cover_the_range():
    # the sample reaches both ends of every dtype's range, and the edges are in it
    fn = TRANSCENDENTAL[0]
    for dtype in (F32, F64):
        x = accuracy_points(fn, dtype)
        info = np.finfo(dtype)
        fin = np.abs(x[np.isfinite(x)]).astype(F64)
        assert x.size >= N_POINTS
        assert fin[fin > 0].min() == float(info.smallest_subnormal)
        assert fin.max() == float(info.max)
        assert np.isnan(x).any() and np.isinf(x).any() and (x == 0).any()
        # and every binade of the finite range gets points
        e = np.unique(np.frexp(fin[fin > 0])[1])
        assert e.size >= 0.99 * (info.maxexp - info.minexp + info.nmant)
    x16 = accuracy_points(fn, F16)
    assert np.unique(x16.view(np.uint16)).size == 2**16


@pytest.mark.parametrize("fn", [pytest.param(fn, id=fn.id) for fn in TRANSCENDENTAL])
def test_float64_reference_against_mpmath(fn):
    # the long-double reference agrees with mpmath (50 digits) to 1/64 ulp of float64, over
    # the range the functions are active in, their tails and a subsample of the points
    require_longdouble()
    if mpmath is None:
        pytest.skip("mpmath is needed")
    rng = np.random.default_rng([SEED, zlib.crc32(fn.id.encode())])
    s = abs(_alpha(fn, F64)) if fn.name == "celu" else 1.0
    pts = accuracy_points(fn, F64)
    x = np.concatenate([
        rng.uniform(-40 * s, 10 * s, 150),
        rng.uniform(-750 * s, 0, 50),
        -rng.uniform(0.5, 1.5, 50),  # the derivatives' zeros
        rng.choice(pts[np.isfinite(pts)], 100),
    ])
    for derivative in (False, True):
        hi, lo = reference64(fn, x, derivative)
        mhi, mlo = exact_values(fn, x, derivative)
        floor = derivative_floor(fn, x) if derivative else None
        scale = np.abs(mhi) if floor is None else np.maximum(np.abs(mhi), floor)
        with np.errstate(all="ignore"):
            ulp = np.spacing(scale)
            err = np.abs((hi - mhi) + (lo - mlo)) / ulp
            err = np.where(np.isfinite(mhi), err, np.where(hi == mhi, 0.0, np.inf))
        worst = int(np.argmax(err))
        assert err[worst] <= 1 / 64, (fn.id, derivative, x[worst], hi[worst], mhi[worst],
                                      err[worst])


@pytest.mark.parametrize("isa", _dispatch.available_isas())
def test_softplus_grad_float_exact_zero_from_x(isa, default_isa):
    """float32 softplus' (beta = 1, the default threshold) tests its exact zero on x: x below
    -103.97207641601562 is where the sigmoid is 0.  Over every float32 in [-104.5, -103.5] with
    grad = +inf: exactly 0 where the sigmoid (grad = 1) is 0, inf where it is not, on both sides
    of the boundary, as the select on the derivative gives."""
    import relufast

    _dispatch.select_isa(isa)
    lo, hi = np.array([-103.5, -104.5], F32).view(np.uint32)
    x = np.arange(lo, hi + 1, dtype=np.uint32).view(F32)
    d = relufast.softplus_grad(np.ones_like(x), x)
    assert (d == 0).any() and (d > 0).any()
    got = relufast.softplus_grad(np.full_like(x, np.inf), x)
    assert np.array_equal(got == 0, d == 0) and np.all(np.isinf(got[d > 0]))
    assert np.all(got[d == 0] == 0) and not np.signbit(got[d == 0]).any()


@pytest.mark.parametrize("isa", _dispatch.available_isas())
def test_softplus_grad_float_threshold_past_one(isa, default_isa):
    """float32 softplus' with beta = 1 and a threshold from 17.3286781 on leaves the linear
    region's select out (past that x the float sigmoid is 1.0 already).  Over every float32 in
    [16, 19]: the same bits as with threshold 17 (the loop that selects) up to 17, exactly 1
    past 17.3286781, and within 2 ulp of the sigmoid between."""
    import relufast

    _dispatch.select_isa(isa)
    lo, hi = np.array([16.0, 19.0], F32).view(np.uint32)
    x = np.arange(lo, hi + 1, dtype=np.uint32).view(F32)
    ones = np.ones_like(x)
    selecting = relufast.softplus_grad(ones, x, threshold=17.0)
    for t in (17.3286781, 18.0, 20.0, 1e30):
        got = relufast.softplus_grad(ones, x, threshold=t)
        below = x <= 17
        assert np.array_equal(got[below].view(np.uint32), selecting[below].view(np.uint32)), t
        assert np.all(got[x > np.float32(17.3286781)] == 1), t
        mid = (x > 17) & (x <= np.float32(17.3286781))
        want = 1 / (1 + np.exp(-x[mid].astype(F64)))
        assert ulp_error(got[mid], want, F32).max() <= 2, t
