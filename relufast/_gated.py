"""Gated units: reglu, geglu and swiglu (``f(a) * b``) and their gradients, one pass each.

Two forms, as ``torch.nn.functional.glu`` has the second: two arrays ``a`` and ``b`` of one
shape, or one array ``x`` whose halves along ``axis`` are ``a`` (the first) and ``b`` (the
second).  The kernels (_gated.pxi) see every operand as rows in a C-contiguous buffer, each of
its own float dtype; this module checks the arguments, finds the rows, and makes a copy only of
what the kernels cannot take (another layout; an input that overlaps an output other than
element for element).
"""

from math import prod

import numpy as np

from ._call import contiguous
from . import _lazy
from ._checks import as_input, check_out, int_axis
from ._lazy import is_lazy
from ._dispatch import BF16, F32, F64, KERNELS, STATUS
from ._threads import PARALLEL_MIN_CHEAP, PARALLEL_MIN_TRANSCENDENTAL, threads_for

_DONE = STATUS.DONE


def same_shapes(fn, grad, a, b):
    """The two-array gradient's operands: one shape (NumPy or Dask arrays)."""
    if not grad.shape == a.shape == b.shape:
        raise ValueError(f"{fn}: grad, a and b have shapes {grad.shape}, {a.shape} and "
                         f"{b.shape}; they must match")


def _result_dtypes(arrays):
    """(compute dtype, dtype of a new result): NumPy's result_type of the inputs, float16 and
    bfloat16 computed in float32 (a result of two float16 inputs is float16)."""
    dts = {a.dtype for a in arrays}
    compute = F64 if F64 in dts else F32
    result = dts.pop() if len(dts) == 1 else compute
    return compute, result


def _axis(fn, x, axis):
    """``axis`` normalized for x, whose length along it must be even."""
    if x.ndim == 0:  # before int_axis, whose "out of range for x with 0 dimensions" says less
        raise ValueError(f"{fn}: x is 0-d; one array is split in halves along an axis (or pass "
                         "a and b)")
    ax = int_axis(fn, x, axis)
    if x.shape[ax] % 2:
        raise ValueError(f"{fn}: x has length {x.shape[ax]} along axis {axis}, which must be "
                         "even (its halves are a and b)")
    return ax


def _bits(a):
    """The kernels read bfloat16 as its uint16 bits (it exports no buffer)."""
    return a.view(np.uint16) if BF16 is not None and a.dtype == BF16 else a


class _Shape:
    """What check_out reads of the array it compares with: its shape (as np.broadcast_to's
    view, which cost 5 us a call)."""

    def __init__(self, shape):
        self.shape = shape


def _out(fn, out, shape, compute, result, name="out"):
    """A new C-contiguous result, or the caller's ``out`` after its checks."""
    if out is None:
        return np.empty(shape, result)
    check_out(fn, out, _Shape(shape), name=name, compute=compute)
    return out if type(out) is np.ndarray else out.view(np.ndarray)


def _same_place(p, q):
    ai, bi = p.__array_interface__, q.__array_interface__
    return ai["data"] == bi["data"] and p.strides == q.strides and p.dtype == q.dtype \
        and p.shape == q.shape


def _apart(inputs, outputs):
    """The inputs, each copied if it overlaps an output other than element for element."""
    done = []
    for a in inputs:
        for o in outputs:
            if np.may_share_memory(a, o) and not _same_place(a, o):
                a = a.copy()
                break
        done.append(a)
    return done


def _threads(fn_op, n):
    threshold = PARALLEL_MIN_CHEAP if fn_op == "relu" else PARALLEL_MIN_TRANSCENDENTAL
    return 1 if n < threshold else threads_for(n, threshold, KERNELS.idle_seconds)


def _c(a):
    f = a.flags
    return f.c_contiguous and f.aligned


def forward(fn, kind, op, a, b, axis, out):
    """y = f(a) * b (``b`` None: a is x, split in halves along ``axis``)."""
    if (type(a) is not np.ndarray or (b is not None and type(b) is not np.ndarray)) and is_lazy(
            a, b):  # a Dask array or a DataArray: see _lazy
        return _lazy.glu_forward(fn, kind, op, a, b, axis, out)
    if b is None:
        x = as_input(fn, "x", a)
        ax = _axis(fn, x, axis)
        compute, result = _result_dtypes([x])
        shape = x.shape[:ax] + (x.shape[ax] // 2,) + x.shape[ax + 1:]
        o = _out(fn, out, shape, compute, result)
        (x,) = _apart([x], [o])
        x = contiguous(x)
        rows, h = prod(x.shape[:ax]), shape[ax] * prod(x.shape[ax + 1:])
        ops = ((x, 0, 2 * h), (x, h, 2 * h))
    else:
        a = as_input(fn, "a", a)
        b = as_input(fn, "b", b)
        if a.shape != b.shape:
            raise ValueError(f"{fn}: a has shape {a.shape} but b has shape {b.shape}; they must "
                             "match")
        compute, result = _result_dtypes([a, b])
        shape = a.shape
        o = _out(fn, out, shape, compute, result)
        a, b = (contiguous(v) for v in _apart([a, b], [o]))
        rows, h = 1, a.size
        ops = ((a, 0, h), (b, 0, h))
    if o.size == 0:
        return o
    y = o if _c(o) else np.empty(shape, o.dtype)
    (pa, oa, sa), (pb, ob, sb) = ops
    if KERNELS.glu_forward(op, _bits(pa), oa, sa, _bits(pb), ob, sb, _bits(y), 0, h, rows, h,
                           0.0, 0.0, compute == F64, _threads(kind, rows * h)) != _DONE:
        raise RuntimeError(f"relufast: the kernel refused prepared operands ({fn})")
    if y is not o:
        np.copyto(o, y)
    return o


def _out_pair(fn, out, shape, compute, result):
    if out is None:
        out = (None, None)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(f"{fn}: out must be a tuple (out_a, out_b) of arrays or None, with a "
                        f"and b, got {type(out).__name__}")
    ga = _out(fn, out[0], shape, compute, result, "out[0]")
    gb = _out(fn, out[1], shape, compute, result, "out[1]")
    if np.may_share_memory(ga, gb):
        raise ValueError(f"{fn}: out[0] and out[1] overlap")
    return ga, gb


def gradient(fn, kind, op, dop, grad, a, b, axis, out):
    """(grad_a, grad_b), or with one array x the gradient with respect to x (x's shape)."""
    if (type(grad) is not np.ndarray or type(a) is not np.ndarray
            or (b is not None and type(b) is not np.ndarray)) and is_lazy(grad, a, b):  # _lazy
        return _lazy.glu_gradient(fn, kind, op, dop, grad, a, b, axis, out)
    grad = as_input(fn, "grad", grad)
    if b is None:
        x = as_input(fn, "x", a)
        ax = _axis(fn, x, axis)
        half = x.shape[:ax] + (x.shape[ax] // 2,) + x.shape[ax + 1:]
        if grad.shape != half:
            raise ValueError(f"{fn}: grad has shape {grad.shape}, expected {half} (x's shape "
                             f"with axis {axis} halved: the forward's result)")
        compute, result = _result_dtypes([grad, x])
        o = _out(fn, out, x.shape, compute, result)
        grad, x = (contiguous(v) for v in _apart([grad, x], [o]))
        gx = o if _c(o) else np.empty(x.shape, o.dtype)
        rows, h = prod(x.shape[:ax]), half[ax] * prod(x.shape[ax + 1:])
        ins = ((grad, 0, h), (x, 0, 2 * h), (x, h, 2 * h))
        outs = ((gx, 0, 2 * h), (gx, h, 2 * h))
        result_arrays = (o,)
    else:
        a = as_input(fn, "a", a)
        b = as_input(fn, "b", b)
        same_shapes(fn, grad, a, b)
        compute, result = _result_dtypes([grad, a, b])
        ga, gb = _out_pair(fn, out, a.shape, compute, result)
        grad, a, b = (contiguous(v) for v in _apart([grad, a, b], [ga, gb]))
        ka = ga if _c(ga) else np.empty(a.shape, ga.dtype)
        kb = gb if _c(gb) else np.empty(a.shape, gb.dtype)
        rows, h = 1, a.size
        ins = ((grad, 0, h), (a, 0, h), (b, 0, h))
        outs = ((ka, 0, h), (kb, 0, h))
        result_arrays = (ga, gb)
    if rows * h:
        args = []
        for arr, off, stride in ins + outs:
            args += [_bits(arr), off, stride]
        if KERNELS.glu_gradient(op, dop, *args, rows, h, 0.0, 0.0, compute == F64,
                                _threads(kind, rows * h)) != _DONE:
            raise RuntimeError(f"relufast: the kernel refused prepared operands ({fn})")
    if b is None:
        if gx is not o:
            np.copyto(o, gx)
        return o
    if ka is not ga:
        np.copyto(ga, ka)
    if kb is not gb:
        np.copyto(gb, kb)
    return result_arrays

