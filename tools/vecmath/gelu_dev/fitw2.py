import numpy as np, sys
from scipy.special import erfcx
def H(a): return 0.5*erfcx(a/np.sqrt(2))
k=4.0; AM=15.0; TC=float(sys.argv[2]) if len(sys.argv)>2 else 0.4375; deg=int(sys.argv[1])
N=4000; t0=1/(1+AM/k); j=np.arange(N); ss=(t0+1)/2+(1-t0)/2*np.cos(np.pi*(j+0.5)/N)
a=k*(1/ss-1); f=H(a)*(1+a/k); w=ss-TC
V=np.vander(w,deg+1,increasing=True); fixed=[]
for kk in range(deg+1):
    resid=f-sum(float(c)*w**i for i,c in enumerate(fixed)); Vk=V[:,kk:]; wt=np.ones(N)
    for _ in range(150):
        W=np.sqrt(wt)/np.abs(f); ck=np.linalg.lstsq(Vk*W[:,None],resid*W,rcond=None)[0]
        e=np.abs(Vk@ck-resid)/np.abs(f); wt=wt*e; wt/=wt.sum()
    fixed.append(ck[0] if kk==0 else np.float32(ck[0]))
cf=np.array([float(v) for v in fixed]); e32=np.max(np.abs(V@cf-f)/np.abs(f))
print("deg",deg,"TC",TC,"err %.3g"%e32, "P range", f.min(), f.max())
print(", ".join("%.9ef"%v for v in cf)); c0h=np.float32(cf[0]); print("c0h %.9ef c0l %.9ef"%(c0h, np.float32(cf[0]-float(c0h))))
# Horner condition: max over t of sum|c_i w^i| / |P|
print("cond", np.max(np.abs(V)@np.abs(cf)/np.abs(f)))
