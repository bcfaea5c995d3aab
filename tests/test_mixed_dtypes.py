"""Mixed float dtypes and float16, converted in the kernel (docs/semantics.md, "Mixed dtypes").

The contract: inputs of different float dtypes compute in NumPy's result_type of them (float16
in float32); ``out`` may be any of float16, float32, float64 (the result casts to each under
``same_kind``), in place into either input included; each element is converted as it is loaded
and rounded once as it is stored.  So a mixed call equals the same-dtype call on the inputs
cast to the compute dtype, its result cast to out's dtype by NumPy, bitwise.
"""

import numpy as np
import pytest

import relufast
from relufast import _dispatch
from cases import DTYPES, ELEMENTWISE, F16, F32, F64, fn_params, in_layout, mixed_values

try:
    import ml_dtypes
    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # an optional dependency: its tests are skipped
    BF16 = None
needs_bf16 = pytest.mark.skipif(BF16 is None, reason="ml_dtypes is not installed")

# the tests' own NumPy casts of random values overflow float16 and bfloat16 on purpose
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning",
                                        "ignore:invalid value encountered:RuntimeWarning")

# prelu and prelu_grad (a weight, an axis, a weight gradient): tests/test_prelu_mixed.py
MIXED = [fn for fn in ELEMENTWISE if fn.name != "prelu"]
LAYOUTS = ("C", "F", "step", "negative")
SHAPE = (7, 150)  # 1,050 elements: more than two of the kernel's 512-element blocks


def compute_dtype(*dtypes):
    return F64 if F64 in [np.dtype(d) for d in dtypes] else F32


def cast(a, dtype):
    """NumPy's cast, rounding once (to bfloat16 from float64: see to_bf16)."""
    a = np.asarray(a)
    if BF16 is not None and np.dtype(dtype) == BF16 and a.dtype == F64:
        return to_bf16(a)
    with np.errstate(over="ignore", invalid="ignore"):
        return a.astype(dtype)


def to_bf16(x):
    """float64 to bfloat16 rounded once, to nearest even, computed here rather than trusted to
    ml_dtypes' float64 cast (0.7.0 rounds once too; it agrees on every tie neighbour): the
    cast through float32 (which may round twice) is only a start, and of it and its two
    neighbours the nearest to x wins (differences exact in float64, as the values are within a
    factor 2), ties to the even bit pattern; infinity counts as 2**128 (IEEE's rounding)."""
    x = np.asarray(x, F64)
    with np.errstate(over="ignore", invalid="ignore"):
        start = x.astype(np.float32).astype(BF16).view(np.uint16).astype(np.int64)
    best = start.copy()
    bestd = np.full(x.shape, np.inf)
    for step in (0, 1, -1):
        bits = start + step
        ok = (bits >= 0) & (bits <= 0xffff) & ((bits & 0x7fff) <= 0x7f80)
        bits = np.where(ok, bits, start)
        c = bits.astype(np.uint16).view(BF16).astype(F64)
        c = np.where(np.isinf(c), np.copysign(2.0**128, c), c)
        sign_ok = (np.signbit(c) == np.signbit(x)) | (c == 0)
        d = np.where(ok & sign_ok, np.abs(x - c), np.inf)
        better = (d < bestd) | ((d == bestd) & (bits % 2 == 0))
        best = np.where(better, bits, best)
        bestd = np.where(better, d, bestd)
    out = best.astype(np.uint16).view(BF16)
    return np.where(np.isnan(x), x.astype(BF16), out)


def assert_bitwise(got, want, what=""):
    """Equal values, the same sign of zero, NaN where NaN (its payload aside)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, what
    gn, wn = np.isnan(got), np.isnan(want)
    assert np.array_equal(gn, wn), f"{what}: NaN at different places"
    g, w = got[~gn], want[~wn]
    bad = (g != w) | (np.signbit(g) != np.signbit(w))
    assert not bad.any(), f"{what}: {g[bad][:5]} != {w[bad][:5]}"


def _values(dtype, seed):
    rng = np.random.default_rng(seed)
    return mixed_values(rng, int(np.prod(SHAPE)), dtype).reshape(SHAPE)


def _operands(fn, gdt, xdt, seed):
    # gradients from x here; from the output y: test_gradient_from_output_mixed
    return _values(gdt, seed), _values(xdt, seed + 1)


# ---------------------------------------------------------------------------------------------
# the matrix: every pair of input dtypes, every out dtype, in place or not, layouts


@pytest.mark.parametrize("xdt", DTYPES, ids=str)
@pytest.mark.parametrize("fn", fn_params(MIXED))
def test_forward_every_out_dtype(fn, xdt):
    x = _values(xdt, 1)
    cdt = compute_dtype(xdt)
    want32 = fn.forward(cast(x, cdt))  # the same-dtype kernel in the compute dtype
    assert_bitwise(fn.forward(x), cast(want32, xdt), f"{fn.id} {xdt} -> new")
    for odt in DTYPES:
        for lay in LAYOUTS:
            out = in_layout(np.full(SHAPE, 7.0, odt), lay)
            got = fn.forward(in_layout(x, lay), out=out)
            assert got is out
            assert_bitwise(out, cast(want32, odt), f"{fn.id} {xdt} -> {odt} {lay}")
    xi = x.copy()
    fn.forward(xi, out=xi)
    assert_bitwise(xi, cast(want32, xdt), f"{fn.id} {xdt} in place")


@pytest.mark.parametrize("xdt", DTYPES, ids=str)
@pytest.mark.parametrize("gdt", DTYPES, ids=str)
@pytest.mark.parametrize("fn", fn_params(MIXED))
def test_gradient_every_pair_and_out_dtype(fn, gdt, xdt):
    g, x = _operands(fn, gdt, xdt, 3)
    cdt = compute_dtype(gdt, xdt)
    want = fn.gradient(cast(g, cdt), cast(x, cdt))
    rdt = np.result_type(gdt, xdt)
    what = f"{fn.grad_name} grad {gdt} x {xdt}"
    got = fn.gradient(g, x)
    assert got.dtype == rdt, what
    assert_bitwise(got, cast(want, rdt), what + " -> new")
    for odt in DTYPES:
        for lay in LAYOUTS:
            out = in_layout(np.full(SHAPE, 7.0, odt), lay)
            got = fn.gradient(in_layout(g, lay), in_layout(x, lay), out=out)
            assert got is out
            assert_bitwise(out, cast(want, odt), f"{what} -> {odt} {lay}")
    # in place into either input, in two layouts
    for lay in ("C", "F"):
        gi = in_layout(g, lay).copy(order="K")
        assert fn.gradient(gi, x, out=gi) is gi
        assert_bitwise(gi, cast(want, gdt), what + f" in place into grad ({lay})")
        xi = in_layout(x, lay).copy(order="K")
        assert fn.gradient(g, xi, out=xi) is xi
        assert_bitwise(xi, cast(want, xdt), what + f" in place into x ({lay})")


@pytest.mark.parametrize("pair", [(F32, F64), (F64, F32), (F16, F32), (F16, F64), (F64, F16)],
                         ids=str)
def test_gradient_from_output_mixed(pair):
    gdt, ydt = pair
    for fn in MIXED:
        if not fn.from_output:
            continue
        x = _values(F64, 5)
        y = cast(fn.forward(x), ydt)
        g = _values(gdt, 6)
        cdt = compute_dtype(gdt, ydt)
        want = fn.gradient(cast(g, cdt), cast(y, cdt), from_output=True)
        out = g.copy()
        fn.gradient(out, y, from_output=True, out=out)
        assert_bitwise(out, cast(want, gdt), f"{fn.grad_name} from y {pair}")


def test_scikit_learn_relu_grad_in_place():
    # scikit-learn's MLP with float32 data: a float64 error signal delta against float32
    # activations Z, the derivative taken in place: relu_grad(delta, Z, from_output=True,
    # out=delta), which NumPy computes as delta[Z == 0] = 0
    rng = np.random.default_rng(0)
    Z = np.maximum(rng.standard_normal((64, 33)), 0).astype(np.float32)
    delta = rng.standard_normal((64, 33))
    want = delta * (Z > 0)
    got = relufast.relu_grad(delta, Z, from_output=True, out=delta)
    assert got is delta and delta.dtype == F64
    np.testing.assert_array_equal(delta, want)


def test_partial_overlap_of_mixed_operands():
    # out overlapping an input other than element for element (here a float32 x on the bytes
    # of a float64 out): computed as if the input had been copied first
    buf = np.zeros(2000, F64)
    out = buf[:1000]
    x = buf.view(np.float32)[500:1500]  # inside out's bytes, of another itemsize
    x[...] = np.linspace(-3, 3, 1000, dtype=np.float32)
    want = relufast.elu(x.copy()).astype(F64)
    relufast.elu(x, out=out)
    assert_bitwise(out, want, "elu, x on out's bytes")
    g = np.linspace(-1, 1, 1000)
    buf2 = np.zeros(1000, F64)
    x2 = buf2.view(np.float32)[:1000]
    x2[...] = np.linspace(-2, 2, 1000, dtype=np.float32)
    want = relufast.silu_grad(g, x2.copy())
    relufast.silu_grad(g, x2, out=buf2)
    assert_bitwise(buf2, want, "silu_grad, x on out's first bytes")


@pytest.mark.parametrize("nt", [1, 2])
def test_mixed_results_do_not_depend_on_threads(nt):
    n = 300_001  # above every threshold, odd, not a multiple of the block
    x = np.linspace(-10, 10, n, dtype=np.float32)
    g = np.linspace(-1, 2, n)
    with relufast.num_threads(1):
        want = relufast.gelu_grad(g, x), relufast.gelu(x, out=np.empty(n, F16))
    with relufast.num_threads(nt):
        got = relufast.gelu_grad(g, x), relufast.gelu(x, out=np.empty(n, F16))
    for a, b in zip(got, want):
        assert a.tobytes() == b.tobytes()


def test_mixed_blocks_fit_a_16k_openmp_stack():
    # the conversion buffers are on the heap (12 KB of float64 blocks on a worker's stack
    # overflowed OMP_STACKSIZE=16K: SIGSEGV), in a fresh process with that stack size
    import os
    import subprocess
    import sys
    code = (
        "import numpy as np, relufast\n"
        "x = np.linspace(-3, 3, 160_001).astype(np.float16)\n"
        "g = np.linspace(-1, 2, x.size)\n"
        "with relufast.num_threads(1):\n"
        "    want = relufast.elu_grad(g, x), relufast.gelu(x, out=np.empty(x.size))\n"
        "with relufast.num_threads(2):\n"
        "    got = relufast.elu_grad(g, x), relufast.gelu(x, out=np.empty(x.size))\n"
        "assert all(a.tobytes() == b.tobytes() for a, b in zip(got, want))\n"
        "import threading\n"  # and one thread inline, on a 32 KB Python thread's stack
        "threading.stack_size(32 * 1024)\n"
        "res = []\n"
        "def run():\n"
        "    with relufast.num_threads(1):\n"
        "        res.append(relufast.elu_grad(g, x))\n"
        "t = threading.Thread(target=run)\n"
        "t.start()\n"
        "t.join()\n"
        "assert res[0].tobytes() == want[0].tobytes()\n"
        "print('ok')\n"
    )
    env = dict(os.environ, OMP_STACKSIZE="16K")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       check=False)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stderr[-2000:])


# ---------------------------------------------------------------------------------------------
# the conversions themselves: leaky_relu with slope 1 is the identity (NaN included), so it
# shows the kernel's widening and rounding alone, against NumPy's correctly rounded astype


def _identity(x, odt):
    return relufast.leaky_relu(x, 1.0, out=np.empty(x.shape, odt))


def _tie_neighbours(dtype):
    """Every float16's midpoint to the next float16 in ``dtype``, and one ulp either side:
    the inputs that round to nearest even, and those that would show a double rounding."""
    h = np.arange(2**16, dtype=np.uint16).view(F16)
    h = h[np.isfinite(h)]
    h = np.sort(np.unique(h.astype(F64)))
    mid = ((h[:-1] + h[1:]) / 2).astype(dtype)
    top = np.array([65504.0, 65520.0, 65536.0, 1e5, 3.4e38], F64).astype(dtype)
    v = np.concatenate([mid, top, h.astype(dtype)])
    inf = np.array(np.inf, dtype)
    v = np.concatenate([v, np.nextafter(v, inf), np.nextafter(v, -inf)])
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan], dtype)
    tiny = np.array([np.finfo(dtype).smallest_subnormal, np.finfo(dtype).tiny, 2.0**-25,
                     2.0**-26, 3 * 2.0**-26], F64).astype(dtype)
    return np.concatenate([v, specials, tiny, -tiny])


@pytest.mark.parametrize("src", [F32, F64], ids=str)
def test_rounding_to_float16_once(src):
    x = _tie_neighbours(src)
    assert_bitwise(_identity(x, F16), cast(x, F16), f"{src} -> float16")
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**32 if src == F32 else 2**64, 2_000_000, dtype=np.uint64)
    r = bits.astype(np.uint32).view(F32) if src == F32 else bits.view(F64)
    # magnitudes around float16's range, where the rounding happens
    with np.errstate(invalid="ignore"):
        r = r[np.abs(r) < 1e6] if src == F32 else np.ldexp(np.frexp(r)[0],
                                                           rng.integers(-30, 18, r.size))
    assert_bitwise(_identity(r, F16), cast(r, F16), f"random {src} -> float16")


def test_widening_every_float16_is_exact():
    h = np.arange(2**16, dtype=np.uint16).view(F16)
    for odt in (F32, F64):
        assert_bitwise(_identity(h, odt), h.astype(odt), f"float16 -> {odt}")
    # and narrowing them back gives every one (NaN aside)
    assert_bitwise(_identity(h.astype(F64), F16), h, "float64 -> float16 of float16 values")


def test_isa_matrix_runs_every_conversion():
    # a compact pass over the whole matrix on every kernel module this machine can run
    from relufast import _dispatch
    before = _dispatch.KERNELS.isa
    try:
        for isa in _dispatch.available_isas():
            _dispatch.select_isa(isa)
            test_rounding_to_float16_once(F64)
            test_widening_every_float16_is_exact()
            for xdt in DTYPES:
                for gdt in DTYPES:
                    test_gradient_every_pair_and_out_dtype(MIXED[0], gdt, xdt)
    finally:
        _dispatch.select_isa(before)


@pytest.mark.parametrize("fn", fn_params(MIXED))
def test_float16_every_value(fn):
    # bfloat16's test below, for float16: every pattern, new out and in place
    x = np.arange(2**16, dtype=np.uint16).view(F16)
    x32 = x.astype(F32)
    want = cast(fn.forward(x32), F16)
    assert_bitwise(fn.forward(x), want, f"{fn.id} float16")
    xi = x.copy()
    fn.forward(xi, out=xi)
    assert_bitwise(xi, want, f"{fn.id} float16 in place")
    rng = np.random.default_rng(12)
    g = rng.standard_normal(x.size).astype(F16)
    want = cast(fn.gradient(g.astype(F32), x32), F16)
    assert_bitwise(fn.gradient(g, x), want, f"{fn.grad_name} float16")
    gi = g.copy()
    fn.gradient(gi, x, out=gi)
    assert_bitwise(gi, want, f"{fn.grad_name} float16 in place")
    if fn.from_output:
        y = fn.forward(x)
        want = fn.gradient(g.astype(F32), y.astype(F32), from_output=True)
        assert_bitwise(fn.gradient(g, y, from_output=True), cast(want, F16),
                       f"{fn.grad_name} float16 from y")


# relu, relu6 and their gradients decide on float16 / bfloat16 bit patterns without converting
# (relufast/_elementwise.pxi): bit for bit what widening, computing and rounding give, NaN
# payloads included (quieted: the quiet bit set, sign and payload kept), at every alignment
# and thread count

_FORMATS = [(F16, 0x7c00, 0x0200, 6.0)] + ([(BF16, 0x7f80, 0x0040, 6.0)] if BF16 else [])


def _expected_bits(op, x, g=None, inf=0x7c00, q=0x0200):
    """The 16-bit result of op from the float64 values, the NaN rules spelled out."""
    xb = x.view(np.uint16).astype(np.int64)
    xf = x.astype(F64)
    nan_x = (xb & 0x7fff) > inf
    if g is None:
        r = xf if op == "relu" else np.minimum(xf, 6.0)
        r = np.where(xf > 0, r, 0.0).astype(x.dtype).view(np.uint16).astype(np.int64)
    else:
        keep = (xf > 0) if op == "relu" else ((xf > 0) & (xf < 6))
        r = _kept_grad_bits(g, keep, inf, q)
    return np.where(nan_x, xb | q, r).astype(np.uint16)


def _every_pattern_four_times():
    """Every 16-bit pattern, four times over: above the threaded threshold."""
    return np.concatenate([np.arange(2**16, dtype=np.uint16)] * 4)


def _kept_grad_bits(g, keep, inf, q):
    """grad's bits (a NaN quieted) where keep, +0.0 elsewhere."""
    gb = g.view(np.uint16).astype(np.int64)
    return np.where(keep, np.where((gb & 0x7fff) > inf, gb | q, gb), 0)


@pytest.mark.parametrize("fmt", _FORMATS, ids=lambda f: str(f[0]))
@pytest.mark.parametrize("nt", [1, 2])
def test_relu_like_16bit_patterns_exactly(fmt, nt):
    dtype, inf, q, _ = fmt
    rng = np.random.default_rng(13)
    big = _every_pattern_four_times()
    with relufast.num_threads(nt):
        for off in (0, 1, 7, 31):  # out's start off a 64-byte boundary by 0 to 62 bytes
            x = big[off:].view(dtype)
            g = rng.permutation(big)[off:].view(dtype)
            for name, fwd, grad in (("relu", relufast.relu, relufast.relu_grad),
                                    ("relu6", relufast.relu6, relufast.relu6_grad)):
                want = _expected_bits(name, x, inf=inf, q=q)
                assert (fwd(x).view(np.uint16) == want).all(), (name, off)
                xi = x.copy()
                fwd(xi, out=xi)
                assert (xi.view(np.uint16) == want).all(), (name, off, "in place")
                want = _expected_bits(name, x, g, inf, q)
                assert (grad(g, x).view(np.uint16) == want).all(), (name, off, "grad")
                gi = g.copy()
                grad(gi, x, out=gi)
                assert (gi.view(np.uint16) == want).all(), (name, off, "grad in place")
                # every grad pattern (NaN payloads) where the slope is 1
                one = np.full(x.shape, 1.0, dtype)
                assert (grad(x, one).view(np.uint16)
                        == _expected_bits(name, one, x, inf, q)).all(), (name, off)


# hardtanh, threshold and their gradients decide on the bit patterns too, comparing keys with
# the parameters' (relufast/_elementwise.pxi, _key_le and _key_ge): the parameters need not be
# values of the format (they are rounded to float32 for the compares, and rounded once more to
# the format where they are the result), and zeros of either sign, parameters beyond the
# format's range and an empty range (min_val == max_val) behave as the float32 op does

_HARDTANH_PARAMS = [(-1.0, 1.0), (-2.5, 0.3), (0.0, 6.0), (-0.0, 0.0), (0.3, 0.3),
                    (-3e38, 0.1), (-1e-7, 3e38), (-70000.0, 70000.0), (1e-40, 3e38),
                    (-1.0000001, 0.99999994)]
_THRESHOLD_PARAMS = [(0.1, 20.0), (0.5, -1.0), (0.0, -0.0), (-0.0, 7e-8), (-3.3e38, 1.0),
                     (3.3e38, 0.3), (65519.0, 1e-45), (-3.3e38, -1e5)]


def _expected_piecewise_bits(name, params, x, g, inf, q):
    """The 16-bit result from float32 compares, the parameters rounded as the float32 op
    rounds them: hardtanh (x, or max_val / min_val rounded to the format), threshold (value
    where x <= threshold), their gradients (grad quieted, or +0); a NaN x comes out quieted."""
    a, b = (np.float32(v) for v in params)
    xb = x.view(np.uint16).astype(np.int64)
    xf = x.astype(F32)
    nan_x = (xb & 0x7fff) > inf
    bits = lambda v: np.array(v, F32).astype(x.dtype).view(np.uint16).astype(np.int64)
    with np.errstate(invalid="ignore"):
        if g is None:
            if name == "hardtanh":
                r = np.where(xf > b, bits(b), xb)
                r = np.where(xf < a, bits(a), r)
            else:
                r = np.where(xf <= a, bits(b), xb)
        else:
            keep = ((xf > a) & (xf < b)) if name == "hardtanh" else (xf > a)
            r = _kept_grad_bits(g, keep, inf, q)
    return np.where(nan_x, xb | q, r).astype(np.uint16)


@pytest.mark.parametrize("fmt", _FORMATS, ids=lambda f: str(f[0]))
@pytest.mark.parametrize("nt", [1, 2])
@pytest.mark.parametrize("isa", _dispatch.available_isas())
def test_hardtanh_threshold_16bit_patterns_exactly(fmt, nt, isa, default_isa):
    _dispatch.select_isa(isa)
    dtype, inf, q, _ = fmt
    rng = np.random.default_rng(14)
    big = _every_pattern_four_times()
    cases = ([("hardtanh", p, relufast.hardtanh, relufast.hardtanh_grad) for p in _HARDTANH_PARAMS]
             + [("threshold", p, relufast.threshold, relufast.threshold_grad)
                for p in _THRESHOLD_PARAMS])
    with relufast.num_threads(nt):
        for off in (0, 3):
            x = big[off:].view(dtype)
            g = rng.permutation(big)[off:].view(dtype)
            for name, params, fwd, grad in cases:
                want = _expected_piecewise_bits(name, params, x, None, inf, q)
                assert (fwd(x, *params).view(np.uint16) == want).all(), (name, params, off)
                xi = x.copy()
                fwd(xi, *params, out=xi)
                assert (xi.view(np.uint16) == want).all(), (name, params, off, "in place")
                want = _expected_piecewise_bits(name, params, x, g, inf, q)
                gi = g.copy()
                grad(gi, x, *params, out=gi)
                assert (gi.view(np.uint16) == want).all(), (name, params, off, "grad")
                # the float32 op on the widened values, rounded once, agrees with the bits
                w32 = grad(g.astype(F32), x.astype(F32), *params)
                assert_bitwise(gi[~np.isnan(gi)], cast(w32, dtype)[~np.isnan(gi)],
                               f"{name}_grad{params} against float32")


# hardsigmoid, hardswish, relu_squared and their gradients on AVX-512 take one-pass loops
# (relufast/_vectab.h; the first two divide without a division): bit for bit the float32 op rounded once, for every x and every
# grad pattern (zeros of both signs, subnormals, infinities, NaN), every length's masked tail,
# in place, both bfloat16 roundings, and the same bits as the blocks that the other builds take


@pytest.mark.parametrize("name", ["hardsigmoid", "hardswish", "relu_squared"])
@pytest.mark.parametrize("dtype", [F16] + ([BF16] if BF16 else []), ids=str)
def test_hard_functions_16bit_one_pass(name, dtype, bf16_rounding):
    fwd, grad = getattr(relufast, name), getattr(relufast, name + "_grad")
    every = np.arange(2**16, dtype=np.uint16).view(dtype)
    rng = np.random.default_rng(15)
    x = np.concatenate([every, rng.permutation(every)])
    want = cast(fwd(x.astype(F32)), dtype)
    assert_bitwise(fwd(x), want, f"{name} {dtype}")
    # every grad pattern against x in (-3, 3), at the kinks, outside and NaN
    xs = np.array([0.5, -1.25, 2.875, -2.96875, 3.0, -3.0, 7.0, -7.0, 0.0, -0.0, np.nan], F32)
    g = np.tile(every, xs.size)
    xg = np.repeat(xs, every.size).astype(dtype)
    want = cast(grad(g.astype(F32), xg.astype(F32)), dtype)
    assert_bitwise(grad(g, xg), want, f"{name}_grad {dtype}")
    gi = g.copy()
    grad(gi, xg, out=gi)
    assert_bitwise(gi, want, f"{name}_grad {dtype} in place")
    for n in (16_385, 16_399, 16_400):  # past the threaded threshold, every tail length mod 16
        xn, gn = x[:n].copy(), g[-n:].copy()
        assert_bitwise(fwd(xn, out=xn), cast(fwd(x[:n].astype(F32)), dtype))
        assert_bitwise(grad(gn, x[:n], out=gn),
                       cast(grad(g[-n:].astype(F32), x[:n].astype(F32)), dtype))
    import importlib
    mod = importlib.import_module(f"relufast._kernels_{_dispatch.KERNELS.isa}")
    was = mod.tab_kernels(False)  # the blocks' bits
    try:
        blocks = fwd(x), grad(g, xg)
    finally:
        mod.tab_kernels(was)
    assert (fwd(x).view(np.uint16) == blocks[0].view(np.uint16)).all()
    nan = np.isnan(blocks[1])
    assert (grad(g, xg).view(np.uint16)[~nan] == blocks[1].view(np.uint16)[~nan]).all()


# ---------------------------------------------------------------------------------------------
# refusals: nothing written, the function and the argument named


BAD_OUT_DTYPES = [np.int32, np.int64, np.uint8, bool, np.complex64, np.complex128,
                  np.longdouble, object, np.dtype(">f8"), np.dtype(">f4")]


@pytest.mark.parametrize("odt", BAD_OUT_DTYPES, ids=lambda d: np.dtype(d).str)
def test_refused_out_dtypes(odt):
    g = np.linspace(-1, 1, 12, dtype=F64)
    x = np.linspace(-1, 1, 12, dtype=F32)
    out = np.zeros(12, odt)
    before = out.tobytes() if np.dtype(odt) != object else None
    for call in (lambda: relufast.relu_grad(g, x, out=out),
                 lambda: relufast.elu(x, out=out),
                 lambda: relufast.gelu(x.astype(F16), out=out)):
        with pytest.raises(TypeError) as info:
            call()
        msg = str(info.value)
        assert "out" in msg and str(np.dtype(odt)) in msg, msg
        if before is not None:
            assert out.tobytes() == before


@pytest.mark.parametrize("bad", [np.int32, bool, np.complex128, np.longdouble, object])
def test_refused_input_dtypes_with_mixed_partner(bad):
    x = np.linspace(-1, 1, 12, dtype=F32)
    b = np.zeros(12, bad)
    out = np.full(12, 3.0, F64)
    with pytest.raises(TypeError, match="relu_grad: grad"):
        relufast.relu_grad(b, x, out=out)
    with pytest.raises(TypeError, match="relu_grad: x"):
        relufast.relu_grad(out, b, out=out)
    assert (out == 3.0).all()


# ---------------------------------------------------------------------------------------------
# bfloat16 (ml_dtypes): computed in float32 (float64 with a float64 input), rounded once


@needs_bf16
@pytest.mark.parametrize("fn", fn_params(MIXED))
def test_bfloat16_every_value(fn):
    x = np.arange(2**16, dtype=np.uint16).view(BF16)
    x32 = x.astype(F32)
    assert_bitwise(fn.forward(x), cast(fn.forward(x32), BF16), f"{fn.id} bfloat16")
    rng = np.random.default_rng(11)
    g = rng.standard_normal(x.size).astype(BF16)
    want = fn.gradient(g.astype(F32), x32)
    assert_bitwise(fn.gradient(g, x), cast(want, BF16), f"{fn.grad_name} bfloat16")
    gi = g.copy()
    fn.gradient(gi, x, out=gi)
    assert_bitwise(gi, cast(want, BF16), f"{fn.grad_name} bfloat16 in place")
    if fn.from_output:
        y = fn.forward(x)
        want = fn.gradient(g.astype(F32), y.astype(F32), from_output=True)
        assert_bitwise(fn.gradient(g, y, from_output=True), cast(want, BF16),
                       f"{fn.grad_name} bfloat16 from y")


@needs_bf16
@pytest.mark.parametrize("other", [F16, F32, F64], ids=str)
@pytest.mark.parametrize("fn", fn_params(MIXED[:12]))
def test_bfloat16_mixed(fn, other):
    for gdt, xdt in ((BF16, other), (other, BF16)):
        g, x = _values(F64, 3).astype(gdt), _values(F64, 4).astype(xdt)
        cdt = compute_dtype(gdt, xdt)
        want = fn.gradient(g.astype(cdt), x.astype(cdt))
        what = f"{fn.grad_name} grad {gdt} x {xdt}"
        got = fn.gradient(g, x)
        assert got.dtype == cdt, what
        assert_bitwise(got, want, what)
        for odt in (F16, F32, F64, BF16):
            for lay in ("C", "F", "step"):
                out = in_layout(np.zeros(SHAPE, odt), lay)
                fn.gradient(in_layout(g, lay), in_layout(x, lay), out=out)
                assert_bitwise(out, cast(want, odt), f"{what} -> {odt} {lay}")
        gi = g.copy()
        fn.gradient(gi, x, out=gi)
        assert_bitwise(gi, cast(want, gdt), what + " in place into grad")
    x = _values(F64, 5).astype(BF16)
    out = np.zeros(SHAPE, other)
    fn.forward(x, out=out)
    assert_bitwise(out, cast(fn.forward(x.astype(F32)), other), f"{fn.id} bfloat16 -> {other}")


@needs_bf16
def test_rounding_to_bfloat16_once():
    # every bfloat16 midpoint and its neighbours, from float32 and from float64
    b = np.arange(2**16, dtype=np.uint16).view(BF16).astype(F64)
    b = np.unique(b[np.isfinite(b)])
    mid = (b[:-1] + b[1:]) / 2
    for src in (F32, F64):
        v = np.concatenate([mid, b, [3.3961e38, 3.4e38, 1e300, -1e300, np.nan, np.inf, -np.inf,
                                     0.0, -0.0, 5e-324, 1e-45]]).astype(src) \
            if src == F32 else np.concatenate([mid, b, [1e300, -1e300, np.nan, np.inf, 5e-324]])
        with np.errstate(over="ignore"):
            v = v.astype(src)
        inf = np.array(np.inf, src)
        v = np.concatenate([v, np.nextafter(v, inf), np.nextafter(v, -inf)])
        assert_bitwise(_identity(v, BF16), cast(v, BF16), f"{src} -> bfloat16")
    # and double rounding would show: the test has teeth
    v = np.concatenate([mid, np.nextafter(mid, np.inf), np.nextafter(mid, -np.inf)])
    with np.errstate(over="ignore"):
        twice = v.astype(np.float32).astype(BF16)
    assert (twice.astype(F64) != to_bf16(v).astype(F64)).sum() > 1000


@pytest.fixture(params=[True, False], ids=["bf16-instructions", "integer-rounding"])
def bf16_rounding(request):
    """The kernel module's bfloat16 rounding: AVX512_BF16's where the CPU has it (else the
    integer rounding either way), then the integer rounding the other CPUs use."""
    import importlib
    mod = importlib.import_module(f"relufast._kernels_{_dispatch.KERNELS.isa}")
    was = mod.bf16_instructions(int(request.param))
    yield request.param
    mod.bf16_instructions(int(was))


def _kernel_modules():
    """{isa: kernel module} for every module this machine runs"""
    import importlib
    from relufast import _dispatch
    return {isa: importlib.import_module(f"relufast._kernels_{isa}")
            for isa in _dispatch.available_isas()}


@pytest.fixture(params=[True, False], ids=["lookup", "computed"])
def lut(request):
    """float16 / bfloat16 smooth functions by lookup table where a kernel module takes one for
    the op (the default, relufast/_lut16.h), then computed, on every kernel module"""
    mods = _kernel_modules().values()
    was = [m.lut16(int(request.param)) for m in mods]
    yield request.param
    for m, w in zip(mods, was):
        m.lut16(int(w))


@needs_bf16
def test_bfloat16_rounding_either_way(bf16_rounding):
    # vcvtne2ps2bf16 takes subnormal floats for zero: a 32-float vector holding one is rounded
    # by the integer code instead; vectors of normals, of subnormals, and mixed
    test_rounding_to_bfloat16_once()
    rng = np.random.default_rng(17)
    bits = rng.integers(0, 2**32, 1 << 20, dtype=np.uint64).astype(np.uint32)
    sub = bits & np.uint32(0x807fffff)
    alone = bits.copy()
    alone[::97] = sub[::97]  # one subnormal in some vectors
    for b in (bits, sub, alone):
        x = b.view(F32)
        for off in (0, 5):
            assert_bitwise(_identity(x[off:], BF16), cast(x[off:], BF16), "float32 -> bfloat16")
    for fn in MIXED:
        test_bfloat16_every_value(fn)


@needs_bf16
@pytest.mark.parametrize("fn", fn_params(MIXED[:3]))
def test_bfloat16_layouts_and_refusals(fn):
    # bfloat16 operands go to the kernel directly as uint16 views of their bits when they are
    # C-contiguous; every other layout, and what the kernel refuses, takes the general path
    x = _values(F32, 21).astype(BF16)
    g = _values(F32, 22).astype(BF16)
    want = fn.forward(x.astype(F32)).astype(BF16)
    wantg = fn.gradient(g.astype(F32), x.astype(F32)).astype(BF16)
    for lay in LAYOUTS:
        xl, gl = in_layout(x, lay), in_layout(g, lay)
        assert_bitwise(fn.forward(xl), want, f"{fn.id} {lay}")
        assert_bitwise(fn.gradient(gl, xl), wantg, f"{fn.grad_name} {lay}")
        out = in_layout(np.zeros(SHAPE, BF16), lay)
        assert fn.forward(xl, out=out) is out
        assert_bitwise(out, want, f"{fn.id} {lay} out")
        xi = xl.copy(order="K")
        fn.forward(xi, out=xi)
        assert_bitwise(xi, want, f"{fn.id} {lay} in place")
        gi = gl.copy(order="K")
        fn.gradient(gi, xl, out=gi)
        assert_bitwise(gi, wantg, f"{fn.grad_name} {lay} in place")
    ro = np.zeros(SHAPE, BF16)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fn.forward(x, out=ro)
    with pytest.raises(ValueError):
        fn.gradient(g, x[:, :-1])
    with pytest.raises(ValueError):
        fn.forward(x, out=np.zeros((3, 3), BF16))


def test_uint16_is_never_taken_for_bfloat16():
    # the kernels read a uint16 buffer as bfloat16 bits; only relufast's own views may reach
    # them so: a user's uint16 array is refused as any integer array is, nothing written
    x = np.linspace(-2, 2, 16, dtype=np.float16)
    u = np.arange(16, dtype=np.uint16)
    for call, name in ((lambda: relufast.relu(x, out=u), "out"),
                       (lambda: relufast.relu_grad(u, x), "grad"),
                       (lambda: relufast.relu_grad(x, u), "x"),
                       (lambda: relufast.relu_grad(x.astype(F32), x, out=u), "out")):
        with pytest.raises(TypeError, match=rf"\b{name}\b"):
            call()
        assert (u == np.arange(16)).all()


def test_float16_and_mixed_calls_check_parameters_first():
    x = np.ones(8, F16)
    out = np.full(8, 5.0, F32)
    with pytest.raises(ValueError, match="alpha=1e\\+39 overflows float32"):
        relufast.elu(x, alpha=1e39, out=out)
    with pytest.raises(ValueError, match="alpha=1e\\+39 overflows float32"):
        relufast.elu_grad(x, x.astype(F32), alpha=1e39, out=out)
    assert (out == 5.0).all()
    # computed in float64, the same alpha is fine
    assert relufast.elu_grad(x.astype(F64), x, alpha=1e39).dtype == F64


def test_masked_arrays_are_refused_in_mixed_calls():
    x = np.ma.masked_array(np.ones(8, F16), mask=[True] + [False] * 7)
    with pytest.raises(TypeError, match="MaskedArray"):
        relufast.relu_grad(np.ones(8), x)
    with pytest.raises(TypeError, match="MaskedArray"):
        relufast.relu(x)


def _each_kernel_and_16_bit_dtype():
    """(isa, dtype) for every kernel module this machine runs and float16 / bfloat16 (when
    ml_dtypes is there), the module selected while its turn runs"""
    from relufast import _dispatch
    before = _dispatch.KERNELS.isa
    try:
        for isa in _dispatch.available_isas():
            _dispatch.select_isa(isa)
            for dt in [F16] + ([BF16] if BF16 is not None else []):
                yield isa, dt
    finally:
        _dispatch.select_isa(before)


SLICES = ((0, None), (1, -3), (5, 5 + 17), (7, 7 + 15), (3, 4))


# gelu' (both forms), silu' and softplus' (beta = 1, threshold from 17.33) on float16 and
# bfloat16 operands of one format take the AVX-512 table loops in one pass (relufast/_vectab.h,
# rf_tab16_*), and elu' and selu' their element function in one pass (rf_m16_elu_grad_*; not
# for |scale alpha| over 2**64, which keeps the blocks), widening and rounding in registers:
# the bits of the float32 call rounded once, at every start and length (the masked tail), in
# place into grad or x, with grad's specials, on every kernel module, bfloat16 rounded either
# way (bf16_rounding)
@pytest.mark.parametrize("op, kw", [("gelu_grad", {}), ("silu_grad", {}), ("softplus_grad", {}),
                                    ("softplus_grad", {"threshold": 17.0}),
                                    ("gelu_grad", {"approximate": "tanh"}),
                                    ("elu_grad", {}), ("elu_grad", {"alpha": -0.5}),
                                    ("selu_grad", {}), ("elu_grad", {"alpha": 3e19})],
                         ids=["gelu", "silu", "softplus", "softplus-threshold-17", "gelu-tanh",
                              "elu", "elu-negative-alpha", "selu", "elu-huge-alpha"])
def test_table_gradients_16_bit_one_pass(op, kw, bf16_rounding, lut):
    f = getattr(relufast, op)
    rng = np.random.default_rng(23)
    for isa, dt in _each_kernel_and_16_bit_dtype():
        x = np.arange(2**16, dtype=np.uint16).view(dt)
        g = rng.standard_normal(x.size).astype(dt)
        g[::101] = np.inf
        g[1::101] = -np.inf
        g[2::101] = np.nan
        g[3::101] = 0.0
        g[4::101] = np.finfo(F32).tiny / 4  # subnormal in float32
        want = cast(f(g.astype(F32), x.astype(F32), **kw), dt)
        what = f"{op} {kw} {dt} {isa}"
        for start, stop in SLICES:
            s = slice(start, stop)
            assert_bitwise(f(g[s], x[s], **kw), want[s], f"{what} [{start}:{stop}]")
        gi, xi = g.copy(), x.copy()
        f(gi, x, out=gi, **kw)
        assert_bitwise(gi, want, what + " into grad")
        f(g, xi, out=xi, **kw)
        assert_bitwise(xi, want, what + " into x")
        with relufast.num_threads(2):
            assert_bitwise(f(g, x, **kw), want, what + " two threads")


# gelu (both forms) and silu on float16 and bfloat16 in and out (one format) take their AVX-512
# table loops in one pass too (rf_tab16_gelu_*, rf_tab16_silu_*, rf_tab16_gelu_tanh_*): the
# float32 call's bits rounded once, every x, at every start and length, in place, on two
# threads, on every kernel module, bfloat16 rounded either way
@pytest.mark.parametrize("op, kw", [("gelu", {}), ("silu", {}), ("gelu", {"approximate": "tanh"})],
                         ids=["gelu", "silu", "gelu-tanh"])
def test_table_forward_16_bit_one_pass(op, kw, bf16_rounding, lut):
    def f(x, **k):
        return getattr(relufast, op)(x, **kw, **k)
    for isa, dt in _each_kernel_and_16_bit_dtype():
        x = np.arange(2**16, dtype=np.uint16).view(dt)
        want = cast(f(x.astype(F32)), dt)
        what = f"{op} {kw} {dt} {isa}"
        for start, stop in SLICES:
            s = slice(start, stop)
            assert_bitwise(f(x[s]), want[s], f"{what} [{start}:{stop}]")
        xi = x.copy()
        f(xi, out=xi)
        assert_bitwise(xi, want, what + " in place")
        with relufast.num_threads(2):
            assert_bitwise(f(x), want, what + " two threads")


# float16 / bfloat16 by lookup (relufast/_lut16.h): each table holds what the module's computed
# path gives for every bit pattern, so a call by lookup (16384 elements and more) gives the
# computed call's bits: forwards and gradients, every x, grad's specials, in place into x and
# into grad, on two threads, on every kernel module.  Which ops take tables depends on the
# module (_elementwise.pxi's _lut_op); the list holds every op that may.
LOOKUP_OPS = [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
              ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 5.0}), ("elu", {}),
              ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 0.5}),
              ("celu", {"alpha": -0.5})]


@pytest.mark.parametrize("op, kw", LOOKUP_OPS,
                         ids=["gelu", "gelu-tanh", "silu", "mish", "softplus", "softplus-beta-2",
                              "elu", "elu-alpha", "selu", "celu", "celu-negative-alpha"])
def test_lookup_tables_16_bit(op, kw, bf16_rounding):
    f, fg = getattr(relufast, op), getattr(relufast, op + "_grad")
    rng = np.random.default_rng(29)
    mods = _kernel_modules()
    for isa, dt in _each_kernel_and_16_bit_dtype():
        mod = mods[isa]
        x = np.arange(2**16, dtype=np.uint16).view(dt)
        g = rng.standard_normal(x.size).astype(dt)
        g[::97] = np.inf
        g[1::97] = np.nan
        g[2::97] = -0.0
        g[3::97] = np.finfo(F32).tiny / 8 if dt != F16 else 6e-8
        what = f"{op} {kw} {dt} {isa}"
        was = mod.lut16(0)
        try:
            want, wantg = f(x, **kw), fg(g, x, **kw)
        finally:
            mod.lut16(was)
        assert_bitwise(f(x, **kw), want, what)
        assert_bitwise(fg(g, x, **kw), wantg, what + " gradient")
        xi, gi = x.copy(), g.copy()
        f(xi, out=xi, **kw)
        assert_bitwise(xi, want, what + " in place")
        fg(gi, x, out=gi, **kw)
        assert_bitwise(gi, wantg, what + " gradient into grad")
        xi = x.copy()
        fg(g, xi, out=xi, **kw)
        assert_bitwise(xi, wantg, what + " gradient into x")
        with relufast.num_threads(2):
            assert_bitwise(f(x[3:], **kw), want[3:], what + " two threads")
            assert_bitwise(fg(g[3:], x[3:], **kw), wantg[3:], what + " gradient, two threads")
        # the float table loops off (AVX-512): the computed path changes, and so must the tables
        was_tab = mod.tab_kernels(False)
        try:
            was = mod.lut16(0)
            try:
                want, wantg = f(x, **kw), fg(g, x, **kw)
            finally:
                mod.lut16(was)
            assert_bitwise(f(x, **kw), want, what + " element loops")
            assert_bitwise(fg(g, x, **kw), wantg, what + " gradient, element loops")
        finally:
            mod.tab_kernels(was_tab)


def test_lookup_tables_are_taken_and_kept_bounded():
    # bfloat16 gelu takes a table on every module: the test above compares two paths
    mods = _kernel_modules()
    GELU, D_SOFTPLUS = relufast._kernels_baseline.Op.GELU, relufast._kernels_baseline.Op.D_SOFTPLUS
    for isa, dt in _each_kernel_and_16_bit_dtype():
        mod = mods[isa]
        x = np.linspace(-8, 8, 20000).astype(dt)
        relufast.gelu(x[:100])  # under 16384 elements: computed, no table
        if dt != F16:
            relufast.gelu(x)
            assert any(k[0] == GELU and k[1] != 0 for k in mod.lut16_tables()), isa
        # a table per parameter set, 32 kept at most (the oldest dropped), every result right
        g = np.ones_like(x)
        for beta in np.linspace(0.5, 4, 40):
            got = relufast.softplus_grad(g, x, beta=beta)
            was = mod.lut16(0)
            try:
                want = relufast.softplus_grad(g, x, beta=beta)
            finally:
                mod.lut16(was)
            assert_bitwise(got, want, f"softplus_grad beta={beta} {dt} {isa}")
        keys = mod.lut16_tables()
        assert len(keys) <= 32, isa
        assert sum(k[0] == D_SOFTPLUS for k in keys) >= 20, isa
