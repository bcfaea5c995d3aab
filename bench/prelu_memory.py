"""prelu_grad's time and peak memory per shape and thread count: one built tree, or two (A/B).

    python bench/prelu_memory.py                         # the relufast this tree imports
    python bench/prelu_memory.py --ab OLD_TREE NEW_TREE  # two trees, their processes alternating

Trees are built in place, as for ``bench/per_call.py``.  Every (tree, shape, threads) runs in a
fresh child process (PYTHONPATH=tree), so that its peak resident set (VmHWM) is its own: the
child makes x, grad and out (float32, every page touched), reads VmHWM, calls
``prelu_grad(grad, x, w, axis, out=out)`` ``--calls`` times and reads VmHWM again.  The growth
is the call's working memory plus grad_weight (C floats).  Time: the best call.  There are
``--processes`` processes per case and tree, the trees alternating; the table shows each tree's
minimum time and maximum growth.
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
    args = p.parse_args(argv)
    if args.child:
        child(*eval(args.child), args.calls)  # our own repr of a case
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
