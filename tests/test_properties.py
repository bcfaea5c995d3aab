"""Property tests (Hypothesis) over the whole input space of every public function.

Each example draws a function and its parameters, a dtype, a shape (0-d and empty included), the
layout of every operand (C, Fortran, permuted, stepped, reversed, offset, unaligned, a zero-stride
broadcast, an as_strided view with negative, zero and overlapping strides, a Python list) and an
``out`` (none, the input itself, ``grad``, a partial overlap with an input, a strided view, or a
bad one: wrong shape, wrong dtype, non-native, read-only, masked, not an array), and at most one
fault (a bad parameter, dtype, weight, axis, grad/x mismatch, from_output).  Then:

* a valid call returns what the oracle says: the float64 twin
  (tests/reference.py) rounded to the dtype, bitwise for relu, leaky_relu, prelu and relu6, and
  within TRANSCENDENTAL_ULP_TOL in float32 for the others; float16 is the float32 computation
  rounded once; float64 results of the transcendental functions are checked against the twin at
  F64_TWIN_TOL ulp (the exact float64 accuracy is test_values.py's job, with mpmath);
* a refused call raises the exception docs/semantics.md names, with the argument's name in the
  message, and writes nothing: ``out`` and every input keep their bytes;
* an input is never modified unless it is ``out``.

Known, open bugs and documented departures from the twin's exact value are masked element by
element in ``_known_bug_mask`` (celu_grad's NaN where x / alpha overflows, open; relu_squared_grad's
2 * x overflow, documented in docs/semantics.md; the elu gradient's exp underflow and celu's
early overflow for alpha < 0 are fixed), so these tests
neither hide a new failure nor fail on a tracked one.

Profiles: RELUFAST_HYPOTHESIS_PROFILE=ci (default: 500 examples a test, derandomized, so CI is
reproducible; ~10 s) or thorough (6,000, random); RELUFAST_HYPOTHESIS_EXAMPLES overrides the
count.  ``pytest --hypothesis-show-statistics`` reports how many ran.
"""

import math
import os
import re

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, event, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import relufast  # noqa: E402

import reference as ref  # noqa: E402
from cases import (  # noqa: E402
    F16,
    F32,
    F64,
    LAYOUTS,
    OUT_LAYOUTS,
    Fn,
    in_layout,
    mixed_values,
    working_dtype,
)
from numerics import (  # noqa: E402
    TRANSCENDENTAL_ULP_TOL,
    assert_gradient_ulp,
    assert_same,
    assert_ulp,
    derivative_floor,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning"),
    pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
]

_PROFILES = {
    "ci": dict(max_examples=500, derandomize=True),  # ~30 for each of the 16 functions
    "thorough": dict(max_examples=6000, derandomize=False),
}
_profile = _PROFILES[os.environ.get("RELUFAST_HYPOTHESIS_PROFILE", "ci")]
if os.environ.get("RELUFAST_HYPOTHESIS_EXAMPLES"):
    _profile = dict(_profile, max_examples=int(os.environ["RELUFAST_HYPOTHESIS_EXAMPLES"]))
PROFILE = settings(
    deadline=None,
    database=None,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
    **_profile,
)

# float64 transcendental results against the twin: the twin is within 8 ulp of the exact value
# (tests/test_reference.py) and the kernels within TRANSCENDENTAL_ULP_TOL; the exact float64
# accuracy is test_values.py's and test_gradients.py's job, with mpmath
F64_TWIN_TOL = 8 + TRANSCENDENTAL_ULP_TOL[F64]
# ... wherever the result exceeds 1e-290; below, the twin's intermediates go subnormal, so there
# the ulp is taken at 1e-290 (an absolute bound of ~2e-305)
TWIN_F64_FLOOR = 1e-290

DTYPES = (F16, F32, F64)
# every public activation with its _grad (the gated units, with two inputs, are
# tests/test_gated.py's; rrelu is drawn in evaluation, training=False: training draws its
# slopes from a generator, tests/test_rrelu.py)
NAMES = ("relu", "leaky_relu", "prelu", "elu", "selu", "celu", "relu6", "gelu", "silu",
         "mish", "hardtanh", "threshold", "hardsigmoid", "hardswish", "relu_squared", "rrelu",
         "softplus")
EXACT = {"relu", "leaky_relu", "prelu", "relu6", "hardtanh", "threshold", "hardsigmoid",
         "hardswish", "relu_squared", "rrelu"}
# the parameters each function takes (all drawn, all passed by keyword)
PARAMS = {"leaky_relu": ("negative_slope",), "elu": ("alpha",), "celu": ("alpha",),
          "hardtanh": ("min_val", "max_val"), "threshold": ("threshold", "value"),
          "rrelu": ("lower", "upper"), "softplus": ("beta", "threshold")}
# pairs that must be ordered, first <= second (ValueError otherwise)
ORDERED = {"hardtanh", "rrelu"}
# the gradients that refuse from_output=True whatever their parameters
NO_FROM_OUTPUT = {"gelu", "silu", "mish", "softplus", "hardsigmoid", "hardswish",
                  "relu_squared"}
F32_MAX = float(np.finfo(np.float32).max)
F16_MAX = float(np.finfo(np.float16).max)

# ---------------------------------------------------------------------------------------------
# values and parameters


def _elements(dtype):
    return st.floats(width=8 * np.dtype(dtype).itemsize, allow_nan=True, allow_infinity=True,
                     allow_subnormal=True)


_SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)


@st.composite
def values_of(draw, dtype, shape):
    """Values of ``dtype``: Hypothesis's (which favour simple ones: 0, 1, the edges) or, half
    the time, cases.mixed_values (every scale, the edge values sprinkled in), which make a
    wrong element, a stale one or a missed write show."""
    if draw(st.booleans()):
        return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))
    n = int(np.prod(shape, dtype=np.int64))
    if n == 0:
        return np.zeros(shape, dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return mixed_values(rng, n, dtype).reshape(shape)


def _valid_param(name, dtype, pname=None):
    """A parameter ``pname`` of ``name`` the call must accept for an array of ``dtype``: 0,
    negative, huge, tiny."""
    top = 1e300 if dtype == F64 else F32_MAX
    low = 2.0**-149 if dtype != F64 else 5e-324  # celu: nonzero once rounded
    finite = st.floats(-top, top, allow_nan=False, allow_infinity=False)
    special = st.sampled_from([0.0, -0.0, 1.0, 0.01, -0.3, 1.7, 0.5, -1.0, 2.0, 1e-30, -1e-30,
                               1e30, -1e30, top, -top, low, -low, 1e-300, 1e-40])
    v = st.one_of(special, finite, st.integers(-1000, 1000), finite.map(np.float64),
                  st.floats(width=32, allow_nan=False, allow_infinity=False).map(np.float32))
    if name == "celu":
        v = v.map(lambda p: p if abs(float(p)) >= low else low)
    if (name, pname) == ("softplus", "beta"):  # positive, nonzero once rounded
        v = v.map(lambda p: abs(p) if abs(float(p)) >= low else low)
    if dtype != F64:
        v = v.map(lambda p: p if abs(float(p)) <= F32_MAX else math.copysign(F32_MAX, p))
    return v


@st.composite
def _valid_params(draw, name, dtype):
    """Every parameter of ``name``, valid for an array of ``dtype``, as keyword arguments."""
    names = PARAMS[name]
    values = [draw(_valid_param(name, dtype, p)) for p in names]
    if name in ORDERED:
        values.sort(key=float)
    return dict(zip(names, values))


def _bad_param(name, dtype, pname):
    """(value, exception) the call must refuse for the parameter ``pname``."""
    bad = [(math.nan, ValueError), (math.inf, ValueError), (-math.inf, ValueError),
           (np.float32("nan"), ValueError), (10**400, ValueError), ("0.5", TypeError),
           ([0.5], TypeError), (True, TypeError), (1j, TypeError)]
    if name != "rrelu":  # rrelu_grad takes None for the forward's default bounds
        bad += [(None, TypeError)]
    if dtype != F64:
        bad += [(1e39, ValueError), (-3.5e38, ValueError)]
    if name == "celu" or (name, pname) == ("softplus", "beta"):
        bad += [(0.0, ValueError), (-0.0, ValueError), (0, ValueError)]
        if dtype != F64:
            bad += [(1e-50, ValueError), (-2.0**-151, ValueError)]
    if (name, pname) == ("softplus", "beta"):
        bad += [(-1.0, ValueError), (-1e-30, ValueError)]
    return st.sampled_from(bad)


# ---------------------------------------------------------------------------------------------
# operands in every layout


def _sentinel(shape, dtype, seed):
    """Random bit patterns (NaN payloads included): what an uninitialized out holds."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    raw = np.random.default_rng(seed).integers(0, 256, n * dtype.itemsize, dtype=np.uint8)
    return raw.view(dtype).reshape(shape)


def _as_strided_view(values, seed):
    """A read-only as_strided view of shape values.shape over a 1-D buffer, strides drawn from
    -2..2 elements (zero: repeated elements; small: overlapping rows); returns the view, whose
    values are whatever the buffer holds there."""
    rng = np.random.default_rng(seed)
    shape, dt = values.shape, values.dtype
    steps = [int(rng.integers(-2, 3)) for _ in shape]
    lo = sum(min(0, (n - 1) * s) for n, s in zip(shape, steps) if n)
    hi = sum(max(0, (n - 1) * s) for n, s in zip(shape, steps) if n)
    buf = np.empty(hi - lo + 1, dt)
    flat = values.ravel()
    buf[:] = np.resize(flat, buf.shape) if flat.size else 0
    start = buf[-lo:]
    return np.lib.stride_tricks.as_strided(start, shape, [s * dt.itemsize for s in steps],
                                           writeable=False)


def _broadcast_view(values):
    """A zero-stride view: the first slice along the first axis longer than 1, repeated."""
    for ax, n in enumerate(values.shape):
        if n > 1:
            row = np.take(values, [0], axis=ax).copy()
            return np.broadcast_to(row, values.shape)
    return values.copy()


OPERAND_LAYOUTS = tuple(lay for lay in LAYOUTS if lay != "broadcast") + (
    "broadcast", "as_strided", "list")


def _operand(values, layout, seed):
    if layout == "broadcast":
        return _broadcast_view(values)
    if layout == "as_strided":
        return _as_strided_view(values, seed)
    if layout == "list":  # an array-like: converted to float64 (only drawn for float64)
        lst = values.tolist()
        if np.shape(lst) == values.shape:  # [] cannot say (0, 3)
            return lst
        layout = "C"
    return in_layout(values, layout)


@st.composite
def operands(draw, dtype, shape, allow_list=True):
    """An operand of ``dtype`` and ``shape`` in a drawn layout."""
    values = draw(values_of(dtype, shape))
    layouts = OPERAND_LAYOUTS if (allow_list and dtype == F64) else OPERAND_LAYOUTS[:-1]
    layout = draw(st.sampled_from(layouts))
    note(f"layout {layout}")
    return _operand(values, layout, draw(st.integers(0, 2**32 - 1)))


def _c_values(a, dtype):
    """The values an operand holds, as a C-ordered array of ``dtype``."""
    return np.array(a, dtype=dtype)


# ---------------------------------------------------------------------------------------------
# out

# overlap thrice: it needs two elements or more, and it is the case most easily got wrong
GOOD_OUTS = ("none", "self", "fresh", "fortran", "strided", "overlap", "overlap", "overlap")
BAD_OUTS = ("wrong_shape", "wrong_dtype", "non_native", "read_only", "list", "masked", "int")
# an out of another float dtype is valid (the result is cast to it under same_kind,
# tests/test_mixed_dtypes.py, tests/test_prelu_mixed.py)
ELEMENTWISE_BAD_OUTS = tuple(k for k in BAD_OUTS if k != "wrong_dtype")


def _overlapping(values_in, dtype, seed):
    """(input, out): views of one buffer that overlap other than element for element."""
    rng = np.random.default_rng(seed)
    shape = values_in.shape
    n = values_in.size
    shift = int(rng.integers(1, max(2, n)))  # 1 .. n-1 elements apart
    buf = _sentinel((n + shift,), dtype, seed).copy()
    a, b = (0, shift) if rng.integers(2) else (shift, 0)
    x = buf[a:a + n].reshape(shape)
    x[...] = values_in
    out = buf[b:b + n]
    if rng.integers(2):
        out = out[::-1]
    return x, out.reshape(shape)


def _bad_out(kind, shape, dtype, seed):
    """(out, exception) for a refused out."""
    if kind == "wrong_shape":
        return _sentinel(shape + (2,), dtype, seed).copy(), ValueError
    if kind == "wrong_dtype":
        other = F32 if dtype != F32 else F64
        return _sentinel(shape, other, seed).copy(), TypeError
    if kind == "non_native":
        return _sentinel(shape, dtype, seed).astype(np.dtype(dtype).newbyteorder()), TypeError
    if kind == "int":
        return np.zeros(shape, np.int32), TypeError
    if kind == "read_only":
        o = _sentinel(shape, dtype, seed).copy()
        o.flags.writeable = False
        return o, ValueError
    if kind == "list":
        return _sentinel(shape, dtype, seed).tolist(), TypeError
    if kind == "masked":
        return np.ma.masked_array(_sentinel(shape, dtype, seed).copy(), mask=False), TypeError
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------
# the oracle


def _fn(name, kw, approximate):
    """cases' Fn for this function and parameters (so its twin and floors apply)."""
    if name in PARAMS:
        params = tuple((p, float(kw[p])) for p in PARAMS[name])
    elif name == "gelu":
        params = (("approximate", approximate),)
    else:
        params = ()
    return Fn(name, params, exact=name in EXACT,
              crosses_zero=name in ("gelu", "silu", "mish"))


def _known_bug_mask(fn, x64, dtype, *, gradient):
    """Elements where a known, open bug (a cases.known_bug marker on its test) applies."""
    x64 = np.asarray(x64, F64)
    mask = np.zeros(x64.shape, bool)
    if gradient and fn.name == "relu_squared":
        # 2 * x overflows in the working dtype past half its maximum: +-inf (NaN for a zero
        # grad) where the twin's grad * 2x is finite; PyTorch's order, kept and documented
        # (docs/semantics.md; test_relu_squared_grad_where_2x_overflows, tests/test_gradients.py)
        mask |= x64 > float(np.finfo(working_dtype(dtype)).max) / 2
    if gradient and fn.name == "celu":
        # alpha < 0 and x / alpha past the working dtype's range (a subnormal alpha): NaN for a
        # zero grad, not 0 (test_celu_grad_where_x_over_alpha_overflows, tests/test_gradients.py)
        a = ref._param(fn.kw["alpha"], working_dtype(dtype))
        with np.errstate(all="ignore"):
            q = (x64 / a).astype(working_dtype(dtype))
        mask |= (a < 0) & np.isinf(q) & np.isfinite(x64)
    return mask


def _unmask(got, want, mask):
    return np.where(mask, np.asarray(want, got.dtype), got)


def check_forward(fn, xv, got):
    """``got`` = fn(x) for the values ``xv`` (a C array of x's dtype)."""
    dtype = xv.dtype
    assert got.dtype == dtype and got.shape == xv.shape, (got.dtype, got.shape)
    x64 = xv.astype(F64)
    with np.errstate(all="ignore"):
        want = fn.ref_forward(x64, dtype)
    mask = _known_bug_mask(fn, x64, dtype, gradient=False)
    if fn.exact:
        with np.errstate(over="ignore"):
            w = want.astype(F32).astype(F16) if dtype == F16 else want.astype(dtype)
        assert_same(got, w, what=fn.id)
    elif dtype == F16:  # the float32 computation, rounded once
        x32 = xv.astype(F32)
        assert_same(got, fn.forward(x32).astype(F16), what=fn.id + " float16")
        check_forward(fn, x32, fn.forward(x32))
    else:
        if mask.any():
            with np.errstate(all="ignore"):
                got = _unmask(got, want.astype(dtype), mask)
        tol = TRANSCENDENTAL_ULP_TOL[F32] if dtype == F32 else F64_TWIN_TOL
        floor = None if dtype == F32 else TWIN_F64_FLOOR
        assert_ulp(got, want, dtype, tol, x=xv, floor=floor, what=fn.id)


def check_gradient(fn, gv, xv, got, from_output):
    dtype = xv.dtype
    assert got.dtype == dtype and got.shape == xv.shape, (got.dtype, got.shape)
    g64, x64 = gv.astype(F64), xv.astype(F64)
    with np.errstate(all="ignore"):
        want = fn.ref_gradient(g64, x64, dtype, from_output)
    if fn.exact:
        with np.errstate(over="ignore"):
            w = want.astype(F32).astype(F16) if dtype == F16 else want.astype(dtype)
        mask = np.zeros(x64.shape, bool) if from_output else _known_bug_mask(
            fn, x64, dtype, gradient=True)
        if mask.any():
            got = _unmask(got, w, mask)
        assert_same(got, w, what=fn.grad_name)
        return
    if dtype == F16:
        g32, x32 = gv.astype(F32), xv.astype(F32)
        want32 = fn.gradient(g32, x32, from_output=from_output)
        assert_same(got, want32.astype(F16), what=fn.grad_name + " float16")
        check_gradient(fn, g32, x32, want32, from_output)
        return
    mask = np.zeros(x64.shape, bool) if from_output else _known_bug_mask(fn, x64, dtype,
                                                                          gradient=True)
    if mask.any():
        with np.errstate(all="ignore"):
            got = _unmask(got, want.astype(dtype), mask)
    d = fn.ref_gradient(np.ones_like(x64), x64, dtype, from_output)
    # docs/semantics.md: where f'(x) *evaluates* to 0, in the working precision, the result is
    # exactly 0 whatever grad holds; the twin's f'(x) is float64, nonzero where a float32 one
    # underflows (selu'(-239)), so a NaN or inf grad may give 0 there as well as NaN or inf
    with np.errstate(all="ignore"):
        underflows = (d.astype(working_dtype(dtype)) == 0) & ~np.isfinite(g64)
    if underflows.any():
        got = np.where(underflows & (got == 0), want.astype(dtype), got)
    # f'(x) beyond float64's range at a finite x (celu with alpha < 0, exp(x / alpha)): the true
    # derivative is finite, so a zero grad times it is exactly (signed) 0 (docs/semantics.md: no
    # spurious NaN), where the twin's d is inf and 0 * inf NaN
    with np.errstate(all="ignore"):
        huge = np.isinf(d) & np.isfinite(x64) & (g64 == 0)
    if huge.any():
        assert np.all(got[huge] == 0), (fn.grad_name, got[huge])
        assert np.array_equal(np.signbit(got[huge]), np.signbit(g64[huge])), fn.grad_name
        d = np.where(huge, 1.0, d)
    floor = fn.from_output_floor(dtype) if from_output else derivative_floor(fn, x64)
    tol = TRANSCENDENTAL_ULP_TOL[F32] if dtype == F32 or from_output else F64_TWIN_TOL
    if dtype == F64 and not from_output:
        floor = np.maximum(TWIN_F64_FLOOR, 0.0 if floor is None else floor)
    assert_gradient_ulp(got, g64, d, dtype, tol, floor=floor, x=xv, what=fn.grad_name)


def _snapshot(arrays):
    return [(a, a.tobytes()) for a in arrays if isinstance(a, np.ndarray)]


def _unchanged(snap, what):
    for a, before in snap:
        assert a.tobytes() == before, f"{what} was written"


def refused(call, exc, name, keep, also=None):
    """``call()`` raises ``exc`` naming ``name`` (or, where a second fault came with the first,
    the exception and name ``also``: which check runs first is not the contract) and changes
    none of the arrays in ``keep``."""
    snap = _snapshot(keep)
    allowed = [(exc, name)] + ([also] if also else [])
    with pytest.raises(tuple(e for e, _ in allowed)) as info:
        call()
    msg = str(info.value)
    assert any(isinstance(info.value, e) and (n is None or re.search(
        rf"(?<![\w.]){re.escape(n)}(?!\w)", msg)) for e, n in allowed), (allowed, msg)
    _unchanged(snap, "an operand of a refused call")


# ---------------------------------------------------------------------------------------------
# the cases


@st.composite
def elementwise_cases(draw, gradient):
    name = draw(st.sampled_from([n for n in NAMES if n != "prelu"]))
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(_SHAPES)
    faults = ["none"] * 6 + ["param", "out", "dtype", "approximate"]
    if gradient:
        # (grad and x of different float dtypes are valid: tests/test_mixed_dtypes.py)
        faults += ["mismatch_shape", "from_output"]
    fault = draw(st.sampled_from(faults))
    if fault == "param" and name not in PARAMS:
        fault = "none"
    if fault == "approximate" and name != "gelu":
        fault = "none"
    note(f"{name} {dtype} {shape} fault={fault}")
    return name, dtype, shape, fault


def _from_output_ok(name, kw):
    """Does ``name``'s gradient accept from_output=True with the parameters ``kw``?"""
    if name in ("relu", "selu", "relu6", "hardtanh"):
        return True
    if name in ("leaky_relu", "elu"):
        return float(kw[PARAMS[name][0]]) >= 0
    if name == "celu":
        return float(kw["alpha"]) > 0
    if name == "threshold":  # the output tells the side of the threshold
        return float(kw["value"]) <= float(kw["threshold"])
    if name == "rrelu":  # the mean slope's sign: the output's sign tells the input's
        return (float(kw["lower"]) + float(kw["upper"])) / 2 >= 0
    return False


def _without_from_output(name, kw):
    """Parameters of ``name`` with which its gradient refuses from_output=True (``kw``
    changed in place), or False where there are none."""
    if name in ("leaky_relu", "elu", "celu"):
        p = PARAMS[name][0]
        kw[p] = -abs(float(kw[p])) or -1.0
    elif name == "threshold":
        kw["threshold"], kw["value"] = -1.0, 1.0
    elif name == "rrelu":
        kw["lower"], kw["upper"] = -1.0, -0.5
    else:
        return False
    return True


def _draw_params(data, name, dtype, fault):
    """(keyword arguments, expected (exception, argument name) or None, gelu's approximate)
    for a call of ``name`` (forward or gradient) under ``fault``."""
    kw = {}
    expect = None  # (exception, argument name)
    if name in PARAMS:
        # with an x of a refused dtype, parameters valid in float32 too: one past float32's
        # range would be a second fault (hardtanh, threshold, rrelu and softplus check their
        # second parameter against x's precision before x's dtype)
        pdtype = F32 if fault == "dtype" else dtype
        kw.update(data.draw(_valid_params(name, pdtype), "params"))
        if fault == "param":  # one of them bad
            pname = data.draw(st.sampled_from(PARAMS[name]), "bad parameter")
            kw[pname], exc = data.draw(_bad_param(name, dtype, pname), "bad value")
            expect = (exc, pname)
            if name in ORDERED and data.draw(st.booleans(), "out of order"):
                lo, hi = PARAMS[name]
                kw[lo], kw[hi] = 1.0, -1.0
                expect = (ValueError, lo)  # "min_val=1.0 must not exceed max_val=-1.0"
    approximate = "none"
    if name == "gelu":
        if fault == "approximate":
            kw["approximate"] = data.draw(st.sampled_from(["exact", "", None, "TANH", 1]))
            expect = (ValueError, "approximate")
        else:
            approximate = kw["approximate"] = data.draw(st.sampled_from(["none", "tanh"]))
    return kw, expect, approximate


@PROFILE
@given(data=st.data(), case=elementwise_cases(gradient=False))
def test_forward(data, case):
    name, dtype, shape, fault = case
    f = getattr(relufast, name)
    kw, expect, approximate = _draw_params(data, name, dtype, fault)
    seed = data.draw(st.integers(0, 2**32 - 1), "seed")

    if fault == "dtype":
        bad_dt = data.draw(st.sampled_from(["i4", "u1", "?", "c16", "O", F64.newbyteorder(),
                                            F32.newbyteorder()]))
        x = np.zeros(shape, bad_dt)
        out = None
        expect = (TypeError, "x")
    else:
        out_kind = data.draw(st.sampled_from(ELEMENTWISE_BAD_OUTS if fault == "out"
                                             else GOOD_OUTS), "out")
        if out_kind == "overlap" and int(np.prod(shape)) < 2:
            out_kind = "fresh"
        if out_kind == "overlap":
            values = data.draw(values_of(dtype, shape))
            x, out = _overlapping(values, dtype, seed)
        else:
            x = data.draw(operands(dtype, shape, allow_list=(out_kind != "self")), "x")
            xa = np.asarray(x)
            if out_kind == "self":
                out = x
                if not xa.flags.writeable:
                    expect = expect or (ValueError, "out")
            elif out_kind == "none":
                out = None
            elif out_kind == "fresh":
                out = _sentinel(shape, xa.dtype, seed).copy()
            elif out_kind == "fortran":
                out = np.array(_sentinel(shape, xa.dtype, seed), order="F")
            elif out_kind == "strided":
                lay = data.draw(st.sampled_from(OUT_LAYOUTS))
                out = in_layout(_sentinel(shape, xa.dtype, seed), lay)
            else:
                out, exc = _bad_out(out_kind, shape, xa.dtype, seed)
                expect = expect or (exc, "out")
    xv = _c_values(x, np.asarray(x).dtype) if fault != "dtype" else None
    call = lambda: f(x, out=out, **kw)  # noqa: E731
    note(f"kw={kw!r} out={type(out).__name__}")
    event(f"{'refused' if expect else 'valid'}, out={out_kind if fault != 'dtype' else '-'}")

    if expect is not None:
        refused(call, expect[0], expect[1], [x, out, getattr(out, "data", None)])
        return
    snap = _snapshot([] if _may_write(x, out) else [x])
    got = call()
    _unchanged(snap, "x")
    if out is not None:
        assert got is out
    else:
        assert type(got) is np.ndarray and not np.may_share_memory(got, np.asarray(x))
    check_forward(_fn(name, kw, approximate), xv, np.asarray(got))


@PROFILE
@given(data=st.data(), case=elementwise_cases(gradient=True))
def test_gradient(data, case):
    name, dtype, shape, fault = case
    f = getattr(relufast, name + "_grad")
    kw, expect, approximate = _draw_params(data, name, dtype, fault)
    if fault == "from_output":
        # refused by NO_FROM_OUTPUT, and with parameters that hide the input's side (a
        # negative slope or alpha, value > threshold); fine elsewhere
        from_output = True
        if name in NO_FROM_OUTPUT or _without_from_output(name, kw):
            expect = (ValueError, "from_output")
    elif fault == "param" or not _from_output_ok(name, kw):
        from_output = False
    else:
        from_output = data.draw(st.booleans(), "from_output")
    if from_output:
        kw["from_output"] = True
    seed = data.draw(st.integers(0, 2**32 - 1), "seed")

    if fault == "dtype":
        bad_dt = data.draw(st.sampled_from(["i4", "?", "c8", "O", F32.newbyteorder()]))
        which = data.draw(st.sampled_from(["grad", "x"]))
        good, bad = np.zeros(shape, dtype), np.zeros(shape, bad_dt)
        g, x = (bad, good) if which == "grad" else (good, bad)
        out = data.draw(st.sampled_from([None, "fresh"]))
        out = None if out is None else _sentinel(shape, dtype, seed).copy()
        refused(lambda: f(g, x, out=out, **kw), TypeError, which, [g, x, out])
        return

    out_kind = data.draw(st.sampled_from(
        ELEMENTWISE_BAD_OUTS if fault == "out" else GOOD_OUTS + ("grad", "grad", "x")), "out")
    gshape, gdtype = shape, dtype
    if fault == "mismatch_shape":
        gshape = shape + (1,)
        expect = expect or (ValueError, "grad")
    if out_kind == "overlap" and (int(np.prod(shape)) < 2 or gshape != shape
                                  or gdtype != dtype):
        out_kind = "fresh"
    in_place = out_kind in ("grad", "x", "self")
    g = data.draw(operands(gdtype, gshape, allow_list=not in_place), "grad")
    xvals = data.draw(values_of(dtype, shape), "x values")
    if from_output and expect is None:  # x holds the forward output y
        fkw = {k: v for k, v in kw.items() if k != "from_output"}
        xvals = getattr(relufast, name)(xvals, **fkw)
    if out_kind == "overlap":
        a, out = _overlapping(xvals, dtype, seed)
        if data.draw(st.booleans(), "overlap grad"):  # out overlaps grad instead of x
            a[...], g, x = np.asarray(g), a, in_layout(xvals, "C")
        else:
            x = a
    else:
        layouts = OPERAND_LAYOUTS if (dtype == F64 and not in_place) else OPERAND_LAYOUTS[:-1]
        layout = data.draw(st.sampled_from(layouts), "x layout")
        x = _operand(xvals, layout, seed)
        xa = np.asarray(x)
        if out_kind in ("grad", "x", "self"):
            out = g if out_kind == "grad" else x
            if not np.asarray(out).flags.writeable:
                expect = expect or (ValueError, "out")
        elif out_kind == "none":
            out = None
        elif out_kind == "fresh":
            out = _sentinel(shape, xa.dtype, seed).copy()
        elif out_kind == "fortran":
            out = np.array(_sentinel(shape, xa.dtype, seed), order="F")
        elif out_kind == "strided":
            out = in_layout(_sentinel(shape, xa.dtype, seed),
                            data.draw(st.sampled_from(OUT_LAYOUTS)))
        else:
            out, exc = _bad_out(out_kind, shape, xa.dtype, seed)
            expect = expect or (exc, "out")
    call = lambda: f(g, x, out=out, **kw)  # noqa: E731
    note(f"kw={kw!r} out={out_kind}")
    event(f"{'refused' if expect else 'valid'}, out={out_kind}")
    if expect is not None:
        refused(call, expect[0], expect[1], [g, x, out, getattr(out, "data", None)])
        return
    xdt = np.asarray(x).dtype
    gv, xv = _c_values(g, xdt), _c_values(x, xdt)
    snap = _snapshot([a for a in (g, x) if not _may_write(a, out)])
    got = call()
    _unchanged(snap, "an input")
    if out is not None:
        assert got is out
    check_gradient(_fn(name, kw, approximate), gv, xv, np.asarray(got), from_output)


def _may_write(a, out):
    return isinstance(out, np.ndarray) and isinstance(a, np.ndarray) and (
        np.may_share_memory(a, out))


# ---------------------------------------------------------------------------------------------
# prelu: a weight per channel


@st.composite
def prelu_cases(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(_SHAPES)
    fault = draw(st.sampled_from(["none"] * 5 + ["weight", "axis", "out", "mismatch"]))
    top = F16_MAX if dtype == F16 else (F32_MAX if dtype == F32 else 1e300)
    finite = st.one_of(st.sampled_from([0.0, -0.0, 0.25, -1.5, 1.0, top, -top, 1e-30]),
                       st.floats(-top, top))
    vector = bool(shape) and draw(st.booleans())
    axis = draw(st.integers(-len(shape), len(shape) - 1)) if vector else draw(
        st.integers(-3, 3))
    expect = None
    if vector:
        c = shape[axis]
        w = np.array(draw(st.lists(finite, min_size=c, max_size=c)), F64).astype(dtype)
        form = draw(st.sampled_from(["ndarray", "list", "strided"]))
        if form == "list":
            weight = w.tolist()
        elif form == "strided":
            weight = in_layout(w, draw(st.sampled_from(["step", "negative", "unaligned"])))
        else:
            weight = w
    else:
        w = np.array(draw(finite), F64).astype(dtype)
        weight = draw(st.sampled_from([float(w), w, w[()]]))  # float, 0-d array, NumPy scalar
    if fault == "weight":
        kind = draw(st.sampled_from(["nan", "inf", "2d", "length", "dtype", "str", "huge"]))
        if kind == "nan" and not (vector and shape[axis] == 0):
            weight, expect = np.array([np.nan] * (shape[axis] if vector else 1), dtype), (
                ValueError, "weight")
            if not vector:
                weight = weight[0]
        elif kind == "inf":
            weight, expect = -math.inf, (ValueError, "weight")
        elif kind == "2d":
            weight, expect = np.ones((2, 2), dtype), (ValueError, "weight")
        elif kind == "length" and vector:
            weight, expect = np.ones(shape[axis] + 1, dtype), (ValueError, "weight")
        elif kind == "dtype":
            weight, expect = np.ones(shape[axis] if vector else 1, "i4"), (TypeError, "weight")
        elif kind == "str":
            weight, expect = "abc", (TypeError, "weight")
        elif kind == "huge" and dtype != F64:
            weight, expect = 1e39, (ValueError, "weight")
    elif fault == "axis" and vector:
        axis = draw(st.sampled_from([len(shape), -len(shape) - 1, 1.0, "1"]))
        expect = (ValueError, "axis") if isinstance(axis, int) else (TypeError, "axis")
    note(f"prelu {dtype} {shape} axis={axis!r} weight={weight!r} fault={fault}")
    return dtype, shape, weight, axis, vector, fault, expect


def _effective_weight(weight, dtype):
    """The weight the kernels use: rounded to x's dtype (prelu's weight is an array of it)."""
    return np.asarray(weight, F64).astype(dtype).astype(F64)


@PROFILE
@given(data=st.data(), case=prelu_cases())
def test_prelu(data, case):
    dtype, shape, weight, axis, vector, fault, expect = case
    seed = data.draw(st.integers(0, 2**32 - 1), "seed")
    also = None  # a second fault: a read-only x as out
    outs = {"out": ELEMENTWISE_BAD_OUTS, "mismatch": ("none", "fresh")}.get(fault, GOOD_OUTS)
    out_kind = data.draw(st.sampled_from(outs), "out")
    if out_kind == "overlap" and int(np.prod(shape)) < 2:
        out_kind = "fresh"
    if out_kind == "overlap":
        values = data.draw(values_of(dtype, shape))
        x, out = _overlapping(values, dtype, seed)
    else:
        x = data.draw(operands(dtype, shape, allow_list=(out_kind != "self")), "x")
        xa = np.asarray(x)
        out = {"none": None, "self": x}.get(out_kind)
        if out_kind == "self" and not xa.flags.writeable:
            also = (ValueError, "out")
        if out_kind == "fresh":
            out = _sentinel(shape, xa.dtype, seed).copy()
        elif out_kind == "fortran":
            out = np.array(_sentinel(shape, xa.dtype, seed), order="F")
        elif out_kind == "strided":
            out = in_layout(_sentinel(shape, xa.dtype, seed),
                            data.draw(st.sampled_from(OUT_LAYOUTS)))
        elif out_kind in BAD_OUTS:
            out, exc = _bad_out(out_kind, shape, xa.dtype, seed)
            expect = expect or (exc, "out")
    xdt = np.asarray(x).dtype
    if isinstance(weight, np.ndarray) and weight.dtype.kind == "f" and weight.dtype != xdt:
        weight = weight.astype(xdt)  # x became a float64 list: keep the weight valid
    xv = _c_values(x, xdt)
    mismatch = fault == "mismatch"
    g = data.draw(operands(xdt, shape + ((1,) if mismatch else ()), allow_list=False), "grad")
    gv = _c_values(g, xdt)
    kw = dict(axis=axis)
    if expect is None and also is not None:
        expect, also = also, None
    if expect is not None:
        refused(lambda: relufast.prelu(x, weight, out=out, **kw), expect[0], expect[1],
                [x, out, weight], also)
        refused(lambda: relufast.prelu_grad(g, x, weight, out=out, **kw), expect[0],
                expect[1], [g, x, out, weight], also)
        return
    if mismatch:
        refused(lambda: relufast.prelu_grad(g, x, weight, **kw), ValueError, "grad", [g, x])
        g = np.array(gv.reshape(gv.shape[:-1]) if gv.ndim else gv)
        gv = g
    w_eff = _effective_weight(weight, xdt)
    ax = axis if vector else 0
    # forward: exact, so bitwise (float16: rounded to float32, then float16)
    with np.errstate(all="ignore"):
        want = ref.prelu(xv.astype(F64), w_eff, axis=ax, precision=working_dtype(xdt))
        want = want.astype(F32).astype(F16) if xdt == F16 else want.astype(xdt)
    snap = _snapshot([weight] + ([x] if out is None else []))
    got = relufast.prelu(x, weight, out=out, **kw)
    _unchanged(snap, "x or weight")
    assert out is None or got is out
    assert_same(np.asarray(got), want, what="prelu")
    # gradient, out of place (the in-place forms share the forward's out handling); and into
    # grad itself when grad is writable
    with np.errstate(all="ignore"):
        want_gx, want_gw = ref.prelu_grad(gv.astype(F64), xv.astype(F64), w_eff, axis=ax,
                                          precision=working_dtype(xdt))
        want_gx = want_gx.astype(F32).astype(F16) if xdt == F16 else want_gx.astype(xdt)
    xg = xv if out_kind in ("self", "overlap") else x  # x was overwritten by the forward
    gx, gw = relufast.prelu_grad(g, xg, weight, axis=axis)
    assert_same(gx, want_gx, what="prelu_grad x")
    assert gw.dtype == xdt and gw.shape == np.shape(weight), (gw.dtype, gw.shape)
    with np.errstate(all="ignore"):
        terms = np.abs(np.where(xv.astype(F64) > 0, 0.0, gv.astype(F64) * xv.astype(F64)))
        others = tuple(i for i in range(terms.ndim) if i != ax % max(terms.ndim, 1))
        mass = terms.sum() if not vector else terms.sum(axis=others)
        want_gw = np.asarray(want_gw, F64)
        tol = np.spacing(np.abs(want_gw.astype(xdt))).astype(F64) + 2.0**-45 * mass
        got_gw = gw.astype(F64)
        ok = (np.abs(got_gw - want_gw) <= tol) | (got_gw == want_gw.astype(xdt)) | (
            np.isnan(got_gw) & np.isnan(want_gw))
        # a float64 sum of products that cancel (grad and x near float32's max: terms of
        # 1e76) is off by up to 2**-45 of their mass, which can exceed float32's range: the
        # rounded result is then +-inf although the exact sum is small (a limit of float64
        # accumulation, an xfail in tests/test_gradients.py)
        ok |= np.isinf(got_gw) & (tol >= float(np.finfo(xdt).max))
        # products that overflow with opposite signs: the reference rounds each to +-inf and
        # their sum is NaN; the kernels' sum may take a product into it unrounded (a fused
        # multiply-add: inf + -8e615 is inf).  Neither is the exact sum; where no NaN came in,
        # an infinity is as good an answer as NaN
        nan_in = np.isnan(xv.astype(F64)) | np.isnan(gv.astype(F64))
        nan_in = nan_in.any() if not vector else nan_in.any(axis=others)
        ok |= np.isinf(got_gw) & np.isnan(want_gw) & ~nan_in
    assert ok.all(), (gw, want_gw)
    if isinstance(g, np.ndarray) and g.flags.writeable:
        gx2, _ = relufast.prelu_grad(g, xg, weight, axis=axis, out=g)
        assert gx2 is g
        assert_same(np.asarray(g), want_gx, what="prelu_grad into grad")
