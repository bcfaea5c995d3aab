"""Dask arrays and xarray DataArrays: found by their type's module, handed to _dask / _xarray.

The call path tests ``type(x) is np.ndarray`` first and comes here only for what is not one,
so NumPy arrays pay nothing for this.  The test below reads the name of the argument's type's
module and imports neither dask nor xarray: relufast imports them only when given their arrays
(a user who has one has imported its package already).

Each entry point of the call path (``_call.unary``, ``_bias.forward``, ``_prelu.gradient``...)
that meets a lazy argument hands its own arguments to the function of the same name here,
which hands them to ``_xarray`` (a DataArray anywhere: unwrapped, the entry point called again
on its data, the result wrapped) or to ``_dask`` (a Dask array: the entry point called block by
block).
"""

import numpy as np

_ndarray = np.ndarray


def _kind(a):
    """"dask", "xarray" or None for the argument ``a`` (not an ndarray)."""
    m = type(a).__module__
    if m.startswith("dask."):
        return "dask"
    if m.startswith("xarray."):
        return "xarray"
    return None


def is_lazy(*arrays):
    """Is any of ``arrays`` a Dask array or an xarray object (Variable, DataArray)?"""
    for a in arrays:
        if type(a) is not _ndarray and a is not None and _kind(a) is not None:
            return True
    return False


def _route(entry, args, positions, axis_pos=None):
    """Run ``entry(*args)`` where some of ``args`` (at ``positions``) are lazy."""
    kinds = {_kind(args[i]) for i in positions if type(args[i]) is not _ndarray}
    if "xarray" in kinds:
        from . import _xarray
        return _xarray.call(entry, args, positions, axis_pos)
    from . import _dask
    return getattr(_dask, entry)(*args)


# the entry points, their array arguments' positions (fn, the function's name, is args[0]) and
# where an axis a DataArray may name by dimension lies

def unary(*args):
    return _route("unary", args, (2, 3))


def binary(*args):
    return _route("binary", args, (2, 3, 4))


def bias_forward(*args):
    return _route("bias_forward", args, (2, 3, 4), axis_pos=5)


def bias_gradient(*args):
    return _route("bias_gradient", args, (2, 3, 4, 5), axis_pos=6)


def mask_forward(*args):
    # (fn, op, x, out, mask, a, pname[, bias, axis])
    if len(args) > 7:
        return _route("mask_forward", args, (2, 3, 4, 7), axis_pos=8)
    return _route("mask_forward", args, (2, 3, 4))


def mask_gradient(*args):
    # (fn, grad, x, mask, out, from_output, a, zero, pname[, bias, axis])
    if len(args) > 9:
        return _route("mask_gradient", args, (1, 2, 3, 4, 9), axis_pos=10)
    return _route("mask_gradient", args, (1, 2, 3, 4))


def prelu_forward(*args):
    return _route("prelu_forward", args, (1, 2, 4), axis_pos=3)


def prelu_gradient(*args):
    return _route("prelu_gradient", args, (1, 2, 3, 5), axis_pos=4)


def prelu_bias_forward(*args):
    # (fn, x, weight, axis, out, bias)
    return _route("prelu_bias_forward", args, (1, 2, 4, 5), axis_pos=3)


def prelu_bias_gradient(*args):
    # (fn, grad, x, weight, axis, out, from_output, bias)
    return _route("prelu_bias_gradient", args, (1, 2, 3, 5, 7), axis_pos=4)


def glu_forward(*args):
    return _route("glu_forward", args, (3, 4, 6), axis_pos=5)


def glu_gradient(*args):
    return _route("glu_gradient", args, (4, 5, 6, 8), axis_pos=7)
