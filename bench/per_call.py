"""Per-call cost and 10**7-element throughput of relufast calls: one built tree, or two (A/B).

    python bench/per_call.py                         # the relufast this tree imports
    python bench/per_call.py --ab OLD_TREE NEW_TREE  # two trees, their processes alternating

Each tree is a source tree with its compiled modules built in place
(``python setup.py build_ext --inplace``); to compare with an older commit::

    git worktree add /tmp/old <commit>
    (cd /tmp/old && python setup.py build_ext --inplace -j 2)
    python bench/per_call.py --ab /tmp/old .

Two tables, float32 (and a few float64 prelu calls):

* per call at 10**3 elements, one thread (us): relu, elu, prelu and their gradients, in place
  (into grad) and out of place, a few other shapes and calls, and ``np.maximum`` for scale;
  timeit, the best of 30 repeats of 1,000 calls;
* throughput at 10**7 elements, ``--threads`` threads (default 1): every op, forward in place and
  gradient into grad (ms per call and GB/s, counting 2N or 3N x 4 bytes), the best of
  ``--calls`` calls, each on a fresh copy of its input (restored untimed, then the caches
  flushed, as in the roofline report: the memory's throughput, not the cache's).

Every measurement runs in a child process that imports relufast (PYTHONPATH=tree) and, of it,
only the public functions, so that any built tree can be timed, older layouts included.  There
are ``--processes`` processes per tree (default 5), the trees alternating, and the tables show
each tree's minimum over its processes: on a shared machine whose speed drifts by a third
between minutes, only alternation and minima give comparable numbers.
"""

import argparse
import os
import subprocess
import sys
import time
import timeit

# run as a script: relufast from PYTHONPATH or the environment, else this tree's in-place build
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

N_SMALL, N_LARGE = 1000, 10**7


def small_cases():
    """(name, call) at 10**3 float32 elements.  In place, a call works on the previous call's
    output (timeit repeats it), so the data is chosen to stay put: PReLU slopes of 1 leave x
    and g unchanged and ELU's gradient into grad gets x near 0, where exp(x) ~ 1 (a grad shrunk
    into subnormals over 30,000 calls would time the FPU's assists, not the kernel)."""
    import numpy as np

    import relufast as rf

    rng = np.random.default_rng(0)
    x = rng.standard_normal(N_SMALL).astype(np.float32)
    y, g, ge = np.empty_like(x), np.ones_like(x), np.ones_like(x)
    xe = x * np.float32(1e-6)
    x2 = x.reshape(10, 100).copy()
    y2, g2 = np.empty_like(x2), np.ones_like(x2)
    z = np.zeros(1, np.float32)
    xp = rng.standard_normal((4, 64, 2, 2)).astype(np.float32)
    yp, gp = np.empty_like(xp), np.ones_like(xp)
    w, w1 = np.full(64, 0.25, np.float32), np.ones(64, np.float32)
    xr = rng.standard_normal((16, 64)).astype(np.float32)
    gr = np.ones_like(xr)
    xp64, w64 = xp.astype(np.float64), w.astype(np.float64)
    yp64, gp64 = np.empty_like(xp64), np.ones_like(xp64)
    return [
        ("relu in place", lambda: rf.relu(x, out=x)),
        ("relu out=y", lambda: rf.relu(x, out=y)),
        ("relu new array", lambda: rf.relu(x)),
        ("relu 2-D in place", lambda: rf.relu(x2, out=x2)),
        ("relu 2-D out=y", lambda: rf.relu(x2, out=y2)),
        ("relu_grad into grad", lambda: rf.relu_grad(g, x, out=g)),
        ("relu_grad out=y", lambda: rf.relu_grad(g, x, out=y)),
        ("relu_grad 2-D into grad", lambda: rf.relu_grad(g2, x2, out=g2)),
        ("elu in place", lambda: rf.elu(x, out=x)),
        ("elu out=y", lambda: rf.elu(x, out=y)),
        ("elu_grad into grad", lambda: rf.elu_grad(ge, xe, out=ge)),
        ("elu_grad out=y", lambda: rf.elu_grad(g, x, out=y)),
        ("silu out=y", lambda: rf.silu(x, out=y)),
        ("prelu (4,64,2,2) in place", lambda: rf.prelu(xp, w1, out=xp)),
        ("prelu (4,64,2,2) out=y", lambda: rf.prelu(xp, w, out=yp)),
        ("prelu_grad (4,64,2,2) into grad", lambda: rf.prelu_grad(gp, xp, w1, out=gp)),
        ("prelu_grad (4,64,2,2) out=y", lambda: rf.prelu_grad(gp, xp, w, out=yp)),
        ("prelu_grad (16,64) new arrays", lambda: rf.prelu_grad(gr, xr, w)),
        ("prelu_grad (16,64) into grad", lambda: rf.prelu_grad(gr, xr, w1, out=gr)),
        # the general path: a scalar weight (a parameter), and float64
        ("prelu (10,100) weight 0.25 out=y", lambda: rf.prelu(x2, 0.25, out=y2)),
        ("prelu_grad (10,100) weight 0.25 out=y", lambda: rf.prelu_grad(g2, x2, 0.25, out=y2)),
        ("prelu (4,64,2,2) float64 out=y", lambda: rf.prelu(xp64, w64, out=yp64)),
        ("prelu_grad (4,64,2,2) float64 out=y",
         lambda: rf.prelu_grad(gp64, xp64, w64, out=yp64)),
        ("np.maximum(x, 0, out=x)", lambda: np.maximum(x, 0, out=x)),
        ("np.maximum(x, z, out=x)", lambda: np.maximum(x, z, out=x)),
    ]


def large_cases():
    """(name, call, restore, bytes) at 10**7 float32 elements: every op, forward in place and
    gradient into grad; prelu's arrays shaped (N, 64, 56, 56), the others flat."""
    import functools

    import numpy as np

    import relufast as rf

    rng = np.random.default_rng(0)
    px = (rng.standard_normal(N_LARGE) * 3).astype(np.float32)
    pg = rng.standard_normal(N_LARGE).astype(np.float32)
    x, g = px.copy(), pg.copy()
    nchw = (-1, 64, 56, 56)
    n_prelu = N_LARGE - N_LARGE % (64 * 56 * 56)
    w = np.linspace(0.05, 0.5, 64, dtype=np.float32)
    ops = [("relu", {}), ("leaky_relu", {}), ("prelu", {"weight": w}), ("elu", {}),
           ("selu", {}), ("celu", {}), ("relu6", {}), ("gelu", {}),
           ("gelu_tanh", {"approximate": "tanh"}), ("silu", {})]
    cases = []
    for grad in (False, True):
        for name, params in ops:
            fn = getattr(rf, name.split("_tanh")[0] + ("_grad" if grad else ""))
            n = n_prelu if name == "prelu" else N_LARGE
            shape = nchw if name == "prelu" else (n,)
            xs, gs = x[:n].reshape(shape), g[:n].reshape(shape)
            if grad:
                call = functools.partial(fn, gs, xs, out=gs, **params)
                restore = functools.partial(np.copyto, g[:n], pg[:n])
            else:
                call = functools.partial(fn, xs, out=xs, **params)
                restore = functools.partial(np.copyto, x[:n], px[:n])
            nbytes = (3 if grad else 2) * n * 4
            cases.append((name + ("_grad" if grad else ""), call, restore, nbytes))
    return cases


def child(threads, calls):
    """Print ``section|name|seconds|bytes`` lines: the per-call table, then the throughput."""
    import numpy as np

    import relufast as rf
    from timing import last_level_cache_bytes  # numpy only: any tree can run it

    flush = np.ones(2 * last_level_cache_bytes(), np.uint8)
    rf.set_num_threads(1)
    for name, fn in small_cases():
        best = min(timeit.repeat(fn, number=1000, repeat=30)) / 1000
        print(f"small|{name}|{best!r}|0", flush=True)
    rf.set_num_threads(threads)
    for name, fn, restore, nbytes in large_cases():
        best = float("inf")
        for _ in range(calls + 1):  # the first call warms up (page faults, thread pools)
            restore()
            flush.max()  # the restore wrote the input into the cache: read it out again
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        print(f"large|{name}|{best!r}|{nbytes}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ab", nargs=2, metavar=("OLD", "NEW"),
                   help="compare two source trees, each built in place")
    p.add_argument("--processes", type=int, default=5, help="processes per tree (default 5)")
    p.add_argument("--threads", type=int, default=1,
                   help="threads of the 10**7 throughput table (default 1)")
    p.add_argument("--calls", type=int, default=5,
                   help="timed calls per op in the throughput table, best taken (default 5)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args.threads, args.calls)

    trees = {label: os.path.abspath(t) for label, t in zip(("old", "new"), args.ab)} \
        if args.ab else {"this": None}
    best, order, nbytes = {}, [], {}
    for _ in range(args.processes):
        for label, tree in trees.items():
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            if tree is not None:
                env["PYTHONPATH"] = tree
            cmd = [sys.executable, os.path.abspath(__file__), "--child",
                   "--threads", str(args.threads), "--calls", str(args.calls)]
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True,
                                 cwd=tree).stdout
            for line in out.splitlines():
                section, name, t, b = line.split("|")
                if (section, name) not in order:
                    order.append((section, name))
                nbytes[name] = int(b)
                key = (section, name, label)
                best[key] = min(best.get(key, float("inf")), float(t))

    labels = list(trees)
    heads = [trees[k] or "this tree" for k in labels]
    ratio = len(labels) == 2
    print(f"per call at {N_SMALL:,} float32 elements, one thread, us (best of 30 x 1,000 calls; "
          f"minimum over {args.processes} processes per tree"
          + (", alternating)" if ratio else ")"))
    print("| case | " + " | ".join(heads) + (" | old/new |" if ratio else " |"))
    print("|---|" + "---:|" * (len(labels) + ratio))
    for section, name in order:
        if section == "small":
            t = [best.get((section, name, k)) for k in labels]
            _row(name, [f"{v * 1e6:.2f}" if v else "-" for v in t], t if ratio else None)
    print()
    print(f"throughput at {N_LARGE:,} float32 elements, {args.threads} thread(s), in place (into "
          f"grad), ms per call and GB/s (best of {args.calls} calls; minimum over "
          f"{args.processes} processes per tree)")
    print("| op | " + " | ".join(heads) + (" | old/new |" if ratio else " |"))
    print("|---|" + "---:|" * (len(labels) + ratio))
    for section, name in order:
        if section == "large":
            t = [best.get((section, name, k)) for k in labels]
            _row(name, [f"{v * 1e3:.2f} ms, {nbytes[name] / v / 1e9:.1f} GB/s" if v else "-"
                        for v in t], t if ratio else None)


def _row(name, cells, times):
    r = ""
    if times is not None:
        r = f" {times[0] / times[1]:.2f} |" if all(times) else " - |"
    print(f"| {name} | " + " | ".join(cells) + " |" + r)


if __name__ == "__main__":
    main()
