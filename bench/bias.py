"""The fused bias (``f(z, bias=b)``, ``f_grad(g, z, bias=b)``) against two passes: ratios from
one run.

    python bench/bias.py [--n 10000000 50000000] [--width 1000] [--threads 1 2]
                         [--repeats 5] [--ops relu,elu,gelu]

A dense layer's pre-activation z of shape (n / width, width), float32, the bias along axis 1.
Per op, size and thread count, the callables take turns call by call
(bench/timing.median_interleaved), each call after an untimed restore of its input and a read
of twice the last-level cache:

* forward in place: ``f(z, out=z, bias=b)`` against relufast's two passes
  (``z += b; f(z, out=z)``) and PyTorch's ``z.add_(b).relu_()`` (its in-place ops; gelu and
  elu: ``F.gelu(z.add_(b))``, ``F.elu_(z.add_(b))``);
* backward in place: ``f_grad(g, z, out=g, bias=b)``, which also gives the bias gradient,
  against relufast's ``f_grad(g, y, out=g)`` then ``g.sum(axis=0)`` and PyTorch's backward
  kernel then ``g.sum(0)`` (relu: from the output, as both libraries do after an in-place
  forward; gelu and elu: from the pre-activation).
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
    import torch.nn.functional as F
except ImportError:
    torch = None



# name: (forward, gradient, gradient from the output?, torch forward, torch backward)
OPS = {
    "relu": (relufast.relu, relufast.relu_grad, True,
             lambda t, b: t.add_(b).relu_(),
             lambda g, y: torch.ops.aten.threshold_backward(g, y, 0)),
    "elu": (relufast.elu, relufast.elu_grad, False,
            lambda t, b: F.elu_(t.add_(b)),
            lambda g, z: torch.ops.aten.elu_backward(g, 1.0, 1.0, 1.0, False, z)),
    "gelu": (relufast.gelu, relufast.gelu_grad, False,
             lambda t, b: F.gelu(t.add_(b)),
             lambda g, z: torch.ops.aten.gelu_backward(g, z)),
}


def case(name, n, width, nt, repeats):
    f, fg, from_y, tf, tbw = OPS[name]
    rng = np.random.default_rng(0)
    rows = n // width
    z0 = rng.standard_normal((rows, width)).astype(np.float32)
    b = rng.standard_normal(width).astype(np.float32)
    g0 = rng.standard_normal((rows, width)).astype(np.float32)
    z1, z2, z3 = z0.copy(), z0.copy(), z0.copy()

    def two_passes():
        np.add(z2, b, out=z2)
        f(z2, out=z2)

    fns = [with_threads(nt, lambda: f(z1, out=z1, bias=b)), with_threads(nt, two_passes), None]
    if torch is not None:
        torch.set_num_threads(nt)
        t3, tb = torch.from_numpy(z3), torch.from_numpy(b)
        fns[2] = lambda: tf(t3, tb)
    t = median_interleaved(fns, [restorer(z1, z0), restorer(z2, z0), restorer(z3, z0)],
                           repeats)
    # the backward: x as the fused call sees it (pre-activation z, or the output y for relu)
    y0 = f(z0, bias=b)
    xin = y0 if from_y else z0
    zb = z0 + b  # what the unfused gradient sees
    xun = y0 if from_y else zb
    g1, g2, g3 = g0.copy(), g0.copy(), g0.copy()
    kw = {"from_output": True} if from_y else {}

    def unfused():
        fg(g2, xun, out=g2, **kw)
        g2.sum(axis=0)

    gfns = [with_threads(nt, lambda: fg(g1, xin, out=g1, bias=b, **kw)),
            with_threads(nt, unfused), None]
    if torch is not None:
        tg3, tx = torch.from_numpy(g3), torch.from_numpy(xun)

        def torch_backward():
            tbw(tg3, tx).sum(0)

        gfns[2] = torch_backward
    tg = median_interleaved(gfns, [restorer(g1, g0), restorer(g2, g0), restorer(g3, g0)],
                            repeats)
    tvs = f"{t[2] * 1e3:.1f} ms | {t[2] / t[0]:.2f}" if t[2] else "- | -"
    gvs = f"{tg[2] * 1e3:.1f} ms | {tg[2] / tg[0]:.2f}" if tg[2] else "- | -"
    print(f"| {name} | {n:.0e} | {nt} | {t[0] * 1e3:.1f} ms | {t[1] * 1e3:.1f} ms | "
          f"{t[1] / t[0]:.2f} | {tvs} | {tg[0] * 1e3:.1f} ms | {tg[1] * 1e3:.1f} ms | "
          f"{tg[1] / tg[0]:.2f} | {gvs} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e7, 5e7])
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ops", default="relu,elu,gelu")
    a = ap.parse_args()
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, float32, "
          f"width {a.width}, median of {a.repeats}"
          + (f", torch {torch.__version__}" if torch else ""))
    print("| op | n | threads | fused | two passes | two / fused | PyTorch | PyTorch / fused | "
          "fused backward | gradient + sum | unfused / fused | PyTorch backward + sum | "
          "PyTorch / fused |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in a.n:
        for nt in a.threads:
            for op in a.ops.split(","):
                case(op, int(n), a.width, nt, a.repeats)


if __name__ == "__main__":
    main()
