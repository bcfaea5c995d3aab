"""prelu and prelu_grad over mixed float dtypes, float16 and bfloat16 (docs/semantics.md, "What
computes in what").

The contract, as for the elementwise functions: x, grad and a weight given as an ndarray compute
in NumPy's result_type of them (float16 and bfloat16 in float32); ``out`` may be any supported
float dtype, in place into x or grad included; each element is converted as it is loaded and
rounded once as it is stored, inside the kernel.  So grad_x (and prelu's result) equals the
same-dtype computation on the operands widened to the compute dtype, rounded once to out's dtype,
bitwise.  grad_weight is summed in float64 and rounded once to the result_type.

The oracles here are NumPy's own operations in the compute dtype, not relufast's same-dtype
kernels (which test_gradients.py and test_values.py check against the float64 twins).
"""

import math

import numpy as np
import pytest

import relufast
from cases import F16, F32, F64, in_layout, mixed_values, random_values
from test_mixed_dtypes import BF16, assert_bitwise, cast, needs_bf16

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                                        "ignore:invalid value encountered:RuntimeWarning")

DTYPES = (F16, F32, F64) if BF16 is None else (F16, F32, F64, BF16)
SLOPES = (0.1, -0.7, 0.0, 2.5, -1e-3, 0.25)  # per channel: one not a float16, a zero, negatives


def dtype_param(dt):
    return pytest.param(dt, id=str(dt))


DTYPE_PARAMS = [dtype_param(d) for d in DTYPES]


def compute_dtype(*dtypes):
    return F64 if F64 in [np.dtype(d) for d in dtypes if d is not None] else F32


def result_dtype(*dtypes):
    ds = [np.dtype(d) for d in dtypes if d is not None]
    return ds[0] if all(d == ds[0] for d in ds) else (F64 if F64 in ds else F32)


def values(dtype, n, seed):
    """n values of ``dtype``: every scale and edge value (made in float64, then cast, so that
    bfloat16 gets them too)."""
    v = mixed_values(np.random.default_rng(seed), n, F64)
    return cast(v, dtype)


# ---------------------------------------------------------------------------------------------
# the oracles, in the compute dtype


def _along(w, shape, axis):
    """w broadcast against an array of ``shape`` along ``axis`` (a 0-d w as it is)."""
    w = np.asarray(w)
    if w.ndim == 0 or axis is None:
        return w
    s = [1] * len(shape)
    s[axis] = -1
    return w.reshape(s)


def prelu_np(x, w, axis):
    """x if x > 0 else w * x; a zero slope gives -w for every x < 0 (its limit at -inf too)."""
    wb = _along(w, x.shape, axis)
    with np.errstate(all="ignore"):
        r = np.where(x > 0, x, wb * x)
        return np.where((wb == 0) & (x < 0), -wb, r).astype(x.dtype)


def prelu_grad_np(g, x, w, axis):
    """grad * prelu'(x), +0.0 where the derivative is 0 (a zero slope), NaN for a NaN x."""
    wb = _along(w, x.shape, axis)
    with np.errstate(all="ignore"):
        d = np.where(np.isnan(x), x, np.where(x > 0, x.dtype.type(1), wb)).astype(x.dtype)
        return np.where(d == 0, x.dtype.type(0), g * d).astype(x.dtype)


def weight_grad_exact(g, x, axis, channels):
    """For each channel, the sum of grad * x where x <= 0 or NaN, in float64 (the products of
    float32 or narrower values are exact there), summed exactly by math.fsum where finite."""
    g64, x64 = g.astype(F64), x.astype(F64)
    with np.errstate(all="ignore"):
        terms = np.where(x64 > 0, 0.0, g64 * x64)
    if axis is None:
        terms = terms.reshape(1, -1)
    else:
        terms = np.moveaxis(terms, axis, 0).reshape(channels, -1)
    out = np.empty(channels)
    for c in range(channels):
        t = terms[c]
        try:
            out[c] = math.fsum(t) if np.isfinite(t).all() else t.sum()
        except OverflowError:  # finite terms whose sum overflows
            out[c] = t.sum()
    return out, np.abs(terms).sum(axis=1)


def assert_weight_grad(gw, g, x, w_shape, axis, rdt, what):
    """grad_weight: dtype rdt, and within rounding of the exact sum: one ulp of rdt, plus the
    float64 accumulation's error (a few ulps of float64 of the sum of |terms|)."""
    assert gw.dtype == rdt and gw.shape == w_shape, (what, gw.dtype, gw.shape)
    channels = 1 if not w_shape else w_shape[0]
    exact, mag = weight_grad_exact(g, x, axis, channels)
    got = np.asarray(gw).reshape(-1).astype(F64)
    want = cast(exact, rdt).astype(F64)
    fin = np.isfinite(exact) & np.isfinite(mag)
    assert np.array_equal(np.isnan(got[~fin]), np.isnan(exact[~fin])), what
    if rdt == F64:
        ulp = np.spacing(np.abs(exact))
    else:
        ulp = np.spacing(np.abs(want).astype(rdt if rdt != BF16 else F32)).astype(F64)
        if rdt == BF16:
            ulp = ulp * 2**16
    tol = ulp + 1e-12 * mag
    bad = fin & ~(np.abs(got - exact) <= tol) & np.isfinite(want)
    assert not bad.any(), (what, got[bad][:4], exact[bad][:4])


# ---------------------------------------------------------------------------------------------
# every float16 and every bfloat16 value, with scalar and per-channel weights of every dtype


def every_value(dtype):
    return np.arange(2**16, dtype=np.uint16).view(dtype)


WEIGHTS_EVERY = [  # (name, weight for 4 channels or a scalar, its dtype or None)
    ("0.25", 0.25, None), ("0.1", 0.1, None), ("-1.5", -1.5, None), ("0", 0.0, None),
    ("-0", -0.0, None), ("3e4", 3e4, None),
]


def _channel_weights(dt):
    return cast(np.array(SLOPES[:4]), dt)


@pytest.mark.parametrize("xdt", [dtype_param(F16), pytest.param(BF16, id="bfloat16",
                                                                   marks=needs_bf16)])
def test_prelu_every_value(xdt):
    x = every_value(xdt)
    x32 = x.astype(F32)
    for name, w, _ in WEIGHTS_EVERY:
        want = prelu_np(x32, np.float32(w), None)
        got = relufast.prelu(x, w)
        assert_bitwise(got, cast(want, xdt), f"prelu {xdt} weight {name}")
        xi = x.copy()
        assert relufast.prelu(xi, w, out=xi) is xi
        assert_bitwise(xi, cast(want, xdt), f"prelu {xdt} weight {name} in place")
    # per channel, the weights an ndarray of every dtype: x's own (float16, bfloat16 values),
    # or another, which promotes (float32, float64 results)
    x4 = x.reshape(-1, 4)
    for wdt in DTYPES:
        w = _channel_weights(wdt)
        cdt, rdt = compute_dtype(xdt, wdt), result_dtype(xdt, wdt)
        want = prelu_np(x4.astype(cdt), w.astype(cdt), 1)
        got = relufast.prelu(x4, w, axis=1)
        assert_bitwise(got, cast(want, rdt), f"prelu {xdt} weight {wdt}")
        xi = x4.copy()
        relufast.prelu(xi, w, axis=1, out=xi)  # rounded into x's own dtype
        assert_bitwise(xi, cast(want, xdt), f"prelu {xdt} weight {wdt} in place")


@pytest.mark.usefixtures("default_isa")
@pytest.mark.parametrize("xdt", [dtype_param(F16), pytest.param(BF16, id="bfloat16",
                                                                   marks=needs_bf16)])
def test_prelu_fused_16_bit_every_value_on_each_isa(xdt):
    # x, weight and out of one 16-bit dtype: channels of 256 elements and more go run by run
    # through leaky_relu's loop with the run's slope (a zero slope's run through the blocks),
    # rows of channels and the weight pattern (short runs, and runs of 64 to 255 on arrays of
    # four periods) through a loop with a slope per element (any zero slope: the blocks),
    # converted in registers.  Every value, runs and rows that start
    # mid vector, every kernel module, bfloat16 with AVX512_BF16's rounding and the integer one
    import importlib
    from relufast import _dispatch
    v = every_value(xdt)
    nonzero = [s for s in SLOPES if s != 0]
    cases = [  # (what, x, weights, axis)
        ("runs", v[:61 * 1073].reshape(1, 61, 1073), np.resize(np.array(SLOPES), 61), 1),
        ("rows", v[:1074 * 61].reshape(1074, 61), np.resize(np.array(nonzero), 61), 1),
        ("rows, a zero slope", v[:1074 * 61].reshape(1074, 61), np.resize(np.array(SLOPES), 61),
         1),
        ("pattern", v[:4096 * 3 * 5].reshape(4096, 3, 5), np.array(nonzero[:3]), 1),
        ("long rows", v[:9 * 7000].reshape(9, 7000), np.resize(np.array(nonzero), 7000), 1),
        ("runs of 100 laid out", v[:163 * 400].reshape(163, 4, 100), np.array(nonzero[:4]), 1),
        ("runs of 100, a zero slope", v[:163 * 400].reshape(163, 4, 100),
         np.array(SLOPES[:4]), 1),
    ]
    for what, x, w, axis in cases:
        w = cast(w, xdt)
        want = cast(prelu_np(x.astype(F32), w.astype(F32), axis), xdt)
        for isa in _dispatch.available_isas():
            _dispatch.select_isa(isa)
            mod = importlib.import_module(f"relufast._kernels_{isa}")
            for hw in (1, 0):
                was = mod.bf16_instructions(hw)
                label = f"prelu {xdt} {what} {isa} bf16 hw {hw}"
                try:
                    assert_bitwise(relufast.prelu(x, w, axis=axis), want, label)
                    xi = x.copy()
                    assert relufast.prelu(xi, w, axis=axis, out=xi) is xi
                    assert_bitwise(xi, want, label + " in place")
                finally:
                    mod.bf16_instructions(was)


@pytest.mark.parametrize("xdt", [dtype_param(F16), pytest.param(BF16, id="bfloat16",
                                                                   marks=needs_bf16)])
def test_prelu_grad_every_value(xdt):
    x = every_value(xdt)
    rng = np.random.default_rng(16)
    g = cast(random_values(rng, x.size, F64, 2.0), xdt)
    gw_x = x.copy()
    gw_x[~np.isfinite(gw_x.astype(F32))] = 0  # finite for the weight gradient's checks
    for name, w, _ in WEIGHTS_EVERY:
        want = prelu_grad_np(g.astype(F32), x.astype(F32), np.float32(w), None)
        gx, gw = relufast.prelu_grad(g, x, w)
        assert_bitwise(gx, cast(want, xdt), f"prelu_grad {xdt} weight {name}")
        assert gw.shape == () and gw.dtype == xdt and np.isnan(gw.astype(F32))  # NaN x
        gi = g.copy()
        relufast.prelu_grad(gi, x, w, out=gi)
        assert_bitwise(gi, cast(want, xdt), f"prelu_grad {xdt} weight {name} into grad")
        _, gw = relufast.prelu_grad(g, gw_x, w)
        assert_weight_grad(gw, g, gw_x, (), None, xdt, f"grad_weight {xdt} weight {name}")
    x4, g4, f4 = x.reshape(-1, 4), g.reshape(-1, 4), gw_x.reshape(-1, 4)
    for wdt in DTYPES:
        w = _channel_weights(wdt)
        cdt, rdt = compute_dtype(xdt, wdt), result_dtype(xdt, wdt)
        want = prelu_grad_np(g4.astype(cdt), x4.astype(cdt), w.astype(cdt), 1)
        gx, gw = relufast.prelu_grad(g4, x4, w, axis=1)
        assert_bitwise(gx, cast(want, rdt), f"prelu_grad {xdt} weight {wdt}")
        assert gw.dtype == rdt and np.isnan(gw.astype(F64)).all()  # every channel has a NaN
        xi = x4.copy()
        relufast.prelu_grad(g4, xi, w, axis=1, out=xi)
        assert_bitwise(xi, cast(want, xdt), f"prelu_grad {xdt} weight {wdt} into x")
        _, gw = relufast.prelu_grad(g4, f4, w, axis=1)
        assert_weight_grad(gw, g4, f4, (4,), 1, rdt, f"grad_weight {xdt} weight {wdt}")


# ---------------------------------------------------------------------------------------------
# the matrix: every pair of dtypes, weights of every dtype, every out dtype, layouts, in place

# (name, shape, axis, layout of the operands): runs long enough to loop alone, short runs laid
# out as a pattern, rows of channels (channels last), and layouts the kernel sees through copies
LAYOUTS = [
    ("C", (6, 5, 35), 1, "C"),
    ("F", (6, 5, 35), 1, "F"),
    ("strided", (6, 5, 35), 1, "step"),
    ("NCHW", (12, 5, 3, 3), 1, "C"),
    ("NCHW-runs", (3, 6, 17, 19), 1, "C"),  # runs of 323: one dtype of 16 bits fuses them
    ("NHWC", (4, 6, 5, 5), -1, "C"),
    ("NHWC-long", (8, 16, 16, 5), 3, "C"),  # 10,240 elements: rows laid out as a pattern
    ("NHWC-view", (4, 5, 6, 7), 1, "channels-last"),  # NCHW shape on channels-last memory
]


def layout(a, lay):
    if lay == "channels-last":  # C order of (N, H, W, C), seen as (N, C, H, W)
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 1, -1)), -1, 1)
    return in_layout(a, lay)


def _weights(kind, channels):
    """A scalar (None: a Python float, a parameter) or an ndarray of dtype ``kind``."""
    if kind is None:
        return -0.3
    return cast(np.resize(np.array(SLOPES), channels), kind)


WEIGHT_KINDS = [pytest.param(None, id="scalar")] + DTYPE_PARAMS


@pytest.mark.parametrize("wdt", WEIGHT_KINDS)
@pytest.mark.parametrize("xdt", DTYPE_PARAMS)
def test_prelu_matrix(xdt, wdt):
    for name, shape, axis, lay in LAYOUTS:
        n = int(np.prod(shape))
        x = values(xdt, n, 1).reshape(shape)
        w = _weights(wdt, shape[axis])
        cdt, rdt = compute_dtype(xdt, wdt), result_dtype(xdt, wdt)
        want = prelu_np(x.astype(cdt), np.asarray(w).astype(cdt), axis)
        what = f"prelu x {xdt} weight {wdt} {name}"
        got = relufast.prelu(layout(x, lay), w, axis=axis)
        assert_bitwise(got, cast(want, rdt), what + " -> new")
        for odt in DTYPES:
            out = layout(np.full(shape, 7.0, odt), lay)
            assert relufast.prelu(layout(x, lay), w, axis=axis, out=out) is out
            assert_bitwise(out, cast(want, odt), f"{what} -> {odt}")
        xi = layout(x, lay)
        assert relufast.prelu(xi, w, axis=axis, out=xi) is xi
        assert_bitwise(xi, cast(want, xdt), what + " in place")


@pytest.mark.parametrize("xdt", DTYPE_PARAMS)
@pytest.mark.parametrize("gdt", DTYPE_PARAMS)
def test_prelu_grad_matrix(gdt, xdt):
    for wdt in [None, *DTYPES]:
        for name, shape, axis, lay in LAYOUTS:
            n = int(np.prod(shape))
            g, x = values(gdt, n, 2).reshape(shape), values(xdt, n, 3).reshape(shape)
            w = _weights(wdt, shape[axis])
            wshape = np.shape(w)
            cdt, rdt = compute_dtype(gdt, xdt, wdt), result_dtype(gdt, xdt, wdt)
            want = prelu_grad_np(g.astype(cdt), x.astype(cdt), np.asarray(w).astype(cdt), axis)
            wax = None if wdt is None else axis
            what = f"prelu_grad grad {gdt} x {xdt} weight {wdt} {name}"
            gx, gw = relufast.prelu_grad(layout(g, lay), layout(x, lay), w, axis=axis)
            assert_bitwise(gx, cast(want, rdt), what + " -> new")
            assert_weight_grad(gw, g, x, wshape, wax, rdt, what)
            for odt in DTYPES:
                out = layout(np.full(shape, 7.0, odt), lay)
                gx, gw2 = relufast.prelu_grad(layout(g, lay), layout(x, lay), w, axis=axis,
                                              out=out)
                assert gx is out
                assert_bitwise(out, cast(want, odt), f"{what} -> {odt}")
                # summed in another grouping by the plain kernel when out has the compute
                # dtype (and so do all inputs): equal to rounding
                assert_weight_grad(gw2, g, x, wshape, wax, rdt, f"{what} -> {odt}")
            gi = layout(g, lay)
            assert relufast.prelu_grad(gi, x, w, axis=axis, out=gi)[0] is gi
            assert_bitwise(gi, cast(want, gdt), what + " in place into grad")
            xi = layout(x, lay)
            assert relufast.prelu_grad(g, xi, w, axis=axis, out=xi)[0] is xi
            assert_bitwise(xi, cast(want, xdt), what + " in place into x")


def test_weight_grad_of_float16_is_rounded_once_from_float64():
    # the terms of float16 values are exact in float64, and the sum is rounded once: a float32
    # sum would lose the 2**-30 and round -(1 + 2**-11) to even, -1
    g = np.array([1, 1, 2**-15], F16)
    x = np.array([-1, -(2**-11), -(2**-15)], F16)
    for w in (np.float16(0.25), np.array([0.25], F16), 0.25):
        _, gw = relufast.prelu_grad(g.reshape(1, 3), x.reshape(1, 3), w, axis=0)
        assert gw.dtype == F16
        assert gw.reshape(-1)[0] == np.float16(-(1 + 2**-11 + 2**-30))


def test_weight_grad_dtype_follows_the_promotion():
    g = np.ones((2, 3), F16)
    x = -np.ones((2, 3), F16)
    assert relufast.prelu_grad(g, x, 0.5)[1].dtype == F16  # a scalar: a parameter
    assert relufast.prelu_grad(g, x, [0.5] * 3)[1].dtype == F16  # a list too
    assert relufast.prelu_grad(g, x, np.full(3, 0.5, F32))[1].dtype == F32
    assert relufast.prelu_grad(g, x.astype(F64), np.full(3, 0.5, F16))[1].dtype == F64
    assert relufast.prelu_grad(g.astype(F32), x, np.full(3, 0.5, F16))[1].dtype == F32
    # out's dtype does not change grad_weight's
    _, gw = relufast.prelu_grad(g, x, np.full(3, 0.5, F16), out=np.empty((2, 3), F64))
    assert gw.dtype == F16


@needs_bf16
def test_bfloat16_with_float16_promotes_to_float32():
    x = np.linspace(-2, 2, 12).astype(BF16).reshape(3, 4)
    w16 = np.array([0.1, 0.2, 0.3], F16)
    y = relufast.prelu(x, w16, axis=0)
    assert y.dtype == F32 == np.result_type(BF16, F16)
    gx, gw = relufast.prelu_grad(x.astype(F16), x, np.array([0.1, 0.2, 0.3], BF16), axis=0)
    assert gx.dtype == gw.dtype == F32


@pytest.mark.parametrize("nt", [1, 2])
@pytest.mark.parametrize("case", ["elements", "by-channel", "pattern"])
def test_mixed_results_do_not_depend_on_threads(nt, case):
    # above the thread threshold: split by elements (few channels), by channel (70,000
    # channels: each thread's own sums would pass the budget), a pattern of short runs
    shape, axis = {"elements": ((40, 3, 1000), 1), "by-channel": ((3, 70000), 1),
                   "pattern": ((400, 8, 3, 3), 1)}[case]
    n = int(np.prod(shape))
    x = values(F16, n, 5).reshape(shape)
    x[~np.isfinite(x)] = -1
    g = values(F32, n, 6).reshape(shape)
    g[~np.isfinite(g)] = 1
    w = _weights(F16, shape[axis])
    with relufast.num_threads(1):
        want = relufast.prelu_grad(g, x, w, axis=axis), relufast.prelu(x, w, axis=axis)
    with relufast.num_threads(nt):
        got = relufast.prelu_grad(g, x, w, axis=axis), relufast.prelu(x, w, axis=axis)
    assert got[0][0].tobytes() == want[0][0].tobytes()
    assert got[1].tobytes() == want[1].tobytes()
    np.testing.assert_allclose(got[0][1], want[0][1], rtol=1e-12)
    assert_weight_grad(got[0][1], g, x, w.shape, axis, F32, f"{case} nt={nt}")
    cdt = F32
    assert_bitwise(got[0][0], prelu_grad_np(g, x.astype(cdt), w.astype(cdt), axis), case)


# ---------------------------------------------------------------------------------------------
# refusals: the function, the argument, what was expected and what came; nothing written

BAD = [np.int32, np.int64, np.uint8, np.uint16, bool, np.complex64, np.complex128, object,
       np.longdouble]


def _bad(dt, shape):
    return np.zeros(shape, dt) if dt is not object else np.full(shape, 1.0, object)


@pytest.mark.parametrize("bad", BAD, ids=lambda d: np.dtype(d).name)
def test_refusals_name_function_and_argument(bad):
    x16 = np.linspace(-1, 1, 12).astype(F16).reshape(3, 4)
    g32 = np.linspace(1, 2, 12, dtype=F32).reshape(3, 4)
    out = np.full((3, 4), 5.0, F32)
    w = np.full(4, 0.5, F16)
    b = _bad(bad, (3, 4))
    calls = [
        ("prelu", "x", lambda: relufast.prelu(b, w, axis=1, out=out)),
        ("prelu", "weight", lambda: relufast.prelu(x16, _bad(bad, 4), axis=1, out=out)),
        ("prelu_grad", "grad", lambda: relufast.prelu_grad(b, x16, w, axis=1, out=out)),
        ("prelu_grad", "x", lambda: relufast.prelu_grad(g32, b, w, axis=1, out=out)),
        ("prelu_grad", "weight",
         lambda: relufast.prelu_grad(g32, x16, _bad(bad, 4), axis=1, out=out)),
    ]
    for fn, arg, call in calls:
        with pytest.raises(TypeError) as info:
            call()
        msg = str(info.value)
        assert msg.startswith(fn + ":") and f" {arg} " in msg, msg
        if bad is not object:
            assert np.dtype(bad).name in msg or str(np.dtype(bad)) in msg, msg
        assert (out == 5.0).all(), "a refused call wrote into out"
    if bad is not object:
        bout = _bad(bad, (3, 4))
        before = bout.tobytes()
        for fn, call in (("prelu", lambda: relufast.prelu(x16, w, axis=1, out=bout)),
                         ("prelu_grad",
                          lambda: relufast.prelu_grad(g32, x16, w, axis=1, out=bout))):
            with pytest.raises(TypeError, match=rf"^{fn}: out has dtype .*expected one of"):
                call()
            assert bout.tobytes() == before


def test_refused_shape_and_weight_write_nothing():
    x = np.linspace(-1, 1, 12).astype(F16).reshape(3, 4)
    g = np.ones((3, 4), F64)
    out = np.full((3, 4), 5.0, F32)
    with pytest.raises(ValueError, match="prelu_grad: grad has shape"):
        relufast.prelu_grad(g[:2], x, 0.5, out=out)
    with pytest.raises(ValueError, match="prelu_grad: weight must be finite"):
        relufast.prelu_grad(g, x, np.array([0.5, np.inf, 0.5, 0.5], F16), out=out)
    with pytest.raises(ValueError, match="prelu: weight has length 3, expected 4"):
        relufast.prelu(x, np.ones(3, F32), out=out)
    with pytest.raises(ValueError, match="prelu: weight=1e\\+39 overflows float32"):
        relufast.prelu(x, 1e39, out=out)  # a float16 x computes in float32
    assert (out == 5.0).all()
    # computed in float64 (a float64 grad), the same weight is taken
    assert relufast.prelu_grad(g, x, 1e39)[0].dtype == F64


def test_kernel_entry_points_refuse_and_write_nothing():
    from relufast import _dispatch
    K, S = _dispatch.KERNELS, _dispatch.STATUS
    x = np.linspace(-1, 1, 64).astype(F16)
    y = np.full(64, 3.0, F32)
    w32 = np.array([0.5], F32)
    assert K.prelu_forward_mixed(x, w32.astype(F64), y, 64, False, 1) == S.REFUSED  # w dtype
    assert K.prelu_forward_mixed(x, np.array([np.nan], F32), y, 64, False, 1) == S.NONFINITE
    assert K.prelu_forward_mixed(x.astype(np.int16), w32, y, 64, False, 1) == S.REFUSED
    assert K.prelu_forward_mixed(x, y[:1], y, 64, False, 1) == S.OVERLAP  # w inside out
    assert (y == 3.0).all()
    gw = np.full(1, 9.0, F16)
    g = np.ones(64, F64)
    assert K.prelu_gradient_mixed(g, x, w32, y, gw, 64, True, 1) == S.REFUSED
    assert K.prelu_gradient_mixed(g, x, np.array([np.inf]), y, gw, 64, True, 1) == S.NONFINITE
    assert K.prelu_gradient_mixed(g, x, np.ones(1), y, y[:1], 64, True, 1) == S.OVERLAP
    assert (y == 3.0).all() and gw[0] == 9.0
    assert K.prelu_gradient_mixed(g, x, np.ones(1) * 0.5, y, gw, 64, True, 1) == S.DONE
    want = np.where(x.astype(F64) > 0, 1.0, 0.5)
    assert_bitwise(y, want.astype(F32), "gradient_mixed")
    assert gw[0] == np.float16(np.where(x > 0, 0, x.astype(F64)).sum())


def test_no_full_size_temporary_in_place():
    # float16 and bfloat16 in place: tracemalloc sees NumPy's allocations; the kernel's blocks
    # live on its stack.  A float32 copy of x alone would be 2 * x.nbytes.
    import tracemalloc
    x = np.linspace(-3, 3, 2_000_000).astype(F16).reshape(1000, 2000)
    w = np.linspace(-0.5, 0.5, 2000).astype(F16)
    g = np.ones_like(x)
    dts = [F16] if BF16 is None else [F16, BF16]
    for dt in dts:
        xd, wd, gd = x.astype(dt), w.astype(dt), g.astype(dt)
        tracemalloc.start()
        relufast.prelu(xd, wd, axis=1, out=xd)
        relufast.prelu_grad(gd, xd, wd, axis=1, out=gd)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 100_000, (dt, peak)  # the weight and grad_weight: a few KB


def test_works_without_ml_dtypes():
    # ml_dtypes is optional: with it unimportable, prelu imports and computes float16 mixes
    import subprocess
    import sys
    code = (
        "import sys; sys.modules['ml_dtypes'] = None\n"
        "import numpy as np, relufast\n"
        "from relufast import _dispatch\n"
        "assert _dispatch.BF16 is None\n"
        "x = np.linspace(-1, 1, 8).astype(np.float16).reshape(2, 4)\n"
        "y = relufast.prelu(x, np.full(4, 0.5, np.float32))\n"
        "assert y.dtype == np.float32 and y[0, 0] == np.float32(-0.5)\n"
        "gx, gw = relufast.prelu_grad(x, x, 0.5)\n"
        "assert gx.dtype == gw.dtype == np.float16\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_mixed_blocks_fit_small_thread_stacks():
    # the mixed drivers keep three blocks of 512 compute-dtype elements on the stack (12 KB in
    # float64): they must run in a 32 KiB thread and on OpenMP workers of OMP_STACKSIZE=16K
    import subprocess
    import sys
    code = (
        "import threading, numpy as np, relufast\n"
        "x = np.linspace(-3, 3, 40 * 8 * 500).astype(np.float16).reshape(40, 8, 500)\n"
        "g = np.linspace(-1, 2, x.size).reshape(x.shape)\n"
        "w = np.linspace(-0.5, 0.5, 8).astype(np.float16)\n"
        "def calls(res):\n"
        "    with relufast.num_threads(2):\n"
        "        res.append((relufast.prelu(x, w, out=np.empty(x.shape)),\n"
        "                    *relufast.prelu_grad(g, x, w)))\n"
        "res = []\n"
        "threading.stack_size(32 * 1024)\n"
        "t = threading.Thread(target=calls, args=(res,)); t.start(); t.join()\n"
        "calls(res)\n"
        "assert len(res) == 2\n"
        "for a, b in zip(*res): assert a.tobytes() == b.tobytes()\n"
        "print('ok')\n"
    )
    import os
    env = dict(os.environ, OMP_STACKSIZE="16K")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_promotion_is_numpys_result_type():
    # the call path's own promotion (written out for speed) against NumPy's, every combination
    from relufast import _prelu
    for a in DTYPES:
        for b in (None, *DTYPES):
            for c in (None, *DTYPES):
                result, compute = _prelu._promote(a, b, c)
                want = np.result_type(*[d for d in (a, b, c) if d is not None])
                assert result == want, (a, b, c, result, want)
                assert compute == (F64 if want == F64 else F32)


@pytest.mark.parametrize("xdt", [dtype_param(F16), pytest.param(BF16, id="bfloat16",
                                                                   marks=needs_bf16)])
def test_prelu_grad_equals_leaky_relu_grad_for_a_scalar_slope(xdt):
    # one rule for every half-precision gradient: the float32 computation, rounded once (with
    # a slope like 0.1, grad * slope rounds in float32 first: 206 of float16's 63,488 finite
    # grads then differ from the float64 product rounded once, which prelu_grad used to give)
    x = every_value(xdt)
    g = cast(random_values(np.random.default_rng(4), x.size, F64, 3.0), xdt)
    g16 = np.arange(2**16, dtype=np.uint16).view(xdt)[: x.size]  # every grad too
    for slope in (0.1, -0.7, 1e-3, 3.3):
        for gg in (g, g16):
            assert_bitwise(relufast.prelu_grad(gg, x[::-1], slope)[0],
                           relufast.leaky_relu_grad(gg, x[::-1], slope), f"{xdt} {slope}")


def test_float16_attempt_refuses_what_the_general_path_names():
    # float16 x with C-contiguous operands goes straight to the mixed kernel; what it refuses
    # reaches the general path, which names it or copies, and nothing is written before
    x = np.linspace(-2, 2, 24).astype(F16).reshape(2, 3, 4)
    w = np.array([0.5, -0.25, 0.0], F16)
    u = np.arange(24, dtype=np.uint16).reshape(2, 3, 4)
    for call, name in ((lambda: relufast.prelu(x, w, out=u), "out"),
                       (lambda: relufast.prelu_grad(u, x, w), "grad"),
                       (lambda: relufast.prelu_grad(x, x, w, out=u), "out"),
                       (lambda: relufast.prelu(x, w.view(np.uint16)), "weight")):
        with pytest.raises(TypeError, match=rf"\b{name}\b"):
            call()
        assert (u == np.arange(24).reshape(2, 3, 4)).all()
    out = np.full((2, 3, 4), 5.0, F32)
    with pytest.raises(ValueError, match="prelu: weight must be finite"):
        relufast.prelu(x, np.array([0.5, np.inf, 0.0], F16), out=out)
    with pytest.raises(ValueError, match="prelu_grad: grad has shape"):
        relufast.prelu_grad(np.ones((2, 3, 5), F32), x, w, out=out)
    assert (out == 5.0).all()
    # a float32 weight inside a float32 out: the kernel refuses (OVERLAP), the general path
    # copies the weight first
    buf = np.zeros(27, F32)
    o, wi = buf[3:].reshape(2, 3, 4), buf[24:27]  # the weight: out's last three elements
    wi[:] = w
    want = relufast.prelu(x, w.astype(F32))
    assert relufast.prelu(x, wi, out=o) is o
    assert_bitwise(o, want, "weight inside out")


def test_float16_attempt_matches_the_general_path():
    # the same call through the attempt (C-contiguous) and the general path (Fortran order)
    x = values(F16, 6 * 5 * 35, 8).reshape(6, 5, 35)
    g = values(F64, x.size, 9).reshape(x.shape)
    for w in (_weights(F16, 5), _weights(F32, 5), _weights(F64, 5)):
        y_c = relufast.prelu(x, w)
        y_f = relufast.prelu(np.asfortranarray(x), w)
        assert_bitwise(y_c, np.ascontiguousarray(y_f), f"prelu weight {w.dtype}")
        gx_c, gw_c = relufast.prelu_grad(g, x, w)
        gx_f, gw_f = relufast.prelu_grad(np.asfortranarray(g), np.asfortranarray(x), w)
        assert_bitwise(gx_c, np.ascontiguousarray(gx_f), f"prelu_grad weight {w.dtype}")
        assert gw_c.dtype == gw_f.dtype == F64
        assert_weight_grad(gw_c, g, x, (5,), 1, F64, f"grad_weight {w.dtype}")
