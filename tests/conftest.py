"""Shared helpers for relufast's tests.

* the table of functions under test (``ELEMENTWISE``: every elementwise function with the
  parameter sets worth testing, its gradient, its float64 twin in relufast._reference and, for the
  transcendental ones, its exact value through mpmath);
* the accuracy rule (``TRANSCENDENTAL_ULP_TOL``, ``ulp_error``, ``assert_gradient_ulp``,
  ``derivative_floor``, and ``exact_values`` through mpmath);
* value generators (random data over several scales, the edge values) and array layouts (every
  stride pattern the kernels must handle, ``LAYOUTS`` and ``in_layout``);
* ``assert_same``: bitwise equality up to NaN payloads, for the results that are exact;
* known bugs: one ``xfail(strict=True)`` marker per bug, with what goes wrong, so that a fix
  turns the test red (XPASS) and the marker gets removed.
"""

import dataclasses
import functools
import math
import zlib

import numpy as np
import pytest

import relufast
from relufast import _api
from relufast import _reference as ref

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (F16, F32, F64)

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


def working_dtype(dtype):
    """The dtype the kernels compute in for an array of ``dtype`` (float32 for float16)."""
    return F64 if np.dtype(dtype) == F64 else F32


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
    raise KeyError(name)


@functools.lru_cache(maxsize=None)
def _exact_cached(key, kind, xbytes, qbytes):
    fn = _FN_BY_ID[key]
    x = np.frombuffer(xbytes, F64)
    q = np.frombuffer(qbytes, F64) if qbytes else None
    hi = np.full(x.shape, np.nan, F64)
    lo = np.zeros(x.shape, F64)
    with mpmath.workdps(_MP_DPS):
        base = fn.mp_params(F64)
        for i, xi in enumerate(x):
            if not np.isfinite(xi):
                continue  # the limits: exact_values takes them from the twin
            p = dict(base)
            if q is not None:
                p["q"] = mpmath.mpf(float(q[i]))
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
    hi, lo = _exact_cached(fn.id, kind, x.tobytes(), b"" if q is None else q.tobytes())
    hi, lo = hi.copy(), lo.copy()
    special = ~np.isfinite(x)
    if special.any():
        if derivative:
            hi[special] = fn.ref_gradient(np.ones(special.sum()), x[special], F64)
        else:
            hi[special] = fn.ref_forward(x[special], F64)
    return hi, lo


# ---------------------------------------------------------------------------------------------
# the functions under test


@dataclasses.dataclass(frozen=True)
class Fn:
    """One elementwise public function with one set of parameters, and its gradient.

    ``exact``: no transcendental operation, so float32 and float64 results equal the twin's
    rounded to the dtype, bitwise (float16: the float32 result rounded, so twice).  ``from_output``: the gradient accepts ``from_output=True``.
    ``crosses_zero``: the derivative has a root inside its domain (see derivative_floor).
    """

    name: str
    params: tuple = ()
    exact: bool = False
    from_output: bool = True
    crosses_zero: bool = False
    threshold: int = _api._PARALLEL_MIN_TRANSCENDENTAL

    @property
    def kw(self):
        return dict(self.params)

    @property
    def id(self):
        args = ",".join(f"{v}" if k in ("weight", "approximate") else f"{k}={v}"
                        for k, v in self.params)
        return f"{self.name}({args})" if args else self.name

    @property
    def grad_name(self):
        return self.name + "_grad"

    # relufast

    def forward(self, x, **kw):
        return getattr(relufast, self.name)(x, **self.kw, **kw)

    def gradient(self, grad, x, **kw):
        out = getattr(relufast, self.grad_name)(grad, x, **self.kw, **kw)
        return out[0] if self.name == "prelu" else out

    # the float64 twin, with parameters rounded to the working precision of ``dtype``

    def _ref_kw(self, dtype):
        kw = self.kw
        if self.name not in ("relu", "relu6", "gelu", "silu"):
            kw["precision"] = working_dtype(dtype)
        if self.name == "prelu" and np.dtype(dtype) == F16:
            # prelu's weight is an array of x's dtype: a scalar weight is rounded to float16
            kw["weight"] = float(np.float16(kw["weight"]))
        return kw

    def ref_forward(self, x, dtype):
        """The twin's forward (float64) for an array of ``dtype``: round it to compare."""
        return getattr(ref, self.name)(x, **self._ref_kw(dtype))

    def ref_gradient(self, grad, x, dtype, from_output=False):
        kw = self._ref_kw(dtype)
        if from_output:
            kw["from_output"] = True
        out = getattr(ref, self.grad_name)(grad, x, **kw)
        return out[0] if self.name == "prelu" else out

    # exact values (mpmath) for float64

    def mp_params(self, dtype):
        sa, s, qa = 1.0, 1.0, 1.0
        kw = self.kw
        prec = working_dtype(dtype)
        if self.name == "elu":
            sa = ref._param(kw.get("alpha", 1.0), prec)
        elif self.name == "selu":
            sa, s = ref._selu_constants(prec)
        elif self.name == "celu":
            sa = qa = ref._param(kw.get("alpha", 1.0), prec)  # exp(q) = sa * exp(q) / qa
        name = "gelu_tanh" if kw.get("approximate") == "tanh" else self.name
        return {"name": name, "sa": mpmath.mpf(sa), "s": mpmath.mpf(s), "qa": mpmath.mpf(qa)}

    def from_output_floor(self, dtype):
        """From the output, f'(x) is y + scale*alpha (elu, selu) or y/alpha + 1 (celu): a sum
        that cancels as y -> its lower limit, so its ulp is taken at that constant."""
        prec = working_dtype(dtype)
        if self.name == "elu":
            return abs(ref._param(self.kw.get("alpha", 1.0), prec))
        if self.name == "selu":
            return ref._selu_constants(prec)[0]
        return 1.0 if self.name == "celu" else None

    def celu_quotient(self, x, dtype):
        a = ref._param(self.kw.get("alpha", 1.0), working_dtype(dtype))
        return ref._celu_quotient(np.asarray(x, F64), a, working_dtype(dtype))


_CHEAP = _api._PARALLEL_MIN_CHEAP

ELEMENTWISE = [
    Fn("relu", exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 0.01),), exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 0.0),), exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", -0.3),), exact=True, from_output=False,
       threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 1.7),), exact=True, threshold=_CHEAP),
    Fn("prelu", (("weight", 0.25),), exact=True, from_output=False, threshold=_CHEAP),
    Fn("prelu", (("weight", -1.5),), exact=True, from_output=False, threshold=_CHEAP),
    Fn("elu", (("alpha", 1.0),)),
    Fn("elu", (("alpha", 0.3),)),
    Fn("elu", (("alpha", 2.5),)),
    Fn("elu", (("alpha", -0.7),), from_output=False),
    Fn("selu"),
    Fn("celu", (("alpha", 1.0),)),
    Fn("celu", (("alpha", 0.7),)),  # x / 0.7 is inexact
    Fn("celu", (("alpha", 4.0),)),
    Fn("celu", (("alpha", -0.5),), from_output=False),
    Fn("relu6", exact=True, threshold=_CHEAP),
    Fn("gelu", (("approximate", "none"),), from_output=False, crosses_zero=True),
    Fn("gelu", (("approximate", "tanh"),), from_output=False, crosses_zero=True),
    Fn("silu", from_output=False, crosses_zero=True),
]
_FN_BY_ID = {fn.id: fn for fn in ELEMENTWISE}
EXACT = [fn for fn in ELEMENTWISE if fn.exact]
TRANSCENDENTAL = [fn for fn in ELEMENTWISE if not fn.exact]
FROM_OUTPUT = [fn for fn in ELEMENTWISE if fn.from_output]
NO_FROM_OUTPUT = [fn for fn in ELEMENTWISE if not fn.from_output]


def fn_params(fns, marks=None):
    """pytest.param per Fn, with ids, and marks from ``marks(fn)`` (a list) if given."""
    return [pytest.param(fn, id=fn.id, marks=(marks(fn) if marks else ())) for fn in fns]


# ---------------------------------------------------------------------------------------------
# known bugs: each is an xfail(strict=True) marker; the report lists them


def known_bug(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# ---------------------------------------------------------------------------------------------
# values


def special_values(dtype):
    """The edge values of ``dtype``, by group: {group: float64 array of dtype-exact values}."""
    info = np.finfo(dtype)
    tiny, big = float(info.tiny), float(info.max)
    denorm = float(info.smallest_subnormal)
    six_lo = float(np.nextafter(np.array(6, dtype), np.array(0, dtype)))
    six_hi = float(np.nextafter(np.array(6, dtype), np.array(7, dtype)))
    groups = {
        "zeros": [0.0, -0.0],
        "kinks": [6.0, six_lo, six_hi, -6.0, 1.0, -1.0, denorm, -denorm],
        "subnormals": [denorm, -denorm, 3 * denorm, -3 * denorm, tiny / 2, -tiny / 2,
                       tiny, -tiny, tiny * (1 - info.eps), -tiny * (1 - info.eps)],
        "large": [100.0, -100.0, 1000.0, -1000.0, 1e30, -1e30, big, -big, big / 2, -big / 2],
        "infinities": [math.inf, -math.inf],
        "nan": [math.nan, -math.nan],
    }
    with np.errstate(over="ignore"):
        return {k: np.array(v, dtype=dtype).astype(F64) for k, v in groups.items()}


SPECIAL_GROUPS = ("zeros", "kinks", "subnormals", "large", "infinities", "nan")

SCALES = (1e-3, 1.0, 8.0, 100.0)


def random_values(rng, n, dtype, scale=1.0):
    """n values of ``dtype`` (as the dtype): a normal sample of the given scale."""
    with np.errstate(over="ignore"):
        return (rng.standard_normal(n) * scale).astype(dtype)


def mixed_values(rng, n, dtype):
    """n values of ``dtype``: every scale mixed, with every edge value sprinkled in."""
    parts = [random_values(rng, n, dtype, s) for s in SCALES]
    v = np.concatenate(parts)
    v = v[rng.permutation(v.size)[:n]]
    edges = np.concatenate(list(special_values(dtype).values())).astype(dtype)
    pos = rng.choice(n, size=min(n, edges.size), replace=False)
    v[pos] = edges[: pos.size]
    return v


# ---------------------------------------------------------------------------------------------
# layouts: the same values in every stride pattern the kernels must handle

LAYOUTS = ("C", "F", "permuted", "step", "negative", "step-negative", "offset", "unaligned",
           "broadcast")
# layouts that can be written to (a broadcast view cannot)
OUT_LAYOUTS = tuple(lay for lay in LAYOUTS if lay != "broadcast")


def in_layout(values, layout):
    """A new array equal to ``values`` (any shape) whose memory layout is ``layout``:

    C, F (Fortran), permuted (axes rotated: neither C nor F for ndim >= 3, transposed for 2-D),
    step (every axis sliced with a step of 2 or 3), negative (every axis reversed), step-negative
    (both), offset (C order, starting 3 elements into a buffer: not 64-byte aligned), unaligned
    (C order at an odd byte address: not even itemsize-aligned), broadcast (a read-only view
    with a zero stride along the first axis of length > 1, where the values allow it; else C).
    """
    v = np.asarray(values)
    dt, nd = v.dtype, v.ndim
    if layout == "C" or nd == 0 and layout not in ("offset", "unaligned"):
        return v.copy()
    if layout == "F":
        return np.asfortranarray(v.copy())
    if layout == "permuted":
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(v, 0, -1)), -1, 0)
    if layout in ("step", "negative", "step-negative"):
        # axis i: step 2 or 3 (alternating), negated for the negative layouts
        steps = [1 if layout == "negative" else 2 + i % 2 for i in range(nd)]
        sign = 1 if layout == "step" else -1
        buf = np.full(tuple(n * k for n, k in zip(v.shape, steps)), np.nan, dt)
        view = buf[tuple(slice(None, None, sign * k) for k in steps)]
        view[...] = v
        return view
    if layout == "offset":
        buf = np.full(v.size + 3, np.nan, dt)
        view = buf[3:].reshape(v.shape)
        view[...] = v
        return view
    if layout == "unaligned":
        raw = np.zeros(v.size * dt.itemsize + 1, np.uint8)
        view = np.ndarray(v.shape, dt, buffer=raw.data, offset=1)
        view[...] = v
        return view
    if layout == "broadcast":
        return v.copy()  # values generally differ along every axis; see broadcast_input
    raise ValueError(layout)


def broadcast_input(rng, shape, dtype):
    """A read-only array of ``shape`` with a zero stride (np.broadcast_to of one row)."""
    row = random_values(rng, shape[-1] if shape else 1, dtype, 4.0)
    return np.broadcast_to(row.reshape((1,) * (len(shape) - 1) + row.shape), shape)


SHAPES = [(), (0,), (1,), (7,), (3, 5), (4, 0, 3), (2, 3, 5), (2, 3, 2, 5), (2, 1, 3, 2, 3)]


def shape_id(shape):
    return "x".join(map(str, shape)) if shape else "0d"


# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def rng(request):
    """A generator seeded from the test's name: reproducible, different per test."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def default_isa():
    """Restore the default kernel module after a test that switches it."""
    yield
    _api._select_isa()


@pytest.fixture
def thread_state():
    """Leave the process-wide thread setting as the test found it (unset)."""
    relufast.set_num_threads(None)
    yield
    relufast.set_num_threads(None)


class KernelSpy:
    """Records the thread count ``nt`` every compiled call receives (its last argument)."""

    def __init__(self):
        self.calls = []

    def wrap(self, fn):
        def spy(*args):
            self.calls.append(args[-1])
            return fn(*args)
        return spy


@pytest.fixture
def kernel_spy(monkeypatch):
    """Wrap the compiled entry points of the active kernel module to record thread counts."""
    spy = KernelSpy()
    k = _api._K
    for table in ("forward", "gradient", "prelu_forward", "prelu_gradient"):
        wrapped = {dt: spy.wrap(f) for dt, f in getattr(k, table).items()}
        monkeypatch.setattr(k, table, wrapped)
    return spy


# ---------------------------------------------------------------------------------------------
# pytest-run-parallel (pytest --parallel-threads=N runs every test in N threads at once): tests
# that change process-wide state, the thread count, the kernel module, monkeypatched kernels,
# sys.stdout (doctest), would race copies of themselves, so they run in one thread


_PROCESS_WIDE_FIXTURES = {"thread_state", "default_isa", "kernel_spy"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = _PROCESS_WIDE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if used:
            item.add_marker(pytest.mark.thread_unsafe(reason=f"process-wide state: {used}"))
        elif getattr(item, "originalname", "") == "test_docstring_examples":
            item.add_marker(pytest.mark.thread_unsafe(reason="doctest swaps sys.stdout"))
