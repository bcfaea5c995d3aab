"""rrelu in training: the call's key, the noise a gradient needs, and the call path.

Each call draws one 64-bit key from the caller's ``numpy.random.Generator`` (or from the
operating system without one); the kernels compute the slope of the element at C-order index i
from (key, i) (``_rrelu.h``).  So a seeded Generator reproduces a call, whatever the thread
count or the memory layout of x, and the gradient needs only the key, which ``RReLUNoise``
carries with the bounds, x's shape and the precision the slopes were rounded to.

The kernels take C-contiguous operands of one dtype (the index is the C-order one): the common
call goes straight to them; any other layout or dtype (float16, bfloat16, mixed float dtypes)
goes through C-ordered copies in the compute dtype, written back to ``out``.
"""

import os

import numpy as np

from ._checks import as_input, check_param_f32, check_same_shape, outside_f32, prepare_out
from ._dispatch import F32, F64, KERNELS, STATUS
from ._lazy import is_lazy
from ._threads import PARALLEL_MIN_TRANSCENDENTAL, threads_for

_DONE = STATUS.DONE
# the hash costs about what an exp does: threads from the transcendental functions' threshold
THRESHOLD = PARALLEL_MIN_TRANSCENDENTAL


class RReLUNoise:
    """The slopes of one rrelu training call, as :func:`rrelu_grad` needs them.

    Returned by ``rrelu(x, training=True)`` beside its result; pass it to
    ``rrelu_grad(grad, x, noise=...)``.  It holds no array: the slope of each element is
    recomputed from ``key`` and the element's C-order index.

    Attributes
    ----------
    key : int
        The 64 random bits drawn for the call.
    lower, upper : float
        The bounds of the uniform slopes.
    shape : tuple of int
        The shape of x.
    dtype : numpy.dtype
        The precision the slopes were rounded to: float32 (float32, float16 and bfloat16 x) or
        float64.
    """

    __slots__ = ("key", "lower", "upper", "shape", "dtype")

    def __init__(self, key, lower, upper, shape, dtype):
        self.key, self.lower, self.upper = int(key), float(lower), float(upper)
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)

    def __repr__(self):
        return (f"RReLUNoise(key={self.key:#018x}, lower={self.lower!r}, upper={self.upper!r}, "
                f"shape={self.shape}, dtype={self.dtype.name})")

    def slopes(self):
        """The slope of every element, an array of ``shape`` and ``dtype`` (PyTorch's noise
        tensor holds these where x <= 0 and 1 elsewhere)."""
        n = int(np.prod(self.shape, dtype=np.int64))
        s = np.empty(n, F64)
        KERNELS.rrelu_slopes(s, self.lower, self.upper, self.key, self.dtype == F32)
        return s.astype(self.dtype).reshape(self.shape)


def draw_key(fn, rng):
    """64 random bits from ``rng`` (a numpy.random.Generator), or from os.urandom for None."""
    if rng is None:
        return int.from_bytes(os.urandom(8), "little")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{fn}: rng must be a numpy.random.Generator or None, got "
                        f"{type(rng).__name__} (np.random.default_rng(seed) makes one)")
    return int(rng.integers(0, 2**64, dtype=np.uint64))


def check_flags(fn, training, rng):
    """``training`` a bool, ``rng`` a Generator or None (checked in evaluation too)."""
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"{fn}: training must be a bool, got {type(training).__name__}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"{fn}: rng must be a numpy.random.Generator or None, got "
                        f"{type(rng).__name__} (np.random.default_rng(seed) makes one)")


def _c(a, dtype):
    f = a.flags
    return a.dtype == dtype and f.c_contiguous and f.aligned and type(a) is np.ndarray


def _params_f32(fn, lower, upper):
    for name, v in (("lower", lower), ("upper", upper)):
        if outside_f32(v, False):
            check_param_f32(fn, name, v, False)


def _not_lazy(fn, *arrays):
    if is_lazy(*arrays):
        raise TypeError(f"{fn}: training=True does not take Dask arrays or xarray objects: its "
                        "slopes follow the whole array's element order; compute the array "
                        "first, or use training=False")


def forward(fn, x, out, lower, upper, rng):
    """(y, noise): rrelu(x) in training, ``lower <= upper`` finite floats, checked."""
    _not_lazy(fn, x, out)
    x = as_input(fn, "x", x)
    compute = F64 if x.dtype == F64 else F32
    if compute == F32:
        _params_f32(fn, lower, upper)
    o = np.empty(x.shape, x.dtype) if out is None else prepare_out(fn, out, x, compute)
    key = draw_key(fn, rng)  # after every check: a refused call draws nothing either
    noise = RReLUNoise(key, lower, upper, x.shape, compute)
    n = x.size
    if n == 0:
        return o, noise
    kern = KERNELS.rrelu_forward[compute]
    nt = threads_for(n, THRESHOLD, KERNELS.idle_seconds)
    if _c(x, compute) and _c(o, compute) and kern(x, o, lower, upper, key, nt) == _DONE:
        return out if out is not None else o, noise
    # another layout or dtype, or out overlapping x: through a C-ordered copy of x
    xc = np.array(x, dtype=compute, order="C")
    dst = o if _c(o, compute) else xc
    if kern(xc, dst, lower, upper, key, nt) != _DONE:
        raise RuntimeError("relufast: the kernel refused prepared operands (rrelu)")
    if dst is not o:
        with np.errstate(over="ignore"):
            np.copyto(o, xc, casting="same_kind")
    return out if out is not None else o, noise


def gradient(fn, grad, x, out, noise, from_output):
    """grad * rrelu'(x) with the slopes of a training call's ``noise``."""
    _not_lazy(fn, grad, x, out)
    grad = as_input(fn, "grad", grad)
    x = as_input(fn, "y" if from_output else "x", x)
    check_same_shape(fn, grad, x, "y" if from_output else "x")
    if x.shape != noise.shape:
        raise ValueError(f"{fn}: x has shape {x.shape} but noise was drawn for shape "
                         f"{noise.shape}; they must match")
    if from_output and noise.lower < 0:
        raise ValueError(f"{fn}: from_output=True is not supported: lower={noise.lower} < 0, "
                         "so the output's sign does not tell the input's")
    result = (grad.dtype if grad.dtype == x.dtype
              else (F64 if F64 in (grad.dtype, x.dtype) else F32))
    compute = F64 if F64 in (grad.dtype, x.dtype, noise.dtype) else F32
    if compute == F32:
        _params_f32(fn, noise.lower, noise.upper)
    o = (np.empty(x.shape, result) if out is None
         else prepare_out(fn, out, x, F64 if F64 in (grad.dtype, x.dtype) else F32))
    n = x.size
    if n == 0:
        return o
    narrow = noise.dtype == F32 and compute == F64
    kern = KERNELS.rrelu_gradient[compute]
    nt = threads_for(n, THRESHOLD, KERNELS.idle_seconds)
    lo, hi, key = noise.lower, noise.upper, noise.key
    if (_c(grad, compute) and _c(x, compute) and _c(o, compute)
            and kern(grad, x, o, lo, hi, key, narrow, nt) == _DONE):
        return out if out is not None else o
    gc = np.array(grad, dtype=compute, order="C")
    xc = np.array(x, dtype=compute, order="C")
    dst = o if _c(o, compute) else gc
    if kern(gc, xc, dst, lo, hi, key, narrow, nt) != _DONE:
        raise RuntimeError("relufast: the kernel refused prepared operands (rrelu_grad)")
    if dst is not o:
        with np.errstate(over="ignore"):
            np.copyto(o, gc, casting="same_kind")
    return out if out is not None else o
