"""What PyTorch's speed on the transcendental functions costs in accuracy: the worst error, in
ulp, of PyTorch's CPU kernels next to relufast's, on the points and against the references of
tests/test_accuracy.py (the accuracy contract: 2 ulp for float32, 4 for float64).

The measurement is test_accuracy's own (``accuracy_points``, the float64 twin for float32, long
double for float64, ``ulp_error`` with the same floor where a derivative crosses zero); only
the function under test changes.  PyTorch is called as the benchmark suite calls it
(``torch.from_numpy`` views, one thread): ``F.elu``/``F.selu``/``F.celu``/``F.gelu``/``F.silu``/``F.softplus``/``F.mish``
and the ATen backward kernels ``elu_backward``, ``gelu_backward``, ``silu_backward``,
``softplus_backward`` and ``mish_backward`` with a grad of ones.  Each PyTorch cell is the worst error over the finite points, where it occurs,
the share of the points over the contract's bound (and the infinite inputs where PyTorch is
wrong), then the share over the bound on a uniform grid of [-10, 10], where activations live.

Usage: python tools/peer_accuracy.py [--dtypes float32 float64] [--names softplus mish]
(needs torch; ~1 minute)
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the checkout's relufast, and tests/: the float64 twin, the ulp rule, test_accuracy's points
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import numpy as np  # noqa: E402

import relufast  # noqa: E402
from relufast import _dispatch  # noqa: E402

import reference as ref  # noqa: E402
import test_accuracy as acc  # noqa: E402
from cases import F64, TRANSCENDENTAL  # noqa: E402
from numerics import derivative_floor, ulp_error  # noqa: E402


def torch_call(fn, kind):
    """fn's forward or gradient (grad = 1) through PyTorch, on a NumPy array, or None."""
    import torch

    F, A = torch.nn.functional, torch.ops.aten
    kw = fn.kw
    alpha = kw.get("alpha", 1.0)
    name = fn.name
    # torch.selu and torch.celu are elu_backward's (alpha, scale, input_scale) cases
    consts = {"elu": (alpha, 1.0, 1.0), "selu": (ref.SELU_ALPHA, ref.SELU_SCALE, 1.0),
              "celu": (alpha, 1.0, 1.0 / alpha)}

    def run(x):
        t = torch.from_numpy(np.array(x))  # a writable copy
        if kind == "forward":
            if name == "softplus":
                return F.softplus(t, kw["beta"], kw["threshold"]).numpy()
            if name == "mish":
                return F.mish(t).numpy()
            if name in consts:
                a, s, q = consts[name]
                return torch._C._nn.elu(t, a, s, q).numpy()
            if name == "gelu":
                return F.gelu(t, approximate=kw["approximate"]).numpy()
            return F.silu(t).numpy()
        g = torch.ones_like(t)
        if name == "softplus":
            return A.softplus_backward(g, t, kw["beta"], kw["threshold"]).numpy()
        if name == "mish":
            return A.mish_backward(g, t).numpy()
        if name in consts:
            a, s, q = consts[name]
            return A.elu_backward(g, a, s, q, False, t).numpy()
        if name == "gelu":
            return A.gelu_backward(g, t, approximate=kw["approximate"]).numpy()
        return A.silu_backward(g, t).numpy()

    return run


def measure_peer(fn, dtype, kind, call, x=None):
    """Worst ulp error, its x, the share over the bound and the infinite inputs where it is
    over, of ``call`` on ``x`` (default: test_accuracy's points for fn)."""
    x = acc.accuracy_points(fn, dtype) if x is None else x
    x64 = x.astype(np.float64)
    deriv = kind != "forward"
    floor = derivative_floor(fn, x64) if deriv else None
    want, lo = acc.reference(fn, dtype, x64, deriv)
    with np.errstate(all="ignore"):
        got = call(x)
    err = ulp_error(got, want, dtype, want_lo=lo, floor=floor)
    keyed = np.nan_to_num(err, nan=np.inf)
    finite = np.isfinite(x64)
    i = int(np.argmax(np.where(finite, keyed, -1.0)))
    bad_inf = sorted({float(v) for v in x64[~finite & (keyed > acc.ULP_BOUND[dtype])]})
    return (float(keyed[i]), float(x64[i]), float(np.mean(~(err <= acc.ULP_BOUND[dtype]))),
            bad_inf)


# where activations live: a uniform grid, for the share of everyday inputs over the bound
GRID = np.linspace(-10.0, 10.0, 10**6 + 1)


def _pct(share):
    return f"{100 * share:.2g}% over" if share else "none over"


def _cell(worst, x, share=None, bad_inf=()):
    w = "NaN or inf" if not np.isfinite(worst) or worst > 1e300 else f"{worst:.3g}"
    s = "" if share is None else f" ({_pct(share)})"
    inf = f"; wrong at {', '.join(f'{v:+g}' for v in bad_inf)}" if bad_inf else ""
    return f"{w} at {x:.4g}{s}{inf}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"],
                    choices=["float32", "float64"])
    ap.add_argument("--names", nargs="+", help="only these functions (default: every one)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    dtypes = [np.dtype(d) for d in args.dtypes]
    if F64 in dtypes and not acc.LONGDOUBLE_OK:
        sys.exit("float64 needs a long double with a 64-bit significand")
    print(f"<!-- python tools/peer_accuracy.py {' '.join(sys.argv[1:])}".rstrip()
          + f": relufast {relufast.__version__}, torch {torch.__version__}, "
          f"numpy {np.__version__} -->")
    print()
    print("| function | " + " | ".join(
        f"{dt.name}: PyTorch | {dt.name}: relufast" for dt in dtypes) + " |")
    print("|---" * (2 * len(dtypes) + 1) + "|")
    for fn in TRANSCENDENTAL:
        if args.names and fn.name not in args.names:
            continue
        for kind in ("forward", "gradient"):
            label = fn.id if kind == "forward" else fn.grad_name + fn.id[len(fn.name):]
            cells = []
            for dt in dtypes:
                worst, x, share, bad_inf = measure_peer(fn, dt, kind, torch_call(fn, kind))
                grid_share = measure_peer(fn, dt, kind, torch_call(fn, kind), GRID.astype(dt))[2]
                ours = acc.measure(fn, dt, kind, [_dispatch.KERNELS.isa])[0]  # the active kernels
                cells += [_cell(worst, x, share, bad_inf) + f"; [-10, 10]: {_pct(grid_share)}",
                          _cell(ours.worst, ours.x)]
            print(f"| `{label}` | " + " | ".join(cells) + " |", flush=True)
    print()
    print(f"Points per function: {acc.N_POINTS:,} random (fixed seed) plus the edge values; "
          "bounds: float32 2 ulp, float64 4 ulp.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
