"""The thin layer: validate, allocate or check ``out``, pick the kernel by dtype, call it once.

Every public function reduces its arrays to 1-D contiguous views (or, for layouts that cannot be
viewed so, to contiguous copies whose result is copied into ``out``) and makes one compiled call
that releases the GIL.  All validation happens before that call: a refused call writes nothing.
"""

import importlib
import math
import operator
import os
import sys
import types

import numpy as np

from . import _openmp, _threads
from ._version import __version__

# ---------------------------------------------------------------------------------------------
# kernel modules: one per instruction set, the best the CPU supports chosen at import

_ISA_ORDER = ("avx512", "avx2", "baseline")


def _available_isas():
    """The kernel modules built into this install that this CPU can run, best first."""
    cpu = set(_openmp.cpu_features()) | {"baseline"}
    found = []
    for isa in _ISA_ORDER:
        if isa not in cpu:
            continue
        try:
            importlib.import_module(f"relufast._kernels_{isa}")
        except ImportError:
            continue
        found.append(isa)
    return found


class _Kernels:
    """The compiled entry points of one kernel module, specialized per dtype (no fused dispatch)."""

    def __init__(self, isa):
        mod = importlib.import_module(f"relufast._kernels_{isa}")
        self.isa = isa
        self.description = mod.ISA
        # op codes as plain ints: an IntEnum member costs more to look up and to pass
        self.op = types.SimpleNamespace(**{op.name: int(op) for op in mod.Op})
        # dicts by dtype; float16 (computed in float32) and unsupported dtypes are not keys
        self.forward = {_F32: mod.forward_f32, _F64: mod.forward_f64}
        self.gradient = {_F32: mod.gradient_f32, _F64: mod.gradient_f64}
        self.status = mod.Status
        self.prelu_forward = {_F32: mod.prelu_forward_f32, _F64: mod.prelu_forward_f64}
        self.prelu_gradient = {_F32: mod.prelu_gradient_f32, _F64: mod.prelu_gradient_f64}


_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_SUPPORTED = "float16, float32 and float64"


def _select_isa(isa=None):
    """Switch every call to the kernels of ``isa`` (None: the best available, or $RELUFAST_ISA).

    For tests and benchmarks that compare the instruction-set paths; returns the ISA chosen.
    """
    global _K, _OP
    available = _available_isas()
    if isa is None:
        isa = os.environ.get("RELUFAST_ISA") or available[0]
    if isa not in available:
        raise ValueError(f"isa must be one of {available} on this machine, got {isa!r}")
    _K = _Kernels(isa)
    _OP = _K.op
    return isa


_K = _OP = None
_select_isa()
_DONE = int(_K.status.DONE)
_OVERLAP = int(_K.status.OVERLAP)
_NONFINITE = int(_K.status.NONFINITE)
_NOMEMORY = int(_K.status.NOMEMORY)

# Below these sizes (elements) a call runs inline on the calling thread, with no OpenMP region
# (no fork/join); above, it takes one thread per half-threshold of elements, up to the thread
# count in force, so a mid-sized array does not pay for waking all of a many-core machine.
# Measured with bench/threshold.py (docs/performance.md): on a 2-core AMD EPYC relu in place
# breaks even on 2 threads at ~32k elements and elu at ~8k; on a 16-core Xeon (AVX-512) all 16
# threads pay from ~64k (relu) and ~16k (elu), the same per-thread grain.
_PARALLEL_MIN_CHEAP = 32768
_PARALLEL_MIN_TRANSCENDENTAL = 8192


def _nthreads(n, threshold):
    """Threads for n elements: 1 below ``threshold``, else one per threshold/2 elements."""
    if n < threshold:
        return 1
    return min(_threads.get_num_threads(), 2 * n // threshold)


# ---------------------------------------------------------------------------------------------
# validation


def _as_input(fn, name, a):
    """An ndarray of a supported dtype from ``a``, or TypeError naming ``name``.

    An ndarray subclass (np.memmap, np.matrix) comes back as a base-class view of the same
    memory, so that the kernels see plain arrays; a MaskedArray is refused (its mask would be
    ignored).
    """
    if isinstance(a, np.ndarray):
        if isinstance(a, np.ma.MaskedArray):
            raise TypeError(
                f"{fn}: {name} is a numpy.ma.MaskedArray, which relufast does not support "
                f"(its mask would be ignored); pass {name}.filled(...) or {name}.data"
            )
        dt = a.dtype
        if not (dt is _F32 or dt is _F64 or dt is _F16 or dt in _DTYPES):
            raise TypeError(_dtype_message(fn, name, dt))
        return a if type(a) is np.ndarray else a.view(np.ndarray)
    if isinstance(a, np.generic) and a.dtype in _DTYPES:
        return np.asarray(a)  # a NumPy float scalar keeps its dtype, as a 0-d array
    try:
        arr = np.asarray(a)
        if arr.dtype.kind == "O" and all(isinstance(v, (int, float)) for v in arr.flat):
            arr = np.asarray(a, dtype=np.float64)  # Python ints beyond 64 bits
    except Exception as e:  # ragged lists, objects numpy cannot convert
        raise TypeError(
            f"{fn}: {name} must be an array or array-like of real numbers, "
            f"got {type(a).__name__} that NumPy cannot convert ({e})"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{fn}: {name} must be an array or array-like of real numbers, "
            f"got {type(a).__name__} holding {arr.dtype}"
        )
    return arr.astype(np.float64)


_DTYPES = (_F16, _F32, _F64)


def _dtype_message(fn, name, dt):
    if dt.kind == "f" and not dt.isnative and dt.newbyteorder("=") in _DTYPES:
        return (
            f"{fn}: {name} has non-native byte order ({dt.str}); supported dtypes are "
            f"{_SUPPORTED} in native byte order: use {name}.astype({dt.newbyteorder('=').name})"
        )
    return f"{fn}: {name} has dtype {dt}; supported dtypes are {_SUPPORTED}"


def _check_out(fn, out, like, name="out"):
    """``out`` must be a writable ndarray of ``like``'s shape and dtype."""
    if not isinstance(out, np.ndarray) or isinstance(out, np.ma.MaskedArray):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.dtype != like.dtype:
        raise TypeError(
            f"{fn}: {name} has dtype {out.dtype}, expected {like.dtype} (the input's dtype)"
        )
    if out.shape != like.shape:
        raise ValueError(
            f"{fn}: {name} has shape {out.shape}, expected {like.shape} (the input's shape)"
        )
    if not out.flags.writeable:
        raise ValueError(f"{fn}: {name} is read-only")


def _same_shape(fn, grad, x, xname="x"):
    if grad.shape != x.shape:
        raise ValueError(
            f"{fn}: grad has shape {grad.shape} but {xname} has shape {x.shape}; they must match"
        )
    if grad.dtype != x.dtype:
        raise TypeError(
            f"{fn}: grad has dtype {grad.dtype} but {xname} has dtype {x.dtype}; they must match"
        )


_F32_MAX = float(np.finfo(np.float32).max)
_F32_ROUNDS_TO_ZERO = 2.0**-150  # at or below this, a float rounds to 0 in float32


def _param(fn, name, value, nonzero=False):
    """A finite real parameter as a Python float."""
    if type(value) is float and -_F32_MAX <= value <= _F32_MAX and (value or not nonzero):
        return value  # the common case, in ~50 ns
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{fn}: {name} must be a real number, got {type(value).__name__}")
    try:
        v = float(value)
    except OverflowError:  # a Python int beyond float64's range
        raise ValueError(f"{fn}: {name} must be finite, got an int of {value.bit_length()} "
                         "bits, beyond float64's range") from None
    if not math.isfinite(v):
        raise ValueError(f"{fn}: {name} must be finite, got {v}")
    if nonzero and v == 0:
        raise ValueError(f"{fn}: {name} must be nonzero, got {v}")
    return v


def _outside_f32(value, nonzero):
    """True if ``value`` overflows float32, or is to be nonzero and rounds to 0 there."""
    return (value > _F32_MAX or value < -_F32_MAX
            or (nonzero and -_F32_ROUNDS_TO_ZERO <= value <= _F32_ROUNDS_TO_ZERO))


def _check_param_f32(fn, name, value, nonzero):
    """Parameters are rounded to the compute precision: in float32 they must stay valid."""
    if abs(value) > _F32_MAX:
        raise ValueError(
            f"{fn}: {name}={value} overflows float32, the precision this array is computed in"
        )
    if nonzero and abs(value) <= _F32_ROUNDS_TO_ZERO:
        raise ValueError(
            f"{fn}: {name}={value} rounds to 0 in float32, the precision this array is "
            "computed in; it must be nonzero"
        )


def _no_from_output(fn, from_output, why):
    if from_output:
        raise ValueError(f"{fn}: from_output=True is not supported: {why}")


# ---------------------------------------------------------------------------------------------
# layout: map operands onto 1-D contiguous views


def _is_c(a):
    f = a.flags
    return f.c_contiguous and f.aligned


def _is_f(a):
    f = a.flags
    return f.f_contiguous and f.aligned


def _flatten(inputs, out):
    """1-D views (or contiguous copies) of ``inputs`` and ``out``, in one flat order.

    Returns ``(flat_inputs, flat_out, writeback, order)``.  ``order`` is the order ("C" or "F")
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
    flat = [_contiguous(a).reshape(-1) for a in inputs]
    if _is_c(out):
        return flat, out.reshape(-1), None, "C"
    tmp = np.empty(out.shape, out.dtype)
    return flat, tmp.reshape(-1), tmp, "C"


def _contiguous(a):
    """``a`` if C-contiguous and aligned, else a C-contiguous aligned copy.

    (np.ascontiguousarray keeps an unaligned array as it is; the kernels need aligned data.)
    """
    return a if _is_c(a) else a.copy(order="C")


def _unshare(a, out):
    """``a``, or a copy of it if ``out`` overlaps it other than element for element."""
    if a is out or not np.may_share_memory(a, out):
        return a
    ai, oi = a.__array_interface__, out.__array_interface__
    if ai["data"] == oi["data"] and a.strides == out.strides:
        return a  # the same elements in the same places: in place is safe
    return a.copy()


# ---------------------------------------------------------------------------------------------
# the two call shapes every elementwise function uses


def _prepare_out(fn, out, x):
    """A new array like x, or the caller's ``out`` after checking it (as a plain ndarray)."""
    if out is None:
        return np.empty_like(x, subok=False)
    if out is not x:
        _check_out(fn, out, x)
        return out if type(out) is np.ndarray else out.view(np.ndarray)
    if not x.flags.writeable:
        raise ValueError(f"{fn}: out is read-only")
    return out


def _ravel(a):
    return a if a.ndim == 1 else a.ravel()


def _run(kern, op, inputs, out, a, b, threshold):
    """Call an elementwise kernel on ``inputs`` (x, or grad and x), writing ``out``."""
    n = out.size
    if n == 0:
        return out
    nt = 1 if n < threshold else _nthreads(n, threshold)
    # the common case, every operand C-contiguous and aligned: the kernel takes them as they
    # are; it refuses (OVERLAP) an input that overlaps out other than in place, and anything
    # else it cannot take (REFUSED: strided, unaligned), and _flatten then copies
    if kern(op, *inputs, out, a, b, nt) == _DONE:
        return out
    flat, of, back, _ = _flatten(inputs, out)
    if kern(op, *flat, of, a, b, nt) != _DONE:  # contiguous, aligned, apart: cannot happen
        raise RuntimeError(f"relufast: the kernel refused prepared operands (op {op})")
    if back is not None:
        np.copyto(out, back)
    return out


def _round_to_f16(out, result32):
    """Store a float32 result into a float16 ``out``: one rounding (overflow to inf is IEEE's)."""
    with np.errstate(over="ignore"):
        np.copyto(out, result32, casting="same_kind")


def _unary(fn, op, x, out, a=0.0, b=0.0, threshold=_PARALLEL_MIN_CHEAP, pname=None,
           nonzero=False):
    """Forward op ``op`` on x.  ``pname`` names the parameter ``a`` for range errors."""
    if type(x) is not np.ndarray:
        x = _as_input(fn, "x", x)
    kern = _K.forward.get(x.dtype)
    if kern is None:  # float16 (computed in float32), or an unsupported dtype
        x = _as_input(fn, "x", x)
    if pname is not None and _outside_f32(a, nonzero) and x.dtype != _F64:
        _check_param_f32(fn, pname, a, nonzero)
    if kern is None:
        o = _prepare_out(fn, out, x)
        x32 = x.astype(np.float32)
        _run(_K.forward[_F32], op, (x32,), x32, a, b, threshold)
        _round_to_f16(o, x32)
        return o if out is None else out
    # the hot path, in place or not, any shape: no checks here.  The kernel checks, in C, that
    # x and out are C-contiguous, aligned, of x's dtype and shape, out writable and apart from
    # x (or x itself); whatever it refuses, having written nothing, goes to the general path,
    # which names the problem or copies.  (The checks in Python, and ravel() views, were a
    # third of a 1,000-element call.)
    o = np.empty(x.shape, x.dtype) if out is None else out
    n = x.size
    if type(o) is np.ndarray and kern(
            op, x, o, a, b, 1 if n < threshold else _nthreads(n, threshold)) == _DONE:
        return o
    o = _run(kern, op, (x,), _prepare_out(fn, out, x), a, b, threshold)
    return o if out is None else out


def _binary(fn, op, grad, x, out, a=0.0, b=0.0, threshold=_PARALLEL_MIN_CHEAP, xname="x",
            pname=None, nonzero=False):
    """Gradient op ``op``: grad * f'(x) (x is f's output when ``xname`` is "y")."""
    if type(grad) is not np.ndarray:
        grad = _as_input(fn, "grad", grad)
    if type(x) is not np.ndarray:
        x = _as_input(fn, xname, x)
    kern = _K.gradient.get(x.dtype)
    gdt = grad.dtype
    if kern is None or (gdt is not x.dtype and gdt != x.dtype):  # float16, or to refuse
        grad = _as_input(fn, "grad", grad)
        x = _as_input(fn, xname, x)
        _same_shape(fn, grad, x, xname)
    if pname is not None and _outside_f32(a, nonzero) and x.dtype != _F64:
        _check_param_f32(fn, pname, a, nonzero)
    if kern is None:  # float16, computed in float32
        o = _prepare_out(fn, out, x)
        g32 = grad.astype(np.float32)
        _run(_K.gradient[_F32], op, (g32, x.astype(np.float32)), g32, a, b, threshold)
        _round_to_f16(o, g32)
        return o if out is None else out
    if grad.shape != x.shape:
        _same_shape(fn, grad, x, xname)
    # the hot path, as in _unary (grad has x's shape and dtype here)
    o = np.empty(x.shape, x.dtype) if out is None else out
    n = x.size
    if type(o) is np.ndarray and kern(
            op, grad, x, o, a, b, 1 if n < threshold else _nthreads(n, threshold)) == _DONE:
        return o
    o = _run(kern, op, (grad, x), _prepare_out(fn, out, x), a, b, threshold)
    return o if out is None else out


# ---------------------------------------------------------------------------------------------
# public functions (docstrings in numpydoc form; the formulas and kink rules are SPEC.md's)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(x, out=None):
    r"""Rectified linear unit, ``max(0, x)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    relu_grad : its gradient.
    leaky_relu, prelu : a nonzero slope for negative inputs.

    Notes
    -----
    .. math:: \operatorname{relu}(x) = \max(0, x)

    NaN gives NaN (``np.where(x > 0, x, 0)`` would give 0); ``relu(-0.0)`` is ``+0.0``;
    ``relu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu(np.array([-2.0, 0.0, 3.0, np.nan]))
    array([ 0.,  0.,  3., nan])

    In place, in float32:

    >>> x = np.array([-1.5, 2.5], dtype=np.float32)
    >>> relufast.relu(x, out=x)
    array([0. , 2.5], dtype=float32)
    """
    return _unary("relu", _OP.RELU, x, out)


def relu_grad(grad, x, out=None, *, from_output=False):
    r"""Gradient of :func:`relu`: ``grad * (x > 0)``, with ``relu'(0) = 0``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        relu's input (or, with ``from_output=True``, its output: the sign is the same).
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = relu(x)``
        instead of x, as after an in-place forward ``relu(x, out=x)``; ``relu'(x)`` is then
        computed from y.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    relu : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g \cdot [x > 0]

    The derivative at the kink is PyTorch's: ``relu'(0) = 0``.  NaN in x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.
    ``relu_grad(nan, -1.0)`` is 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])

    After an in-place forward, from the output:

    >>> x = np.array([-2.0, 0.5, 3.0])
    >>> y = relufast.relu(x, out=x)
    >>> relufast.relu_grad(np.full(3, 5.0), y, from_output=True)
    array([0., 5., 5.])
    """
    return _binary("relu_grad", _OP.D_RELU, grad, x, out)


def leaky_relu(x, negative_slope=0.01, out=None):
    r"""Leaky ReLU: ``x if x > 0 else negative_slope * x``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    negative_slope : float, default 0.01
        The slope for x <= 0: finite, may be 0 or negative.  Rounded to x's precision.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    leaky_relu_grad : its gradient.
    prelu : a learned slope per channel.

    Notes
    -----
    .. math::

        \operatorname{leaky\_relu}(x) =
        \begin{cases} x & x > 0 \\ s\,x & x \le 0 \end{cases}

    with :math:`s` the negative slope.  NaN gives NaN.  Infinities give the limits:
    ``leaky_relu(-inf, 0.0)`` is 0, not ``0 * -inf = nan``.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.leaky_relu(np.array([-2.0, 3.0]), 0.1)
    array([-0.2,  3. ])
    >>> relufast.leaky_relu(np.array([-np.inf, np.nan]), negative_slope=0.0)
    array([ 0., nan])
    """
    a = _param("leaky_relu", "negative_slope", negative_slope)
    return _unary("leaky_relu", _OP.LEAKY, x, out, a, pname="negative_slope")


def leaky_relu_grad(grad, x, negative_slope=0.01, out=None, *, from_output=False):
    r"""Gradient of :func:`leaky_relu`: ``grad * (1 if x > 0 else negative_slope)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        leaky_relu's input (or, with ``from_output=True``, its output).
    negative_slope : float, default 0.01
        The slope used in the forward.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = leaky_relu(x)``
        instead of x, as after an in-place forward ``leaky_relu(x, out=x)``; ``leaky_relu'(x)`` is then
        computed from y.  It requires ``negative_slope >= 0`` (ValueError otherwise:
        with a negative slope the output's sign does not tell the input's).

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    leaky_relu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ s\,g & x \le 0 \end{cases}

    The derivative at the kink is PyTorch's: ``leaky_relu'(0) = negative_slope``.  NaN in x
    gives NaN.  With ``negative_slope=0`` the x <= 0 side is exactly 0 whatever ``grad``
    holds (a select, not a multiply).

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.leaky_relu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]), 0.1)
    array([0.1, 0.1, 1. ])
    """
    fn = "leaky_relu_grad"
    a = _param(fn, "negative_slope", negative_slope)
    if from_output and a < 0:
        _no_from_output(fn, True, f"negative_slope={a} < 0, so the output's sign does not "
                        "tell the input's")
    return _binary(fn, _OP.D_LEAKY, grad, x, out, a, pname="negative_slope")


def _elu_params(fn, alpha, from_output):
    a = _param(fn, "alpha", alpha)
    if from_output and a < 0:
        _no_from_output(fn, True, f"alpha={a} < 0, so the output does not determine the input")
    return a


def elu(x, alpha=1.0, out=None):
    r"""Exponential linear unit: ``x if x > 0 else alpha * (exp(x) - 1)``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    alpha : float, default 1.0
        The scale of the negative side, which tends to ``-alpha``: finite.  Rounded to x's
        precision.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    elu_grad : its gradient.
    selu, celu : the scaled and the continuously differentiable variants.

    Notes
    -----
    .. math::

        \operatorname{elu}(x) =
        \begin{cases} x & x > 0 \\ \alpha\,(e^x - 1) & x \le 0 \end{cases}

    ``exp(x) - 1`` is computed as an ``expm1``, so small negative x keep their digits.  NaN
    gives NaN; ``elu(-inf)`` is ``-alpha``, ``elu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.elu(np.array([-np.inf, -1.0, 0.0, 2.0]))
    array([-1.        , -0.63212056,  0.        ,  2.        ])
    """
    a = _param("elu", "alpha", alpha)
    return _unary("elu", _OP.ELU, x, out, a, 1.0, _PARALLEL_MIN_TRANSCENDENTAL, "alpha")


def elu_grad(grad, x, alpha=1.0, out=None, *, from_output=False):
    r"""Gradient of :func:`elu`: ``grad * (1 if x > 0 else alpha * exp(x))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        elu's input (or, with ``from_output=True``, its output).
    alpha : float, default 1.0
        The alpha used in the forward.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = elu(x)``
        instead of x, as after an in-place forward ``elu(x, out=x)``; ``elu'(x)`` is then
        computed from y.  The derivative is then ``y + alpha`` for y <= 0; it requires
        ``alpha >= 0`` (ValueError otherwise).

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    elu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ \alpha\,e^x\,g & x \le 0 \end{cases}
        \qquad (\alpha\,e^x = y + \alpha \text{ from the output } y)

    The derivative at the kink is PyTorch's, the x <= 0 branch: ``elu'(0) = alpha``.  NaN in
    x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.
    ``elu_grad(nan, -inf)`` is 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.elu_grad(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0.36787944, 1.        , 1.        ])

    Training step with an in-place forward:

    >>> x = np.array([-2.0, -0.5, 0.0, 3.0])
    >>> y = relufast.elu(x, out=x)          # x now holds elu(x)
    >>> relufast.elu_grad(np.ones(4), y, from_output=True)
    array([0.13533528, 0.60653066, 1.        , 1.        ])
    """
    fn = "elu_grad"
    a = _elu_params(fn, alpha, from_output)
    op = _OP.D_ELU_Y if from_output else _OP.D_ELU
    return _binary(fn, op, grad, x, out, a, 1.0, _PARALLEL_MIN_TRANSCENDENTAL, pname="alpha")


def selu(x, out=None):
    r"""Scaled ELU: ``scale * (x if x > 0 else alpha * (exp(x) - 1))``.

    The constants make a self-normalizing network's activations keep zero mean and unit
    variance: ``alpha = 1.6732632423543772848170429916717``,
    ``scale = 1.0507009873554804934193349852946``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    selu_grad : its gradient.
    elu : the unscaled form with a free alpha.

    Notes
    -----
    .. math::

        \operatorname{selu}(x) = \lambda
        \begin{cases} x & x > 0 \\ \alpha\,(e^x - 1) & x \le 0 \end{cases}

    with :math:`\lambda` the scale.  The x <= 0 branch is computed as
    ``(scale * alpha) * expm1(x)``, the product of the constants rounded once to x's dtype.
    NaN gives NaN; ``selu(-inf)`` is ``-scale * alpha``.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.selu(np.array([-1.0, 0.0, 1.0]))
    array([-1.11133074,  0.        ,  1.05070099])
    """
    return _unary("selu", _OP.ELU, x, out, _SELU_SCALE * _SELU_ALPHA, _SELU_SCALE,
                  _PARALLEL_MIN_TRANSCENDENTAL)


def selu_grad(grad, x, out=None, *, from_output=False):
    r"""Gradient of :func:`selu`: ``grad * scale * (1 if x > 0 else alpha * exp(x))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        selu's input (or, with ``from_output=True``, its output).
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = selu(x)``
        instead of x, as after an in-place forward ``selu(x, out=x)``; ``selu'(x)`` is then
        computed from y.  The derivative is then ``y + scale * alpha`` for y <= 0.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    selu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} = \lambda
        \begin{cases} g & x > 0 \\ \alpha\,e^x\,g & x \le 0 \end{cases}

    At the kink the x <= 0 branch applies: ``selu'(0) = scale * alpha``.  NaN in x gives
    NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.selu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([0.6467686 , 1.75809934, 1.05070099])
    """
    op = _OP.D_ELU_Y if from_output else _OP.D_ELU
    return _binary("selu_grad", op, grad, x, out, _SELU_SCALE * _SELU_ALPHA, _SELU_SCALE,
                   _PARALLEL_MIN_TRANSCENDENTAL)


def celu(x, alpha=1.0, out=None):
    r"""Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    alpha : float, default 1.0
        Finite and nonzero (ValueError otherwise).  Rounded to x's precision.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    celu_grad : its gradient.
    elu : equal to celu for alpha = 1.

    Notes
    -----
    .. math::

        \operatorname{celu}(x) = \max(0, x) + \min\left(0, \alpha\,(e^{x/\alpha} - 1)
        \right)

    computed as ``x if x > 0 else alpha * expm1(x / alpha)``, which equals it for every
    nonzero alpha.  Unlike elu its derivative is continuous at 0 for every alpha.  NaN gives
    NaN; ``celu(-inf)`` is ``-alpha`` for alpha > 0.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.celu(np.array([-np.inf, -1.0, 2.0]), alpha=2.0)
    array([-2.        , -0.78693868,  2.        ])
    """
    a = _param("celu", "alpha", alpha, nonzero=True)
    return _unary("celu", _OP.CELU, x, out, a, 0.0, _PARALLEL_MIN_TRANSCENDENTAL, "alpha", True)


def celu_grad(grad, x, alpha=1.0, out=None, *, from_output=False):
    r"""Gradient of :func:`celu`: ``grad * (1 if x > 0 else exp(x / alpha))``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        celu's input (or, with ``from_output=True``, its output).
    alpha : float, default 1.0
        The alpha used in the forward: finite and nonzero.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = celu(x)``
        instead of x, as after an in-place forward ``celu(x, out=x)``; ``celu'(x)`` is then
        computed from y.  The derivative is then ``y / alpha + 1`` for y <= 0; it
        requires ``alpha > 0`` (ValueError otherwise).

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    celu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ e^{x/\alpha}\,g & x \le 0 \end{cases}

    Both branches meet at the kink: ``celu'(0) = 1``.  NaN in x gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.celu_grad(np.ones(3), np.array([-2.0, 0.0, 3.0]), alpha=2.0)
    array([0.36787944, 1.        , 1.        ])
    """
    fn = "celu_grad"
    a = _param(fn, "alpha", alpha, nonzero=True)
    if from_output and a < 0:
        _no_from_output(fn, True, f"alpha={a} < 0, so the output does not determine the input")
    op = _OP.D_CELU_Y if from_output else _OP.D_CELU
    return _binary(fn, op, grad, x, out, a, 0.0, _PARALLEL_MIN_TRANSCENDENTAL, pname="alpha",
                   nonzero=True)


def relu6(x, out=None):
    r"""ReLU capped at 6: ``min(max(0, x), 6)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    relu6_grad : its gradient.
    relu : without the cap.

    Notes
    -----
    .. math:: \operatorname{relu6}(x) = \min(\max(0, x), 6)

    NaN gives NaN; ``relu6(-0.0)`` is ``+0.0``; ``relu6(inf)`` is 6.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu6(np.array([-1.0, 3.0, 9.0, np.nan]))
    array([ 0.,  3.,  6., nan])
    """
    return _unary("relu6", _OP.RELU6, x, out)


def relu6_grad(grad, x, out=None, *, from_output=False):
    r"""Gradient of :func:`relu6`: ``grad * (0 < x < 6)``.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        relu6's input (or, with ``from_output=True``, its output).
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only.  True: the second argument holds the forward's output ``y = relu6(x)``
        instead of x, as after an in-place forward ``relu6(x, out=x)``; ``relu6'(x)`` is then
        computed from y.

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    relu6 : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g \cdot [0 < x < 6]

    The derivatives at both kinks are PyTorch's: ``relu6'(0) = relu6'(6) = 0``.  NaN in x
    gives NaN.
    Where the derivative is 0 the result is exactly 0 whatever ``grad`` holds (a select, as in
    PyTorch, not a multiply): a NaN or an infinity in ``grad`` does not leak through a flat
    part.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.relu6_grad(np.ones(4), np.array([0.0, 3.0, 6.0, np.nan]))
    array([ 0.,  1.,  0., nan])
    """
    return _binary("relu6_grad", _OP.D_RELU6, grad, x, out)


def _approximate(fn, approximate):
    if approximate == "none":
        return _OP.GELU
    if approximate == "tanh":
        return _OP.GELU_TANH
    raise ValueError(f"{fn}: approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(x, approximate="none", out=None):
    r"""Gaussian error linear unit: ``x * Phi(x)``, Phi the standard normal CDF.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    approximate : {"none", "tanh"}, default "none"
        "none": the exact form.  "tanh": the tanh approximation (as PyTorch's
        ``approximate="tanh"``), ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    gelu_grad : its gradient.
    silu : the sigmoid-weighted counterpart.

    Notes
    -----
    .. math::

        \operatorname{gelu}(x) = x\,\Phi(x)
        = \frac{x}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt 2}\right),
        \qquad
        \operatorname{gelu}_{\tanh}(x) = \frac{x}{2}\left(1 + \tanh\left(
        \sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)

    Both are computed without the ``1 + erf`` (or ``1 + tanh``) cancellation, so they stay
    accurate in relative terms in the negative tail.  gelu is smooth (no kink).  NaN gives
    NaN; ``gelu(-inf)`` is 0 (the limit, ``-0.0``), ``gelu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.gelu(np.array([-np.inf, 0.0, 1.0]))
    array([-0.        ,  0.        ,  0.84134475])
    >>> relufast.gelu(np.array([-1.0, 0.0, 1.0]), approximate="tanh")
    array([-0.15880801,  0.        ,  0.84119199])
    """
    return _unary("gelu", _approximate("gelu", approximate), x, out, 0.0, 0.0,
                  _PARALLEL_MIN_TRANSCENDENTAL)


def gelu_grad(grad, x, approximate="none", out=None, *, from_output=False):
    r"""Gradient of :func:`gelu`: ``grad * (Phi(x) + x * phi(x))``, phi the normal density.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        gelu's input.
    approximate : {"none", "tanh"}, default "none"
        The form used in the forward; "tanh" differentiates the tanh approximation.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: gelu is not monotonic (its output does not determine x), so its derivative cannot be computed from its
        output (ValueError).

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    gelu : the forward.

    Notes
    -----
    .. math:: \frac{\partial L}{\partial x} = g\,\left(\Phi(x) + x\,\varphi(x)\right)

    for "none"; for "tanh" the exact derivative of the tanh form.  The derivative is 0 at
    ``x = -inf`` and 1 at ``inf``; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.gelu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([-0.08331547,  0.5       ,  1.08331547])
    """
    fn = "gelu_grad"
    op = _approximate(fn, approximate)
    _no_from_output(fn, from_output, "gelu is not monotonic, its output does not determine x")
    op = _OP.D_GELU if op == _OP.GELU else _OP.D_GELU_TANH
    return _binary(fn, op, grad, x, out, 0.0, 0.0, _PARALLEL_MIN_TRANSCENDENTAL)


def silu(x, out=None):
    r"""Sigmoid linear unit (swish): ``x * sigmoid(x)``, elementwise.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    silu_grad : its gradient.
    gelu : the Gaussian-weighted counterpart.

    Notes
    -----
    .. math:: \operatorname{silu}(x) = \frac{x}{1 + e^{-x}}

    Smooth (no kink).  NaN gives NaN; ``silu(-inf)`` is 0 (the limit), ``silu(inf)`` is inf.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.silu(np.array([-1.0, 0.0, 1.0]))
    array([-0.26894142,  0.        ,  0.73105858])
    """
    return _unary("silu", _OP.SILU, x, out, 0.0, 0.0, _PARALLEL_MIN_TRANSCENDENTAL)


def silu_grad(grad, x, out=None, *, from_output=False):
    r"""Gradient of :func:`silu`: ``grad * s * (1 + x * (1 - s))``, s = sigmoid(x).

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        silu's input.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: silu is not monotonic (its output does not determine x), so its derivative cannot be computed from its
        output (ValueError).

    Returns
    -------
    ndarray
        The gradient of the loss with respect to the function's input x, of x's shape and
        dtype: ``out`` itself when given.

    See Also
    --------
    silu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} = g\,\sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))
        \bigr)

    The derivative is 0 at ``x = -inf`` and 1 at ``inf``; NaN in x gives NaN.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> relufast.silu_grad(np.ones(3), np.array([-1.0, 0.0, 1.0]))
    array([0.07232949, 0.5       , 0.92767051])
    """
    fn = "silu_grad"
    _no_from_output(fn, from_output, "silu is not monotonic, its output does not determine x")
    return _binary(fn, _OP.D_SILU, grad, x, out, 0.0, 0.0, _PARALLEL_MIN_TRANSCENDENTAL)


# ---------------------------------------------------------------------------------------------
# PReLU: a learned slope per channel along `axis`


def _prelu_setup(fn, x, weight, axis):
    """(weight as a 1-D array of x's dtype, the normalized axis or None, weight was a scalar)."""
    if isinstance(weight, np.ndarray) and not isinstance(weight, np.ma.MaskedArray):
        if weight.dtype not in _DTYPES:
            raise TypeError(_dtype_message(fn, "weight", weight.dtype))
        if weight.dtype != x.dtype:
            raise TypeError(
                f"{fn}: weight has dtype {weight.dtype}, expected {x.dtype} (the dtype of x)"
            )
        w = weight
    else:
        if isinstance(weight, int) and not isinstance(weight, bool):
            _param(fn, "weight", weight)  # beyond float64: ValueError, as for a slope or alpha
        w = _as_input(fn, "weight", weight).astype(x.dtype)
    if w.ndim > 1:
        raise ValueError(f"{fn}: weight must be a scalar or 1-D, got {w.ndim}-D shape {w.shape}")
    scalar = w.ndim == 0
    if scalar:
        return w.reshape(1), None, True
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


def _run_length(shape, ax):
    """Elements of one channel run in a C-ordered array: the product of the axes after ``ax``."""
    inner = 1
    for d in shape[ax + 1:]:
        inner *= d
    return inner


def _prelu_finite(fn, w):
    """The kernels refuse a non-finite weight; an empty x never reaches them, so check here."""
    if not np.isfinite(w).all():
        raise ValueError(f"{fn}: weight must be finite, got {w[~np.isfinite(w)][:3]} in it")


def _prelu_run(fn, kern, inputs, out, w, ax, with_weight_grad):
    """Run a prelu kernel on ``inputs`` (x, or grad and x) writing ``out`` (both in the compute
    dtype); returns the weight gradient per channel, in out's dtype, when ``with_weight_grad``.
    The kernel decides how to walk the array; this only passes the run length of one channel in
    the flat order it hands over."""
    n = out.size
    nt = _nthreads(n, _PARALLEL_MIN_CHEAP)
    w = _contiguous(w.astype(out.dtype, copy=False))
    gw = np.empty(w.shape[0], out.dtype) if with_weight_grad else None
    for attempt in (0, 1):
        if attempt == 0 and out.flags.carray and all(a is out or _is_c(a) for a in inputs):
            of = _ravel(out)
            flat = [of if a is out else _ravel(a) for a in inputs]
            back, order = None, "C"
        else:  # any other layout, or an overlap the kernel refused: copies where needed
            flat, of, back, order = _flatten(inputs, out)
            w = w.copy()
        if ax is None:  # a scalar weight: one run over everything
            inner = max(1, n)
        else:
            inner = math.prod(out.shape[ax + 1:] if order == "C" else out.shape[:ax])
        status = kern[out.dtype](*flat, w, of, *(() if gw is None else (gw,)), inner, nt)
        if status == _NONFINITE:
            raise ValueError(f"{fn}: weight must be finite, got {w[~np.isfinite(w)][:3]} in it")
        if status == _NOMEMORY:
            raise MemoryError(f"{fn}: no memory for the kernel's weight pattern and sums")
        if status != _OVERLAP:
            break
    if status != _DONE:  # contiguous, aligned, validated, apart: cannot happen
        raise RuntimeError(f"relufast: {fn}'s kernel refused prepared operands")
    if back is not None:
        np.copyto(out, back)
    return gw


def prelu(x, weight, axis=1, out=None):
    r"""Parametric ReLU: ``x if x > 0 else w[c] * x``, c the element's index along ``axis``.

    Parameters
    ----------
    x : array_like
        The input: a float16, float32 or float64 ndarray of any shape and strides, computed in
        its own precision (float16 in float32, rounded once).  Lists and Python scalars become
        float64; an ndarray of any other dtype is refused with TypeError.
    weight : float or array_like
        The slope for x <= 0: a scalar, or a 1-D array of length ``x.shape[axis]``, one slope
        per channel.  An ndarray must have x's dtype; lists and scalars are converted.  Every
        value finite (ValueError otherwise).
    axis : int, default 1
        The channel axis (1 for NCHW or NC layouts, -1 for NHWC); negative counts from the
        end.  Ignored for a scalar weight.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=x``
        computes in place.  By default a new array is allocated.

    Returns
    -------
    ndarray
        The result, of x's shape and dtype: ``out`` itself when given.

    See Also
    --------
    prelu_grad : its gradients, with respect to x and to the weight.
    leaky_relu : one fixed slope.

    Notes
    -----
    .. math::

        \operatorname{prelu}(x)_{\dots c \dots} =
        \begin{cases} x & x > 0 \\ w_c\,x & x \le 0 \end{cases}

    NaN gives NaN; a zero weight at ``x = -inf`` gives 0 (the limit).

    Examples
    --------
    >>> import numpy as np, relufast
    >>> x = np.array([[-1.0, -1.0], [2.0, -4.0]])
    >>> relufast.prelu(x, np.array([0.1, 0.5]))
    array([[-0.1, -0.5],
           [ 2. , -2. ]])
    """
    fn = "prelu"
    if (type(x) is np.ndarray and type(weight) is np.ndarray and type(axis) is int
            and x.size and weight.ndim == 1 and -x.ndim <= axis < x.ndim
            and weight.shape[0] == x.shape[axis]):
        # the hot path with a weight per channel: the kernel checks x, weight and out itself
        # (C-contiguous, aligned, x's dtype, out of x's shape and writable) and refuses, without
        # writing, those it cannot take, a non-finite weight or an overlap; the general path
        # below then raises or copies.
        kern = _K.prelu_forward.get(x.dtype)
        if kern is not None:
            o = np.empty(x.shape, x.dtype) if out is None else out
            if type(o) is np.ndarray and kern(
                    x, weight, o, _run_length(x.shape, axis % x.ndim),
                    _nthreads(x.size, _PARALLEL_MIN_CHEAP)) == _DONE:
                return o
    x = _as_input(fn, "x", x)
    w, ax, _ = _prelu_setup(fn, x, weight, axis)
    given, out = out, _prepare_out(fn, out, x)
    if x.size:
        if x.dtype == _F16:  # computed in float32, rounded once
            x32 = x.astype(np.float32)
            _prelu_run(fn, _K.prelu_forward, (x32,), x32, w, ax, False)
            _round_to_f16(out, x32)
        else:
            _prelu_run(fn, _K.prelu_forward, (x,), out, w, ax, False)
    else:
        _prelu_finite(fn, w)
    return out if given is None else given


def prelu_grad(grad, x, weight, axis=1, out=None, *, from_output=False):
    r"""Gradients of :func:`prelu` with respect to x and to the weight.

    Parameters
    ----------
    grad : array_like
        The gradient of the loss with respect to the function's output, of x's shape and
        dtype.
    x : array_like
        prelu's input (the output does not determine it where a weight is negative).
    weight : float or array_like
        The weight used in the forward.
    axis : int, default 1
        The channel axis used in the forward.
    out : ndarray, optional
        Where to write the result: an ndarray of x's shape and dtype, writable.  ``out=grad``
        (or ``out=x``) computes in place.  By default a new array is allocated.
    from_output : bool, default False
        Keyword-only, and must be False: a weight may be negative, so the output's sign does not tell x's, so its derivative cannot be computed from its
        output (ValueError).

    Returns
    -------
    grad_x : ndarray
        ``grad * (1 if x > 0 else w[c])``, of x's shape and dtype (``out`` if given).
    grad_weight : ndarray
        For each channel c, the sum of ``grad * x`` over the elements of channel c with
        x <= 0 (every axis but ``axis``); x's dtype, shaped like weight (0-d for a scalar
        weight).

    See Also
    --------
    prelu : the forward.

    Notes
    -----
    .. math::

        \frac{\partial L}{\partial x} =
        \begin{cases} g & x > 0 \\ w_c\,g & x \le 0 \end{cases},
        \qquad
        \frac{\partial L}{\partial w_c} = \sum_{x \le 0,\ \text{channel } c} g\,x

    The derivative at the kink is ``prelu'(0) = w[c]``.  NaN in x gives NaN.  The weight
    gradient is accumulated in float64 for every dtype and rounded once; it agrees across
    thread counts to rounding.

    Examples
    --------
    >>> import numpy as np, relufast
    >>> gx, gw = relufast.prelu_grad(np.ones((2, 2)), np.array([[-1.0, 1.0], [-3.0, 2.0]]),
    ...                              np.array([0.5, 0.5]))
    >>> gx
    array([[0.5, 1. ],
           [0.5, 1. ]])
    >>> gw
    array([-4.,  0.])
    """
    fn = "prelu_grad"
    if (from_output is False and type(x) is np.ndarray and type(grad) is np.ndarray
            and type(weight) is np.ndarray and type(axis) is int and 0 < x.size
            and weight.ndim == 1 and -x.ndim <= axis < x.ndim
            and weight.shape[0] == x.shape[axis]):
        # the hot path with a weight per channel, as prelu's: the kernel checks grad, x, weight
        # and out itself (C-contiguous, aligned, x's dtype, of one shape, out writable) and
        # refuses, without writing, those it cannot take, a non-finite weight or an overlap;
        # the general path below then raises or copies.  It sums the weight gradient in float64
        # and writes it into gw rounded once.
        kern = _K.prelu_gradient.get(x.dtype)
        if kern is not None:
            o = np.empty(x.shape, x.dtype) if out is None else out
            gw = np.empty(weight.shape[0], x.dtype)
            if type(o) is np.ndarray and kern(
                    grad, x, weight, o, gw, _run_length(x.shape, axis % x.ndim),
                    _nthreads(x.size, _PARALLEL_MIN_CHEAP)) == _DONE:
                return o, gw
    _no_from_output(fn, from_output, "the output's sign does not tell the input's for a negative "
                    "weight; keep x")
    grad = _as_input(fn, "grad", grad)
    x = _as_input(fn, "x", x)
    _same_shape(fn, grad, x)
    w, ax, scalar = _prelu_setup(fn, x, weight, axis)
    given, out = out, _prepare_out(fn, out, x)
    gw = np.zeros(w.shape[0], x.dtype)
    if x.size:
        if x.dtype == _F16:
            # computed in float64, rounded once: the products of float16 values are exact in
            # float32 and float64 alike, so grad_x is float32's, and the weight gradient's
            # float64 sums reach float16 in one rounding, not through float32
            g64 = grad.astype(np.float64)
            gw = _prelu_run(fn, _K.prelu_gradient, (g64, x.astype(np.float64)), g64, w, ax, True)
            _round_to_f16(out, g64)
            gw = gw.astype(x.dtype)
        else:
            gw = _prelu_run(fn, _K.prelu_gradient, (grad, x), out, w, ax, True)
    else:
        _prelu_finite(fn, w)
    return (out if given is None else given), (gw.reshape(()) if scalar else gw)


# ---------------------------------------------------------------------------------------------


def show_config(file=None):
    """Print how relufast was built and what it will use on this machine.

    The version, the Python and NumPy versions, whether OpenMP is on, the thread count and
    the size from which a call uses threads, the instruction set in use (and the others
    available), the compiler and its flags.  Include it in bug reports.

    Parameters
    ----------
    file : file-like, optional
        Where to print (anything with a ``write(str)`` method); default ``sys.stdout``.

    Examples
    --------
    >>> import io, relufast
    >>> buf = io.StringIO()
    >>> relufast.show_config(file=buf)
    >>> buf.getvalue().startswith("relufast " + relufast.__version__)
    True
    """
    try:
        from ._build_config import BUILD_CONFIG
    except ImportError:  # a build that did not go through setup.py's build_ext
        BUILD_CONFIG = {}
    lines = [
        f"relufast {__version__}",
        f"  python:          {sys.version.split()[0]}, numpy {np.__version__}",
        f"  openmp:          {'on' if _openmp.OPENMP else 'off (serial kernels)'}",
        f"  threads:         {_threads.get_num_threads()} "
        f"(cores seen by OpenMP: {_openmp.num_procs()})",
        f"  parallel above:  {_PARALLEL_MIN_CHEAP} elements "
        f"({_PARALLEL_MIN_TRANSCENDENTAL} for exp/erf/sigmoid ops)",
        f"  isa in use:      {_K.isa} ({_K.description})",
        f"  isas available:  {', '.join(_available_isas())} "
        f"(built: {', '.join(BUILD_CONFIG.get('isas', ['?']))})",
        f"  compiler:        {_openmp.COMPILER}",
        f"  cflags:          {' '.join(BUILD_CONFIG.get('cflags', ['?']))}",
        f"  isa flags:       {BUILD_CONFIG.get('isa_flags', '?')}",
        f"  ldflags:         {' '.join(BUILD_CONFIG.get('ldflags', [])) or '(none)'}",
    ]
    print("\n".join(lines), file=file)
