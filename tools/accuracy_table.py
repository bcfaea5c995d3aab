"""Measure the worst-case error, in ulp, of every transcendental function and gradient of
relufast in float16, float32 and float64, and print it as Markdown tables (docs/accuracy.md).

The measurement is tests/test_accuracy.py's own (``measure``): the same points (10**6 random
ones with a fixed seed plus the edge values per function for float32 and float64, all 65536
values for float16), the same references (the float64 twin for float16 and float32, long
double with mpmath-derived tables for float64) and the same ulp convention.  One table per
kernel module (instruction set); each cell is the worst error and the x where it occurs.

Usage: python tools/accuracy_table.py [--isa avx2 baseline]   (about 15 s per ISA here)
       python tools/accuracy_table.py --piecewise   (hardtanh, threshold, hardsigmoid,
       hardswish, relu_squared, rrelu in evaluation, and their gradients: exact in long double)
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the checkout's relufast, and tests/: test_accuracy's measurement and the modules it imports
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import numpy as np  # noqa: E402

import relufast  # noqa: E402
from relufast import _dispatch  # noqa: E402

import test_accuracy as acc  # noqa: E402
from cases import F16, F32, F64  # noqa: E402
from numerics import mpmath  # noqa: E402

DTYPES = (F16, F32, F64)
KIND_LABEL = {"forward": "", "gradient": "", "from_output": " from y"}


def _cell(m):
    if m is None:
        return "n/a"
    flag = "" if m.worst <= m.bound and not m.nonfinite else " **over the bound**"
    return f"{m.worst:.3f} at {m.x:.7g}{flag}"


# ---------------------------------------------------------------------------------------------
# the piecewise functions and rrelu in evaluation: no transcendental operation, but several
# roundings in PyTorch's order of operations (hardsigmoid, hardswish).  Their exact values are
# computed in long double (64-bit significand: the error of these few operations there is far
# below a float64 ulp) with the parameters rounded as relufast rounds them (to float32 for
# float16, bfloat16 and float32 x).

PIECEWISE = [
    ("hardtanh", dict(min_val=-1.0, max_val=1.0)),
    ("threshold", dict(threshold=0.1, value=20.0)),
    ("hardsigmoid", {}),
    ("hardswish", {}),
    ("relu_squared", {}),
    ("rrelu", {}),
]


def _exact(name, x, kw, derivative):
    """The exact f(x) or f'(x), in long double, for the parameters ``kw`` (already rounded)."""
    LD = np.longdouble
    with np.errstate(all="ignore"):
        if name == "hardtanh":
            lo, hi = LD(kw["min_val"]), LD(kw["max_val"])
            v = (((x > lo) & (x < hi)).astype(LD) if derivative else np.clip(x, lo, hi))
        elif name == "threshold":
            t, tv = LD(kw["threshold"]), LD(kw["value"])
            v = (x > t).astype(LD) if derivative else np.where(x > t, x, tv)
        elif name == "hardsigmoid":
            v = (np.where((x > -3) & (x < 3), LD(1) / 6, LD(0)) if derivative
                 else np.clip(x + 3, LD(0), LD(6)) / 6)
        elif name == "hardswish":
            v = (np.where(x < -3, LD(0), np.where(x > 3, LD(1), x / 3 + LD(0.5))) if derivative
                 else np.where(x <= -3, LD(0), np.where(x >= 3, x, x * (x + 3) / 6)))
        elif name == "relu_squared":
            r = np.maximum(x, LD(0))
            v = 2 * r if derivative else r * r
        else:  # rrelu in evaluation
            s = LD(kw["slope"])
            v = np.where(x > 0, LD(1), s) if derivative else np.where(x > 0, x, s * x)
    return np.where(np.isnan(x), x, v)


def _piecewise_points(dtype):
    if dtype == F16:
        return np.arange(65536, dtype=np.uint16).view(F16)
    rng = np.random.default_rng(20261207)
    fi = np.finfo(dtype)
    edges = [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 0.1, 6.0, fi.tiny, -fi.tiny, fi.smallest_subnormal,
             -fi.smallest_subnormal, fi.max, -fi.max, np.inf, -np.inf, np.nan]
    around = np.array([-3.0, 3.0, -1.0, 1.0, 0.1, 0.0], dtype)
    near = [np.nextafter(around, np.array(d, dtype)) for d in (np.inf, -np.inf)]
    wide = rng.standard_normal(10**6) * 3
    huge = np.ldexp(rng.uniform(-1, 1, 10**4), rng.integers(-20, fi.maxexp, 10**4))
    return np.concatenate([np.array(edges), around, *near, wide, huge]).astype(dtype)


def piecewise_table(isas):
    """Rows (label, {(isa, dtype): (worst ulp, x)}) for the piecewise functions."""
    rows = []
    for name, kw in PIECEWISE:
        for derivative in (False, True):
            label = f"`{name}{'_grad' if derivative else ''}`"
            cells = {}
            for dtype in DTYPES:
                x = _piecewise_points(dtype)
                compute = F64 if dtype == F64 else F32
                kr = {k: float(np.asarray(v).astype(compute)) for k, v in kw.items()}
                if name == "rrelu":
                    kr = {"slope": float(np.float64((1 / 8 + 1 / 3) / 2).astype(compute))}
                with np.errstate(all="ignore"):
                    want = _exact(name, x.astype(np.longdouble), kr, derivative)
                    hi = want.astype(F64)
                    lo = np.where(np.isfinite(hi), (want - hi).astype(F64), 0.0)
                # hardswish' = x / 3 + 1/2 (PyTorch's order of operations) crosses 0 at -1.5,
                # where two roundings leave an absolute error of an ulp of 1/2: measured in ulps
                # of max(|f'|, 1/2), as the transcendental derivatives' floors do near their zeros
                floor = 0.5 if (name == "hardswish" and derivative) else None
                for isa in isas:
                    try:
                        _dispatch.select_isa(isa)
                        f = getattr(relufast, name + ("_grad" if derivative else ""))
                        got = f(np.ones_like(x), x, **kw) if derivative else f(x, **kw)
                    finally:
                        _dispatch.select_isa()
                    err = np.nan_to_num(acc.ulp_error(got, hi, dtype, want_lo=lo, floor=floor),
                                        nan=np.inf)
                    i = int(np.argmax(err))
                    cells[(isa, dtype)] = (float(err[i]), float(x[i]))
            rows.append((label, cells))
    return rows


def print_piecewise(isas):
    rows = piecewise_table(isas)
    print("The piecewise functions and rrelu (evaluation), all kernel modules "
          f"({', '.join(isas)}); worst error in ulp against the exact value, at x "
          "(the same in every module where one cell is shown):")
    print()
    print("| function | " + " | ".join(dt.name for dt in DTYPES) + " |")
    print("|---" * (len(DTYPES) + 1) + "|")
    for label, cells in rows:
        out = []
        for dt in DTYPES:
            vals = {cells[(isa, dt)] for isa in isas}
            w, xw = max(vals)
            out.append(f"{w:.3f}" + (f" at {xw:.7g}" if w > 0 else "")
                       + ("" if len(vals) == 1 else " (differs by module)"))
        floor = " (in ulps of max(\\|f'\\|, 1/2))" if label == "`hardswish_grad`" else ""
        print(f"| {label}{floor} | " + " | ".join(out) + " |")
    print()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isa", nargs="+", choices=_dispatch.available_isas(),
                    help="kernel modules to measure (default: all this machine runs)")
    ap.add_argument("--piecewise", action="store_true",
                    help="only the piecewise functions' table (a few seconds)")
    args = ap.parse_args(argv)
    isas = args.isa or _dispatch.available_isas()
    if args.piecewise:
        print_piecewise(isas)
        return 0
    skip64 = not acc.LONGDOUBLE_OK or mpmath is None

    t0 = time.perf_counter()
    rows = {}  # (fn.id, kind) -> {(isa, dtype): Measurement}
    counts = {dt: set() for dt in DTYPES}
    order = []
    for fn, dtype, kind in acc.cases():
        key = (fn, kind)
        if key not in rows:
            rows[key] = {}
            order.append(key)
        if dtype == F64 and skip64:
            continue
        for m in acc.measure(fn, dtype, kind, isas):
            rows[key][(m.isa, dtype)] = m
            counts[dtype].add(m.n)
    elapsed = time.perf_counter() - t0

    print(f"<!-- python tools/accuracy_table.py {' '.join(sys.argv[1:])}".rstrip()
          + f": relufast {relufast.__version__}, numpy {np.__version__}, {elapsed:.0f} s -->")
    print()
    worst = {}
    for isa in isas:
        print(f"Kernels `{isa}` ({_dispatch.Kernels(isa).description}); worst error in ulp, "
              "at x:")
        print()
        print("| function | " + " | ".join(
            f"{dt.name} (bound {acc.ULP_BOUND[dt]:g})" for dt in DTYPES) + " |")
        print("|---" * (len(DTYPES) + 1) + "|")
        for fn, kind in order:
            ms = rows[(fn, kind)]
            some = next(iter(ms.values()))
            label = f"`{some.what.replace(' from_output', '')}`{KIND_LABEL[kind]}"
            print(f"| {label} | " + " | ".join(_cell(ms.get((isa, dt))) for dt in DTYPES)
                  + " |")
            for (i, dt), m in ms.items():
                if i == isa and m.worst > worst.get((isa, dt), (-1, None))[0]:
                    worst[(isa, dt)] = (m.worst, m)
        print()
        print("Largest: " + "; ".join(
            f"{dt.name} {worst[(isa, dt)][0]:.3f} "
            f"({worst[(isa, dt)][1].what.replace(' from_output', ' from y')})"
            for dt in DTYPES if (isa, dt) in worst) + ".")
        print()
    pts = "; ".join(f"{dt.name}: {min(c):,}" + (f" to {max(c):,}" if len(c) > 1 else "")
                    for dt, c in counts.items() if c)
    print(f"Points per function and dtype: {pts}." + (
        " float64 skipped: no long double with a 64-bit significand." if skip64 else ""))
    over = [m for ms in rows.values() for m in ms.values() if m.nonfinite or m.worst > m.bound]
    for m in over:
        print(f"\nOVER THE BOUND: {m}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
