"""A training step where users run relufast: NumPy matmuls (BLAS threads at their default)
between activations, forward and backward.

    python bench/train_step.py                      # both sizes, relu/gelu/silu, ~2 min
    python bench/train_step.py --torch              # the same with torch imported first
    python bench/train_step.py --batch 64 --acts relu --steps 200

A two-hidden-layer MLP (in -> width -> width -> 10, float32), mean squared error, plain SGD.  Each
step is two matmuls and an activation per layer forward, and three matmuls and an activation
gradient per layer backward.  The activation is one of

* ``numpy``: the NumPy idiom (relufast._idioms, what scikit-learn writes for relu);
* ``relufast``: relufast in place at its default thread count;
* ``relufast-1t``: relufast pinned to one thread (``relufast.num_threads(1)``).

relu runs as scikit-learn calls it (the forward in place, the derivative from the output into
the incoming gradient); gelu (its tanh form: NumPy has no erf) and silu keep the pre-activation
for their derivative.  The three
backends run in turn, step by step (A B C A B C ...), so they share the machine's state; the
median seconds per step of each is printed, with the ratio to the best of ``numpy`` and
``relufast-1t`` (the target: relufast at its default at least as fast as both).  Also printed:
the BLAS and OpenMP pools threadpoolctl sees, so a run says which runtimes it measured.
"""

import argparse
import statistics
import sys
import time

import numpy as np

BACKENDS = ("numpy", "relufast", "relufast-1t")


def _pools():
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed"
    return "; ".join(f"{p['internal_api']} {p['prefix']} {p.get('version') or ''} "
                     f"x{p['num_threads']}" for p in threadpoolctl.threadpool_info())


class Net:
    """The weights and buffers of one network; every backend gets an identical copy."""

    def __init__(self, batch, n_in, width, seed=0):
        rng = np.random.default_rng(seed)
        f32 = np.float32
        self.x = rng.standard_normal((batch, n_in)).astype(f32)
        self.y = rng.standard_normal((batch, 10)).astype(f32)
        self.w = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(f32)
                  for a, b in ((n_in, width), (width, width), (width, 10))]
        self.lr = f32(1e-3)

    def copy(self):
        other = object.__new__(Net)
        other.x, other.y, other.lr = self.x, self.y, self.lr
        other.w = [w.copy() for w in self.w]
        return other


def _activation(backend, name):
    """(forward(h) -> a, backward(g, h, a) -> g * act'(h)) for one backend and activation."""
    import relufast as rf
    from relufast import _idioms as idiom

    if backend == "numpy":
        if name == "relu":  # scikit-learn's own: in place, and the derivative from the output
            return (lambda h: np.maximum(h, 0, out=h),
                    lambda g, h, a: (g.__setitem__(a == 0, 0), g)[1])
        return (getattr(idiom, name), lambda g, h, a: getattr(idiom, name + "_grad")(g, h))
    f, df = getattr(rf, name), getattr(rf, name + "_grad")
    if name == "relu":
        return (lambda h: f(h, out=h), lambda g, h, a: df(g, a, from_output=True, out=g))
    if name == "gelu":  # the tanh form, NumPy's idiom having no erf
        return (lambda h: f(h, "tanh"), lambda g, h, a: df(g, h, "tanh", out=g))
    return (lambda h: f(h), lambda g, h, a: df(g, h, out=g))


def step(net, act, dact):
    """One SGD step: forward, the loss gradient, backward, the update."""
    w1, w2, w3 = net.w
    h1 = net.x @ w1
    a1 = act(h1)
    h2 = a1 @ w2
    a2 = act(h2)
    out = a2 @ w3
    d = (out - net.y) * np.float32(2 / out.size)
    g3 = a2.T @ d
    d = d @ w3.T
    d = dact(d, h2, a2)
    g2 = a1.T @ d
    d = d @ w2.T
    d = dact(d, h1, a1)
    g1 = net.x.T @ d
    for w, g in zip(net.w, (g1, g2, g3)):
        w -= net.lr * g


def measure(batch, n_in, width, name, steps, warmup):
    import relufast as rf

    base = Net(batch, n_in, width)
    runs = {}
    for b in BACKENDS:
        act, dact = _activation(b, name)
        runs[b] = (base.copy(), act, dact, [])
    for k in range(warmup + steps):
        for b in BACKENDS:
            net, act, dact, times = runs[b]
            t0 = time.perf_counter()
            if b == "relufast-1t":
                with rf.num_threads(1):
                    step(net, act, dact)
            else:
                step(net, act, dact)
            if k >= warmup:
                times.append(time.perf_counter() - t0)
    return {b: statistics.median(runs[b][3]) for b in BACKENDS}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, nargs="+", default=[2000, 64])
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--inputs", type=int, default=256)
    ap.add_argument("--acts", default="relu,gelu,silu")
    ap.add_argument("--steps", type=int, default=None,
                    help="timed steps per backend (default: 20 at batch >= 1000, 200 below)")
    ap.add_argument("--torch", action="store_true",
                    help="import torch first (a second OpenMP runtime in the process)")
    args = ap.parse_args(argv)
    if args.torch:
        import torch  # noqa: F401
    import relufast as rf

    print(f"relufast {rf.__version__} ({rf.get_num_threads()} threads by default), "
          f"numpy {np.__version__}, python {sys.version.split()[0]}"
          + (", torch imported" if args.torch else ""))
    print(f"pools: {_pools()}")
    print(f"{'batch':>6} {'act':<5} " + " ".join(f"{b:>12}" for b in BACKENDS)
          + f" {'relufast / best other':>22}  (below 1: relufast's default is faster)")
    for batch in args.batch:
        steps = args.steps or (20 if batch >= 1000 else 200)
        for name in args.acts.split(","):
            t = measure(batch, args.inputs, args.width, name, steps, max(2, steps // 10))
            best = min(t["numpy"], t["relufast-1t"])
            print(f"{batch:>6} {name:<5} "
                  + " ".join(f"{t[b] * 1e3:9.2f} ms" for b in BACKENDS)
                  + f" {t['relufast'] / best:21.2f}x")


if __name__ == "__main__":
    main()
