#!/usr/bin/env python3
"""Coefficient tables of the AVX-512 table-driven float32 kernels (relufast/_vectab.h):
gelu, gelu' and silu' as 32 local polynomials on [-4.125, 3.875).

Interval k (k = -16..15, k = round(4x)) is [k/4 - 1/8, k/4 + 1/8]; its polynomial is in
u = x - c_k, c_k = k/4 (u is then exact: see _vectab.h), except for the interval that holds the
zero x0 of a gradient, where c_k = x0h (x0 rounded to float) and the polynomial is
g(u) = f(x)/(x - x0), so that the kernel forms f = g (x - x0) with relative accuracy through the
zero.  Each polynomial is  c0 + u (c1 + u (c2 + ...)),  c0 a float-float (c0h, c0l) and the
others floats; gelu's interval k = 0 is u (c1 + u (...)) (c0 = 0: gelu(x) ~ x/2 has relative
accuracy down to the subnormals).

Method: Lawson iteration (weighted least squares that converges to the minimax) of the
relative error on 400 Chebyshev nodes of the interval widened by 1/64 (rounding of 4x at the
interval's edges), reference mpmath at 40 digits; then the coefficients are rounded to float
one at a time from c1 upwards, the ones not yet rounded refitted after each rounding (c0 stays a
float-float).  Prints the worst relative error of the rounded polynomials (exact arithmetic) per
function and writes relufast/_vectab_tables.h.

usage: python tools/vecmath/fit/fit_tab.py [--deg gelu=D,gelu_grad=D,silu_grad=D] [--out PATH]
Deterministic: the same command writes the same file.
"""
import argparse
import os

import mpmath as mp
import numpy as np

mp.mp.dps = 40
N = 400          # nodes per interval
NK = 32          # intervals, k = -16..15
H = 0.25         # interval width
WIDEN = 1 / 64   # of the half width: 4x is rounded to the nearest integer, ties to even

SQ2 = mp.sqrt(2)
SQ2PI = mp.sqrt(2 * mp.pi)


def gelu(x):
    return x * mp.erfc(-x / SQ2) / 2


def gelu_grad(x):
    return mp.erfc(-x / SQ2) / 2 + x * mp.exp(-x * x / 2) / SQ2PI


def silu_grad(x):
    s = 1 / (1 + mp.exp(-x))
    return s * (1 + x * (1 - s))


FUNCS = {
    "gelu": (gelu, None),
    "gelu_grad": (gelu_grad, mp.findroot(gelu_grad, mp.mpf("-0.7518"))),
    "silu_grad": (silu_grad, mp.findroot(silu_grad, mp.mpf("-1.2785"))),
}


def f32(v):
    return float(np.float32(float(v)))


def fit_interval(fn, x0, k, deg):
    """(center, [c0h, c0l, c1, ..., cdeg] as floats, is_zero_interval, max rel err, p)"""
    lo, hi = mp.mpf(k) / 4 - H / 2, mp.mpf(k) / 4 + H / 2
    zero = x0 is not None and lo <= x0 < hi
    ctr = mp.mpf(f32(x0)) if zero else mp.mpf(k) / 4
    half = (H / 2) * (1 + WIDEN)
    a, b = mp.mpf(k) / 4 - half - ctr, mp.mpf(k) / 4 + half - ctr
    us = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (j + mp.mpf(1) / 2) / N) for j in range(N)]
    if zero:
        # g(u) = f(ctr + u) / (ctr + u - x0); at u = x0 - ctr it is f'(x0)
        tv = [fn(ctr + u) / (ctr + u - x0) if abs(ctr + u - x0) > mp.mpf(10) ** -25
              else mp.diff(fn, x0) for u in us]
    elif k == 0 and fn is gelu:
        tv = [fn(u) / u for u in us]          # gelu = u S(u): S fitted, c0 = 0
    else:
        tv = [fn(ctr + u) for u in us]
    f = np.array([float(v) for v in tv])
    scale = float(max(abs(a), abs(b)))
    v = np.array([float(u) for u in us]) / scale          # in [-1, 1]: a well-conditioned fit
    nolead = (k == 0 and fn is gelu)
    ncoef = deg if nolead else deg + 1
    # coefficients of v^i; rounded one at a time from v^1 (v^0 for the no-c0 case) upwards
    fixed = {}
    first = 0 if nolead else 1
    for j in range(first, ncoef):
        resid = f - sum(fixed[i] * v ** i for i in fixed)
        free = [i for i in range(ncoef) if i not in fixed]
        V = np.stack([v ** i for i in free], axis=1)
        # relative error: the weights are 1/|f| (not 1/|residual|)
        w = np.ones(N) / N
        for _ in range(60):
            W = np.sqrt(w) / np.abs(f)
            c = np.linalg.lstsq(V * W[:, None], resid * W, rcond=None)[0]
            e = np.abs(V @ c - resid) / np.abs(f)
            w = w * e
            w /= w.sum()
        cj = dict(zip(free, c))
        # round the coefficient of u^j (not v^j) to float
        fixed[j] = f32(cj[j] / scale ** j) * scale ** j
        if j == ncoef - 1:
            if not nolead:
                fixed[0] = cj[0]
    if not nolead and 0 not in fixed:
        fixed[0] = cj[0]
    coef_u = [fixed[i] / scale ** i for i in range(ncoef)]
    # exact-arithmetic error of the rounded polynomial against the mpmath values
    worst = 0.0
    for u, t in zip(us, tv):
        if nolead:
            pval = sum(mp.mpf(coef_u[i]) * u ** i for i in range(ncoef))
        else:
            c0h = f32(coef_u[0])
            c0l = f32(mp.mpf(coef_u[0]) - c0h)
            pval = mp.mpf(c0h) + c0l + sum(mp.mpf(coef_u[i]) * u ** i for i in range(1, ncoef))
        worst = max(worst, float(abs(pval - t) / abs(t)))
    if nolead:
        out = [-0.0, -0.0] + [f32(c) for c in coef_u]    # -0.0: gelu(-0) = -0 (see _vectab.h)
    else:
        c0h = f32(coef_u[0])
        c0l = f32(mp.mpf(coef_u[0]) - c0h)
        out = [c0h, c0l] + [f32(c) for c in coef_u[1:]]
    p = None
    if zero:
        # the kernel's product g (x - x0) = g (u - x0l), x0l = x0 - x0h: its -x0l g(0) term
        x0l = x0 - ctr
        g0 = mp.mpf(out[0]) + out[1]
        p = f32(-x0l * g0)
    return float(ctr), out, zero, worst, p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deg", default="gelu=6,gelu_grad=6,silu_grad=5")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                  "relufast", "_vectab_tables.h"))
    ap.add_argument("--only", default=None, help="fit one function, print, write nothing")
    args = ap.parse_args()
    degs = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in args.deg.split(",")}
    lines = ["/* relufast/_vectab_tables.h: generated by tools/vecmath/fit/fit_tab.py "
             f"--deg {args.deg}; do not edit.",
             " * Row j of RF_TAB_<F> is coefficient j over the 32 intervals, position p = k mod 32",
             " * (k = round(4x) = -16..15): rows c0h, c0l, ctr (the center), c1 .. cD. */"]
    for name, (fn, x0) in FUNCS.items():
        if args.only and name != args.only:
            continue
        deg = degs[name]
        rows = None
        worst_all, pz = 0.0, None
        for k in range(-16, 16):
            ctr, out, zero, worst, p = fit_interval(fn, x0, k, deg)
            worst_all = max(worst_all, worst)
            if zero:
                pz = (k, ctr, p, worst)
            if rows is None:
                rows = [[0.0] * NK for _ in range(len(out) + 1)]
            pos = k % NK
            vals = [out[0], out[1], ctr] + out[2:]
            for r, val in enumerate(vals):
                rows[r][pos] = val
            print(f"{name} k={k:3d} deg {deg} max rel err {worst:.3g}" + (" (zero)" if zero else ""))
        print(f"== {name}: degree {deg}, worst relative error of the float polynomials "
              f"{worst_all:.3g} ({worst_all * 2**24:.3f} ulp at most)"
              + (f"; zero interval k={pz[0]} center {pz[1]!r} p {pz[2]!r}" if pz else ""))
        up = name.upper()
        lines.append(f"#define RF_TAB_{up}_DEG {deg}")
        lines.append(f"/* worst relative error of the polynomials themselves: {worst_all:.3g} */")
        if pz:
            lines.append(f"#define RF_TAB_{up}_ZK {pz[0] % NK}   /* position of the zero's interval */")
            lines.append(f"#define RF_TAB_{up}_ZP {np.float32(pz[2]).item()!r}f   /* -(x0 - x0h) g(0) */")
        lines.append(f"static const float RF_TAB_{up}[{len(rows)}][{NK}] __attribute__((aligned(64))) = {{")
        for r in rows:
            lines.append("    {" + ", ".join(f"{np.float32(v).item()!r}f" for v in r) + "},")
        lines.append("};")
    if not args.only:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print("wrote", os.path.normpath(args.out))


if __name__ == "__main__":
    main()
