#!/usr/bin/env python3
"""The polynomial of the double softplus's log1p (rf__atanh_pd in relufast/_vecmath.h).

log1p(v) = 2 atanh(t), t = v/(2 + v) in [-1/7, 1/5], atanh(t) = t (1 + P(s)), s = t^2 in
[0, 1/25], P(s) = s Q(s) = s/3 + s^2/5 + ...  What matters is P's absolute error: it is the
relative error it gives log1p, since |P| < 1/70.  The Taylor series of Q the header used
before needs 11 terms for 2^-58.5 (as evaluated in double); a Chebyshev fit of P (mpmath's
chebyfit on [0, 1/25], its constant term, below 2^-62, dropped) gets there with 8.

Prints Q's coefficients rounded to double, lowest first, and the largest error of P from
them on 4,001 points of [0, 1/25] (the coefficients exact, the evaluation's own roundings
left out: the header's Estrin form rounds differently from any one order).

usage: fit_atanh.py [DEG]      (DEG: Q's degree; 7 is the header's)
"""
import sys

import mpmath as mp

mp.mp.dps = 50
S1 = mp.mpf(1) / 25


def P(s):
    s = mp.mpf(s)
    return sum(s ** (k + 1) / (2 * k + 3) for k in range(45))  # 45 terms: below 2^-200


def main():
    deg = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    poly, _ = mp.chebyfit(P, [0, S1], deg + 2, error=True)  # P of degree deg + 1
    coef = [float(c) for c in reversed(poly)][1:]  # Q: P's coefficients from s^1 on
    worst = 0
    for j in range(4001):
        s = S1 * j / 4000
        q = mp.mpf(0)
        for c in reversed(coef):
            q = q * s + mp.mpf(c)
        worst = max(worst, abs(q * s - P(s)))
    for i, c in enumerate(coef):
        print(f"q{i} = {c!r}")
    print(f"degree {deg}: max |P(s) - s Q(s)| = {float(worst):.3g} = 2^{float(mp.log(worst, 2)):.1f}")


if __name__ == "__main__":
    main()
