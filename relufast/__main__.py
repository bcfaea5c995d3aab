"""``python -m relufast``: what relufast does and how fast, next to the NumPy idiom.

Runs every activation and its gradient on a real-sized float32 batch (a ResNet-style
feature map, 64 x 64 x 56 x 56 = 12.8 million elements, 51 MB), in place, and prints the median
time of relufast next to the NumPy idiom people write today, measured in the same run, with the
largest difference between the two results.  Options: ``--size N`` (elements), ``--repeat R``,
``--threads T``, ``--dtype float64``.
"""

import argparse
import time

import numpy as np

import relufast as rf
from relufast import _idioms as idiom

# (name, relufast call on (x, g), NumPy idiom on (x, g)); each returns its result (the gradient
# with respect to x).  The NumPy column is what people write today (relufast._idioms): one
# temporary array per operator.
def _cases(w):
    return [
        ("relu", lambda x, g: rf.relu(x, out=x), lambda x, g: idiom.relu(x)),
        ("leaky_relu", lambda x, g: rf.leaky_relu(x, 0.01, out=x),
         lambda x, g: idiom.leaky_relu(x, 0.01)),
        ("prelu", lambda x, g: rf.prelu(x, w, out=x), lambda x, g: idiom.prelu(x, w)),
        ("elu", lambda x, g: rf.elu(x, out=x), lambda x, g: idiom.elu(x)),
        ("selu", lambda x, g: rf.selu(x, out=x), lambda x, g: idiom.selu(x)),
        ("celu", lambda x, g: rf.celu(x, 0.5, out=x), lambda x, g: idiom.celu(x, 0.5)),
        ("relu6", lambda x, g: rf.relu6(x, out=x), lambda x, g: idiom.relu6(x)),
        ("gelu (tanh)", lambda x, g: rf.gelu(x, "tanh", out=x),
         lambda x, g: idiom.gelu(x, "tanh")),
        ("silu", lambda x, g: rf.silu(x, out=x), lambda x, g: idiom.silu(x)),
        ("softplus", lambda x, g: rf.softplus(x, out=x), lambda x, g: idiom.softplus(x)),
        ("mish", lambda x, g: rf.mish(x, out=x), lambda x, g: idiom.mish(x)),
        ("relu_grad", lambda x, g: rf.relu_grad(g, x, out=g), lambda x, g: idiom.relu_grad(g, x)),
        ("leaky_relu_grad", lambda x, g: rf.leaky_relu_grad(g, x, 0.01, out=g),
         lambda x, g: idiom.leaky_relu_grad(g, x, 0.01)),
        ("prelu_grad", lambda x, g: rf.prelu_grad(g, x, w, out=g)[0],
         lambda x, g: idiom.prelu_grad(g, x, w)[0]),
        ("elu_grad", lambda x, g: rf.elu_grad(g, x, out=g), lambda x, g: idiom.elu_grad(g, x)),
        ("selu_grad", lambda x, g: rf.selu_grad(g, x, out=g), lambda x, g: idiom.selu_grad(g, x)),
        ("silu_grad", lambda x, g: rf.silu_grad(g, x, out=g), lambda x, g: idiom.silu_grad(g, x)),
        ("softplus_grad", lambda x, g: rf.softplus_grad(g, x, out=g),
         lambda x, g: idiom.softplus_grad(g, x)),
        ("mish_grad", lambda x, g: rf.mish_grad(g, x, out=g), lambda x, g: idiom.mish_grad(g, x)),
    ] + _piecewise_cases()


def _piecewise_cases():
    """The piecewise rest, and rrelu in evaluation (the mean slope: its training form draws
    random slopes, which no idiom could match element for element)."""
    return [
        ("hardtanh", lambda x, g: rf.hardtanh(x, out=x), lambda x, g: idiom.hardtanh(x)),
        ("threshold", lambda x, g: rf.threshold(x, 0.1, 20.0, out=x),
         lambda x, g: idiom.threshold(x, 0.1, 20.0)),
        ("hardsigmoid", lambda x, g: rf.hardsigmoid(x, out=x), lambda x, g: idiom.hardsigmoid(x)),
        ("hardswish", lambda x, g: rf.hardswish(x, out=x), lambda x, g: idiom.hardswish(x)),
        ("relu_squared", lambda x, g: rf.relu_squared(x, out=x),
         lambda x, g: idiom.relu_squared(x)),
        ("rrelu", lambda x, g: rf.rrelu(x, out=x), lambda x, g: idiom.rrelu(x)),
        ("hardtanh_grad", lambda x, g: rf.hardtanh_grad(g, x, out=g),
         lambda x, g: idiom.hardtanh_grad(g, x)),
        ("threshold_grad", lambda x, g: rf.threshold_grad(g, x, 0.1, 20.0, out=g),
         lambda x, g: idiom.threshold_grad(g, x, 0.1, 20.0)),
        ("hardsigmoid_grad", lambda x, g: rf.hardsigmoid_grad(g, x, out=g),
         lambda x, g: idiom.hardsigmoid_grad(g, x)),
        ("hardswish_grad", lambda x, g: rf.hardswish_grad(g, x, out=g),
         lambda x, g: idiom.hardswish_grad(g, x)),
        ("relu_squared_grad", lambda x, g: rf.relu_squared_grad(g, x, out=g),
         lambda x, g: idiom.relu_squared_grad(g, x)),
        ("rrelu_grad", lambda x, g: rf.rrelu_grad(g, x, out=g),
         lambda x, g: idiom.rrelu_grad(g, x)),
    ]


def _median_time(fn, pristine, repeat):
    """Median seconds of fn(x, g) over fresh copies (in-place calls never see their own output)."""
    x, g = (np.empty_like(p) for p in pristine)
    times, result = [], None
    for _ in range(repeat):
        np.copyto(x, pristine[0])
        np.copyto(g, pristine[1])
        t0 = time.perf_counter()
        result = fn(x, g)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), np.array(result, copy=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m relufast", description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=64 * 64 * 56 * 56, help="elements per array")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per case (median)")
    p.add_argument("--threads", type=int, default=None, help="relufast threads (default: all)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = p.parse_args(argv)
    if args.threads:
        rf.set_num_threads(args.threads)

    channels = 64
    n = max(channels, args.size - args.size % channels)
    rng = np.random.default_rng(0)
    shape = (-1, channels, 56, 56) if n % (channels * 56 * 56) == 0 else (-1, channels)
    x0 = (rng.standard_normal(n) * 2).astype(args.dtype).reshape(shape)
    g0 = rng.standard_normal(x0.shape).astype(args.dtype)
    w = np.linspace(0.05, 0.3, channels, dtype=args.dtype)

    print(f"relufast {rf.__version__}: {n:,} {args.dtype} elements "
          f"({x0.nbytes / 1e6:.0f} MB, shape {x0.shape}), in place, "
          f"{rf.get_num_threads()} thread(s); NumPy {np.__version__}; "
          f"median of {args.repeat} runs")
    print(f"{'function':<18} {'relufast':>10} {'NumPy idiom':>12} {'speedup':>8}  {'max |diff|':>10}")
    for name, ours, theirs in _cases(w):
        t_rf, r_rf = _median_time(ours, (x0, g0), args.repeat)
        with np.errstate(all="ignore"):
            t_np, r_np = _median_time(theirs, (x0, g0), max(1, args.repeat // 2))
            diff = float(np.max(np.abs(r_rf.astype(np.float64) - r_np.astype(np.float64))))
        print(f"{name:<18} {t_rf * 1e3:8.2f} ms {t_np * 1e3:9.2f} ms {t_np / t_rf:7.1f}x  "
              f"{diff:10.2e}")
    print("\n(relufast: in place, no temporaries.  NumPy: the usual one-liner, with its "
          "temporaries.  In the source repository, `python bench/roofline.py` measures against "
          "the memory bandwidth.)")


if __name__ == "__main__":
    main()
