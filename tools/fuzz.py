#!/usr/bin/env python3
"""Fuzz relufast's Python API with atheris (libFuzzer for Python), for a bounded time.

Every input is decoded into one call of a public function (the 20 activation functions and
gradients, and the thread API) with fuzzed arguments: arrays of any dtype (the supported ones,
others, non-native byte order), shape (0-d, empty, up to 4-D), layout (reversed, stepped,
transposed, unaligned, broadcast, as_strided with overlapping rows, read-only), values straight
from the fuzzer's bytes (NaN payloads, infinities, subnormals), array-likes (lists, scalars,
strings, None, huge ints), parameters (floats from raw bits, ints beyond float64, strings,
NumPy scalars), ``out`` (none, the input, grad, an overlapping view, a wrong one), prelu's
weight and axis, ``approximate`` and ``from_output``.

A finding is: a crash (a signal, an abort, a sanitizer report), a hang (libFuzzer's -timeout), an
exception other than TypeError or ValueError, a result of the wrong shape, dtype (NumPy's
result_type of the inputs for a new result; mixed float dtypes are promoted) or identity
(``out`` not returned), or a refused call that wrote into ``out``.

    python tools/fuzz.py [-max_total_time=45] [-runs=N] [other libFuzzer flags] [corpus dir]

installs atheris first if it is missing (pip), and prints libFuzzer's summary ("Done N runs in
T second(s)").  Python code of relufast is instrumented for coverage guidance (the validation
and dispatch logic lives there); the compiled kernels are not.
"""

import os
import subprocess
import sys
import tempfile


def _ensure_atheris():
    try:
        import atheris  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "atheris"], check=True)


_ensure_atheris()

import atheris  # noqa: E402

with atheris.instrument_imports(include=["relufast"]):
    import relufast  # noqa: E402
    from relufast import _threads  # noqa: E402

import warnings  # noqa: E402

import numpy as np  # noqa: E402

warnings.simplefilter("ignore")  # NumPy's cast warnings for huge weights

MAX_ELEMENTS = 4096

FORWARD = ["relu", "leaky_relu", "prelu", "elu", "selu", "celu", "relu6", "gelu", "silu"]
PARAMS = {"leaky_relu": "negative_slope", "elu": "alpha", "celu": "alpha"}
DTYPES = [np.float64, np.float32, np.float16, ">f8", "<f4" if sys.byteorder == "big" else ">f4",
          np.int32, np.int64, np.uint8, np.bool_, np.complex128, np.longdouble, object]
SUPPORTED = {np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)}


class Finding(Exception):
    """An invariant broke: the fuzzer reports it as a crash."""


def _shape(fdp):
    nd = fdp.ConsumeIntInRange(0, 4)
    shape = tuple(fdp.ConsumeIntInRange(0, 8) for _ in range(nd))
    n = 1
    for s in shape:
        n *= s
    return shape if n <= MAX_ELEMENTS else tuple(min(s, 2) for s in shape)


def _values(fdp, shape, dtype):
    """An array of ``shape`` whose bytes come from the fuzzer (any bit pattern)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if dt.kind == "O":
        return np.array([fdp.ConsumeRegularFloat() for _ in range(n)], dtype=object).reshape(shape)
    raw = fdp.ConsumeBytes(n * dt.itemsize)
    raw = raw + bytes(n * dt.itemsize - len(raw))
    return np.frombuffer(raw, dtype=dt).reshape(shape).copy()


def _layout(fdp, a):
    """``a``, or a view of the same values in another layout (a copy in a bigger buffer)."""
    kind = fdp.ConsumeIntInRange(0, 9)
    if kind == 0 or a.ndim == 0 and kind < 7:
        return a
    if kind == 1:  # reversed along every axis
        return a[(slice(None, None, -1),) * a.ndim].copy()[(slice(None, None, -1),) * a.ndim]
    if kind == 2:  # every axis stepped by 2
        buf = np.zeros(tuple(2 * s for s in a.shape), a.dtype)
        view = buf[(slice(None, None, 2),) * a.ndim]
        view[...] = a
        return view
    if kind == 3:
        return np.asfortranarray(a)
    if kind == 4:  # transposed (axes reversed): F order for 2-D, neither for 3-D and more
        return np.ascontiguousarray(a.T).T
    if kind == 5:  # a zero stride along the first axis
        return np.broadcast_to(a[:1], a.shape) if a.shape[0] else a
    if kind == 6:  # overlapping rows: every axis steps one element through the flat values
        flat = a.ravel()
        reach = sum(s - 1 for s in a.shape)
        if a.size == 0 or reach >= flat.size:
            return a
        return np.lib.stride_tricks.as_strided(flat, a.shape, (a.itemsize,) * a.ndim,
                                               writeable=False)
    if kind == 7:  # unaligned: one byte into a buffer
        raw = np.zeros(a.nbytes + 1, np.uint8)
        view = np.ndarray(a.shape, a.dtype, buffer=raw.data, offset=1)
        view[...] = a
        return view
    if kind == 8:  # read-only
        b = a.copy()
        b.flags.writeable = False
        return b
    return a.copy(order="K")


def _array_like(fdp, shape_hint=None):
    """An operand: usually an ndarray, else something array-like or not."""
    kind = fdp.ConsumeIntInRange(0, 15)
    if kind <= 10:
        dtype = DTYPES[fdp.ConsumeIntInRange(0, len(DTYPES) - 1)] if kind >= 9 else [
            np.float64, np.float32, np.float16][kind % 3]
        shape = shape_hint if shape_hint is not None and kind % 4 else _shape(fdp)
        a = _values(fdp, shape, dtype)
        if np.dtype(dtype).kind != "O":
            a = _layout(fdp, a)
        if kind == 10:
            a = np.ma.masked_array(a, mask=np.zeros(a.shape, bool))
        return a
    if kind == 11:
        return [fdp.ConsumeRegularFloat() for _ in range(fdp.ConsumeIntInRange(0, 6))]
    if kind == 12:
        return fdp.ConsumeRegularFloat()
    if kind == 13:
        return [[fdp.ConsumeFloat()] * fdp.ConsumeIntInRange(0, 3),
                [fdp.ConsumeFloat()] * fdp.ConsumeIntInRange(0, 3)]  # maybe ragged
    return [None, "1.0", b"x", 10**400, 1j, {}, (1, 2), True][fdp.ConsumeIntInRange(0, 7)]


def _param(fdp):
    kind = fdp.ConsumeIntInRange(0, 9)
    if kind <= 3:
        return fdp.ConsumeFloat()  # any double: NaN, inf, subnormal, huge
    if kind == 4:
        return fdp.ConsumeIntInRange(-(2**70), 2**70)
    if kind == 5:
        return np.float32(fdp.ConsumeFloat())
    if kind == 6:
        return np.float16(fdp.ConsumeRegularFloat())
    if kind == 7:
        return fdp.ConsumeRegularFloat()
    return ["0.5", None, [0.5], np.array(0.5), 10**400, -(10**400), True, 0][
        fdp.ConsumeIntInRange(0, 7)]


def _out(fdp, x, g):
    kind = fdp.ConsumeIntInRange(0, 9)
    xa = x if isinstance(x, np.ndarray) else None
    if kind <= 2 or xa is None:
        return None
    if kind == 3:
        return x
    if kind == 4:
        return g
    if kind == 5:  # a fresh array of x's shape and dtype, maybe strided
        return _layout(fdp, np.zeros(xa.shape, xa.dtype))
    if kind == 6:  # an overlapping view: x's buffer shifted by some elements
        base = xa.base if isinstance(xa.base, np.ndarray) else xa
        flat = base.reshape(-1) if base.flags.c_contiguous else None
        if flat is None or flat.size < 2 or xa.size == 0 or not flat.flags.writeable:
            return None
        shift = fdp.ConsumeIntInRange(0, flat.size - 1)
        size = xa.size
        if shift + size > flat.size:
            return None
        return flat[shift:shift + size].reshape(xa.shape)
    if kind == 7:  # wrong shape or dtype
        return np.zeros(xa.shape + (1,), xa.dtype) if fdp.ConsumeBool() else np.zeros(
            xa.shape, np.float32 if xa.dtype != np.float32 else np.float64)
    if kind == 8:
        return [0.0]
    o = np.zeros(xa.shape, xa.dtype)
    o.flags.writeable = False
    return o


def _dtype_of(a):
    """The dtype an operand computes as: its own if a supported float array, else float64
    (array-likes become float64 arrays; other ndarrays are refused before a result exists)."""
    return a.dtype if isinstance(a, np.ndarray) and a.dtype in SUPPORTED else np.dtype(np.float64)


def _check_result(name, res, x, out, g=None, weight=None):
    xa = np.asarray(x) if not isinstance(x, np.ndarray) else x
    # prelu's weight takes part in the promotion when it is an ndarray (a number or a list is a
    # parameter, as leaky_relu's slope)
    wdt = [weight.dtype] if isinstance(weight, np.ndarray) and weight.dtype in SUPPORTED else []
    if name == "prelu_grad":
        if not (isinstance(res, tuple) and len(res) == 2):
            raise Finding(f"{name} returned {type(res)}")
        res, gw = res
        # grad_weight: the result_type of grad, x and the weight, whatever out is
        want = np.result_type(_dtype_of(g), _dtype_of(x), *wdt)
        if not isinstance(gw, np.ndarray) or gw.dtype != want:
            raise Finding(f"{name}: grad_weight dtype {getattr(gw, 'dtype', type(gw))}, "
                          f"expected {want}")
    if out is not None and res is not out:
        raise Finding(f"{name}: out given but another object returned")
    if not isinstance(res, np.ndarray):
        raise Finding(f"{name} returned {type(res)}")
    if res.shape != xa.shape:
        raise Finding(f"{name}: result shape {res.shape}, x shape {xa.shape}")
    # a new result: NumPy's result_type of grad, x (and prelu's ndarray weight): mixed float
    # dtypes are promoted; x's dtype for the other forwards; out's own when given
    if out is not None:
        want = out.dtype
    elif g is not None:
        want = np.result_type(_dtype_of(g), _dtype_of(x), *wdt)
    else:
        want = np.result_type(_dtype_of(x), *wdt)
    if res.dtype != want:
        raise Finding(f"{name}: result dtype {res.dtype}, expected {want}")


def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    op = fdp.ConsumeIntInRange(0, 2 * len(FORWARD) + 1)
    if op >= 2 * len(FORWARD):  # the thread API
        n = _param(fdp) if fdp.ConsumeBool() else fdp.ConsumeIntInRange(-3, 2**40)
        try:
            if op % 2:
                relufast.set_num_threads(n)
            else:
                with relufast.num_threads(n):
                    relufast.relu(np.ones(40_000, np.float32))
        except (TypeError, ValueError):
            pass
        finally:
            relufast.set_num_threads(None)
        if relufast.get_num_threads() > _threads.MAX_THREADS:
            raise Finding("thread count above MAX_THREADS")
        return
    name = FORWARD[op % len(FORWARD)]
    gradient = op >= len(FORWARD)
    x = _array_like(fdp)
    shape = x.shape if isinstance(x, np.ndarray) else None
    g = _array_like(fdp, shape) if gradient else None
    kw = {}
    if name in PARAMS and fdp.ConsumeBool():
        kw[PARAMS[name]] = _param(fdp)
    if name == "gelu" and fdp.ConsumeBool():
        kw["approximate"] = ["none", "tanh", "TANH", "", None, 0][fdp.ConsumeIntInRange(0, 5)]
    if gradient and fdp.ConsumeBool():
        kw["from_output"] = fdp.ConsumeBool() if fdp.ConsumeBool() else _param(fdp)
    args = [x] if not gradient else [g, x]
    if name == "prelu":
        if fdp.ConsumeBool():
            weight = _param(fdp)
        else:
            weight = _array_like(fdp, (x.shape[1],) if shape and len(shape) > 1 else None)
        args.append(weight)
        if fdp.ConsumeBool():
            kw["axis"] = fdp.ConsumeIntInRange(-5, 5) if fdp.ConsumeBool() else _param(fdp)
    out = _out(fdp, x, g)
    if out is not None or fdp.ConsumeBool():
        kw["out"] = out
    fn = getattr(relufast, name + ("_grad" if gradient else ""))
    before = out.tobytes() if isinstance(out, np.ndarray) else None
    try:
        res = fn(*args, **kw)
    except (TypeError, ValueError):
        if before is not None and out.tobytes() != before:
            raise Finding(f"{fn.__name__} refused the call but wrote into out") from None
        return
    _check_result(fn.__name__, res, x, out, g, args[-1] if name == "prelu" else None)


def main():
    argv = list(sys.argv)
    if not any(a.startswith(("-max_total_time", "-runs")) for a in argv[1:]):
        argv.append("-max_total_time=45")
    prefix = os.path.join(tempfile.gettempdir(), "relufast-fuzz-")  # crash files: not the tree
    for flag, value in (("-timeout", "10"), ("-rss_limit_mb", "3072"), ("-max_len", "4096"),
                        ("-artifact_prefix", prefix)):
        if not any(a.startswith(flag + "=") for a in argv[1:]):
            argv.append(f"{flag}={value}")
    atheris.Setup(argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
