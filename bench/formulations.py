"""The benchmarked ops and every formulation of them: ONE table, used by the pytest-benchmark
suite (conftest.py), the roofline report (roofline.py), the per-call tool's references and the
docs' performance figure (docs/figures/perf.py).

An op (``OpSpec``, the table ``OPS``) is a relufast function with its parameters and the layout
of its arrays; a ``Case`` holds the arrays of one timed call.  A formulation ``impl(case)``
returns a zero-argument callable doing one call of the op on the case's arrays, or raises
``Unsupported`` (a peer that is not installed, or has no formulation for the op: the benchmark
is skipped).  ``IMPLS`` names them all:

* ``relufast``: the call exactly as a user writes it;
* ``numpy``: the fastest honest NumPy formulation (ufuncs with ``out=`` and preallocated
  temporaries), what the suite and the roofline report compare against;
* ``numpy_idiom``: the one-liner a user writes today, ``relufast._idioms`` (allocating its
  result, as the user's code does), what the demo and the docs' figure compare against;
* ``torch``, ``numexpr``, ``numba``: the peers, each as fast as we could make it.
"""

import functools
import math
import sys

import numpy as np

import relufast as rf
from relufast import _idioms
from relufast._api import SELU_ALPHA, SELU_SCALE

# ---------------------------------------------------------------------------------------------
# the ops: what is called, with which parameters, on which layout


class OpSpec:
    """One benchmarked operation.

    ``name`` is the label used in every table (``prelu_nchw``, ``gelu_tanh_grad``...); ``fn`` the
    relufast function; ``kind`` "forward" or "gradient"; ``layout`` "flat", "nchw" (N, 64, H, W)
    or "nc" (N, 64); ``params`` the keyword parameters both relufast and the peers get.
    """

    def __init__(self, name, fn, kind, layout="flat", **params):
        self.name, self.fn, self.kind, self.layout, self.params = name, fn, kind, layout, params
        self.base = fn[:-5] if fn.endswith("_grad") else fn

    @property
    def streams(self):
        """Arrays of N elements that must move: x in + y out, or grad in + x in + grad_x out."""
        return 2 if self.kind == "forward" else 3

    def __repr__(self):
        return f"OpSpec({self.name!r})"


CHANNELS = 64
LEAKY_SLOPE = 0.01
ALPHA = 1.0
K = math.sqrt(2 / math.pi)  # gelu tanh form
CC = 0.044715
RSQRT2 = math.sqrt(0.5)
RSQRT2PI = 1 / math.sqrt(2 * math.pi)
# the piecewise functions' parameters: PyTorch's defaults, threshold as in the test matrix
HT_MIN, HT_MAX = -1.0, 1.0
TH_T, TH_V = 0.1, 20.0
RR_LOWER, RR_UPPER = 1.0 / 8, 1.0 / 3
RR_SLOPE = (RR_LOWER + RR_UPPER) / 2  # rrelu in evaluation



def _specs():
    forward = [
        OpSpec("relu", "relu", "forward"),
        OpSpec("leaky_relu", "leaky_relu", "forward", negative_slope=LEAKY_SLOPE),
        OpSpec("prelu_nchw", "prelu", "forward", "nchw"),
        OpSpec("prelu_2d", "prelu", "forward", "nc"),
        OpSpec("elu", "elu", "forward", alpha=ALPHA),
        OpSpec("selu", "selu", "forward"),
        OpSpec("celu", "celu", "forward", alpha=ALPHA),
        OpSpec("relu6", "relu6", "forward"),
        OpSpec("gelu", "gelu", "forward", approximate="none"),
        OpSpec("gelu_tanh", "gelu", "forward", approximate="tanh"),
        OpSpec("silu", "silu", "forward"),
        # the piecewise rest, and rrelu in evaluation
        OpSpec("hardtanh", "hardtanh", "forward", min_val=HT_MIN, max_val=HT_MAX),
        OpSpec("threshold", "threshold", "forward", threshold=TH_T, value=TH_V),
        OpSpec("hardsigmoid", "hardsigmoid", "forward"),
        OpSpec("hardswish", "hardswish", "forward"),
        OpSpec("relu_squared", "relu_squared", "forward"),
        OpSpec("rrelu", "rrelu", "forward", lower=RR_LOWER, upper=RR_UPPER),
        OpSpec("softplus", "softplus", "forward", beta=1.0, threshold=20.0),
        OpSpec("mish", "mish", "forward"),
    ]
    grads = [
        OpSpec(s.name + "_grad", s.fn + "_grad", "gradient", s.layout, **s.params)
        for s in forward
    ]
    return {s.name: s for s in forward + grads}


OPS = _specs()
FORWARD_OPS = [n for n, s in OPS.items() if s.kind == "forward"]
GRADIENT_OPS = [n for n, s in OPS.items() if s.kind == "gradient"]


def shape_for(spec, n):
    """The array shape used for ``spec`` at (about) ``n`` elements.

    Flat ops use ``(n,)``.  PReLU uses (N, 64, s, s) with the largest s of 56, 28, 14, 7, 4, 2, 1
    (ResNet-like feature maps) that fits, or (N, 64); N is rounded, so the element count is a
    multiple of 64 near n (the tables compute bandwidth from the true count).
    """
    if spec.layout == "flat":
        return (n,)
    if spec.layout == "nc":
        return (max(1, round(n / CHANNELS)), CHANNELS)
    for s in (56, 28, 14, 7, 4, 2, 1):
        if CHANNELS * s * s <= n:
            break
    return (max(1, round(n / (CHANNELS * s * s))), CHANNELS, s, s)


def prelu_weight(dtype):
    """The 64 PReLU slopes: spread over [0.05, 0.5], as a trained PReLU's (init 0.25) would be."""
    return np.linspace(0.05, 0.5, CHANNELS).astype(dtype)


def pristine(n, dtype, which, seed=0):
    """Benchmark data: x ~ 3 N(0, 1) (half negative, some beyond relu6's 6), grad ~ N(0, 1)."""
    rng = np.random.default_rng([seed, 0 if which == "x" else 1])
    a = rng.standard_normal(n, dtype=np.float32 if dtype == np.float32 else np.float64)
    if which == "x":
        a *= 3
    return a.astype(dtype, copy=False)


class Case:
    """The arrays one timed call works on.

    ``x`` (and ``g`` for gradients) are the working inputs; ``out`` is ``x`` (forward) or ``g``
    (gradient) when ``inplace``, else a distinct preallocated array.  The harness restores the
    working inputs from pristine copies; implementations only keep references to them.
    """

    def __init__(self, spec, dtype, shape, inplace, x, g=None, out=None):
        self.spec, self.dtype, self.shape, self.inplace = spec, np.dtype(dtype), shape, inplace
        self.x, self.g = x, g
        self.out = (x if spec.kind == "forward" else g) if inplace else out
        self.w = prelu_weight(self.dtype) if spec.base == "prelu" else None
        self.size = math.prod(shape)

    @property
    def nbytes(self):
        """Bytes that must move per call (N x itemsize per stream)."""
        return self.spec.streams * self.size * self.dtype.itemsize


def view(buf, shape):
    """The first prod(shape) elements of the flat buffer ``buf``, shaped ``shape``."""
    return buf[: math.prod(shape)].reshape(shape)


class Unsupported(Exception):
    """A peer has no formulation for this case (the benchmark is skipped, not failed)."""


# ---------------------------------------------------------------------------------------------
# implementations: impl(case) -> a zero-argument callable doing one call of the op on the case


def relufast_impl(case):
    """The relufast call, exactly as a user writes it."""
    s, p = case.spec, case.spec.params
    fn = getattr(rf, s.fn)
    if s.base == "prelu":
        p = dict(p, weight=case.w, axis=1)
    if s.kind == "forward":
        return functools.partial(fn, case.x, out=case.out, **p)
    return functools.partial(fn, case.g, case.x, out=case.out, **p)


def _const(case, value):
    # NumPy's maximum/minimum with a Python-scalar operand skip their SIMD loops (NumPy 2.x on
    # AVX2: 2-3x slower for float32 than with an array operand), so the idiom takes its
    # constants as preallocated arrays: an honest, preallocated temporary.
    return np.full(case.shape, value, case.dtype)


def numpy_impl(case):
    """The fastest honest NumPy formulation we could write: ufuncs with ``out=`` and
    preallocated temporaries, no allocation per call.

    Not the idiom (``numpy_idiom_impl``, from ``relufast._idioms``): the suite and the roofline
    report compare kernels, and the idiom's temporaries (one allocation and one pass over memory
    per operator) would measure NumPy's allocator and its extra traffic, not what NumPy can do.
    This is the bound a NumPy user could reach with care; the idiom is what one writes.

    Selects are written as multiplies by a 0/1 mask where that is 10x faster than a masked
    ``np.copyto``/``where=`` (they agree on finite inputs, which the benchmark uses); the
    leaky/PReLU forms ``max(x, w*x)`` hold for slopes in [0, 1], which the benchmark uses.
    gelu needs ``scipy.special.erfc`` (NumPy has no erf); without SciPy that case is skipped.
    """
    s, p, dt = case.spec, case.spec.params, case.dtype
    x, g, y = case.x, case.g, case.out
    t = np.empty(case.shape, dt)
    m = np.empty(case.shape, bool)
    c = functools.partial(np.asarray, dtype=dt)  # constants in x's precision
    name = s.name

    if name in ("relu", "relu6"):
        z = _const(case, 0)
        if name == "relu":
            return functools.partial(np.maximum, x, z, out=y)
        six = _const(case, 6)

        def relu6():
            np.maximum(x, z, out=y)
            np.minimum(y, six, out=y)

        return relu6

    if s.base in ("leaky_relu", "prelu") and s.kind == "forward":
        w = c(p["negative_slope"]) if s.base == "leaky_relu" else _bcast_w(case)

        def leaky():
            np.multiply(x, w, out=t)
            np.maximum(x, t, out=y)

        return leaky

    if name in ("elu", "selu", "celu"):
        z = _const(case, 0)
        alpha = SELU_ALPHA if name == "selu" else p["alpha"]
        scale = SELU_SCALE if name == "selu" else 1.0
        inv = 1.0 / alpha if name == "celu" else 1.0
        sa = c(scale * alpha)

        def elu():
            np.minimum(x, z, out=t)
            if inv != 1.0:
                np.multiply(t, c(inv), out=t)
            np.expm1(t, out=t)
            np.multiply(t, sa, out=t)
            np.maximum(x, z, out=y)
            if scale != 1.0:
                np.multiply(y, c(scale), out=y)
            np.add(y, t, out=y)

        return elu

    if name == "gelu":
        erfc = _scipy_erfc()

        def gelu():  # x Phi(x) = 0.5 x erfc(-x / sqrt 2)
            np.multiply(x, c(-math.sqrt(0.5)), out=t)
            erfc(t, out=t)
            np.multiply(t, x, out=t)
            np.multiply(t, c(0.5), out=y)

        return gelu

    if name == "gelu_tanh":
        k = math.sqrt(2 / math.pi)

        def gelu_tanh():  # 0.5 x (1 + tanh(k x (1 + 0.044715 x^2)))
            np.multiply(x, x, out=t)
            np.multiply(t, c(0.044715 * k), out=t)
            np.add(t, c(k), out=t)
            np.multiply(t, x, out=t)
            np.tanh(t, out=t)
            np.add(t, c(1), out=t)
            np.multiply(t, x, out=t)
            np.multiply(t, c(0.5), out=y)

        return gelu_tanh

    if name == "silu":

        def silu():  # x / (1 + exp(-x)); exp overflows to inf for x < -88 (f32): x/inf = -0
            with np.errstate(over="ignore"):
                np.negative(x, out=t)
                np.exp(t, out=t)
            np.add(t, c(1), out=t)
            np.divide(x, t, out=y)

        return silu

    if name == "softplus":  # PyTorch's formula: log1p(exp(x)), x above the threshold (20)
        thr = _const(case, p["threshold"])

        def softplus():
            with np.errstate(over="ignore"):
                np.exp(x, out=t)
            np.log1p(t, out=t)
            np.greater(x, thr, out=m)
            np.copyto(t, x, where=m)
            np.copyto(y, t)

        return softplus

    if name == "mish":

        def mish():  # x tanh(log1p(exp(x)))
            with np.errstate(over="ignore"):
                np.exp(x, out=t)
            np.log1p(t, out=t)
            np.tanh(t, out=t)
            np.multiply(x, t, out=y)

        return mish

    # ---- gradients: y (grad_x) may be g itself
    if name == "relu_grad":
        z = _const(case, 0)

        def relu_grad():
            np.greater(x, z, out=m)
            np.multiply(g, m, out=y)

        return relu_grad

    if name == "leaky_relu_grad":
        z = _const(case, 0)
        a = p["negative_slope"]

        def leaky_grad():  # g * (a + (1 - a) [x > 0])
            np.greater(x, z, out=m)
            np.multiply(m, c(1 - a), out=t)
            np.add(t, c(a), out=t)
            np.multiply(g, t, out=y)

        return leaky_grad

    if s.base == "prelu":  # gradient
        z = _const(case, 0)
        w = _bcast_w(case)
        one_minus_w = (1 - w).astype(dt)
        axes = (0,) if s.layout == "nc" else (0, 2, 3)

        def prelu_grad():
            np.minimum(x, z, out=t)  # grad_weight[c] = sum over x <= 0 of g x
            np.multiply(t, g, out=t)
            gw = t.sum(axis=axes)
            np.greater(x, z, out=m)  # grad_x = g (w + (1 - w) [x > 0])
            np.multiply(m, one_minus_w, out=t)
            np.add(t, w, out=t)
            np.multiply(g, t, out=y)
            return y, gw

        return prelu_grad

    if name in ("elu_grad", "selu_grad", "celu_grad"):
        z = _const(case, 0)
        if name == "celu_grad":
            inv = c(1.0 / p["alpha"])

            def celu_grad():  # exp(min(x, 0) / alpha) is 1 for x > 0: the whole derivative
                np.minimum(x, z, out=t)
                np.multiply(t, inv, out=t)
                np.exp(t, out=t)
                np.multiply(g, t, out=y)

            return celu_grad
        alpha = SELU_ALPHA if name == "selu_grad" else p["alpha"]
        scale = SELU_SCALE if name == "selu_grad" else 1.0
        if alpha == 1.0 and scale == 1.0:

            def elu_grad():  # alpha = 1: exp(min(x, 0)) is the derivative everywhere
                np.minimum(x, z, out=t)
                np.exp(t, out=t)
                np.multiply(g, t, out=y)

            return elu_grad
        t2 = np.empty(case.shape, dt)

        def selu_grad():  # sa exp(min(x, 0)) + (scale - sa) [x > 0]
            np.minimum(x, z, out=t)
            np.exp(t, out=t)
            np.multiply(t, c(scale * alpha), out=t)
            np.greater(x, z, out=m)
            np.multiply(m, c(scale - scale * alpha), out=t2)
            np.add(t, t2, out=t)
            np.multiply(g, t, out=y)

        return selu_grad

    if name == "relu6_grad":
        z, six = _const(case, 0), _const(case, 6)
        m2 = np.empty(case.shape, bool)

        def relu6_grad():
            np.greater(x, z, out=m)
            np.less(x, six, out=m2)
            np.logical_and(m, m2, out=m)
            np.multiply(g, m, out=y)

        return relu6_grad

    if name == "gelu_grad":
        erfc = _scipy_erfc()
        t2 = np.empty(case.shape, dt)

        def gelu_grad():  # Phi(x) + x phi(x) = 0.5 erfc(-x/sqrt2) + x exp(-x^2/2) / sqrt(2 pi)
            np.multiply(x, c(-math.sqrt(0.5)), out=t)
            erfc(t, out=t2)
            np.multiply(t, t, out=t)
            np.negative(t, out=t)
            np.exp(t, out=t)
            np.multiply(t, x, out=t)
            np.multiply(t, c(1 / math.sqrt(2 * math.pi)), out=t)
            np.multiply(t2, c(0.5), out=t2)
            np.add(t, t2, out=t)
            np.multiply(g, t, out=y)

        return gelu_grad

    if name == "gelu_tanh_grad":
        k, cc = math.sqrt(2 / math.pi), 0.044715
        t2, u = np.empty(case.shape, dt), np.empty(case.shape, dt)

        def gelu_tanh_grad():
            # th = tanh(k (x + cc x^3)), f' = 0.5 (1 + th) + 0.5 x k (1 + 3 cc x^2) (1 - th^2)
            #                               = (1 + th) (0.5 + x (0.5 k + 1.5 cc k x^2) (1 - th))
            np.multiply(x, x, out=t2)
            np.multiply(t2, c(cc * k), out=t)
            np.add(t, c(k), out=t)
            np.multiply(t, x, out=t)
            np.tanh(t, out=t)
            np.add(t, c(1), out=t)  # t = 1 + th
            np.multiply(t2, c(1.5 * cc * k), out=t2)
            np.add(t2, c(0.5 * k), out=t2)
            np.multiply(t2, x, out=t2)
            np.subtract(c(2), t, out=u)  # u = 1 - th
            np.multiply(u, t2, out=u)
            np.add(u, c(0.5), out=u)
            np.multiply(u, t, out=u)
            np.multiply(g, u, out=y)

        return gelu_tanh_grad

    if name == "silu_grad":
        t2 = np.empty(case.shape, dt)

        def silu_grad():  # s = 1 / (1 + exp(-x)); f' = s (1 + x (1 - s))
            with np.errstate(over="ignore"):
                np.negative(x, out=t)
                np.exp(t, out=t)
            np.add(t, c(1), out=t)
            np.reciprocal(t, out=t)  # s
            np.subtract(c(1), t, out=t2)
            np.multiply(t2, x, out=t2)
            np.add(t2, c(1), out=t2)
            np.multiply(t2, t, out=t2)
            np.multiply(g, t2, out=y)

        return silu_grad

    if name == "softplus_grad":

        def softplus_grad():  # g / (1 + exp(-x)): exp(-x) = inf below -88 (f32) gives g / inf = 0
            with np.errstate(over="ignore"):
                np.negative(x, out=t)
                np.exp(t, out=t)
            np.add(t, c(1), out=t)
            np.divide(g, t, out=y)

        return softplus_grad

    if name == "mish_grad":
        t2, u = np.empty(case.shape, dt), np.empty(case.shape, dt)

        def mish_grad():  # th = tanh(sp), f' = th + x (1 - th^2) sigmoid(x)
            with np.errstate(over="ignore"):
                np.exp(x, out=t)
            np.log1p(t, out=t)
            np.tanh(t, out=t)  # th
            np.multiply(t, t, out=t2)
            np.subtract(c(1), t2, out=t2)
            np.multiply(t2, x, out=t2)
            np.negative(x, out=u)
            with np.errstate(over="ignore"):
                np.exp(u, out=u)
            np.add(u, c(1), out=u)
            np.divide(t2, u, out=t2)
            np.add(t2, t, out=t2)
            np.multiply(g, t2, out=y)

        return mish_grad

    raise Unsupported(f"no NumPy formulation for {name}")


def _bcast_w(case):
    """The PReLU weight shaped to broadcast along axis 1: (64, 1, 1) or (64,)."""
    return case.w.reshape((CHANNELS,) + (1,) * (len(case.shape) - 2))


def _scipy_erfc():
    try:
        from scipy.special import erfc
    except ImportError:
        raise Unsupported("NumPy has no erf; the NumPy gelu idiom needs scipy.special") from None
    return erfc


def numpy_idiom_impl(case):
    """The NumPy idiom a user writes today (``relufast._idioms``), called as the user calls it:
    on x (and grad), allocating its result, which the callable returns (``case.out`` is not
    used).  gelu's erf form, which NumPy alone cannot write, takes ``scipy.special.erfc`` when
    SciPy is installed."""
    s, p = case.spec, dict(case.spec.params)
    args = (case.x,) if s.kind == "forward" else (case.g, case.x)
    if s.base == "prelu":
        p.update(weight=case.w, axis=1)
    if p.get("approximate") == "none":
        return functools.partial(_scipy_gelu(s.kind), *args)
    return functools.partial(getattr(_idioms, s.fn), *args, **p)


def _scipy_gelu(kind):
    """gelu's erf-form idiom through SciPy: x Phi(x) and its derivative Phi(x) + x phi(x)."""
    erfc = _scipy_erfc()
    if kind == "forward":
        return lambda x: 0.5 * x * erfc(-x * RSQRT2)
    return lambda g, x: g * (0.5 * erfc(-x * RSQRT2) + x * np.exp(-0.5 * x * x) * RSQRT2PI)


def torch_impl(case):
    """PyTorch on ``torch.from_numpy`` views of the same arrays (no copies, no autograd graph).

    Forward: the in-place ops (``torch.relu_``, ``F.leaky_relu_``, ``elu_``, ``selu_``,
    ``celu_``, ``hardtanh_`` for relu6, ``gelu_``, ``silu_``) or their ``out=`` forms
    (``clamp_min`` is what ``torch.relu`` runs).  Gradients: the ATen backward kernels
    (``threshold_backward``, ``leaky_relu_backward``, ``elu_backward``, ``hardtanh_backward``,
    ``gelu_backward``, ``silu_backward``) writing ``grad_input=``.  PReLU has neither an in-place
    nor an ``out=`` form: ``F.prelu`` and ``_prelu_kernel_backward`` (plus the channel sum that
    autograd would do) allocate their results, so only the out-of-place case is timed.
    """
    try:
        import torch
    except ImportError:
        raise Unsupported("torch is not installed") from None
    F, A, nn = torch.nn.functional, torch.ops.aten, torch._C._nn
    s, p = case.spec, case.spec.params
    x = torch.from_numpy(case.x)
    g = torch.from_numpy(case.g) if case.g is not None else None
    o = x if case.out is case.x else g if case.out is case.g else torch.from_numpy(case.out)
    ip = case.inplace
    name, P = s.name, functools.partial

    if s.base == "prelu":
        if ip:
            raise Unsupported("torch has no in-place (or out=) prelu")
        w = torch.from_numpy(case.w)
        if s.kind == "forward":
            return P(F.prelu, x, w)
        wb = w.reshape((CHANNELS,) + (1,) * (x.dim() - 2))  # what F.prelu feeds the kernel
        dims = [0] + list(range(2, x.dim()))

        def prelu_grad():
            gx, gw = A._prelu_kernel_backward(g, x, wb)
            return gx, gw.sum(dims)

        return prelu_grad

    alpha = SELU_ALPHA if s.base == "selu" else p.get("alpha", 1.0)
    scale = SELU_SCALE if s.base == "selu" else 1.0
    approx = p.get("approximate", "none")
    if s.kind == "forward" and name not in _TORCH_PIECEWISE:
        inplace = {
            "relu": P(torch.relu_, x),
            "leaky_relu": P(nn.leaky_relu_, x, LEAKY_SLOPE),
            "elu": P(nn.elu_, x, alpha),
            "selu": P(torch.selu_, x),
            "celu": P(torch.celu_, x, alpha),
            "relu6": P(nn.hardtanh_, x, 0.0, 6.0),
            "gelu": P(nn.gelu_, x, approximate=approx),
            "gelu_tanh": P(nn.gelu_, x, approximate=approx),
            "silu": P(nn.silu_, x),
            "softplus": P(nn.softplus, x, 1.0, 20.0, out=x),  # no softplus_: out= x itself
            "mish": P(nn.mish_, x),
        }
        outofplace = {
            "relu": P(torch.clamp_min, x, 0, out=o),
            "leaky_relu": P(nn.leaky_relu, x, LEAKY_SLOPE, out=o),
            "elu": P(nn.elu, x, alpha, 1.0, 1.0, out=o),
            "selu": P(nn.elu, x, alpha, scale, 1.0, out=o),  # torch.selu is elu(x, a, s)
            "celu": P(nn.elu, x, alpha, 1.0, 1.0 / alpha, out=o),  # torch.celu likewise
            "relu6": P(nn.hardtanh, x, 0.0, 6.0, out=o),
            "gelu": P(nn.gelu, x, approximate=approx, out=o),
            "gelu_tanh": P(nn.gelu, x, approximate=approx, out=o),
            "silu": P(nn.silu, x, out=o),
            "softplus": P(nn.softplus, x, 1.0, 20.0, out=o),
            "mish": P(nn.mish, x, out=o),
        }
        return (inplace if ip else outofplace)[name]
    if name in _TORCH_PIECEWISE:
        return _TORCH_PIECEWISE[name](torch, x, g, o, ip)
    b = s.base
    if b == "relu":
        return P(A.threshold_backward.grad_input, g, x, 0, grad_input=o)
    if b == "leaky_relu":
        return P(A.leaky_relu_backward.grad_input, g, x, LEAKY_SLOPE, False, grad_input=o)
    if b in ("elu", "selu", "celu"):
        in_scale = 1.0 / alpha if b == "celu" else 1.0
        return P(A.elu_backward.grad_input, g, alpha, scale, in_scale, False, x, grad_input=o)
    if b == "relu6":
        return P(A.hardtanh_backward.grad_input, g, x, 0.0, 6.0, grad_input=o)
    if b == "gelu":
        return P(A.gelu_backward.grad_input, g, x, approximate=approx, grad_input=o)
    if b == "silu":
        return P(A.silu_backward.grad_input, g, x, grad_input=o)
    if b == "softplus":
        return P(A.softplus_backward.grad_input, g, x, 1.0, 20.0, grad_input=o)
    if b == "mish":  # mish_backward has no out= form: it allocates its result
        return P(A.mish_backward, g, x)
    raise Unsupported(f"no PyTorch formulation for {name}")


def _torch_relu_squared(torch, x, g, o, ip):
    # no such op in PyTorch: relu then square, each in place (two passes, as a user writes it)
    if ip:
        return lambda: torch.relu_(x).square_()
    return lambda: torch.clamp_min(x, 0, out=o).square_()


def _torch_relu_squared_grad(torch, x, g, o, ip):
    # autograd's: relu's output r, then pow's backward g * 2 r (here into a preallocated r)
    r = torch.empty_like(x)

    def run():
        torch.clamp_min(x, 0, out=r)
        torch.mul(g, r, out=o)
        return o.mul_(2)

    return run


# the piecewise functions and rrelu in evaluation: (torch, x, g, out, inplace) -> callable.
# Forwards in place (``hardtanh_``, ``threshold_``, ``hardsigmoid_``, ``hardswish_``,
# ``torch.rrelu_(training=False)``) or with ``out=``; gradients through the ATen backward kernels
# (rrelu's evaluation gradient is leaky_relu_backward with the mean slope, as PyTorch runs it).
# F.rrelu(training=False) has no out= form: out of place it allocates its result.
_TORCH_PIECEWISE = {
    "hardtanh": lambda torch, x, g, o, ip: (
        functools.partial(torch._C._nn.hardtanh_, x, HT_MIN, HT_MAX) if ip else
        functools.partial(torch._C._nn.hardtanh, x, HT_MIN, HT_MAX, out=o)),
    "threshold": lambda torch, x, g, o, ip: (
        functools.partial(torch.threshold_, x, TH_T, TH_V) if ip else
        functools.partial(torch.ops.aten.threshold.out, x, TH_T, TH_V, out=o)),
    "hardsigmoid": lambda torch, x, g, o, ip: (
        functools.partial(torch._C._nn.hardsigmoid_, x) if ip else
        functools.partial(torch._C._nn.hardsigmoid, x, out=o)),
    "hardswish": lambda torch, x, g, o, ip: (
        functools.partial(torch._C._nn.hardswish_, x) if ip else
        functools.partial(torch._C._nn.hardswish, x, out=o)),
    "relu_squared": _torch_relu_squared,
    "rrelu": lambda torch, x, g, o, ip: (
        functools.partial(torch.rrelu_, x, RR_LOWER, RR_UPPER, False) if ip else
        functools.partial(torch.nn.functional.rrelu, x, RR_LOWER, RR_UPPER, False)),
    "hardtanh_grad": lambda torch, x, g, o, ip: functools.partial(
        torch.ops.aten.hardtanh_backward.grad_input, g, x, HT_MIN, HT_MAX, grad_input=o),
    "threshold_grad": lambda torch, x, g, o, ip: functools.partial(
        torch.ops.aten.threshold_backward.grad_input, g, x, TH_T, grad_input=o),
    "hardsigmoid_grad": lambda torch, x, g, o, ip: functools.partial(
        torch.ops.aten.hardsigmoid_backward.grad_input, g, x, grad_input=o),
    "hardswish_grad": lambda torch, x, g, o, ip: functools.partial(
        torch.ops.aten.hardswish_backward.out, g, x, out=o),
    "relu_squared_grad": _torch_relu_squared_grad,
    "rrelu_grad": lambda torch, x, g, o, ip: functools.partial(
        torch.ops.aten.leaky_relu_backward.grad_input, g, x, RR_SLOPE, False, grad_input=o),
}


def torch_threads(n=None):
    """Set torch's intra-op thread count (if torch is imported) and return the previous one."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    return old


def _params(case):
    """(scale * alpha, scale, 1 / alpha) of the elu family, or Nones."""
    s, p = case.spec, case.spec.params
    if s.base == "selu":
        return SELU_SCALE * SELU_ALPHA, SELU_SCALE, 1.0
    if s.base in ("elu", "celu"):
        return p["alpha"], 1.0, 1.0 / p["alpha"]
    return None, None, None


# ---------------------------------------------------------------------------------------------
# numexpr: ne.evaluate(expr, out=...) with every constant passed as a scalar of x's dtype
# (numexpr computes float32 arrays with float literals in float64, then casts)

_NE_FORWARD = {
    "relu": "where(x > 0, x, 0)",
    "leaky_relu": "where(x > 0, x, a * x)",
    "prelu": "where(x > 0, x, w * x)",
    "elu": "where(x > 0, sc * x, sa * expm1(x))",
    "selu": "where(x > 0, sc * x, sa * expm1(x))",
    "celu": "where(x > 0, x, sa * expm1(x * ia))",
    "relu6": "where(x > 0, where(x < six, x, six), 0)",
    "gelu_tanh": "half * x * (one + tanh(k * (x + cc * x * x * x)))",
    "silu": "x / (one + exp(-x))",
    "softplus": "where(x > th, x, log1p(exp(x)))",
    "mish": "x * tanh(log1p(exp(x)))",
}
_NE_FORWARD.update({
    "hardtanh": "where(x < lo, lo, where(x > hi, hi, x))",
    "threshold": "where(x > t, x, v)",
    "hardsigmoid": "where(x <= -three, 0, where(x >= three, one, (x + three) / six))",
    "hardswish": "where(x <= -three, 0, where(x >= three, x, x * (x + three) / six))",
    "relu_squared": "where(x > 0, x * x, 0)",
    "rrelu": "where(x > 0, x, r * x)",
})
_TH = "tanh(k * (x + cc * x * x * x))"
_NE_GRAD = {
    "relu": "where(x > 0, g, 0)",
    "leaky_relu": "where(x > 0, g, a * g)",
    "prelu": "where(x > 0, g, w * g)",
    "elu": "where(x > 0, sc * g, sa * g * exp(x))",
    "selu": "where(x > 0, sc * g, sa * g * exp(x))",
    "celu": "where(x > 0, g, g * exp(x * ia))",
    "relu6": "where((x > 0) & (x < six), g, 0)",
    # numexpr has no common subexpressions: tanh, exp appear as often as the formula needs them
    "gelu_tanh": f"g * (half * (one + {_TH}) "
    f"+ half * x * (one - {_TH} * {_TH}) * k * (one + three * cc * x * x))",
    # s (1 + x (1 - s)) with s = 1 / (1 + e), e = exp(-x): (1 + e (1 + x)) / (1 + e)^2
    "silu": "g * (one + exp(-x) * (one + x)) / ((one + exp(-x)) * (one + exp(-x)))",
    "softplus": "where(x > th, g, g / (one + exp(-x)))",
    "mish": "g * (tanh(log1p(exp(x))) + x * (one - tanh(log1p(exp(x))) ** 2) / (one + exp(-x)))",
}
_NE_GRAD.update({
    "hardtanh": "where((x > lo) & (x < hi), g, 0)",
    "threshold": "where(x > t, g, 0)",
    "hardsigmoid": "where((x > -three) & (x < three), g / six, 0)",
    "hardswish": "where(x < -three, 0, where(x > three, g, g * (x / three + half)))",
    "relu_squared": "where(x > 0, g * (x + x), 0)",
    "rrelu": "where(x > 0, g, r * g)",
})


def numexpr_impl(case):
    try:
        import numexpr as ne
    except ImportError:
        raise Unsupported("numexpr is not installed") from None
    s = case.spec
    table = _NE_FORWARD if s.kind == "forward" else _NE_GRAD
    name = "gelu_tanh" if s.name.startswith("gelu_tanh") else s.base
    if name not in table:
        raise Unsupported(f"numexpr has no erf: no {s.name}")
    dt = case.dtype.type
    sa, sc, ia = _params(case)
    consts = dict(a=LEAKY_SLOPE, sa=sa, sc=sc, ia=ia, six=6, half=0.5, one=1, three=3, k=K, cc=CC,
                  lo=HT_MIN, hi=HT_MAX, t=TH_T, v=TH_V, r=RR_SLOPE, th=20)
    env = {k: dt(v) for k, v in consts.items() if v is not None}
    env.update(x=case.x, g=case.g)
    if s.base == "prelu":
        env["w"] = case.w.reshape((CHANNELS,) + (1,) * (len(case.shape) - 2))
    run = functools.partial(ne.evaluate, table[name], local_dict=env, global_dict={},
                            out=case.out)
    if s.base == "prelu" and s.kind == "gradient":
        t = np.empty(case.shape, case.dtype)
        axes = (0,) if s.layout == "nc" else (0, 2, 3)
        wterm = functools.partial(ne.evaluate, "where(x > 0, 0, g * x)", local_dict=env,
                                  global_dict={}, out=t)

        def prelu_grad():  # the weight gradient first: grad_x may overwrite g
            wterm()
            gw = t.sum(axis=axes)
            return run(), gw

        return prelu_grad
    return run


# ---------------------------------------------------------------------------------------------
# numba: @njit(parallel=True) prange loops over the flat arrays, constants of x's dtype.
# Compiled on first use (cache=True keeps the machine code in bench/__pycache__); the harness
# calls every implementation before timing it, so compilation is never timed.


@functools.lru_cache(maxsize=None)
def _numba_kernels():
    try:
        import numba
    except ImportError:
        raise Unsupported("numba is not installed") from None
    from numba import prange

    jit = functools.partial(numba.njit, parallel=True, cache=True, nogil=True)
    exp, expm1, erfc, tanh = math.exp, math.expm1, math.erfc, math.tanh

    @jit
    def relu(x, y, z):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v <= z else v

    @jit
    def leaky_relu(x, y, a):
        for i in prange(x.size):
            v = x[i]
            y[i] = v if v > 0 else a * v

    @jit
    def elu(x, y, sa, sc, ia):  # elu, selu and (with ia = 1 / alpha) celu
        for i in prange(x.size):
            v = x[i]
            y[i] = sc * v if v > 0 else sa * expm1(v * ia)

    @jit
    def relu6(x, y, z, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v <= z else (six if v > six else v)

    @jit
    def gelu(x, y, half, r2):
        for i in prange(x.size):
            v = x[i]
            y[i] = half * v * erfc(-v * r2)

    @jit
    def gelu_tanh(x, y, half, one, k, cc):
        for i in prange(x.size):
            v = x[i]
            y[i] = half * v * (one + tanh(k * (v + cc * v * v * v)))

    @jit
    def silu(x, y, one):
        for i in prange(x.size):
            v = x[i]
            y[i] = v / (one + exp(-v))

    @jit
    def relu_grad(g, x, y, z):
        for i in prange(x.size):
            y[i] = g[i] if x[i] > z else z

    @jit
    def leaky_relu_grad(g, x, y, a):
        for i in prange(x.size):
            y[i] = g[i] if x[i] > 0 else a * g[i]

    @jit
    def elu_grad(g, x, y, sa, sc, ia):
        for i in prange(x.size):
            v = x[i]
            y[i] = sc * g[i] if v > 0 else sa * ia * g[i] * exp(v * ia)

    @jit
    def relu6_grad(g, x, y, z, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] if (v > z and v < six) else z

    @jit
    def gelu_grad(g, x, y, half, r2, r2pi):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] * (half * erfc(-v * r2) + v * exp(-half * v * v) * r2pi)

    @jit
    def gelu_tanh_grad(g, x, y, half, one, three, k, cc):
        for i in prange(x.size):
            v = x[i]
            th = tanh(k * (v + cc * v * v * v))
            y[i] = g[i] * (half * (one + th)
                           + half * v * (one - th * th) * k * (one + three * cc * v * v))

    @jit
    def silu_grad(g, x, y, one):
        for i in prange(x.size):
            v = x[i]
            s = one / (one + exp(-v))
            y[i] = g[i] * s * (one + v * (one - s))

    @jit
    def prelu_rows(x, y, w):  # x, y: (rows, inner), row r on channel r % C
        C = w.size
        for r in prange(x.shape[0]):
            wc = w[r % C]
            for j in range(x.shape[1]):
                v = x[r, j]
                y[r, j] = v if v > 0 else wc * v

    @jit
    def prelu_nc(x, y, w):  # x, y: (N, C)
        for r in prange(x.shape[0]):
            for c in range(x.shape[1]):
                v = x[r, c]
                y[r, c] = v if v > 0 else w[c] * v

    @jit
    def prelu_grad_rows(g, x, y, w):  # returns the weight gradient, summed in float64
        C = w.size
        part = np.zeros(x.shape[0])
        for r in prange(x.shape[0]):
            wc = w[r % C]
            acc = 0.0
            for j in range(x.shape[1]):
                v, gv = x[r, j], g[r, j]
                if v > 0:
                    y[r, j] = gv
                else:
                    acc += gv * v
                    y[r, j] = wc * gv
            part[r] = acc
        return part.reshape(-1, C).sum(axis=0)

    @jit
    def prelu_grad_nc(g, x, y, w, nchunks):
        N, C = x.shape
        part = np.zeros((nchunks, C))
        step = (N + nchunks - 1) // nchunks
        for k in prange(nchunks):
            for r in range(k * step, min(N, (k + 1) * step)):
                for c in range(C):
                    v, gv = x[r, c], g[r, c]
                    if v > 0:
                        y[r, c] = gv
                    else:
                        part[k, c] += gv * v
                        y[r, c] = w[c] * gv
        return part.sum(axis=0)

    # the piecewise rest and rrelu in evaluation
    @jit
    def hardtanh(x, y, lo, hi):
        for i in prange(x.size):
            v = x[i]
            y[i] = lo if v < lo else (hi if v > hi else v)

    @jit
    def threshold(x, y, t, tv):
        for i in prange(x.size):
            v = x[i]
            y[i] = tv if v <= t else v

    @jit
    def hardsigmoid(x, y, z, three, six):
        for i in prange(x.size):
            u = x[i] + three
            u = six if u > six else u
            y[i] = (z if u <= z else u) / six

    @jit
    def hardswish(x, y, z, three, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v <= -three else (v if v >= three else v * (v + three) / six)

    @jit
    def relu_squared(x, y, z):
        for i in prange(x.size):
            v = x[i]
            r = z if v <= z else v
            y[i] = r * r

    @jit
    def hardtanh_grad(g, x, y, z, lo, hi):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] if (v > lo and v < hi) else z

    @jit
    def threshold_grad(g, x, y, z, t):
        for i in prange(x.size):
            y[i] = g[i] if x[i] > t else z

    @jit
    def hardsigmoid_grad(g, x, y, z, three, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] / six if (v > -three and v < three) else z

    @jit
    def hardswish_grad(g, x, y, z, half, three):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v < -three else (g[i] if v > three else g[i] * (v / three + half))

    @jit
    def relu_squared_grad(g, x, y, z):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] * (v + v) if v > z else z

    return dict(locals())


def numba_impl(case):
    kern = _numba_kernels()
    s, dt = case.spec, case.dtype.type
    sa, sc, ia = _params(case)
    x, g, y = (None if a is None else a.reshape(-1) for a in (case.x, case.g, case.out))
    P = functools.partial
    name = "gelu_tanh" if s.name.startswith("gelu_tanh") else s.base
    if name in ("softplus", "mish"):
        raise Unsupported(f"no numba formulation for {name}")
    if s.base == "prelu":
        w = case.w
        if s.layout == "nc":
            x2, g2, y2 = case.x, case.g, case.out
        else:  # (N, C, H, W) as (N C, H W)
            rows = case.shape[0] * case.shape[1]
            x2, g2, y2 = (None if a is None else a.reshape(rows, -1)
                          for a in (case.x, case.g, case.out))
        if s.kind == "forward":
            return P(kern["prelu_nc" if s.layout == "nc" else "prelu_rows"], x2, y2, w)
        if s.layout == "nc":
            import numba

            fn = P(kern["prelu_grad_nc"], g2, x2, y2, w, 4 * numba.get_num_threads())
        else:
            fn = P(kern["prelu_grad_rows"], g2, x2, y2, w)

        def prelu_grad():
            return case.out, fn()

        return prelu_grad
    c = {k: dt(v) for k, v in dict(z=0, a=LEAKY_SLOPE, six=6, half=0.5, one=1, three=3, k=K,
                                   cc=CC, r2=RSQRT2, r2pi=RSQRT2PI, lo=HT_MIN, hi=HT_MAX,
                                   t=TH_T, tv=TH_V, r=RR_SLOPE).items()}
    if sa is not None:
        c.update(sa=dt(sa), sc=dt(sc), ia=dt(ia))
    args = {
        "relu": ("z",), "leaky_relu": ("a",), "elu": ("sa", "sc", "ia"),
        "selu": ("sa", "sc", "ia"), "celu": ("sa", "sc", "ia"), "relu6": ("z", "six"),
        "gelu": ("half", "r2"), "gelu_tanh": ("half", "one", "k", "cc"), "silu": ("one",),
        "hardtanh": ("lo", "hi"), "threshold": ("t", "tv"), "hardsigmoid": ("z", "three", "six"),
        "hardswish": ("z", "three", "six"), "relu_squared": ("z",), "rrelu": ("r",),
    }[name]
    grad_args = {"hardtanh": ("z", "lo", "hi"), "threshold": ("z", "t"),
                 "hardsigmoid": ("z", "three", "six"), "hardswish": ("z", "half", "three"),
                 "relu_squared": ("z",), "rrelu": ("r",)}
    if name == "rrelu":  # evaluation: leaky_relu with the mean slope
        name = "leaky_relu"
        args = ("r",)
    elif name in grad_args and s.kind == "gradient":
        args = grad_args[name]
    if s.kind == "forward":
        fn = kern["elu" if name in ("selu", "celu") else name]
        return P(fn, x, y, *(c[a] for a in args))
    fn = kern[("elu" if name in ("selu", "celu") else name) + "_grad"]
    if name == "gelu":
        args = ("half", "r2", "r2pi")
    elif name == "gelu_tanh":
        args = ("half", "one", "three", "k", "cc")
    return P(fn, g, x, y, *(c[a] for a in args))


# ---------------------------------------------------------------------------------------------
# the table

IMPLS = {
    "relufast": relufast_impl,
    "numpy": numpy_impl,
    "numpy_idiom": numpy_idiom_impl,
    "torch": torch_impl,
    "numexpr": numexpr_impl,
    "numba": numba_impl,
}
