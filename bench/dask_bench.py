"""relufast through Dask against relufast direct and the NumPy idiom through Dask.

    python bench/dask_bench.py                      # 10**8 float32 elements, chunks of 10**7
    python bench/dask_bench.py --n 10**7 --chunk 10**6 --repeats 3

One NumPy array ``x`` in memory, and ``dx = da.from_array(x, chunks=chunk)`` over it.  For relu
and gelu (tanh form, the form the NumPy idiom has), taking turns call by call in a random order
each round (the position after another call's 400 MB free changed the times by 3x here):

* direct: ``relufast.f(x)``, a new NumPy array (its page faults included);
* relufast via Dask: ``relufast.f(dx).persist()`` on the threaded scheduler: every block
  computed by relufast's kernels (with relufast's OpenMP threads inside each of Dask's) into
  a new array, the result kept in its chunks as Dask keeps it (``.compute()``, which also
  copies the chunks into one array, is timed too: "gathered");
* "1 thread": the same with ``set_num_threads(1)``: Dask's threads the only parallelism;
* NumPy idiom via Dask: the same, with the NumPy expression (relufast/_idioms.py) on each block.

Ratios are direct's median time over each Dask way's (>= 1: as fast as the direct call).
"""

import argparse
import os
import random
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import dask  # noqa: E402
import dask.array as da  # noqa: E402

import relufast  # noqa: E402
from relufast import _idioms  # noqa: E402
from timing import LoadMeter  # noqa: E402


def medians_shuffled(fns, rounds, seed=0):
    """Median seconds of each callable: ``rounds`` rounds, each calling every callable once in
    a new random order; a result is freed after its time is taken (freeing 400 MB, or a
    persisted array's chunks, is not the call's work), and a first untimed round warms up."""
    rng = random.Random(seed)
    samples = [[] for _ in fns]
    for f in fns:
        f()
    for _ in range(rounds):
        order = list(range(len(fns)))
        rng.shuffle(order)
        for i in order:
            t = time.perf_counter()
            result = fns[i]()
            samples[i].append(time.perf_counter() - t)
            del result
    return [statistics.median(v) for v in samples]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", default="10**8", help="elements (a Python expression)")
    p.add_argument("--chunk", default="10**7", help="elements per chunk (an expression)")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    n, chunk = int(eval(args.n)), int(eval(args.chunk))  # noqa: S307 (a command-line number)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    dx = da.from_array(x, chunks=chunk)
    print(f"n = {n:.3g} float32, chunks of {chunk:.3g} ({dx.numblocks[0]} blocks), "
          f"dask {dask.__version__}, threaded scheduler ({os.cpu_count()} CPUs), "
          f"relufast threads {relufast.get_num_threads()}; load average "
          f"{os.getloadavg()[0]:.2f}")
    cases = {
        "relu": (relufast.relu, _idioms.relu),
        "gelu": (lambda v: relufast.gelu(v, approximate="tanh"),
                 lambda v: _idioms.gelu(v, approximate="tanh")),
    }

    def one_thread(f):
        """relufast on one thread a chunk (process-wide): Dask's threads the only parallelism."""
        relufast.set_num_threads(1)
        try:
            return f(dx).persist()
        finally:
            relufast.set_num_threads(None)

    print(f"{'op':5} {'direct ms':>10} {'via Dask':>9} {'1 thread':>9} {'gathered':>9} "
          f"{'idiom via Dask':>15}   ratios direct/(via Dask, 1 thread, gathered, idiom)"
          "   other load")
    with dask.config.set(scheduler="threads"):
        for name, (f, idiom) in cases.items():
            fns = [lambda: f(x),
                   lambda: f(dx).persist(),
                   lambda: one_thread(f),
                   lambda: f(dx).compute(),
                   lambda: dx.map_blocks(idiom, dtype=np.float32).persist()]
            with LoadMeter() as load:
                t = medians_shuffled(fns, args.repeats)
            r = [t[0] / v for v in t[1:]]
            print(f"{name:5} {t[0] * 1e3:10.1f} {t[1] * 1e3:9.1f} {t[2] * 1e3:9.1f} "
                  f"{t[3] * 1e3:9.1f} {t[4] * 1e3:15.1f}   "
                  + " ".join(f"{v:6.2f}x" for v in r) + f"{'':14}{load.load:.2f} cores")
    # the results agree (the same kernels, block by block)
    np.testing.assert_array_equal(relufast.gelu(dx).compute(), relufast.gelu(x))


if __name__ == "__main__":
    main()
