"""PReLU's call path: the weight and axis rules, then the kernel, which lays out the rest.

The kernels see the array in one flat order as runs of ``inner`` elements, run r on channel
``r % len(weight)``; this module only finds ``inner`` for the order the flat arrays walk.  How
the kernel walks those runs (one by one, as rows of channels, or as a weight pattern of several
periods) is decided in the kernel, in one place (``_prelu.pxi``).  As for the elementwise
functions: one attempt on the caller's arrays as they are, and on refusal the checks, a flat
layout and one prepared call.

Mixed float dtypes (and float16, bfloat16) follow NumPy's promotion as the elementwise functions
do: the call computes in the result_type of x, grad and a weight given as an ndarray (float16
and bfloat16 in float32), through the kernels' mixed entry points, which convert x, grad and out
block by block as they load and store them (no full-size temporary).  The weight, C elements,
is converted to the compute dtype here (exactly: it only widens).  A weight given as a number or
a list is a parameter, as leaky_relu's slope: it takes no part in the promotion.
"""

from math import prod

import numpy as np

from ._call import contiguous, flatten
from . import _lazy
from ._checks import (
    DTYPES,
    F32_MAX,
    as_input,
    channel_axis,
    check_param_f32,
    check_same_shape,
    dtype_message,
    no_from_output,
    param,
    prepare_out,
)
from ._lazy import is_lazy
from ._dispatch import BF16, F16, F32, F64, KERNELS, STATUS
from ._threads import PARALLEL_MIN_CHEAP, threads_for

_DONE = STATUS.DONE
_MIXABLE = frozenset((F16, F32, F64))  # what the float16 attempt hands over as it is


def _weight_dtype(fn, weight):
    """The dtype a weight takes into the promotion: an ndarray's own (refused if not a supported
    float dtype, or masked), None for a number or a list (a parameter, as leaky_relu's slope)."""
    if not isinstance(weight, np.ndarray):
        return None
    if isinstance(weight, np.ma.MaskedArray):
        as_input(fn, "weight", weight)  # refused, with the message of every masked argument
    if not (weight.dtype in DTYPES and weight.dtype.isnative):
        raise TypeError(dtype_message(fn, "weight", weight.dtype))
    return weight.dtype


def _promote(d1, d2, d3=None):
    """(NumPy's result_type of supported float dtypes, None skipped; the dtype it computes in):
    one dtype stays itself; with float64 anywhere float64; every other mix float32 (float16
    with bfloat16 too, as NumPy with ml_dtypes says).  float16 and bfloat16 compute in
    float32.  (Written out, not over a list: a call of one dtype pays a few compares.)"""
    if (d2 is None or d2 == d1) and (d3 is None or d3 == d1):
        result = d1
    elif (d1 == F64 or (d2 is not None and d2 == F64)
          or (d3 is not None and d3 == F64)):  # (NumPy's dtype == reads None as float64)
        result = F64
    else:
        result = F32
    return result, (F64 if result == F64 else F32)


def _weight_and_axis(fn, x, weight, axis, compute):
    """(weight as a 1-D array of the call's ``compute`` dtype, the axis in [0, x.ndim) or None,
    weight was a scalar).

    A weight ndarray (its dtype already checked by _weight_dtype) is converted to ``compute``,
    exactly: the compute dtype is its own or wider.  A Python or NumPy scalar, or a list, is a
    parameter like leaky_relu's slope: finite, not a bool, and rounded to ``compute``.
    ``axis`` is ignored for a scalar weight.
    """
    if isinstance(weight, np.ndarray):
        w = weight if weight.dtype == compute else weight.astype(compute)  # exact
    else:
        if isinstance(weight, (bool, np.bool_, int, float, np.integer, np.floating)):
            w = np.asarray(param(fn, "weight", weight))  # refuses bools and non-finite values
        else:
            w = as_input(fn, "weight", weight)
            if not np.isfinite(w).all():
                raise _nonfinite(fn, w)
        if compute != F64:
            big = np.abs(w) > F32_MAX
            if big.any():  # the message of a slope or an alpha beyond float32
                check_param_f32(fn, "weight", float(w[big].reshape(-1)[0]), False)
        w = w.astype(compute)
    if w.ndim > 1:
        raise ValueError(f"{fn}: weight must be a scalar or 1-D, got {w.ndim}-D shape {w.shape}")
    if w.ndim == 0:
        return w.reshape(1), None, True
    ax = channel_axis(fn, x, axis, "weight", w.shape[0])
    return w, ax, False


def _run_length(shape, ax, order):
    """Elements of one channel's run when ``shape`` is walked in ``order`` ("C" or "F"): the
    product of the axes after ``ax`` (C), or before it (F); all of them for a scalar weight."""
    if ax is None:
        return prod(shape)
    return prod(shape[ax + 1:] if order == "C" else shape[:ax])


def _nonfinite(fn, w):
    return ValueError(f"{fn}: weight must be finite, got {w[~np.isfinite(w)][:3]} in it")


def _bits(a):
    """bfloat16 exports no buffer: the mixed kernels take its bits as uint16 (and only from
    here: a user's uint16 array is refused before it could reach them)."""
    return a.view(np.uint16) if BF16 is not None and a.dtype == BF16 else a


def _prepared_call(fn, kern, inputs, out, w, ax, gw=None, compute=None):
    """The call after a refusal (or for any layout): flat operands, a weight apart from ``out``,
    the run length of their order; ``gw`` receives the weight gradient (gradient kernels).
    ``compute``: None for the kernels of one dtype, else the compute dtype of a mixed kernel
    (``kern`` is then prelu_forward_mixed or prelu_gradient_mixed)."""
    n = out.size
    flat, flat_out, writeback, order = flatten(inputs, out)
    w = contiguous(w)
    if np.may_share_memory(w, flat_out):
        w = w.copy()
    # a gradient's weight sums are grouped by thread (see threads_for)
    nt = cheap_threads(n, gw is not None)
    inner = _run_length(out.shape, ax, order)
    if compute is None:
        args = (*flat, w, flat_out) if gw is None else (*flat, w, flat_out, gw)
        status = kern(*args, inner, nt)
    else:
        flat = [_bits(a) for a in flat]
        args = ((*flat, w, _bits(flat_out)) if gw is None
                else (*flat, w, _bits(flat_out), _bits(gw)))
        status = kern(*args, inner, compute == F64, nt)
    if status == STATUS.NONFINITE:
        raise _nonfinite(fn, w)
    if status == STATUS.NOMEMORY:
        raise MemoryError(f"{fn}: no memory for the kernel's weight layout")
    if status != _DONE:  # contiguous, aligned, apart, validated: a bug in relufast
        raise RuntimeError(f"relufast: {fn}'s kernel refused prepared operands")
    if writeback is not None:
        np.copyto(out, writeback)


def _mixable(weight, out):
    """The attempt of a float16 call may hand these to the mixed kernel as they are: float16,
    float32 or float64 ndarrays (never a uint16 array, which the mixed kernels would read as
    bfloat16 bits; bfloat16 itself exports no buffer and takes the general path)."""
    return weight.dtype in _MIXABLE and (out is None or (type(out) is np.ndarray
                                                         and out.dtype in _MIXABLE))


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
                    x, weight, o, prod(x.shape[axis % x.ndim + 1:]), cheap_threads(n)) == _DONE:
                return o
        elif x.dtype == F16 and _mixable(weight, out):
            # float16 x: C-contiguous operands go straight to the mixed kernel too, as for the
            # elementwise functions (1,000 elements: 8.4 us through the checks and flatten)
            result, compute = _promote(F16, weight.dtype)
            o = np.empty(x.shape, result) if out is None else out
            n = x.size
            if KERNELS.prelu_forward_mixed(
                    x, weight if weight.dtype == compute else weight.astype(compute), o,
                    prod(x.shape[axis % x.ndim + 1:]), compute == F64,
                    cheap_threads(n)) == _DONE:
                return o
    if type(x) is not np.ndarray and is_lazy(x):  # a Dask array or a DataArray: see _lazy
        return _lazy.prelu_forward(fn, x, weight, axis, out)
    x = as_input(fn, "x", x)
    result, compute = _promote(x.dtype, _weight_dtype(fn, weight))
    w, ax, _ = _weight_and_axis(fn, x, weight, axis, compute)
    o = prepare_out(fn, out, x, compute, result)
    if x.size == 0:  # no kernel call checks the weight then
        if not np.isfinite(w).all():
            raise _nonfinite(fn, w)
    elif x.dtype == compute and o.dtype == compute:  # one dtype: the plain kernel
        _prepared_call(fn, KERNELS.prelu_forward[compute], (x,), o, w, ax)
    else:  # float16, bfloat16, mixed: converted block by block in the kernel
        _prepared_call(fn, KERNELS.prelu_forward_mixed, (x,), o, w, ax, compute=compute)
    return o if out is None else out


def cheap_threads(n, grouped=False):
    """Threads for a call of prelu's kernels on n elements (the threshold of the cheap ops), or
    of the fused bias and mask kernels; ``grouped`` for a call whose sums (a weight's or a
    bias's gradient) are grouped by thread (see threads_for)."""
    return 1 if n < PARALLEL_MIN_CHEAP else threads_for(n, PARALLEL_MIN_CHEAP,
                                                        KERNELS.idle_seconds, grouped)


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
                    cheap_threads(n, True)) == _DONE:
                return o, gw
        elif x.dtype == F16 and grad.dtype in _MIXABLE and _mixable(weight, out):
            # float16 x: straight to the mixed kernel, as in forward
            result, compute = _promote(grad.dtype, F16, weight.dtype)
            o = np.empty(x.shape, result) if out is None else out
            gw = np.empty(weight.shape[0], result)
            n = x.size
            if KERNELS.prelu_gradient_mixed(
                    grad, x, weight if weight.dtype == compute else weight.astype(compute), o,
                    gw, prod(x.shape[axis % x.ndim + 1:]), compute == F64,
                    cheap_threads(n, True)) == _DONE:
                return o, gw
    if is_lazy(grad, x):  # a Dask array or a DataArray: see _lazy
        return _lazy.prelu_gradient(fn, grad, x, weight, axis, out, from_output)
    no_from_output(fn, from_output, "the output's sign does not tell the input's for a negative "
                   "weight; keep x")
    grad = as_input(fn, "grad", grad)
    x = as_input(fn, "x", x)
    check_same_shape(fn, grad, x)
    # grad_x and grad_weight both have the result_type of grad, x and an ndarray weight (x's
    # dtype when all share it, as before); grad_weight is summed in float64 whatever it is
    result, compute = _promote(grad.dtype, x.dtype, _weight_dtype(fn, weight))
    w, ax, scalar = _weight_and_axis(fn, x, weight, axis, compute)
    o = prepare_out(fn, out, x, compute, result)
    gw = np.zeros(w.shape[0], result)
    if x.size == 0:
        if not np.isfinite(w).all():
            raise _nonfinite(fn, w)
    elif grad.dtype == compute and x.dtype == compute and o.dtype == compute:
        _prepared_call(fn, KERNELS.prelu_gradient[compute], (grad, x), o, w, ax, gw)
    else:  # float16, bfloat16, mixed: converted block by block in the kernel
        _prepared_call(fn, KERNELS.prelu_gradient_mixed, (grad, x), o, w, ax, gw,
                       compute=compute)
    return (o if out is None else out), (gw.reshape(()) if scalar else gw)
