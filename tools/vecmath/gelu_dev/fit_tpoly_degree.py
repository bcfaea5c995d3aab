import numpy as np, sys
from scipy.special import erfcx
def H(a): return 0.5*erfcx(a/np.sqrt(2))
def fitrel(ss, f, deg, iters=60):
    # Lawson relative minimax, in Chebyshev-scaled variable for conditioning
    lo,hi=ss.min(),ss.max(); z=(2*ss-lo-hi)/(hi-lo)
    V=np.polynomial.chebyshev.chebvander(z,deg); w=np.ones(len(ss))
    for _ in range(iters):
        W=np.sqrt(w)/np.abs(f); c=np.linalg.lstsq(V*W[:,None],f*W,rcond=None)[0]
        e=np.abs(V@c-f)/np.abs(f); w=w*e; w/=w.sum()
    return e.max()
AMAX=float(sys.argv[1]) if len(sys.argv)>1 else 14.5
N=4000
for k in (1.0,1.5,2.0,2.5,3.0,4.0):
    t0=1/(1+AMAX/k); j=np.arange(N); ss=(t0+1)/2+(1-t0)/2*np.cos(np.pi*(j+0.5)/N)
    a=k*(1/ss-1); P=H(a)*(1+a/k)
    # sensitivity dlnP/dlnt numerically
    dP=np.gradient(np.log(P),np.log(ss))
    res=[ "%d:%.1e"%(d,fitrel(ss,P,d)) for d in range(5,12)]
    print(k, "sens max %.2f"%np.abs(dP).max(), " ".join(res))
