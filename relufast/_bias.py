"""A bias fused into the activation: ``f(x + bias)``, and its gradient with the bias gradient.

The bias follows prelu's weight rules: a scalar, or a 1-D array with one value per channel
along ``axis`` (default 1).  float32 and float64 arrays in C order go to the kernels
(_bias.pxi: one pass each way); every other case (float16, bfloat16, mixed dtypes, other
layouts) is computed here with NumPy to the same values, through temporaries.  prelu's bias
(end of this module) goes to prelu's own kernels (_prelu.pxi), which walk its channels.
"""

from math import prod

import numpy as np

from ._call import binary, contiguous, unary
from . import _lazy
from ._checks import (
    DTYPES,
    is_masked_array,
    F32_MAX,
    as_input,
    channel_axis,
    check_param_f32,
    dtype_message,
    no_from_output,
    outside_f32,
    prepare_out,
)
from ._lazy import is_lazy
from ._dispatch import F32, F64, KERNELS, STATUS
from ._prelu import _nonfinite, _promote, _weight_and_axis, _weight_dtype, cheap_threads
from ._prelu import forward as _prelu_forward
from ._prelu import gradient as _prelu_gradient
from ._threads import threads_for

_DONE = STATUS.DONE
_ndarray = np.ndarray


def bias_and_axis(fn, x, bias, axis, compute):
    """(bias as a 1-D array of the compute dtype, the axis in [0, x.ndim) or None for a scalar,
    bias was a scalar): prelu's weight rules, for the argument named ``bias``."""
    if isinstance(bias, np.ndarray) and not is_masked_array(bias):
        if bias.dtype not in DTYPES:
            raise TypeError(dtype_message(fn, "bias", bias.dtype))
        b = bias
    elif isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"{fn}: bias must be a real number or an array, got {type(bias).__name__}")
    else:
        b = as_input(fn, "bias", bias)
    if b.ndim > 1:
        raise ValueError(f"{fn}: bias must be a scalar or 1-D, got {b.ndim}-D shape {b.shape}")
    if not np.isfinite(b.astype(F64)).all():
        raise ValueError(f"{fn}: bias must be finite, got {b[~np.isfinite(b.astype(F64))][:3]} "
                         "in it")
    if compute != F64 and b.dtype == F64:
        big = np.abs(b) > F32_MAX
        if big.any():
            check_param_f32(fn, "bias", float(b[big].reshape(-1)[0]), False)
    b = b.astype(compute)
    if b.ndim == 0:
        return b.reshape(1), None, True
    ax = channel_axis(fn, x, axis, "bias", b.shape[0])
    return b, ax, False


def _compute(*dts):
    return F64 if F64 in dts else F32


def broadcast_bias(b, ax, ndim):
    """The bias shaped to broadcast against x."""
    return b.reshape(()) if ax is None else b.reshape((-1,) + (1,) * (ndim - ax - 1))


def bias_sum(gx, ax, dtype):
    """A bias's gradient from the input gradient ``gx``: the float64 sum over every axis but
    the channel axis ``ax`` (over all of them for a scalar bias, ax None), rounded once to
    ``dtype``; 1-D, or 0-d for ax None.  One definition for every path that does not sum in
    the kernels (the general path, mask=, prelu's bias, Dask: np.sum dispatches to Dask's sum,
    lazily, block by block, its partial sums added in float64)."""
    axes = tuple(i for i in range(gx.ndim) if i != ax)
    # inf - inf in the sum is NaN, and a sum past the dtype's range inf, as in the kernels: no
    # warning
    with np.errstate(over="ignore", invalid="ignore"):
        # (reshaped to 1-D first: a sum over all axes is a NumPy scalar, and must be an array)
        s = np.sum(gx, axis=axes, dtype=F64).reshape(-1).astype(dtype)
    return s.reshape(()) if ax is None else s


def rounded(sums, dtype):
    """Float64 bias-gradient sums rounded once into ``dtype`` (float64: the sums themselves); a
    sum past the dtype's range is inf, as in the kernels, without a warning."""
    if dtype == F64:
        return sums
    with np.errstate(over="ignore"):
        return sums.astype(dtype)


def _c(a):
    f = a.flags
    return f.c_contiguous and f.aligned


def _inner(shape, ax):
    return prod(shape) if ax is None else prod(shape[ax + 1:])


def attempt_inner(x, bias, axis):
    """``inner`` for the kernels' attempt: when ``bias`` is a plain 1-D ndarray of x's dtype
    as long as x's ``axis``, the run length of one bias value; else 0 (the checked path)."""
    if type(bias) is not _ndarray or bias.ndim != 1 or bias.dtype != x.dtype \
            or type(axis) is not int:
        return 0
    shape = x.shape
    ax = axis + len(shape) if axis < 0 else axis
    if not 0 <= ax < len(shape) or shape[ax] != bias.shape[0]:
        return 0
    return prod(shape[ax + 1:])


def forward(fn, op, x, out, bias, axis, a, b, threshold, pname=None, nonzero=False):
    """f(x + bias) for forward op ``op`` (parameters ``a``, ``b``)."""
    # the attempt, as the plain functions make it: a float32 / float64 x with a bias of its
    # dtype along a valid axis goes straight to the kernel, which checks layout, sizes,
    # overlaps and the bias's finiteness in C and refuses, writing nothing, what the checked
    # path below must name or prepare (a call's checks cost 5 to 10 us in Python, as much as
    # the kernel's work on a (64, 1024) layer)
    kern = KERNELS.bias_forward.get(x.dtype) if type(x) is _ndarray else None
    if (kern is not None and (out is None or type(out) is _ndarray) and x.size
            and (pname is None or x.dtype == F64 or not outside_f32(a, nonzero))):
        inner = attempt_inner(x, bias, axis)
        o = np.empty(x.shape, x.dtype) if out is None else out
        if inner and o.shape == x.shape:
            nt = 1 if x.size < threshold else threads_for(x.size, threshold,
                                                          KERNELS.idle_seconds)
            if kern(op, x, bias, o, inner, a, b, nt) == _DONE:
                return o
    if type(x) is not np.ndarray and is_lazy(x):  # a Dask array or a DataArray: see _lazy
        return _lazy.bias_forward(fn, op, x, out, bias, axis, a, b, threshold, pname, nonzero)
    x = as_input(fn, "x", x)
    compute = _compute(x.dtype)
    if pname is not None and compute != F64 and outside_f32(a, nonzero):
        check_param_f32(fn, pname, a, nonzero)
    bv, ax, _ = bias_and_axis(fn, x, bias, axis, compute)
    o = prepare_out(fn, out, x, compute)
    if x.size == 0:
        return o
    kern = KERNELS.bias_forward.get(x.dtype)
    if kern is not None and o.dtype == x.dtype and _c(x) and _c(o):
        src = x if (o is x or not np.may_share_memory(x, o)) else x.copy()
        nt = 1 if x.size < threshold else threads_for(x.size, threshold, KERNELS.idle_seconds)
        if kern(op, src, bv, o, _inner(x.shape, ax), a, b, nt) == _DONE:
            return o
    # the general path: x + bias in the compute dtype, then the activation, into out
    z = np.asarray(x.astype(compute) + broadcast_bias(bv, ax, x.ndim))  # (0-d: a scalar)
    unary(fn, op, z, z, a, b, threshold, pname, nonzero)
    with np.errstate(over="ignore"):
        np.copyto(o, z, casting="same_kind")
    return o


def gradient(fn, op, grad, x, out, bias, axis, from_output, a, b, threshold, xname="x",
             pname=None, nonzero=False):
    """(f_grad(grad, x + bias), the bias gradient) for gradient op ``op``; with
    ``from_output`` x is the forward's output and the bias only shapes the bias gradient."""
    # the attempt (as forward's): grad, x and the bias of one float dtype
    kern = KERNELS.bias_gradient.get(x.dtype) if type(x) is _ndarray else None
    if (kern is not None and type(grad) is _ndarray and (out is None or type(out) is _ndarray)
            and x.size and grad.shape == x.shape
            and (pname is None or x.dtype == F64 or not outside_f32(a, nonzero))):
        inner = attempt_inner(x, bias, axis)
        o = np.empty(x.shape, x.dtype) if out is None else out
        if inner and o.shape == x.shape:
            gb = np.empty(bias.shape[0], F64)
            nt = 1 if x.size < threshold else threads_for(x.size, threshold,
                                                          KERNELS.idle_seconds, True)
            if kern(op, from_output, grad, x, bias, o, gb, inner, a, b, nt) == _DONE:
                return o, rounded(gb, x.dtype)
    if (type(grad) is not np.ndarray or type(x) is not np.ndarray) and is_lazy(grad, x):
        return _lazy.bias_gradient(fn, op, grad, x, out, bias, axis, from_output, a, b,
                                   threshold, xname, pname, nonzero)  # see _lazy
    grad = as_input(fn, "grad", grad)
    x = as_input(fn, xname, x)
    if grad.shape != x.shape:
        raise ValueError(f"{fn}: grad has shape {grad.shape} but {xname} has shape {x.shape}; "
                         "they must match")
    compute = _compute(grad.dtype, x.dtype)
    if pname is not None and compute != F64 and outside_f32(a, nonzero):
        check_param_f32(fn, pname, a, nonzero)
    bv, ax, scalar = bias_and_axis(fn, x, bias, axis, compute)
    result = grad.dtype if grad.dtype == x.dtype else compute
    o = prepare_out(fn, out, x, compute, result)
    C = bv.shape[0]
    gb = np.zeros(C, F64)
    if x.size:
        kern = KERNELS.bias_gradient.get(x.dtype)
        done = False
        if (kern is not None and grad.dtype == x.dtype and o.dtype == x.dtype
                and _c(grad) and _c(x) and _c(o)):
            g2 = grad if (o is grad or not np.may_share_memory(grad, o)) else grad.copy()
            x2 = x if (o is x or not np.may_share_memory(x, o)) else x.copy()
            nt = 1 if x.size < threshold else threads_for(x.size, threshold,
                                                          KERNELS.idle_seconds, True)
            status = kern(op, from_output, g2, x2, bv, o, gb, _inner(x.shape, ax), a, b, nt)
            if status == STATUS.NOMEMORY:
                raise MemoryError(f"{fn}: no memory for the bias gradient's per-thread sums")
            done = status == _DONE
        if not done:
            # the general path: the input gradient in the compute dtype, summed in float64
            z = x.astype(compute)
            if not from_output:
                z += broadcast_bias(bv, ax, x.ndim)
            gx = binary(fn, op, grad.astype(compute), z, None, a, b, threshold, xname, pname,
                        nonzero)
            gb = bias_sum(gx, ax, F64)
            with np.errstate(over="ignore"):
                np.copyto(o, gx, casting="same_kind")
    gbias = rounded(gb, result)
    return o, (gbias.reshape(()) if scalar else gbias)


# ---------------------------------------------------------------------------------------------
# prelu with a bias along its channel axis.  float32 and float64 operands of one dtype, in C
# order, go to prelu's own kernels, which add the bias as they load x (_prelu.pxi: one pass,
# and the gradient's weight and bias sums in the same pass); every other case forms x + bias in
# the call's compute dtype (a temporary of x's size) and runs prelu on it.

def _biased_input(fn, x, bias, axis, compute):
    bv, ax, scalar = bias_and_axis(fn, x, bias, axis, compute)
    with np.errstate(over="ignore"):  # x + bias past the dtype's range is inf, as in the kernels
        z = np.asarray(np.add(x, broadcast_bias(bv, ax, x.ndim), dtype=compute))  # (0-d)
    return z, ax, scalar


def _per_channel(fn, x, weight, bias, axis, compute, out, from_output=False):
    """The checked operands of the fused prelu kernels, in the order of the two passes' checks
    (the bias, from_output, the weight's values, out): (w, bias, the axis or None, weight was a
    scalar, bias was a scalar, out as a checked ndarray).  w and bias are C-contiguous, aligned
    and of one length C: a scalar one is repeated along the other's axis (every element then
    sees the same values), both 1 long when both are scalars."""
    bv, bax, bscalar = bias_and_axis(fn, x, bias, axis, compute)
    no_from_output(fn, from_output, "the output's sign does not tell the input's for a "
                   "negative weight; keep x")
    w, wax, wscalar = _weight_and_axis(fn, x, weight, axis, compute)
    o = prepare_out(fn, out, x, compute)
    ax = bax if wax is None else wax
    if ax is not None:
        C = x.shape[ax]
        if wscalar:
            w = np.full(C, w[0], compute)
        if bscalar:
            bv = np.full(C, bv[0], compute)
    return contiguous(w), bv, ax, wscalar, bscalar, o


def _fused(x, o):
    """Do the fused kernels take this call: x and out of one kernel dtype, C order?"""
    return x.size and o.dtype == x.dtype and _c(x) and _c(o)


def _status(fn, status, w):
    if status == STATUS.NONFINITE:
        raise _nonfinite(fn, w)
    if status == STATUS.NOMEMORY:
        raise MemoryError(f"{fn}: no memory for the kernel's weight layout")
    if status != _DONE:  # C order, aligned, apart, validated: a bug in relufast
        raise RuntimeError(f"relufast: {fn}'s fused bias kernel refused prepared operands")


def prelu_forward(fn, x, weight, axis, out, bias):
    """prelu(x + bias, weight): the bias along ``axis`` (or a scalar)."""
    if type(x) is not np.ndarray and is_lazy(x):  # a Dask array or a DataArray: see _lazy
        return _lazy.prelu_bias_forward(fn, x, weight, axis, out, bias)
    x = as_input(fn, "x", x)
    result, compute = _promote(x.dtype, _weight_dtype(fn, weight))
    kern = KERNELS.prelu_bias_forward.get(x.dtype)
    if kern is not None and compute == x.dtype:
        w, bv, ax, _, _, o = _per_channel(fn, x, weight, bias, axis, compute, out)
        if _fused(x, o):
            src = x if (o is x or not np.may_share_memory(x, o)) else x.copy()
            if np.may_share_memory(w, o):
                w = w.copy()
            _status(fn, kern(src, w, bv, o, _inner(x.shape, ax), cheap_threads(x.size)), w)
            return o if out is None else out
    z, _, _ = _biased_input(fn, x, bias, axis, compute)
    # prelu checks the weight and out before it writes; the result has the dtype prelu(x,
    # weight) would have, rounded once from the compute dtype
    return _prelu_forward(fn, z, weight, axis, np.empty(x.shape, result) if out is None else out)


def prelu_gradient(fn, grad, x, weight, axis, out, from_output, bias):
    """(grad_x, grad_weight, grad_bias) of prelu(x + bias, weight)."""
    if is_lazy(grad, x):  # a Dask array or a DataArray: see _lazy
        return _lazy.prelu_bias_gradient(fn, grad, x, weight, axis, out, from_output, bias)
    grad = as_input(fn, "grad", grad)
    x = as_input(fn, "x", x)
    if grad.shape != x.shape:
        raise ValueError(f"{fn}: grad has shape {grad.shape} but x has shape {x.shape}; they "
                         "must match")
    result, compute = _promote(grad.dtype, x.dtype, _weight_dtype(fn, weight))
    kern = KERNELS.prelu_bias_gradient.get(x.dtype)
    if kern is not None and compute == x.dtype and grad.dtype == x.dtype:
        w, bv, ax, wscalar, bscalar, o = _per_channel(fn, x, weight, bias, axis, compute, out,
                                                      from_output)
        if _fused(x, o) and _c(grad):
            g2 = grad if (o is grad or not np.may_share_memory(grad, o)) else grad.copy()
            x2 = x if (o is x or not np.may_share_memory(x, o)) else x.copy()
            if np.may_share_memory(w, o):
                w = w.copy()
            sums = np.empty(2 * w.shape[0], F64)
            _status(fn, kern(g2, x2, w, bv, o, sums, _inner(x.shape, ax),
                              cheap_threads(x.size, True)), w)
            # each rounded once from float64 (a scalar's channels added up first)
            gw, gb = sums[:w.shape[0]], sums[w.shape[0]:]
            with np.errstate(over="ignore", invalid="ignore"):
                gw = np.asarray(gw.sum()).astype(result) if wscalar else gw.astype(result)
                gb = np.asarray(gb.sum()).astype(result) if bscalar else gb.astype(result)
            return (o if out is None else out), gw, gb
    z, ax, _ = _biased_input(fn, x, bias, axis, compute)
    gx, gw = _prelu_gradient(fn, grad, z, weight, axis,
                             np.empty(x.shape, result) if out is None else out, from_output)
    if gw.dtype != result:
        with np.errstate(over="ignore"):
            gw = gw.astype(result)
    return gx, gw, bias_sum(gx, ax, result)
