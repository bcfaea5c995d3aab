"""Gated units (reglu, geglu, swiglu) and their gradients against the unfused composition.

The contract is bitwise: ``f(a) * b`` with f relufast's own, computed in the compute dtype
(float16 and bfloat16 in float32) and rounded into the result's; the gradients
``f_grad(grad * b, a)`` and ``grad * f(a)`` likewise.  Every ISA's kernels, every dtype and
mixed pair, the edge values, layouts, both forms (two arrays, one array split along an axis),
in place, threads, and the refusals (nothing written)."""

import numpy as np
import pytest

import relufast
from relufast import _dispatch

from cases import F16, F32, F64, LAYOUTS, in_layout, mixed_values
from numerics import assert_same

pytestmark = [pytest.mark.usefixtures("default_isa"),
              pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]

ISAS = _dispatch.available_isas()
BF16 = _dispatch.BF16
DTYPES = [F16, F32, F64] + ([BF16] if BF16 is not None else [])

# (name, forward, gradient, keyword arguments, f, f_grad)
UNITS = [
    ("reglu", relufast.reglu, relufast.reglu_grad, {}, relufast.relu, relufast.relu_grad),
    ("geglu", relufast.geglu, relufast.geglu_grad, {}, relufast.gelu, relufast.gelu_grad),
    ("geglu-tanh", relufast.geglu, relufast.geglu_grad, {"approximate": "tanh"},
     relufast.gelu, relufast.gelu_grad),
    ("swiglu", relufast.swiglu, relufast.swiglu_grad, {}, relufast.silu, relufast.silu_grad),
]
IDS = [u[0] for u in UNITS]


def values(rng, shape, dtype):
    n = int(np.prod(shape))
    if dtype == BF16:
        return mixed_values(rng, n, F32).astype(BF16).reshape(shape)
    return mixed_values(rng, n, dtype).reshape(shape)


def compute_of(*dts):
    return F64 if F64 in dts else F32


def result_of(*dts):
    return dts[0] if len(set(dts)) == 1 else compute_of(*dts)


def ref_forward(unit, a, b):
    _, _, _, kw, f, _ = unit
    c = compute_of(a.dtype, b.dtype)
    with np.errstate(all="ignore"):
        return (f(a.astype(c), **kw) * b.astype(c)).astype(result_of(a.dtype, b.dtype))


def ref_gradient(unit, g, a, b):
    _, _, _, kw, f, fg = unit
    c = compute_of(g.dtype, a.dtype, b.dtype)
    r = result_of(g.dtype, a.dtype, b.dtype)
    gc, ac, bc = g.astype(c), a.astype(c), b.astype(c)
    with np.errstate(all="ignore"):
        return fg(gc * bc, ac, **kw).astype(r), (gc * f(ac, **kw)).astype(r)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (7,), (600,), (3, 5), (2, 3, 257)],
                         ids=lambda s: "x".join(map(str, s)) or "0d")
def test_two_arrays(isa, dtype, unit, shape, rng):
    _dispatch.select_isa(isa)
    _, fwd, grad, kw = unit[:4]
    a, b, g = (values(rng, shape, dtype) for _ in range(3))
    assert_same(fwd(a, b, **kw), ref_forward(unit, a, b), what="forward")
    ga, gb = grad(g, a, b, **kw)
    wa, wb = ref_gradient(unit, g, a, b)
    assert_same(ga, wa, what="grad_a")
    assert_same(gb, wb, what="grad_b")


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("da, db", [(F32, F64), (F64, F32), (F16, F32), (F32, F16)]
                         + ([(BF16, F32), (F16, BF16)] if BF16 is not None else []),
                         ids=lambda d: d.name)
def test_mixed_dtypes(unit, da, db, rng):
    _, fwd, grad, kw = unit[:4]
    a, g = values(rng, (5, 100), da), values(rng, (5, 100), da)
    b = values(rng, (5, 100), db)
    y = fwd(a, b, **kw)
    assert y.dtype == result_of(da, db)
    assert_same(y, ref_forward(unit, a, b), what="mixed forward")
    ga, gb = grad(g, a, b, **kw)
    wa, wb = ref_gradient(unit, g, a, b)
    assert_same(ga, wa, what="mixed grad_a")
    assert_same(gb, wb, what="mixed grad_b")


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("dtype", [F16, F32, F64], ids=lambda d: d.name)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_one_array(isa, unit, dtype, axis, rng):
    """x split in halves along axis: the first half is a, the second b."""
    _dispatch.select_isa(isa)
    _, fwd, grad, kw = unit[:4]
    shape = [6, 4, 10]
    x = values(rng, tuple(shape), dtype)
    a, b = np.split(x, 2, axis=axis)
    y = fwd(x, axis=axis, **kw)
    assert_same(y, ref_forward(unit, a, b), what="one-array forward")
    g = values(rng, y.shape, dtype)
    gx = grad(g, x, axis=axis, **kw)
    wa, wb = ref_gradient(unit, g, a, b)
    assert_same(gx, np.concatenate([wa, wb], axis=axis), what="one-array gradient")


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(unit, layout, rng):
    _, fwd, grad, kw = unit[:4]
    av, bv, gv = (values(rng, (4, 6, 10), F32) for _ in range(3))
    a, b, g = (in_layout(v, layout) for v in (av, bv, gv))
    assert_same(fwd(a, b, **kw), ref_forward(unit, av, bv))
    assert_same(fwd(in_layout(np.concatenate([av, bv], -1), layout), **kw),
                ref_forward(unit, av, bv))
    ga, gb = grad(g, a, b, **kw)
    wa, wb = ref_gradient(unit, gv, av, bv)
    assert_same(ga, wa)
    assert_same(gb, wb)
    out = in_layout(np.zeros((4, 6, 10), F64), layout if layout != "broadcast" else "C")
    assert fwd(a, b, out=out, **kw) is out
    assert_same(out, ref_forward(unit, av, bv).astype(F64))


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("dtype", [F16, F32, F64], ids=lambda d: d.name)
def test_in_place(unit, dtype, rng):
    _, fwd, grad, kw = unit[:4]
    av, bv, gv = (values(rng, (3, 70), dtype) for _ in range(3))
    want = ref_forward(unit, av, bv)
    for target in ("a", "b"):
        a, b = av.copy(), bv.copy()
        y = fwd(a, b, out=a if target == "a" else b, **kw)
        assert y is (a if target == "a" else b)
        assert_same(y, want, what=f"out={target}")
    wa, wb = ref_gradient(unit, gv, av, bv)
    for pair in (("a", "b"), ("g", "b"), ("b", "a"), ("a", "g"), ("g", None)):
        arrays = {"a": av.copy(), "b": bv.copy(), "g": gv.copy()}
        out = tuple(arrays[p] if p else None for p in pair)
        ga, gb = grad(arrays["g"], arrays["a"], arrays["b"], out=out, **kw)
        assert out[0] is ga and (out[1] is None or out[1] is gb)
        assert_same(ga, wa, what=f"grad_a into {pair}")
        assert_same(gb, wb, what=f"grad_b into {pair}")
    # one array: the gradient into x itself
    x = np.concatenate([av, bv], -1)
    gx = grad(gv, x, out=x, **kw)
    assert gx is x
    assert_same(x, np.concatenate([wa, wb], -1), what="one-array gradient in place")


def test_overlap_other_than_in_place_is_copied(rng):
    """An output that overlaps an input other than element for element: the input is read
    first (copied), as NumPy's ufuncs do."""
    buf = values(rng, (1000,), F32)
    a, b = buf[:600], buf[300:900]
    want = ref_forward(UNITS[3], a.copy(), b.copy())
    y = relufast.swiglu(a, b, out=buf[100:700])
    assert_same(y, want)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("unit", UNITS, ids=IDS)
@pytest.mark.parametrize("shape, axis", [((100_001,), None), ((64, 2048), -1),
                                          ((300, 1002), -1), ((8, 6000), 0)])
def test_threads(isa, unit, shape, axis, rng):
    _dispatch.select_isa(isa)
    _, fwd, grad, kw = unit[:4]
    x = values(rng, shape, F32)
    if axis is None:
        a, b = x, values(rng, shape, F32)
        args, kws = (a, b), {}
    else:
        a, b = np.split(x, 2, axis=axis)
        args, kws = (x,), {"axis": axis}
    want = ref_forward(unit, a, b)
    g = values(rng, want.shape, F32)
    wa, wb = ref_gradient(unit, g, a, b)
    for nt in (1, 2, 3):
        with relufast.num_threads(nt):
            assert_same(fwd(*args, **kws, **kw), want, what=f"{nt} threads")
            r = grad(g, *args, **kws, **kw)
            if axis is None:
                assert_same(r[0], wa)
                assert_same(r[1], wb)
            else:
                assert_same(r, np.concatenate([wa, wb], axis=axis))


# ---------------------------------------------------------------------------------------------
# refusals


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_refusals(unit, rng):
    name, fwd, grad, kw = unit[:4]
    fn = fwd.__name__
    a = rng.standard_normal((4, 6)).astype(F32)
    b = rng.standard_normal((4, 6)).astype(F32)
    out = np.zeros((4, 6), F32)
    with pytest.raises(ValueError, match=f"{fn}: a has shape .* but b has shape"):
        fwd(a, b[:, :5], out=out, **kw)
    with pytest.raises(ValueError, match=f"{fn}: x has length 5 along axis -1, which must be "
                       "even"):
        fwd(a[:, :5], **kw)
    with pytest.raises(ValueError, match=f"{fn}: axis 2 is out of range"):
        fwd(a, axis=2, **kw)
    with pytest.raises(TypeError, match=f"{fn}: axis must be an int"):
        fwd(a, axis=1.0, **kw)
    with pytest.raises(ValueError, match=f"{fn}: x is 0-d"):
        fwd(np.float32(1.0), **kw)
    with pytest.raises(TypeError, match=f"{fn}: b has dtype int64"):
        fwd(a, np.zeros((4, 6), np.int64), out=out, **kw)
    with pytest.raises(ValueError, match=f"{fn}: out has shape"):
        fwd(a, b, out=np.zeros((4, 5), F32), **kw)
    with pytest.raises(TypeError, match=f"{fn}: out has dtype int32"):
        fwd(a, b, out=np.zeros((4, 6), np.int32), **kw)
    with pytest.raises(ValueError, match=f"{fn}: out has shape"):
        fwd(a, out=out, **kw)  # one array: the result has axis -1 halved
    assert (out == 0).all()
    gname = grad.__name__
    g = rng.standard_normal((4, 6)).astype(F32)
    before = [v.copy() for v in (g, a, b)]
    with pytest.raises(ValueError, match=f"{gname}: grad, a and b have shapes"):
        grad(g[:, :5], a, b, **kw)
    with pytest.raises(TypeError, match=f"{gname}: out must be a tuple"):
        grad(g, a, b, out=out, **kw)
    with pytest.raises(ValueError, match=f"{gname}: out\\[0\\] and out\\[1\\] overlap"):
        grad(g, a, b, out=(out, out), **kw)
    with pytest.raises(ValueError, match=f"{gname}: out\\[1\\] has shape"):
        grad(g, a, b, out=(out, np.zeros(3, F32)), **kw)
    with pytest.raises(ValueError, match=f"{gname}: grad has shape .* expected \\(4, 3\\)"):
        grad(g, a, **kw)
    with pytest.raises(ValueError, match=f"{gname}: out has shape"):
        grad(g[:, :3], a, out=np.zeros((4, 3), F32), **kw)
    assert (out == 0).all()
    for v, w in zip((g, a, b), before):
        assert np.array_equal(v, w)


def test_geglu_approximate_is_checked():
    with pytest.raises(ValueError, match="geglu: approximate must be"):
        relufast.geglu(np.ones(2), np.ones(2), approximate="fast")


def test_threads_with_a_16k_openmp_stack():
    """The block buffers live on the stack: the workers' 16 KiB (OMP_STACKSIZE=16K) hold them,
    every dtype, both passes (12 KB of buffers did not)."""
    import os
    import subprocess
    import sys
    code = """
import numpy as np, relufast as rf
rf.set_num_threads(2)
for dt in (np.float16, np.float32, np.float64):
    x = np.random.default_rng(0).standard_normal((300, 2000)).astype(dt)
    for f, fg in ((rf.reglu, rf.reglu_grad), (rf.geglu, rf.geglu_grad),
                  (rf.swiglu, rf.swiglu_grad)):
        y = f(x)
        fg(y, x)
        fg(x, x, x)
print("ok")
"""
    env = dict(os.environ, OMP_STACKSIZE="16K")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
