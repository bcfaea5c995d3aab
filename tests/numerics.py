"""How relufast's tests compare numbers: the accuracy rule and bitwise equality.

* the accuracy rule (``TRANSCENDENTAL_ULP_TOL``, ``ulp_error``, ``assert_ulp``,
  ``assert_gradient_ulp``, ``derivative_floor``), and the exact values it is measured against
  (``exact_values``, through mpmath, cached);
* ``same_bits`` and ``assert_same``: bitwise equality up to NaN payloads, for the results that
  are exact.

A plain module, imported by the test files (``from numerics import ...``) and by tools/.
"""

import functools
import math

import numpy as np
import pytest

import reference as ref
from cases import F32, F64, working_dtype

# ---------------------------------------------------------------------------------------------
# accuracy

# Accuracy of the transcendental functions (elu, selu, celu, gelu, silu and their gradients), in
# units in the last place (ulp) of the result's dtype, against the exact value (rounded to the
# dtype's precision only at the end): for float32 the float64 twin (whose own error is far below
# a float32 ulp), for float64 mpmath (exact_values).  For float16 the rule is not an ulp bound
# but an identity: the float32 computation rounded once to float16.
#
# Gradients: the derivative f'(x) within the tolerance, then one correctly rounded multiply by
# grad, i.e. |got - grad * f'(x)| <= tol * |grad| * ulp(f'(x)) + ulp(grad * f'(x)) / 2
# (assert_gradient_ulp).  The multiply cannot be folded into the ulp of the result: where
# f'(x) is subnormal its rounding error is absolute, and |grad| magnifies it.
#
# For derivatives that cross zero inside their domain (gelu's, both forms, and silu's), the ulp
# of f'(x) is taken at the sum of the magnitudes of its two terms (derivative_floor) instead of
# at |f'(x)|: near such a root no working-precision formula is accurate relative to the
# (vanishing) result, so the bound is on the error relative to the size of the terms that
# cancel.  These are the bounds; relufast/_vecmath.h measures well inside them
# (tools/vecmath/ACCURACY.md).
TRANSCENDENTAL_ULP_TOL = {F32: 2.0, F64: 4.0}


def ulp_error(got, want, dtype, *, want_lo=None, floor=None):
    """|got - want| in ulps of ``dtype``, elementwise, as a float64 array.

    ``want`` (float64) is the exact value, or with ``want_lo`` the unevaluated sum
    ``want + want_lo`` (double-double, for float64 results against mpmath).  The ulp is that of
    ``dtype`` at ``max(|want|, floor)`` rounded to ``dtype``.  Non-finite values must match
    exactly: NaN against NaN and an infinity against the same infinity (``want`` rounded to
    ``dtype``, so a float64 value beyond float32's range expects inf) give 0, anything else inf.
    """
    dtype = np.dtype(dtype)
    got = np.asarray(got).astype(F64)
    want = np.asarray(want, dtype=F64)
    lo = np.zeros_like(want) if want_lo is None else np.asarray(want_lo, dtype=F64)
    with np.errstate(all="ignore"):
        want_d = want.astype(dtype).astype(F64)  # the exact value rounded to dtype
        scale = np.abs(want) if floor is None else np.maximum(np.abs(want), np.abs(floor))
        ulp = np.spacing(scale.astype(dtype)).astype(F64)
        err = np.abs((got - want) - lo) / ulp
        special = ~np.isfinite(want_d) | ~np.isfinite(got)
        same = (got == want_d) | (np.isnan(got) & np.isnan(want_d))
        return np.where(special, np.where(same, 0.0, np.inf), err)


def assert_ulp(got, want, dtype, tol, *, x=None, want_lo=None, floor=None, what=""):
    """Every element of ``got`` within ``tol`` ulps of ``want`` (see ulp_error)."""
    err = ulp_error(got, want, dtype, want_lo=want_lo, floor=floor)
    if np.all(err <= tol):
        return
    bad = np.flatnonzero(~(err <= tol))
    worst = bad[np.argmax(np.where(np.isnan(err.ravel()[bad]), np.inf, err.ravel()[bad]))]
    xs = "" if x is None else f" at x={np.asarray(x).ravel()[worst]!r}"
    raise AssertionError(
        f"{what}: {bad.size} of {err.size} elements off by more than {tol} ulp; worst "
        f"{err.ravel()[worst]:.3g} ulp{xs}: got {np.asarray(got).ravel()[worst]!r}, "
        f"want {np.asarray(want).ravel()[worst]!r}"
    )


def assert_gradient_ulp(got, grad, d, dtype, tol, *, d_lo=None, floor=None, x=None, what=""):
    """``got`` = grad * f'(x) with f'(x) = ``d`` (+ ``d_lo``, double-double) within ``tol`` ulp
    of f'(x) (taken at max(|d|, floor)) times |grad|, plus half an ulp for the final rounding;
    exactly 0 where d == 0."""
    dtype = np.dtype(dtype)
    got = np.asarray(got).astype(F64)
    g = np.asarray(grad).astype(F64)
    d = np.asarray(d, dtype=F64)
    d_lo = np.zeros_like(d) if d_lo is None else np.asarray(d_lo, dtype=F64)
    with np.errstate(all="ignore"):
        p, p_err = ref._two_product(g, d)  # g * (d + d_lo) = p + p_err + g * d_lo
        zero = d == 0  # the select: exactly 0 whatever grad holds
        p, p_err, d_lo = (np.where(zero, 0.0, v) for v in (p, p_err, d_lo))
        want_d = p.astype(dtype).astype(F64)
        scale = np.abs(d) if floor is None else np.maximum(np.abs(d), np.abs(floor))
        dulp = np.spacing(scale.astype(dtype)).astype(F64)
        top = np.minimum(np.abs(p), float(np.finfo(dtype).max)).astype(dtype)
        bound = tol * np.abs(g) * dulp + 0.5 * np.spacing(top).astype(F64)
        err = np.abs((got - p) - (p_err + g * d_lo))
        err = np.where(np.isfinite(p_err), err, np.abs(got - p))  # p_err is NaN for huge p
        # non-finite results must match grad * f'(x) rounded to dtype; a finite result near
        # the top of the range may round to inf in one computation and not the other: bound
        special = ~np.isfinite(got) | ~np.isfinite(p)
        same = (got == want_d) | (np.isnan(got) & np.isnan(want_d))
        ok = same | (~special & (err <= bound))
    if ok.all():
        return
    bad = np.flatnonzero(~ok.ravel())
    with np.errstate(all="ignore"):
        ratio = np.where(special, np.inf, err / dulp / np.abs(g)).ravel()
    worst = bad[np.argmax(np.nan_to_num(ratio[bad], nan=np.inf))]
    xs = "" if x is None else f" at x={np.asarray(x).ravel()[worst]!r}"
    raise AssertionError(
        f"{what}: {bad.size} of {ok.size} elements off by more than {tol} ulp of f'(x); worst "
        f"{ratio[worst]:.3g}{xs}, grad={g.ravel()[worst]!r}: got {got.ravel()[worst]!r}, "
        f"want {p.ravel()[worst]!r}"
    )


def derivative_floor(fn, x):
    """The scale of f'(x)'s ulp for derivatives that cross zero (see TRANSCENDENTAL_ULP_TOL):
    the sum of the magnitudes of the derivative's two terms; None for the others."""
    if not fn.crosses_zero:
        return None
    x = np.asarray(x, dtype=F64)
    with np.errstate(all="ignore"):
        if fn.name == "silu":
            s, sm = ref._sigmoid(x), ref._sigmoid(-x)
            t = np.where(sm == 0, 0.0, np.abs(x) * s * sm)
        elif fn.name == "mish":
            sp = ref._softplus1(x)
            sech = 1.0 / np.cosh(sp)
            s = np.tanh(sp)
            t = np.where(sech == 0, 0.0, np.abs(x) * sech * sech * ref._sigmoid(x))
        elif fn.kw.get("approximate") == "tanh":
            s, sm, du = ref._tanh_form_parts(x)
            t = np.where((s == 0) | (sm == 0), 0.0, np.abs(x) * s * sm * du)
        else:
            s = ref._Phi(x)
            t = np.abs(x) * ref._phi(x)
        return np.nan_to_num(s + t, nan=0.0)


def same_bits(a, b):
    """Elementwise: equal bit patterns, or both NaN (payloads ignored).  Zero signs count."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return np.zeros(np.broadcast_shapes(a.shape, b.shape), bool)
    ua = np.ascontiguousarray(a).view(f"u{a.dtype.itemsize}")
    ub = np.ascontiguousarray(b).view(f"u{b.dtype.itemsize}")
    return (ua == ub) | (np.isnan(a) & np.isnan(b))


def assert_same(got, want, what=""):
    """Same dtype, same shape, and bitwise equal up to NaN payloads (-0.0 differs from +0.0)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, want {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    ok = same_bits(got, want)
    if not ok.all():
        i = np.flatnonzero(~ok.ravel())
        raise AssertionError(
            f"{what}: {i.size} of {ok.size} elements differ; first at flat index {i[0]}: "
            f"got {got.ravel()[i[0]]!r}, want {want.ravel()[i[0]]!r}"
        )


# ---------------------------------------------------------------------------------------------
# exact values through mpmath (float64 results of the transcendental functions)

try:
    import mpmath
except ImportError:  # the test extra has it; without it the float64 accuracy tests skip
    mpmath = None
_MP_DPS = 50
_MP_C = None


def _mp_consts():
    global _MP_C
    if _MP_C is None:
        with mpmath.workdps(_MP_DPS):
            _MP_C = {
                "sqrt2": mpmath.sqrt(2),
                "sqrt2pi": mpmath.sqrt(2 * mpmath.pi),
                "c": mpmath.sqrt(2 / mpmath.pi),  # the tanh form's sqrt(2/pi), exactly
                "k": mpmath.mpf("0.044715"),
            }
    return _MP_C


def _mp_sigmoid(t):
    return 1 / (1 + mpmath.exp(-t))


def _mp_exact(kind, x, p):
    """f(x) (kind "forward") or f'(x) ("derivative"), exactly, with the parameters ``p``."""
    C = _mp_consts()
    name = p["name"]
    if name in ("elu", "selu", "celu"):
        sa, s = p["sa"], p["s"]
        if x > 0:
            return s * x if kind == "forward" else s
        # elu, selu: sa expm1(x), derivative sa exp(x); celu (sa = qa = alpha, q = x / alpha
        # rounded): alpha expm1(q), derivative exp(q)
        q = p["q"] if name == "celu" else x
        return sa * mpmath.expm1(q) if kind == "forward" else sa * mpmath.exp(q) / p["qa"]
    if name == "gelu":
        phi = mpmath.exp(-x * x / 2) / C["sqrt2pi"]
        if abs(x) > 1e4:
            # far tails: newer mpmath's erfc overflows converting huge arguments; the
            # asymptotic series is exact to ~1e-24 here (and the results saturate anyway)
            tail = phi / abs(x) * (1 - 1 / x**2 + 3 / x**4)
            Phi = tail if x < 0 else 1 - tail
        else:
            Phi = mpmath.erfc(-x / C["sqrt2"]) / 2
        return x * Phi if kind == "forward" else Phi + x * phi
    if name == "gelu_tanh":
        s = _mp_sigmoid(2 * C["c"] * (x + C["k"] * x**3))
        if kind == "forward":
            return x * s
        return s + x * s * (1 - s) * 2 * C["c"] * (1 + 3 * C["k"] * x * x)
    if name == "silu":
        s = _mp_sigmoid(x)
        if kind == "forward":
            return x * s
        return s + x * s * (1 - s)
    if name == "softplus":
        b = p["beta"]
        if p["linear"]:  # x * beta > threshold in the dtype: x itself, slope 1
            return x if kind == "forward" else mpmath.mpf(1)
        if kind == "forward":
            return mpmath.log1p(mpmath.exp(b * x)) / b
        return _mp_sigmoid(b * x)
    if name == "mish":
        sp = mpmath.log1p(mpmath.exp(x))
        if kind == "forward":
            return x * mpmath.tanh(sp)
        return mpmath.tanh(sp) + x * mpmath.sech(sp) ** 2 * _mp_sigmoid(x)
    raise KeyError(name)


def _mp_params(fn, dtype):
    """fn's parameters as mpmath numbers, rounded as the kernels round them for ``dtype``."""
    sa, s, qa = 1.0, 1.0, 1.0
    kw = fn.kw
    prec = working_dtype(dtype)
    if fn.name == "elu":
        sa = ref._param(kw.get("alpha", 1.0), prec)
    elif fn.name == "selu":
        sa, s = ref._selu_constants(prec)
    elif fn.name == "celu":
        sa = qa = ref._param(kw.get("alpha", 1.0), prec)  # exp(q) = sa * exp(q) / qa
    name = "gelu_tanh" if kw.get("approximate") == "tanh" else fn.name
    out = {"name": name, "sa": mpmath.mpf(sa), "s": mpmath.mpf(s), "qa": mpmath.mpf(qa)}
    if fn.name == "softplus":
        out["beta_f"] = ref._param(kw.get("beta", 1.0), prec)
        out["threshold_f"] = ref._param(kw.get("threshold", 20.0), prec)
        out["beta"] = mpmath.mpf(out["beta_f"])
    return out


@functools.lru_cache(maxsize=None)
def _exact_cached(fn, kind, xbytes, qbytes):
    x = np.frombuffer(xbytes, F64)
    q = np.frombuffer(qbytes, F64) if qbytes else None
    hi = np.full(x.shape, np.nan, F64)
    lo = np.zeros(x.shape, F64)
    with mpmath.workdps(_MP_DPS):
        base = _mp_params(fn, F64)
        for i, xi in enumerate(x):
            if not np.isfinite(xi):
                continue  # the limits: exact_values takes them from the twin
            p = dict(base)
            if q is not None:
                p["q"] = mpmath.mpf(float(q[i]))
            if fn.name == "softplus":  # PyTorch's test, x * beta rounded to float64
                p["linear"] = float(xi) * p["beta_f"] > p["threshold_f"]
            v = _mp_exact(kind, mpmath.mpf(float(xi)), p)
            h = float(v) if abs(v) < 2**1024 else math.copysign(math.inf, v)
            hi[i] = h
            if math.isfinite(h):
                lo[i] = float(v - mpmath.mpf(h))
    return hi, lo


def exact_values(fn, x, derivative=False):
    """(hi, lo): fn's exact value f(x), or f'(x) with ``derivative``, at float64 x, as an
    unevaluated double-double, through mpmath (cached); for non-finite x, the twin's limits."""
    if mpmath is None:
        pytest.skip("mpmath is needed for exact float64 values (pip install mpmath)")
    x = np.ascontiguousarray(x, dtype=F64)
    kind = "derivative" if derivative else "forward"
    q = fn.celu_quotient(x, F64) if fn.name == "celu" else None
    hi, lo = _exact_cached(fn, kind, x.tobytes(), b"" if q is None else q.tobytes())
    hi, lo = hi.copy(), lo.copy()
    special = ~np.isfinite(x)
    if special.any():
        if derivative:
            hi[special] = fn.ref_gradient(np.ones(special.sum()), x[special], F64)
        else:
            hi[special] = fn.ref_forward(x[special], F64)
    return hi, lo
