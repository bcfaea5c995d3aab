"""xarray: a DataArray in, a DataArray out, with its dims, coordinates, attrs and name.

The entry point is called again on the DataArrays' data (``.data``: a NumPy array, computed
directly, or a Dask array, computed lazily by ``_dask``), and each array it returns is wrapped
back: as the input it has the shape of (every coordinate kept), or, for a result of another
shape (the gated units' halved axis, prelu's weight gradient along its channel dimension), with
the dims and the coordinates whose lengths still match.  A packed bit mask (``mask=True``) is
returned as it is: its last axis counts bytes, not elements.

An ``axis`` (prelu's, a bias's, the gated units') may name a dimension: ``axis="channel"``.
``out=`` is refused, as for Dask arrays: a DataArray result is a new object.
"""

import numpy as np
import xarray as xr

from . import _bias, _call, _gated, _masks, _prelu

_ENTRIES = {
    "unary": _call.unary,
    "binary": _call.binary,
    "bias_forward": _bias.forward,
    "bias_gradient": _bias.gradient,
    "mask_forward": _masks.forward,
    "mask_gradient": _masks.gradient,
    "prelu_forward": _prelu.forward,
    "prelu_gradient": _prelu.gradient,
    "prelu_bias_forward": _bias.prelu_forward,
    "prelu_bias_gradient": _bias.prelu_gradient,
    "glu_forward": _gated.forward,
    "glu_gradient": _gated.gradient,
}
_OUT_POSITION = {"unary": 3, "binary": 4, "bias_forward": 3, "bias_gradient": 4,
                 "mask_forward": 3, "mask_gradient": 4, "prelu_forward": 4,
                 "prelu_gradient": 5, "prelu_bias_forward": 4, "prelu_bias_gradient": 5,
                 "glu_forward": 6, "glu_gradient": 8}


def _wrap(result, inputs, entry, ax):
    """``result`` (an array, a tuple of them, or a mask) as DataArrays like ``inputs``; ``ax``
    the channel axis (an int) or None."""
    if isinstance(result, tuple):
        return tuple(_wrap(r, inputs, entry, ax) for r in result)
    if entry == "mask_forward" and result.dtype == np.uint8:
        return result
    for p in inputs:  # the input this result has the shape of: everything kept
        if result.shape == p.shape:
            return xr.DataArray(result, coords=p.coords, dims=p.dims, attrs=p.attrs,
                                name=p.name)
    p = inputs[0]
    if result.ndim == p.ndim:  # a halved axis: the coordinates along it are dropped
        dims = p.dims
    elif (result.ndim == 1 and isinstance(ax, int) and -p.ndim <= ax < p.ndim
          and result.shape[0] == p.shape[ax]):  # a weight or bias gradient
        dims = (p.dims[ax],)
    elif result.ndim == 0:
        return xr.DataArray(result, attrs={})
    else:
        return result
    sizes = dict(zip(dims, result.shape))
    coords = {k: c for k, c in p.coords.items()
              if all(sizes.get(d) == p.sizes[d] for d in c.dims)}
    return xr.DataArray(result, coords=coords, dims=dims, attrs=p.attrs, name=p.name)


def call(entry, args, positions, axis_pos):
    args = list(args)
    fn = args[0]
    out_pos = _OUT_POSITION[entry]
    if args[out_pos] is not None:
        raise TypeError(f"{fn}: out= is not supported for xarray objects (got "
                        f"{type(args[out_pos]).__name__}); leave out=None: the result is a new "
                        "DataArray")
    inputs = [args[i] for i in positions if isinstance(args[i], (xr.DataArray, xr.Variable))]
    if axis_pos is not None and isinstance(args[axis_pos], str):
        dim = args[axis_pos]
        for p in inputs:
            if dim in p.dims:
                args[axis_pos] = p.get_axis_num(dim)
                break
        else:
            raise ValueError(f"{fn}: axis {dim!r} names no dimension of the input (dims "
                             f"{inputs[0].dims})")
    for i in positions:
        if isinstance(args[i], (xr.DataArray, xr.Variable)):
            args[i] = args[i].data
    result = _ENTRIES[entry](*args)
    inputs = [p if isinstance(p, xr.DataArray) else xr.DataArray(p) for p in inputs]
    return _wrap(result, inputs, entry, None if axis_pos is None else args[axis_pos])
