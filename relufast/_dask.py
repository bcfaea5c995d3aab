"""Dask arrays in, lazy Dask arrays out: each entry point of the call path, block by block.

Every function here takes the arguments of the entry point of the same name (``_call.unary``,
``_bias.gradient``...) and returns a Dask array whose blocks are that entry point called on
the input's NumPy blocks: relufast's own kernels, its own checks, no second implementation.
Before building the graph, the entry point runs once on zero-size stand-ins for the inputs
("meta", with the channel axis at its true length where a weight or bias is matched against
it), so that every argument error a direct call would raise is raised now, by the same code,
and the result's dtype is known without computing anything.

Weight and bias gradients (prelu_grad, the gradients with ``bias=``): each block's call returns
its partial sum (relufast sums in float64 and rounds once to the result dtype); the partial
sums, in float64, are added by Dask's tree reduction and rounded once more.  The result may so
differ from the direct call's by an ulp or two of the result dtype.

``out=`` is refused: a Dask array is immutable, and a lazy result has nowhere to be written
until it is computed (``da.store`` or ``to_zarr`` write it chunk by chunk).
"""

import operator
from functools import partial

import dask.array as da
import numpy as np

from . import _bias, _call, _gated, _masks, _prelu
from ._checks import as_input, int_axis

_F64 = np.dtype(np.float64)
_U8 = np.dtype(np.uint8)


def _refuse_out(fn, out):
    if out is not None:
        raise TypeError(
            f"{fn}: out= is not supported for Dask arrays (got {type(out).__name__}): a Dask "
            "result is lazy and immutable; leave out=None and write the result with "
            "dask.array.store or to_zarr"
        )


def _array(fn, name, a):
    """A Dask array from a Dask array, or from anything a direct call takes (checked by it)."""
    if isinstance(a, da.Array):
        return a
    return da.from_array(as_input(fn, name, a), chunks=-1)


def _meta(a, shape=None):
    """A stand-in for ``a``: zero elements (or ``shape``), its dtype, an ndarray."""
    return np.empty((0,) * a.ndim if shape is None else shape, a.dtype)


def _soft_axis(axis, x):
    """``axis`` in [0, x.ndim) if it is an int in range (None for a 0-d x), else None: the
    entry point, run on the stand-ins, then names the problem."""
    try:
        return int_axis("", x, axis)
    except (TypeError, ValueError):
        return None


def _channel_meta(a, ax):
    """A stand-in for ``a`` with zero elements but its true length along the channel axis."""
    if ax is None:
        return _meta(a)
    return _meta(a, tuple(s if i == ax else 0 for i, s in enumerate(a.shape)))


def _same_shape(fn, arrays, names):
    for a, n in zip(arrays[1:], names[1:]):
        if a.shape != arrays[0].shape:
            raise ValueError(f"{fn}: {names[0]} has shape {arrays[0].shape} but {n} has shape "
                             f"{a.shape}; they must match")


def _object_meta(ndim):
    return np.empty((0,) * ndim, object)


def _take(pair, i, meta, chunks=None):
    """Item ``i`` of a Dask array whose blocks are tuples of results."""
    return pair.map_blocks(operator.getitem, i, chunks=chunks, dtype=meta.dtype, meta=meta,
                           token=f"{pair.name.rsplit('-', 1)[0]}-{i}")


def _partial_sum(t, i, ndim, ax):
    """Item ``i`` of a block's results (a weight or bias gradient's sum over the block) in
    float64, shaped to keep the block's place along every axis."""
    g = np.asarray(t[i], _F64)
    return g.reshape(tuple(g.shape[0] if d == ax else 1 for d in range(ndim)))


def _reduced(pair, i, like, ax, meta):
    """The sum over all blocks of item ``i`` of each block's results (1-D along ``ax``, or 0-d
    for ``ax`` None): Dask's tree reduction, in float64, rounded once to ``meta``'s dtype."""
    nd = like.ndim
    chunks = tuple(c if d == ax else (1,) * len(c) for d, c in enumerate(like.chunks))
    parts = pair.map_blocks(_partial_sum, i, nd, ax, chunks=chunks, dtype=_F64,
                            meta=np.empty((0,) * nd, _F64))
    total = parts.sum(axis=tuple(d for d in range(nd) if d != ax), dtype=_F64)
    with np.errstate(over="ignore"):
        return total.astype(meta.dtype)


# ---------------------------------------------------------------------------------------------
# the block functions: module-level (picklable for the distributed scheduler, and tokenized by
# Dask from their arguments), each calling an entry point on NumPy blocks

def _unary_block(fn, op, a, b, threshold, pname, nonzero, x):
    return _call.unary(fn, op, x, None, a, b, threshold, pname, nonzero)


def _binary_block(fn, op, a, b, threshold, xname, pname, nonzero, grad, x):
    return _call.binary(fn, op, grad, x, None, a, b, threshold, xname, pname, nonzero)


def _mask_forward_block(fn, op, a, pname, x):
    return _masks.forward(fn, op, x, None, True, a, pname)


def _mask_gradient_block(fn, from_output, a, zero, pname, grad, mask):
    return _masks.gradient(fn, grad, None, mask, None, from_output, a, zero, pname)


def _channel(block, as_list):
    """A weight or bias block as the entry point takes it (a list stays a list: prelu treats
    a list as a parameter, rounded, and an ndarray by its dtype)."""
    return block.tolist() if as_list else block


def _bias_forward_block(fn, op, axis, a, b, threshold, pname, nonzero, as_list, x, bias):
    return _bias.forward(fn, op, x, None, _channel(bias, as_list), axis, a, b, threshold, pname,
                         nonzero)


def _bias_gradient_block(fn, op, axis, from_output, a, b, threshold, xname, pname, nonzero,
                         as_list, grad, x, bias):
    return _bias.gradient(fn, op, grad, x, None, _channel(bias, as_list), axis, from_output, a,
                          b, threshold, xname, pname, nonzero)


def _prelu_forward_block(fn, axis, as_list, x, weight):
    return _prelu.forward(fn, x, _channel(weight, as_list), axis, None)


def _prelu_gradient_block(fn, axis, as_list, grad, x, weight):
    return _prelu.gradient(fn, grad, x, _channel(weight, as_list), axis, None, False)


def _glu_forward_block(fn, kind, op, a, b):
    return _gated.forward(fn, kind, op, a, b, -1, None)


def _glu_gradient_block(fn, kind, op, dop, grad, a, b):
    return _gated.gradient(fn, kind, op, dop, grad, a, b, -1, None)


# ---------------------------------------------------------------------------------------------
# the entry points

def unary(fn, op, x, out, a=0.0, b=0.0, threshold=None, pname=None, nonzero=False):
    _refuse_out(fn, out)
    x = _array(fn, "x", x)
    f = partial(_unary_block, fn, op, a, b, threshold, pname, nonzero)
    meta = f(_meta(x))  # every check of a direct call, and the result's dtype
    return x.map_blocks(f, dtype=meta.dtype, meta=meta, token=fn)


def binary(fn, op, grad, x, out, a=0.0, b=0.0, threshold=None, xname="x", pname=None,
           nonzero=False):
    _refuse_out(fn, out)
    grad = _array(fn, "grad", grad)
    x = _array(fn, xname, x)
    _same_shape(fn, [grad, x], ["grad", xname])
    f = partial(_binary_block, fn, op, a, b, threshold, xname, pname, nonzero)
    meta = f(_meta(grad), _meta(x))
    # one chunking (x's) for both; Dask's own unification fails on some empty chunks
    return da.map_blocks(f, grad.rechunk(x.chunks), x, dtype=meta.dtype, meta=meta, token=fn)


def _align8(x):
    """``x`` with chunks along the last axis that are whole mask bytes (multiples of 8, the
    last one excepted): each block's mask is then the whole mask's block."""
    if x.ndim == 0 or all(c % 8 == 0 for c in x.chunks[-1][:-1]):
        return x
    size = -(-max(x.chunks[-1]) // 8) * 8
    return x.rechunk(x.chunks[:-1] + (size,))


def _mask_chunks(x):
    return x.chunks[:-1] + (tuple(-(-c // 8) for c in x.chunks[-1]),)


def _plus_bias(fn, x, bias, axis, compute):
    """(x + bias in the compute dtype, lazily, the channel axis or None, bias was a scalar):
    the bias checked by the direct call's rules first."""
    if isinstance(bias, da.Array):
        bias = bias.compute()  # one value per channel: small
    bv, ax, scalar = _bias.bias_and_axis(fn, x, bias, axis, compute)
    return x.astype(compute) + _bias.broadcast_bias(bv, ax, x.ndim), ax, scalar


def _compute(*dtypes):
    return _F64 if _F64 in dtypes else np.dtype(np.float32)


def mask_forward(fn, op, x, out, mask, a=0.0, pname=None, bias=None, axis=1):
    _refuse_out(fn, out)
    if bias is not None:  # the mask of x + bias, as the direct call: x + bias first
        x = _array(fn, "x", x)
        z, _, _ = _plus_bias(fn, x, bias, axis, _compute(x.dtype))
        return mask_forward(fn, op, z, None, mask, a, pname)
    if mask is not True:
        raise TypeError(f"{fn}: with a Dask array, mask= must be True (the mask comes back as "
                        f"a lazy Dask array beside the result), got {type(mask).__name__}")
    x = _array(fn, "x", x)
    if x.ndim == 0:
        x = x.reshape(1)  # a 0-d x's mask is one byte, as a 1-element x's
        y, m = mask_forward(fn, op, x, None, True, a, pname)
        return y.reshape(()), m
    x = _align8(x)
    f = partial(_mask_forward_block, fn, op, a, pname)
    ymeta, mmeta = f(_meta(x))
    pair = x.map_blocks(f, dtype=object, meta=_object_meta(x.ndim), token=fn)
    return _take(pair, 0, ymeta), _take(pair, 1, mmeta, _mask_chunks(x))


def mask_gradient(fn, grad, x, mask, out, from_output, a=0.0, zero=True, pname=None,
                  bias=None, axis=1):
    _refuse_out(fn, out)
    if bias is not None:  # the bias only shapes its gradient here
        grad = _array(fn, "grad", grad)
        _, ax, _ = _bias.bias_and_axis(fn, grad, bias, axis, _compute(grad.dtype))
        gx = mask_gradient(fn, grad, x, mask, None, from_output, a, zero, pname)
        return gx, _bias.bias_sum(gx, ax, grad.dtype if grad.dtype in (_F64, np.float32)
                                  else gx.dtype)
    grad = _array(fn, "grad", grad)
    mask = mask if isinstance(mask, da.Array) else da.asarray(mask)
    f = partial(_mask_gradient_block, fn, from_output, a, zero, pname)
    if x is not None or from_output:  # refused as a direct call refuses them
        _masks.gradient(fn, _meta(grad), x, _meta(mask), None, from_output, a, zero, pname)
    expected = _masks.mask_shape(grad.shape)
    if mask.shape != expected or mask.dtype != _U8:
        raise ValueError(f"{fn}: mask must be a uint8 array of shape {expected} (mask_shape of "
                         f"grad's shape), got {mask.dtype} of shape {mask.shape}")
    if grad.ndim == 0:
        return mask_gradient(fn, grad.reshape(1), None, mask, None, from_output, a, zero,
                             pname).reshape(())
    grad = _align8(grad)
    mask = mask.rechunk(_mask_chunks(grad))
    meta = f(_meta(grad), np.empty(_masks.mask_shape(_meta(grad).shape), _U8))
    ind = tuple(range(grad.ndim))
    return da.blockwise(f, ind, grad, ind, mask, ind, dtype=meta.dtype, meta=meta,
                        align_arrays=False, token=fn)


def _channel_array(weight, x, ax):
    """A 1-D weight or bias as a Dask array chunked as x along the channel axis, and whether
    it was a list (kept one, block by block)."""
    if isinstance(weight, da.Array):
        weight = weight.compute()  # one value per channel: small
    as_list = not isinstance(weight, np.ndarray)
    w = np.asarray(weight, _F64) if as_list else weight
    return da.from_array(w, chunks=(x.chunks[ax],)), as_list


def _is_scalar(weight):
    return np.ndim(weight) == 0


def _start(fn, out, channel, arrays, names):
    """What every entry point with a weight or bias does first: ``out`` refused, the arrays
    (named ``names``: x, or grad and x) as Dask arrays of one shape, and a Dask weight or bias
    computed (one value per channel: small).  Returns (weight or bias, arrays)."""
    _refuse_out(fn, out)
    arrays = [_array(fn, n, a) for a, n in zip(arrays, names)]
    _same_shape(fn, arrays, names)
    if isinstance(channel, da.Array):
        channel = channel.compute()
    return channel, arrays


def bias_forward(fn, op, x, out, bias, axis, a, b, threshold, pname=None, nonzero=False):
    bias, (x,) = _start(fn, out, bias, [x], ["x"])
    ax = None if _is_scalar(bias) else _soft_axis(axis, x)
    meta = _bias.forward(fn, op, _channel_meta(x, ax), None, bias, axis, a, b, threshold,
                         pname, nonzero)  # every check: bias, axis, parameters
    if ax is None:
        f = partial(_bias_forward_block, fn, op, axis, a, b, threshold, pname, nonzero, False,
                    bias=bias)
        return x.map_blocks(f, dtype=meta.dtype, meta=meta, token=fn)
    bd, as_list = _channel_array(bias, x, ax)
    f = partial(_bias_forward_block, fn, op, ax, a, b, threshold, pname, nonzero, as_list)
    ind = tuple(range(x.ndim))
    return da.blockwise(f, ind, x, ind, bd, (ax,), dtype=meta.dtype, meta=meta, token=fn)


def bias_gradient(fn, op, grad, x, out, bias, axis, from_output, a, b, threshold, xname="x",
                  pname=None, nonzero=False):
    bias, (grad, x) = _start(fn, out, bias, [grad, x], ["grad", xname])
    ax = None if _is_scalar(bias) else _soft_axis(axis, x)
    gmeta, bmeta = _bias.gradient(fn, op, _channel_meta(grad, ax), _channel_meta(x, ax), None,
                                  bias, axis, from_output, a, b, threshold, xname, pname,
                                  nonzero)
    grad = grad.rechunk(x.chunks)
    ind = tuple(range(x.ndim))
    if ax is None:
        f = partial(_bias_gradient_block, fn, op, axis, from_output, a, b, threshold, xname,
                    pname, nonzero, False, bias=bias)
        pair = da.blockwise(f, ind, grad, ind, x, ind, dtype=object,
                            meta=_object_meta(x.ndim), token=fn)
    else:
        bd, as_list = _channel_array(bias, x, ax)
        f = partial(_bias_gradient_block, fn, op, ax, from_output, a, b, threshold, xname,
                    pname, nonzero, as_list)
        pair = da.blockwise(f, ind, grad, ind, x, ind, bd, (ax,), dtype=object,
                            meta=_object_meta(x.ndim), token=fn)
    return _take(pair, 0, gmeta), _reduced(pair, 1, x, ax, bmeta)


def prelu_forward(fn, x, weight, axis, out):
    weight, (x,) = _start(fn, out, weight, [x], ["x"])
    ax = None if _is_scalar(weight) else _soft_axis(axis, x)
    meta = _prelu.forward(fn, _channel_meta(x, ax), weight, axis, None)
    ind = tuple(range(x.ndim))
    if ax is None:
        f = partial(_prelu_forward_block, fn, axis, False, weight=weight)
        return x.map_blocks(f, dtype=meta.dtype, meta=meta, token=fn)
    wd, as_list = _channel_array(weight, x, ax)
    f = partial(_prelu_forward_block, fn, ax, as_list)
    return da.blockwise(f, ind, x, ind, wd, (ax,), dtype=meta.dtype, meta=meta, token=fn)


def prelu_gradient(fn, grad, x, weight, axis, out, from_output):
    weight, (grad, x) = _start(fn, out, weight, [grad, x], ["grad", "x"])
    ax = None if _is_scalar(weight) else _soft_axis(axis, x)
    gmeta, wmeta = _prelu.gradient(fn, _channel_meta(grad, ax), _channel_meta(x, ax), weight,
                                   axis, None, from_output)
    grad = grad.rechunk(x.chunks)
    ind = tuple(range(x.ndim))
    if ax is None:
        f = partial(_prelu_gradient_block, fn, axis, False, weight=weight)
        pair = da.blockwise(f, ind, grad, ind, x, ind, dtype=object,
                            meta=_object_meta(x.ndim), token=fn)
    else:
        wd, as_list = _channel_array(weight, x, ax)
        f = partial(_prelu_gradient_block, fn, ax, as_list)
        pair = da.blockwise(f, ind, grad, ind, x, ind, wd, (ax,), dtype=object,
                            meta=_object_meta(x.ndim), token=fn)
    return _take(pair, 0, gmeta), _reduced(pair, 1, x, ax, wmeta)


def _halves(x, ax):
    """x's two halves along ``ax`` (gated units' a and b), lazily."""
    h = x.shape[ax] // 2
    lo = (slice(None),) * ax + (slice(0, h),)
    hi = (slice(None),) * ax + (slice(h, None),)
    return x[lo], x[hi]


def glu_forward(fn, kind, op, a, b, axis, out):
    _refuse_out(fn, out)
    f = partial(_glu_forward_block, fn, kind, op)
    if b is None:  # one array x: its halves along axis are a and b
        x = _array(fn, "x", a)
        ax = _soft_axis(axis, x)
        _gated.forward(fn, kind, op, _channel_meta(x, ax), None, axis, None)  # the checks
        a, b = _halves(x, ax)
    else:
        a = _array(fn, "a", a)
        b = _array(fn, "b", b)
        _same_shape(fn, [a, b], ["a", "b"])
    meta = f(_meta(a), _meta(b))
    return da.map_blocks(f, a, b.rechunk(a.chunks), dtype=meta.dtype, meta=meta, token=fn)


def glu_gradient(fn, kind, op, dop, grad, a, b, axis, out):
    _refuse_out(fn, out)
    grad = _array(fn, "grad", grad)
    f = partial(_glu_gradient_block, fn, kind, op, dop)
    ax = None
    if b is None:
        x = _array(fn, "x", a)
        ax = _soft_axis(axis, x)
        _gated.forward(fn, kind, op, _channel_meta(x, ax), None, axis, None)  # axis checks
        half = x.shape[:ax] + (x.shape[ax] // 2,) + x.shape[ax + 1:]
        if grad.shape != half:
            raise ValueError(f"{fn}: grad has shape {grad.shape}, expected {half} (x's shape "
                             f"with axis {axis} halved: the forward's result)")
        a, b = _halves(x, ax)
    else:
        a = _array(fn, "a", a)
        b = _array(fn, "b", b)
        _gated.same_shapes(fn, grad, a, b)
    gmeta, _ = f(_meta(grad), _meta(a), _meta(b))
    a = a.rechunk(grad.chunks)
    b = b.rechunk(grad.chunks)
    pair = da.map_blocks(f, grad, a, b, dtype=object, meta=_object_meta(grad.ndim), token=fn)
    ga, gb = _take(pair, 0, gmeta), _take(pair, 1, gmeta)
    if ax is None:
        return ga, gb
    return da.concatenate([ga, gb], axis=ax)


def prelu_bias_forward(fn, x, weight, axis, out, bias):
    weight, (x,) = _start(fn, out, weight, [x], ["x"])
    result, compute = _prelu._promote(x.dtype, _prelu._weight_dtype(fn, weight))
    z, _, _ = _plus_bias(fn, x, bias, axis, compute)
    return prelu_forward(fn, z, weight, axis, None).astype(result)


def prelu_bias_gradient(fn, grad, x, weight, axis, out, from_output, bias):
    weight, (grad, x) = _start(fn, out, weight, [grad, x], ["grad", "x"])
    result, compute = _prelu._promote(grad.dtype, x.dtype, _prelu._weight_dtype(fn, weight))
    z, ax, _ = _plus_bias(fn, x, bias, axis, compute)
    gx, gw = prelu_gradient(fn, grad, z, weight, axis, None, from_output)
    return gx.astype(result), gw.astype(result), _bias.bias_sum(gx, ax, result)
