"""Input checks: dtypes, shapes, ``out``, parameters.  One place, one style of message.

Every message names the function, the argument, what was expected and what came.  Each check
runs before anything is written, so a refused call leaves every array as it was.  The hot path
(``_call``) skips them: the kernel checks its operands in C and refuses, without writing, what
it cannot take; only then do these run, to name the problem or to prepare what the kernel needs.
"""

import math
import operator

import numpy as np

from ._dispatch import BF16, F16, F32, F64
from ._lazy import is_lazy

# bfloat16 when ml_dtypes is installed (an optional dependency)
DTYPES = (F16, F32, F64) if BF16 is None else (F16, F32, F64, BF16)
_SUPPORTED = ("float16, float32 and float64" if BF16 is None
              else "float16, float32, float64 and bfloat16 (ml_dtypes)")

F32_MAX = float(np.finfo(np.float32).max)
_F32_ROUNDS_TO_ZERO = 2.0**-150  # at or below this, a float rounds to 0 in float32


def is_masked_array(a):
    """Is the ndarray ``a`` a numpy.ma.MaskedArray?  A plain ndarray is not, and is answered
    without touching ``np.ma``, whose first use imports numpy.ma (36 ms, measured on the first
    call with a mask)."""
    return type(a) is not np.ndarray and isinstance(a, np.ma.MaskedArray)


def as_input(fn, name, a):
    """An ndarray of a supported dtype from ``a``, or TypeError naming ``name``.

    An ndarray keeps its dtype (or is refused); a subclass (np.memmap, np.matrix) comes back as
    a base-class view of the same memory, so that the kernels see plain arrays; a MaskedArray
    is refused (its mask would be ignored).  A NumPy float scalar keeps its dtype; other
    array-likes (lists, Python numbers) become float64.
    """
    if isinstance(a, np.ndarray):
        if is_masked_array(a):
            raise TypeError(
                f"{fn}: {name} is a numpy.ma.MaskedArray, which relufast does not support "
                f"(its mask would be ignored); pass {name}.filled(...) or {name}.data"
            )
        dt = a.dtype
        if not (dt is F32 or dt is F64 or dt is F16 or (dt in DTYPES and dt.isnative)):
            raise TypeError(dtype_message(fn, name, dt))
        return a if type(a) is np.ndarray else a.view(np.ndarray)
    if a is None:  # a gradient called with neither x nor mask=
        raise TypeError(f"{fn}: missing {name} (got None)")
    if isinstance(a, np.generic):
        if a.dtype in DTYPES:
            return np.asarray(a)
        if a.dtype.kind in "fc":  # a longdouble or complex scalar: refused as its array is
            raise TypeError(dtype_message(fn, name, a.dtype))
    try:
        arr = np.asarray(a)
        if arr.dtype.kind == "O" and all(isinstance(v, (int, float)) for v in arr.flat):
            arr = np.asarray(a, dtype=np.float64)  # Python ints beyond 64 bits
    except Exception as e:  # ragged lists, objects NumPy cannot convert
        raise TypeError(
            f"{fn}: {name} must be an array or array-like of real numbers, "
            f"got {type(a).__name__} that NumPy cannot convert ({e})"
        ) from None
    if arr.dtype.kind not in "biuf" or arr.dtype.itemsize > 8:  # longdouble: more than float64
        raise TypeError(
            f"{fn}: {name} must be an array or array-like of real numbers of at most float64's "
            f"precision, got {type(a).__name__} holding {arr.dtype}"
        )
    return arr.astype(np.float64)


def input_dtype(fn, name, a):
    """The dtype of ``a`` (the argument ``name``) as the call path takes it, after its checks:
    TypeError for what it refuses.  For the parameter checks that depend on the precision a
    call computes in and run before the call path, so that a wrong x is named before a
    parameter, as in every other call.  A Dask array or a DataArray is judged by its dtype,
    as its direct call does on an empty stand-in, computing nothing."""
    if type(a) is not np.ndarray and is_lazy(a):
        a = np.empty(0, a.dtype)
    return as_input(fn, name, a).dtype


def dtype_message(fn, name, dt):
    if dt.kind == "f" and not dt.isnative and dt.newbyteorder("=") in DTYPES:
        return (
            f"{fn}: {name} has non-native byte order ({dt.str}); supported dtypes are "
            f"{_SUPPORTED} in native byte order: use {name}.astype({dt.newbyteorder('=').name})"
        )
    return f"{fn}: {name} has dtype {dt}; supported dtypes are {_SUPPORTED}"


def check_out(fn, out, like, name="out", compute=None):
    """``out`` must be a writable ndarray of ``like``'s shape, and of ``like``'s dtype, or with
    ``compute`` (the dtype the call computes in) of a float dtype it casts to under NumPy's
    ``same_kind`` rule."""
    if not isinstance(out, np.ndarray) or is_masked_array(out):
        raise TypeError(f"{fn}: {name} must be a numpy.ndarray, got {type(out).__name__}")
    if compute is None:
        if out.dtype != like.dtype:
            raise TypeError(
                f"{fn}: {name} has dtype {out.dtype}, expected {like.dtype} (the input's dtype)"
            )
    elif out.dtype != compute and not (out.dtype in DTYPES and out.dtype.isnative
                                       and np.can_cast(compute, out.dtype, "same_kind")):
        # (an out of the compute dtype itself, the common case, skips can_cast: a third of a
        # small call's checks.  ``like`` need not have a dtype: the gated units pass a shape)
        raise TypeError(
            f"{fn}: {name} has dtype {out.dtype}, expected one of {_SUPPORTED} in native byte "
            f"order, to which the result (computed in {compute}) casts under NumPy's "
            "'same_kind' rule"
        )
    if out.shape != like.shape:
        raise ValueError(
            f"{fn}: {name} has shape {out.shape}, expected {like.shape} (the input's shape)"
        )
    if not out.flags.writeable:
        raise ValueError(f"{fn}: {name} is read-only")


def prepare_out(fn, out, x, compute=None, result=None):
    """A new array of x's shape and of dtype ``result`` (default x's), or the caller's ``out``
    after checking it (as a plain ndarray); ``compute`` allows any float dtype it casts to."""
    if out is None:
        return np.empty_like(x, dtype=result, subok=False)  # x's layout (C or F) kept
    if out is not x:
        check_out(fn, out, x, compute=compute)
        return out if type(out) is np.ndarray else out.view(np.ndarray)
    if not x.flags.writeable:
        raise ValueError(f"{fn}: out is read-only")
    return out


def check_same_shape(fn, grad, x, xname="x"):
    """``grad`` and ``x`` (named ``xname``) must have one shape (their float dtypes may differ:
    the call computes in NumPy's result_type of them)."""
    if grad.shape != x.shape:
        raise ValueError(
            f"{fn}: grad has shape {grad.shape} but {xname} has shape {x.shape}; they must match"
        )


def param(fn, name, value, nonzero=False):
    """A finite real parameter (a slope, an alpha) as a Python float."""
    if type(value) is float and -F32_MAX <= value <= F32_MAX and (value or not nonzero):
        return value  # the common case, with one type test and two compares
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


def outside_f32(value, nonzero):
    """True if ``value`` overflows float32, or is to be nonzero and rounds to 0 there."""
    return (value > F32_MAX or value < -F32_MAX
            or (nonzero and -_F32_ROUNDS_TO_ZERO <= value <= _F32_ROUNDS_TO_ZERO))


def check_param_f32(fn, name, value, nonzero):
    """Parameters are rounded to the compute precision: in float32 they must stay valid."""
    if abs(value) > F32_MAX:
        raise ValueError(
            f"{fn}: {name}={value} overflows float32, the precision this array is computed in"
        )
    if nonzero and abs(value) <= _F32_ROUNDS_TO_ZERO:
        raise ValueError(
            f"{fn}: {name}={value} rounds to 0 in float32, the precision this array is "
            "computed in; it must be nonzero"
        )


def int_axis(fn, x, axis, name="x"):
    """``axis`` as an index in [0, x.ndim) of the array named ``name``: TypeError for what is
    not an int (a bool too, which operator.index would take as 0 or 1), ValueError for an
    axis out of range.  The one definition of a valid axis, for every function that takes one."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{fn}: axis must be an int, got {type(axis).__name__}")
    try:
        ax = operator.index(axis)
    except TypeError:
        raise TypeError(f"{fn}: axis must be an int, got {type(axis).__name__}") from None
    if not -x.ndim <= ax < x.ndim:
        raise ValueError(f"{fn}: axis {axis} is out of range for {name} with {x.ndim} "
                         "dimensions")
    return ax % x.ndim


def channel_axis(fn, x, axis, name, length):
    """``axis`` as an index in [0, x.ndim) along which a 1-D parameter ``name`` of ``length``
    values (prelu's weight, a bias) lies, or TypeError / ValueError naming what is wrong."""
    ax = int_axis(fn, x, axis)
    if length != x.shape[ax]:
        raise ValueError(f"{fn}: {name} has length {length}, expected {x.shape[ax]} "
                         f"(x.shape[{ax}] for x of shape {x.shape})")
    return ax


def no_from_output(fn, from_output, why):
    if from_output:
        raise ValueError(f"{fn}: from_output=True is not supported: {why}")
