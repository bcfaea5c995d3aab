"""rrelu in training: its slopes and their guarantees, its gradient, layouts, dtypes, errors.

(rrelu in evaluation is in the test matrix, tests/cases.py: leaky_relu with the mean slope.)

What is guaranteed, and tested here: every slope lies in [lower, upper] (rounded to the
compute precision); the slope of an element is a function of the key drawn from the Generator,
the element's C-order index and the precision only, so one seed gives bitwise the same result
for every thread count, every ISA path, and every memory layout of the same logical array
(C, Fortran, strided, negative strides), out of place or in place; the gradient with the noise
uses exactly the forward's slopes.  The slopes are uniform and independent to the precision
these statistical tests can see (10**6 draws); they are not PyTorch's random numbers.
"""

import math

import numpy as np
import pytest

import reference as ref
import relufast
from relufast import _dispatch


F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
nan, inf = math.nan, math.inf


def _train(x, seed=1, **kw):
    return relufast.rrelu(x, training=True, rng=np.random.default_rng(seed), **kw)


def _key(seed):
    return int(np.random.default_rng(seed).integers(0, 2**64, dtype=np.uint64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bounds", [(1 / 8, 1 / 3), (0.0, 1.0), (-0.5, 0.25), (0.2, 0.2)])
def test_against_the_twin(dtype, bounds, rng):
    lo, hi = bounds
    x = rng.standard_normal((37, 41)).astype(dtype)
    x[0, :6] = [0.0, -0.0, nan, -inf, inf, 5e-324 if dtype == np.float64 else 1e-45]
    y, noise = _train(x, 7, lower=lo, upper=hi)
    assert noise.key == _key(7) and noise.shape == x.shape and noise.dtype == np.dtype(dtype)
    s = ref.rrelu_slopes(noise.key, x.shape, lo, hi, dtype)
    np.testing.assert_array_equal(noise.slopes(), s)
    want = ref.rrelu_train(x, s).astype(dtype)
    np.testing.assert_array_equal(y, want)
    assert np.signbit(y[0, 1]) == (s[0, 1] > 0)  # -0.0 * s
    g = rng.standard_normal(x.shape).astype(dtype)
    g[0, 6] = nan
    got = relufast.rrelu_grad(g, x, noise=noise)
    np.testing.assert_array_equal(got, ref.rrelu_train_grad(g, x, s).astype(dtype))
    if lo >= 0:
        np.testing.assert_array_equal(relufast.rrelu_grad(g, y, noise=noise, from_output=True),
                                      got)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_slopes_in_range_uniform_and_independent(dtype):
    n = 10**6
    x = -np.ones(n, dtype)
    y, noise = _train(x, 3, lower=0.0, upper=1.0)
    s = -y.astype(np.float64)
    assert s.min() >= 0 and s.max() <= 1
    # uniform: a chi-square over 100 bins (99 degrees of freedom: 99 +- 14; 160 is p ~ 1e-4)
    counts = np.bincount(np.minimum((s * 100).astype(int), 99), minlength=100)
    chi2 = ((counts - n / 100) ** 2 / (n / 100)).sum()
    assert chi2 < 160, chi2
    assert abs(s.mean() - 0.5) < 5 * math.sqrt(1 / 12 / n)
    # independent: neighbouring indices and neighbouring keys are uncorrelated (|r| < 5 / sqrt n)
    tol = 5 / math.sqrt(n)
    for lag in (1, 2, 8, 64, 4096):
        assert abs(np.corrcoef(s[:-lag], s[lag:])[0, 1]) < tol, lag
    for k in (noise.key + 1, noise.key ^ 1, noise.key ^ (1 << 63)):
        other = ref.rrelu_slopes(k, (n,), 0.0, 1.0)
        assert abs(np.corrcoef(s, other)[0, 1]) < tol, hex(k)
    # the hash's other bits are balanced too (a low, a middle and the top bit)
    bits = ref.rrelu_hash(noise.key, n)
    for b in (12, 40, 63):
        assert abs(((bits >> np.uint64(b)) & np.uint64(1)).mean() - 0.5) < tol


def test_reproducible_and_different_per_seed():
    x = np.linspace(-3, 3, 1001)
    y1, _ = _train(x, 5)
    y2, _ = _train(x, 5)
    y3, _ = _train(x, 6)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(y1, y3)
    # the Generator advances by one draw: two calls from one Generator differ
    g = np.random.default_rng(5)
    a, _ = relufast.rrelu(x, training=True, rng=g)
    b, _ = relufast.rrelu(x, training=True, rng=g)
    np.testing.assert_array_equal(a, y1)
    assert not np.array_equal(a, b)
    # rng=None: keys from the operating system
    _, n1 = relufast.rrelu(x, training=True)
    _, n2 = relufast.rrelu(x, training=True)
    assert n1.key != n2.key


@pytest.mark.usefixtures("thread_state")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_for_every_thread_count_and_isa(dtype, default_isa):
    x = np.random.default_rng(0).standard_normal(300_001).astype(dtype)
    g = np.ones_like(x)
    want = None
    for isa in _dispatch.available_isas():
        _dispatch.select_isa(isa)
        for nt in (1, 2, 3):
            with relufast.num_threads(nt):
                y, noise = _train(x, 11)
                gx = relufast.rrelu_grad(g, x, noise=noise)
            if want is None:
                want = (y, gx)
            np.testing.assert_array_equal(y, want[0], err_msg=f"{isa} {nt}")
            np.testing.assert_array_equal(gx, want[1], err_msg=f"{isa} {nt}")


def _layouts(c):
    """The same logical array as c in other layouts."""
    f = np.asfortranarray(c)
    big = np.zeros((c.shape[0] * 2, c.shape[1] * 3), c.dtype)
    strided = big[::2, ::3]
    strided[...] = c
    neg = np.ascontiguousarray(c[::-1, ::-1])[::-1, ::-1]
    return {"fortran": f, "strided": strided, "negative": neg}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_for_every_layout(dtype, rng):
    c = rng.standard_normal((33, 17)).astype(dtype)
    g = rng.standard_normal((33, 17)).astype(dtype)
    want, noise = _train(c, 4)
    gwant = relufast.rrelu_grad(g, c, noise=noise)
    for name, a in _layouts(c).items():
        y, n2 = _train(a, 4)
        np.testing.assert_array_equal(y, want, err_msg=name)
        for gname, gl in _layouts(g).items():
            np.testing.assert_array_equal(relufast.rrelu_grad(gl, a, noise=n2), gwant,
                                          err_msg=f"{name} {gname}")
        out = np.empty_like(a, order="F")  # an out of another layout
        assert _train(a, 4, out=out)[0] is out
        np.testing.assert_array_equal(out, want, err_msg=name)
        inplace = a.copy(order="K")
        _train(inplace, 4, out=inplace)
        np.testing.assert_array_equal(inplace, want, err_msg=name)


def test_in_place_and_overlap(rng):
    x = rng.standard_normal(1000)
    want, noise = _train(x, 2)
    a = x.copy()
    assert _train(a, 2, out=a)[0] is a
    np.testing.assert_array_equal(a, want)
    g = rng.standard_normal(1000)
    gw = relufast.rrelu_grad(g, x, noise=noise)
    g2 = g.copy()
    assert relufast.rrelu_grad(g2, x, noise=noise, out=g2) is g2
    np.testing.assert_array_equal(g2, gw)
    # out overlapping x shifted by one element
    buf = np.concatenate([x, [0.0]])
    xs, os_ = buf[:-1], buf[1:]
    xw, nw = _train(xs.copy(), 2)
    _train(xs, 2, out=os_)
    np.testing.assert_array_equal(os_, xw)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_half_precision_is_float32_rounded_once(name, rng):
    if name == "bfloat16":
        ml = pytest.importorskip("ml_dtypes")
        dt = np.dtype(ml.bfloat16)
    else:
        dt = np.dtype(np.float16)
    x = rng.standard_normal((5, 300)).astype(dt)
    y, noise = _train(x, 8)
    assert y.dtype == dt and noise.dtype == F32
    y32, _ = _train(x.astype(np.float32), 8)
    np.testing.assert_array_equal(y.astype(np.float32), y32.astype(dt).astype(np.float32))
    g = rng.standard_normal(x.shape).astype(dt)
    gx = relufast.rrelu_grad(g, x, noise=noise)
    assert gx.dtype == dt
    want = relufast.rrelu_grad(g.astype(np.float32), x.astype(np.float32), noise=noise)
    np.testing.assert_array_equal(gx.astype(np.float32), want.astype(dt).astype(np.float32))


def test_float64_gradient_of_a_float32_forward_uses_its_slopes(rng):
    x = rng.standard_normal(5000).astype(np.float32)
    y, noise = _train(x, 9)
    g = rng.standard_normal(5000)
    got = relufast.rrelu_grad(g, x, noise=noise)
    assert got.dtype == F64
    s32 = noise.slopes().astype(np.float64)
    np.testing.assert_array_equal(got, ref.rrelu_train_grad(g, x, s32))
    out = g.copy()
    assert relufast.rrelu_grad(out, x, noise=noise, out=out) is out
    np.testing.assert_array_equal(out, got)


def test_empty_and_0d():
    y, noise = _train(np.empty((0, 3)))
    assert y.shape == (0, 3) and noise.shape == (0, 3)
    assert relufast.rrelu_grad(np.empty((0, 3)), y, noise=noise).shape == (0, 3)
    y, noise = _train(np.float64(-2.0))
    assert y.shape == () and -2 / 3 <= y <= -1 / 4
    y, noise = _train([-1.0, 2.0])  # a list becomes float64
    assert y.dtype == F64


def _untouched(call, *arrays):
    before = [a.copy() for a in arrays]
    call()
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


def test_errors_write_nothing_and_draw_nothing():
    x = np.array([-1.0, 2.0])
    out = np.full(2, 7.0)
    g = np.random.default_rng(0)
    state = g.bit_generator.state
    for kw, exc, words in [
        ({"lower": 0.5, "upper": 0.25}, ValueError, "lower=0.5 must not exceed upper=0.25"),
        ({"lower": nan}, ValueError, "lower must be finite"),
        ({"upper": inf}, ValueError, "upper must be finite"),
        ({"lower": "a"}, TypeError, "lower must be a real number"),
        ({"rng": np.random.RandomState(0)}, TypeError, "rng must be a numpy.random.Generator"),
        ({"rng": 3}, TypeError, "rng must be a numpy.random.Generator"),
        ({"bias": 1.0}, TypeError, "bias= with training=True"),
        ({"out": np.empty(3)}, ValueError, "out has shape"),
        ({"out": np.empty(2, np.int32)}, TypeError, "out has dtype"),
    ]:
        kw = {"rng": g, **kw}
        with pytest.raises(exc, match=words):
            _untouched(lambda: relufast.rrelu(x, training=True, **kw), x, out)
        assert g.bit_generator.state == state
    with pytest.raises(TypeError, match="training must be a bool"):
        relufast.rrelu(x, training=1)
    with pytest.raises(TypeError, match="rng must be"):
        relufast.rrelu(x, rng="seed")  # evaluation checks it too
    with pytest.raises(ValueError, match="float32"):
        relufast.rrelu(x.astype(np.float32), -1e39, 1.0, training=True)
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        relufast.rrelu(ro, training=True, out=ro)


def test_gradient_errors():
    x = np.array([-1.0, 2.0])
    y, noise = _train(x, 1, lower=0.1, upper=0.2)
    g = np.ones(2)
    with pytest.raises(TypeError, match="noise must be the RReLUNoise"):
        relufast.rrelu_grad(g, x, noise=3)
    with pytest.raises(ValueError, match="noise was drawn for shape"):
        relufast.rrelu_grad(np.ones(3), np.ones(3), noise=noise)
    with pytest.raises(ValueError, match="grad has shape"):
        relufast.rrelu_grad(np.ones(3), x, noise=noise)
    with pytest.raises(ValueError, match="differs from the noise's lower"):
        relufast.rrelu_grad(g, x, 0.125, noise=noise)
    np.testing.assert_array_equal(relufast.rrelu_grad(g, x, 0.1, 0.2, noise=noise),
                                  relufast.rrelu_grad(g, x, noise=noise))
    with pytest.raises(TypeError, match="bias= with noise="):
        relufast.rrelu_grad(g, x, noise=noise, bias=1.0)
    _, neg = _train(x, 1, lower=-0.1, upper=0.2)
    with pytest.raises(ValueError, match="from_output=True is not supported"):
        relufast.rrelu_grad(g, x, noise=neg, from_output=True)
    with pytest.raises(ValueError, match="from_output=True is not supported"):
        relufast.rrelu_grad(g, x, -0.5, 0.1, from_output=True)
    with pytest.raises(ValueError, match="lower=0.5 must not exceed"):
        relufast.rrelu_grad(g, x, 0.5, 0.1)


def test_evaluation_is_pytorchs():
    # PyTorch sets the OpenMP runtime's thread count (to its intra-op count) when it starts
    # its pool, or on import with MKL_NUM_THREADS set, and relufast's default follows the
    # runtime: put it back for the tests after (read before the import)
    before = relufast.get_num_threads()
    torch = pytest.importorskip("torch")
    try:
        x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
        x[:3] = [0.0, -0.0, nan]
        for lo, hi in [(1 / 8, 1 / 3), (0.1, 0.3)]:
            t = torch.from_numpy(x.copy()).requires_grad_()
            yt = torch.nn.functional.rrelu(t, lo, hi, training=False)
            yt.backward(torch.ones_like(yt))
            np.testing.assert_array_equal(relufast.rrelu(x, lo, hi), yt.detach().numpy())
            np.testing.assert_array_equal(relufast.rrelu_grad(np.ones_like(x), x, lo, hi)[3:],
                                          t.grad.numpy()[3:])
    finally:
        torch.set_num_threads(before)


def test_noise_repr_and_slopes_shape():
    _, noise = _train(np.zeros((2, 3), np.float32), 1)
    assert "RReLUNoise(key=0x" in repr(noise) and "float32" in repr(noise)
    s = noise.slopes()
    assert s.shape == (2, 3) and s.dtype == F32


def test_span_overflow_is_refused():
    with pytest.raises(ValueError, match="overflows float64"):
        relufast.rrelu(np.ones(2), -1e308, 1e308, training=True)
