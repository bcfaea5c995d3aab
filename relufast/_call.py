"""The call path of the elementwise functions: one kernel attempt, and on refusal one prepared call.

``unary`` (a forward) and ``binary`` (a gradient) make the attempt on the caller's arrays as
they are: the kernel checks, in C, that every operand is C-contiguous, aligned, of one dtype and
shape, ``out`` writable and apart from the inputs (or one of them, in place), and refuses without
writing what it cannot take.  Python checks nothing before the attempt (at 1,000 elements, checks
and ``ravel()`` views in Python were a third of the call).  On refusal, the checks in ``_checks``
name what is wrong or pass, ``flatten`` maps every operand onto a 1-D view (or a contiguous copy),
and the kernel is called once more, on operands it cannot refuse.

Operands of different float dtypes, and float16, take the kernels' mixed entry points: the call
computes in NumPy's result_type of the inputs (float16 in float32), each element converted as it
is loaded and rounded once as it is stored, in blocks on the kernel's stack, with no full-size
temporary.  ``out`` may then be any supported float dtype (the result casts to each under
NumPy's ``same_kind`` rule).
"""

import numpy as np

from ._checks import (
    as_input,
    check_param_f32,
    check_same_shape,
    outside_f32,
    prepare_out,
)
from . import _lazy
from ._dispatch import BF16, F16, F32, F64, KERNELS, STATUS
from ._lazy import is_lazy
from ._threads import PARALLEL_MIN_CHEAP, threads_for

_DONE = STATUS.DONE
# bound once: each global or attribute lookup costs a few percent of a call at 1,000 elements
# (KERNELS refills these dicts in place when select_isa switches kernels)
_ndarray = np.ndarray
_FORWARD = KERNELS.forward
_GRADIENT = KERNELS.gradient
# the dtypes the mixed entry points take as they are (bfloat16 exports no buffer; and only
# these may reach them directly, as they read a uint16 buffer as bfloat16 bits)
_MIXABLE = frozenset((F16, F32, F64))
_U16 = np.uint16


# ---------------------------------------------------------------------------------------------
# layout: every operand onto one flat order


def _is_c(a):
    f = a.flags
    return f.c_contiguous and f.aligned


def _is_f(a):
    f = a.flags
    return f.f_contiguous and f.aligned


def contiguous(a):
    """``a`` if C-contiguous and aligned, else a C-contiguous aligned copy.

    (np.ascontiguousarray keeps an unaligned array as it is; the kernels need aligned data.)
    """
    return a if _is_c(a) else a.copy(order="C")


def _unshare(a, out):
    """``a``, or a copy of it if ``out`` overlaps it other than element for element."""
    if a is out or not np.may_share_memory(a, out):
        return a
    ai, oi = a.__array_interface__, out.__array_interface__
    if ai["data"] == oi["data"] and a.strides == out.strides and a.dtype == out.dtype:
        return a  # the same elements in the same places: in place is safe
    return a.copy()


def flatten(inputs, out):
    """1-D views (or contiguous copies) of ``inputs`` and ``out``, in one flat order.

    Returns ``(flat_inputs, flat_out, writeback, order)``.  ``order`` ("C" or "F") is the order
    in which the flat arrays walk the elements; when ``writeback`` is not None the kernel writes
    that C-ordered temporary and the caller copies it into ``out``.  An input that overlaps
    ``out`` other than element for element is copied first.
    """
    if all(_is_c(a) for a in inputs) and _is_c(out):
        order = "C"
    elif all(_is_f(a) for a in inputs) and _is_f(out):
        order = "F"
    else:
        order = None
    inputs = [_unshare(a, out) for a in inputs]
    if order is not None:
        flat = [a.reshape(-1, order=order) for a in inputs]
        return flat, out.reshape(-1, order=order), None, order
    flat = [contiguous(a).reshape(-1) for a in inputs]
    if _is_c(out):
        return flat, out.reshape(-1), None, "C"
    tmp = np.empty(out.shape, out.dtype)
    return flat, tmp.reshape(-1), tmp, "C"


def _prepared_call(kern, op, inputs, out, a, b, threshold):
    """The call after a refusal: flat operands the kernel takes, then ``out`` written back."""
    n = out.size
    if n == 0:
        return
    flat, flat_out, writeback, _ = flatten(inputs, out)
    nt = threads_for(n, threshold, KERNELS.idle_seconds)
    if kern(op, *flat, flat_out, a, b, nt) != _DONE:
        # contiguous, aligned, apart, of one dtype: a refusal here is a bug in relufast
        raise RuntimeError(f"relufast: the kernel refused prepared operands (op {op})")
    if writeback is not None:
        np.copyto(out, writeback)


def _mixed_call(kern, op, inputs, out, a, b, threshold, compute):
    """The prepared call for operands of mixed float dtypes (float16 among them): the kernel
    converts each element as it loads and stores it, computing in ``compute``."""
    n = out.size
    if n == 0:
        return
    flat, flat_out, writeback, _ = flatten(inputs, out)
    if BF16 is not None:  # bfloat16 exports no buffer: its bits go as uint16 (code 3 there)
        flat = [f.view(np.uint16) if f.dtype == BF16 else f for f in flat]
        if flat_out.dtype == BF16:
            flat_out = flat_out.view(np.uint16)
    nt = threads_for(n, threshold, KERNELS.idle_seconds)
    if kern(op, *flat, flat_out, a, b, compute == F64, nt) != _DONE:
        raise RuntimeError(f"relufast: the kernel refused prepared operands (op {op})")
    if writeback is not None:
        np.copyto(out, writeback)


# ---------------------------------------------------------------------------------------------
# the two call shapes


def unary(fn, op, x, out, a=0.0, b=0.0, threshold=PARALLEL_MIN_CHEAP, pname=None,
          nonzero=False):
    """out = f(x) for forward op ``op``; ``pname`` names the parameter ``a`` in range errors."""
    if type(x) is not _ndarray:
        if is_lazy(x):  # a Dask array or a DataArray (relufast imports neither: see _lazy)
            return _lazy.unary(fn, op, x, out, a, b, threshold, pname, nonzero)
        x = as_input(fn, "x", x)
    kern = _FORWARD.get(x.dtype)
    if kern is None:  # float16 (computed in float32), or a dtype to refuse
        if x.dtype == F16 and (out is None or (type(out) is _ndarray and out.dtype in _MIXABLE)):
            # the attempt for float16: C-contiguous operands go straight to the mixed kernel
            if pname is not None and outside_f32(a, nonzero):
                check_param_f32(fn, pname, a, nonzero)
            o = np.empty(x.shape, F16) if out is None else out
            n = x.size
            if KERNELS.forward_mixed(op, x, o, a, b, False, 1 if n < threshold else threads_for(
                    n, threshold, KERNELS.idle_seconds)) == _DONE:
                return o
        elif (BF16 is not None and x.dtype == BF16
              and (out is None or (type(out) is _ndarray and out.dtype == BF16))):
            # the same attempt for bfloat16, its bits as uint16 views (it exports no buffer):
            # without it every bfloat16 call went through the checks and flatten (7 us)
            if pname is not None and outside_f32(a, nonzero):
                check_param_f32(fn, pname, a, nonzero)
            o = np.empty(x.shape, BF16) if out is None else out
            n = x.size
            if KERNELS.forward_mixed(op, x.view(_U16), o.view(_U16), a, b, False,
                                     1 if n < threshold else threads_for(
                                         n, threshold, KERNELS.idle_seconds)) == _DONE:
                return o
        x = as_input(fn, "x", x)
    if pname is not None and outside_f32(a, nonzero) and x.dtype != F64:
        check_param_f32(fn, pname, a, nonzero)
    if kern is not None:
        o = np.empty(x.shape, x.dtype) if out is None else out
        n = x.size
        if type(o) is _ndarray and kern(op, x, o, a, b, 1 if n < threshold else threads_for(
                n, threshold, KERNELS.idle_seconds)) == _DONE:
            return o
        compute = x.dtype
    else:
        compute = F32
    # refused: out of another float dtype, float16, a layout to flatten, or an error to name
    o = prepare_out(fn, out, x, compute)
    if kern is not None and o.dtype == x.dtype:
        _prepared_call(kern, op, (x,), o, a, b, threshold)
    else:
        _mixed_call(KERNELS.forward_mixed, op, (x,), o, a, b, threshold, compute)
    return o if out is None else out


def binary(fn, op, grad, x, out, a=0.0, b=0.0, threshold=PARALLEL_MIN_CHEAP, xname="x",
           pname=None, nonzero=False):
    """out = grad * f'(x) for gradient op ``op`` (x is f's output when ``xname`` is "y").

    grad and x may have different float dtypes: the call computes in NumPy's result_type of
    them, and ``out`` may be any float dtype (that result casts to every one under same_kind)."""
    if type(grad) is not _ndarray or type(x) is not _ndarray:
        if is_lazy(grad, x):  # a Dask array or a DataArray: see _lazy
            return _lazy.binary(fn, op, grad, x, out, a, b, threshold, xname, pname, nonzero)
        grad = as_input(fn, "grad", grad)
        x = as_input(fn, xname, x)
    kern = _GRADIENT.get(x.dtype)
    gdt = grad.dtype
    if kern is None or (gdt is not x.dtype and gdt != x.dtype):  # float16, mixed, or to refuse
        xdt = x.dtype
        if (gdt in _MIXABLE and xdt in _MIXABLE and grad.shape == x.shape
                and (out is None or (type(out) is _ndarray and out.dtype in _MIXABLE))):
            # the attempt for mixed dtypes and float16 (scikit-learn's float64 delta against
            # float32 activations, in place): C-contiguous operands go straight to the kernel
            f64 = gdt == F64 or xdt == F64
            if not f64 and pname is not None and outside_f32(a, nonzero):
                check_param_f32(fn, pname, a, nonzero)
            o = (np.empty(x.shape, gdt if gdt == xdt else (F64 if f64 else F32))
                 if out is None else out)
            n = x.size
            if KERNELS.gradient_mixed(op, grad, x, o, a, b, f64, 1 if n < threshold else
                                      threads_for(n, threshold, KERNELS.idle_seconds)) == _DONE:
                return o
        elif (BF16 is not None and gdt == BF16 and xdt == BF16 and grad.shape == x.shape
              and (out is None or (type(out) is _ndarray and out.dtype == BF16))):
            # bfloat16 throughout: the attempt on uint16 views of the bits, as for forwards
            if pname is not None and outside_f32(a, nonzero):
                check_param_f32(fn, pname, a, nonzero)
            o = np.empty(x.shape, BF16) if out is None else out
            n = x.size
            if KERNELS.gradient_mixed(op, grad.view(_U16), x.view(_U16), o.view(_U16), a, b,
                                      False, 1 if n < threshold else
                                      threads_for(n, threshold, KERNELS.idle_seconds)) == _DONE:
                return o
        grad = as_input(fn, "grad", grad)
        x = as_input(fn, xname, x)
        check_same_shape(fn, grad, x, xname)
        if grad.dtype != x.dtype:
            kern = None
    compute = x.dtype if kern is not None else _compute_dtype(grad.dtype, x.dtype)
    if pname is not None and outside_f32(a, nonzero) and compute != F64:
        check_param_f32(fn, pname, a, nonzero)
    if kern is not None:
        if grad.shape != x.shape:
            check_same_shape(fn, grad, x, xname)
        o = np.empty(x.shape, x.dtype) if out is None else out
        n = x.size
        if type(o) is _ndarray and kern(op, grad, x, o, a, b, 1 if n < threshold else threads_for(
                n, threshold, KERNELS.idle_seconds)) == _DONE:
            return o
    # refused: mixed dtypes, float16, a layout to flatten, or an error to name
    # a new out has NumPy's result_type of the inputs (float16 for two float16 inputs)
    o = prepare_out(fn, out, x, compute, grad.dtype if grad.dtype == x.dtype else compute)
    if kern is not None and o.dtype == x.dtype:
        _prepared_call(kern, op, (grad, x), o, a, b, threshold)
    else:
        _mixed_call(KERNELS.gradient_mixed, op, (grad, x), o, a, b, threshold, compute)
    return o if out is None else out


def _compute_dtype(d1, d2):
    """NumPy's result_type of two supported float dtypes, with float16 computed in float32."""
    if d1 == F64 or d2 == F64:
        return F64
    return F32
