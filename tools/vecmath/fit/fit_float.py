#!/usr/bin/env python3
"""Float-coefficient polynomials for the float-arithmetic GELU candidates
(rf__gelu_ff, rf__gelu_grad_ff in relufast/_vecmath.h): P(t) = H(a)(1 + a/4)
and R(t) = (H(a) - a/sqrt(2 pi))/(A0 - a), t = 1/(1 + a/4), a in [0, 15].
Lawson iteration for the relative error; the coefficients are rounded to
float from the lowest up, the higher ones refitted after each rounding.

usage: fit_float.py P|R DEGREE     (P 9 and R 8 are the header's)
"""
import numpy as np, mpmath as mp, sys
mp.mp.dps = 40
SQ = mp.sqrt(2*mp.pi)
A0 = mp.findroot(lambda t: mp.ncdf(-t) - t*mp.npdf(t), 0.75)
def H(a): return mp.erfc(a/mp.sqrt(2))/2*mp.exp(a*a/2)
p = 0.25; AMAX = 15.0
N = 2000
S0, S1 = 1/(1+p*AMAX), 1.0
ss = np.array([(S0+S1)/2 + (S1-S0)/2*np.cos(np.pi*(j+0.5)/N) for j in range(N)])
def targ(kind):
    out = []
    for s in ss:
        s = mp.mpf(s); a = (1/s - 1)/p
        if kind == "P": out.append(H(a)*(1+p*a))
        else:
            if abs(a-A0) < 1e-12: out.append(-mp.diff(lambda s: H(s)-s/SQ, A0))
            else: out.append((H(a)-a/SQ)/(A0-a))
    return np.array([float(v) for v in out])
def fit(f, deg, iters=150):
    V = np.vander(ss, deg+1, increasing=True)
    fixed = []
    for k in range(0, deg+1):
        resid = f - sum(float(cf)*ss**i for i, cf in enumerate(fixed))
        Vk = V[:, k:]; w = np.ones(N)
        for _ in range(iters if k == 0 else 80):
            W = np.sqrt(w)/np.abs(f)
            ck = np.linalg.lstsq(Vk*W[:,None], resid*W, rcond=None)[0]
            e = np.abs(Vk@ck - resid)/np.abs(f); w = w*e; w /= w.sum()
        fixed.append(np.float32(ck[0]))
    cf = np.array([float(v) for v in fixed])
    e32 = np.max(np.abs(V@cf - f)/np.abs(f))
    return cf, e32
kind, deg = sys.argv[1], int(sys.argv[2])
f = targ(kind)
cf, e32 = fit(f, deg)
print(kind, deg, "max rel err %.3g" % e32, "range %.4f %.4f" % (f.min(), f.max()))
print(", ".join("%.9ef" % np.float32(v) for v in cf))
