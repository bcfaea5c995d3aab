"""The table-driven AVX-512 loops of relufast/_vectab.h (float32 gelu in both forms, silu, their
gradients and softplus'): within 2 ulp of the exact values on their range and through the gradients' zeros
(relative error, no floor), the element loops' values wherever a vector has a lane outside the
tables (tails, inf, NaN), results independent of where an element sits in the array, and in
place.
The exhaustive proof over all 2^32 inputs is tools/vecmath/vm_exh.c (ACCURACY.md)."""

import importlib

import numpy as np
import pytest

import relufast
from relufast import _dispatch

import reference as ref
from numerics import ulp_error

F32 = np.float32
HAVE = "avx512" in _dispatch.available_isas()
pytestmark = [pytest.mark.usefixtures("default_isa")]

OPS = {
    "gelu": (lambda g, x: relufast.gelu(x), lambda g, x: ref.gelu(x)),
    "silu": (lambda g, x: relufast.silu(x), lambda g, x: ref.silu(x)),
    "gelu_tanh": (lambda g, x: relufast.gelu(x, approximate="tanh"),
                  lambda g, x: ref.gelu(x, approximate="tanh")),
    "gelu_tanh_grad": (lambda g, x: relufast.gelu_grad(g, x, approximate="tanh"),
                       lambda g, x: ref.gelu_grad(g, x, approximate="tanh")),
    "gelu_grad": (lambda g, x: relufast.gelu_grad(g, x), lambda g, x: ref.gelu_grad(g, x)),
    "silu_grad": (lambda g, x: relufast.silu_grad(g, x), lambda g, x: ref.silu_grad(g, x)),
    "softplus_grad": (lambda g, x: relufast.softplus_grad(g, x),
                      lambda g, x: ref.softplus_grad(g, x)),
}
ZEROS = {"gelu_grad": -0.75179152469356445746, "silu_grad": -1.27846454276107379511,
         "gelu_tanh_grad": -0.75246142207101621856}


def _tab_module():
    return importlib.import_module("relufast._kernels_avx512")


def test_switch_everywhere():
    for isa in _dispatch.available_isas():
        mod = importlib.import_module(f"relufast._kernels_{isa}")
        assert mod.tab_kernels() is (isa == "avx512")
        assert mod.tab_kernels(mod.tab_kernels()) is (isa == "avx512")


def _points(rng):
    x = np.concatenate([
        3 * rng.standard_normal(100_000),
        rng.uniform(-13, 13, 100_000),
        np.sign(rng.standard_normal(20_000)) * 10.0 ** rng.uniform(-40, 1.2, 20_000),
    ]).astype(F32)
    return x


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
@pytest.mark.parametrize("op", list(OPS))
def test_accuracy(op):
    _dispatch.select_isa("avx512")
    assert _tab_module().tab_kernels()
    rng = np.random.default_rng(15)
    x = _points(rng)
    if op in ZEROS:  # every float within 2000 ulp of the zero, and a band around it
        x0 = F32(ZEROS[op])
        near = x0.view(np.int32) + np.arange(-2000, 2001, dtype=np.int32)
        x = np.concatenate([x, near.view(F32), (ZEROS[op] + rng.uniform(-0.3, 0.3, 20_000)).astype(F32)])
    g = np.ones_like(x)
    got = OPS[op][0](g, x)
    if op == "silu_grad":
        # the float64 reference cancels near the zero; there mpmath (if installed)
        mp = pytest.importorskip("mpmath")
        mp.mp.dps = 40
        want = OPS[op][1](g, x).astype(np.float64)
        close = np.abs(x.astype(np.float64) - ZEROS[op]) < 0.05
        for i in np.flatnonzero(close):
            v = mp.mpf(float(x[i]))
            s = 1 / (1 + mp.exp(-v))
            want[i] = float(s * (1 + v * (1 - s)))
    else:
        want = OPS[op][1](g, x)
    err = ulp_error(got, want, F32)
    assert err.max() <= 2.0, (op, float(err.max()), float(x[err.argmax()]))


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
@pytest.mark.parametrize("op", list(OPS))
def test_outside_lanes_are_the_element_loops(op):
    """A vector with a lane outside the tables takes the _vecmath.h function for that lane:
    bitwise the element loops' values there, NaN where they give NaN, and the tables' values
    for the other lanes of the same vector.  (gelu's tail down to -14.356 has a table of its
    own, test_gelu_tail, as has gelu''s; below them both give -0.0, or +0 for the gradient.)"""
    _dispatch.select_isa("avx512")
    mod = _tab_module()
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -9.0, -12.5, -20.0, -90.0, -200.0,
                         11.7, 15.0, 30.0, 1e30, -1e30, 1e-45, -1e-45, 1.2e-38, -1.2e-38], F32)
    rng = np.random.default_rng(1)
    x = (3 * rng.standard_normal(16 * 200)).astype(F32)
    x[::7][:specials.size * 10] = np.tile(specials, 10)[: x[::7].size]
    g = rng.standard_normal(x.size).astype(F32)
    g[5::97] = np.inf
    g[6::97] = np.nan
    a = OPS[op][0](g, x)
    was = mod.tab_kernels(False)
    try:
        b = OPS[op][0](g, x)
    finally:
        mod.tab_kernels(was)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    lo = {"gelu": -14.356068, "gelu_grad": -14.541348, "silu_grad": -12.364,
          "softplus_grad": -12.364, "silu": -12.364, "gelu_tanh": -8.8819,
          "gelu_tanh_grad": -8.8819}[op]
    out = ~((x >= lo) & (x < (6.2 if op.startswith("gelu") else 11.62)))
    out &= ~np.isnan(a)
    if op in ("gelu", "gelu_tanh"):
        out |= x >= 6.2  # saturated by the tables: gelu(x) = x, the rounded value
    assert np.array_equal(a[out].view(np.int32), b[out].view(np.int32))
    m = ~np.isnan(a)
    assert np.array_equal(np.signbit(a[m]), np.signbit(b[m]))


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
@pytest.mark.parametrize("op, xz", [("gelu", -14.356068), ("gelu_grad", -14.541348)])
def test_gelu_tail(op, xz):
    """gelu's and gelu''s tail tables: every float32 in [-14.7, -8.7] (the main table's end,
    the subnormal results, the last nonzero one at XZ) within 2 ulp of the exact value; below
    XZ gelu gives -0.0 and the gradient +0 (f' rounds to -0.0: _chain's 0), as the element loops
    do; NaN lanes in the same vectors still NaN."""
    _dispatch.select_isa("avx512")
    assert _tab_module().tab_kernels()
    lo, hi = np.array([-8.7, -14.7], F32).view(np.int32)
    x = np.arange(lo, hi + 1, dtype=np.int32).view(F32)
    x[::1001] = np.nan
    g = np.ones_like(x)
    got = OPS[op][0](g, x)
    m = ~np.isnan(x)
    assert np.isnan(got[~m]).all()
    err = ulp_error(got[m], OPS[op][1](g[m], x[m].astype(np.float64)), F32)
    assert err.max() <= 2.0, (float(err.max()), float(x[m][err.argmax()]))
    xz = F32(xz)
    assert got[x == xz][0] == -(2.0 ** -149)
    below = m & (x < xz)
    zero = F32(-0.0 if op == "gelu" else 0.0)
    assert np.array_equal(got[below].view(np.int32),
                          np.full(int(below.sum()), zero).view(np.int32))
    assert (got[m & (x >= xz)] < 0).all()
    # g = inf on a subnormal f': inf, as g * f' gives it; on f' = -0.0: +0
    gi = np.full(2, np.inf, F32)
    xi = np.array([xz, np.nextafter(xz, F32(-20))], F32)
    if op == "gelu_grad":
        r = relufast.gelu_grad(np.tile(gi, 8), np.tile(xi, 8))
        assert r[0] == -np.inf and r[1] == 0 and not np.signbit(r[1])


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
@pytest.mark.parametrize("op", list(OPS))
def test_position_and_in_place(op):
    _dispatch.select_isa("avx512")
    rng = np.random.default_rng(2)
    x = (3 * rng.standard_normal(1000)).astype(F32)
    x[::50] = -20.0  # some vectors take the fallback
    g = rng.standard_normal(x.size).astype(F32)
    whole = OPS[op][0](g, x)
    for start in (0, 1, 5, 15, 16, 17):
        for n in (1, 3, 16, 31, 200):
            part = OPS[op][0](g[start:start + n], x[start:start + n])
            assert np.array_equal(part.view(np.int32), whole[start:start + n].view(np.int32))
    if op in ("gelu", "silu", "gelu_tanh"):
        y = x.copy()
        if op == "gelu_tanh":
            relufast.gelu(y, approximate="tanh", out=y)
        else:
            getattr(relufast, op)(y, out=y)
    elif op == "gelu_tanh_grad":
        y = g.copy()
        relufast.gelu_grad(y, x, approximate="tanh", out=y)
    else:
        y = g.copy()
        getattr(relufast, op)(y, x, out=y)
    assert np.array_equal(y.view(np.int32), whole.view(np.int32))


# float64 softplus' for beta = 1 on AVX-512 (rf_tab_sigmoid_grad_d): e^a reduced by ln2/16 with
# a table of 2^(j/16), not the element function's reduction.  Within float64's 4 ulp of the
# exact sigmoid (mpmath) from the subnormal results to 1, the linear region's grad above the
# threshold whatever its sign, _chain's zero, NaN, at every length and in place.

@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
def test_float64_softplus_grad_accuracy():
    mp = pytest.importorskip("mpmath")
    _dispatch.select_isa("avx512")
    assert _tab_module().tab_kernels()
    rng = np.random.default_rng(31)
    x = np.concatenate([3 * rng.standard_normal(3000), rng.uniform(-760, 760, 2000),
                        rng.uniform(-745.2, -700, 1000), rng.uniform(-0.75, 0.75, 1000),
                        np.sign(rng.standard_normal(1000)) * 10.0 ** rng.uniform(-320, 0, 1000)])
    got = relufast.softplus_grad(np.ones_like(x), x, threshold=1000.0)  # no linear region
    _assert_within_4_ulp(got, x, lambda v: 1 / (1 + mp.exp(-v)), mp, 120)


def _assert_within_4_ulp(got, x, f, mp, prec):
    """got within float64's 4 ulp of f(x) evaluated by mpmath at prec bits (the exact value as
    a double-double), relative to the result itself."""
    mp.mp.prec = prec
    want = np.empty_like(x)
    want_lo = np.empty_like(x)
    for i, v in enumerate(x):
        d = f(mp.mpf(float(v)))
        want[i] = float(d)
        want_lo[i] = float(d - mp.mpf(want[i]))
    err = ulp_error(got, want, np.float64, want_lo=want_lo)
    assert err.max() <= 4.0, (float(err.max()), float(x[err.argmax()]))


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
@pytest.mark.parametrize("threshold", [20.0, 0.0, -1.5, 37.0, -1e308, 1e308])
def test_float64_softplus_grad_threshold_and_specials(threshold):
    _dispatch.select_isa("avx512")
    mod = _tab_module()
    rng = np.random.default_rng(32)
    x = 25 * rng.standard_normal(997)
    x[::13] = np.tile([np.nan, np.inf, -np.inf, 0.0, -0.0, -800.0, -745.2, 5e-324, -5e-324,
                       threshold, np.nextafter(threshold, np.inf),
                       np.nextafter(threshold, -np.inf), 760.0], 6)[: x[::13].size]
    g = rng.standard_normal(x.size)
    g[3::17] = np.inf
    g[4::17] = np.nan
    got = relufast.softplus_grad(g, x, threshold=threshold)
    was = mod.tab_kernels(False)
    try:
        want = relufast.softplus_grad(g, x, threshold=threshold)
    finally:
        mod.tab_kernels(was)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    linear = x > threshold
    assert np.array_equal(got[linear], g[linear], equal_nan=True)  # the linear region: grad
    zero = want == 0
    assert np.array_equal(got[zero], want[zero]) and not np.signbit(got[zero]).any()
    ok = ~np.isnan(got) & ~zero & ~linear & np.isfinite(g)
    np.testing.assert_allclose(got[ok], want[ok], rtol=8 * 2.0**-52, atol=0)
    for start in (0, 1, 3, 7):
        for n in (0, 1, 5, 8, 9, 17, 100):
            part = relufast.softplus_grad(g[start:start + n], x[start:start + n],
                                          threshold=threshold)
            assert np.array_equal(part, got[start:start + n], equal_nan=True)
    y = g.copy()
    relufast.softplus_grad(y, x, threshold=threshold, out=y)
    assert np.array_equal(y, got, equal_nan=True)


# float64 silu' on AVX-512 (rf_tab_silu_grad_d): the sigmoid's table reduction, E = e^a / 2^K
# as a double-double, D^2 as one, and within 1/50 of the zero x0 a polynomial in x - x0.
# Relative error against mpmath, with no floor at the zero (the ulp of the result itself).

_SILU_X0 = ZEROS["silu_grad"]


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
def test_float64_silu_grad_accuracy():
    mp = pytest.importorskip("mpmath")
    _dispatch.select_isa("avx512")
    assert _tab_module().tab_kernels()
    rng = np.random.default_rng(41)
    near = np.concatenate([rng.uniform(-0.03, 0.03, 1500),
                           np.sign(rng.standard_normal(500)) * 10.0 ** rng.uniform(-17, -2, 500)])
    x = np.concatenate([3 * rng.standard_normal(2000), rng.uniform(-760, 760, 1000),
                        rng.uniform(-745.2, -700, 500), rng.uniform(-0.2, 0.2, 500),
                        _SILU_X0 + near, [_SILU_X0 - 0.02, _SILU_X0 + 0.02],
                        np.nextafter(_SILU_X0 + np.array([-0.02, 0.02]), 0),
                        np.sign(rng.standard_normal(500)) * 10.0 ** rng.uniform(-320, 0, 500)])
    got = relufast.silu_grad(np.ones_like(x), x)

    def silu_grad(v):
        s = 1 / (1 + mp.exp(-v))
        return s * (1 + v * (1 - s))
    _assert_within_4_ulp(got, x, silu_grad, mp, 160)


@pytest.mark.skipif(not HAVE, reason="no AVX-512 on this machine")
def test_float64_silu_grad_specials_and_element_loop():
    """NaN, infinities, zeros, subnormals and the underflow to 0 as the element loop gives
    them (_chain's +0 where silu' is 0, whatever grad holds), the rest within 4 ulp of it
    scaled at its two terms (the element function is not accurate at the zero); with the
    fused bias the same as x + bias first."""
    _dispatch.select_isa("avx512")
    mod = _tab_module()
    rng = np.random.default_rng(42)
    x = 30 * rng.standard_normal(1999)
    x[::11] = np.tile([np.nan, np.inf, -np.inf, 0.0, -0.0, -800.0, -745.2, 5e-324, -5e-324,
                       -709.5, 760.0, _SILU_X0, -0.02 + _SILU_X0, 1e300, -1e300],
                      20)[: x[::11].size]
    g = rng.standard_normal(x.size)
    g[3::17] = np.inf
    g[4::17] = np.nan
    got = relufast.silu_grad(g, x)
    was = mod.tab_kernels(False)
    try:
        want = relufast.silu_grad(g, x)
    finally:
        mod.tab_kernels(was)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    zero = want == 0
    assert np.array_equal(got[zero], want[zero]) and not np.signbit(got[zero]).any()
    assert np.array_equal(got == 0, zero)
    ok = np.isfinite(want) & ~zero
    with np.errstate(over="ignore", invalid="ignore"):
        s = 1 / (1 + np.exp(-x[ok]))
        t = s * (1 - s)
        scale = np.abs(g[ok]) * (s + np.where(t == 0, 0.0, np.abs(x[ok]) * t))
    assert (np.abs(got[ok] - want[ok]) <= 8 * 2.0**-52 * scale).all()
    assert np.array_equal(np.isinf(got), np.isinf(want))
    b = np.linspace(-2, 2, 1999)
    fused = relufast.silu_grad(g.reshape(1, -1), x.reshape(1, -1), bias=b, axis=1)[0]
    with np.errstate(invalid="ignore"):
        assert np.array_equal(fused[0], relufast.silu_grad(g, x + b), equal_nan=True)
