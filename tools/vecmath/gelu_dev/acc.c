#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <stdint.h>
#include "../../../relufast/_vecmath.h"
#include "cand.h"
#define SQRT2 1.4142135623730951
#ifndef NEARW
#define NEARW 0.05
#endif
#define SQRT2PI 2.5066282746310007
static double d_gelu(double x) { return isinf(x) ? (x > 0 ? x : 0) : x * 0.5 * erfc(-x / SQRT2); }
static double d_gelu_grad(double x){ return isinf(x) ? (x > 0 ? 1 : 0) : 0.5 * erfc(-x / SQRT2) + x * exp(-0.5 * x * x) / SQRT2PI; }
static double ulperr(float y, double R){ uint64_t u; int e; double inv;
 if (isnan(R)) return isnan(y) ? 0.0 : INFINITY; if (isnan(y)) return INFINITY; if (isinf(y)) return isinf(R)&&((y>0)==(R>0))?0:INFINITY;
 memcpy(&u,&R,8); e=(int)((u>>52)&0x7FF)-1023; if(e<-126)e=-126; u=(uint64_t)(1023-(e-23))<<52; memcpy(&inv,&u,8); return fabs((double)y-R)*inv; }
__attribute__((noinline)) void vg(const float*x,float*y,long n){for(long i=0;i<n;i++)y[i]=c_gelu(x[i]);}
__attribute__((noinline)) void vgg(const float*x,float*y,long n){for(long i=0;i<n;i++)y[i]=c_gelu_grad(x[i]);}
int main(int argc,char**argv){ long stride=argc>1?atol(argv[1]):1; int which=argc>2?atoi(argv[2]):3;
 /* all floats with |x| in [2^-30, 16] both signs + specials, stride */
 uint32_t lo=0x30800000u, hi=0x41800000u; if(argc>4){ float fl=atof(argv[3]), fh=atof(argv[4]); memcpy(&lo,&fl,4); memcpy(&hi,&fh,4);}  long cnt=(hi-lo)/stride+1;
 float *x=malloc(2*cnt*4+64),*y=malloc(2*cnt*4+64); long n=0;
 for(uint32_t u=lo;u<hi;u+=stride){ uint32_t v=u; memcpy(&x[n++],&v,4); v|=0x80000000u; memcpy(&x[n++],&v,4);} 
 float sp[]={0.0f,-0.0f,INFINITY,-INFINITY,NAN,1e-40f,-1e-40f,100.f,-100.f,1e30f,-1e30f,-14.4f,-14.5f,-15.f,-20.f};
 for(int k=0;k<15;k++) x[n++]=sp[k];
 for(int f=0;f<2;f++){ if(!(which&(1<<f))) continue; double mx=0,mxz=0; float at=0, atz=0; long n1=0;
  if(f==0) vg(x,y,n); else vgg(x,y,n);
  #pragma omp parallel for reduction(+:n1)
  for(long i=0;i<n;i++){ double R=f?d_gelu_grad(x[i]):d_gelu(x[i]); double e=ulperr(y[i],R);
    if(e>1)n1++;
    int near = f && fabs(x[i]+0.75179152469356445746)<NEARW;
    #pragma omp critical
    { if(near){ if(e>mxz){mxz=e;atz=x[i];} } else if(!(e<=mx)){mx=e;at=x[i];} } }
  printf("%s: max %.4f ulp at %.9g (near-zero max %.3f at %.9g); >1ulp %ld of %ld\n", f?"gelu_grad":"gelu", mx, at, mxz, atz, n1, n);
  for(int k=0;k<15;k++){ float yy; float xx=sp[k]; if(f==0) vg(&xx,&yy,1); else vgg(&xx,&yy,1); double R=f?d_gelu_grad(xx):d_gelu(xx); if(ulperr(yy,R)>1||signbit(yy)!=signbit((float)R)) printf("  special %g -> %g (ref %g)\n",xx,yy,R);} }
 return 0; }
