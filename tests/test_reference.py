"""The oracle itself: reference.py (the float64 twin) against mpmath, and its special values.

The twin is the oracle for float32 and float16 results (and for float64 results of the exact
functions), so it must be right far below a float32 ulp.  In float64 it is within
REFERENCE_ULP_TOL ulp of the exact value wherever the result is above SUBNORMAL_MARGIN (below
it, intermediates such as sigmoid(2u) are subnormal and lose digits; a float32 or float16 result
there is 0 anyway).
"""

import math

import numpy as np
import pytest

import reference as ref
from cases import ELEMENTWISE, F32, F64, SCALES, TRANSCENDENTAL, fn_params
from numerics import assert_gradient_ulp, assert_same, assert_ulp, derivative_floor, exact_values

REFERENCE_ULP_TOL = 8.0
SUBNORMAL_MARGIN = 1e-290


def _sample(rng):
    parts = [rng.standard_normal(200) * s for s in SCALES] + [rng.uniform(-40, 40, 200)]
    return np.concatenate(parts)


@pytest.mark.parametrize("fn", fn_params(TRANSCENDENTAL))
def test_forward_against_mpmath(fn, rng):
    x = _sample(rng)
    hi, lo = exact_values(fn, x)
    keep = np.abs(hi) > SUBNORMAL_MARGIN
    assert_ulp(fn.ref_forward(x, F64)[keep], hi[keep], F64, REFERENCE_ULP_TOL,
               x=x[keep], want_lo=lo[keep], what=fn.id)


@pytest.mark.parametrize("fn", fn_params(TRANSCENDENTAL))
def test_gradient_against_mpmath(fn, rng):
    x = _sample(rng)
    g = rng.standard_normal(x.size)
    hi, lo = exact_values(fn, x, derivative=True)
    floor = derivative_floor(fn, x)
    keep = np.maximum(np.abs(hi), 0 if floor is None else floor) > SUBNORMAL_MARGIN
    got = fn.ref_gradient(g, x, F64)
    assert_gradient_ulp(got[keep], g[keep], hi[keep], F64, REFERENCE_ULP_TOL, d_lo=lo[keep],
                        floor=None if floor is None else floor[keep], x=x[keep],
                        what=fn.id + "_grad")


def test_special_values():
    inf, nan = math.inf, math.nan
    assert_same(ref.relu([-0.0, -inf, inf, nan]), np.array([0.0, 0.0, inf, nan]))
    assert_same(ref.relu6([-0.0, 6.0, 7.0, inf, nan]), np.array([0.0, 6.0, 6.0, 6.0, nan]))
    assert_same(ref.leaky_relu([-inf, -2.0, -0.0, nan], 0.0), np.array([-0.0, -0.0, -0.0, nan]))
    assert_same(ref.elu([-inf, nan], 2.0), np.array([-2.0, nan]))
    assert_same(ref.celu([-inf], -0.5), np.array([-inf]))
    for approximate in ("none", "tanh"):
        assert_same(ref.gelu([-inf, inf, nan], approximate), np.array([0.0, inf, nan]))
        assert_same(ref.gelu_grad([1.0, 1.0, 1.0], [-inf, inf, nan], approximate),
                    np.array([0.0, 1.0, nan]))
    assert_same(ref.silu([-inf, inf, nan]), np.array([0.0, inf, nan]))
    assert_same(ref.silu_grad([1.0, 1.0, 1.0], [-inf, inf, nan]), np.array([0.0, 1.0, nan]))
    # a zero derivative selects +0.0 whatever grad holds
    assert_same(ref.relu_grad([nan, -inf, -1.0], [-1.0, -1.0, 0.0]), np.zeros(3))
    assert_same(ref.relu6_grad([inf], [6.0]), np.zeros(1))
    # beta * x past float64's range: softplus is 0 below (exp underflows) and x above (the
    # linear region); the product's error term must not turn them into NaN
    x = np.array([-179769314.0, 179769314.0])
    assert_same(ref.softplus(x, 1e300, 0.0), np.array([0.0, 179769314.0]))
    assert_same(ref.softplus_grad(np.ones(2), x, 1e300, 0.0), np.array([0.0, 1.0]))


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_parameters_are_rounded_to_the_working_precision(fn):
    # float32: the twin must see exactly the parameter the float32 kernel sees
    x = np.array([-1.0, -0.1, -3.0])
    kw = fn._ref_kw(F32)
    for k in ("negative_slope", "alpha", "weight"):
        if k in kw:
            assert kw[k] == fn.kw[k] and kw["precision"] == F32
            p32 = float(np.float32(fn.kw[k]))
            assert ref._param(kw[k], F32) == p32
    if fn.name == "selu":
        sa, s = ref._selu_constants(F32)
        assert sa == float(np.float32(ref.SELU_SCALE * ref.SELU_ALPHA))
        assert s == float(np.float32(ref.SELU_SCALE))
    fn.ref_forward(x, F32)  # runs
