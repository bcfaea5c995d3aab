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
* the memory the backward keeps: x (n * itemsize bytes) against the mask (n / 8);
* with a bias (``--bias``; a dense layer's (n / width, width), the bias along the last axis, or
  NCHW with 64 channels of 28 x 28, along axis 1): ``f(z, out=z, mask=m, bias=b)`` against the
  two passes it replaces (``z += b; f(z, out=z, mask=m)``), and ``f_grad(g, mask=m, out=g,
  bias=b)`` against ``f_grad(g, mask=m, out=g)`` then the float64 sum of g per channel (what
  the two-pass path computed) and then NumPy's ``g.sum`` over the other axes (float32).
"""

import argparse
import os
import sys

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

import relufast  # noqa: E402
from timing import median_interleaved, restorer, with_threads  # noqa: E402

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


def bias_case(name, f, fg, kw, n, layout, nt, dtype, repeats):
    rng = np.random.default_rng(0)
    if layout == "dense":
        shape, axes = (n // 1000, 1000), (0,)
    else:  # nchw
        shape, axes = (max(1, n // (64 * 28 * 28)), 64, 28, 28), (0, 2, 3)
    C = shape[1] if layout == "nchw" else shape[-1]
    axis = 1 if layout == "nchw" else -1
    bshape = (C, 1, 1) if layout == "nchw" else (C,)
    z0 = (rng.standard_normal(shape) * 3).astype(dtype)
    g0 = rng.standard_normal(shape).astype(dtype)
    b = rng.standard_normal(C).astype(dtype)
    z1, z2 = z0.copy(), z0.copy()
    m1, m2 = (np.empty(relufast.mask_shape(shape), np.uint8) for _ in range(2))

    def two_passes():
        np.add(z2, b.reshape(bshape), out=z2)
        f(z2, out=z2, mask=m2, **kw)

    fwd = median_interleaved(
        [with_threads(nt, lambda: f(z1, out=z1, mask=m1, bias=b, axis=axis, **kw)),
         with_threads(nt, two_passes)],
        [restorer(z1, z0), restorer(z2, z0)], repeats)
    _, m = f(z0, mask=True, bias=b, axis=axis, **kw)

    g1, g2, g3 = g0.copy(), g0.copy(), g0.copy()

    def unfused():  # what the two-pass path did: the select, then bias_sum's float64 sum
        fg(g2, mask=m, out=g2, **kw)
        np.sum(g2, axis=axes, dtype=np.float64)

    def unfused32():  # the select, then NumPy's own sum (float32 pairwise; issue 17's peer)
        fg(g3, mask=m, out=g3, **kw)
        g3.sum(axis=axes)

    grad = median_interleaved(
        [with_threads(nt, lambda: fg(g1, mask=m, out=g1, bias=b, axis=axis, **kw)),
         with_threads(nt, unfused), with_threads(nt, unfused32)],
        [restorer(g1, g0), restorer(g2, g0), restorer(g3, g0)], repeats)
    print(f"| {name} | {layout} | {n:.0e} | {nt} | {fwd[0] * 1e3:.2f} ms | "
          f"{fwd[1] * 1e3:.2f} ms | {fwd[1] / fwd[0]:.2f} | {grad[0] * 1e3:.2f} ms | "
          f"{grad[1] * 1e3:.2f} ms | {grad[1] / grad[0]:.2f} | {grad[2] * 1e3:.2f} ms | "
          f"{grad[2] / grad[0]:.2f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e7, 5e7])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--ops", default=",".join(o[0] for o in OPS))
    ap.add_argument("--bias", nargs="*", choices=["dense", "nchw"],
                    help="the mask with a bias instead, in these layouts (default dense)")
    a = ap.parse_args()
    dtype = np.dtype(a.dtype)
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, "
          f"{dtype}, median of {a.repeats}" + (f", torch {torch.__version__}" if torch else ""))
    ops = a.ops.split(",")
    if a.bias is not None:
        print("| op | layout | n | threads | fused forward | z += b, then forward | two / fused "
              "| fused gradient | gradient, then float64 sum | two / fused | gradient, then "
              "g.sum | two / fused |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in a.n:
            for nt in a.threads:
                for layout in a.bias or ["dense"]:
                    for op in OPS:
                        if op[0] in ops:
                            bias_case(*op[:4], int(n), layout, nt, dtype, a.repeats)
        return
    print("| op | n | threads | forward | forward + mask | mask / plain | grad from x | "
          "grad from mask | x / mask | PyTorch backward | PyTorch / mask |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
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
