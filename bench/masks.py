"""1-bit masks (relu, leaky_relu, relu6 with ``mask=``): ratios from one run.

    python bench/masks.py [--n 10000000 50000000] [--threads 1 2] [--repeats 7] [--dtype float32]

Per op, size and thread count, the callables take turns call by call
(bench/timing.median_interleaved), each call after an untimed restore of its input and a read
of twice the last-level cache (so memory's throughput, not the cache's):

* forward in place: ``f(x, out=x)`` against ``f(x, out=x, mask=m)`` (the mask into a buffer
  kept across steps, as a layer would): the mask's cost, as a ratio (target <= 1.05);
* gradient in place: ``f_grad(g, x, out=g)`` against ``f_grad(g, mask=m, out=g)``: the ratio
  from x / from the mask (target >= 1.3), and PyTorch's backward kernel from x (threshold_backward,
  leaky_relu_backward, hardtanh_backward) when torch is installed;
* the memory the backward keeps: x (n * itemsize bytes) against the mask (n / 8).
"""

import argparse
import os
import sys

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

import relufast  # noqa: E402
from timing import flush, median_interleaved, restorer, with_threads  # noqa: E402

try:
    import torch
except ImportError:
    torch = None



OPS = [
    ("relu", relufast.relu, relufast.relu_grad, {},
     lambda g, x: torch.ops.aten.threshold_backward(g, x, 0)),
    ("leaky_relu", relufast.leaky_relu, relufast.leaky_relu_grad, {"negative_slope": 0.01},
     lambda g, x: torch.ops.aten.leaky_relu_backward(g, x, 0.01, False)),
    ("relu6", relufast.relu6, relufast.relu6_grad, {},
     lambda g, x: torch.ops.aten.hardtanh_backward(g, x, 0.0, 6.0)),
]


def case(name, f, fg, kw, tf, n, nt, dtype, repeats):
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(n) * 3).astype(dtype)
    g0 = rng.standard_normal(n).astype(dtype)
    x, xm = x0.copy(), x0.copy()
    m = np.empty(relufast.mask_shape(x.shape), np.uint8)
    fwd = median_interleaved(
        [with_threads(nt, lambda: f(x, out=x, **kw)),
         with_threads(nt, lambda: f(xm, out=xm, mask=m, **kw))],
        [restorer(x, x0), restorer(xm, x0)], repeats)
    g, gm, gt = g0.copy(), g0.copy(), g0.copy()
    fns = [with_threads(nt, lambda: fg(g, x0, out=g, **kw)),
           with_threads(nt, lambda: fg(gm, mask=m, out=gm, **kw)), None]
    if torch is not None:
        torch.set_num_threads(nt)
        tg, tx = torch.from_numpy(gt), torch.from_numpy(x0)
        fns[2] = lambda: tf(tg, tx)
    grad = median_interleaved(fns, [restorer(g, g0), restorer(gm, g0), restorer(gt, g0)],
                              repeats)
    vs = f"{grad[2] * 1e3:.2f} ms | {grad[2] / grad[1]:.2f}" if grad[2] else "- | -"
    print(f"| {name} | {n:.0e} | {nt} | {fwd[0] * 1e3:.2f} ms | {fwd[1] * 1e3:.2f} ms | "
          f"{fwd[1] / fwd[0]:.3f} | {grad[0] * 1e3:.2f} ms | {grad[1] * 1e3:.2f} ms | "
          f"{grad[0] / grad[1]:.2f} | {vs} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e7, 5e7])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--ops", default=",".join(o[0] for o in OPS))
    a = ap.parse_args()
    dtype = np.dtype(a.dtype)
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, "
          f"{dtype}, median of {a.repeats}" + (f", torch {torch.__version__}" if torch else ""))
    print("| op | n | threads | forward | forward + mask | mask / plain | grad from x | "
          "grad from mask | x / mask | PyTorch backward | PyTorch / mask |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ops = a.ops.split(",")
    for n in a.n:
        for nt in a.threads:
            for op in OPS:
                if op[0] in ops:
                    case(*op, int(n), nt, dtype, a.repeats)
    n = int(a.n[0])
    print(f"\nkept for the backward at n = {n:,}: x {n * dtype.itemsize / 2**20:.1f} MiB, "
          f"mask {(n + 7) // 8 / 2**20:.2f} MiB")


if __name__ == "__main__":
    main()
