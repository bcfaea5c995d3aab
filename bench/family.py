"""hardtanh, threshold, hardsigmoid, hardswish, relu_squared and rrelu (evaluation and training)
against PyTorch and the copy bandwidth: ratios from one run.

    python bench/family.py [--n 1e5 1e6 1e7] [--threads 1 2] [--repeats 7] [--dtype float32]

Per op, size and thread count, the callables take turns call by call
(bench/timing.median_interleaved), each after an untimed restore of its input (and, from 10**7
elements, a read of twice the last-level cache): relufast in place (gradients into grad)
against PyTorch's in-place op or backward kernel, and, at the largest size, the copy of the
same bytes (np.copyto: 2N of them forward, 3N for a gradient, timed alike).
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



# name: (relufast call on (x, g), torch call on (tx, tg), gradient?)
OPS = {
    "hardtanh": (lambda x, g: relufast.hardtanh(x, out=x),
                 lambda t, tg: F.hardtanh_(t), False),
    "threshold": (lambda x, g: relufast.threshold(x, 0.1, 20.0, out=x),
                  lambda t, tg: F.threshold_(t, 0.1, 20.0), False),
    "hardsigmoid": (lambda x, g: relufast.hardsigmoid(x, out=x),
                    lambda t, tg: F.hardsigmoid(t, inplace=True), False),
    "hardswish": (lambda x, g: relufast.hardswish(x, out=x),
                  lambda t, tg: F.hardswish(t, inplace=True), False),
    "relu_squared": (lambda x, g: relufast.relu_squared(x, out=x),
                     lambda t, tg: t.relu_().square_(), False),
    "hardtanh_grad": (lambda x, g: relufast.hardtanh_grad(g, x, out=g),
                      lambda t, tg: torch.ops.aten.hardtanh_backward(tg, t, -1.0, 1.0), True),
    "threshold_grad": (lambda x, g: relufast.threshold_grad(g, x, 0.1, 20.0, out=g),
                       lambda t, tg: torch.ops.aten.threshold_backward(tg, t, 0.1), True),
    "hardsigmoid_grad": (lambda x, g: relufast.hardsigmoid_grad(g, x, out=g),
                         lambda t, tg: torch.ops.aten.hardsigmoid_backward(tg, t), True),
    "hardswish_grad": (lambda x, g: relufast.hardswish_grad(g, x, out=g),
                       lambda t, tg: torch.ops.aten.hardswish_backward(tg, t), True),
    "relu_squared_grad": (lambda x, g: relufast.relu_squared_grad(g, x, out=g),
                          lambda t, tg: tg.mul_(t.clamp_min(0)).mul_(2), True),
    # rrelu: in evaluation (PyTorch: leaky_relu with the mean slope, its backward likewise) and
    # in training (PyTorch draws a slope per element x <= 0 into a noise tensor, serially, and
    # its backward is grad * noise)
    "rrelu": (lambda x, g: relufast.rrelu(x, out=x),
              lambda t, tg: torch.rrelu_(t, _RR[0], _RR[1], False), False),
    "rrelu_grad": (lambda x, g: relufast.rrelu_grad(g, x, out=g),
                   lambda t, tg: torch.ops.aten.leaky_relu_backward(tg, t, sum(_RR) / 2, False),
                   True),
    "rrelu_train": (lambda x, g: relufast.rrelu(x, training=True, rng=_GEN, out=x),
                    lambda t, tg: torch.rrelu_(t, _RR[0], _RR[1], True), False),
    "rrelu_train_grad": (lambda x, g: relufast.rrelu_grad(g, x, noise=_noise(x), out=g),
                         lambda t, tg: torch.ops.aten.rrelu_with_noise_backward(
                             tg, t, _tnoise(t), _RR[0], _RR[1], True, False), True),
}
_RR = (1.0 / 8, 1.0 / 3)
_GEN = np.random.default_rng(0)
_NOISE = {}


def _noise(x):
    """One training forward's noise per array (drawn untimed, on first use)."""
    key = (x.shape, x.dtype.str)
    if key not in _NOISE:
        _NOISE[key] = relufast.rrelu(x.copy(), training=True, rng=_GEN)[1]
    return _NOISE[key]


def _tnoise(t):
    key = ("torch",) + tuple(t.shape) + (str(t.dtype),)
    if key not in _NOISE:
        noise = torch.empty_like(t)
        torch.ops.aten.rrelu_with_noise(t.clone(), noise, _RR[0], _RR[1], True)
        _NOISE[key] = noise
    return _NOISE[key]


def case(name, n, nt, dtype, repeats, copy):
    rf, tf, is_grad = OPS[name]
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(n) * 3).astype(dtype)
    g0 = rng.standard_normal(n).astype(dtype)
    x, g, xt, gt = x0.copy(), g0.copy(), x0.copy(), g0.copy()
    big = n >= 10**7

    if name == "rrelu_train_grad":  # each side's noise drawn before timing, not in a warm-up
        _noise(x)
        if torch is not None:
            _tnoise(torch.from_numpy(xt))
    work, src = (g, g0) if is_grad else (x, x0)
    twork, tsrc = (gt, g0) if is_grad else (xt, x0)

    fns = [with_threads(nt, lambda: rf(x, g)), None, None]
    rest = [restorer(work, src, big), restorer(twork, tsrc, big), restorer(work, src, big)]
    if torch is not None:
        torch.set_num_threads(nt)
        t, tg = torch.from_numpy(xt), torch.from_numpy(gt)
        fns[1] = lambda: tf(t, tg)
    if copy:
        dst = x0.copy()
        srcs = (x0, g0) if is_grad else (x0,)
        fns[2] = lambda: [np.copyto(dst, s) for s in srcs]  # 2N (3N) bytes like the op
        rest[2] = (lambda: flush()) if big else (lambda: None)
    r = median_interleaved(fns, rest, repeats)
    nbytes = (3 if is_grad else 2) * n * np.dtype(dtype).itemsize
    tv = f"{r[1] * 1e3:.3f} ms | {r[1] / r[0]:.2f}" if r[1] else "- | -"
    cv = f"{nbytes / r[0] / 1e9:.1f} GB/s | {r[2] / r[0]:.2f}" if r[2] else "- | -"
    print(f"| {name} | {n:.0e} | {nt} | {r[0] * 1e3:.3f} ms | {tv} | {cv} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, nargs="+", default=[1e5, 1e6, 1e7])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--ops", default=",".join(OPS))
    a = ap.parse_args()
    dtype = np.dtype(a.dtype)
    print(f"relufast {relufast.__version__}, kernels {relufast._dispatch.KERNELS.isa}, {dtype}, "
          f"median of {a.repeats}" + (f", torch {torch.__version__}" if torch else ""))
    print("| op | n | threads | relufast | PyTorch | PyTorch / relufast | relufast's bytes | "
          "copy / relufast |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in a.n:
        for nt in a.threads:
            for op in a.ops.split(","):
                case(op, int(n), nt, dtype, a.repeats, n == max(a.n))


if __name__ == "__main__":
    main()
