/* ns/element of the array loops in vm_lib.c (in-cache: n = 4096, many reps).
   Link with one flavour's vm_lib object.  usage: bench [n] [min_seconds] */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "vm_funcs.h"

#define DECL(name, ff, fd)                                          \
    void vm_##name##_f(const float *x, float *y, long n);          \
    void vm_##name##_d(const double *x, double *y, long n);
VM_FUNCS(DECL)
void vm_elu_f(const float *x, float *y, long n, float a);
void vm_elu_d(const double *x, double *y, long n, double a);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

__attribute__((noinline)) static void copy_f(const float *x, float *y, long n)
{ long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0f; }
__attribute__((noinline)) static void copy_d(const double *x, double *y, long n)
{ long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0; }
static void elu_f(const float *x, float *y, long n) { vm_elu_f(x, y, n, 1.0f); }
static void elu_d(const double *x, double *y, long n) { vm_elu_d(x, y, n, 1.0); }

typedef void (*ffun)(const float *, float *, long);
typedef void (*dfun)(const double *, double *, long);

static long N = 4096;
static double TMIN = 0.1;

static double time_f(ffun f, const float *x, float *y)
{
    double best = 1e30;
    int trial;
    for (trial = 0; trial < 15; trial++) {
        long reps = 0, k;
        double t0 = now(), t;
        do {
            for (k = 0; k < 64; k++) { f(x, y, N); __asm__ volatile("" ::"r"(y) : "memory"); }
            reps += 64;
            t = now() - t0;
        } while (t < TMIN / 15);
        t = t / ((double)reps * N);
        if (t < best) best = t;
    }
    return best * 1e9;
}
static double time_d(dfun f, const double *x, double *y)
{
    double best = 1e30;
    int trial;
    for (trial = 0; trial < 15; trial++) {
        long reps = 0, k;
        double t0 = now(), t;
        do {
            for (k = 0; k < 64; k++) { f(x, y, N); __asm__ volatile("" ::"r"(y) : "memory"); }
            reps += 64;
            t = now() - t0;
        } while (t < TMIN / 15);
        t = t / ((double)reps * N);
        if (t < best) best = t;
    }
    return best * 1e9;
}

int main(int argc, char **argv)
{
    float *xf, *yf;
    double *xd, *yd;
    long i;
    if (argc > 1) N = atol(argv[1]);
    if (argc > 2) TMIN = atof(argv[2]);
    xf = malloc(N * sizeof *xf); yf = malloc(N * sizeof *yf);
    xd = malloc(N * sizeof *xd); yd = malloc(N * sizeof *yd);
    /* inputs spread over [-10, 10] (both branches, no denormal inputs) */
    for (i = 0; i < N; i++) {
        double v = -10.0 + 20.0 * ((i * 2654435761u) % N) / (double)N;
        xf[i] = (float)v; xd[i] = v;
    }
    /* the machine may be shared: ROUNDS passes over all functions, keep the
       best time of each (each pass itself takes the best of 15 trials) */
    {
        enum { NF = 11, ROUNDS = 5 };
        static const char *names[NF] = { "relu (ref)", "elu (x>0?x:expm1)", "exp", "expm1", "sigmoid",
            "silu", "silu_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad" };
        ffun F[NF] = { copy_f, elu_f, vm_exp_f, vm_expm1_f, vm_sigmoid_f, vm_silu_f,
            vm_silu_grad_f, vm_gelu_f, vm_gelu_grad_f, vm_gelu_tanh_f, vm_gelu_tanh_grad_f };
        dfun D[NF] = { copy_d, elu_d, vm_exp_d, vm_expm1_d, vm_sigmoid_d, vm_silu_d,
            vm_silu_grad_d, vm_gelu_d, vm_gelu_grad_d, vm_gelu_tanh_d, vm_gelu_tanh_grad_d };
        double bf[NF], bd[NF];
        int r, j;
        for (j = 0; j < NF; j++) bf[j] = bd[j] = 1e30;
        for (r = 0; r < ROUNDS; r++)
            for (j = 0; j < NF; j++) {
                double tf = time_f(F[j], xf, yf), td = time_d(D[j], xd, yd);
                if (tf < bf[j]) bf[j] = tf;
                if (td < bd[j]) bd[j] = td;
            }
        printf("%-18s %10s %10s\n", "function", "f32 ns/el", "f64 ns/el");
        for (j = 0; j < NF; j++) printf("%-18s %10.3f %10.3f\n", names[j], bf[j], bd[j]);
    }
    return 0;
}
