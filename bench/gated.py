"""Gated units against PyTorch: ratios from one run.

    python bench/gated.py [--n 10000000 50000000] [--threads 1 2] [--repeats 5]
                          [--dtype float32] [--units swiglu,geglu,reglu]

Per unit, size and thread count, the callables take turns call by call
(bench/timing.median_interleaved), each call after a read of twice the last-level cache:

* forward: relufast's ``swiglu(a, b, out=y)`` (one pass) against PyTorch's ``F.silu(a) * b``
  (two kernels, a temporary), and against relufast's own two passes
  (``silu(a, out=y); y *= b``);
* backward: ``swiglu_grad(g, a, b, out=(ga, gb))`` against PyTorch autograd's backward of the
  same expression (``y.backward(g)`` through ``F.silu(a) * b``; the forward is redone, untimed,
  before each timed backward).
"""

import argparse
import os
import sys

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

import relufast  # noqa: E402
from timing import flush, median_interleaved, with_threads  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None



UNITS = {
    "swiglu": (relufast.swiglu, relufast.swiglu_grad, relufast.silu,
               lambda a: F.silu(a)),
    "geglu": (relufast.geglu, relufast.geglu_grad, relufast.gelu, lambda a: F.gelu(a)),
    "reglu": (relufast.reglu, relufast.reglu_grad, relufast.relu, lambda a: F.relu(a)),
}


def case(name, n, nt, dtype, repeats):
    fwd, grad, f, tf = UNITS[name]
    rng = np.random.default_rng(0)
    a, b, g = (rng.standard_normal(n).astype(dtype) for _ in range(3))
    # outputs touched now: np.empty's pages would fault in the first, timed calls (at 5e7
    # elements those are counted: slow first calls are samples, bench/timing.py)
    y, y2, ga, gb = (a.copy() for _ in range(4))

    def two_passes():
        f(a, out=y2)
        np.multiply(y2, b, out=y2)

    fns = [with_threads(nt, lambda: fwd(a, b, out=y)), with_threads(nt, two_passes), None]
    if torch is not None:
        torch.set_num_threads(nt)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        fns[2] = lambda: tf(ta) * tb
    t = median_interleaved(fns, [flush] * 3, repeats)
    tb_ = None
    gfn = [with_threads(nt, lambda: grad(g, a, b, out=(ga, gb))), None]
    restores = [flush, flush]
    if torch is not None:
        tg = torch.from_numpy(g)
        state = {}

        def forward_graph():
            ta_ = torch.from_numpy(a).requires_grad_()
            tb2 = torch.from_numpy(b).requires_grad_()
            state["y"] = tf(ta_) * tb2
            flush()

        gfn[1] = lambda: state["y"].backward(tg)
        restores[1] = forward_graph
    tb_ = median_interleaved(gfn, restores, repeats)
    tvs = f"{t[2] * 1e3:.1f} ms | {t[2] / t[0]:.2f}" if t[2] else "- | -"
    bvs = f"{tb_[1] * 1e3:.1f} ms | {tb_[1] / tb_[0]:.2f}" if tb_[1] else "- | -"
    print(f"| {name} | {n:.0e} | {nt} | {t[0] * 1e3:.1f} ms | {t[1] * 1e3:.1f} ms | "
          f"{t[1] / t[0]:.2f} | {tvs} | {tb_[0] * 1e3:.1f} ms | {bvs} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e7, 5e7])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--units", default="swiglu,geglu,reglu")
    a = ap.parse_args()
    dtype = np.dtype(a.dtype)
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, "
          f"{dtype}, median of {a.repeats}" + (f", torch {torch.__version__}" if torch else ""))
    print("| unit | n | threads | fused | two passes | two / fused | PyTorch f(a) * b | "
          "PyTorch / fused | fused backward | PyTorch autograd | PyTorch / fused |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in a.n:
        for nt in a.threads:
            for u in a.units.split(","):
                case(u, int(n), nt, dtype, a.repeats)


if __name__ == "__main__":
    main()
