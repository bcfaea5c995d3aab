"""The instruction-set paths (relufast._kernels_<isa>) agree: bitwise for relu, leaky_relu,
prelu and relu6; for the exponential family, gelu and silu, within twice TRANSCENDENTAL_ULP_TOL
of each other (each path within the tolerance of the exact value), with NaN and infinities in
the same places.  Each test restores the default kernels."""

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import ELEMENTWISE, F32, F64, mixed_values
from numerics import TRANSCENDENTAL_ULP_TOL, assert_same, derivative_floor, ulp_error

pytestmark = [
    pytest.mark.usefixtures("default_isa"),
    pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning"),
]

ISAS = _dispatch.available_isas()


def _run_all(fn, x, g):
    """forward, gradient and (where allowed) the gradient from the output, with every ISA."""
    results = {}
    for isa in ISAS:
        assert _dispatch.select_isa(isa) == isa
        assert _dispatch.KERNELS.isa == isa
        r = [fn.forward(x), fn.gradient(g, x), fn.gradient(np.ones_like(x), x)]
        if fn.from_output:
            r.append(fn.gradient(g, fn.forward(x), from_output=True))
        results[isa] = r
    return results


def _marks(fn, dtype):
    return []


@pytest.mark.parametrize(
    "fn, dtype", [pytest.param(fn, dt, id=f"{fn.id}-{dt.name}", marks=_marks(fn, dt))
                  for fn in ELEMENTWISE for dt in (F32, F64)])
def test_isa_paths_agree(fn, dtype, rng):
    x = mixed_values(rng, 20_000, dtype)
    g = mixed_values(rng, 20_000, dtype)
    results = _run_all(fn, x, g)
    base = results["baseline"]
    tol = 2 * TRANSCENDENTAL_ULP_TOL[dtype]
    for isa, r in results.items():
        if fn.exact:
            for got, want in zip(r, base):
                assert_same(got, want, what=f"{fn.id}: {isa} against baseline")
            continue
        fwd, grad, deriv = r[:3]
        err = ulp_error(fwd, base[0].astype(F64), dtype)
        assert np.all(err <= tol), (isa, fn.id, x[err > tol][:5])
        err = ulp_error(deriv, base[2].astype(F64), dtype, floor=derivative_floor(fn, x))
        assert np.all(err <= tol), (isa, fn.grad_name, x[err > tol][:5])
        special = ~np.isfinite(base[1])
        assert_same(grad[special], base[1][special], what=f"{fn.grad_name}: {isa} non-finite")


@pytest.mark.parametrize("isa", ISAS)
def test_each_isa_is_thread_count_independent(isa, rng):
    _dispatch.select_isa(isa)
    for fn in ELEMENTWISE:
        n = 2 * fn.threshold + 3
        x = mixed_values(rng, n, F32)[1:]
        with relufast.num_threads(1):
            want = fn.forward(x), fn.gradient(x, x)
        with relufast.num_threads(2):
            got = fn.forward(x), fn.gradient(x, x)
        assert_same(got[0], want[0], what=f"{isa} {fn.id}")
        assert_same(got[1], want[1], what=f"{isa} {fn.grad_name}")


@pytest.mark.parametrize("isa", ISAS)
def test_prelu_vector_weight_on_each_isa(isa, rng):
    x = mixed_values(rng, 3 * 5 * 41, F64).reshape(3, 5, 41)
    g = mixed_values(rng, x.size, F64).reshape(x.shape)
    w = np.linspace(-1, 1, 5)
    _dispatch.select_isa("baseline")
    want = relufast.prelu(x, w), relufast.prelu_grad(g, x, w)
    _dispatch.select_isa(isa)
    assert_same(relufast.prelu(x, w), want[0])
    gx, gw = relufast.prelu_grad(g, x, w)
    assert_same(gx, want[1][0])
    np.testing.assert_allclose(gw, want[1][1], rtol=1e-13)


def test_available_isas():
    assert ISAS[-1] == "baseline" and len(set(ISAS)) == len(ISAS)
    assert set(ISAS) <= set(_dispatch.ISA_ORDER)
    # best first, as the import-time choice takes the first
    assert ISAS == [i for i in _dispatch.ISA_ORDER if i in ISAS]


def test_select_isa_default_and_unknown(monkeypatch):
    monkeypatch.delenv("RELUFAST_ISA", raising=False)
    assert _dispatch.select_isa() == ISAS[0]
    with pytest.raises(ValueError, match="isa"):
        _dispatch.select_isa("sse9")
    for isa in _dispatch.ISA_ORDER:
        if isa not in ISAS:
            with pytest.raises(ValueError, match=isa):
                _dispatch.select_isa(isa)
    assert _dispatch.KERNELS.isa == ISAS[0]  # a refused switch changes nothing


def test_select_isa_follows_environment(monkeypatch):
    monkeypatch.setenv("RELUFAST_ISA", "baseline")
    assert _dispatch.select_isa() == "baseline"
    assert _dispatch.KERNELS.isa == "baseline"


# the first six: float64 softplus' elements (beta 0.7 and 4) whose last bit moved with their
# position on the AVX2 build (gcc contracted the loop's vector body and its scalar tail
# differently) and on AVX-512 before its table loop
_MOVED = [-21.396804326958094, -5.3547901263048505, -4.6663232520222664, -24.389881528913975,
          -0.7460235927183213, -0.7894183093393174, -26.382017197629565, -4.60615591597609,
          -0.6877127589217449, -20.573090324985724, -5.128576700563258, 0.06080217652487542,
          -2.4867615399174112]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_an_elements_bits_do_not_depend_on_its_position(isa, dtype, rng):
    """f(x)[i] depends on x[i] alone: every element computed alone (the loops' scalar head or
    tail), at offsets 0 to 8 into outputs of every alignment and in place, against the whole
    array's bits (its vector body), for every function and gradient."""
    _dispatch.select_isa(isa)
    x = np.concatenate([_MOVED, 25 * rng.standard_normal(250), rng.uniform(-30, 30, 250),
                        mixed_values(rng, 100, F64)]).astype(dtype)
    g = (rng.standard_normal(x.size) * 10.0 ** rng.uniform(-5, 5, x.size)).astype(dtype)
    for fn in ELEMENTWISE:
        calls = [(fn.id, lambda g, x, **kw: fn.forward(x, **kw), True),
                 (fn.grad_name, fn.gradient, False)]
        for what, f, unary in calls:
            whole = f(g, x)
            one = np.concatenate([f(g[i:i + 1], x[i:i + 1]) for i in range(x.size)])
            moved = np.flatnonzero(_moved(one, whole))
            assert moved.size == 0, (isa, what, x[moved[:3]])
            buf = np.empty(x.size + 16, dtype)
            for off in range(9):
                out = buf[off:off + x.size - 3]
                f(g[3:], x[3:], out=out)
                assert not _moved(out, whole[3:]).any(), (isa, what, off)
            y = (x if unary else g).copy()
            f(y, x, out=y) if not unary else f(g, y, out=y)
            assert not _moved(y, whole).any(), (isa, what, "in place")


def _moved(a, b):
    """Where a and b differ in their bits (the sign of zero counts), NaN against NaN aside:
    a NaN's sign and payload are not part of the contract."""
    nan = np.isnan(a) & np.isnan(b)
    return (a.view(f"u{a.itemsize}") != b.view(f"u{b.itemsize}")) & ~nan
