"""Every bad input docs/semantics.md names: the exception type, a message that names the
argument, and an ``out`` left byte-for-byte as it was (nothing is written before the checks
pass)."""

import re

import numpy as np
import pytest

import relufast

from cases import DTYPES, ELEMENTWISE, F16, F32, F64, NO_FROM_OUTPUT, fn_params

SHAPE = (2, 3)


def sentinel(shape=SHAPE, dtype=F64, seed=0):
    """An out array full of random bit patterns (NaN payloads included)."""
    dtype = np.dtype(dtype)
    raw = np.random.default_rng(seed).integers(0, 256, np.prod(shape, dtype=int) * dtype.itemsize,
                                               dtype=np.uint8)
    return raw.view(dtype).reshape(shape).copy()


def refused(call, exc, *names, out=None):
    """``call()`` raises ``exc`` whose message names every one of ``names`` (as words), and
    leaves ``out`` (if given) unchanged byte for byte."""
    before = None if not isinstance(out, np.ndarray) else out.tobytes()
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for name in names:
        assert re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", msg), (name, msg)
    if before is not None:
        assert out.tobytes() == before, "out was written before the call was refused"
    return msg


def _x(dtype=F64):
    return np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]], dtype)


# ---------------------------------------------------------------------------------------------
# dtypes

BAD_DTYPES = ["int8", "int32", "int64", "uint8", "bool", "complex64", "complex128",
              "longdouble", "object", "datetime64[s]", "U3"]
NON_NATIVE = [np.dtype(d).newbyteorder() for d in ("f2", "f4", "f8")]


def _bad_array(dt):
    dt = np.dtype(dt)
    if dt.kind == "M":
        return np.array([["2020-01-01"] * 3] * 2, dt)
    if dt.kind == "U":
        return np.array([["a"] * 3] * 2, dt)
    return _x().astype(dt)


@pytest.mark.parametrize("dt", BAD_DTYPES + NON_NATIVE, ids=str)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_unsupported_dtypes(fn, dt):
    bad = _bad_array(dt)
    good = _x()
    out = sentinel()
    msg = refused(lambda: fn.forward(bad, out=out), TypeError, "x", out=out)
    if not np.dtype(dt).isnative:
        assert "byte order" in msg
    else:
        assert all(s in msg for s in ("float16", "float32", "float64")), msg
    refused(lambda: fn.gradient(good, bad, out=out), TypeError, "x", out=out)
    refused(lambda: fn.gradient(bad, good, out=out), TypeError, "grad", out=out)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_masked_arrays(fn):
    m = np.ma.masked_array(_x(), mask=[[0, 1, 0], [0, 0, 1]])
    out = sentinel()
    refused(lambda: fn.forward(m, out=out), TypeError, "x", out=out)
    refused(lambda: fn.gradient(_x(), m, out=out), TypeError, "x", out=out)
    refused(lambda: fn.gradient(m, _x(), out=out), TypeError, "grad", out=out)
    mo = np.ma.masked_array(sentinel(), mask=False)
    refused(lambda: fn.forward(_x(), out=mo), TypeError, "out", out=mo.data)


@pytest.mark.parametrize("value", ["abc", None, 1j, [1, "a"], [[1.0, 2.0], [3.0]], {1: 2},
                                   object()], ids=lambda v: type(v).__name__)
def test_unconvertible_array_likes(value):
    for fn in ELEMENTWISE:
        refused(lambda: fn.forward(value), TypeError, "x")
        refused(lambda: fn.gradient(value, [1.0]), TypeError, "grad")


def test_array_like_grad_meets_float32_x_in_float64():
    # an array-like becomes float64, and float64 with float32 computes in float64 (NumPy's
    # result_type), as np.multiply(grad, x > 0) would
    x32 = _x(F32)
    got = relufast.relu_grad(_x().tolist(), x32)
    assert got.dtype == F64
    np.testing.assert_array_equal(got, _x() * (x32 > 0))


# ---------------------------------------------------------------------------------------------
# out


def _bad_outs(dtype):
    ro = sentinel(SHAPE, dtype, 1)
    ro.flags.writeable = False
    return [
        ("list", [[0.0] * 3] * 2, TypeError),
        ("tuple", (0.0,) * 6, TypeError),
        ("scalar", 0.0, TypeError),
        ("dtype", sentinel(SHAPE, np.complex64, 2), TypeError),  # floats cast same_kind
        ("int", np.zeros(SHAPE, np.int64), TypeError),
        ("longdouble", np.zeros(SHAPE, np.longdouble), TypeError),
        ("shape", sentinel((3, 2), dtype, 3), ValueError),
        ("broadcastable", sentinel((1, 3), dtype, 4), ValueError),
        ("bigger", sentinel((2, 3, 1), dtype, 5), ValueError),
        ("read-only", ro, ValueError),
        ("non-native", sentinel(SHAPE, np.dtype(dtype).newbyteorder(), 6), TypeError),
    ]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_bad_out(fn, dtype):
    x = _x(dtype)
    for what, out, exc in _bad_outs(dtype):
        refused(lambda: fn.forward(x, out=out), exc, "out", out=out)
        refused(lambda: fn.gradient(x, x, out=out), exc, "out", out=out)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_bad_out_1d(fn, dtype):
    # 1-D operands take a path with no checks in Python (the kernel's buffer acquisition and
    # its own checks refuse, and the general path then names the problem): the same errors,
    # nothing written, and a grad or x that is itself the bad array refused the same way
    x = _x(dtype).ravel()
    ro = sentinel((6,), dtype, 1)
    ro.flags.writeable = False
    bad = [
        ("dtype", sentinel((6,), np.complex128, 2), TypeError),
        ("bool", np.zeros(6, bool), TypeError),
        ("int", np.zeros(6, np.int64), TypeError),
        ("shorter", sentinel((5,), dtype, 3), ValueError),
        ("longer", sentinel((7,), dtype, 4), ValueError),
        ("2-D", sentinel((1, 6), dtype, 5), ValueError),
        ("read-only", ro, ValueError),
        ("non-native", sentinel((6,), np.dtype(dtype).newbyteorder(), 6), TypeError),
    ]
    for what, out, exc in bad:
        refused(lambda: fn.forward(x, out=out), exc, "out", out=out)
        refused(lambda: fn.gradient(x, x, out=out), exc, "out", out=out)
    refused(lambda: fn.forward(ro, out=ro), ValueError, "out", out=ro)
    refused(lambda: fn.gradient(ro, x, out=ro), ValueError, "out", out=ro)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_in_place_on_read_only_input(fn):
    x = _x()
    x.flags.writeable = False
    refused(lambda: fn.forward(x, out=x), ValueError, "out", out=x)
    g = _x()
    g.flags.writeable = False
    refused(lambda: fn.gradient(g, _x(), out=g), ValueError, "out", out=g)


def test_prelu_grad_bad_out():
    x = _x()
    for what, out, exc in _bad_outs(F64):
        refused(lambda: relufast.prelu_grad(x, x, 0.25, out=out), exc, "out", out=out)
        refused(lambda: relufast.prelu(x, 0.25, out=out), exc, "out", out=out)


# ---------------------------------------------------------------------------------------------
# grad against x


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_grad_and_x_must_match(fn):
    out = sentinel()
    refused(lambda: fn.gradient(np.ones((3, 2)), _x(), out=out), ValueError, "grad", "x",
            out=out)
    refused(lambda: fn.gradient(np.ones(3), _x(), out=out), ValueError, "grad", "x", out=out)
    refused(lambda: fn.gradient(np.ones(()), _x(), out=out), ValueError, "grad", "x", out=out)
    # (float dtypes may differ: tests/test_mixed_dtypes.py; other dtypes are refused)
    refused(lambda: fn.gradient(np.ones(SHAPE, np.int32), _x(F32), out=out), TypeError,
            "grad", out=out)
    refused(lambda: fn.gradient(np.ones(SHAPE, F32), _x().astype(np.complex64), out=out),
            TypeError, "x", out=out)


# ---------------------------------------------------------------------------------------------
# parameters

NON_FINITE = [np.nan, np.inf, -np.inf, np.float32(np.nan), np.float64(-np.inf)]
NOT_NUMBERS = ["0.1", None, 1j, [0.1], np.array([0.1])]

PARAM_CALLS = {
    "negative_slope": [
        lambda p, o: relufast.leaky_relu(_x(), p, out=o),
        lambda p, o: relufast.leaky_relu_grad(_x(), _x(), p, out=o),
        lambda p, o: relufast.leaky_relu(_x(), negative_slope=p, out=o),
    ],
    "alpha": [
        lambda p, o: relufast.elu(_x(), p, out=o),
        lambda p, o: relufast.elu_grad(_x(), _x(), p, out=o),
        lambda p, o: relufast.celu(_x(), p, out=o),
        lambda p, o: relufast.celu_grad(_x(), _x(), p, out=o),
        lambda p, o: relufast.celu(_x(F32), alpha=p, out=sentinel(dtype=F32)),
    ],
}


@pytest.mark.parametrize("value", NON_FINITE, ids=repr)
@pytest.mark.parametrize("name", list(PARAM_CALLS))
def test_non_finite_parameters(name, value):
    for call in PARAM_CALLS[name]:
        out = sentinel()
        refused(lambda: call(value, out), ValueError, name, out=out)


@pytest.mark.parametrize("value", NOT_NUMBERS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("name", list(PARAM_CALLS))
def test_non_number_parameters(name, value):
    for call in PARAM_CALLS[name]:
        out = sentinel()
        refused(lambda: call(value, out), TypeError, name, out=out)


@pytest.mark.parametrize("alpha", [0, 0.0, -0.0, np.float32(0)], ids=repr)
def test_celu_alpha_zero(alpha):
    out = sentinel()
    refused(lambda: relufast.celu(_x(), alpha, out=out), ValueError, "alpha", out=out)
    refused(lambda: relufast.celu_grad(_x(), _x(), alpha, out=out), ValueError, "alpha", out=out)
    refused(lambda: relufast.celu_grad(_x(), _x(), alpha, out=out, from_output=True),
            ValueError, "alpha", out=out)


ROUNDING_CALLS = [
    ("negative_slope", 1e39, lambda x, p, o: relufast.leaky_relu(x, p, out=o)),
    ("negative_slope", -1e39, lambda x, p, o: relufast.leaky_relu_grad(x, x, p, out=o)),
    ("alpha", 1e39, lambda x, p, o: relufast.elu(x, p, out=o)),
    ("alpha", -1e39, lambda x, p, o: relufast.elu_grad(x, x, p, out=o)),
    ("alpha", 1e39, lambda x, p, o: relufast.celu(x, p, out=o)),
    ("alpha", 1e-50, lambda x, p, o: relufast.celu(x, p, out=o)),
    ("alpha", -1e-50, lambda x, p, o: relufast.celu_grad(x, x, p, out=o)),
]


@pytest.mark.parametrize("name, value, call", ROUNDING_CALLS,
                         ids=[f"{c[0]}={c[1]}-{i}" for i, c in enumerate(ROUNDING_CALLS)])
def test_parameters_that_round_to_non_finite_in_float32(name, value, call):
    # parameters are rounded to the array's precision first: the rounded value must be valid
    x = _x(F32)
    out = sentinel(dtype=F32)
    refused(lambda: call(x, value, out), ValueError, name, out=out)


# NumPy warns about the cast that makes the weight inf, before relufast refuses it
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_prelu_weight_that_rounds_to_inf_is_refused():
    out = sentinel(dtype=F32)
    refused(lambda: relufast.prelu(_x(F32), 1e39, out=out), ValueError, "weight", out=out)


# found probing parameter conversion for the fuzz harness (tools/fuzz.py): float(10**400)
# raised OverflowError, which escaped the API instead of the ValueError of docs/semantics.md
@pytest.mark.parametrize("call", [
    lambda p: relufast.leaky_relu(np.ones(3), p),
    lambda p: relufast.leaky_relu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.elu(np.ones(3), p),
    lambda p: relufast.elu_grad(np.ones(3), np.ones(3), p),
    lambda p: relufast.celu(np.ones(3), p),
    lambda p: relufast.celu_grad(np.ones(3), np.ones(3), p),
])
@pytest.mark.parametrize("value", [10**400, -10**400, 2**1024], ids=["1e400", "-1e400", "2**1024"])
def test_python_int_parameter_beyond_float64_is_a_value_error(call, value):
    with pytest.raises(ValueError, match="must be finite"):
        call(value)


# the same for prelu's scalar weight, which raised TypeError ("NumPy cannot convert") where a
# slope raises ValueError
@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["1e400", "-1e400"])
def test_prelu_python_int_weight_beyond_float64_is_a_value_error(value):
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="weight must be finite"):
        relufast.prelu(x, value)
    with pytest.raises(ValueError, match="weight must be finite"):
        relufast.prelu_grad(x, x, value)
    assert relufast.prelu(-x, 3)[0, 0] == -3.0  # an ordinary int weight still works


def test_parameter_values_that_are_allowed():
    x = _x()
    relufast.elu(x, 0.0)
    relufast.elu(x, -2)  # a Python int
    relufast.celu(x, -1.5)
    relufast.leaky_relu(x, np.float32(0.2))
    relufast.leaky_relu(x, np.int64(2))
    relufast.leaky_relu(x, 1e300)


@pytest.mark.parametrize("approximate", ["exact", "Tanh", "TANH", "", None, 0, True],
                         ids=repr)
def test_unknown_approximate(approximate):
    out = sentinel()
    refused(lambda: relufast.gelu(_x(), approximate, out=out), ValueError, "approximate",
            out=out)
    refused(lambda: relufast.gelu_grad(_x(), _x(), approximate, out=out), ValueError,
            "approximate", out=out)


# ---------------------------------------------------------------------------------------------
# prelu's weight and axis

PRELU_CALLS = {
    "prelu": lambda x, w, o, **kw: relufast.prelu(x, w, out=o, **kw),
    "prelu_grad": lambda x, w, o, **kw: relufast.prelu_grad(x, x, w, out=o, **kw),
}


@pytest.mark.parametrize("call", list(PRELU_CALLS))
def test_prelu_bad_weight(call):
    f = PRELU_CALLS[call]
    x = _x()
    cases = [
        (np.ones(2), {}, ValueError),  # x.shape[1] is 3
        (np.ones(4), {}, ValueError),
        (np.ones(3), {"axis": 0}, ValueError),
        ([0.1, 0.2], {}, ValueError),
        (np.ones((3, 1)), {}, ValueError),
        (np.ones((1, 3)), {}, ValueError),
        (np.ones((2, 3)), {}, ValueError),
        (np.array([0.1, np.nan, 0.2]), {}, ValueError),
        (np.array([0.1, np.inf, 0.2]), {}, ValueError),
        (np.inf, {}, ValueError),
        (np.nan, {}, ValueError),
        ([0.1, -np.inf, 0.2], {}, ValueError),
        # (an ndarray weight of another float dtype is promoted: test_mixed_dtypes)
        (np.ones(3, np.int64), {}, TypeError),
        (np.ones(3, bool), {}, TypeError),
        (np.ones(3, complex), {}, TypeError),
        ("abc", {}, TypeError),
        (np.ma.masked_array(np.ones(3)), {}, TypeError),
        (np.ones(3, ">f8"), {}, TypeError),
    ]
    for w, kw, exc in cases:
        out = sentinel()
        refused(lambda: f(x, w, out, **kw), exc, "weight", out=out)


# found by tests/test_properties.py after rebasing onto the kernels' weight check: a non-finite
# prelu weight is refused by the kernels, which an empty x never reaches, so prelu(empty, nan)
# returned quietly where leaky_relu(empty, nan) raises (a bad parameter is a ValueError,
# docs/semantics.md)
@pytest.mark.parametrize("x, weight, axis", [
    (np.ones(0), float("nan"), 1),
    (np.ones((0, 3), np.float32), np.array([1.0, np.inf, 2.0], np.float32), 1),
    (np.ones((2, 0), np.float16), np.array([np.nan, 0.5], np.float16), 0),
], ids=["scalar", "vector", "float16"])
def test_prelu_non_finite_weight_is_refused_for_empty_x(x, weight, axis):
    with pytest.raises(ValueError, match="weight must be finite"):
        relufast.prelu(x, weight, axis=axis)
    with pytest.raises(ValueError, match="weight must be finite"):
        relufast.prelu_grad(x, x, weight, axis=axis)


@pytest.mark.parametrize("call", list(PRELU_CALLS))
def test_prelu_axis_out_of_range(call):
    f = PRELU_CALLS[call]
    x = np.ones((2, 3, 4))
    for axis, n in [(3, 4), (-4, 2), (100, 4)]:
        out = sentinel(x.shape)
        refused(lambda: f(x, np.ones(n), out, axis=axis), ValueError, "axis", out=out)
    out = sentinel((4,))
    refused(lambda: f(np.ones(4), np.ones(4), out, axis=1), ValueError, "axis", out=out)
    refused(lambda: f(np.ones(()), np.ones(1), sentinel(()), axis=0), ValueError, "axis")


@pytest.mark.parametrize("call", list(PRELU_CALLS))
def test_prelu_axis_only_validated_for_a_vector_weight(call):
    f = PRELU_CALLS[call]
    x = _x()
    for axis in (7, -9, None, "spam"):
        f(x, 0.5, np.empty_like(x), axis=axis)
        f(x, np.float64(0.5), np.empty_like(x), axis=axis)
        f(x, np.array(0.5), np.empty_like(x), axis=axis)


@pytest.mark.parametrize("call", list(PRELU_CALLS))
def test_prelu_axis_must_be_an_integer(call):
    f = PRELU_CALLS[call]
    out = sentinel()
    refused(lambda: f(_x(), np.ones(3), out, axis=None), TypeError, "axis", out=out)
    refused(lambda: f(_x(), np.ones(3), out, axis=[1]), TypeError, "axis", out=out)
    f(_x(), np.ones(3), np.empty(SHAPE), axis=np.int64(1))  # NumPy integers are fine


@pytest.mark.parametrize("axis", [1.0, 1.5, "1"], ids=repr)
@pytest.mark.parametrize("call", list(PRELU_CALLS))
def test_prelu_axis_refuses_non_integers(call, axis):
    f = PRELU_CALLS[call]
    out = sentinel()
    refused(lambda: f(_x(), np.ones(3), out, axis=axis), TypeError, "axis", out=out)


# ---------------------------------------------------------------------------------------------
# from_output where the output does not determine f'(x)


@pytest.mark.parametrize("fn", fn_params(NO_FROM_OUTPUT))
def test_from_output_not_allowed(fn):
    out = sentinel()
    refused(lambda: fn.gradient(_x(), _x(), out=out, from_output=True), ValueError,
            "from_output", out=out)
    if fn.name == "prelu":
        refused(lambda: relufast.prelu_grad(_x(), _x(), np.ones(3), out=out, from_output=True),
                ValueError, "from_output", out=out)


def test_from_output_is_keyword_only():
    with pytest.raises(TypeError):
        relufast.relu_grad(_x(), _x(), None, True)
    with pytest.raises(TypeError):
        relufast.leaky_relu_grad(_x(), _x(), 0.1, None, True)


# ---------------------------------------------------------------------------------------------
# one rule for every parameter: prelu's scalar or list weight is a parameter like leaky_relu's
# slope (finite, not a bool, rounded to the precision x is computed in); scalars keep the rules
# of the arrays they would be


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("dtype", [F16, F32], ids=str)
@pytest.mark.parametrize("weight", [1e39, -1e39, [0.5, 1e39, 0.5]], ids=["big", "-big", "list"])
def test_prelu_weight_beyond_float32_says_so_without_a_warning(weight, dtype):
    x = _x(dtype)
    out = sentinel(dtype=dtype)
    msg = refused(lambda: relufast.prelu(x, weight, out=out), ValueError, "prelu", "weight",
                  "float32", out=out)
    assert "overflows" in msg, msg
    # leaky_relu says the same of its slope
    if not isinstance(weight, list):
        refused(lambda: relufast.leaky_relu(x, weight), ValueError, "negative_slope", "float32")
    # float64 arrays take it
    assert relufast.prelu(_x(F64), weight if not isinstance(weight, list) else weight).dtype == F64


def test_prelu_and_leaky_relu_round_a_python_slope_alike_for_float16():
    x = np.arange(2**16, dtype=np.uint16).view(F16)
    for slope in (0.1, 1 / 3, -0.7, 1e-5, 3e4):
        want = relufast.leaky_relu(x, slope).view(np.uint16)
        assert np.array_equal(relufast.prelu(x, slope).view(np.uint16), want), slope
        got = relufast.prelu(x.reshape(-1, 4), [slope] * 4, axis=1)  # a list, per channel
        assert np.array_equal(got.reshape(-1).view(np.uint16), want), slope


@pytest.mark.parametrize("weight", [True, False, np.bool_(True)], ids=str)
def test_prelu_bool_weight_is_refused_as_the_slope_is(weight):
    out = sentinel()
    refused(lambda: relufast.prelu(_x(), weight, out=out), TypeError, "prelu", "weight", out=out)
    refused(lambda: relufast.prelu_grad(_x(), _x(), weight), TypeError, "prelu_grad", "weight")
    refused(lambda: relufast.leaky_relu(_x(), weight), TypeError, "negative_slope")


@pytest.mark.parametrize("axis", [True, np.bool_(False)], ids=str)
def test_prelu_bool_axis_is_refused(axis):
    w = np.ones(3)
    refused(lambda: relufast.prelu(_x(), w, axis=axis), TypeError, "prelu", "axis")
    refused(lambda: relufast.prelu_grad(_x(), _x(), w, axis=axis), TypeError, "axis")


@pytest.mark.parametrize("scalar", [np.longdouble(1.5), np.clongdouble(1.5), np.complex128(1.5)],
                         ids=lambda s: np.asarray(s).dtype.name)
def test_numpy_scalars_keep_the_rules_of_their_arrays(scalar):
    refused(lambda: relufast.relu(scalar), TypeError, "relu", "x")
    refused(lambda: relufast.relu(np.asarray(scalar)), TypeError, "relu", "x")
    refused(lambda: relufast.relu_grad(scalar, 1.0), TypeError, "grad")
    if np.asarray(scalar).dtype.kind == "f":
        refused(lambda: relufast.relu([scalar, scalar]), TypeError, "x")


def test_unknown_isa_in_the_environment_warns_and_imports():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env = dict(os.environ, RELUFAST_ISA="bogus",
               PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import relufast, numpy as np\n"
            "print(relufast.relu(np.array([-1.0, 2.0])))")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=60, cwd=root)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[0. 2.]"
    assert "RELUFAST_ISA='bogus'" in r.stderr and "RuntimeWarning" in r.stderr, r.stderr


# ---------------------------------------------------------------------------------------------
# no call raises after writing: overflow on the way out is IEEE's, silent, as in the kernels


@pytest.mark.filterwarnings("error")
def test_overflow_into_the_result_dtype_raises_nothing():
    # prelu_grad's weight gradient summed in float64 beyond float32 (and float16) range
    x = np.full((2, 1000), -3e38, F32)
    g = np.full((2, 1000), 3e38, F32)
    out = np.zeros_like(x)
    gx, gw = relufast.prelu_grad(g, x, np.array([0.5, 0.5], F32), axis=0, out=out)
    assert gx is out and np.isinf(gw).all() and (gw < 0).all()
    gx, gw = relufast.prelu_grad(g, x, np.float32(0.5), out=out)
    assert np.isinf(gw) and gw < 0
    h = np.full((2, 100), -6e4, F16)
    gx, gw = relufast.prelu_grad(-h, h, np.array([1.0, 1.0], F16), axis=0)
    assert np.isinf(gw).all()
    # float16 results computed in float32 and rounded once: overflow to inf
    big = np.full(4, 65000.0, F16)  # selu multiplies by 1.05: 68300 is past float16's 65504
    assert np.isinf(relufast.selu(big)).all()


# softplus: beta finite and > 0, threshold finite (and both within float32 for a float32 call);
# from_output refused for softplus and mish.  Nothing written on a refused call.
@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("kw, exc, name", [
    ({"beta": 0.0}, ValueError, "beta"),
    ({"beta": -1.0}, ValueError, "beta"),
    ({"beta": float("inf")}, ValueError, "beta"),
    ({"beta": float("nan")}, ValueError, "beta"),
    ({"beta": True}, TypeError, "beta"),
    ({"threshold": float("nan")}, ValueError, "threshold"),
    ({"threshold": float("-inf")}, ValueError, "threshold"),
    ({"threshold": "20"}, TypeError, "threshold"),
])
def test_softplus_bad_parameters(dtype, kw, exc, name):
    x = np.linspace(-3, 3, 6).astype(dtype).reshape(SHAPE)
    out = sentinel(dtype=dtype)
    refused(lambda: relufast.softplus(x, out=out, **kw), exc, "softplus", name, out=out)
    g = np.ones_like(x)
    refused(lambda: relufast.softplus_grad(g, x, out=out, **kw), exc, "softplus_grad", name,
            out=out)


@pytest.mark.parametrize("kw", [{"beta": 1e39}, {"beta": 1e-50}, {"threshold": 1e39}])
def test_softplus_parameters_beyond_float32(kw):
    x = np.linspace(-3, 3, 6).astype(F32).reshape(SHAPE)
    out = sentinel(dtype=F32)
    name = next(iter(kw))
    refused(lambda: relufast.softplus(x, out=out, **kw), ValueError, "softplus", name, out=out)
    relufast.softplus(x.astype(F64), **kw)  # fine in float64


@pytest.mark.parametrize("fn", ["softplus_grad", "mish_grad"])
def test_softplus_mish_from_output_refused(fn):
    x = np.linspace(-3, 3, 6).reshape(SHAPE)
    out = sentinel()
    refused(lambda: getattr(relufast, fn)(np.ones_like(x), x, out=out, from_output=True),
            ValueError, fn, "from_output", out=out)


# a second parameter (hardtanh's max_val, threshold's value, rrelu's bounds, softplus's
# threshold) is range-checked before the call path, which checks the dtypes: an int64 x with
# such a parameter beyond float32 was refused for the parameter ("overflows float32", as if
# the call computed in float32) rather than for x, as every other function names x first
SECOND_PARAM_CALLS = [
    ("hardtanh", lambda g, x, o: relufast.hardtanh(x, -1.0, 1e39, out=o),
     lambda g, x, o: relufast.hardtanh_grad(g, x, -1.0, 1e39, out=o)),
    ("threshold", lambda g, x, o: relufast.threshold(x, 0.1, -1e39, out=o),
     lambda g, x, o: relufast.threshold_grad(g, x, 0.1, -1e39, out=o)),
    ("rrelu", lambda g, x, o: relufast.rrelu(x, 0.1, 1e39, out=o),
     lambda g, x, o: relufast.rrelu_grad(g, x, 0.1, 1e39, out=o)),
    ("softplus", lambda g, x, o: relufast.softplus(x, 1.0, 1e39, out=o),
     lambda g, x, o: relufast.softplus_grad(g, x, 1.0, 1e39, out=o)),
]


@pytest.mark.parametrize("name, forward, gradient", SECOND_PARAM_CALLS,
                         ids=[c[0] for c in SECOND_PARAM_CALLS])
def test_dtype_is_checked_before_a_second_parameter_beyond_float32(name, forward, gradient):
    bad, good = _x().astype(np.int64), _x(F32)
    out = sentinel(dtype=F32)
    for call, fn, arg in ((lambda: forward(None, bad, out), name, "x"),
                          (lambda: gradient(good, bad, out), f"{name}_grad", "x"),
                          (lambda: gradient(bad, good, out), f"{name}_grad", "grad")):
        msg = refused(call, TypeError, fn, arg, "int64", out=out)
        assert "overflows" not in msg, msg
    # and a float32 call still refuses the parameter, naming it
    refused(lambda: forward(None, good, out), ValueError, name, "float32", out=out)
    refused(lambda: gradient(good, good, out), ValueError, f"{name}_grad", "float32", out=out)


@pytest.mark.parametrize("name, forward, gradient", SECOND_PARAM_CALLS,
                         ids=[c[0] for c in SECOND_PARAM_CALLS])
def test_second_parameter_beyond_float32_in_a_float64_gradient(name, forward, gradient):
    # a float64 grad makes the call compute in float64 (docs/semantics.md): the second
    # parameter was judged by x's dtype alone, refused where the first was taken
    x = _x(F32)
    assert gradient(np.ones(SHAPE), x, None).dtype == F64


@pytest.mark.parametrize("dtype", [F16, F32, F64])
@pytest.mark.parametrize("bound", ["lower", "upper"])
def test_rrelu_bounds_beyond_float32_are_refused_alike(dtype, bound):
    # lower was checked against float32 only through the mean slope (lower + upper) / 2: in
    # evaluation lower=-3.5e38 with upper=0.3 was taken where upper=3.5e38 was refused
    kw = {"lower": -3.5e38, "upper": 0.3} if bound == "lower" else {"lower": 0.1, "upper": 3.5e38}
    x = _x(dtype)
    g = np.ones_like(x)
    calls = [
        ("rrelu", lambda o: relufast.rrelu(x, out=o, **kw)),
        ("rrelu", lambda o: relufast.rrelu(x, out=o, training=True,
                                           rng=np.random.default_rng(0), **kw)[0]),
        ("rrelu_grad", lambda o: relufast.rrelu_grad(g, x, out=o, **kw)),
        ("rrelu_grad", lambda o: relufast.rrelu_grad(g.astype(F32), x, out=o, **kw)),
    ]
    for fn, call in calls:
        out = sentinel(dtype=dtype)
        if dtype == F64:  # 3.5e38 is an ordinary float64
            assert call(out) is out
            continue
        msg = refused(lambda c=call, o=out: c(o), ValueError, fn, bound, "float32", out=out)
        assert "overflows" in msg and "3.5e+38" in msg, msg
