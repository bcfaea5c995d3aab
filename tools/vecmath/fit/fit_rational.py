#!/usr/bin/env python3
"""Rational approximations and split constants used by relufast/_vecmath.h.

Fits are relative-error (weighted) near-minimax rationals computed by a
linearized Lawson iteration (iteratively reweighted least squares with the
previous denominator, Loeb/SK style) in 50-digit mpmath arithmetic, then the
coefficients are rounded to double and the error re-validated on a fine grid.

  H(a)  = exp(a^2/2) erfc(a/sqrt2)/2         (Mills ratio / sqrt(2 pi))
  mills_lp: H on [0, 14.5], rational 5/6, relative error of H
  nu:   nu(a) = (1/H(a) - 2 - sqrt(2 pi) a)/a on [0, 39], rational 9/10,
        weighted for the relative error of H = 1/(2 + a (sqrt(2 pi) + nu))
  rho:  R(a) = (H(a) - a/sqrt(2 pi))/(A0 - a), A0 the zero of gelu';
        rho = R - 1/sqrt(2 pi) on [0, 39], rational 9/10, rel. error of R

usage: fit_rational.py [mills_lp|nu|rho|constants]   (each takes ~1 minute)
"""
import sys
import mpmath as mp

mp.mp.dps = 60
SQ2PI = mp.sqrt(2 * mp.pi)
C = 1 / SQ2PI


def H(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


A0 = mp.findroot(lambda t: mp.ncdf(-t) - t * mp.npdf(t), 0.75)


def NU(a):
    a = max(mp.mpf(a), mp.mpf("1e-25"))
    return (1 / H(a) - SQ2PI * a - 2) / a


def R(a):
    a = mp.mpf(a)
    if abs(a - A0) < mp.mpf("1e-25"):
        return -mp.diff(lambda t: H(t) - C * t, A0)
    return (H(a) - C * a) / (A0 - a)


def lawson(target, weight, A, n, m, N=700, iters=35):
    """near-minimax P/Q (deg n/m, Q(0) = 1) of target on [0, A] minimizing
    max |P/Q - target| * weight"""
    xs = [A * (1 - mp.cos(mp.pi * (j + 0.5) / N)) / 2 for j in range(N)]
    fs = [target(x) for x in xs]
    ws = [weight(x, f) for x, f in zip(xs, fs)]
    w = [mp.mpf(1)] * N
    qprev = [mp.mpf(1)] * N
    best = None
    for _ in range(iters):
        rows, rhs = [], []
        for i, x in enumerate(xs):
            sc = mp.sqrt(w[i]) * ws[i] / qprev[i]
            rows.append([sc * x ** j for j in range(n + 1)] +
                        [-sc * fs[i] * x ** j for j in range(1, m + 1)])
            rhs.append(sc * fs[i])
        sol, _ = mp.qr_solve(mp.matrix(rows), mp.matrix(rhs))
        p = [sol[j] for j in range(n + 1)]
        q = [mp.mpf(1)] + [sol[n + j] for j in range(1, m + 1)]
        errs = []
        for i, x in enumerate(xs):
            P = mp.polyval(p[::-1], x)
            Q = mp.polyval(q[::-1], x)
            qprev[i] = Q
            errs.append((P / Q - fs[i]) * ws[i])
        e = max(abs(t) for t in errs)
        if best is None or e < best[0]:
            best = (e, p, q)
        s = sum(w[i] * abs(errs[i]) for i in range(N))
        w = [w[i] * abs(errs[i]) / s for i in range(N)]
    return best


def show(name, e, p, q, validate):
    pd = [float(c) for c in p]
    qd = [float(c) for c in q]
    print("%s: fit error %s, with double coefficients %s" % (
        name, mp.nstr(e, 4), mp.nstr(validate(pd, qd), 4)))
    print("  P (a^0 ..):", ", ".join("%.17g" % c for c in pd))
    print("  Q (a^0 ..):", ", ".join("%.17g" % c for c in qd))


def val(pd, qd, fn, A, skip=None):
    worst = 0
    for j in range(1, 3001):
        a = mp.mpf(A) * j / 3000
        if skip is not None and abs(a - skip) < 1e-12:
            continue
        P = mp.polyval([mp.mpf(c) for c in pd[::-1]], a)
        Q = mp.polyval([mp.mpf(c) for c in qd[::-1]], a)
        worst = max(worst, fn(a, P / Q))
    return worst


def main(what):
    if what == "mills_lp":
        e, p, q = lawson(H, lambda x, f: 1 / f, 14.5, 5, 6, N=500, iters=30)
        show("mills_lp", e, p, q, lambda pd, qd: val(pd, qd, lambda a, r: abs(r / H(a) - 1), 14.5))
    elif what == "nu":
        e, p, q = lawson(NU, lambda x, f: x * H(x), 39, 9, 10)
        show("nu", e, p, q, lambda pd, qd: val(
            pd, qd, lambda a, r: abs(1 / (2 + a * (SQ2PI + r)) / H(a) - 1), 39))
    elif what == "rho":
        e, p, q = lawson(lambda x: R(x) - C, lambda x, f: 1 / (f + C), 39, 9, 10, N=600, iters=30)
        show("rho", e, p, q, lambda pd, qd: val(
            pd, qd, lambda a, r: abs((C + r) / R(a) - 1), 39, skip=A0))
    elif what == "constants":
        def cut(x, bits):
            e = mp.floor(mp.log(abs(x), 2))
            sc = mp.mpf(2) ** (bits - 1 - e)
            return mp.nint(x * sc) / sc
        ln2 = mp.log(2)
        l1f = cut(ln2, 16)
        l1d = cut(ln2, 42)
        al = 2 * mp.sqrt(2 / mp.pi)
        be = al * mp.mpf("0.044715")
        import numpy as np
        print("L1_F %.9g  L2_F %.9g" % (float(l1f), float(np.float32(float(ln2 - l1f)))))
        print("L1_D %.17g  L2_D %.17g" % (float(l1d), float(ln2 - l1d)))
        print("ALPHA %.17g  ALPHA_L %.17g" % (float(al), float(al - mp.mpf(float(al)))))
        print("BETA %.17g  BETA_H %.17g  BETA_L %.17g" % (
            float(be), float(cut(be, 17)), float(be - cut(be, 17))))
        print("BETA3 %.17g" % float(3 * be))
        print("SQRT2PI %.17g  SQRT2PI_H %.17g  SQRT2PI_L %.17g" % (
            float(SQ2PI), float(cut(SQ2PI, 26)), float(SQ2PI - cut(SQ2PI, 26))))
        print("INV_SQRT2PI %.17g" % float(C))
        print("GELU_A0_H %.17g  GELU_A0_L %.17g" % (float(A0), float(A0 - mp.mpf(float(A0)))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    for w in sys.argv[1:] or ["constants"]:
        main(w)
