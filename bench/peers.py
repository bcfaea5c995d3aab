"""The numexpr and numba peers of the benchmark suite.

relufast, NumPy and PyTorch formulations live in ``relufast.bench`` (shared with the roofline
report); this module adds the two peers that only the suite uses.  Each ``*_impl(case)`` returns
a zero-argument callable doing one call on the case's arrays, or raises ``Unsupported`` (the
benchmark is then skipped): a peer that is not installed, or has no formulation for the op.
"""

import functools
import math

import numpy as np

from relufast.bench import CHANNELS, LEAKY_SLOPE, SELU_ALPHA, SELU_SCALE, Unsupported

K = math.sqrt(2 / math.pi)  # gelu tanh form
CC = 0.044715
RSQRT2 = math.sqrt(0.5)
RSQRT2PI = 1 / math.sqrt(2 * math.pi)


def _params(case):
    """(scale * alpha, scale, 1 / alpha) of the elu family, or Nones."""
    s, p = case.spec, case.spec.params
    if s.base == "selu":
        return SELU_SCALE * SELU_ALPHA, SELU_SCALE, 1.0
    if s.base in ("elu", "celu"):
        return p["alpha"], 1.0, 1.0 / p["alpha"]
    return None, None, None


# ---------------------------------------------------------------------------------------------
# numexpr: ne.evaluate(expr, out=...) with every constant passed as a scalar of x's dtype
# (numexpr computes float32 arrays with float literals in float64, then casts)

_NE_FORWARD = {
    "relu": "where(x > 0, x, 0)",
    "leaky_relu": "where(x > 0, x, a * x)",
    "prelu": "where(x > 0, x, w * x)",
    "elu": "where(x > 0, sc * x, sa * expm1(x))",
    "selu": "where(x > 0, sc * x, sa * expm1(x))",
    "celu": "where(x > 0, x, sa * expm1(x * ia))",
    "relu6": "where(x > 0, where(x < six, x, six), 0)",
    "gelu_tanh": "half * x * (one + tanh(k * (x + cc * x * x * x)))",
    "silu": "x / (one + exp(-x))",
}
_TH = "tanh(k * (x + cc * x * x * x))"
_NE_GRAD = {
    "relu": "where(x > 0, g, 0)",
    "leaky_relu": "where(x > 0, g, a * g)",
    "prelu": "where(x > 0, g, w * g)",
    "elu": "where(x > 0, sc * g, sa * g * exp(x))",
    "selu": "where(x > 0, sc * g, sa * g * exp(x))",
    "celu": "where(x > 0, g, g * exp(x * ia))",
    "relu6": "where((x > 0) & (x < six), g, 0)",
    # numexpr has no common subexpressions: tanh, exp appear as often as the formula needs them
    "gelu_tanh": f"g * (half * (one + {_TH}) "
    f"+ half * x * (one - {_TH} * {_TH}) * k * (one + three * cc * x * x))",
    # s (1 + x (1 - s)) with s = 1 / (1 + e), e = exp(-x): (1 + e (1 + x)) / (1 + e)^2
    "silu": "g * (one + exp(-x) * (one + x)) / ((one + exp(-x)) * (one + exp(-x)))",
}


def numexpr_impl(case):
    try:
        import numexpr as ne
    except ImportError:
        raise Unsupported("numexpr is not installed") from None
    s = case.spec
    table = _NE_FORWARD if s.kind == "forward" else _NE_GRAD
    name = "gelu_tanh" if s.name.startswith("gelu_tanh") else s.base
    if name not in table:
        raise Unsupported(f"numexpr has no erf: no {s.name}")
    dt = case.dtype.type
    sa, sc, ia = _params(case)
    consts = dict(a=LEAKY_SLOPE, sa=sa, sc=sc, ia=ia, six=6, half=0.5, one=1, three=3, k=K, cc=CC)
    env = {k: dt(v) for k, v in consts.items() if v is not None}
    env.update(x=case.x, g=case.g)
    if s.base == "prelu":
        env["w"] = case.w.reshape((CHANNELS,) + (1,) * (len(case.shape) - 2))
    run = functools.partial(ne.evaluate, table[name], local_dict=env, global_dict={},
                            out=case.out)
    if s.base == "prelu" and s.kind == "gradient":
        t = np.empty(case.shape, case.dtype)
        axes = (0,) if s.layout == "nc" else (0, 2, 3)
        wterm = functools.partial(ne.evaluate, "where(x > 0, 0, g * x)", local_dict=env,
                                  global_dict={}, out=t)

        def prelu_grad():  # the weight gradient first: grad_x may overwrite g
            wterm()
            gw = t.sum(axis=axes)
            return run(), gw

        return prelu_grad
    return run


# ---------------------------------------------------------------------------------------------
# numba: @njit(parallel=True) prange loops over the flat arrays, constants of x's dtype.
# Compiled on first use (cache=True keeps the machine code in bench/__pycache__); the harness
# calls every implementation before timing it, so compilation is never timed.


@functools.lru_cache(maxsize=None)
def _numba_kernels():
    try:
        import numba
    except ImportError:
        raise Unsupported("numba is not installed") from None
    from numba import prange

    jit = functools.partial(numba.njit, parallel=True, cache=True, nogil=True)
    exp, expm1, erfc, tanh = math.exp, math.expm1, math.erfc, math.tanh

    @jit
    def relu(x, y, z):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v <= z else v

    @jit
    def leaky_relu(x, y, a):
        for i in prange(x.size):
            v = x[i]
            y[i] = v if v > 0 else a * v

    @jit
    def elu(x, y, sa, sc, ia):  # elu, selu and (with ia = 1 / alpha) celu
        for i in prange(x.size):
            v = x[i]
            y[i] = sc * v if v > 0 else sa * expm1(v * ia)

    @jit
    def relu6(x, y, z, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = z if v <= z else (six if v > six else v)

    @jit
    def gelu(x, y, half, r2):
        for i in prange(x.size):
            v = x[i]
            y[i] = half * v * erfc(-v * r2)

    @jit
    def gelu_tanh(x, y, half, one, k, cc):
        for i in prange(x.size):
            v = x[i]
            y[i] = half * v * (one + tanh(k * (v + cc * v * v * v)))

    @jit
    def silu(x, y, one):
        for i in prange(x.size):
            v = x[i]
            y[i] = v / (one + exp(-v))

    @jit
    def relu_grad(g, x, y, z):
        for i in prange(x.size):
            y[i] = g[i] if x[i] > z else z

    @jit
    def leaky_relu_grad(g, x, y, a):
        for i in prange(x.size):
            y[i] = g[i] if x[i] > 0 else a * g[i]

    @jit
    def elu_grad(g, x, y, sa, sc, ia):
        for i in prange(x.size):
            v = x[i]
            y[i] = sc * g[i] if v > 0 else sa * ia * g[i] * exp(v * ia)

    @jit
    def relu6_grad(g, x, y, z, six):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] if (v > z and v < six) else z

    @jit
    def gelu_grad(g, x, y, half, r2, r2pi):
        for i in prange(x.size):
            v = x[i]
            y[i] = g[i] * (half * erfc(-v * r2) + v * exp(-half * v * v) * r2pi)

    @jit
    def gelu_tanh_grad(g, x, y, half, one, three, k, cc):
        for i in prange(x.size):
            v = x[i]
            th = tanh(k * (v + cc * v * v * v))
            y[i] = g[i] * (half * (one + th)
                           + half * v * (one - th * th) * k * (one + three * cc * v * v))

    @jit
    def silu_grad(g, x, y, one):
        for i in prange(x.size):
            v = x[i]
            s = one / (one + exp(-v))
            y[i] = g[i] * s * (one + v * (one - s))

    @jit
    def prelu_rows(x, y, w):  # x, y: (rows, inner), row r on channel r % C
        C = w.size
        for r in prange(x.shape[0]):
            wc = w[r % C]
            for j in range(x.shape[1]):
                v = x[r, j]
                y[r, j] = v if v > 0 else wc * v

    @jit
    def prelu_nc(x, y, w):  # x, y: (N, C)
        for r in prange(x.shape[0]):
            for c in range(x.shape[1]):
                v = x[r, c]
                y[r, c] = v if v > 0 else w[c] * v

    @jit
    def prelu_grad_rows(g, x, y, w):  # returns the weight gradient, summed in float64
        C = w.size
        part = np.zeros(x.shape[0])
        for r in prange(x.shape[0]):
            wc = w[r % C]
            acc = 0.0
            for j in range(x.shape[1]):
                v, gv = x[r, j], g[r, j]
                if v > 0:
                    y[r, j] = gv
                else:
                    acc += gv * v
                    y[r, j] = wc * gv
            part[r] = acc
        return part.reshape(-1, C).sum(axis=0)

    @jit
    def prelu_grad_nc(g, x, y, w, nchunks):
        N, C = x.shape
        part = np.zeros((nchunks, C))
        step = (N + nchunks - 1) // nchunks
        for k in prange(nchunks):
            for r in range(k * step, min(N, (k + 1) * step)):
                for c in range(C):
                    v, gv = x[r, c], g[r, c]
                    if v > 0:
                        y[r, c] = gv
                    else:
                        part[k, c] += gv * v
                        y[r, c] = w[c] * gv
        return part.sum(axis=0)

    return dict(locals())


def numba_impl(case):
    kern = _numba_kernels()
    s, dt = case.spec, case.dtype.type
    sa, sc, ia = _params(case)
    x, g, y = (None if a is None else a.reshape(-1) for a in (case.x, case.g, case.out))
    P = functools.partial
    name = "gelu_tanh" if s.name.startswith("gelu_tanh") else s.base
    if s.base == "prelu":
        w = case.w
        if s.layout == "nc":
            x2, g2, y2 = case.x, case.g, case.out
        else:  # (N, C, H, W) as (N C, H W)
            rows = case.shape[0] * case.shape[1]
            x2, g2, y2 = (None if a is None else a.reshape(rows, -1)
                          for a in (case.x, case.g, case.out))
        if s.kind == "forward":
            return P(kern["prelu_nc" if s.layout == "nc" else "prelu_rows"], x2, y2, w)
        if s.layout == "nc":
            import numba

            fn = P(kern["prelu_grad_nc"], g2, x2, y2, w, 4 * numba.get_num_threads())
        else:
            fn = P(kern["prelu_grad_rows"], g2, x2, y2, w)

        def prelu_grad():
            return case.out, fn()

        return prelu_grad
    c = {k: dt(v) for k, v in dict(z=0, a=LEAKY_SLOPE, six=6, half=0.5, one=1, three=3, k=K,
                                   cc=CC, r2=RSQRT2, r2pi=RSQRT2PI).items()}
    if sa is not None:
        c.update(sa=dt(sa), sc=dt(sc), ia=dt(ia))
    args = {
        "relu": ("z",), "leaky_relu": ("a",), "elu": ("sa", "sc", "ia"),
        "selu": ("sa", "sc", "ia"), "celu": ("sa", "sc", "ia"), "relu6": ("z", "six"),
        "gelu": ("half", "r2"), "gelu_tanh": ("half", "one", "k", "cc"), "silu": ("one",),
    }[name]
    if s.kind == "forward":
        fn = kern["elu" if name in ("selu", "celu") else name]
        return P(fn, x, y, *(c[a] for a in args))
    fn = kern[("elu" if name in ("selu", "celu") else name) + "_grad"]
    if name == "gelu":
        args = ("half", "r2", "r2pi")
    elif name == "gelu_tanh":
        args = ("half", "one", "three", "k", "cc")
    return P(fn, g, x, y, *(c[a] for a in args))
