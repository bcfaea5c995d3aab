#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include "../../../relufast/_vecmath.h"
#include "cand.h"
#define N 100000
static float X[N], Y[N];
static double now(void){struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+1e-9*t.tv_nsec;}
#define LOOP(name, f) __attribute__((noinline)) void name(const float *x, float *y, long n){ for(long i=0;i<n;i++) y[i]=f(x[i]); }
LOOP(l_tanh, rf_gelu_tanh_f)
LOOP(l_new, c_gelu)
LOOP(l_newg, c_gelu_grad)
typedef void (*lf)(const float*, float*, long);
static double tm(lf f){ double best=1e9; for(int r=0;r<30;r++){ double t=now(); f(X,Y,N); t=now()-t; if(t<best)best=t;} return best/N*1e9; }
int main(){ srand(1); for(int i=0;i<N;i++) X[i]=(rand()/(double)RAND_MAX-0.5)*16;
 const char *nm[]={"gelu_tanh","gelu","gelu_grad"}; lf fs[]={l_tanh,l_new,l_newg};
 for(int rep=0;rep<2;rep++) for(int k=0;k<3;k++) printf("%s %.3f ns/el%s", nm[k], tm(fs[k]), k==2?"\n":" | ");
 return 0; }
