"""relufast.layers: forward and backward equal the functions', keeping the least state."""

import numpy as np
import pytest

import relufast
import relufast.layers as L

from numerics import assert_same

F32 = np.dtype(np.float32)


def data(rng, shape=(8, 24)):
    return rng.standard_normal(shape).astype(F32) * 3, rng.standard_normal(shape).astype(F32)


# (layer factory, forward, gradient(g, x), what it keeps without a bias, with one)
CASES = [
    ("relu", lambda **k: L.ReLU(**k), relufast.relu, relufast.relu_grad, {}, "mask", "mask"),
    ("relu6", lambda **k: L.ReLU6(**k), relufast.relu6, relufast.relu6_grad, {}, "mask",
     "mask"),
    ("leaky", lambda **k: L.LeakyReLU(0.1, **k), relufast.leaky_relu, relufast.leaky_relu_grad,
     {"negative_slope": 0.1}, "mask", "mask"),
    ("leaky-neg", lambda **k: L.LeakyReLU(-0.2, **k), relufast.leaky_relu,
     relufast.leaky_relu_grad, {"negative_slope": -0.2}, "mask", "mask"),
    ("elu", lambda **k: L.ELU(1.5, **k), relufast.elu, relufast.elu_grad, {"alpha": 1.5},
     "output", "output"),
    ("celu", lambda **k: L.CELU(0.5, **k), relufast.celu, relufast.celu_grad, {"alpha": 0.5},
     "output", "output"),
    ("selu", lambda **k: L.SELU(**k), relufast.selu, relufast.selu_grad, {}, "output", "output"),
    ("gelu", lambda **k: L.GELU(**k), relufast.gelu, relufast.gelu_grad, {}, "input", "input"),
    ("gelu-tanh", lambda **k: L.GELU("tanh", **k), relufast.gelu, relufast.gelu_grad,
     {"approximate": "tanh"}, "input", "input"),
    ("silu", lambda **k: L.SiLU(**k), relufast.silu, relufast.silu_grad, {}, "input", "input"),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("in_place", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_layer_equals_functions(case, in_place, with_bias, rng):
    name, make, f, fg, kw, kept, kept_bias = case
    x0, g0 = data(rng)
    b = rng.standard_normal(24).astype(F32) if with_bias else None
    layer = make(bias=b, in_place=in_place)
    x, g = x0.copy(), g0.copy()
    y = layer.forward(x)
    assert (y is x) == in_place
    z = x0 + b if with_bias else x0
    assert_same(y, f(z, **kw))
    assert layer.kept == (kept_bias if with_bias else kept)
    if layer.kept == "mask":
        assert layer.nbytes_kept == x.size // 8
    from_y = layer.kept == "output"
    want = fg(g0, f(z, **kw), from_output=True, **kw) if from_y else fg(g0, z, **kw)
    gx = layer.backward(g)
    assert (gx is g) == in_place
    assert_same(gx, want)
    if with_bias:
        np.testing.assert_allclose(layer.grad_bias, want.sum(axis=0), rtol=1e-5, atol=1e-5)
    assert layer.kept is None and layer.nbytes_kept == 0
    with pytest.raises(RuntimeError, match="no forward to go back through"):
        layer.backward(g0)


def test_the_mask_buffer_is_reused(rng):
    layer = L.ReLU()
    x, g = data(rng)
    layer.forward(x)
    buf = layer._buffer
    layer.backward(g)
    layer.forward(x)
    assert layer._buffer is buf


def test_prelu_layer(rng):
    x0, g0 = data(rng)
    w = np.linspace(-0.5, 0.5, 24).astype(F32)
    layer = L.PReLU(w, axis=1, in_place=True)
    x = x0.copy()
    assert layer.forward(x) is x
    assert_same(x, relufast.prelu(x0, w, 1))
    g = g0.copy()
    gx = layer.backward(g)
    want_gx, want_gw = relufast.prelu_grad(g0, x0, w, 1)
    assert gx is g
    assert_same(gx, want_gx)
    assert_same(layer.grad_weight, want_gw)


def test_prelu_layer_with_bias(rng):
    x0, g0 = data(rng)
    w = np.linspace(-0.5, 0.5, 24).astype(F32)
    b = rng.standard_normal(24).astype(F32)
    layer = L.PReLU(w, axis=1, bias=b)
    y = layer.forward(x0)
    assert_same(y, relufast.prelu(x0 + b, w, 1))
    gx = layer.backward(g0)
    want_gx, want_gw, want_gb = relufast.prelu_grad(g0, x0, w, 1, bias=b)
    assert_same(gx, want_gx)
    assert_same(layer.grad_weight, want_gw)
    assert_same(layer.grad_bias, want_gb)


@pytest.mark.parametrize("cls, fn, fg", [(L.SwiGLU, relufast.swiglu, relufast.swiglu_grad),
                                         (L.GeGLU, relufast.geglu, relufast.geglu_grad),
                                         (L.ReGLU, relufast.reglu, relufast.reglu_grad)])
def test_gated_layers(cls, fn, fg, rng):
    x, _ = data(rng, (8, 48))
    layer = cls()
    y = layer.forward(x)
    assert_same(y, fn(x))
    g = rng.standard_normal(y.shape).astype(F32)
    assert_same(layer.backward(g), fg(g, x))
    assert layer.kept is None
