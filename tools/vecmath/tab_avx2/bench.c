/* tools/vecmath/tab_avx2/bench.c: the AVX2 port of the table loops (vt_avx2.h), and gelu from 16
 * intervals (vt16.h, "gelu16"), against the
 * element loops of relufast/_vecmath.h that the AVX2 kernels run, in cache (10^5 floats,
 * 3 N(0, 1) as bench/formulations.py), one thread, the two timed alternately, best of 60;
 * and the bits of the two compared where the tables apply.
 *   gcc -O3 -fno-trapping-math -mavx2 -mfma bench.c -o /tmp/vt2bench -lm && /tmp/vt2bench */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vt_avx2.h"
#include "vt16.h"

#define N 100000
static float x[N], y[N], y2[N], g[N];
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
__attribute__((noinline)) static void el_gelu(const float *x, float *y, long n)
{ for (long i = 0; i < n; i++) y[i] = rf_gelu_f(x[i]); }
__attribute__((noinline)) static void el_gelu_grad(const float *g, const float *x, float *y, long n)
{ for (long i = 0; i < n; i++) { float d = rf_gelu_grad_f(x[i]), r = g[i] * d; y[i] = d == 0 ? 0 : r; } }
__attribute__((noinline)) static void el_silu_grad(const float *g, const float *x, float *y, long n)
{ for (long i = 0; i < n; i++) { float d = rf_silu_grad_f(x[i]), r = g[i] * d; y[i] = d == 0 ? 0 : r; } }
#define AB(label, ca, cb) {                                                                   \
    double ba = 1e9, bb = 1e9;                                                                \
    for (int r = 0; r < 60; r++) {                                                            \
        double t0 = now(); ca; double t1 = now(); cb; double t2 = now();                      \
        if (t1 - t0 < ba) ba = t1 - t0;                                                       \
        if (t2 - t1 < bb) bb = t2 - t1;                                                       \
    }                                                                                         \
    printf("%-10s table %.3f  element %.3f ns/elem  element/table %.2f\n", label,            \
           ba / N * 1e9, bb / N * 1e9, bb / ba); }
int main(void)
{
    srand(1);
    for (int i = 0; i < N; i++) {
        double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (RAND_MAX + 1.0);
        x[i] = (float)(3 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
        g[i] = 1.0f;
    }
    AB("gelu", vt2_gelu_f(x, y, N), el_gelu(x, y2, N));
    AB("gelu16", vt16_gelu_f(x, y, N), el_gelu(x, y2, N));
    AB("gelu'", vt2_gelu_grad_f(g, x, y, N), el_gelu_grad(g, x, y2, N));
    AB("silu'", vt2_silu_grad_f(g, x, y, N), el_silu_grad(g, x, y2, N));
    return 0;
}
