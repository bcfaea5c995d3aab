/* ns/element of the array loops in vm_lib.c (in-cache: n = 4096, many reps).
   Link with one flavour's vm_lib object; with -DVM_COMPARE also with an
   object of an older header built with -DVM_OLD -DVM_PREFIX=old_ (check.sh
   --compare REV): both are timed in the same passes, side by side.
   usage: bench [n] [min_seconds] */
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
void vm_elu_neg_f(const float *x, float *y, long n, float a);
void vm_elu_neg_d(const double *x, double *y, long n, double a);
#ifdef VM_COMPARE
#define DECL_OLD(name, ff, fd)                                      \
    void old_##name##_f(const float *x, float *y, long n);         \
    void old_##name##_d(const double *x, double *y, long n);
VM_FUNCS_OLD(DECL_OLD)
void old_elu_f(const float *x, float *y, long n, float a);
void old_elu_d(const double *x, double *y, long n, double a);
#endif

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
static void elu_neg_f(const float *x, float *y, long n) { vm_elu_neg_f(x, y, n, 1.0f); }
static void elu_neg_d(const double *x, double *y, long n) { vm_elu_neg_d(x, y, n, 1.0); }
#ifdef VM_COMPARE
static void old_elu_f1(const float *x, float *y, long n) { old_elu_f(x, y, n, 1.0f); }
static void old_elu_d1(const double *x, double *y, long n) { old_elu_d(x, y, n, 1.0); }
#endif

typedef void (*ffun)(const float *, float *, long);
typedef void (*dfun)(const double *, double *, long);

static long N = 4096;
static double TMIN = 0.1;

static double time_f(ffun f, const float *x, float *y)
{
    double best = 1e30;
    int trial;
    if (!f) return 0;
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
    if (!f) return 0;
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

#ifdef VM_COMPARE
#define OLD(x) x
#else
#define OLD(x) 0
#endif

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
       best time of each (each pass itself takes the best of 15 trials);
       "before" and "after" of one function are timed back to back */
    {
        enum { NF = 13, ROUNDS = 5 };
        static const char *names[NF] = { "relu (ref)", "elu (x>0?x:expm1)", "elu (expm1_neg)",
            "exp", "expm1", "expm1_neg", "sigmoid", "silu", "silu_grad", "gelu", "gelu_grad",
            "gelu_tanh", "gelu_tanh_grad" };
        ffun F[NF] = { copy_f, elu_f, elu_neg_f, vm_exp_f, vm_expm1_f, vm_expm1_neg_f,
            vm_sigmoid_f, vm_silu_f, vm_silu_grad_f, vm_gelu_f, vm_gelu_grad_f, vm_gelu_tanh_f,
            vm_gelu_tanh_grad_f };
        dfun D[NF] = { copy_d, elu_d, elu_neg_d, vm_exp_d, vm_expm1_d, 0, vm_sigmoid_d, vm_silu_d,
            vm_silu_grad_d, vm_gelu_d, vm_gelu_grad_d, vm_gelu_tanh_d, vm_gelu_tanh_grad_d };
        ffun FO[NF] = { OLD(copy_f), OLD(old_elu_f1), 0, OLD(old_exp_f), OLD(old_expm1_f), 0,
            OLD(old_sigmoid_f), OLD(old_silu_f), OLD(old_silu_grad_f), OLD(old_gelu_f),
            OLD(old_gelu_grad_f), OLD(old_gelu_tanh_f), OLD(old_gelu_tanh_grad_f) };
        dfun DO[NF] = { OLD(copy_d), OLD(old_elu_d1), 0, OLD(old_exp_d), OLD(old_expm1_d), 0,
            OLD(old_sigmoid_d), OLD(old_silu_d), OLD(old_silu_grad_d), OLD(old_gelu_d),
            OLD(old_gelu_grad_d), OLD(old_gelu_tanh_d), OLD(old_gelu_tanh_grad_d) };
        double bf[NF], bd[NF], bfo[NF], bdo[NF];
        int r, j, cmp = FO[0] != 0;
        for (j = 0; j < NF; j++) bf[j] = bd[j] = bfo[j] = bdo[j] = 1e30;
        for (r = 0; r < ROUNDS; r++)
            for (j = 0; j < NF; j++) {
                double tf = time_f(F[j], xf, yf), tfo = time_f(FO[j], xf, yf);
                double td = time_d(D[j], xd, yd), tdo = time_d(DO[j], xd, yd);
                if (tf < bf[j]) bf[j] = tf;
                if (td < bd[j]) bd[j] = td;
                if (tfo < bfo[j]) bfo[j] = tfo;
                if (tdo < bdo[j]) bdo[j] = tdo;
            }
        if (cmp) {
            printf("%-18s %10s %10s %10s %10s\n", "function", "f32 before", "f32 after",
                   "f64 before", "f64 after");
            for (j = 0; j < NF; j++) {
                printf("%-18s ", names[j]);
                if (FO[j]) printf("%10.3f ", bfo[j]); else printf("%10s ", "-");
                printf("%10.3f ", bf[j]);
                if (DO[j]) printf("%10.3f ", bdo[j]); else printf("%10s ", "-");
                if (D[j]) printf("%10.3f\n", bd[j]); else printf("%10s\n", "-");
            }
        } else {
            printf("%-18s %10s %10s\n", "function", "f32 ns/el", "f64 ns/el");
            for (j = 0; j < NF; j++) {
                printf("%-18s %10.3f ", names[j], bf[j]);
                if (D[j]) printf("%10.3f\n", bd[j]); else printf("%10s\n", "-");
            }
        }
    }
    return 0;
}
