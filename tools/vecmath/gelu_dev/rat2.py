import numpy as np, sys, mpmath as mp
from scipy.special import erfcx
S=np.sqrt(2*np.pi)
def H(a): return 0.5*erfcx(a/np.sqrt(2))
A0=float(mp.findroot(lambda t: mp.ncdf(-t) - t*mp.npdf(t), 0.75))
AM=14.5; N=6000
j=np.arange(N); a=AM/2+AM/2*np.cos(np.pi*(j+0.5)/N)
a=np.sort(np.concatenate([a, np.linspace(0,AM,3000)]))
def targ(kind):
    if kind=="H": return H(a)
    r=(H(a)-a/S)/(A0-a)
    m=np.abs(a-A0)<1e-6
    r[m]=np.interp(a[m],a[~m],r[~m]); return r
def evalr(cp,cq,x):  # Horner in a, double, cq[0]=1
    p=np.zeros_like(x); q=np.zeros_like(x)
    for c in cp[::-1]: p=p*x+c
    for c in cq[::-1]: q=q*x+c
    return p/q
def fit(f,m,n,iters=300,fixed0=None):
    # variable a directly (scaled by sc for conditioning)
    sc=AM
    s=a/sc
    Vp=np.vander(s,m+1,increasing=True); Vq=np.vander(s,n+1,increasing=True)[:,1:]
    Qv=np.ones(len(a)); w=np.ones(len(a)); best=(1,None)
    for it in range(iters):
        W=np.sqrt(w)/(np.abs(Qv)*np.abs(f))
        A=np.hstack([Vp,-(f[:,None]*Vq)])*W[:,None]
        c=np.linalg.lstsq(A,f*W,rcond=None)[0]
        p=Vp@c[:m+1]; Qv=1+Vq@c[m+1:]
        e=np.abs(p/Qv-f)/np.abs(f)
        if e.max()<best[0]: best=(e.max(),c.copy())
        w=w*e**0.6; w/=w.sum()
    c=best[1]
    cp=c[:m+1]/sc**np.arange(m+1); cq=np.concatenate([[1.0],c[m+1:]/sc**np.arange(1,n+1)])
    return best[0],cp,cq
kind=sys.argv[1]; m=int(sys.argv[2]); n=int(sys.argv[3])
f=targ(kind)
e,cp,cq=fit(f,m,n)
cp32=cp.astype(np.float32).astype(float); cq32=cq.astype(np.float32).astype(float)
e32=np.max(np.abs(evalr(cp32,cq32,a)-f)/np.abs(f))
print(kind,m,n,"double %.2e  float-coef %.2e"%(e,e32), "coefs all positive:", (cp>0).all(), (cq>0).all())
print("P:", ", ".join("%.9ef"%v for v in cp32)); print("Q:", ", ".join("%.9ef"%v for v in cq32))

def fit_fixed(f,m,n,fixed,iters=200):
    # fixed: dict index->value over combined vector [p0..pm, q1..qn] in *unscaled a* coefficients
    sc=AM; s=a/sc
    Vp=np.vander(s,m+1,increasing=True); Vq=np.vander(s,n+1,increasing=True)[:,1:]
    scal=np.concatenate([sc**-np.arange(m+1.0), sc**-np.arange(1,n+1.0)])  # c_unscaled = c_scaled*scal
    A0m=np.hstack([Vp,-(f[:,None]*Vq)])
    free=[i for i in range(m+n+1) if i not in fixed]
    Qv=np.ones(len(a)); w=np.ones(len(a)); best=(1,None)
    for it in range(iters):
        W=np.sqrt(w)/(np.abs(Qv)*np.abs(f))
        rhs=f.copy()
        for i,v in fixed.items(): rhs-=A0m[:,i]*(v/scal[i])
        c=np.zeros(m+n+1)
        c[free]=np.linalg.lstsq(A0m[:,free]*W[:,None],rhs*W,rcond=None)[0]
        for i,v in fixed.items(): c[i]=v/scal[i]
        p=Vp@c[:m+1]; Qv=1+Vq@c[m+1:]
        e=np.abs(p/Qv-f)/np.abs(f)
        if e.max()<best[0]: best=(e.max(),c*scal)
        w=w*e**0.6; w/=w.sum()
    return best
fixed={}
if kind=="H": fixed[0]=0.5
e,c=fit_fixed(f,m,n,fixed)
ip, iq = m, m+n   # leading coefficients: ratio -> 1/S (H), 1/S (R: p_m/q_n with m==n)
target=1/S
pv=np.float32(c[ip]); best=None
for k in range(-3000,3001):
    p=np.nextafter(pv, np.float32(np.inf) if k>0 else np.float32(-np.inf)) if False else None
    pk=float(np.float32(c[ip])*(1+k*2**-24))
    pk=float(np.float32(pk)); qk=float(np.float32(pk/target))
    r=abs(pk/qk/target-1)
    if best is None or r<best[0]: best=(r,pk,qk)
print("pair ratio err %.2e"%best[0])
fixed[ip]=best[1]; fixed[iq]=best[2]
order=list(range(m+n+1))
for i in order:
    if i in fixed: continue
    e,c=fit_fixed(f,m,n,fixed)
    fixed[i]=float(np.float32(c[i]))
cp=np.array([fixed[i] for i in range(m+1)]); cq=np.concatenate([[1.0],[fixed[i] for i in range(m+1,m+n+1)]])
e32=np.max(np.abs(evalr(cp,cq,a)-f)/np.abs(f))
print("progressive float:", "%.2e"%e32)
print("P:", ", ".join("%.9ef"%v for v in cp)); print("Q:", ", ".join("%.9ef"%v for v in cq))
