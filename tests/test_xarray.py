"""xarray: a DataArray in, a DataArray out with its dims, coordinates, attrs and name; an axis
named by dimension (skipped without xarray)."""

import numpy as np
import pytest

import relufast

xr = pytest.importorskip("xarray")

NOT_ARRAY_FUNCTIONS = {"__version__", "RReLUNoise", "get_num_threads", "num_threads",
                       "set_num_threads",
                       "show_config", "mask_shape"}
GATED = {"reglu", "geglu", "swiglu"}
EXTRA = {"threshold": (0.5, -2.0), "threshold_grad": (0.5, -2.0),
         "prelu": (np.float32(0.25),), "prelu_grad": (np.float32(0.25),)}


def labelled(rng, shape=(3, 4, 6)):
    values = (rng.standard_normal(shape) * 3).astype(np.float32)
    return xr.DataArray(values, dims=("batch", "channel", "time"),
                        coords={"batch": [10, 20, 30], "channel": list("abcd"),
                                "time": np.arange(shape[2]) * 0.5,
                                "label": ("channel", ["w", "x", "y", "z"])},
                        attrs={"units": "V"}, name="signal")


def assert_like(got, direct, like):
    assert isinstance(got, xr.DataArray)
    assert got.dims == like.dims and got.attrs == like.attrs and got.name == like.name
    xr.testing.assert_identical(got.coords.to_dataset(), like.coords.to_dataset())
    np.testing.assert_array_equal(np.asarray(got), direct)


@pytest.mark.parametrize("name", sorted(n for n in relufast.__all__
                                        if n not in NOT_ARRAY_FUNCTIONS))
def test_every_function_keeps_labels(name, rng):
    f = getattr(relufast, name)
    x = labelled(rng)
    g = x * 0.5 + 1
    base = name[:-5] if name.endswith("_grad") else name
    if base in GATED:
        if name.endswith("_grad"):
            gh = g.isel(time=slice(0, 3))
            got, direct = f(gh, x), f(gh.values, x.values)
            assert_like(got, direct, x)
        else:
            got, direct = f(x), f(x.values)
            assert got.dims == x.dims and "time" not in got.coords and got.shape == (3, 4, 3)
            assert list(got.coords["channel"].values) == list("abcd")
            np.testing.assert_array_equal(got.values, direct)
        return
    extra = EXTRA.get(name, ())
    if name.endswith("_grad"):
        got, direct = f(g, x, *extra), f(g.values, x.values, *extra)
    else:
        got, direct = f(x, *extra), f(x.values, *extra)
    if isinstance(direct, tuple):  # prelu_grad: (grad_x, grad_weight)
        assert_like(got[0], direct[0], x)
        np.testing.assert_array_equal(np.asarray(got[1]), direct[1])
    else:
        assert_like(got, direct, x)


def test_axis_named_by_dimension(rng):
    x = labelled(rng)
    g = x * 0.5
    w = np.array([0.1, -0.2, 0.3, 0.0], np.float32)
    assert_like(relufast.prelu(x, w, axis="channel"), relufast.prelu(x.values, w, axis=1), x)
    gx, gw = relufast.prelu_grad(g, x, w, axis="channel")
    dgx, dgw = relufast.prelu_grad(g.values, x.values, w, axis=1)
    assert_like(gx, dgx, x)
    assert gw.dims == ("channel",) and list(gw.coords["channel"].values) == list("abcd")
    assert list(gw.coords["label"].values) == ["w", "x", "y", "z"]
    np.testing.assert_array_equal(gw.values, dgw)
    b = np.linspace(-1, 1, 6).astype(np.float32)
    assert_like(relufast.gelu(x, bias=b, axis="time"), relufast.gelu(x.values, bias=b, axis=2), x)
    gx, gb = relufast.relu_grad(g, x, bias=b, axis="time")
    assert gb.dims == ("time",)
    np.testing.assert_array_equal(gb.values, relufast.relu_grad(g.values, x.values, bias=b,
                                                                axis=2)[1])
    y = relufast.reglu(x, axis="channel")
    assert y.shape == (3, 2, 6) and "channel" not in y.coords and "time" in y.coords
    with pytest.raises(ValueError, match="prelu: axis 'chanel' names no dimension"):
        relufast.prelu(x, w, axis="chanel")


def test_mask_and_out(rng):
    x = labelled(rng)
    y, m = relufast.relu(x, mask=True)
    y0, m0 = relufast.relu(x.values, mask=True)
    assert_like(y, y0, x)
    assert isinstance(m, np.ndarray)
    np.testing.assert_array_equal(m, m0)
    assert_like(relufast.relu_grad(x, mask=m), relufast.relu_grad(x.values, mask=m0), x)
    with pytest.raises(TypeError, match="relu: out= is not supported for xarray"):
        relufast.relu(x, out=x)


def test_bias_with_mask_and_prelu(rng):
    x = labelled(rng)
    b = np.linspace(-1, 1, 4).astype(np.float32)
    w = np.full(4, 0.2, np.float32)
    y, m = relufast.relu(x, mask=True, bias=b, axis="channel")
    y0, m0 = relufast.relu(x.values, mask=True, bias=b, axis=1)
    assert_like(y, y0, x)
    np.testing.assert_array_equal(m, m0)
    gx, gb = relufast.relu_grad(x, mask=m, bias=b, axis="channel")
    gx0, gb0 = relufast.relu_grad(x.values, mask=m0, bias=b, axis=1)
    assert_like(gx, gx0, x)
    assert gb.dims == ("channel",)
    np.testing.assert_array_equal(np.asarray(gb), gb0)
    assert_like(relufast.prelu(x, w, "channel", bias=b),
                relufast.prelu(x.values, w, 1, bias=b), x)
    gx, gw, gb = relufast.prelu_grad(x, x, w, "channel", bias=b)
    gx0, gw0, gb0 = relufast.prelu_grad(x.values, x.values, w, 1, bias=b)
    assert_like(gx, gx0, x)
    assert gw.dims == gb.dims == ("channel",)
    np.testing.assert_array_equal(np.asarray(gb), gb0)


def test_dask_backed_stays_lazy(rng):
    da = pytest.importorskip("dask.array")
    x = labelled(rng).chunk({"batch": 1, "time": 4})
    y = relufast.silu(x)
    assert isinstance(y.data, da.Array)
    assert_like(y, relufast.silu(x.values), x)
    gx, gw = relufast.prelu_grad(x, x, np.ones(4, np.float32) * 0.5, axis="channel")
    assert isinstance(gx.data, da.Array) and isinstance(gw.data, da.Array)
    np.testing.assert_allclose(gw.values, relufast.prelu_grad(
        x.values, x.values, np.ones(4, np.float32) * 0.5, axis=1)[1], rtol=1e-5)
