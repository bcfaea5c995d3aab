"""Measure where splitting an array across threads starts to pay: the one-thread threshold.

For sizes around the thresholds relufast uses, times one cheap op (relu, in place) and one
transcendental op (elu, in place) with the kernel forced onto 1 thread and onto all threads,
calling the compiled kernel directly (so that the thresholds in relufast._threads do not decide for
us), and prints the ratio.  The threshold is the smallest size from which all threads win.

Usage: python bench/threshold.py [--threads N] [--repeat R]
"""

import argparse
import time

import numpy as np

import relufast
from relufast import _dispatch, _threads


def per_call(fn, repeat, inner):
    """Median seconds per call over `repeat` batches of `inner` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return float(np.median(times))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=relufast.get_num_threads())
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args()
    kern = _dispatch.KERNELS.forward[np.dtype(np.float32)]
    ops = [("relu", _dispatch.OP.RELU, 0.0, 0.0), ("elu", _dispatch.OP.ELU, 1.0, 1.0)]
    sizes = [1024 * 2**k for k in range(0, 9)]
    print(f"relufast {relufast.__version__}, isa {_dispatch.KERNELS.isa}, float32 in place, "
          f"1 thread vs {args.threads} threads, median of {args.repeat}")
    print(f"{'n':>8} " + " ".join(f"{name + ' 1t us':>11} {name + ' Nt us':>11} {'1t/Nt':>6}"
                                   for name, *_ in ops))
    for n in sizes:
        x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        row = [f"{n:>8}"]
        for _, op, a, b in ops:
            inner = max(1, 2_000_000 // n)
            one = per_call(lambda: kern(op, x, x, a, b, 1), args.repeat, inner)
            many = per_call(lambda: kern(op, x, x, a, b, args.threads), args.repeat, inner)
            row.append(f"{one * 1e6:11.2f} {many * 1e6:11.2f} {one / many:6.2f}")
        print(" ".join(row))
    print(f"\nin use: cheap ops split from {_threads.PARALLEL_MIN_CHEAP} elements, transcendental "
          f"ones from {_threads.PARALLEL_MIN_TRANSCENDENTAL}")


if __name__ == "__main__":
    main()
