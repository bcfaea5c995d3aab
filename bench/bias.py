"""The fused bias (``f(z, bias=b)``, ``f_grad(g, z, bias=b)``) against two passes: ratios from
one run.

    python bench/bias.py [--n 10000000 50000000] [--width 1000] [--threads 1 2]
                         [--repeats 5] [--ops relu,elu,gelu]
    python bench/bias.py --prelu [--layouts nc,nchw] [--n ...] [--threads ...] [--repeats ...]

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

``--prelu``: prelu with its bias fused in its own kernels, float32, a weight and a bias per
channel, in two layouts: ``nc`` (n / width, width) along axis 1 (rows of channels) and ``nchw``
(n / (64 * 56 * 56), 64, 56, 56) along axis 1 (runs of 3,136), each call in place:

* forward: ``prelu(z, w, out=z, bias=b)`` against the two passes ``z += b; prelu(z, w, out=z)``
  and against what the call did before the fusion, ``prelu(z + b, w, out=z)`` (x + b into a
  temporary of x's size, then prelu);
* backward: ``prelu_grad(g, x, w, out=g, bias=b)``, which gives grad_x, grad_weight and
  grad_bias, against the two passes of a layer that kept z = x + b, ``prelu_grad(g, z, w,
  out=g)`` then the bias gradient ``g.sum(axes)`` (float32, NumPy's), and against what the call
  did before, ``z = x + b; prelu_grad(g, z, w, out=g)`` then the float64 sum.
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


def prelu_case(layout, n, width, nt, repeats):
    rng = np.random.default_rng(0)
    if layout == "nc":
        shape, axes = (n // width, width), (0,)
    else:
        shape, axes = (max(1, n // (64 * 56 * 56)), 64, 56, 56), (0, 2, 3)
    C = shape[1]
    bshape = (-1,) + (1,) * (len(shape) - 2)
    x0 = rng.standard_normal(shape).astype(np.float32)
    g0 = rng.standard_normal(shape).astype(np.float32)
    w = rng.uniform(0.05, 0.3, C).astype(np.float32)
    b = rng.standard_normal(C).astype(np.float32)
    bb = b.reshape(bshape)
    z1, z2, z3 = x0.copy(), x0.copy(), x0.copy()

    def two_passes():
        np.add(z2, bb, out=z2)
        relufast.prelu(z2, w, out=z2)

    def before():  # the call before the fusion: x + b in a temporary, then prelu
        relufast.prelu(np.add(z3, bb), w, out=z3)

    fns = [with_threads(nt, lambda: relufast.prelu(z1, w, out=z1, bias=b)),
           with_threads(nt, two_passes), with_threads(nt, before)]
    t = median_interleaved(fns, [restorer(z1, x0), restorer(z2, x0), restorer(z3, x0)],
                           repeats)
    zb = x0 + bb  # what a layer that adds the bias first keeps for the backward
    g1, g2, g3 = g0.copy(), g0.copy(), g0.copy()

    def unfused():
        relufast.prelu_grad(g2, zb, w, out=g2)
        g2.sum(axis=axes)

    def before_grad():
        z = np.add(x0, bb)
        relufast.prelu_grad(g3, z, w, out=g3)
        np.sum(g3, axis=axes, dtype=np.float64).astype(np.float32)

    gfns = [with_threads(nt, lambda: relufast.prelu_grad(g1, x0, w, out=g1, bias=b)),
            with_threads(nt, unfused), with_threads(nt, before_grad)]
    tg = median_interleaved(gfns, [restorer(g1, g0), restorer(g2, g0), restorer(g3, g0)],
                            repeats)
    print(f"| {layout} {shape} | {n:.0e} | {nt} | {t[0] * 1e3:.1f} ms | {t[1] * 1e3:.1f} ms | "
          f"{t[1] / t[0]:.2f} | {t[2] * 1e3:.1f} ms | {t[2] / t[0]:.2f} | {tg[0] * 1e3:.1f} ms | "
          f"{tg[1] * 1e3:.1f} ms | {tg[1] / tg[0]:.2f} | {tg[2] * 1e3:.1f} ms | "
          f"{tg[2] / tg[0]:.2f} |")


def prelu_main(a):
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, prelu "
          f"with a bias, float32, median of {a.repeats}; load average before: "
          f"{os.getloadavg()[0]:.2f}")
    print("| layout | n | threads | fused | two passes | two / fused | before (temporary) | "
          "before / fused | fused backward | gradient + sum | unfused / fused | "
          "before backward | before / fused |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in a.n:
        for nt in a.threads:
            for layout in a.layouts.split(","):
                prelu_case(layout, int(n), a.width, nt, a.repeats)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e7, 5e7])
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--ops", default="relu,elu,gelu")
    ap.add_argument("--prelu", action="store_true", help="prelu with a fused bias (above)")
    ap.add_argument("--layouts", default="nc,nchw", help="for --prelu: nc, nchw")
    a = ap.parse_args()
    if a.prelu:
        prelu_main(a)
        return
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
