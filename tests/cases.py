"""What relufast's tests run on: the functions, their parameters, the values and the layouts.

* the table of functions under test (``ELEMENTWISE``: every elementwise function with the
  parameter sets worth testing, its gradient and its float64 twin in reference.py), and its
  subsets (``EXACT``, ``TRANSCENDENTAL``, ``FROM_OUTPUT``, ``NO_FROM_OUTPUT``);
* value generators (random data over several scales, the edge values, sweeps of a dtype's whole
  range) and array layouts (every stride pattern the kernels must handle, ``LAYOUTS`` and
  ``in_layout``), shapes and broadcast inputs;
* known bugs: one ``xfail(strict=True)`` marker per bug, with what goes wrong, so that a fix
  turns the test red (XPASS) and the marker gets removed.

A plain module, imported by the test files (``from cases import ...``; tests/ is on sys.path
under pytest's default import mode, as it has no __init__.py) and by tools/.
"""

import dataclasses
import math

import numpy as np
import pytest

import relufast
from relufast import _dispatch
from relufast import _threads

import reference as ref

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
DTYPES = (F16, F32, F64)


def working_dtype(dtype):
    """The dtype the kernels compute in for an array of ``dtype`` (float32 for float16)."""
    return F64 if np.dtype(dtype) == F64 else F32


# ---------------------------------------------------------------------------------------------
# the functions under test


@dataclasses.dataclass(frozen=True)
class Fn:
    """One elementwise public function with one set of parameters, and its gradient.

    ``exact``: no transcendental operation, so float32 and float64 results equal the twin's
    rounded to the dtype, bitwise (float16: the float32 result rounded, so twice).
    ``from_output``: the gradient accepts ``from_output=True``.
    ``crosses_zero``: the derivative has a root inside its domain (see derivative_floor).
    """

    name: str
    params: tuple = ()
    exact: bool = False
    from_output: bool = True
    crosses_zero: bool = False
    threshold: int = _threads.PARALLEL_MIN_TRANSCENDENTAL

    @property
    def kw(self):
        return dict(self.params)

    @property
    def id(self):
        args = ",".join(f"{v}" if k in ("weight", "approximate") else f"{k}={v}"
                        for k, v in self.params)
        return f"{self.name}({args})" if args else self.name

    @property
    def grad_name(self):
        return self.name + "_grad"

    # relufast

    def forward(self, x, **kw):
        return getattr(relufast, self.name)(x, **self.kw, **kw)

    def gradient(self, grad, x, **kw):
        out = getattr(relufast, self.grad_name)(grad, x, **self.kw, **kw)
        return out[0] if self.name == "prelu" else out

    # the float64 twin, with parameters rounded to the working precision of ``dtype``

    def _ref_kw(self, dtype):
        kw = self.kw
        if self.name not in ("relu", "relu6", "gelu", "silu", "mish"):
            kw["precision"] = working_dtype(dtype)
        if self.name == "prelu" and np.dtype(dtype) == F16:
            # prelu's weight is an array of x's dtype: a scalar weight is rounded to float16
            kw["weight"] = float(np.float16(kw["weight"]))
        return kw

    def ref_forward(self, x, dtype):
        """The twin's forward (float64) for an array of ``dtype``: round it to compare."""
        return getattr(ref, self.name)(x, **self._ref_kw(dtype))

    def ref_gradient(self, grad, x, dtype, from_output=False):
        kw = self._ref_kw(dtype)
        if from_output:
            kw["from_output"] = True
        out = getattr(ref, self.grad_name)(grad, x, **kw)
        return out[0] if self.name == "prelu" else out

    def from_output_floor(self, dtype):
        """From the output, f'(x) is y + scale*alpha (elu, selu) or y/alpha + 1 (celu): a sum
        that cancels as y -> its lower limit, so its ulp is taken at that constant."""
        prec = working_dtype(dtype)
        if self.name == "elu":
            return abs(ref._param(self.kw.get("alpha", 1.0), prec))
        if self.name == "selu":
            return ref._selu_constants(prec)[0]
        return 1.0 if self.name == "celu" else None

    def celu_quotient(self, x, dtype):
        a = ref._param(self.kw.get("alpha", 1.0), working_dtype(dtype))
        return ref._celu_quotient(np.asarray(x, F64), a, working_dtype(dtype))


_CHEAP = _threads.PARALLEL_MIN_CHEAP

ELEMENTWISE = [
    Fn("relu", exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 0.01),), exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 0.0),), exact=True, threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", -0.3),), exact=True, from_output=False,
       threshold=_CHEAP),
    Fn("leaky_relu", (("negative_slope", 1.7),), exact=True, threshold=_CHEAP),
    Fn("prelu", (("weight", 0.25),), exact=True, from_output=False, threshold=_CHEAP),
    Fn("prelu", (("weight", -1.5),), exact=True, from_output=False, threshold=_CHEAP),
    Fn("elu", (("alpha", 1.0),)),
    Fn("elu", (("alpha", 0.3),)),
    Fn("elu", (("alpha", 2.5),)),
    Fn("elu", (("alpha", -0.7),), from_output=False),
    Fn("selu"),
    Fn("celu", (("alpha", 1.0),)),
    Fn("celu", (("alpha", 0.7),)),  # x / 0.7 is inexact
    Fn("celu", (("alpha", 4.0),)),
    Fn("celu", (("alpha", -0.5),), from_output=False),
    Fn("relu6", exact=True, threshold=_CHEAP),
    Fn("gelu", (("approximate", "none"),), from_output=False, crosses_zero=True),
    Fn("gelu", (("approximate", "tanh"),), from_output=False, crosses_zero=True),
    Fn("silu", from_output=False, crosses_zero=True),
    Fn("hardtanh", (("min_val", -1.0), ("max_val", 1.0)), exact=True, threshold=_CHEAP),
    Fn("hardtanh", (("min_val", -2.5), ("max_val", 0.3)), exact=True, threshold=_CHEAP),
    Fn("threshold", (("threshold", 0.1), ("value", 20.0)), exact=True, from_output=False,
       threshold=_CHEAP),
    Fn("threshold", (("threshold", 0.5), ("value", -1.0)), exact=True, threshold=_CHEAP),
    Fn("hardsigmoid", exact=True, from_output=False, threshold=_CHEAP),
    Fn("hardswish", exact=True, from_output=False, threshold=_CHEAP),
    Fn("relu_squared", exact=True, from_output=False, threshold=_CHEAP),
    Fn("rrelu", exact=True, threshold=_CHEAP),
    Fn("rrelu", (("lower", 0.1), ("upper", 0.3)), exact=True, threshold=_CHEAP),
    Fn("softplus", (("beta", 1.0), ("threshold", 20.0)), from_output=False),
    Fn("softplus", (("beta", 0.7), ("threshold", 3.0)), from_output=False),  # x * 0.7 inexact
    Fn("softplus", (("beta", 4.0), ("threshold", -1.5)), from_output=False),
    Fn("mish", from_output=False, crosses_zero=True),
]
EXACT = [fn for fn in ELEMENTWISE if fn.exact]
TRANSCENDENTAL = [fn for fn in ELEMENTWISE if not fn.exact]
FROM_OUTPUT = [fn for fn in ELEMENTWISE if fn.from_output]
NO_FROM_OUTPUT = [fn for fn in ELEMENTWISE if not fn.from_output]


def fn_params(fns, marks=None):
    """pytest.param per Fn, with ids, and marks from ``marks(fn)`` (a list) if given."""
    return [pytest.param(fn, id=fn.id, marks=(marks(fn) if marks else ())) for fn in fns]


# ---------------------------------------------------------------------------------------------
# known bugs: each is an xfail(strict=True) marker; the report lists them


def known_bug(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# ---------------------------------------------------------------------------------------------
# values


def special_values(dtype):
    """The edge values of ``dtype``, by group: {group: float64 array of dtype-exact values}."""
    info = np.finfo(dtype)
    tiny, big = float(info.tiny), float(info.max)
    denorm = float(info.smallest_subnormal)
    six_lo = float(np.nextafter(np.array(6, dtype), np.array(0, dtype)))
    six_hi = float(np.nextafter(np.array(6, dtype), np.array(7, dtype)))
    groups = {
        "zeros": [0.0, -0.0],
        "kinks": [6.0, six_lo, six_hi, -6.0, 1.0, -1.0, denorm, -denorm],
        "subnormals": [denorm, -denorm, 3 * denorm, -3 * denorm, tiny / 2, -tiny / 2,
                       tiny, -tiny, tiny * (1 - info.eps), -tiny * (1 - info.eps)],
        "large": [100.0, -100.0, 1000.0, -1000.0, 1e30, -1e30, big, -big, big / 2, -big / 2],
        "infinities": [math.inf, -math.inf],
        "nan": [math.nan, -math.nan],
    }
    with np.errstate(over="ignore"):
        return {k: np.array(v, dtype=dtype).astype(F64) for k, v in groups.items()}


SPECIAL_GROUPS = ("zeros", "kinks", "subnormals", "large", "infinities", "nan")

SCALES = (1e-3, 1.0, 8.0, 100.0)


def random_values(rng, n, dtype, scale=1.0):
    """n values of ``dtype`` (as the dtype): a normal sample of the given scale."""
    with np.errstate(over="ignore"):
        return (rng.standard_normal(n) * scale).astype(dtype)


def mixed_values(rng, n, dtype):
    """n values of ``dtype``: every scale mixed, with every edge value sprinkled in."""
    parts = [random_values(rng, n, dtype, s) for s in SCALES]
    v = np.concatenate(parts)
    v = v[rng.permutation(v.size)[:n]]
    edges = np.concatenate(list(special_values(dtype).values())).astype(dtype)
    pos = rng.choice(n, size=min(n, edges.size), replace=False)
    v[pos] = edges[: pos.size]
    return v




def float64_sample(rng):
    """~1500 float64 points: every scale, and a uniform sweep of [-40, 40]."""
    parts = [random_values(rng, 300, F64, s) for s in SCALES] + [rng.uniform(-40, 40, 300)]
    return np.concatenate(parts)


def sweep(dtype):
    """Finite values of ``dtype`` over its whole range, both signs, and densely over the range
    where exp and expm1 overflow or underflow (|x| <= 800, step 0.1)."""
    info = np.finfo(dtype)
    with np.errstate(over="ignore"):
        mags = np.geomspace(float(info.smallest_subnormal), float(info.max), 2000)
    dense = np.arange(0, 800, 0.1)
    v = np.concatenate([mags, -mags, dense, -dense, [0.0, float(info.max), -float(info.max)]])
    with np.errstate(over="ignore"):
        v = v.astype(dtype)
    return v[np.isfinite(v)]


# ---------------------------------------------------------------------------------------------
# layouts: the same values in every stride pattern the kernels must handle

LAYOUTS = ("C", "F", "permuted", "step", "negative", "step-negative", "offset", "unaligned",
           "broadcast")
# layouts that can be written to (a broadcast view cannot)
OUT_LAYOUTS = tuple(lay for lay in LAYOUTS if lay != "broadcast")


def in_layout(values, layout):
    """A new array equal to ``values`` (any shape) whose memory layout is ``layout``:

    C, F (Fortran), permuted (axes rotated: neither C nor F for ndim >= 3, transposed for 2-D),
    step (every axis sliced with a step of 2 or 3), negative (every axis reversed), step-negative
    (both), offset (C order, starting 3 elements into a buffer: not 64-byte aligned), unaligned
    (C order at an odd byte address: not even itemsize-aligned), broadcast (a read-only view
    with a zero stride along the first axis of length > 1, where the values allow it; else C).
    """
    v = np.asarray(values)
    dt, nd = v.dtype, v.ndim
    if layout == "C" or nd == 0 and layout not in ("offset", "unaligned"):
        return v.copy()
    if layout == "F":
        return np.asfortranarray(v.copy())
    if layout == "permuted":
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(v, 0, -1)), -1, 0)
    if layout in ("step", "negative", "step-negative"):
        # axis i: step 2 or 3 (alternating), negated for the negative layouts
        steps = [1 if layout == "negative" else 2 + i % 2 for i in range(nd)]
        sign = 1 if layout == "step" else -1
        buf = np.full(tuple(n * k for n, k in zip(v.shape, steps)), np.nan, dt)
        view = buf[tuple(slice(None, None, sign * k) for k in steps)]
        view[...] = v
        return view
    if layout == "offset":
        buf = np.full(v.size + 3, np.nan, dt)
        view = buf[3:].reshape(v.shape)
        view[...] = v
        return view
    if layout == "unaligned":
        raw = np.zeros(v.size * dt.itemsize + 1, np.uint8)
        view = np.ndarray(v.shape, dt, buffer=raw.data, offset=1)
        view[...] = v
        return view
    if layout == "broadcast":
        return v.copy()  # values generally differ along every axis; see broadcast_input
    raise ValueError(layout)


def broadcast_input(rng, shape, dtype):
    """A read-only array of ``shape`` with a zero stride (np.broadcast_to of one row)."""
    row = random_values(rng, shape[-1] if shape else 1, dtype, 4.0)
    return np.broadcast_to(row.reshape((1,) * (len(shape) - 1) + row.shape), shape)


SHAPES = [(), (0,), (1,), (7,), (3, 5), (4, 0, 3), (2, 3, 5), (2, 3, 2, 5), (2, 1, 3, 2, 3)]


def shape_id(shape):
    return "x".join(map(str, shape)) if shape else "0d"


def wrap_kernel_tables(monkeypatch, tables, wrap):
    """Replace every entry of the KERNELS tables named in ``tables`` (dicts by dtype) with
    ``wrap(table, entry)``, for the test (monkeypatch undoes it).  The call path binds these
    dicts, so they are patched in place; select_isa refills them, so wrap after it."""
    k = _dispatch.KERNELS
    for table in tables:
        entries = getattr(k, table)
        for dt, f in list(entries.items()):
            monkeypatch.setitem(entries, dt, wrap(table, f))
