"""prelu_grad's time and peak memory per shape and thread count: one built tree, or two (A/B).

    python bench/prelu_memory.py                         # the relufast this tree imports
    python bench/prelu_memory.py --ab OLD_TREE NEW_TREE  # two trees, their processes alternating
    python bench/prelu_memory.py --half [--n 100000000]  # float16/bfloat16 in place (below)

Trees are built in place, as for ``bench/per_call.py``.  Every (tree, shape, threads) runs in a
fresh child process (PYTHONPATH=tree), so that its peak resident set (VmHWM) is its own: the
child makes x, grad and out (float32, every page touched), reads VmHWM, calls
``prelu_grad(grad, x, w, axis, out=out)`` ``--calls`` times and reads VmHWM again.  The growth
is the call's working memory plus grad_weight (C floats).  Time: the best call.  There are
``--processes`` processes per case and tree, the trees alternating; the table shows each tree's
minimum time and maximum growth.

``--half``: the peak memory of float16 and bfloat16 prelu in place, ``prelu(x, w, out=x)`` on
``--n`` elements shaped (N, 64, 250, 250)-like (NCHW, axis 1, a weight per channel of x's
dtype), and of ``prelu_grad(g, x, w, out=g)`` into grad, 1 and 2 threads, each in a fresh
process: the growth of the peak resident set (VmHWM) over the call, after x (and g) were made
and touched, and tracemalloc's peak over the call (NumPy reports its allocations to it; the
kernel's conversion blocks, 12 KB per thread, come from malloc, which it does not see; VmHWM
does).  A small call first keeps the first call's one-time import of numpy.ma out of the
figures.  Before issue 16's prelu part, float16 went through a float32 copy: twice x's bytes
more.
"""

import argparse
import os
import subprocess
import sys
import time

CASES = [  # (shape, axis, threads)
    *[((64, 10**6), -1, nt) for nt in (1, 2, 16)],
    *[((15625, 64), -1, nt) for nt in (1, 2)],
    *[((156250, 64), -1, nt) for nt in (1, 2)],
    *[((5, 64, 56, 56), 1, nt) for nt in (1, 2)],
    *[((50, 64, 56, 56), 1, nt) for nt in (1, 2)],
]


def _hwm_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(shape, axis, threads, calls):
    import numpy as np

    import relufast

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    g = rng.standard_normal(shape, dtype=np.float32)
    out = np.ones(shape, np.float32)
    w = np.full(shape[axis], 0.25, np.float32)
    before = _hwm_kib()
    best = float("inf")
    with relufast.num_threads(threads):
        for _ in range(calls):
            t0 = time.perf_counter()
            relufast.prelu_grad(g, x, w, axis=axis, out=out)
            best = min(best, time.perf_counter() - t0)
    print(best, (_hwm_kib() - before) / 1024)


def half_child(dtype_name, grad, threads, n):
    import tracemalloc

    import numpy as np

    import relufast

    if dtype_name == "bfloat16":
        import ml_dtypes
        dtype = np.dtype(ml_dtypes.bfloat16)
    else:
        dtype = np.dtype(dtype_name)
    shape = (max(1, n // (64 * 250 * 250)), 64, 250, 250) if n >= 64 * 250 * 250 else (n // 64, 64)
    rng = np.random.default_rng(0)
    x = np.empty(shape, dtype)
    flat = x.reshape(-1)
    chunk = 1 << 22
    for i in range(0, flat.size, chunk):  # made and touched in pieces: no float64 temporary
        flat[i:i + chunk] = rng.standard_normal(min(chunk, flat.size - i), np.float32)
    g = np.ones(shape, dtype) if grad else None
    w = np.linspace(-0.5, 0.5, 64).astype(dtype)
    # a small call first: the first call in a process imports numpy.ma (1.2 MB of Python
    # objects, once), which is not the call's memory
    small = np.ones((2, 64, 2, 2), dtype)
    relufast.prelu_grad(small, small, w, axis=1, out=small)
    before = _hwm_kib()
    tracemalloc.start()
    t0 = time.perf_counter()
    with relufast.num_threads(threads):
        if grad:
            relufast.prelu_grad(g, x, w, axis=1, out=g)
        else:
            relufast.prelu(x, w, axis=1, out=x)
    t = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    nbytes = x.nbytes * (2 if grad else 1)
    print(t, (_hwm_kib() - before) / 1024, peak / 1024, nbytes / 2**20)


def half_table(n):
    import importlib.util
    dtypes = ["float16"] + (["bfloat16"] if importlib.util.find_spec("ml_dtypes") else [])
    tree = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", tree))
    print(f"n = {n:,} elements, in place; growth of VmHWM over the call, tracemalloc's peak\n")
    print("| call | dtype | threads | arrays MiB | ms | VmHWM growth MiB | tracemalloc peak KiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for grad in (False, True):
        for dt in dtypes:
            for nt in (1, 2):
                cmd = [sys.executable, os.path.abspath(__file__), "--half-child",
                       repr((dt, grad, nt, n))]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
                t, hwm, peak, mib = (float(v) for v in out.stdout.split())
                name = "prelu_grad(g, x, w, out=g)" if grad else "prelu(x, w, out=x)"
                print(f"| {name} | {dt} | {nt} | {mib:.0f} | {1e3 * t:.1f} | {hwm:.2f} | "
                      f"{peak:.1f} |", flush=True)


def run(tree, case, calls):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree))
    cmd = [sys.executable, os.path.abspath(__file__), "--child", repr(case), "--calls", str(calls)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=tree)
    t, mib = out.stdout.split()
    return float(t), float(mib)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ab", nargs=2, metavar=("OLD", "NEW"))
    p.add_argument("--processes", type=int, default=3)
    p.add_argument("--calls", type=int, default=5)
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--half", action="store_true",
                   help="float16 and bfloat16 prelu in place: peak memory")
    p.add_argument("--n", type=int, default=10**8, help="elements for --half")
    p.add_argument("--half-child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(*eval(args.child), args.calls)  # our own repr of a case
        return
    if args.half_child:
        half_child(*eval(args.half_child))  # our own repr of a case
        return
    if args.half:
        half_table(args.n)
        return
    trees = args.ab or [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    head = " | ".join(f"{name} ms | {name} MiB" for name in (["A", "B"] if args.ab else ["ms"]))
    print(f"| shape, axis | threads | {head} |\n|---|---:|" + "---:|" * (2 * len(trees)))
    for case in CASES:
        results = {tree: [] for tree in trees}
        for _ in range(args.processes):
            for tree in trees:  # alternating
                results[tree].append(run(tree, case, args.calls))
        cells = []
        for tree in trees:
            cells += [f"{1e3 * min(t for t, _ in results[tree]):.1f}",
                      f"{max(m for _, m in results[tree]):.1f}"]
        shape, axis, threads = case
        print(f"| {shape}, {axis} | {threads} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
