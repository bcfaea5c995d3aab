"""Peers called in turn, call by call: relufast's median time and each peer's time over it.

    python bench/interleaved.py --ops relu,prelu_2d_grad --sizes 1e5,1e6 --threads 1 \\
        --peers numba,torch --dtype float32

For each (size, op), in place (``out=x`` or ``out=grad``): every implementation gets a fresh
copy of its input before each call (outside the timed region), and the implementations take
turns call by call, so a noisy neighbour on a shared machine slows them alike (each round
starts with the next one, so none always follows the same peer's cache traffic); the ratios
printed are peer median / relufast median (> 1: relufast is faster).  The formulations are
formulations.py's, as in the pytest-benchmark suite; a peer without one (or not installed) is
left out.  Peer ``notab`` is relufast itself with the table loops off (``tab_kernels(False)``:
the before/after of float gelu, gelu' and silu' on AVX-512).  ``--isa`` is not an option: set ``RELUFAST_ISA`` to force a kernel build.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import relufast as rf  # noqa: E402
from formulations import (OPS, Case, Unsupported, numba_impl, numexpr_impl, numpy_impl,  # noqa: E402
                          numpy_idiom_impl, pristine, relufast_impl, shape_for, torch_impl)

def notab_impl(case):
    """relufast with the table loops of _vectab.h off (the element loops of _vecmath.h): the
    "before" of float gelu, gelu' and silu' on AVX-512, timed in the same rounds as "after"."""
    import importlib
    tab = importlib.import_module(f"relufast._kernels_{rf._dispatch.KERNELS.isa}").tab_kernels
    if not tab():
        raise Unsupported("no table loops in this build")
    f = relufast_impl(case)

    def run():
        tab(False)
        try:
            return f()
        finally:
            tab(True)
    return run


IMPLS = {"relufast": relufast_impl, "numpy": numpy_impl, "torch": torch_impl,
         "numexpr": numexpr_impl, "numba": numba_impl, "notab": notab_impl,
         "numpy_idiom": numpy_idiom_impl}


def _set_threads(peers, nt):
    # relufast at its default when that is nt (all cores): the default count keeps the rule that
    # runs a call inline when the workers have slept (docs/performance.md, "Beside BLAS");
    # a count set by hand wakes them for every call, as asked
    if nt != rf.get_num_threads():
        rf.set_num_threads(nt)
    if "torch" in peers:
        import torch
        torch.set_num_threads(nt)
    if "numba" in peers:
        import numba
        numba.set_num_threads(nt)
    if "numexpr" in peers:
        import numexpr
        numexpr.set_num_threads(nt)


def measure(op, n, dtype, peers, reps=None):
    """{implementation: median seconds} for one case."""
    spec = OPS[op]
    shape = shape_for(spec, n)
    m = int(np.prod(shape))
    src_x, src_g = pristine(m, dtype, "x").reshape(shape), pristine(m, dtype, "g").reshape(shape)
    x = src_x.copy()
    g = src_g.copy() if spec.kind == "gradient" else None
    case = Case(spec, dtype, shape, True, x, g)
    fns = {}
    for p in ["relufast"] + peers:
        try:
            fns[p] = IMPLS[p](case)
        except (Unsupported, ImportError):
            pass
    work, src = (x, src_x) if spec.kind == "forward" else (g, src_g)
    for f in fns.values():  # warm-up: compilation, page faults, thread pools
        np.copyto(work, src)
        f()
    reps = reps or (400 if m <= 10**5 else 100 if m <= 10**6 else 30)
    times = {p: [] for p in fns}
    order = list(fns.items())
    for r in range(reps):
        # each round starts with the next implementation: whoever runs after a peer whose
        # temporaries evicted the inputs from the cache is a different one every round
        for p, f in order[r % len(order):] + order[:r % len(order)]:
            np.copyto(work, src)
            t0 = time.perf_counter_ns()
            f()
            times[p].append(time.perf_counter_ns() - t0)
    return m, {p: float(np.median(t)) * 1e-9 for p, t in times.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", required=True, help="comma-separated op names (formulations.OPS)")
    ap.add_argument("--sizes", default="1e5,1e6,1e7")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--peers", default="numba,torch,numpy,numexpr")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    a = ap.parse_args(argv)
    peers = [p for p in a.peers.split(",") if p]
    _set_threads(peers, a.threads)
    dtype = np.dtype(a.dtype).type
    print(f"# relufast {rf.__version__} kernels {rf._dispatch.KERNELS.isa}, {a.threads} thread(s)"
          f" (relufast {'set by hand' if rf._threads._global else 'at its default'}),"
          f" {a.dtype}, in place; peer median / relufast median")
    for n in (int(float(s)) for s in a.sizes.split(",")):
        for op in a.ops.split(","):
            m, med = measure(op, n, dtype, peers)
            t = med["relufast"]
            ratios = {p: med[p] / t for p in med if p != "relufast"}
            best = min(ratios.items(), key=lambda kv: kv[1]) if ratios else ("-", float("nan"))
            print(f"{op:16s} n={m:<9d} relufast {t * 1e6:10.2f} us  "
                  + "  ".join(f"{p} {r:5.2f}" for p, r in ratios.items())
                  + f"  | fastest peer {best[1]:.2f} ({best[0]})", flush=True)


if __name__ == "__main__":
    main()
