"""1-bit masks: the forwards of relu, leaky_relu and relu6 that also record, one bit an element,
which of its derivative's two values each element takes; and their gradients from those bits.

The mask of an array of shape ``(..., L)`` has shape ``(..., ceil(L / 8))``, dtype uint8: NumPy's
``np.packbits(bits, axis=-1, bitorder="little")`` layout, so ``np.unpackbits(m, axis=-1,
count=L, bitorder="little")`` reads it back (a 0-d array's mask has shape ``(1,)``).  The bit is
``x > 0`` for relu and leaky_relu and ``0 < x < 6`` for relu6; NaN gives 0.

The call path: float32 and float64 arrays that are C-contiguous and aligned, with ``out`` of
their dtype, go to the kernels (_masks.pxi), with a bias too (one pass each way); every other
case (float16, bfloat16, another ``out`` dtype, another layout) is computed here with NumPy and
the ordinary forward, to the same values, at NumPy's speed.
"""

import numpy as np

from ._bias import _inner, attempt_inner, bias_and_axis, bias_sum, broadcast_bias, rounded
from ._call import unary
from . import _lazy
from ._checks import is_masked_array, as_input, check_param_f32, outside_f32, prepare_out
from ._lazy import is_lazy
from ._dispatch import F32, F64, KERNELS, MASK, OP, STATUS
from ._prelu import cheap_threads

_DONE = STATUS.DONE
_U8 = np.dtype(np.uint8)
_ndarray = np.ndarray
_MASK_OPS = {OP.RELU: MASK.MASK_RELU, OP.LEAKY: MASK.MASK_LEAKY, OP.RELU6: MASK.MASK_RELU6}


def mask_shape(shape):
    """The shape of the mask of an array of ``shape``: its last axis packed 8 elements a byte."""
    if not shape:
        return (1,)
    return tuple(shape[:-1]) + ((shape[-1] + 7) // 8,)


def _rows(shape):
    """(rows, width): the array as rows of its last axis (a 0-d array as one row of 1)."""
    if not shape:
        return 1, 1
    width = shape[-1]
    rows = 1
    for s in shape[:-1]:
        rows *= s
    return rows, width


def _is_c(a):
    f = a.flags
    return f.c_contiguous and f.aligned


def _check_mask(fn, mask, shape, writable):
    """``mask`` as a plain uint8 ndarray of ``shape``, or TypeError / ValueError naming it."""
    if not isinstance(mask, np.ndarray) or is_masked_array(mask):
        what = "True or a numpy.ndarray" if writable else "a numpy.ndarray"
        raise TypeError(f"{fn}: mask must be {what} of dtype uint8, got {type(mask).__name__}")
    if mask.dtype != _U8:
        raise TypeError(f"{fn}: mask has dtype {mask.dtype}, expected uint8 (packed bits)")
    if mask.shape != shape:
        raise ValueError(
            f"{fn}: mask has shape {mask.shape}, expected {shape} (the mask of an array of "
            f"this shape: its last axis packed 8 elements a byte); a mask from another shape?"
        )
    if writable and not mask.flags.writeable:
        raise ValueError(f"{fn}: mask is read-only")
    return mask if type(mask) is _ndarray else mask.view(_ndarray)


def _forward_mask(fn, mask, x, o):
    """The forward's mask buffer: a new one (mask=True), or ``mask`` checked and apart from x
    and out."""
    shape = mask_shape(x.shape)
    if mask is True:
        return np.empty(shape, _U8)
    m = _check_mask(fn, mask, shape, writable=True)
    for other, name in ((x, "x"), (o, "out")):
        if np.may_share_memory(m, other):
            raise ValueError(f"{fn}: mask overlaps {name}")
    return m


def _bits(x, relu6):
    """The mask's bits of x as booleans (NumPy: the general path)."""
    if not relu6:
        return x > 0
    return (x > 0) & (x < 6)


def _pack_into(m, bits):
    """np.packbits of ``bits`` along the last axis into ``m``."""
    if bits.ndim == 0:
        bits = bits.reshape(1)
    np.copyto(m, np.packbits(bits, axis=-1, bitorder="little"))


def forward(fn, op, x, out, mask, a=0.0, pname=None, bias=None, axis=1):
    """``(f(x), mask)`` for relu-like forward op ``op`` (OP.RELU, OP.LEAKY with slope ``a``,
    OP.RELU6); with a bias, ``(f(x + bias), the mask of x + bias)``."""
    if bias is not None:
        return _forward_biased(fn, op, x, out, mask, a, pname, bias, axis)
    # the attempt, as the plain functions make it: the kernel checks layout, dtype, sizes and
    # overlaps in C and refuses, writing nothing, what the general path must name or prepare
    kern = KERNELS.mask_forward.get(x.dtype) if type(x) is _ndarray else None
    if (kern is not None and (out is None or type(out) is _ndarray)
            and (mask is True or type(mask) is _ndarray) and x.size
            and (pname is None or x.dtype == F64 or not outside_f32(a, False))):
        shape = mask_shape(x.shape)
        m = np.empty(shape, _U8) if mask is True else mask
        o = np.empty(x.shape, x.dtype) if out is None else out
        if m.shape == shape and m.dtype == _U8 and o.shape == x.shape:
            rows, width = _rows(x.shape)
            nt = cheap_threads(x.size)
            mop = _MASK_OPS[op] if op != OP.LEAKY or a != 0 else MASK.MASK_LEAKY_ZERO
            if kern(mop, x, o, m, rows, width, a, nt) == _DONE:
                return o, m
    if type(x) is not _ndarray and is_lazy(x):  # a Dask array or a DataArray: see _lazy
        return _lazy.mask_forward(fn, op, x, out, mask, a, pname)
    x = as_input(fn, "x", x)
    compute = F64 if x.dtype == F64 else F32
    if pname is not None and compute != F64 and outside_f32(a, False):
        check_param_f32(fn, pname, a, False)
    o = prepare_out(fn, out, x, x.dtype if x.dtype in (F32, F64) else compute)
    m = _forward_mask(fn, mask, x, o)
    rows, width = _rows(x.shape)
    kern = KERNELS.mask_forward.get(x.dtype)
    if kern is not None and o.dtype == x.dtype and _is_c(x) and _is_c(o) and _is_c(m):
        nt = cheap_threads(x.size)
        mop = _MASK_OPS[op] if op != OP.LEAKY or a != 0 else MASK.MASK_LEAKY_ZERO
        if kern(mop, x, o, m, rows, width, a, nt) == _DONE:
            return o, m
    # the general path: the bits before the values (out may be x), then the ordinary forward,
    # which refuses nothing now that x, out and the parameter have passed their checks
    if x.size:
        _pack_into(m, _bits(x, op == OP.RELU6))
    else:
        m[...] = 0
    unary(fn, op, x, o, a, pname=pname)
    return o, m


def _gradient_operands(fn, grad, x, mask, out, from_output, a, pname):
    """(grad, mask, out, compute dtype) checked for the gradient from a mask, or TypeError /
    ValueError naming the argument, nothing written."""
    if x is not None:
        raise TypeError(f"{fn}: give x or mask, not both (the mask replaces x)")
    if from_output:
        raise ValueError(f"{fn}: from_output=True does not apply to mask= (the mask already "
                         "holds the derivative's side)")
    grad = as_input(fn, "grad", grad)
    m = _check_mask(fn, mask, mask_shape(grad.shape), writable=False)
    compute = F64 if grad.dtype == F64 else F32
    if pname is not None and compute != F64 and outside_f32(a, False):
        check_param_f32(fn, pname, a, False)
    o = prepare_out(fn, out, grad, compute)
    if np.may_share_memory(m, o):
        raise ValueError(f"{fn}: mask overlaps out")
    return grad, m, o, compute


def gradient(fn, grad, x, mask, out, from_output, a=0.0, zero=True, pname=None, bias=None,
             axis=1):
    """``grad`` where the mask's bit is set, else +0.0 (``zero``) or ``a * grad``; with a bias,
    ``(that, the bias gradient)``.

    (The public gradient comes here when it has a mask: then x must be None.)"""
    if bias is not None:
        return _gradient_biased(fn, grad, x, mask, out, from_output, a, zero, pname, bias, axis)
    if x is not None:
        raise TypeError(f"{fn}: give x or mask, not both (the mask replaces x)")
    if from_output:
        raise ValueError(f"{fn}: from_output=True does not apply to mask= (the mask already "
                         "holds the derivative's side)")
    kern = KERNELS.mask_gradient.get(grad.dtype) if type(grad) is _ndarray else None
    if (kern is not None and (out is None or type(out) is _ndarray) and type(mask) is _ndarray
            and grad.size and (pname is None or grad.dtype == F64 or not outside_f32(a, False))):
        shape = mask_shape(grad.shape)
        o = np.empty(grad.shape, grad.dtype) if out is None else out
        if mask.shape == shape and mask.dtype == _U8 and o.shape == grad.shape:
            rows, width = _rows(grad.shape)
            nt = cheap_threads(grad.size)
            if kern(grad, mask, o, rows, width, a, zero, nt) == _DONE:
                return o
    if is_lazy(grad, mask):  # a Dask array or a DataArray: see _lazy
        return _lazy.mask_gradient(fn, grad, x, mask, out, from_output, a, zero, pname)
    grad, m, o, compute = _gradient_operands(fn, grad, x, mask, out, from_output, a, pname)
    rows, width = _rows(grad.shape)
    kern = KERNELS.mask_gradient.get(grad.dtype)
    if kern is not None and o.dtype == grad.dtype and _is_c(grad) and _is_c(o) and _is_c(m):
        nt = cheap_threads(grad.size)
        if kern(grad, m, o, rows, width, a, zero, nt) == _DONE:
            return o
    # the general path, in the compute dtype (float16 and bfloat16 in float32) as the gradient
    # from x computes, so the values are the same: a select of grad, or of grad * slope
    if grad.size == 0:
        return o
    bits = np.unpackbits(m, axis=-1, count=width, bitorder="little").astype(bool)
    bits = bits.reshape(grad.shape)
    g = grad.astype(compute, copy=False)
    # overflow to inf (in grad * slope, or rounding into a float16 out) is IEEE's rounding, as
    # in the kernels: no warning
    with np.errstate(over="ignore", invalid="ignore"):
        other = compute.type(0) if zero else g * compute.type(a)
        np.copyto(o, np.where(bits, g, other), casting="same_kind")
    return o


# ---------------------------------------------------------------------------------------------
# with a bias: the mask of x + bias, and the bias gradient from the mask's gradient.  float32 and
# float64 in C order go to the kernels, one pass each way (f(x + bias) and the bits of x + bias;
# the select and the bias gradient's float64 sums); the rest in two (x + bias into the result,
# then the masked forward in place on it; the gradient, then a float64 sum by NumPy).  Every
# check runs before anything is written.

def _mask_op(op, a):
    return _MASK_OPS[op] if op != OP.LEAKY or a != 0 else MASK.MASK_LEAKY_ZERO


def _forward_biased(fn, op, x, out, mask, a, pname, bias, axis):
    # the attempt, as forward's without a bias (and _bias.forward's): a bias of x's dtype along
    # a valid axis goes to the kernel, whose entry also refuses a non-finite bias
    kern = KERNELS.mask_bias_forward.get(x.dtype) if type(x) is _ndarray else None
    if (kern is not None and (out is None or type(out) is _ndarray)
            and (mask is True or type(mask) is _ndarray) and x.size
            and (pname is None or x.dtype == F64 or not outside_f32(a, False))):
        inner = attempt_inner(x, bias, axis)
        shape = mask_shape(x.shape)
        m = np.empty(shape, _U8) if mask is True else mask
        o = np.empty(x.shape, x.dtype) if out is None else out
        if inner and m.shape == shape and o.shape == x.shape:
            rows, width = _rows(x.shape)
            if kern(_mask_op(op, a), x, bias, o, m, rows, width, inner, a,
                    cheap_threads(x.size)) == _DONE:
                return o, m
    if type(x) is not _ndarray and is_lazy(x):  # a Dask array or a DataArray: see _lazy
        return _lazy.mask_forward(fn, op, x, out, mask, a, pname, bias, axis)
    x = as_input(fn, "x", x)
    compute = F64 if x.dtype == F64 else F32
    if pname is not None and compute != F64 and outside_f32(a, False):
        check_param_f32(fn, pname, a, False)
    bv, ax, _ = bias_and_axis(fn, x, bias, axis, compute)
    o = prepare_out(fn, out, x, x.dtype if x.dtype in (F32, F64) else compute)
    m = _forward_mask(fn, mask, x, o)
    kern = KERNELS.mask_bias_forward.get(x.dtype)
    if kern is not None and x.size and o.dtype == x.dtype and _is_c(x) and _is_c(o) and _is_c(m):
        src = x if (o is x or not np.may_share_memory(x, o)) else x.copy()
        rows, width = _rows(x.shape)
        status = kern(_mask_op(op, a), src, bv, o, m, rows, width, _inner(x.shape, ax), a,
                      cheap_threads(x.size))
        if status == STATUS.NOMEMORY:
            raise MemoryError(f"{fn}: no memory for the bias's row pattern")
        if status == _DONE:
            return o, m
    b = broadcast_bias(bv, ax, x.ndim)
    # x + bias rounded in the compute dtype, as the functions' bias= computes it
    if o.dtype == compute:
        np.add(x, b, out=o, dtype=compute)
        z = o
    else:
        z = np.asarray(np.add(x, b, dtype=compute))  # (a 0-d x gives a NumPy scalar)
    forward(fn, op, z, z, m, a, pname)
    if z is not o:
        with np.errstate(over="ignore"):
            np.copyto(o, z, casting="same_kind")
    return o, m


def _gradient_biased(fn, grad, x, mask, out, from_output, a, zero, pname, bias, axis):
    # the attempt (as _forward_biased's); the gradient's entry takes no bias values, so their
    # finiteness is checked here
    kern = KERNELS.mask_bias_gradient.get(grad.dtype) if type(grad) is _ndarray else None
    if (kern is not None and x is None and not from_output and type(mask) is _ndarray
            and (out is None or type(out) is _ndarray) and grad.size
            and (pname is None or grad.dtype == F64 or not outside_f32(a, False))):
        inner = attempt_inner(grad, bias, axis)
        o = np.empty(grad.shape, grad.dtype) if out is None else out
        if (inner and mask.shape == mask_shape(grad.shape) and o.shape == grad.shape
                and np.isfinite(bias).all()):
            gb = np.empty(bias.shape[0], F64)
            rows, width = _rows(grad.shape)
            if kern(grad, mask, o, gb, rows, width, inner, a, zero,
                    cheap_threads(grad.size, True)) == _DONE:
                return o, rounded(gb, grad.dtype)
    if is_lazy(grad, mask):  # a Dask array or a DataArray: see _lazy
        return _lazy.mask_gradient(fn, grad, x, mask, out, from_output, a, zero, pname, bias,
                                   axis)
    grad = as_input(fn, "grad", grad)
    compute = F64 if grad.dtype == F64 else F32
    # the bias only shapes its gradient here (the mask holds the derivative's side of x + bias)
    bv, ax, scalar = bias_and_axis(fn, grad, bias, axis, compute)
    grad, m, o, compute = _gradient_operands(fn, grad, x, mask, out, from_output, a, pname)
    kern = KERNELS.mask_bias_gradient.get(grad.dtype)
    if (kern is not None and grad.size and o.dtype == grad.dtype and _is_c(grad) and _is_c(o)
            and _is_c(m)):
        g = grad if (o is grad or not np.may_share_memory(grad, o)) else grad.copy()
        gb = np.empty(bv.shape[0], F64)
        rows, width = _rows(grad.shape)
        status = kern(g, m, o, gb, rows, width, _inner(grad.shape, ax), a, zero,
                      cheap_threads(grad.size, True))
        if status == STATUS.NOMEMORY:
            raise MemoryError(f"{fn}: no memory for the bias gradient's per-thread sums")
        if status == _DONE:
            gbias = rounded(gb, grad.dtype)
            return o, (gbias.reshape(()) if scalar else gbias)
    gx = gradient(fn, grad, None, m, o, False, a, zero, pname)
    return gx, bias_sum(gx, ax, grad.dtype if grad.dtype in (F32, F64) else gx.dtype)
