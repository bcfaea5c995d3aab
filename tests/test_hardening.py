"""Regression tests for the failure modes that the trust work (issue 6: sanitizers, property
tests, fuzzing, leak and thread stress) found in relufast.  Each test names what found it."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import relufast
from relufast import _openmp, _threads

import reference as ref


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


# found probing the thread API for tests/test_thread_stress.py: set_num_threads accepted any
# count, and the next large call asked libgomp for that many threads; at 2**31 - 1 libgomp
# printed "Out of memory allocating 481036338272 bytes" and ended the process, at 2**31 the
# kernel call raised OverflowError.  Counts above MAX_THREADS are now refused, and an
# OMP_NUM_THREADS above it is capped.
@pytest.mark.parametrize("n", [2**31 - 1, 2**31, 10**6])
def test_absurd_thread_counts_are_refused(n, thread_state):
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        relufast.set_num_threads(n)
    with pytest.raises(ValueError, match="n must be an int from 1 to"):
        with relufast.num_threads(n):
            pass
    assert relufast.get_num_threads() <= _threads.MAX_THREADS


def test_thread_count_cap_is_generous(thread_state):
    # far past any speedup, yet far below what a runtime fails to start
    assert 256 <= _threads.MAX_THREADS and 4 * _openmp.num_procs() <= _threads.MAX_THREADS
    relufast.set_num_threads(_threads.MAX_THREADS)
    assert relufast.get_num_threads() == _threads.MAX_THREADS
    with relufast.num_threads(_threads.MAX_THREADS):
        pass


@pytest.mark.skipif(not _openmp.OPENMP, reason="built without OpenMP")
def test_huge_omp_num_threads_does_not_end_the_process():
    env = dict(os.environ, OMP_NUM_THREADS=str(2**31 - 1))
    root = os.path.dirname(os.path.dirname(os.path.abspath(relufast.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import numpy as np, relufast\n"
            "from relufast import _threads\n"
            "assert relufast.get_num_threads() == _threads.MAX_THREADS\n"
            "x = np.linspace(-1, 1, 40_000)\n"
            "assert (relufast.relu(x) == np.maximum(x, 0)).all()\n"
            "print('ok')\n")
    # from the package's parent, so that a checkout in the working directory does not shadow it
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120, cwd=root)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)


# found by tests/test_properties.py (elu_grad, float16 computed in float32, alpha=-5, x=-100):
# elu'(x) = alpha * exp(x) is computed as exp(x) first, which underflows to a subnormal (float32:
# x < -87.3; float64: x < -708.4) and loses its significant bits before alpha scales it back up.
# With a large alpha the gradient is then far off although it is a normal number: float32
# elu_grad(1, -100, alpha=1e30) is 3.7835e-14 (1.7% high), float64 elu_grad(1, -1000,
# alpha=1e300) is 0 instead of 5.08e-135.  Fixed: the product is one scaled exp
# (rf_exp_mul_neg_f/_d in _vecmath.h; the _big forms for |alpha| > 2**64).
@pytest.mark.parametrize("dtype, x, alpha", [
    (np.float32, -100.0, 1e30), (np.float32, -100.0, -5.0), (np.float32, -99.35696, 40.0),
    (np.float32, -150.0, 3e38), (np.float32, -190.0, -3.4e38), (np.float32, -0.5, 3.4e38),
    (np.float32, -100.0, 1e10), (np.float32, -87.5, 1.7580993),
    (np.float64, -1000.0, 1e300), (np.float64, -740.0, 1e300), (np.float64, -0.3, 1.7e308),
    (np.float64, -1400.0, -1.7e308), (np.float64, -750.0, 1e15)], ids=str)
def test_elu_grad_large_alpha_where_exp_underflows(dtype, x, alpha):
    mpmath = pytest.importorskip("mpmath")
    a = float(dtype(alpha))  # the parameter is rounded to the dtype first
    with mpmath.workdps(40):
        want = float(mpmath.mpf(a) * mpmath.exp(mpmath.mpf(float(dtype(x)))))
    got = float(relufast.elu_grad(np.ones(1, dtype), np.array([x], dtype), alpha=alpha)[0])
    ulp = float(np.spacing(np.abs(dtype(want))))
    assert abs(got - want) <= 2 * ulp, (got, want)


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


# found by tests/test_properties.py: prelu_grad's weight gradient is a float64 sum, exact
# products but rounded sums; where products of grad and x near float32's maximum (~1e76) cancel,
# the sum's rounding error (up to 2**-45 of their mass) swamps the small exact sum: the result
# is 0 instead of -6464 below, and where the error exceeds float32's range, +-inf (the case the
# property tests hit).  A limit of float64 accumulation, not fixed: it needs compensated (or
# exact) summation of the weight gradient, a cost for every call.
@pytest.mark.xfail(strict=True, reason=(
    "prelu_grad float32 weight gradient: float64 accumulation of cancelling products near "
    "1e76 loses the small exact sum (0 instead of -6464), or gives +-inf"))
def test_prelu_weight_gradient_of_cancelling_huge_products():
    big = np.float32(3.4028235e38)
    g = np.array([big / 2, -big / 2, 100.0, 1e30] * 64, np.float32)
    x = np.array([-big, -big, -1.0, -1e-30] * 64, np.float32)
    _, gw = relufast.prelu_grad(g, x, np.float32(0.1))
    want = math.fsum(float(a) * float(b) for a, b in zip(g, x) if b <= 0)
    assert np.isfinite(gw) and abs(float(gw) - want) <= 1e-3 * abs(want) + 1e-30, (gw, want)


# found by tests/test_properties.py (thorough profile): celu_grad(0.0, -1.0, alpha=-6.9e-291)
# in float64.  The derivative exp(x / alpha) = exp(1.4e290) is finite but beyond float64, so a
# zero grad times it is exactly 0; relufast's scaled exp gives 0, the float64 twin gave
# 0 * inf = NaN (a spurious NaN in the reference, fixed there).  At x = -inf the derivative's
# limit is inf itself and 0 * inf stays NaN in both.
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=str)
def test_celu_grad_zero_grad_where_the_derivative_overflows(dtype):
    alpha = -6.906853825088651e-291 if dtype == np.float64 else -1e-30
    g = np.array([0.0, -0.0, 1.0, 0.0], dtype)
    x = np.array([-1.0, -1.0, -1.0, -np.inf], dtype)
    got = relufast.celu_grad(g, x, alpha=alpha)
    want = np.array([0.0, -0.0, np.inf, np.nan], dtype)
    np.testing.assert_array_equal(got, want)
    assert np.signbit(got[1]) and not np.signbit(got[0])
    np.testing.assert_array_equal(ref.celu_grad(g, x, alpha, precision=dtype).astype(dtype), want)
