"""Per-call cost of small relufast calls, two source trees compared (A/B).

Each tree must be built in place (``python setup.py build_ext --inplace``).  To compare with an
older commit::

    git worktree add /tmp/old <commit>
    (cd /tmp/old && python setup.py build_ext --inplace -j 2)
    python tools/percall_ab.py /tmp/old .

Every case is timed with timeit (the best of 30 repeats of 1,000 calls, on one thread) in
``--processes`` processes per tree, the trees alternating, and the table shows the minimum over
a tree's processes: on a shared machine whose speed drifts by a third between minutes, only
alternation and minima give comparable numbers.  Times are in microseconds per call.
"""

import argparse
import os
import subprocess
import sys
import timeit


def cases():
    import numpy as np

    import relufast as rf

    rf.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    y, g = np.empty_like(x), np.ones_like(x)
    x2 = x.reshape(10, 100).copy()
    y2, g2 = np.empty_like(x2), np.ones_like(x2)
    z = np.zeros(1, np.float32)
    xp = rng.standard_normal((4, 64, 2, 2)).astype(np.float32)
    yp, w = np.empty_like(xp), np.full(64, 0.25, np.float32)
    gp = np.ones_like(xp)
    xr = rng.standard_normal((16, 64)).astype(np.float32)
    gr, w1 = np.ones_like(xr), np.ones(64, np.float32)  # slope 1: in place leaves g unchanged
    return [
        ("relu 1-D in place", lambda: rf.relu(x, out=x)),
        ("relu 1-D out=y", lambda: rf.relu(x, out=y)),
        ("relu 1-D new array", lambda: rf.relu(x)),
        ("relu 2-D in place", lambda: rf.relu(x2, out=x2)),
        ("relu 2-D out=y", lambda: rf.relu(x2, out=y2)),
        ("relu_grad 1-D into grad", lambda: rf.relu_grad(g, x, out=g)),
        ("relu_grad 2-D into grad", lambda: rf.relu_grad(g2, x2, out=g2)),
        ("elu 1-D in place", lambda: rf.elu(x, out=x)),
        ("silu 1-D out=y", lambda: rf.silu(x, out=y)),
        ("prelu (4,64,2,2) in place", lambda: rf.prelu(xp, w, out=xp)),
        ("prelu (4,64,2,2) out=y", lambda: rf.prelu(xp, w, out=yp)),
        ("prelu_grad (4,64,2,2) out=y", lambda: rf.prelu_grad(gp, xp, w, out=yp)),
        ("prelu_grad (16,64) new arrays", lambda: rf.prelu_grad(gr, xr, w)),
        ("prelu_grad (16,64) into grad", lambda: rf.prelu_grad(gr, xr, w1, out=gr)),
        ("np.maximum(x, 0, out=x)", lambda: np.maximum(x, 0, out=x)),
        ("np.maximum(x, z, out=x)", lambda: np.maximum(x, z, out=x)),
    ]


def child():
    for name, fn in cases():
        best = min(timeit.repeat(fn, number=1000, repeat=30)) / 1000
        print(f"{name}|{best * 1e6:.4f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("old", help="the tree to compare against (built in place)")
    p.add_argument("new", help="the tree under test (built in place)")
    p.add_argument("--processes", type=int, default=5, help="processes per tree (default 5)")
    args = p.parse_args()
    trees = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    best, order = {}, []
    for _ in range(args.processes):
        for label, tree in trees.items():
            env = dict(os.environ, PYTHONPATH=tree, OMP_NUM_THREADS="1")
            out = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                                 capture_output=True, text=True, cwd=tree).stdout
            for line in out.splitlines():
                name, t = line.split("|")
                if name not in order:
                    order.append(name)
                key = (name, label)
                best[key] = min(best.get(key, float("inf")), float(t))
    print(f"per call, us (best of 30 x 1,000 calls, minimum over {args.processes} processes "
          f"per tree, alternating)")
    print(f"| case | {args.old} | {args.new} | ratio |")
    print("|---|---|---|---|")
    for name in order:
        o, n = best[(name, "old")], best[(name, "new")]
        print(f"| {name} | {o:.2f} | {n:.2f} | {o / n:.2f} |")


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        child()
    else:
        main()
