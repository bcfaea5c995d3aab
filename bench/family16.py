"""The rest of the family at 16 bits against PyTorch (issue 16's 1.5x for every function and
gradient): the functions bench/mixed_dtypes.py does not time, float16 and bfloat16, 10**7
elements.

    python bench/family16.py [--n 10000000] [--threads 1 2] [--repeats 5]

hardtanh, hardsigmoid, hardswish, threshold, softplus, mish, relu_squared, rrelu (evaluation),
selu and the gradients of those and of celu, in place (``out=x``, ``out=grad``) where PyTorch has
an in-place form and into ``out`` otherwise; PyTorch's 16-bit CPU kernels (``torch.ops.aten.*``
backward kernels for the gradients; relu_squared as ``relu_(t).square_()`` and its gradient as
``g * (2 * relu(t))``, which PyTorch's autograd runs).  As mixed_dtypes.py: the two callables of
a row take turns call by call (bench/timing.median_interleaved), each call after an untimed
restore of its input and a read of twice the last-level cache.  Ratios are PyTorch time /
relufast time, from one run.
"""

import argparse
import os
import sys

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.append(os.path.dirname(os.path.abspath(__file__)))

import relufast as rf  # noqa: E402

from timing import median_interleaved, restorer, with_threads  # noqa: E402

try:
    import ml_dtypes
except ImportError:  # float16 alone
    ml_dtypes = None

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

A = torch.ops.aten
SELU = (1.6732632423543772, 1.0507009873554805)


def _torch_view(a):
    """A torch tensor on ``a``'s memory, float16 or bfloat16 (which torch.from_numpy lacks)."""
    if a.dtype == np.float16:
        return torch.from_numpy(a)
    return torch.from_numpy(a.view(np.int16)).view(torch.bfloat16)


def rows(x, g, y, tx, tg):
    """(name, relufast callable, PyTorch callable, restores x (forward) or g (gradient))"""
    fwd = [
        ("hardtanh", lambda: rf.hardtanh(x, out=x), lambda: F.hardtanh_(tx)),
        ("hardsigmoid", lambda: rf.hardsigmoid(x, out=x), lambda: F.hardsigmoid(tx, inplace=True)),
        ("hardswish", lambda: rf.hardswish(x, out=x), lambda: F.hardswish(tx, inplace=True)),
        ("threshold", lambda: rf.threshold(x, 0.5, -1.0, out=x),
         lambda: F.threshold_(tx, 0.5, -1.0)),
        ("softplus (out=y)", lambda: rf.softplus(x, out=y), lambda: F.softplus(tx)),
        ("mish", lambda: rf.mish(x, out=x), lambda: F.mish(tx, inplace=True)),
        ("relu_squared", lambda: rf.relu_squared(x, out=x), lambda: torch.relu_(tx).square_()),
        ("rrelu (evaluation)", lambda: rf.rrelu(x, out=x), lambda: F.rrelu_(tx, training=False)),
        ("selu", lambda: rf.selu(x, out=x), lambda: torch.selu_(tx)),
    ]
    grad = [
        ("hardtanh_grad", lambda: rf.hardtanh_grad(g, x, out=g),
         lambda: A.hardtanh_backward(tg, tx, -1.0, 1.0)),
        ("hardsigmoid_grad", lambda: rf.hardsigmoid_grad(g, x, out=g),
         lambda: A.hardsigmoid_backward(tg, tx)),
        ("hardswish_grad", lambda: rf.hardswish_grad(g, x, out=g),
         lambda: A.hardswish_backward(tg, tx)),
        ("threshold_grad", lambda: rf.threshold_grad(g, x, 0.5, -1.0, out=g),
         lambda: A.threshold_backward(tg, tx, 0.5)),
        ("rrelu_grad (evaluation)", lambda: rf.rrelu_grad(g, x, out=g),
         lambda: A.leaky_relu_backward(tg, tx, (1 / 8 + 1 / 3) / 2, False)),
        ("softplus_grad", lambda: rf.softplus_grad(g, x, out=g),
         lambda: A.softplus_backward(tg, tx, 1.0, 20.0)),
        ("mish_grad", lambda: rf.mish_grad(g, x, out=g), lambda: A.mish_backward(tg, tx)),
        ("relu_squared_grad", lambda: rf.relu_squared_grad(g, x, out=g),
         lambda: tg * (2 * torch.relu(tx))),
        ("selu_grad", lambda: rf.selu_grad(g, x, out=g),
         lambda: A.elu_backward(tg, SELU[0], SELU[1], 1.0, False, tx)),
        ("celu_grad", lambda: rf.celu_grad(g, x, out=g),
         lambda: A.elu_backward(tg, 1.0, 1.0, 1.0, False, tx)),
    ]
    return fwd, grad


def table(dtype, n, nt, repeats):
    rng = np.random.default_rng(3)
    x0 = (3 * rng.standard_normal(n)).astype(dtype)
    g0 = rng.standard_normal(n).astype(dtype)
    x, g, y = x0.copy(), g0.copy(), np.empty_like(x0)
    tx, tg = _torch_view(x), _torch_view(g)
    torch.set_num_threads(nt)
    fwd, grad = rows(x, g, y, tx, tg)
    name = np.dtype(dtype).name
    print(f"\n{name}, {nt} thread(s), {n} elements")
    print("| op | relufast | PyTorch | PyTorch / relufast |")
    print("|---|---:|---:|---:|")
    for kind, group in (("x", fwd), ("g", grad)):
        for op, rfn, tfn in group:
            work, src = (x, x0) if kind == "x" else (g, g0)

            # the torch tensors share the arrays' memory, so one restore serves both sides; a
            # gradient's x, restored once here, neither side writes
            np.copyto(x, x0)
            t = median_interleaved([with_threads(nt, rfn), tfn],
                                   [restorer(work, src), restorer(work, src)], repeats)
            print(f"| {op} | {t[0] * 1e3:.2f} ms | {t[1] * 1e3:.2f} ms | {t[1] / t[0]:.2f}x |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e7)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)
    print(f"# relufast {rf.__version__}, kernels {rf._dispatch.KERNELS.isa}; "
          f"torch {torch.__version__}")
    dtypes = [np.float16] + ([ml_dtypes.bfloat16] if ml_dtypes is not None else [])
    for nt in a.threads:
        for dt in dtypes:
            table(dt, int(a.n), nt, a.repeats)


if __name__ == "__main__":
    main()
