"""Measure where splitting an array across threads starts to pay: the one-thread threshold.

For sizes around the thresholds relufast uses, times one cheap op (relu, in place) and one
transcendental op (elu, in place) with the kernel forced onto 1 thread and onto all threads,
calling the compiled kernel directly (so that the thresholds in relufast._threads do not decide for
us), and prints the ratio.  The threshold is the smallest size from which all threads win.

``--cold``: the same after a 1 ms pause before each call (the caller busy, as in a matmul), when
the OpenMP workers have gone to sleep: from which size waking them pays (relufast's
WAKE_FACTOR).  ``--gaps``: how long after a call the workers still catch the next one without a
wake (relufast's WAKE_WINDOW, set by the spin count of relufast/_runtime.py).

Usage: python bench/threshold.py [--threads N] [--repeat R] [--cold | --gaps]
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


def busy(seconds):
    """Keep the calling thread busy (as a matmul would) while relufast's workers idle."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def after_pause(fn, pause, repeat):
    """Median seconds of one call made ``pause`` seconds after the previous one ended."""
    times = []
    for _ in range(repeat):
        fn()
        busy(pause)
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def cold(kern, ops, threads, repeat):
    print(f"after a 1 ms pause: 1 thread vs {threads} threads, median of {repeat * 4} calls")
    for name, op, a, b in ops:
        for k in range(15, 22):
            x = np.random.default_rng(0).standard_normal(2**k).astype(np.float32)
            one = after_pause(lambda: kern(op, x, x, a, b, 1), 1e-3, repeat * 4)
            many = after_pause(lambda: kern(op, x, x, a, b, threads), 1e-3, repeat * 4)
            print(f"{name:5s} n={2**k:8d}  1t {one * 1e6:8.1f} us  {threads}t {many * 1e6:8.1f} us"
                  f"  1t/Nt {one / many:5.2f}")


def gaps(kern, ops, threads, repeat):
    name, op, a, b = ops[0]
    x = np.random.default_rng(0).standard_normal(2**18).astype(np.float32)
    print(f"{name} on {x.size} elements, {threads} threads, the call after a gap (median of "
          f"{repeat * 10})")
    for gap in (2e-6, 5e-6, 10e-6, 20e-6, 40e-6, 80e-6, 160e-6, 320e-6, 1e-3):
        t = after_pause(lambda: kern(op, x, x, a, b, threads), gap, repeat * 10)
        print(f"gap {gap * 1e6:6.0f} us: {t * 1e6:7.1f} us")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=relufast.get_num_threads())
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--cold", action="store_true", help="each call after a 1 ms pause")
    p.add_argument("--gaps", action="store_true", help="how long the workers stay awake")
    args = p.parse_args()
    kern = _dispatch.KERNELS.forward[np.dtype(np.float32)]
    ops = [("relu", _dispatch.OP.RELU, 0.0, 0.0), ("elu", _dispatch.OP.ELU, 1.0, 1.0)]
    if args.cold:
        return cold(kern, ops, args.threads, args.repeat)
    if args.gaps:
        return gaps(kern, ops, args.threads, args.repeat)
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
