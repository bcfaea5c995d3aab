"""Arrays from the edges of NumPy: memory-mapped files updated in place, non-native byte order,
unaligned buffers, and ndarray subclasses.

* np.memmap: updated in place (forward, gradient into grad, prelu, at an unaligned file offset,
  through a strided view of the map), the data is in the file after flush and a reopen; a
  read-only map is refused as out and works as an input.
* Non-native byte order (``>f4`` on a little-endian machine): refused with a TypeError that says
  "byte order" and names the argument, for x, grad, out and prelu's weight, writing nothing.
* Unaligned buffers (an odd byte address): computed, bit for bit as from an aligned copy, as
  inputs, as out and in place, every dtype, 0-d included.
* Foreign buffers: arrays whose float dtype spells out the machine's byte order (``<f8``, as
  ctypes arrays, ``np.ctypeslib.as_array`` and ``newbyteorder('<')`` make them) are native and
  computed, as x, grad, out and prelu's weight, in place too; ``array.array`` and memoryviews
  are array-likes.
* Subclasses: MaskedArray refused for every argument (its mask would be ignored); np.memmap,
  np.matrix, np.recarray and a user subclass computed on their data, the result a plain ndarray,
  or ``out`` itself (the subclass object) when given.
"""

import numpy as np
import pytest

import relufast

from cases import DTYPES, ELEMENTWISE, F16, F32, F64, fn_params, mixed_values, shape_id
from numerics import assert_same

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")


def _values(rng, dtype, n=1031):
    return mixed_values(rng, n, dtype)


# ---------------------------------------------------------------------------------------------
# foreign buffers

import array  # noqa: E402
import ctypes  # noqa: E402
import sys  # noqa: E402

_SPELLED = "<" if sys.byteorder == "little" else ">"


def _spelled_out(values):
    """``values`` as an array whose dtype spells out this machine's byte order (it exports
    "<d" rather than "d" through the buffer protocol)."""
    dt = values.dtype.newbyteorder(_SPELLED)
    out = values.astype(dt)
    assert out.dtype.byteorder == _SPELLED and memoryview(out).format[0] == _SPELLED
    return out


@pytest.mark.parametrize("dtype", (F32, F64), ids=str)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_spelled_out_native_byte_order_is_native(fn, dtype, rng):
    x = _values(rng, dtype, 101)
    g = _values(rng, dtype, 101)
    want, want_g = fn.forward(x), fn.gradient(g, x)
    xs, gs = _spelled_out(x), _spelled_out(g)
    assert_same(fn.forward(xs), want)
    assert_same(fn.gradient(gs, xs), want_g)
    assert_same(fn.gradient(g, xs), want_g)
    out = _spelled_out(np.zeros_like(x))
    assert fn.forward(x, out=out) is out
    assert_same(out, want)
    assert_same(fn.forward(xs, out=xs), want)  # in place
    assert_same(fn.gradient(gs, x, out=gs), want_g)
    made = np.empty_like(xs)  # arrays made from them keep the spelled-out dtype
    np.copyto(made, x)
    assert made.dtype.byteorder == _SPELLED
    assert_same(fn.forward(made), want)


def test_ctypes_arrays_are_native(rng):
    doubles = (ctypes.c_double * 5)(-2.0, -0.5, 0.0, 1.5, float("nan"))
    floats = (ctypes.c_float * 5)(-2.0, -0.5, 0.0, 1.5, 3.0)
    for buf, dtype in ((doubles, F64), (floats, F32)):
        for a in (np.ctypeslib.as_array(buf), np.asarray(buf)):
            assert a.dtype == dtype
            assert_same(relufast.relu(a), np.maximum(a, 0).astype(dtype))
            relufast.leaky_relu(a, 0.5, out=a)  # in place, into the ctypes memory
        # both views share the memory: two halvings
        assert_same(np.ctypeslib.as_array(buf)[:2], np.array([-0.5, -0.125], dtype))
    w = np.ctypeslib.as_array((ctypes.c_double * 3)(0.5, 0.25, 0.125))
    x = -np.ones((2, 3))
    assert_same(relufast.prelu(x, w), -np.broadcast_to(w, (2, 3)))
    gx, gw = relufast.prelu_grad(np.ones((2, 3)), x, w)
    assert_same(gw, np.array([-2.0, -2.0, -2.0]))


def test_array_module_and_memoryviews_are_array_likes():
    assert_same(relufast.relu(array.array("d", [-1.0, 2.0])), np.array([0.0, 2.0]))
    assert_same(relufast.relu(array.array("f", [-1.0, 2.0])), np.array([0.0, 2.0]))
    assert_same(relufast.relu(memoryview(np.array([-1.0, 2.0], F32))), np.array([0.0, 2.0]))
    # bytes hold unsigned integers, which become float64 as a list of ints does
    assert_same(relufast.relu(memoryview(b"\x00\x02")), np.array([0.0, 2.0]))


# ---------------------------------------------------------------------------------------------
# np.memmap, in place


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_memmap_forward_in_place_survives_flush_and_reopen(fn, dtype, tmp_path, rng):
    values = _values(rng, dtype)
    path = tmp_path / "x.bin"
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=values.shape)
    mm[:] = values
    got = fn.forward(mm, out=mm)
    assert got is mm  # the memmap object itself, not a copy
    mm.flush()
    del mm, got
    reopened = np.memmap(path, dtype=dtype, mode="r", shape=values.shape)
    assert_same(np.asarray(reopened), fn.forward(values), what=fn.id)


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_memmap_gradient_into_grad(fn, tmp_path, rng):
    x = _values(rng, F32)
    g = _values(rng, F32)
    path = tmp_path / "g.bin"
    mm = np.memmap(path, dtype=F32, mode="w+", shape=g.shape)
    mm[:] = g
    assert fn.gradient(mm, x, out=mm) is mm
    mm.flush()
    del mm
    assert_same(np.fromfile(path, dtype=F32), fn.gradient(g, x), what=fn.grad_name)


def test_memmap_unaligned_offset_and_strided_view(tmp_path, rng):
    # a map that starts 1 byte into the file is unaligned; a stepped view of it is strided too
    values = _values(rng, F64, 2000)
    path = tmp_path / "u.bin"
    with open(path, "wb") as f:
        f.write(b"\x00" + values.tobytes())
    mm = np.memmap(path, dtype=F64, mode="r+", offset=1, shape=values.shape)
    assert not mm.flags.aligned
    relufast.elu(mm, out=mm)
    view = mm[::3]
    relufast.leaky_relu(view, 0.5, out=view)
    mm.flush()
    del mm, view
    want = relufast.elu(values)
    want[::3] = relufast.leaky_relu(want[::3], 0.5)
    raw = np.fromfile(path, dtype=np.uint8)
    assert raw[0] == 0
    assert_same(raw[1:].view(F64), want)


def test_memmap_prelu_in_place_2d(tmp_path, rng):
    values = _values(rng, F32, 64 * 33).reshape(64, 33)
    w = np.linspace(-1, 1, 33, dtype=F32)
    path = tmp_path / "p.bin"
    mm = np.memmap(path, dtype=F32, mode="w+", shape=values.shape)
    mm[:] = values
    relufast.prelu(mm, w, axis=1, out=mm)
    mm.flush()
    del mm
    got = np.memmap(path, dtype=F32, mode="r", shape=values.shape)
    assert_same(np.asarray(got), relufast.prelu(values, w, axis=1))


def test_memmap_read_only_is_an_input_not_an_out(tmp_path, rng):
    values = _values(rng, F32)
    path = tmp_path / "r.bin"
    values.tofile(path)
    ro = np.memmap(path, dtype=F32, mode="r", shape=values.shape)
    got = relufast.silu(ro)
    assert type(got) is np.ndarray
    assert_same(got, relufast.silu(values))
    with pytest.raises(ValueError, match="read-only"):
        relufast.silu(ro, out=ro)
    assert_same(np.fromfile(path, dtype=F32), values)


def test_memmap_copy_on_write_leaves_the_file(tmp_path, rng):
    values = _values(rng, F64)
    path = tmp_path / "c.bin"
    values.tofile(path)
    cow = np.memmap(path, dtype=F64, mode="c", shape=values.shape)
    relufast.relu(cow, out=cow)
    assert_same(np.asarray(cow), relufast.relu(values))
    del cow
    assert_same(np.fromfile(path, dtype=F64), values)


# ---------------------------------------------------------------------------------------------
# non-native byte order: refused, clearly, before anything is written

NON_NATIVE = [np.dtype(d).newbyteorder() for d in ("f2", "f4", "f8")]


def _refused_byte_order(call, name, out):
    before = out.tobytes()
    with pytest.raises(TypeError) as info:
        call()
    msg = str(info.value)
    assert "byte order" in msg and name in msg and "astype" in msg, msg
    assert out.tobytes() == before


@pytest.mark.parametrize("dt", NON_NATIVE, ids=str)
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_non_native_byte_order_is_refused_everywhere(fn, dt, rng):
    native = dt.newbyteorder("=")
    x = _values(rng, native, 12)
    swapped = x.astype(dt)
    assert not swapped.dtype.isnative
    out = np.full_like(x, 7)
    _refused_byte_order(lambda: fn.forward(swapped, out=out), "x", out)
    _refused_byte_order(lambda: fn.gradient(swapped, x, out=out), "grad", out)
    _refused_byte_order(lambda: fn.gradient(x, swapped, out=out), "x", out)
    # a non-native out: its dtype differs from x's (TypeError, out untouched)
    bad_out = np.full(x.shape, 7, dt)
    before = bad_out.tobytes()
    with pytest.raises(TypeError, match="out"):
        fn.forward(x, out=bad_out)
    with pytest.raises(TypeError, match="out"):
        fn.gradient(x, x, out=bad_out)
    assert bad_out.tobytes() == before
    # what the message advises works
    assert_same(fn.forward(swapped.astype(native)), fn.forward(x))


@pytest.mark.parametrize("dt", NON_NATIVE, ids=str)
def test_prelu_non_native_weight_is_refused(dt, rng):
    native = dt.newbyteorder("=")
    x = _values(rng, native, 12).reshape(3, 4)
    w = np.array([0.1, 0.2, 0.3, 0.4], dt)
    out = np.full_like(x, 7)
    _refused_byte_order(lambda: relufast.prelu(x, w, out=out), "weight", out)
    _refused_byte_order(lambda: relufast.prelu_grad(x, x, w, out=out), "weight", out)
    _refused_byte_order(lambda: relufast.prelu(x.astype(dt), w.astype(native), out=out), "x",
                        out)


# ---------------------------------------------------------------------------------------------
# unaligned buffers: computed correctly


def _unaligned(values):
    raw = np.zeros(values.nbytes + 1, np.uint8)
    view = np.ndarray(values.shape, values.dtype, buffer=raw.data, offset=1)
    view[...] = values
    assert values.dtype.itemsize == 1 or not view.flags.aligned
    return view


@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 40_001)], ids=shape_id)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_unaligned_everywhere(dtype, shape, rng):
    n = int(np.prod(shape))
    x0 = _values(rng, dtype, n).reshape(shape)
    g0 = _values(rng, dtype, n).reshape(shape)
    for fn in ELEMENTWISE:
        want_f, want_g = fn.forward(x0), fn.gradient(g0, x0)
        x, g = _unaligned(x0), _unaligned(g0)
        assert_same(fn.forward(x), want_f, what=f"{fn.id} unaligned x")
        assert_same(fn.gradient(g, x), want_g, what=f"{fn.grad_name} unaligned")
        out = _unaligned(np.zeros_like(x0))
        assert fn.forward(x0, out=out) is out
        assert_same(np.asarray(out), want_f, what=f"{fn.id} unaligned out")
        fn.forward(x, out=x)  # in place on an unaligned buffer
        assert_same(np.asarray(x), want_f, what=f"{fn.id} unaligned in place")
        fn.gradient(g, _unaligned(x0), out=g)
        assert_same(np.asarray(g), want_g, what=f"{fn.grad_name} unaligned into grad")


def test_prelu_unaligned_operands(rng):
    x0 = _values(rng, F32, 6 * 101).reshape(6, 101)
    g0 = _values(rng, F32, x0.size).reshape(x0.shape)
    w0 = np.linspace(-1, 1, 6, dtype=F32)
    want_y = relufast.prelu(x0, w0, axis=0)
    want_gx, want_gw = relufast.prelu_grad(g0, x0, w0, axis=0)
    x, g, w = _unaligned(x0), _unaligned(g0), _unaligned(w0)
    assert_same(relufast.prelu(x, w, axis=0), want_y)
    gx, gw = relufast.prelu_grad(g, x, w, axis=0)
    assert_same(gx, want_gx)
    assert_same(gw, want_gw)
    relufast.prelu(x, w, axis=0, out=x)
    assert_same(np.asarray(x), want_y)


# ---------------------------------------------------------------------------------------------
# subclasses


class Tagged(np.ndarray):
    """A user subclass carrying metadata, with a view hook."""

    def __array_finalize__(self, obj):
        self.tag = getattr(obj, "tag", "tagged")


@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_masked_arrays_are_refused_for_every_argument(fn, rng):
    x = _values(rng, F64, 6).reshape(2, 3)
    m = np.ma.masked_array(x, mask=[[0, 1, 0], [1, 0, 0]])
    nomask = np.ma.masked_array(x)  # even without a mask: results would drop the mask type
    out = np.full_like(x, 7.0)
    for call, name in [(lambda: fn.forward(m, out=out), "x"),
                       (lambda: fn.forward(nomask, out=out), "x"),
                       (lambda: fn.gradient(m, x, out=out), "grad"),
                       (lambda: fn.gradient(x, m, out=out), "x"),
                       (lambda: fn.forward(np.ma.masked, out=out[0, 0:1].reshape(())), "x")]:
        with pytest.raises(TypeError, match=rf"\b{name}\b.*MaskedArray"):
            call()
    assert (out == 7.0).all()
    mo = np.ma.masked_array(np.full_like(x, 7.0), mask=False)
    with pytest.raises(TypeError, match="out"):
        fn.forward(x, out=mo)
    assert (mo.data == 7.0).all()


def test_masked_prelu_weight_is_refused():
    x = np.ones((2, 3))
    w = np.ma.masked_array([0.1, 0.2, 0.3], mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"weight.*MaskedArray"):
        relufast.prelu(x, w)
    with pytest.raises(TypeError, match=r"weight.*MaskedArray"):
        relufast.prelu_grad(x, x, w)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.parametrize("make", [
    lambda a: a.view(Tagged),
    lambda a: a.view(np.recarray),
    lambda a: np.asmatrix(a),
], ids=["user", "recarray", "matrix"])
@pytest.mark.parametrize("fn", fn_params(ELEMENTWISE))
def test_subclasses_are_computed_on_their_data(fn, make, rng):
    x0 = _values(rng, F64, 12).reshape(3, 4)
    g0 = _values(rng, F64, 12).reshape(3, 4)
    x, g = make(x0.copy()), make(g0.copy())
    got = fn.forward(x)
    assert type(got) is np.ndarray  # not the subclass: relufast does not run its methods
    assert_same(got, fn.forward(x0), what=fn.id)
    gg = fn.gradient(g, x)
    assert type(gg) is np.ndarray
    assert_same(gg, fn.gradient(g0, x0), what=fn.grad_name)
    # out of the subclass: written and returned as given
    out = make(np.zeros_like(x0))
    assert fn.forward(x0, out=out) is out
    assert_same(np.asarray(out), fn.forward(x0), what=fn.id + " into a subclass out")
    # in place on the subclass
    assert fn.forward(x, out=x) is x
    assert_same(np.asarray(x), fn.forward(x0), what=fn.id + " in place on a subclass")
    assert_same(np.asarray(x0), x0)


def test_user_subclass_keeps_its_attributes_when_out(rng):
    x0 = _values(rng, F32, 10)
    out = np.zeros_like(x0).view(Tagged)
    out.tag = "mine"
    relufast.gelu(x0, out=out)
    assert out.tag == "mine"
    relufast.gelu_grad(x0, x0, out=out)
    assert out.tag == "mine"


def test_subclass_overriding_ufuncs_is_not_consulted(rng):
    class NoUfuncs(np.ndarray):
        __array_ufunc__ = None  # NumPy ufuncs on it raise TypeError

    x0 = _values(rng, F32, 10)
    x = x0.copy().view(NoUfuncs)
    assert_same(relufast.relu(x), relufast.relu(x0))
    assert_same(relufast.relu_grad(x, x), relufast.relu_grad(x0, x0))
    relufast.elu(x, out=x)
    assert_same(np.asarray(x), relufast.elu(x0))


def test_float16_subclass_and_memmap(tmp_path, rng):
    values = _values(rng, F16)
    path = tmp_path / "h.bin"
    mm = np.memmap(path, dtype=F16, mode="w+", shape=values.shape)
    mm[:] = values
    relufast.selu_grad(mm, values.view(Tagged), out=mm)
    mm.flush()
    del mm
    assert_same(np.fromfile(path, dtype=F16), relufast.selu_grad(values, values))
