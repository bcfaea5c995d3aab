"""PReLU's call path: the weight and axis rules, then the kernel, which lays out the rest.

The kernels see the array in one flat order as runs of ``inner`` elements, run r on channel
``r % len(weight)``; this module only finds ``inner`` for the order the flat arrays walk.  How
the kernel walks those runs (one by one, as rows of channels, or as a weight pattern of several
periods) is decided in the kernel, in one place (``_prelu.pxi``).  As for the elementwise
functions: one attempt on the caller's arrays as they are, and on refusal the checks, a flat
layout and one prepared call.
"""

import operator
from math import prod

import numpy as np

from ._call import contiguous, flatten, round_to_f16
from ._checks import (
    DTYPES,
    F32_MAX,
    as_input,
    check_param_f32,
    check_same_dtype,
    check_same_shape,
    dtype_message,
    no_from_output,
    param,
    prepare_out,
)
from ._dispatch import BF16, F16, F32, F64, KERNELS, STATUS
from ._threads import PARALLEL_MIN_CHEAP, threads_for

_DONE = STATUS.DONE


def _weight_and_axis(fn, x, weight, axis):
    """(weight as a 1-D array of x's compute dtype, the axis in [0, x.ndim) or None, weight was a
    scalar).

    A weight ndarray must have x's dtype (float16 for float16 x, exactly as given).  A Python or
    NumPy scalar, or a list, is a parameter like leaky_relu's slope: finite, not a bool, and
    rounded to the precision x is computed in (float32 for float16 x).  ``axis`` is ignored for
    a scalar weight.
    """
    if isinstance(weight, np.ndarray) and not isinstance(weight, np.ma.MaskedArray):
        if weight.dtype not in DTYPES:
            raise TypeError(dtype_message(fn, "weight", weight.dtype))
        if weight.dtype != x.dtype:
            raise TypeError(
                f"{fn}: weight has dtype {weight.dtype}, expected {x.dtype} (the dtype of x)"
            )
        w = weight if x.dtype != F16 else weight.astype(np.float32)  # exact
    else:
        if isinstance(weight, (bool, np.bool_, int, float, np.integer, np.floating)):
            w = np.asarray(param(fn, "weight", weight))  # refuses bools and non-finite values
        else:
            w = as_input(fn, "weight", weight)
            if not np.isfinite(w).all():
                raise _nonfinite(fn, w)
        if x.dtype != F64:
            big = np.abs(w) > F32_MAX
            if big.any():  # the message of a slope or an alpha beyond float32
                check_param_f32(fn, "weight", float(w[big].reshape(-1)[0]), False)
        w = w.astype(F64 if x.dtype == F64 else F32)
    if w.ndim > 1:
        raise ValueError(f"{fn}: weight must be a scalar or 1-D, got {w.ndim}-D shape {w.shape}")
    if w.ndim == 0:
        return w.reshape(1), None, True
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{fn}: axis must be an int, got {type(axis).__name__}")
    try:
        ax = operator.index(axis)
    except TypeError:
        raise TypeError(f"{fn}: axis must be an int, got {type(axis).__name__}") from None
    if not -x.ndim <= ax < x.ndim:
        raise ValueError(f"{fn}: axis {axis} is out of range for x with {x.ndim} dimensions")
    ax %= x.ndim
    if w.shape[0] != x.shape[ax]:
        raise ValueError(
            f"{fn}: weight has length {w.shape[0]}, expected {x.shape[ax]} "
            f"(x.shape[{ax}] for x of shape {x.shape})"
        )
    return w, ax, False


def _run_length(shape, ax, order):
    """Elements of one channel's run when ``shape`` is walked in ``order`` ("C" or "F"): the
    product of the axes after ``ax`` (C), or before it (F); all of them for a scalar weight."""
    if ax is None:
        return prod(shape)
    return prod(shape[ax + 1:] if order == "C" else shape[:ax])


def _nonfinite(fn, w):
    return ValueError(f"{fn}: weight must be finite, got {w[~np.isfinite(w)][:3]} in it")


def _prepared_call(fn, kern, inputs, out, w, ax, gw=None):
    """The call after a refusal (or for any layout): flat operands, a weight apart from ``out``,
    the run length of their order; ``gw`` receives the weight gradient (gradient kernels)."""
    n = out.size
    flat, flat_out, writeback, order = flatten(inputs, out)
    w = contiguous(w)
    if np.may_share_memory(w, flat_out):
        w = w.copy()
    args = (*flat, w, flat_out) if gw is None else (*flat, w, flat_out, gw)
    status = kern(*args, _run_length(out.shape, ax, order),
                  threads_for(n, PARALLEL_MIN_CHEAP, KERNELS.idle_seconds))
    if status == STATUS.NONFINITE:
        raise _nonfinite(fn, w)
    if status == STATUS.NOMEMORY:
        raise MemoryError(f"{fn}: no memory for the kernel's weight layout")
    if status != _DONE:  # contiguous, aligned, apart, validated: a bug in relufast
        raise RuntimeError(f"relufast: {fn}'s kernel refused prepared operands")
    if writeback is not None:
        np.copyto(out, writeback)


def _no_bfloat16(fn, a, name="x"):
    if BF16 is not None and a.dtype == BF16:
        raise TypeError(f"{fn}: {name} has dtype bfloat16, which prelu and prelu_grad do not "
                        "take yet; supported dtypes are float16, float32 and float64")


def forward(fn, x, weight, axis, out):
    """prelu(x): the attempt, then the checks and one prepared call."""
    # the attempt takes one weight per channel along an int axis (the kernel checks the rest);
    # the run length is C order's, the product of the axes after the channel axis
    if (type(x) is np.ndarray and type(weight) is np.ndarray and type(axis) is int and x.size
            and weight.ndim == 1 and -x.ndim <= axis < x.ndim
            and weight.shape[0] == x.shape[axis]):
        kern = KERNELS.prelu_forward.get(x.dtype)
        if kern is not None:
            n = x.size
            o = np.empty(x.shape, x.dtype) if out is None else out
            if type(o) is np.ndarray and kern(
                    x, weight, o, prod(x.shape[axis % x.ndim + 1:]),
                    1 if n < PARALLEL_MIN_CHEAP
                    else threads_for(n, PARALLEL_MIN_CHEAP, KERNELS.idle_seconds)) == _DONE:
                return o
    x = as_input(fn, "x", x)
    _no_bfloat16(fn, x)
    w, ax, _ = _weight_and_axis(fn, x, weight, axis)
    o = prepare_out(fn, out, x)
    if x.size == 0:  # no kernel call checks the weight then
        if not np.isfinite(w).all():
            raise _nonfinite(fn, w)
    elif x.dtype == F16:  # computed in float32, rounded once
        x32 = x.astype(np.float32)
        _prepared_call(fn, KERNELS.prelu_forward[F32], (x32,), x32, w, ax)
        round_to_f16(o, x32)
    else:
        _prepared_call(fn, KERNELS.prelu_forward[x.dtype], (x,), o, w, ax)
    return o if out is None else out


def gradient(fn, grad, x, weight, axis, out, from_output):
    """(grad_x, grad_weight) of prelu: the attempt, then the checks and one prepared call."""
    if (from_output is False and type(x) is np.ndarray and type(grad) is np.ndarray
            and type(weight) is np.ndarray and type(axis) is int and x.size
            and weight.ndim == 1 and -x.ndim <= axis < x.ndim
            and weight.shape[0] == x.shape[axis]):  # as in forward
        kern = KERNELS.prelu_gradient.get(x.dtype)
        if kern is not None:
            n = x.size
            o = np.empty(x.shape, x.dtype) if out is None else out
            gw = np.empty(weight.shape[0], x.dtype)
            if type(o) is np.ndarray and kern(
                    grad, x, weight, o, gw, prod(x.shape[axis % x.ndim + 1:]),
                    1 if n < PARALLEL_MIN_CHEAP
                    else threads_for(n, PARALLEL_MIN_CHEAP, KERNELS.idle_seconds)) == _DONE:
                return o, gw
    no_from_output(fn, from_output, "the output's sign does not tell the input's for a negative "
                   "weight; keep x")
    grad = as_input(fn, "grad", grad)
    x = as_input(fn, "x", x)
    _no_bfloat16(fn, x)
    _no_bfloat16(fn, grad, "grad")
    check_same_shape(fn, grad, x)
    check_same_dtype(fn, grad, x)
    w, ax, scalar = _weight_and_axis(fn, x, weight, axis)
    o = prepare_out(fn, out, x)
    gw = np.zeros(w.shape[0], x.dtype)
    if x.size == 0:
        if not np.isfinite(w).all():
            raise _nonfinite(fn, w)
    elif x.dtype == F16:
        # computed in float64: grad * w and the weight sums' terms are exact products of
        # float16 values there (as in float32), and the weight gradient is then rounded once,
        # from the float64 sums to float16
        g64 = grad.astype(np.float64)
        gw64 = np.empty(w.shape[0], np.float64)
        _prepared_call(fn, KERNELS.prelu_gradient[F64], (g64, x.astype(np.float64)), g64,
                       w.astype(np.float64), ax, gw64)
        round_to_f16(o, g64)
        round_to_f16(gw, gw64)
    else:
        _prepared_call(fn, KERNELS.prelu_gradient[x.dtype], (grad, x), o, w, ax, gw)
    return (o if out is None else out), (gw.reshape(()) if scalar else gw)
