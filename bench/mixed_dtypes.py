"""Mixed float dtypes and float16 in the kernel (issue 16): ratios from one run, 10**7 elements.

    python bench/mixed_dtypes.py [--n 10000000] [--threads 1 2] [--repeats 5] [--no-torch]

Three tables, each at 1 and 2 threads, every row's callables taking turns call by call
(bench/timing.median_interleaved), each call after an untimed restore of its input and a read
of twice the last-level cache (so memory's throughput, not the cache's).  The copy bandwidth
is timed in every row, as one more callable taking its turns there (``np.copyto`` of the
operand's dtype on as many Python threads, bench/timing.copier): on a machine shared with
other jobs, a copy timed once per table met other neighbours than the rows it was compared to.

* scikit-learn's case: ``relu_grad(delta, Z, from_output=True, out=delta)``, float64 delta and
  float32 Z, against NumPy's ``delta[Z == 0] = 0`` and against the copy bandwidth of its bytes
  (8 read + 4 read + 8 written per element; the copy: float64);
* float16 in place, every function: GB/s of its bytes (2 read + 2 written), the ratio to the
  float16 copy bandwidth, and PyTorch's float16 CPU kernel (in place where PyTorch has one);
* float16 gradients into grad (2 + 2 read, 2 written), against the copy bandwidth and PyTorch's
  backward kernels (``torch.ops.aten.*_backward``);
* the same two for bfloat16 (ml_dtypes), when it is installed;
* prelu and prelu_grad in float16 and bfloat16 (NCHW (N, 64, 56, 56), axis 1, a weight of x's
  dtype per channel, N so that about ``--n`` elements): relufast in place and into a separate
  out, against PyTorch's ``F.prelu`` (which allocates its result); the gradient into grad
  against PyTorch's backward as autograd runs it (``aten._prelu_kernel_backward``, whose weight
  gradient is per element, then ``sum_to_size`` to the weight's shape).  ``--prelu-only``
  prints these tables alone.
"""

import argparse
import os
import sys

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

import relufast  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from timing import copier, flush, median_interleaved, restorer, with_threads  # noqa: E402

try:
    import ml_dtypes
except ImportError:  # no bfloat16 table
    ml_dtypes = None

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the tables leave PyTorch's column empty
    torch = None

_POOL = ThreadPoolExecutor(2)


def copy_of(a, nt):
    """A callable copying an array like ``a`` on nt threads, and the bytes it moves."""
    src = a.copy()
    dst = src.copy()  # touched: np.empty's pages would fault in the first copies
    return copier(dst, src, nt, pool=_POOL), 2 * src.nbytes


def sklearn_case(n, nt, repeats):
    rng = np.random.default_rng(0)
    Z = np.maximum(rng.standard_normal(n, np.float32), 0)
    delta0 = rng.standard_normal(n)
    delta = delta0.copy()
    delta_np = delta0.copy()
    cp, cbytes = copy_of(delta0, nt)
    fns = [with_threads(nt, lambda: relufast.relu_grad(delta, Z, from_output=True, out=delta)),
           lambda: delta_np.__setitem__(Z == 0, 0), cp]
    t = median_interleaved(fns, [restorer(delta, delta0), restorer(delta_np, delta0), flush],
                           repeats)
    bw = cbytes / t[2] / 1e9
    gbs = 20 * n / t[0] / 1e9
    print(f"| {nt} | {t[0] * 1e3:.2f} ms, {gbs:.1f} GB/s | {bw:.1f} GB/s | {gbs / bw:.2f} | "
          f"{t[1] * 1e3:.2f} ms | {t[1] / t[0]:.1f}x |")


FORWARD = [
    ("relu", lambda x, o: relufast.relu(x, out=o), lambda t: torch.relu_(t)),
    ("leaky_relu", lambda x, o: relufast.leaky_relu(x, 0.01, out=o),
     lambda t: F.leaky_relu_(t, 0.01)),
    ("elu", lambda x, o: relufast.elu(x, out=o), lambda t: F.elu_(t)),
    ("selu", lambda x, o: relufast.selu(x, out=o), lambda t: torch.selu_(t)),
    ("celu", lambda x, o: relufast.celu(x, out=o), lambda t: torch.celu_(t)),
    ("relu6", lambda x, o: relufast.relu6(x, out=o), lambda t: F.relu6(t, inplace=True)),
    ("gelu", lambda x, o: relufast.gelu(x, out=o), lambda t: F.gelu(t)),
    ("gelu tanh", lambda x, o: relufast.gelu(x, approximate="tanh", out=o),
     lambda t: F.gelu(t, approximate="tanh")),
    ("silu", lambda x, o: relufast.silu(x, out=o), lambda t: F.silu(t, inplace=True)),
]

GRADIENT = [
    ("relu_grad", lambda g, x: relufast.relu_grad(g, x, out=g),
     lambda g, x: torch.ops.aten.threshold_backward(g, x, 0)),
    ("leaky_relu_grad", lambda g, x: relufast.leaky_relu_grad(g, x, 0.01, out=g),
     lambda g, x: torch.ops.aten.leaky_relu_backward(g, x, 0.01, False)),
    ("elu_grad", lambda g, x: relufast.elu_grad(g, x, out=g),
     lambda g, x: torch.ops.aten.elu_backward(g, 1.0, 1.0, 1.0, False, x)),
    ("relu6_grad", lambda g, x: relufast.relu6_grad(g, x, out=g),
     lambda g, x: torch.ops.aten.hardtanh_backward(g, x, 0.0, 6.0)),
    ("gelu_grad", lambda g, x: relufast.gelu_grad(g, x, out=g),
     lambda g, x: torch.ops.aten.gelu_backward(g, x)),
    ("gelu_grad tanh", lambda g, x: relufast.gelu_grad(g, x, approximate="tanh", out=g),
     lambda g, x: torch.ops.aten.gelu_backward(g, x, approximate="tanh")),
    ("silu_grad", lambda g, x: relufast.silu_grad(g, x, out=g),
     lambda g, x: torch.ops.aten.silu_backward(g, x)),
]


def _torch_view(a):
    """A torch tensor on ``a``'s memory, float16 or bfloat16 (which torch.from_numpy lacks)."""
    if a.dtype == np.float16:
        return torch.from_numpy(a)
    return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)


def float16_forward(n, nt, repeats, use_torch, dtype=np.float16):
    rng = np.random.default_rng(1)
    x0 = (rng.standard_normal(n) * 3).astype(dtype)
    cp, cbytes = copy_of(x0, nt)
    x, xt = x0.copy(), x0.copy()
    tt = _torch_view(xt) if use_torch else None
    if use_torch:
        torch.set_num_threads(nt)
    for name, rf, tf in FORWARD:
        fns = [with_threads(nt, lambda: rf(x, x)), (lambda: tf(tt)) if use_torch else None, cp]
        t = median_interleaved(fns, [restorer(x, x0), restorer(xt, x0), flush], repeats)
        gbs = 4 * n / t[0] / 1e9
        bw = cbytes / t[2] / 1e9
        vs = f"{t[1] * 1e3:.2f} ms | {t[1] / t[0]:.1f}x" if use_torch else "- | -"
        print(f"| {name} | {nt} | {t[0] * 1e3:.2f} ms, {gbs:.1f} GB/s | {gbs / bw:.2f} | {vs} |")


def float16_gradient(n, nt, repeats, use_torch, dtype=np.float16):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(n) * 3).astype(dtype)
    g0 = rng.standard_normal(n).astype(dtype)
    g = g0.copy()
    cp, cbytes = copy_of(x, nt)
    if use_torch:
        torch.set_num_threads(nt)
        gt, xt = _torch_view(g0.copy()), _torch_view(x)
    for name, rf, tf in GRADIENT:
        fns = [with_threads(nt, lambda: rf(g, x)), (lambda: tf(gt, xt)) if use_torch else None,
               cp]
        t = median_interleaved(fns, [restorer(g, g0), flush, flush], repeats)
        gbs = 6 * n / t[0] / 1e9
        bw = cbytes / t[2] / 1e9
        vs = f"{t[1] * 1e3:.2f} ms | {t[1] / t[0]:.1f}x" if use_torch else "- | -"
        print(f"| {name} | {nt} | {t[0] * 1e3:.2f} ms, {gbs:.1f} GB/s | {gbs / bw:.2f} | {vs} |")


def prelu_tables(n, nt, repeats, use_torch, dtype):
    """prelu (in place, into out) and prelu_grad (into grad) in float16 or bfloat16."""
    shape = (max(1, n // (64 * 56 * 56)), 64, 56, 56)
    rng = np.random.default_rng(3)
    x0 = (rng.standard_normal(shape, np.float32) * 3).astype(dtype)
    g0 = rng.standard_normal(shape, np.float32).astype(dtype)
    w = np.linspace(-0.5, 0.5, 64).astype(dtype)
    x, y, g = x0.copy(), np.empty_like(x0), g0.copy()
    if use_torch:
        torch.set_num_threads(nt)
        xt, gt, wt = _torch_view(x0), _torch_view(g0), _torch_view(w)
        wv = wt.view(1, 64, 1, 1)

        def torch_backward():
            gi, gw = torch.ops.aten._prelu_kernel_backward(gt, xt, wv)
            return gi, gw.sum_to_size(wv.shape)

        # PyTorch allocates F.prelu's result (16 MB at 10**7 float16).  From a fresh process
        # glibc gives the first ~10 such blocks fresh pages, whose faults took 7 to 9 ms of
        # the call's 8 to 11 (--prelu-only); then its thresholds have grown and the blocks are
        # reused: 1.1 ms, the steady state of a loop, and what the full run, after the other
        # tables, measured.  So the steady state is reached before timing.
        for _ in range(16):
            F.prelu(xt, wt)
            torch_backward()

    forward = [with_threads(nt, lambda: relufast.prelu(x, w, out=x)),
               with_threads(nt, lambda: relufast.prelu(x0, w, out=y)),
               (lambda: F.prelu(xt, wt)) if use_torch else None]
    t = median_interleaved(forward, [restorer(x, x0), flush, flush], repeats)
    size = x0.size
    vs = f"{t[2] * 1e3:.2f} ms | {t[2] / t[1]:.2f}x" if use_torch else "- | -"
    print(f"| prelu | {nt} | {t[0] * 1e3:.2f} ms, {4 * size / t[0] / 1e9:.1f} GB/s | "
          f"{t[1] * 1e3:.2f} ms | {vs} |")
    backward = [with_threads(nt, lambda: relufast.prelu_grad(g, x0, w, out=g)),
                torch_backward if use_torch else None]
    t = median_interleaved(backward, [restorer(g, g0), flush], repeats)
    vs = f"{t[1] * 1e3:.2f} ms | {t[1] / t[0]:.2f}x" if use_torch else "- | -"
    print(f"| prelu_grad | {nt} | {t[0] * 1e3:.2f} ms, {6 * size / t[0] / 1e9:.1f} GB/s | "
          f"- | {vs} |")


def print_prelu(a, use_torch):
    dtypes = [("float16", np.float16)]
    if ml_dtypes is not None:
        dtypes.append(("bfloat16", ml_dtypes.bfloat16))
    for name, dt in dtypes:
        print(f"\nprelu {name}, (N, 64, 56, 56), axis 1: in place (prelu), into grad "
              "(prelu_grad); PyTorch / relufast compares with relufast into out for prelu")
        print(f"| op | threads | relufast in place | relufast out=y | PyTorch {name} | "
              "PyTorch / relufast |")
        print("|---|---:|---:|---:|---:|---:|")
        for nt in a.threads:
            prelu_tables(a.n, nt, a.repeats, use_torch, dt)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--prelu-only", action="store_true", help="the prelu tables alone")
    a = ap.parse_args()
    use_torch = torch is not None and not a.no_torch
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, "
          f"n = {a.n:,}, median of {a.repeats}" + (f", torch {torch.__version__}"
                                                    if use_torch else ""))
    if a.prelu_only:
        print_prelu(a, use_torch)
        return
    print("\nscikit-learn's case: relu_grad(delta f64, Z f32, from_output=True, out=delta)")
    print("| threads | relufast | copy bandwidth | ratio | delta[Z == 0] = 0 | NumPy / relufast |")
    print("|---:|---:|---:|---:|---:|---:|")
    for nt in a.threads:
        sklearn_case(a.n, nt, a.repeats)
    print("\nfloat16 in place (out=x)")
    print("| op | threads | relufast | / copy bandwidth | PyTorch float16 | PyTorch / relufast |")
    print("|---|---:|---:|---:|---:|---:|")
    for nt in a.threads:
        float16_forward(a.n, nt, a.repeats, use_torch)
    print("\nfloat16 gradients into grad")
    print("| op | threads | relufast | / copy bandwidth | PyTorch float16 | PyTorch / relufast |")
    print("|---|---:|---:|---:|---:|---:|")
    for nt in a.threads:
        float16_gradient(a.n, nt, a.repeats, use_torch)
    if ml_dtypes is None:
        return
    bf16 = ml_dtypes.bfloat16
    print("\nbfloat16 in place (out=x)")
    print("| op | threads | relufast | / copy bandwidth | PyTorch bfloat16 | PyTorch / relufast |")
    print("|---|---:|---:|---:|---:|---:|")
    for nt in a.threads:
        float16_forward(a.n, nt, a.repeats, use_torch, bf16)
    print("\nbfloat16 gradients into grad")
    print("| op | threads | relufast | / copy bandwidth | PyTorch bfloat16 | PyTorch / relufast |")
    print("|---|---:|---:|---:|---:|---:|")
    for nt in a.threads:
        float16_gradient(a.n, nt, a.repeats, use_torch, bf16)
    print_prelu(a, use_torch)


if __name__ == "__main__":
    main()
