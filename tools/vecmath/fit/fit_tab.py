#!/usr/bin/env python3
"""Coefficient tables of the AVX-512 table-driven float32 kernels (relufast/_vectab.h):
gelu, gelu', silu', the sigmoid and the tanh form of gelu and gelu' as 32 local polynomials each.

Interval k (LAYOUT below says how the kernel computes k from x) holds a polynomial in
u = x - c_k:  f = c0 + u (c1 + u (c2 + ...)),  all coefficients floats.  c_k is a float with
|x|/2 <= |c_k| <= 2|x| over the interval (so u is exact), or 0 for the interval holding 0, chosen
among ~1000 candidates so that f(c_k) is within ~2^-11 ulp of a float: c0 = f(c_k) rounded
then needs no low part.  On the interval holding a gradient's zero x0 (and for silu' its right
neighbour, ZWIN) the table holds g = f / (x - x0) instead, and the kernel forms f = g (x - x0),
keeping relative accuracy through the zero.  gelu's interval 0 is u (c1 + u (...)) with
c0 = -0.0 (relative accuracy down to the subnormals, gelu(-0) = -0).

Method: S = (F(c + u) - c0) / u is fitted for the relative error of c0 + u S (weights |u| / |F|)
by Lawson iteration (weighted least squares converging to the minimax) on 400 Chebyshev nodes
of the interval widened by 1e-3 of its width (the kernel's index has roundings); reference
mpmath at 40 digits.  The coefficients are rounded to float one at a time from c1 upwards, the
ones not yet rounded refitted after each rounding.  Prints the worst relative error of the
rounded polynomials (exact arithmetic) per interval and function, and writes
relufast/_vectab_tables.h.  The kernel's own rounding errors come on top: the proof is the
exhaustive sweep (tools/vecmath/vm_exh.c, ACCURACY.md).

usage: python tools/vecmath/fit/fit_tab.py [--deg gelu=8,gelu_grad=8,silu_grad=7,sigmoid=6,...] [--only F] [--nk 16]
(--nk 16: the 16-interval gelu of tools/vecmath/tab_avx2/vt16.h, an AVX2 experiment not used by
the kernels, written to tools/vecmath/tab_avx2/vt16_tables.h; LAYOUT16 below)
Deterministic: the same command writes the same file (about a minute).
"""
import argparse
import os

import mpmath as mp
import numpy as np

mp.mp.dps = 40
N = 400          # nodes per interval
NK = 32          # intervals
WIDEN = 1e-3     # relative widening of every interval: the index is computed with roundings

# Layouts (the kernel computes k the same way, _vectab.h):
#  "sq" (gelu, gelu'): k = round(t), t = x w, w = C1 x + C2 |x| + BT (floats, in the header), so
#       t = -(AN a^2 + BT a) for x = -a < 0 and t = AP x^2 + BT x for x >= 0, AN = C2 - C1,
#       AP = C2 + C1 (AP = 0, C1 = -C2: the kernel forms w as BT - AN min(x, 0), the same
#       values with one instruction fewer); k = -KN..31-KN.  Interval k is where round(t) = k.
#       Away from 0 the intervals shrink as 1/|x|, where the Gaussian steepens (|x| h ->
#       1/(2 AN) on the negative side), so one degree fits them all; BT keeps those near 0
#       narrow.  Interval 0 holds 0 and is centered there.
#  "tail" (gelu's and gelu''s far tails): t = AN a^2 + BT a for x = -a, the 32 intervals from
#       the one holding A0 (see LAYOUT's entries and tail_header).
#       With AC (the tanh form): t = -(AN a^2 + BT a + AC a^3) on the negative side, the
#       kernel's w having a term C3 (x - |x|) x = 2 C3 a^2 (x < 0), 0 (x >= 0); AC = 2 C3.
#  "lin" (silu'): k = round(x/HL), k = -16..15, interval k is [k HL - HL/2, k HL + HL/2].
LAYOUT = {
    # negative side down to -8.8 (25 intervals, |x| h <= 1.85 at the end), positive to 6.4
    # (6 intervals, ~1 wide; the kernel saturates from 6.2 on: gelu = x, gelu' = 1 are the
    # rounded values there); BT = 1 puts interval -1's inner end (0.45) beyond x0h/2 for gelu''s
    # zero (x - x0h exact)
    # AP = 0: t = x for x >= 0 (intervals 1 wide), and the kernel's index takes 3 instructions
    # (w = BT - AN min(x, 0), rf__tab_m_sq) instead of 4: 7 to 10% of the loop
    "gelu": ("sq", dict(AN=0.2145, AP=0.0, BT=1.0, KN=25)),
    "gelu_grad": ("sq", dict(AN=0.2145, AP=0.0, BT=1.0, KN=25)),
    "silu_grad": ("lin", dict(HL=0.75, KN=16)),
    # softplus' (beta = 1): the sigmoid, silu''s layout (its steepness is e^x's, as silu''s)
    "sigmoid": ("lin", dict(HL=0.75, KN=16)),
    # the tanh form, x sigmoid(v), v = 2 sqrt(2/pi) (x + 0.044715 x^3): log f falls as v, ~x^3,
    # where gelu's falls as x^2 / 2 (62.7 at -8.8, against 38.7), so the negative side's
    # intervals shrink as 1/x^2 far out (AC), and degree 10 (8 left 2.7e-7 at -8.8)
    "gelu_tanh": ("sq", dict(AN=0.05, AC=0.018, AP=0.0, BT=1.0, KN=25)),
    "gelu_tanh_grad": ("sq", dict(AN=0.05, AC=0.018, AP=0.0, BT=1.0, KN=25)),
    # gelu's far tail, below the table above: x = -a, a in [8.80, 14.36] (from 14.356 on gelu
    # rounds to -0), t = AN a^2 + BT a, 32 intervals (|x| h <= 2.2), tabulated as gelu 2^SC
    # (normal floats down to the subnormal results); read from memory by the rare vectors
    # with a lane there, where the element function took ~80 instructions (_vectab.h).
    # Degree 10: two more rows cost those vectors ~2 instructions.
    "gelu_tail": ("tail", dict(AN=0.2145, BT=0.5, A0=8.80, A1=14.36, SC=64)),
    # gelu''s, likewise (from -14.54 on gelu' rounds to -0.0; BT 0.4 to reach it)
    "gelu_grad_tail": ("tail", dict(AN=0.2145, BT=0.4, A0=8.80, A1=14.55, SC=64)),
}

# The AVX2 experiment (--nk 16, tools/vecmath/tab_avx2/vt16.h, not used by the kernels): 16
# intervals, which two _mm256_permutevar8x32_ps and a blend pick (32 take four and three blends:
# no faster than the element functions there).  gelu only: the same "sq" layout at half the
# density (t halved: 12 intervals on the negative side, interval 0, 3 up to 6.4), degree 10 for
# the wider intervals.  Its polynomials are within 1.66e-8, but the kernel measured 2.10 ulp in
# the negative tail (tools/vecmath/tab_avx2/README.md).
LAYOUT16 = {
    "gelu": ("sq", dict(AN=0.10725, AP=0.0025, BT=0.5, KN=12)),
}
# LEFT=True in a layout's dict: on the negative side, where the Sterbenz condition allows it, the
# polynomial is expanded at the interval's outer end (the smallest |f|, u >= 0) instead of the
# balanced center.  Tried on LAYOUT16 against its 2.10 ulp in the tail: 2.66 (at the inner ends,
# where |u S| / |f| is 0.97 instead of 0.95 and S's Horner sum has twice the |u|), so not set.

# g = f / (x - x0) is also fitted on interval kz + ZWIN (kz: the zero's), where f falls to a
# quarter of its value at the center (silu' at -1.125: 0.037 against 0.157 at -0.75) and c0 + u S
# would amplify S's rounding 4 times; the kernel forms those lanes as g (x - x0) too.
# gelu': interval 0 as well, where gelu' falls from 0.87 to 0.16 (its center must stay 0, so no
# balancing): 2.1 times S's rounding there, about 0.2 as g = f / (x - x0) (x - x0h rounded
# for x > x0h/2 there: a relative 2^-24 at most)
ZWIN = {"silu_grad": 1, "gelu_grad": 1, "gelu_tanh_grad": 1}

SAT = 6.2   # gelu = x and gelu' = 1 (their rounded values) for x >= SAT: the kernel's RF__TAB_SAT


def sq_consts(P):
    """the kernel's float constants C1, C2, BT and the exact AN, AP they give"""
    c1 = f32((P["AP"] - P["AN"]) / 2)
    c2 = f32((P["AP"] + P["AN"]) / 2)
    bt = f32(P["BT"])
    return c1, c2, bt, mp.mpf(c2) - mp.mpf(c1), mp.mpf(c2) + mp.mpf(c1)


def cub_const(P):
    """the kernel's float C3 and the exact AC = 2 C3 it gives (0: no cubic term)"""
    c3 = f32(P.get("AC", 0) / 2)
    return c3, 2 * mp.mpf(c3)


def interval(name, k):
    """(lo, hi, center) of interval k, mpf; center 0 for the interval holding 0"""
    kind, P = LAYOUT[name]
    if kind == "tail":        # a = -x with AN a^2 + BT a in [k - 1/2, k + 1/2]
        an, bt = mp.mpf(f32(P["AN"])), mp.mpf(f32(P["BT"]))
        half = mp.mpf(1) / 2
        lo, hi = -tail_root(an, bt, k + half), -tail_root(an, bt, k - half)
        return lo, hi, sterbenz_center(lo, hi)
    if kind == "lin":
        h = mp.mpf(P["HL"])
        lo, hi = k * h - h / 2, k * h + h / 2
        return lo, hi, (mp.mpf(k) * h)   # u = x - k HL exact (Sterbenz, or k = 0)
    c1, c2, bt, an, ap = sq_consts(P)
    ac = cub_const(P)[1]

    def root(al, t):   # x >= 0 with al x^2 + bt x = t (+ ac x^3 on the negative side)
        if al == 0:                 # AP = 0: t = BT x on the positive side
            return t / bt
        r = (-bt + mp.sqrt(bt * bt + 4 * al * t)) / (2 * al)
        if ac and al == an:
            r = mp.findroot(lambda a: ac * a ** 3 + al * a * a + bt * a - t, r)
        return r
    half = mp.mpf(1) / 2
    if k == 0:
        return -root(an, half), root(ap, half), mp.mpf(0)
    if k < 0:
        lo, hi = -root(an, -k + half), -root(an, -k - half)
    else:
        lo, hi = root(ap, k - half), root(ap, k + half)
        hi = min(hi, mp.mpf(SAT + 0.05))   # the kernel saturates from SAT on
    return lo, hi, sterbenz_center(lo, hi)


def tail_root(an, bt, t):
    """a >= 0 with an a^2 + bt a = t"""
    return (-bt + mp.sqrt(bt * bt + 4 * an * t)) / (2 * an)


def tail_k0(P):
    """the tail layout's first interval: the one holding A0"""
    an, bt = mp.mpf(f32(P["AN"])), mp.mpf(f32(P["BT"]))
    k0 = int(mp.nint(an * P["A0"] ** 2 + bt * P["A0"]))
    assert tail_root(an, bt, k0 + NK - mp.mpf(1) / 2) >= P["A1"], "32 intervals do not reach A1"
    return k0


def sterbenz_center(lo, hi):
    """a float c with |x|/2 <= |c| <= 2|x| over [lo, hi] (then u = x - c is exact): the
    geometric mean of the ends"""
    a, b = sorted([abs(lo), abs(hi)])
    c = mp.mpf(f32(mp.sqrt(a * b)))
    assert b <= 2 * c and a >= c / 2, (lo, hi, c)
    return c if lo > 0 else -c


def krange(name):
    kind, P = LAYOUT[name]
    if kind == "tail":
        return range(tail_k0(P), tail_k0(P) + NK)
    return range(-P["KN"], NK - P["KN"])


def target(name):
    return FUNCS[name]

SQ2 = mp.sqrt(2)
SQ2PI = mp.sqrt(2 * mp.pi)


def gelu(x):
    return x * mp.erfc(-x / SQ2) / 2


def gelu_grad(x):
    return mp.erfc(-x / SQ2) / 2 + x * mp.exp(-x * x / 2) / SQ2PI


def silu_grad(x):
    s = 1 / (1 + mp.exp(-x))
    return s * (1 + x * (1 - s))


def sigmoid(x):
    return 1 / (1 + mp.exp(-x))


GK = mp.sqrt(2 / mp.pi)
GC = mp.mpf("0.044715")


def gelu_tanh(x):
    return x / (1 + mp.exp(-2 * GK * (x + GC * x ** 3)))


def gelu_tanh_grad(x):
    s = 1 / (1 + mp.exp(-2 * GK * (x + GC * x ** 3)))
    return s + x * s * (1 - s) * 2 * GK * (1 + 3 * GC * x * x)


def gelu_tail(x):
    return gelu(x) * mp.ldexp(1, LAYOUT["gelu_tail"][1]["SC"])


def gelu_grad_tail(x):
    return gelu_grad(x) * mp.ldexp(1, LAYOUT["gelu_grad_tail"][1]["SC"])


TAIL_OF = {"gelu_tail": gelu, "gelu_grad_tail": gelu_grad}


FUNCS = {
    "gelu": (gelu, None),
    "gelu_tail": (gelu_tail, None),
    "gelu_grad": (gelu_grad, mp.findroot(gelu_grad, mp.mpf("-0.7518"))),
    "gelu_grad_tail": (gelu_grad_tail, None),
    "silu_grad": (silu_grad, mp.findroot(silu_grad, mp.mpf("-1.2785"))),
    "sigmoid": (sigmoid, None),
    "gelu_tanh": (gelu_tanh, None),
    "gelu_tanh_grad": (gelu_tanh_grad, mp.findroot(gelu_tanh_grad, mp.mpf("-0.7518"))),
}


def f32(v):
    return float(np.float32(float(v)))


def zero_k(name):
    x0 = target(name)[1]
    if x0 is None:
        return None
    return [k for k in krange(name) if interval(name, k)[0] <= x0 < interval(name, k)[1]][0]


def F_of(fn, x0, zero):
    """the function tabulated: f, or g = f / (x - x0) on the zero's intervals"""
    if not zero:
        return fn

    def g(x):
        if abs(x - x0) < mp.mpf(10) ** -25:
            return mp.diff(fn, x0)
        return fn(x) / (x - x0)
    return g


def balanced_center(F, lo, hi, c):
    """The point where F is the harmonic mean of its values at the ends (monotone F of one
    sign): there max |F(x) - F(c)| / |F(x)| = |u S| / |f|, the factor by which the kernel's
    rounding of S reaches f, is smallest and equal at both ends.  Kept where u = x - c is
    exact (|x|/2 <= |c| <= 2|x| over [lo, hi]); c itself if F is not monotone of one sign."""
    fl, fh = F(lo), F(hi)
    a_, b_ = sorted([abs(lo), abs(hi)])
    if fl * fh <= 0:
        return c
    target = 2 * fl * fh / (fl + fh)
    try:
        r = mp.findroot(lambda x: F(x) - target, (lo, hi), solver="anderson")
    except (ValueError, ZeroDivisionError):
        return c
    if not (lo <= r <= hi):
        return c
    r = min(max(abs(r), b_ / 2), 2 * a_) * (1 if lo > 0 else -1)
    return mp.mpf(f32(r))


def exact_center(F, lo, hi, c, k, upward=False, far=False):
    """A float center near c, still Sterbenz-safe for [lo, hi], whose F(center) is closest to a
    float (then c0 = F(center) rounded is exact to ~2^-11 ulp and the kernel needs no low part
    of it: f = c0 + u S in one FMA).  Searches 1024 floats around c."""
    if k == 0:
        return c                               # u = x must be exact down to 0: center 0
    cf = np.float32(float(c))
    a_, b_ = sorted([abs(lo), abs(hi)])

    def scan(offsets, best, bc):
        """the best of the floats cf + offset (offsets in the int32 view) so far"""
        for off in offsets:
            cj = (np.array([cf]).view(np.int32) + off).view(np.float32)[0]
            m = mp.mpf(float(cj))
            if not (lo <= m <= hi and b_ <= 2 * abs(m) and a_ >= abs(m) / 2):
                continue
            v = F(m)
            fv = mp.mpf(f32(v))
            ulp = mp.ldexp(1, int(mp.floor(mp.log(abs(fv), 2))) - 23) if fv != 0 else 1
            d = abs(v - fv) / ulp
            if best is None or d < best:
                best, bc = d, m
        return best, bc
    # upward: toward 0 from the outer end (c < 0: the int32 view decreases), staying near it
    best, bc = scan(range(0, -1024, -1) if upward else range(-512, 512), None, c)
    if far and best is not None and best > 2.0 ** -9 and k > 0:
        # far (the AP = 0 layouts): gelu ~ x and gelu' ~ 1 from x ~ 4 on, so f(c) - round(f(c))
        # hardly moves from one float c to the next and none of the 1024 may be near a float
        # (k = 5 of gelu: 0.36 ulp, the polynomial then 3.8e-8 off); look farther, every 64th
        # float.  (The other layouts' tables are kept as they were swept.)
        best, bc = scan(range(-2048 * 64, 2048 * 64, 64), best, bc)
    return bc


def fit_interval(name, fn, x0, k, deg):
    """(center, [c0, c1, ..., cdeg] as floats, is_zero_interval, max rel err, p)

    f (or g) = c0 + u S(u), u = x - center; c0 = F(center) rounded (a near-float by the choice
    of the center); S's coefficients fitted for the relative error of c0 + u S, rounded to
    float one at a time from c1 upwards, the others refitted after each rounding.  gelu's
    interval 0: f = u S(u), c0 = -0.0."""
    lo, hi, ctr = interval(name, k)
    kz = zero_k(name)
    zero = kz is not None and k in (kz, kz + ZWIN.get(name, 0))   # g = f / (x - x0) fitted
    F = F_of(fn, x0, zero)
    nolead = (k == 0 and name in ("gelu", "gelu_tanh"))
    if not nolead:
        left = LAYOUT[name][1].get("LEFT") and k < 0 and abs(lo) <= 2 * abs(hi)
        if left:    # expand at the outer end (LAYOUT16's LEFT), u = x - c >= 0
            ctr = mp.mpf(f32(lo))
            if ctr < lo:
                ctr = mp.mpf(float(np.nextafter(np.float32(ctr), np.float32(0))))
        elif k < 0 or LAYOUT[name][0] == "tail":
            # where f is small and steep (for k > 0 it is ~x or ~1: nothing to gain)
            ctr = balanced_center(F, lo, hi, ctr)
        ctr = exact_center(F, lo, hi, ctr, k, upward=bool(left),
                           far=LAYOUT[name][1].get("AP") == 0)
    if zero and k == kz:
        x0h = mp.mpf(f32(x0))
        assert lo >= 2 * x0h and hi <= x0h / 2     # x - x0h exact over the interval (x0 < 0)
    wid = (hi - lo) * WIDEN
    a, b = lo - wid - ctr, hi + wid - ctr
    us = [(a + b) / 2 + (b - a) / 2 * mp.cos(mp.pi * (j + mp.mpf(1) / 2) / N) for j in range(N)]
    us = [u for u in us if u != 0]
    tv = [F(ctr + u) for u in us]
    if nolead:
        c0 = mp.mpf(0)
        Sv = [F(u) / u for u in us]                  # gelu = u S(u)
    else:
        c0 = mp.mpf(f32(F(ctr)))
        Sv = [(t - c0) / u for u, t in zip(us, tv)]
    f = np.array([float(t) for t in tv])
    S = np.array([float(x) for x in Sv])
    uu = np.array([float(u) for u in us])
    wrel = np.abs(uu) / np.abs(f)                    # error in S -> relative error in F
    scale = float(max(abs(a), abs(b)))
    v = uu / scale                                   # in [-1, 1]: a well-conditioned fit
    fixed = {}
    for j in range(deg):                             # S's coefficient j is c_{j+1}
        resid = S - sum(fixed[i] * v ** i for i in fixed)
        free = [i for i in range(deg) if i not in fixed]
        V = np.stack([v ** i for i in free], axis=1)
        w = np.ones(len(v)) / len(v)
        for _ in range(60):                          # Lawson: minimax of the weighted error
            W = np.sqrt(w) * wrel
            c = np.linalg.lstsq(V * W[:, None], resid * W, rcond=None)[0]
            e = np.abs(V @ c - resid) * wrel
            w = w * e
            w /= w.sum()
        cj = dict(zip(free, c))
        fixed[j] = f32(cj[j] / scale ** j) * scale ** j
    coef = [f32(fixed[i] / scale ** i) for i in range(deg)]
    worst = 0.0
    for u, t in zip(us, tv):
        pval = c0 + u * sum(mp.mpf(coef[i]) * u ** i for i in range(deg))
        worst = max(worst, float(abs(pval - t) / abs(t)))
    out = [-0.0 if nolead else f32(c0)] + coef       # -0.0: gelu(-0) = -0 (see _vectab.h)
    p = None
    if zero and k == kz:
        # the kernel's g (x - x0) = g dh - x0l g, dh = x - x0h, x0l = x0 - x0h: p = -x0l g(x0)
        p = f32(-(x0 - mp.mpf(f32(x0))) * F(x0))
    return float(ctr), out, zero, worst, p


def tail_header(name, pfx, P, rows, worst_all):
    """the tail table's lines: its index constants (the kernel's w = x AN - BT, t = x w =
    AN a^2 + BT a), the scale, and XZ: below it f rounds to -0.0"""
    f = TAIL_OF[name]
    an, bt = f32(P["AN"]), f32(P["BT"])
    lo_k, hi_k = interval(name, krange(name)[-1])[0], interval(name, krange(name)[0])[1]
    # XZ: the most negative float whose f is not -0.0 (|f| > 2^-150)
    half_min = mp.ldexp(1, -150)
    xz = np.float32(-14.3)
    while abs(f(mp.mpf(float(np.nextafter(xz, np.float32(-20)))))) > half_min:
        xz = np.nextafter(xz, np.float32(-20))
    while abs(f(mp.mpf(float(xz)))) <= half_min:
        xz = np.nextafter(xz, np.float32(0))
    assert lo_k < xz, (lo_k, xz)
    return [f"/* intervals cover [{float(lo_k):.6g}, {float(hi_k):.6g}), f scaled by 2^{P['SC']} */",
            f"#define {pfx}_AN {np.float32(an).item()!r}f",
            f"#define {pfx}_BT {np.float32(bt).item()!r}f",
            f"#define {pfx}_SCALE {float(mp.ldexp(1, -P['SC']))!r}f   /* 2^-{P['SC']} */",
            f"#define {pfx}_XZ {xz.item()!r}f   /* f(x) = -0.0 for x < XZ */",
            f"/* worst relative error of the polynomials themselves: {worst_all:.3g} */",
            f"static const float {pfx}[{len(rows)}][{NK}] __attribute__((aligned(64))) = {{"]\
        + ["    {" + ", ".join(f"{np.float32(v).item()!r}f" for v in r) + "}," for r in rows] + ["};"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deg", default="gelu=8,gelu_tail=10,gelu_grad=8,gelu_grad_tail=10,"
                                     "silu_grad=7,sigmoid=6,"
                                     "gelu_tanh=10,gelu_tanh_grad=10")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                  "relufast", "_vectab_tables.h"))
    ap.add_argument("--only", default=None, help="fit one function, print, write nothing")
    ap.add_argument("--nk", type=int, default=32, choices=(16, 32),
                    help="16: the AVX2 experiment's tables (LAYOUT16, tools/vecmath/tab_avx2/vt16_tables.h)")
    args = ap.parse_args()
    global NK, LAYOUT
    pre, fname = "RF_TAB_", "_vectab_tables.h"
    if args.nk == 16:
        NK, LAYOUT, pre, fname = 16, LAYOUT16, "RF_TAB16_", "vt16_tables.h"
        if args.deg == ap.get_default("deg"):
            args.deg = "gelu=10"
        if args.out == ap.get_default("out"):
            args.out = os.path.join(os.path.dirname(__file__), "..", "tab_avx2", fname)
    degs = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in args.deg.split(",")}
    nkarg = f" --nk {NK}" if NK != 32 else ""
    where = "relufast" if NK == 32 else "tools/vecmath/tab_avx2"
    lines = [f"/* {where}/{fname}: generated by tools/vecmath/fit/fit_tab.py{nkarg} "
             f"--deg {args.deg}; do not edit.",
             f" * Row j of {pre}<F> is coefficient j over the {NK} intervals, position p = k mod {NK}",
             " * (k: the interval, see fit_tab.py LAYOUT): rows c0, ctr (the center), c1 .. cD. */"]
    for name in FUNCS:
        if name not in LAYOUT or (args.only and name != args.only):
            continue
        fn, x0 = target(name)
        deg = degs[name]
        rows = None
        worst_all, pz = 0.0, None
        for k in krange(name):
            ctr, out, zero, worst, p = fit_interval(name, fn, x0, k, deg)
            worst_all = max(worst_all, worst)
            if k == zero_k(name):
                pz = (k, ctr, p, worst)
            if rows is None:
                rows = [[0.0] * NK for _ in range(len(out) + 1)]
            pos = k % NK
            vals = [out[0], ctr] + out[1:]
            for r, val in enumerate(vals):
                rows[r][pos] = val
            print(f"{name} k={k:3d} deg {deg} max rel err {worst:.3g}" + (" (zero)" if zero else ""))
        print(f"== {name}: degree {deg}, worst relative error of the float polynomials "
              f"{worst_all:.3g} ({worst_all * 2**24:.3f} ulp at most)"
              + (f"; zero interval k={pz[0]} center {pz[1]!r} p {pz[2]!r}" if pz else ""))
        up = name.upper()
        lines.append(f"#define {pre}{up}_DEG {deg}")
        kind, P = LAYOUT[name]
        if kind == "tail":
            lines += tail_header(name, pre + up, P, rows, worst_all)
            continue
        lo_k, hi_k = interval(name, -P["KN"])[0], interval(name, NK - 1 - P["KN"])[1]
        lines.append(f"/* intervals cover [{float(lo_k):.6g}, {float(hi_k):.6g}) */")
        # LO: the fast range's lower end, inside interval -KN whatever the index's roundings;
        # HI: sq: where the kernel saturates, lin: the fast range's (exclusive) upper end
        lo_f = f32(lo_k + mp.mpf("0.01"))
        hi_f = SAT if kind == "sq" else f32(hi_k - mp.mpf("0.005"))
        lines.append(f"#define {pre}{up}_LO {np.float32(lo_f).item()!r}f")
        lines.append(f"#define {pre}{up}_HI {np.float32(hi_f).item()!r}f")
        if kind == "sq":
            # the kernel's index (rf__tab_m_sq) has only the AP = 0 form (the AVX2
            # experiment's --nk 16 computes its own)
            assert NK != 32 or P["AP"] == 0, name
            c1, c2, bt, an, ap = sq_consts(P)
            lines.append(f"#define {pre}{up}_C1 {np.float32(c1).item()!r}f")
            lines.append(f"#define {pre}{up}_C2 {np.float32(c2).item()!r}f")
            lines.append(f"#define {pre}{up}_BT {np.float32(bt).item()!r}f")
            lines.append(f"#define {pre}{up}_C3 {np.float32(cub_const(P)[0]).item()!r}f")
        else:
            lines.append(f"#define {pre}{up}_RH {np.float32(1 / P['HL']).item()!r}f   /* k = round(x RH) */")
        lines.append(f"/* worst relative error of the polynomials themselves: {worst_all:.3g} */")
        if pz:
            lines.append(f"#define {pre}{up}_ZK {pz[0] % NK}   /* position of the zero's interval */")
            lines.append(f"#define {pre}{up}_X0H {np.float32(f32(x0)).item()!r}f   /* x0 rounded */")
            kw = pz[0] + ZWIN.get(name, 0)
            lines.append(f"#define {pre}{up}_ZW {kw % NK}   /* the other end of the intervals formed as g (x - x0) */")
            lines.append(f"#define {pre}{up}_ZP {np.float32(pz[2]).item()!r}f   /* -(x0 - x0h) g(0) */")
        lines.append(f"static const float {pre}{up}[{len(rows)}][{NK}] __attribute__((aligned(64))) = {{")
        for r in rows:
            lines.append("    {" + ", ".join(f"{np.float32(v).item()!r}f" for v in r) + "},")
        lines.append("};")
    if not args.only:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print("wrote", os.path.normpath(args.out))


if __name__ == "__main__":
    main()
