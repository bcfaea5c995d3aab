"""Dask arrays in, lazy Dask arrays out: every public function, block by block, equal to the
direct call on the whole NumPy array (skipped without dask)."""

import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import relufast

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

# what is not an activation or a gradient
NOT_ARRAY_FUNCTIONS = {"__version__", "RReLUNoise", "get_num_threads", "num_threads",
                       "set_num_threads",
                       "show_config", "mask_shape"}
GATED = {"reglu", "geglu", "swiglu"}
# the arguments after the arrays, for the functions that need some
EXTRA = {"threshold": (0.5, -2.0), "threshold_grad": (0.5, -2.0)}


def array_functions():
    return sorted(n for n in relufast.__all__ if n not in NOT_ARRAY_FUNCTIONS)


def edge_values(rng, shape, dtype=np.float32):
    x = rng.standard_normal(shape).astype(dtype) * 4
    flat = x.reshape(-1)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 6.0, -3.0, 3.0, 1e-40],
                        dtype=dtype)
    flat[:specials.size] = specials
    return x


def operands(name, rng, shape=(6, 10, 21)):
    """(NumPy arrays, chunks for each, extra arguments) of a call of ``name``."""
    x = edge_values(rng, shape)
    chunks = ((2, 0, 4), (3, 7), (5, 0, 16))  # uneven, with empty chunks
    if name in GATED:
        return [x[..., :20]], [chunks[:2] + ((5, 15),)], ()
    if name.endswith("_grad") and name[:-5] in GATED:
        g = rng.standard_normal(shape[:2] + (10,)).astype(np.float32)
        return [g, x[..., :20]], [chunks[:2] + ((4, 6),), chunks[:2] + ((9, 11),)], ()
    if name == "prelu":
        w = np.linspace(-0.5, 0.5, shape[1]).astype(np.float32)
        return [x], [chunks], (w,)
    if name == "prelu_grad":
        w = np.linspace(-0.5, 0.5, shape[1]).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        return [g, x], [((6,), (10,), (21,)), chunks], (w,)
    if name.endswith("_grad"):
        g = rng.standard_normal(shape).astype(np.float32)
        return [g, x], [((3, 3), (10,), (7, 7, 7)), chunks], EXTRA.get(name, ())
    return [x], [chunks], EXTRA.get(name, ())


def assert_same(lazy, direct, weight_gradient=False):
    if isinstance(direct, tuple):
        assert isinstance(lazy, tuple) and len(lazy) == len(direct)
        for i, (a, b) in enumerate(zip(lazy, direct)):
            assert_same(a, b, weight_gradient=weight_gradient and i == 1)
        return
    assert isinstance(lazy, da.Array)
    got = lazy.compute()
    assert got.dtype == direct.dtype == lazy.dtype and got.shape == direct.shape
    if weight_gradient:  # summed per chunk, then the sums added: an ulp or so apart
        np.testing.assert_allclose(got, direct, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, direct)  # the same kernels, bit for bit


@pytest.mark.parametrize("name", array_functions())
def test_every_function_block_by_block(name, rng):
    """Every public function: a lazy Dask array, computed by the threaded scheduler, equal to
    the direct call.  A function added later must work here too, or be listed as refused."""
    f = getattr(relufast, name)
    arrays, chunks, extra = operands(name, rng)
    lazy_args = [da.from_array(a, chunks=c) for a, c in zip(arrays, chunks)]
    direct = f(*arrays, *extra)
    with dask.config.set(scheduler="threads"):
        lazy = f(*lazy_args, *extra)
        assert_same(lazy, direct, weight_gradient=name == "prelu_grad")


@pytest.mark.parametrize("name", array_functions())
def test_out_is_refused(name, rng):
    f = getattr(relufast, name)
    if "out" not in inspect.signature(f).parameters:
        pytest.skip("no out=")
    arrays, chunks, extra = operands(name, rng)
    lazy_args = [da.from_array(a, chunks=c) for a, c in zip(arrays, chunks)]
    with pytest.raises(TypeError, match=rf"{name}: out= is not supported for Dask arrays"):
        f(*lazy_args, *extra, out=lazy_args[-1])
    with pytest.raises(TypeError, match=rf"{name}: out= is not supported for Dask arrays"):
        f(*lazy_args, *extra, out=np.empty_like(arrays[-1]))


def test_nothing_is_computed_until_asked():
    """The functions build the graph only: a block that fails when computed fails nothing."""
    def boom(b):
        raise AssertionError("computed")

    x = da.ones((8, 6), chunks=4, dtype=np.float32).map_blocks(boom, dtype=np.float32)
    y = relufast.gelu(x)
    gx, gw = relufast.prelu_grad(y, x, np.ones(6, np.float32))
    assert y.dtype == np.float32 and gx.shape == (8, 6) and gw.shape == (6,)
    with pytest.raises(AssertionError, match="computed"):
        gw.compute()


def test_errors_come_at_the_call(rng):
    """Argument errors are raised by the call, as a direct call raises them, not at compute."""
    x = da.from_array(edge_values(rng, (4, 6)), chunks=2)
    with pytest.raises(ValueError, match="leaky_relu: negative_slope"):
        relufast.leaky_relu(x, float("nan"))
    with pytest.raises(TypeError, match="relu: x has dtype int64"):
        relufast.relu(da.ones(4, dtype=np.int64, chunks=2))
    with pytest.raises(ValueError, match="relu_grad: grad has shape"):
        relufast.relu_grad(da.ones((3, 6), chunks=2, dtype=np.float32), x)
    with pytest.raises(ValueError, match="prelu: weight has length 5"):
        relufast.prelu(x, np.ones(5, np.float32), axis=1)
    with pytest.raises(ValueError, match="reglu: x has length 5"):
        relufast.reglu(x[:, :5])
    with pytest.raises(ValueError, match="prelu_grad: from_output"):
        relufast.prelu_grad(x, x, np.ones(6, np.float32), from_output=True)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_and_mixed(dtype, rng):
    x = edge_values(rng, (5, 9), dtype)
    g = rng.standard_normal((5, 9))  # float64: the result is float64
    dx, dg = da.from_array(x, chunks=(2, 4)), da.from_array(g, chunks=(3, 3))
    assert_same(relufast.silu(dx), relufast.silu(x))
    assert_same(relufast.silu_grad(dg, dx), relufast.silu_grad(g, x))
    assert_same(relufast.elu_grad(dx, dx, 0.5, from_output=True),
                relufast.elu_grad(x, x, 0.5, from_output=True))


def test_numpy_and_dask_operands_mix(rng):
    x = edge_values(rng, (6, 8))
    g = rng.standard_normal((6, 8)).astype(np.float32)
    assert_same(relufast.relu_grad(g, da.from_array(x, chunks=3)), relufast.relu_grad(g, x))
    assert_same(relufast.relu_grad(da.from_array(g, chunks=3), x.tolist()),
                relufast.relu_grad(g, x.tolist()))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "relu6"])
@pytest.mark.parametrize("last_chunks", [(21,), (8, 13), (5, 0, 16), (3, 3, 3, 3, 9)])
def test_masks(name, last_chunks, rng):
    """mask=True: the mask comes back lazily beside the result, bytes aligned with the
    blocks (chunks along the last axis not whole bytes are rechunked), and the gradient reads
    it block by block."""
    f, fg = getattr(relufast, name), getattr(relufast, name + "_grad")
    x = edge_values(rng, (4, 21))
    g = rng.standard_normal((4, 21)).astype(np.float32)
    dx = da.from_array(x, chunks=((1, 3), last_chunks))
    y, m = f(dx, mask=True)
    y0, m0 = f(x, mask=True)
    assert_same((y, m), (y0, m0))
    assert m.shape == relufast.mask_shape(x.shape)
    assert_same(fg(da.from_array(g, chunks=((2, 2), last_chunks)), mask=m),
                fg(g, mask=m0))
    assert_same(fg(da.from_array(g, chunks=2), mask=m0), fg(g, mask=m0))  # a NumPy mask
    with pytest.raises(TypeError, match=f"{name}: with a Dask array, mask= must be True"):
        f(dx, mask=np.empty(m0.shape, np.uint8))
    with pytest.raises(ValueError, match=f"{name}_grad: mask must be a uint8 array"):
        fg(da.from_array(g, chunks=2), mask=m0[:, :2])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_bias_along_chunked_axis(axis, rng):
    x = edge_values(rng, (6, 10, 9))
    g = rng.standard_normal(x.shape).astype(np.float32)
    bias = np.linspace(-1, 1, x.shape[axis]).astype(np.float32)
    dx = da.from_array(x, chunks=((1, 5), (3, 0, 7), (4, 5)))
    dg = da.from_array(g, chunks=(3, 5, 9))
    for f in (relufast.relu, relufast.gelu, relufast.hardtanh):
        assert_same(f(dx, bias=bias, axis=axis), f(x, bias=bias, axis=axis))
    assert_same(relufast.elu(dx, bias=0.25), relufast.elu(x, bias=0.25))
    assert_same(relufast.silu(dx, bias=bias.tolist(), axis=axis),
                relufast.silu(x, bias=bias.tolist(), axis=axis))
    for fg in (relufast.relu_grad, relufast.silu_grad):
        assert_same(fg(dg, dx, bias=bias, axis=axis), fg(g, x, bias=bias, axis=axis),
                    weight_gradient=True)
        assert_same(fg(dg, dx, bias=0.5), fg(g, x, bias=0.5), weight_gradient=True)
    assert relufast.relu_grad(dg, dx, bias=0.5)[1].shape == ()


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_bias_with_mask_and_prelu(axis, rng):
    """mask= with bias=, and prelu's bias: lazily, as the direct calls."""
    x = edge_values(rng, (6, 10, 16))
    g = rng.standard_normal(x.shape).astype(np.float32)
    bias = np.linspace(-1, 1, x.shape[axis]).astype(np.float32)
    w = np.linspace(-0.5, 0.5, x.shape[axis]).astype(np.float32)
    dx = da.from_array(x, chunks=((1, 5), (3, 0, 7), (8, 8)))
    dg = da.from_array(g, chunks=(3, 5, 8))
    y, m = relufast.leaky_relu(dx, 0.1, mask=True, bias=bias, axis=axis)
    y0, m0 = relufast.leaky_relu(x, 0.1, mask=True, bias=bias, axis=axis)
    assert isinstance(y, da.Array) and isinstance(m, da.Array)
    assert_same(y, y0)
    np.testing.assert_array_equal(m.compute(), m0)
    assert_same(relufast.leaky_relu_grad(dg, negative_slope=0.1, mask=m0, bias=bias, axis=axis),
                relufast.leaky_relu_grad(g, negative_slope=0.1, mask=m0, bias=bias, axis=axis),
                weight_gradient=True)
    assert_same(relufast.prelu(dx, w, axis, bias=bias), relufast.prelu(x, w, axis, bias=bias))
    assert_same(relufast.prelu_grad(dg, dx, w, axis, bias=bias),
                relufast.prelu_grad(g, x, w, axis, bias=bias), weight_gradient=True)
    with pytest.raises(ValueError, match="prelu: bias has length 3"):
        relufast.prelu(dx, w, axis, bias=np.ones(3, np.float32))


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_prelu_along_chunked_axis(axis, rng):
    x = edge_values(rng, (6, 10, 9))
    g = rng.standard_normal(x.shape).astype(np.float32)
    w = np.linspace(-0.5, 0.5, x.shape[axis]).astype(np.float32)
    dx = da.from_array(x, chunks=((1, 5), (3, 0, 7), (4, 5)))
    dg = da.from_array(g, chunks=(2, 5, 3))
    assert_same(relufast.prelu(dx, w, axis=axis), relufast.prelu(x, w, axis=axis))
    assert_same(relufast.prelu(dx, w.tolist(), axis=axis),
                relufast.prelu(x, w.tolist(), axis=axis))
    assert_same(relufast.prelu(dx, 0.25), relufast.prelu(x, 0.25))
    assert_same(relufast.prelu(dx, da.from_array(w, chunks=2), axis=axis),
                relufast.prelu(x, w, axis=axis))
    assert_same(relufast.prelu_grad(dg, dx, w, axis=axis),
                relufast.prelu_grad(g, x, w, axis=axis), weight_gradient=True)
    assert_same(relufast.prelu_grad(dg, dx, 0.25), relufast.prelu_grad(g, x, 0.25),
                weight_gradient=True)


def test_gated_two_arrays(rng):
    a, b = edge_values(rng, (4, 9)), rng.standard_normal((4, 9))
    g = rng.standard_normal((4, 9)).astype(np.float32)
    da_, db, dg = (da.from_array(v, chunks=c) for v, c in ((a, 2), (b, 3), (g, (4, 5))))
    for name in GATED:
        f, fg = getattr(relufast, name), getattr(relufast, name + "_grad")
        assert_same(f(da_, db), f(a, b))
        assert_same(fg(dg, da_, db), fg(g, a, b))
    x = edge_values(rng, (6, 4))
    assert_same(relufast.swiglu(da.from_array(x, chunks=(4, 1)), axis=0),
                relufast.swiglu(x, axis=0))


def test_empty_and_zero_dimensional(rng):
    e = da.zeros((0, 5), chunks=2, dtype=np.float32)
    assert_same(relufast.relu(e), relufast.relu(np.zeros((0, 5), np.float32)))
    s = np.float32(-2.5)
    assert_same(relufast.gelu(da.from_array(np.asarray(s))), relufast.gelu(np.asarray(s)))
    y, m = relufast.relu(da.from_array(np.asarray(s)), mask=True)
    assert_same((y, m), relufast.relu(np.asarray(s), mask=True))


def test_graph_names_are_deterministic(rng):
    x = da.from_array(edge_values(rng, (4, 6)), chunks=2)
    assert relufast.relu(x).name == relufast.relu(x).name
    assert relufast.relu(x).name != relufast.relu6(x).name
    assert relufast.relu(x).name.startswith("relu-")


def test_distributed_scheduler(rng):
    """Blocks computed in worker processes: the block functions pickle, the kernels run there."""
    distributed = pytest.importorskip("distributed")
    x = edge_values(rng, (40, 30))
    g = rng.standard_normal(x.shape).astype(np.float32)
    w = np.linspace(-1, 1, 30).astype(np.float32)
    dx, dg = da.from_array(x, chunks=(7, 11)), da.from_array(g, chunks=(13, 30))
    environ = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0") as cluster, \
                distributed.Client(cluster):
            assert_same(relufast.gelu(dx), relufast.gelu(x))
            assert_same(relufast.prelu_grad(dg, dx, w), relufast.prelu_grad(g, x, w),
                        weight_gradient=True)
            y, m = relufast.relu(dx, mask=True)
            assert_same(relufast.relu_grad(dg, mask=m), relufast.relu_grad(
                g, mask=relufast.relu(x, mask=True)[1]))
    finally:
        # the Nanny writes distributed.nanny.pre-spawn-environ (OMP_NUM_THREADS=1,
        # MKL_NUM_THREADS=1...) into this process's os.environ before it spawns a worker, and
        # leaves it there: a PyTorch imported by a later test then reads MKL_NUM_THREADS=1 and
        # sets the OpenMP runtime's thread count, relufast's default, to 1 for the rest of the
        # run (test_threads.py's two-thread cases were skipped in every full run)
        for k in set(os.environ) - set(environ):
            del os.environ[k]
        os.environ.update(environ)


def test_relufast_never_imports_dask():
    """relufast imports dask only when given a Dask array: NumPy calls, lists and errors
    leave it unimported."""
    code = ("import sys, numpy as np, relufast\n"
            "relufast.relu(np.ones(3)); relufast.relu([1.0, -1.0])\n"
            "relufast.relu_grad([1.0], [2.0])\n"
            "relufast.prelu(np.ones((2, 3)), [0.1, 0.2, 0.3]); relufast.reglu(np.ones(4))\n"
            "relufast.relu(np.ones(3), bias=1.0); relufast.relu(np.ones(3), mask=True)\n"
            "try:\n    relufast.relu('a')\nexcept TypeError:\n    pass\n"
            "assert not {'dask', 'xarray'} & set(sys.modules), sorted(sys.modules)\n")
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(relufast.__file__))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)


def test_rrelu_training_is_refused(rng):
    dx = da.from_array(rng.standard_normal((4, 6)).astype(np.float32), chunks=2)
    with pytest.raises(TypeError, match="rrelu: training=True does not take Dask arrays"):
        relufast.rrelu(dx, training=True, rng=np.random.default_rng(0))
    y, noise = relufast.rrelu(dx.compute(), training=True, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rrelu_grad: training=True does not take Dask"):
        relufast.rrelu_grad(dx, dx, noise=noise)
