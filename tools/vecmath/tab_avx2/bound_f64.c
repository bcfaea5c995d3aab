/* tools/vecmath/tab_avx2/bound_f64.c: what a float64 silu' table loop on AVX-512 could cost at
 * best -- degree DEG with 16 intervals (one _mm512_permutex2var_pd per coefficient: 16 doubles
 * from two registers; ~17 is the degree 1.5-wide intervals need for double precision), made-up
 * coefficients, against the element loop of rf_silu_grad_d that the kernels run, 10^5 doubles
 * 3 N(0, 1) in cache, timed alternately, best of 60.
 *   gcc -O3 -fno-trapping-math -mavx512f -mavx512dq -mavx512vl -mavx512bw \
 *       -mprefer-vector-width=512 bound_f64.c -o /tmp/vt2bound64 -lm && /tmp/vt2bound64 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include <immintrin.h>
#include "../../../relufast/_vecmath.h"
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define N 100000
#define DEG 17
static double x[N], y[N], g[N];
static double T[DEG+2][16] __attribute__((aligned(64)));
__attribute__((noinline)) void el(const double*g,const double*x,double*y,long n){for(long i=0;i<n;i++){double d=rf_silu_grad_d(x[i]),r=g[i]*d;y[i]=d==0?0:r;}}
__attribute__((noinline)) void tab(const double*g,const double*x,double*y,long n){
  __m512d lo[DEG+2], hi[DEG+2];
  for(int r=0;r<DEG+2;r++){lo[r]=_mm512_load_pd(&T[r][0]);hi[r]=_mm512_load_pd(&T[r][8]);}
  for(long i=0;i+8<=n;i+=8){
    __m512d xv=_mm512_loadu_pd(x+i), gv=_mm512_loadu_pd(g+i);
    __m512d m=_mm512_fmadd_pd(xv,_mm512_set1_pd(0.6666666666666666),_mm512_set1_pd(6755399441055744.0));
    __m512i idx=_mm512_castpd_si512(m);
    __m512d ctr=_mm512_permutex2var_pd(lo[1],idx,hi[1]);
    __m512d u=_mm512_sub_pd(xv,ctr);
    __m512d s=_mm512_permutex2var_pd(lo[DEG+1],idx,hi[DEG+1]);
    for(int j=DEG-1;j>=1;j--) s=_mm512_fmadd_pd(s,u,_mm512_permutex2var_pd(lo[j+1],idx,hi[j+1]));
    __m512d f=_mm512_fmadd_pd(u,s,_mm512_permutex2var_pd(lo[0],idx,hi[0]));
    __mmask8 in=_mm512_cmp_pd_mask(xv,_mm512_set1_pd(-12.0),_CMP_GE_OQ);
    in=_mm512_mask_cmp_pd_mask(in,xv,_mm512_set1_pd(12.0),_CMP_LT_OQ);
    if(__builtin_expect(in!=0xFF,0)) f=_mm512_set1_pd(0);
    _mm512_storeu_pd(y+i,_mm512_mul_pd(gv,f));
  }
}
#define AB(la, ca, lb, cb) { double ba=1e9, bb=1e9; for(int r=0;r<60;r++){double t0=now(); ca; double t1=now(); cb; double t2=now(); if(t1-t0<ba)ba=t1-t0; if(t2-t1<bb)bb=t2-t1;} printf("%-10s %.3f  %-10s %.3f  ratio %.2f\n", la, ba/N*1e9, lb, bb/N*1e9, bb/ba); }
int main(void){
  srand(1); for(int i=0;i<N;i++){double u1=(rand()+1.0)/(RAND_MAX+2.0),u2=rand()/(RAND_MAX+1.0); x[i]=3*sqrt(-2*log(u1))*cos(2*M_PI*u2); g[i]=1.0;}
  for(int r=0;r<DEG+2;r++)for(int p=0;p<16;p++)T[r][p]=1.0/(r+p+1);
  AB("tab", tab(g,x,y,N), "el", el(g,x,y,N));
  AB("tab", tab(g,x,y,N), "el", el(g,x,y,N));
  return 0;}
