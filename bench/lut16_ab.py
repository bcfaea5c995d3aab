"""float16 / bfloat16 smooth functions by lookup table against their computed path, in one process.

    python bench/lut16_ab.py [--n 100000] [--ops gelu,silu_grad,...] [--calls 200]
    RELUFAST_ISA=avx2 python bench/lut16_ab.py --n 10000000 --calls 20

The kernel module's ``lut16`` switch (relufast/_elementwise.pxi, section 3c) turns the tables
off and on, twice each in turn; each setting's time is the best of its two medians of
``--calls`` calls.  Every call runs in place, one thread, on 3 N(0, 1) data (gradients: grad
N(0, 1) into grad), its input restored untimed before it.  Prints ns per element computed and
by lookup, and their ratio, for every op the tables may serve, whether or not this module's
``_lut_op`` gives it one (where it does not, both columns time the computed path): the figures
behind which ops take tables (docs/performance.md, "float16 and bfloat16 by lookup").
"""

import argparse
import importlib
import os
import sys
import time

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import relufast  # noqa: E402
from relufast import _dispatch  # noqa: E402

try:
    import ml_dtypes
except ImportError:
    ml_dtypes = None

OPS = [
    ("gelu", lambda x, g: relufast.gelu(x, out=x)),
    ("silu", lambda x, g: relufast.silu(x, out=x)),
    ("gelu_tanh", lambda x, g: relufast.gelu(x, approximate="tanh", out=x)),
    ("mish", lambda x, g: relufast.mish(x, out=x)),
    ("softplus", lambda x, g: relufast.softplus(x, out=x)),
    ("softplus_beta2", lambda x, g: relufast.softplus(x, beta=2.0, out=x)),
    ("elu", lambda x, g: relufast.elu(x, out=x)),
    ("celu", lambda x, g: relufast.celu(x, alpha=0.5, out=x)),
    ("gelu_grad", lambda g, x: relufast.gelu_grad(g, x, out=g)),
    ("silu_grad", lambda g, x: relufast.silu_grad(g, x, out=g)),
    ("gelu_tanh_grad", lambda g, x: relufast.gelu_grad(g, x, approximate="tanh", out=g)),
    ("softplus_grad", lambda g, x: relufast.softplus_grad(g, x, out=g)),
    ("softplus_beta2_grad", lambda g, x: relufast.softplus_grad(g, x, beta=2.0, out=g)),
    ("mish_grad", lambda g, x: relufast.mish_grad(g, x, out=g)),
    ("elu_grad", lambda g, x: relufast.elu_grad(g, x, out=g)),
    ("celu_grad", lambda g, x: relufast.celu_grad(g, x, alpha=0.5, out=g)),
]


def median_call(call, a, src, other, calls):
    ts = []
    for _ in range(calls):
        np.copyto(a, src)
        t = time.perf_counter()
        call(a, other)
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=1e5)
    ap.add_argument("--ops", default=None, help="comma-separated names (default: all)")
    ap.add_argument("--calls", type=int, default=None, help="per median (default 200; 20 from 10**6)")
    args = ap.parse_args()
    n = int(args.n)
    calls = args.calls or (20 if n >= 10**6 else 200)
    names = set(args.ops.split(",")) if args.ops else None
    mod = importlib.import_module(f"relufast._kernels_{_dispatch.KERNELS.isa}")
    dtypes = [np.float16] + ([ml_dtypes.bfloat16] if ml_dtypes else [])
    print(f"relufast kernels {_dispatch.KERNELS.isa}, n = {n:,}, one thread, in place, "
          f"ns per element (best of two medians of {calls} calls)")
    print("| dtype | op | computed | lookup | computed / lookup |")
    print("|---|---|---:|---:|---:|")
    rng = np.random.default_rng(0)
    was = mod.lut16()
    try:
        for dt in dtypes:
            x0 = (rng.standard_normal(n) * 3).astype(dt)
            g0 = rng.standard_normal(n).astype(dt)
            for name, call in OPS:
                if names and name not in names:
                    continue
                grad = name.endswith("_grad")
                src, other = (g0, x0) if grad else (x0, g0)
                a = src.copy()
                best = {0: [], 1: []}
                with relufast.num_threads(1):
                    for on in (0, 1, 0, 1):
                        mod.lut16(on)
                        call(a, other)  # builds the table, untimed
                        best[on].append(median_call(call, a, src, other, calls))
                c, t = min(best[0]) * 1e9 / n, min(best[1]) * 1e9 / n
                print(f"| {np.dtype(dt).name} | {name} | {c:.3f} | {t:.3f} | {c / t:.2f} |")
    finally:
        mod.lut16(int(was))


if __name__ == "__main__":
    main()
