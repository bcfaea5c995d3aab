"""Roofline report: how close each relufast op runs to the machine's copy bandwidth.

Run ``python -m relufast.bench`` (``--help`` for the options).  It measures

* the copy bandwidth: ``np.copyto`` between two large preallocated arrays, counting the bytes
  read plus the bytes written (2N x itemsize).  For N threads the array is cut into N chunks,
  each copied by ``np.copyto`` on its own Python thread (NumPy releases the GIL for the copy):
  a path with neither relufast nor OpenMP in it.  ``ctypes.memmove`` (libc's memcpy, which may
  use non-temporal stores for large copies) is measured beside it once per block as a
  cross-check;
* for every op, the effective bandwidth: the bytes that must move divided by the median time of
  one call, forward in place (``out=x``: 2N x itemsize) and gradient into grad (``out=grad``:
  3N x itemsize), for 1 thread and for all threads (``relufast.num_threads``), and its ratio to
  the copy bandwidth measured with the same thread count, size and dtype *alongside that op*
  (copy, relufast and torch take turns call by call, so a noisy neighbour hits them alike);
* the per-call time at 10**3 elements (in place) next to NumPy's idiom for the same op and next
  to ``np.maximum(x, 0, out=x)``.

Every in-place call is timed on a fresh copy of the input (restored outside the timed region), so
no op is timed on its own output; after the restore the cache is flushed, so that a 40 MB input
is not half in a 32 MB L3 because the restore just wrote it (the copy is timed the same way).  Before each op the report waits (``--wait``, 1 s at most) for
other processes to leave the CPUs idle, and marks with ``~`` the rows during which they did not:
on a shared machine, a 2-thread timing with one core taken by someone else is worthless.  PyTorch columns appear when torch is installed (``--no-torch``
drops them); nothing else beyond NumPy is needed.

This module also holds the op table and the relufast, NumPy and PyTorch formulations that the
pytest-benchmark suite in ``bench/`` reuses, so both measure the same thing.
"""

import argparse
import ctypes
import functools
import math
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import relufast as rf

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
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


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
    if s.kind == "forward":
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
        }
        return (inplace if ip else outofplace)[name]
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
    raise Unsupported(f"no PyTorch formulation for {name}")


def torch_threads(n=None):
    """Set torch's intra-op thread count (if torch is imported) and return the previous one."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    return old


# ---------------------------------------------------------------------------------------------
# timing on a shared machine


class LoadMeter:
    """CPU time other processes used while we measured, in cores (Linux; 0.0 elsewhere).

    From /proc/stat's busy jiffies minus this process's own CPU time (os.times counts every
    thread).  A 2-thread measurement while another process keeps a core busy is worthless (an
    OpenMP barrier waits for the descheduled thread): the report marks such rows.
    """

    _tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @classmethod
    def _busy_s(cls):
        try:
            with open("/proc/stat") as f:
                v = [int(t) for t in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
        return (sum(v[:8]) - idle) / cls._tick

    @staticmethod
    def _own_s():
        t = os.times()
        return t.user + t.system

    def __enter__(self):
        self.t0, self.b0, self.o0 = time.perf_counter(), self._busy_s(), self._own_s()
        self.load = 0.0
        return self

    def __exit__(self, *exc):
        b1 = self._busy_s()
        wall = time.perf_counter() - self.t0
        if self.b0 is not None and b1 is not None and wall > 0:
            other = (b1 - self.b0) - (self._own_s() - self.o0)
            self.load = max(0.0, other / wall)
        return False


def wait_quiet(max_wait=3.0, threshold=0.25, window=0.1):
    """Sleep until other processes use less than ``threshold`` cores (at most ``max_wait`` s).

    Returns True if the machine went quiet.  The jiffy counters are coarse (10 ms), hence the
    window.
    """
    deadline = time.perf_counter() + max_wait
    while True:
        with LoadMeter() as m:
            time.sleep(window)
        if m.load < threshold:
            return True
        if time.perf_counter() >= deadline:
            return False


class QuietWaiter:
    """wait_quiet that gives up on a machine that stays busy.

    After ``patience`` waits in a row that timed out, it waits only once every ``every`` calls
    (to catch a quiet spell) instead of losing ``max_wait`` seconds before every measurement.
    """

    def __init__(self, max_wait, threshold=0.25, patience=3, every=10):
        self.max_wait, self.threshold, self.patience, self.every = (
            max_wait, threshold, patience, every)
        self.misses = self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.max_wait <= 0:
            return
        if self.misses >= self.patience and self.calls % self.every:
            return
        if wait_quiet(self.max_wait, self.threshold):
            self.misses = 0
        else:
            self.misses += 1


def _timed(fn, restore):
    if restore is not None:
        restore()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# the report: copy bandwidth


def _chunks(n, nt, itemsize):
    """nt (lo, hi) ranges covering [0, n), cut on 64-byte boundaries."""
    step = -(-n // nt)
    align = max(1, 64 // itemsize)
    step = -(-step // align) * align
    return [(lo, min(n, lo + step)) for lo in range(0, n, step)]


def _memmove(dst, src):
    ctypes.memmove(dst.ctypes.data, src.ctypes.data, src.nbytes)


def copier(dst, src, nt, how="copyto", pool=None):
    """A callable doing dst[:] = src with np.copyto (or memmove) on nt Python threads."""
    copy = np.copyto if how == "copyto" else _memmove
    if nt == 1:
        return functools.partial(copy, dst, src)
    parts = [(dst[lo:hi], src[lo:hi]) for lo, hi in _chunks(src.size, nt, src.itemsize)]

    def run():
        for f in [pool.submit(copy, d, s) for d, s in parts]:
            f.result()

    return run


def streamer(case, nt, pool=None):
    """The op's own traffic through a trivial NumPy ufunc, on nt Python threads.

    Forward in place: ``x *= 1`` (x read, x written); gradient into grad: ``g *= x`` (g and x
    read, g written).  A relufast-free reference with exactly the op's access pattern (no
    write-allocate, unlike a copy into a second array).
    """
    dst = case.out.reshape(-1)
    other = case.x.reshape(-1) if case.spec.kind == "gradient" else case.dtype.type(1)
    if nt == 1:
        return functools.partial(np.multiply, dst, other, out=dst)
    parts = []
    for lo, hi in _chunks(dst.size, nt, dst.itemsize):
        o = other[lo:hi] if isinstance(other, np.ndarray) else other
        parts.append((dst[lo:hi], o))

    def run():
        for f in [pool.submit(np.multiply, d, o, out=d) for d, o in parts]:
            f.result()

    return run


# ---------------------------------------------------------------------------------------------
# the report: one block per (dtype, size)

MEMORY_BOUND = {"relu", "leaky_relu", "prelu_nchw", "prelu_2d"}
MEMORY_BOUND |= {n + "_grad" for n in MEMORY_BOUND}
ELU_LIKE = {"elu", "selu", "elu_grad", "selu_grad"}
# calls at least SLOW_CALL_S long need no separate warm-up call (the first one counts) and get
# SLOW_REPEATS samples; VERY_SLOW ones VERY_SLOW_REPEATS (the scalar-libm ops at 5*10**7 take
# seconds per call, and the default report must stay near 3 minutes)
SLOW_CALL_S, SLOW_REPEATS = 0.1, 2
VERY_SLOW_CALL_S, VERY_SLOW_REPEATS = 0.4, 1
REF_REPEATS = 3  # samples of the copy and stream references beside each op
# The references are measured beside the ops that can run at memory speed; beside the
# transcendental ones (a few hundredths of it with scalar libm) they would cost a third of the
# report's time for nothing, and the block's medians serve (copy column '-').
CHEAP_OPS = MEMORY_BOUND | {"relu6", "relu6_grad"}


def _target(name, xcopy, vs_torch):
    """The issue's targets: 'ok', 'MISS' or '' (none applies)."""
    checks = []
    if name in MEMORY_BOUND:
        checks.append(xcopy >= 0.9)
    if name in ELU_LIKE:
        checks.append(xcopy >= 0.5)
        if vs_torch is not None:
            checks.append(vs_torch >= 3.0)
    if vs_torch is not None:
        checks.append(vs_torch >= 1.0)
    return "" if not checks else ("ok" if all(checks) else "MISS")


def _last_level_cache_bytes():
    """The largest CPU cache (Linux sysfs), or 32 MiB when it cannot be read."""
    best = 0
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for d in os.listdir(base):
            with open(os.path.join(base, d, "size")) as f:
                v = f.read().strip()
            mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(v[-1:], 1)
            best = max(best, int(v.rstrip("KMG")) * mult)
    except (OSError, ValueError):
        pass
    return best or 32 << 20


class _Block:
    """Arrays for one (dtype, n): pristine inputs, working inputs, a copy destination.

    Every restore (the untimed copy of a pristine input before each timed call) is followed by
    a read of a buffer twice the last-level cache, so that no timed call finds its input in the
    cache because the restore just wrote it there: the roofline is the memory's.
    """

    def __init__(self, dtype, n):
        self.dtype, self.n = np.dtype(dtype), n
        size = max(math.prod(shape_for(s, n)) for s in OPS.values())
        self.px, self.pg = pristine(size, dtype, "x"), pristine(size, dtype, "g")
        self.x, self.g = self.px.copy(), self.pg.copy()
        self.dst = np.zeros(n, dtype)
        self.flush_buf = np.ones(2 * _last_level_cache_bytes(), np.uint8)

    def restorer(self, dst, src):
        def restore():
            np.copyto(dst, src)
            self.flush_buf.max()  # reads evict the restored lines (clean lines, no write-back)

        return restore

    def case(self, spec, inplace=True):
        shape = shape_for(spec, self.n)
        x, g = view(self.x, shape), view(self.g, shape)
        np.copyto(x, view(self.px, shape))
        np.copyto(g, view(self.pg, shape))
        grad = spec.kind == "gradient"
        c = Case(spec, self.dtype, shape, inplace, x, g if grad else None,
                 None if inplace else np.empty(shape, self.dtype))
        restore = self.restorer(g if grad else x, view(self.pg if grad else self.px, shape))
        return c, restore


def median_interleaved(fns, restores, repeats, warm=None):
    """Median seconds per call of each callable (None: skipped), the callables taking turns.

    Each call is preceded by its untimed ``restores[i]()``.  ``repeats`` is a count, or one per
    callable; ``warm[i]`` False skips the warm-up call (a reference already warm).  A first
    call warms up (page faults, thread pools); one that takes SLOW_CALL_S or more counts as a
    sample instead, and that callable gets SLOW_REPEATS (VERY_SLOW_REPEATS) samples in all.
    """
    k = len(fns)
    reps = list(repeats) if isinstance(repeats, (list, tuple)) else [repeats] * k
    warm = list(warm) if warm is not None else [True] * k
    samples = [[] for _ in fns]
    want = [0] * k
    for i, f in enumerate(fns):
        if f is None:
            continue
        want[i] = reps[i]
        if not warm[i]:
            continue
        t = _timed(f, restores[i])
        if t >= SLOW_CALL_S:
            samples[i].append(t)
            slow = VERY_SLOW_REPEATS if t >= VERY_SLOW_CALL_S else SLOW_REPEATS
            want[i] = max(1, min(reps[i], slow))
    while any(len(s) < w for s, w in zip(samples, want)):
        for i, f in enumerate(fns):
            if len(samples[i]) < want[i]:
                samples[i].append(_timed(f, restores[i]))
    return [statistics.median(s) if s else None for s in samples]


def _with_threads(fn, nt):
    """fn run with nt threads in relufast and torch."""
    if fn is None:
        return None

    def run():
        with rf.num_threads(nt):
            fn()

    return run


def _torch_threaded(fn, nt):
    if fn is None:
        return None

    def run():
        torch_threads(nt)
        fn()

    return run


def report_block(dtype, n, threads, ops, repeats, use_torch, out, results, wait=None):
    """Effective bandwidth of every op at (dtype, n), with a copy measured alongside each.

    For each op, the copy (np.copyto), relufast and torch take turns at every thread count, so
    the ratio xcopy compares measurements taken together; np.copyto is checked against libc's
    memmove once, at the start of the block.
    """
    p = functools.partial(print, file=out, flush=True)
    wait = wait or QuietWaiter(1.0)
    b = _Block(dtype, n)
    itemsize = b.dtype.itemsize
    src = b.px[:n]  # the copy reads a pristine input (never written) into dst
    restore_src = b.flush_buf.max  # src never changes; flushed, as the ops' inputs are
    rows, copies = [], {nt: [] for nt in threads}
    streams = {(k, nt): [] for k in ("forward", "gradient") for nt in threads}
    with ThreadPoolExecutor(max(threads)) as pool:
        cp = {(nt, how): copier(b.dst, src, nt, how, pool)
              for nt in threads for how in ("copyto", "memmove")}
        # np.copyto against libc's memmove once, as a cross-check of the reference
        wait()
        t = median_interleaved(list(cp.values()), [restore_src] * len(cp), max(repeats, 5))
        check = {k: 2 * n * itemsize / v / 1e9 for k, v in zip(cp, t)}
        for name in ops:
            spec = OPS[name]
            case, restore = b.case(spec)
            fn = relufast_impl(case)
            tfn, tnote = None, ""
            if use_torch:
                try:
                    tfn = torch_impl(case)
                except Unsupported:  # prelu: torch has only the allocating out-of-place form,
                    # which reads the same (restored) input arrays
                    tfn, tnote = torch_impl(b.case(spec, inplace=False)[0]), "*"
            fns, rst, reps, warm = [], [], [], []
            ref_reps = min(repeats, REF_REPEATS)  # the references: warm after the first op
            beside = name in CHEAP_OPS  # else the block's medians serve (see REF_BESIDE)
            for nt in threads:
                fns += [cp[nt, "copyto"] if beside else None,
                        streamer(case, nt, pool) if beside else None,
                        _with_threads(fn, nt), _torch_threaded(tfn, nt)]
                rst += [restore_src, restore, restore, restore]
                reps += [ref_reps, ref_reps, repeats, repeats]
                warm += [not rows, not rows, True, True]
            old = torch_threads()
            wait()
            try:
                with LoadMeter() as m:
                    t = median_interleaved(fns, rst, reps, warm)
            finally:
                torch_threads(old)
            row = {}
            for i, nt in enumerate(threads):
                tc, ts, trf, tt = t[4 * i: 4 * i + 4]
                row[nt] = dict(ms=trf * 1e3, gbs=case.nbytes / trf / 1e9,
                               torch_gbs=tt and case.nbytes / tt / 1e9,
                               rf_over_torch=tt / trf if tt else None,
                               load=m.load, torch_note=tnote, kind=spec.kind, beside=beside)
                if beside:
                    row[nt]["copy_gbs"] = 2 * n * itemsize / tc / 1e9
                    row[nt]["stream_gbs"] = case.nbytes / ts / 1e9
                    copies[nt].append(row[nt]["copy_gbs"])
                    streams[spec.kind, nt].append(row[nt]["stream_gbs"])
                results["ops"][(name, b.dtype.name, n, nt)] = row[nt]
            rows.append((name, row, m.load))

    # with only transcendental ops selected (--ops), no copy ran beside an op: the block's
    # start-of-block np.copyto serves
    med = {nt: statistics.median(copies[nt]) if copies[nt] else check[nt, "copyto"]
           for nt in threads}
    smed = {k: statistics.median(v) for k, v in streams.items() if v}
    for name, row, _ in rows:  # the ratios; ops measured without references use the medians
        for nt, r in row.items():
            r.setdefault("copy_gbs", med[nt])
            r.setdefault("stream_gbs", smed.get((r["kind"], nt), med[nt]))
            r["xcopy"], r["xstream"] = r["gbs"] / r["copy_gbs"], r["gbs"] / r["stream_gbs"]
    results["copy"][(b.dtype.name, n)] = dict(
        median_over_ops=med, start={f"{how} {nt}t": v for (nt, how), v in check.items()},
        stream={f"{k} {nt}t": v for (k, nt), v in smed.items()})
    p()
    p(f"{b.dtype.name}, n = {n:,}:  GB/s, medians over the block's ops, 1 | {max(threads)} "
      "threads:  copy " + " | ".join(f"{med[nt]:.1f}" for nt in threads)
      + ";  stream forward " + " | ".join(
          f"{smed.get(('forward', nt), float('nan')):.1f}" for nt in threads)
      + ", gradient " + " | ".join(
          f"{smed.get(('gradient', nt), float('nan')):.1f}" for nt in threads)
      + ";  memmove at the start " + " | ".join(
          f"{check[nt, 'memmove']:.1f}" for nt in threads))
    cols = f"{'ms':>8} {'GB/s':>6} {'copy':>5} {'xcopy':>5} {'xstrm':>5}" + (
        f" {'torch':>6} {'rf/torch':>8}" if use_torch else "") + f" {'target':>6}"
    p(f"  {'op':<16}" + " |".join(f" {nt} thread{'s' if nt > 1 else ''}".center(len(cols))
                                 for nt in threads))
    p(f"  {'':<16}" + " |".join(cols for _ in threads))
    for name, row, load in rows:
        cells = []
        for nt in threads:
            r = row[nt]
            copy = f"{r['copy_gbs']:5.1f}" if r["beside"] else f"{'-':>5}"
            cell = f"{r['ms']:8.2f} {r['gbs']:6.1f} {copy} {r['xcopy']:5.2f} {r['xstream']:5.2f}"
            if use_torch:
                vs = r["rf_over_torch"]
                cell += (f" {r['torch_gbs']:5.1f}{r['torch_note'] or ' '} {vs:8.2f}"
                         if vs is not None else f" {'-':>6} {'-':>8}")
            cell += f" {_target(name, r['xcopy'], r['rf_over_torch']):>6}"
            cells.append(cell)
        p(f"  {name:<16}" + " |".join(cells) + ("  ~" if load > 0.25 else ""))


# ---------------------------------------------------------------------------------------------
# the report: per-call time at 10**3 elements


def report_small(n, dtypes, ops, rounds, use_torch, out, results, pool_rows=32):
    """Per-call time, in place, at n elements: relufast, NumPy's idiom, torch.

    ``pool_rows`` independent arrays (128 KiB of float32 at n = 1000: they stay in L2) are
    restored from pristine copies, then each is processed once by a Python loop; the per-call
    time is the loop's time over pool_rows (no timer call inside the loop, no op on its own
    output).  Median over ``rounds`` loops, the implementations taking turns.
    """
    p = functools.partial(print, file=out)
    impls = [("relufast", relufast_impl), ("numpy", numpy_impl)]
    if use_torch:
        impls.append(("torch", torch_impl))
    per = {}
    for dtype in dtypes:
        dt = np.dtype(dtype)
        size = max(math.prod(shape_for(s, n)) for s in OPS.values())
        px = np.stack([pristine(size, dt, "x", seed=r) for r in range(pool_rows)])
        pg = np.stack([pristine(size, dt, "g", seed=r) for r in range(pool_rows)])
        X, G = px.copy(), pg.copy()
        rows = [(X[r], G[r]) for r in range(pool_rows)]

        def loop(calls):
            def run():
                for c in calls:
                    c()
            return run

        def timed_rounds(runs, restore):
            times = [[] for _ in runs]
            for r in runs:
                if r is not None:
                    restore()
                    r()
            for _ in range(rounds):
                for i, r in enumerate(runs):
                    if r is not None:
                        restore()
                        t0 = time.perf_counter()
                        r()
                        times[i].append((time.perf_counter() - t0) / pool_rows)
            return [statistics.median(t) if t else None for t in times]

        restore_x = functools.partial(np.copyto, X, px)
        restore_g = functools.partial(np.copyto, G, pg)
        ref = loop([functools.partial(np.maximum, xr[:n], 0, out=xr[:n]) for xr, _ in rows])
        per[(dt.name, "np.maximum")] = timed_rounds([ref], restore_x)[0]
        for name in ops:
            spec = OPS[name]
            shape = shape_for(spec, n)
            grad = spec.kind == "gradient"
            runs = []
            for _, impl in impls:
                try:
                    calls = [impl(Case(spec, dt, shape, True, view(xr, shape),
                                       view(gr, shape) if grad else None))
                             for xr, gr in rows]
                except Unsupported:
                    runs.append(None)
                    continue
                runs.append(loop(calls))
            for (label, _), t in zip(impls, timed_rounds(runs, restore_g if grad else restore_x)):
                per[(dt.name, name, label)] = t
    results["small"] = per

    p()
    p(f"per-call time at n = {n:,} elements, in place (us; median of {rounds} loops over "
      f"{pool_rows} fresh arrays)")
    p("  reference np.maximum(x, 0, out=x): " + ",  ".join(
        f"{np.dtype(d).name} {per[(np.dtype(d).name, 'np.maximum')] * 1e6:.2f} us"
        for d in dtypes))
    cols = f"{'relufast':>8} {'numpy':>7} {'np/rf':>6}" + (
        f" {'torch':>7} {'torch/rf':>8}" if use_torch else "") + f" {'rf/max':>7}"
    p(f"  {'op':<16}" + " |".join(np.dtype(d).name.center(len(cols)) for d in dtypes))
    p(f"  {'':<16}" + " |".join(cols for _ in dtypes))
    for name in ops:
        cells = []
        for d in dtypes:
            dn = np.dtype(d).name
            trf, tnp = per[(dn, name, "relufast")], per[(dn, name, "numpy")]
            tmax = per[(dn, "np.maximum")]
            c = f"{trf * 1e6:8.2f} " + (f"{tnp * 1e6:7.2f} {tnp / trf:6.2f}" if tnp else
                                         f"{'-':>7} {'-':>6}")
            if use_torch:
                tt = per.get((dn, name, "torch"))
                c += f" {tt * 1e6:7.2f} {tt / trf:8.2f}" if tt else f" {'-':>7} {'-':>8}"
            c += f" {trf / tmax:7.2f}"
            cells.append(c)
        p(f"  {name:<16}" + " |".join(cells))


# ---------------------------------------------------------------------------------------------


def _cpu_ghz():
    """The nominal clock (GHz) from /proc/cpuinfo's first "cpu MHz", or None."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1]) / 1000
    except (OSError, ValueError):
        pass
    return None


def report_bound(dtypes, ops, results, out, n_cache=32768, rounds=200):
    """Memory or arithmetic: one thread's time per element with the data in the caches (the
    arithmetic alone: ``n_cache`` elements, out of place so the inputs stay as they are,
    ``rounds`` back-to-back calls, best of 5) next to its time per element on the largest
    array of the roofline table (memory and arithmetic).  Where the in-cache time is at least
    80% of the large-array time, the arithmetic bounds the op: memory could go faster.
    Cycles per element = ns per element x the nominal clock (/proc/cpuinfo)."""
    p = functools.partial(print, file=out, flush=True)
    ghz = _cpu_ghz()
    p()
    p(f"what bounds each op, 1 thread: ns (and cycles at {ghz:.2f} GHz) per element in the "
      f"cache (n = {n_cache:,}) and from memory (the largest n above); bound = arithmetic where "
      "in-cache >= 0.8 x memory" if ghz else
      f"what bounds each op, 1 thread: ns per element in the cache (n = {n_cache:,}) and from "
      "memory (the largest n above); bound = arithmetic where in-cache >= 0.8 x memory")
    for dtype in dtypes:
        dtype = np.dtype(dtype)
        big = {}
        for (name, dt, n, nt), r in results["ops"].items():
            if dt == dtype.name and nt == 1 and n >= big.get(name, (0, 0))[0]:
                big[name] = (n, r["ms"])
        if not big:
            continue
        b = _Block(dtype, n_cache)
        p(f"  {dtype.name}:{'':14s}  cache ns  cycles | memory ns  cycles | bound")
        for name in ops:
            if name not in big:
                continue
            spec = OPS[name]
            case, _ = b.case(spec, inplace=False)
            fn = relufast_impl(case)
            n_elem = case.size
            with rf.num_threads(1):
                fn()
                best = float("inf")
                for _ in range(5):
                    t0 = time.perf_counter()
                    for _ in range(rounds):
                        fn()
                    best = min(best, (time.perf_counter() - t0) / rounds)
            n_big, ms = big[name]
            n_big_elem = math.prod(shape_for(spec, n_big))
            c_ns, m_ns = best / n_elem * 1e9, ms * 1e6 / n_big_elem
            cyc = (lambda v: f"{v * ghz:7.2f}") if ghz else (lambda v: "      -")
            bound = "arithmetic" if c_ns >= 0.8 * m_ns else "memory"
            p(f"  {name:16s} {c_ns:9.3f} {cyc(c_ns)} | {m_ns:9.3f} {cyc(m_ns)} | {bound}")


def _size(s):
    return int(float(s))


def _csv(s, conv=str):
    return [conv(v.strip()) for v in s.split(",") if v.strip()] if s else None


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m relufast.bench",
        description="Roofline report: relufast's effective bandwidth per op next to the "
        "machine's copy bandwidth, for 1 thread and all threads, and the per-call time at "
        "10**3 elements next to NumPy.",
    )
    ap.add_argument("--quick", action="store_true",
                    help="n = 10**7 only, 3 repeats, 20 loops in the per-call table")
    ap.add_argument("--sizes", help="comma-separated element counts (default 1e7,5e7)")
    ap.add_argument("--dtypes", default="float32,float64", help="default float32,float64")
    ap.add_argument("--threads", help="comma-separated thread counts (default: 1 and all, "
                    "all = relufast.get_num_threads(): OMP_NUM_THREADS or the cores)")
    ap.add_argument("--ops", help="comma-separated op names (default: all): " + ",".join(OPS))
    ap.add_argument("--repeats", type=int,
                    help="timed calls per measurement, median taken (default 5; 3 above "
                    "10**7 elements; 3 with --quick)")
    ap.add_argument("--small", type=_size, default=1000,
                    help="element count of the per-call table (default 1000; 0 skips it)")
    ap.add_argument("--no-torch", action="store_true", help="leave out the PyTorch columns")
    ap.add_argument("--wait", type=float, default=1.0,
                    help="before each op, wait up to this many seconds for other processes to "
                    "leave the CPUs idle (default 1; 0: never; after 3 waits in vain, only "
                    "every 10th op waits)")
    args = ap.parse_args(argv)

    sizes = _csv(args.sizes, _size) or ([10**7] if args.quick else [10**7, 5 * 10**7])
    dtypes = [np.dtype(d) for d in _csv(args.dtypes)]
    if any(d not in (np.float32, np.float64) for d in dtypes):
        ap.error("dtypes: float32 and/or float64")
    all_threads = rf.get_num_threads()
    threads = _csv(args.threads, int) or sorted({1, all_threads})
    ops = _csv(args.ops) or list(OPS)
    bad = [o for o in ops if o not in OPS]
    if bad:
        ap.error(f"unknown ops {bad}; ops are {', '.join(OPS)}")
    use_torch = False
    if not args.no_torch:
        try:
            import torch  # noqa: F401

            use_torch = True
        except ImportError:
            pass

    out = sys.stdout
    p = functools.partial(print, file=out, flush=True)
    t_start = time.perf_counter()
    p("relufast roofline report")
    p(f"  relufast {rf.__version__}, isa {rf._api._K.isa}, OpenMP "
      f"{'on' if rf._api._openmp.OPENMP else 'off'}; numpy {np.__version__}"
      + (f"; torch {sys.modules['torch'].__version__}" if use_torch else "; torch: not used")
      + f"; {os.cpu_count()} cores, threads measured: {', '.join(map(str, threads))}")
    p("  bytes that must move: forward in place 2N x itemsize (x read, x written), gradient "
      "into grad 3N x itemsize (grad and x read, grad written)")
    p("  copy: np.copyto(dst, src), 2N x itemsize; N threads = N Python threads copying one "
      "chunk each (relufast-free, no OpenMP); memmove = libc memcpy through ctypes")
    p("  every call's input is restored from a pristine copy, then the cache flushed (untimed); "
      "for each op the copy, relufast and torch take turns;")
    p(f"  median of {args.repeats or ('3' if args.quick else '5 (3 above 10**7 elements)')} calls;"
      f" {SLOW_REPEATS} for calls over {SLOW_CALL_S} s, {VERY_SLOW_REPEATS} (no median) over "
      f"{VERY_SLOW_CALL_S} s; {REF_REPEATS} of each reference (copy, stream) beside each op "
      "that can reach memory speed (elsewhere, copy '-': the block's medians)")
    p("  copy = the copy GB/s measured alongside the op (same threads, dtype, n); xcopy = GB/s "
      "/ copy (in place needs no write-allocate, so > 1 is possible)")
    p("  xstrm = GB/s / the op's own traffic through a NumPy ufunc on as many Python threads "
      "(x *= 1 forward, g *= x gradient), measured alongside: the stricter roofline")
    p("  rf/torch = torch time / relufast time (> 1: relufast faster)")
    p("  target (issue 3): relu, leaky_relu, prelu and their gradients >= 0.9 xcopy; elu, selu "
      "(and gradients) >= 0.5 xcopy and >= 3 rf/torch; every op rf/torch >= 1")
    p("  *: torch has no in-place prelu, its allocating out-of-place F.prelu / "
      "_prelu_kernel_backward is timed;  ~: other processes used > 0.25 cores meanwhile")
    results = {"copy": {}, "ops": {}}
    waiter = QuietWaiter(args.wait)
    for dtype in dtypes:
        for n in sizes:
            repeats = args.repeats or (3 if args.quick or n > 10**7 else 5)
            report_block(dtype, n, threads, ops, repeats, use_torch, out, results, waiter)
            out.flush()
    if args.small:
        report_small(args.small, dtypes, ops, 20 if args.quick else 50, use_torch, out, results)
    if 1 in threads:
        report_bound(dtypes, ops, results, out)

    misses = sorted({k[0] for k, r in results["ops"].items()
                     if _target(k[0], r["xcopy"], r["rf_over_torch"]) == "MISS"})
    p()
    p(f"ops missing a target somewhere: {', '.join(misses) if misses else 'none'}")
    p(f"report took {time.perf_counter() - t_start:.0f} s")
    return results


if __name__ == "__main__":
    main()
