"""Measure the worst-case error, in ulp, of every transcendental function and gradient of
relufast in float16, float32 and float64, and print it as Markdown tables (docs/accuracy.md).

The measurement is tests/test_accuracy.py's own (``measure``): the same points (10**6 random
ones with a fixed seed plus the edge values per function for float32 and float64, all 65536
values for float16), the same references (the float64 twin for float16 and float32, long
double with mpmath-derived tables for float64) and the same ulp convention.  One table per
kernel module (instruction set); each cell is the worst error and the x where it occurs.

Usage: python tools/accuracy_table.py [--isa avx2 baseline]   (about 15 s per ISA here)
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--isa", nargs="+", choices=_dispatch.available_isas(),
                    help="kernel modules to measure (default: all this machine runs)")
    args = ap.parse_args(argv)
    isas = args.isa or _dispatch.available_isas()
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
