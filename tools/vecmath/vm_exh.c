/* Exhaustive float32 check: every one of the 2^32 bit patterns, for every
   function, through the vectorized loop (vm_), the same loop element by
   element (vm1_, scalar epilogue) and the -fno-tree-vectorize copy (nv_).
   (vm1_ on every 16th block of 2^16 inputs, it is slow.)
   Reference: double precision libm (exp, expm1, erfc), which is good enough
   for float: glibc's double exp/expm1/erfc are accurate to < 1 ulp of double
   (2^-52 relative); the only rounded arguments are -x/sqrt2 (gelu) and
   v = x(ALPHA + BETA x^2) (tanh-GELU), whose 2^-52 relative errors are
   amplified by at most x^2 <= 225 resp. |v| <= 160 in the non-underflowing
   range: < 2^-44 relative, i.e. < 2^-20 float ulp.  Near the zeros of the
   derivatives (cancellation) the reference has an absolute error ~2^-54,
   which is reported in ulps of the largest term only.
   usage: vm_exh [function ...]      (link with one flavour's objects, -fopenmp)
   VM_EXH_STRIDE=k (environment) sweeps every k-th block of 2^16 inputs only:
   a quick sample while developing, not the proof.
   Built with -DVM_WIP (and vm_lib.c likewise, FMA builds only) it also
   sweeps the float-arithmetic candidates of VM_FUNCS_WIP (vm_funcs.h).
   Built with -DVM_TAB against the avx512 objects built with -DVM_TAB (build.sh avx512 with
   VM_TAB=1 in the environment) it also sweeps the table-driven loops of relufast/_vectab.h
   (VM_FUNCS_TAB): `vm_exh gelu_tab gelu_grad_tab silu_grad_tab softplus_grad_tab`.
   VM_EXH_LO / VM_EXH_HI (hex bit patterns, environment) restrict the sweep to the blocks of
   2^16 inputs between them, e.g. the fast range of the table loops while developing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "vm_funcs.h"

#define DECL(name, ff, fd)                                          \
    void vm_##name##_f(const float *x, float *y, long n);          \
    void vm1_##name##_f(const float *x, float *y, long n);         \
    void nv_##name##_f(const float *x, float *y, long n);
VM_FUNCS(DECL)
VM_FUNCS_SP(DECL)
#ifdef VM_WIP
VM_FUNCS_WIP(DECL)
#endif
#ifdef VM_TAB
#define DECLT(name, af, ref) DECL(name, 0, 0)
VM_FUNCS_TAB(DECLT)
#endif

#define SQRT2    1.4142135623730951
#define SQRT2PI  2.5066282746310007
#define ALPHA    1.5957691216057308
#define BETA     0.071354816272600249

static double sig(double x) { double e; if (x >= 0) return 1 / (1 + exp(-x)); e = exp(x); return e / (1 + e); }
static double d_exp(double x) { return exp(x); }
static double d_expm1(double x) { return expm1(x); }
static double d_expm1_neg(double x) { return expm1(x); }   /* domain x <= 0: positive x skipped */
static double d_sigmoid(double x) { return sig(x); }
static double d_silu(double x) { return isinf(x) ? (x > 0 ? x : 0) : x * sig(x); }
static double d_silu_grad(double x) { return isinf(x) ? (x > 0 ? 1 : 0) : sig(x) * (1 + x * sig(-x)); }
static double d_gelu(double x) { return isinf(x) ? (x > 0 ? x : 0) : x * 0.5 * erfc(-x / SQRT2); }
static double d_gelu_grad(double x)
{ return isinf(x) ? (x > 0 ? 1 : 0) : 0.5 * erfc(-x / SQRT2) + x * exp(-0.5 * x * x) / SQRT2PI; }
static double d_gelu_tanh(double x)
{ return (isinf(x) || fabs(x) > 1e6) ? (x > 0 ? x : 0) : x * sig(x * (ALPHA + BETA * x * x)); }
static double d_gelu_tanh_grad(double x)
{
    double v, s;
    if (isinf(x) || fabs(x) > 1e6) return x > 0 ? 1 : 0;
    v = x * (ALPHA + BETA * x * x); s = sig(v);
    return s + x * (ALPHA + 3 * BETA * x * x) * s * sig(-v);
}

/* softplus (threshold 20) and mish: log1p(exp(x)) in double is accurate for x <= 0, and
   x + log1p(exp(-x)) above; sech(sp) as 1/cosh (no 1 - tanh^2 cancellation) */
static double sp1(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static double d_softplus(double x) { return x > 20 ? x : (isinf(x) ? 0 : sp1(x)); }
static double d_softplus_grad(double x) { return x > 20 ? 1 : sig(x); }
static double d_mish(double x) { return isinf(x) ? (x > 0 ? x : 0) : x * tanh(sp1(x)); }
static double d_mish_grad(double x)
{
    double sp, c;
    if (isinf(x)) return x > 0 ? 1 : 0;
    sp = sp1(x); c = cosh(sp);
    return tanh(sp) + (isinf(c) ? 0 : x / (c * c) * sig(x));
}

typedef void (*lf)(const float *, float *, long);
typedef double (*rf)(double);
struct fn { const char *name; lf v, v1, nv; rf ref; double x0, t; int pos_skip; };
#define ENT(name, ff, fd) { #name, vm_##name##_f, vm1_##name##_f, nv_##name##_f, d_##name, 0, 0, 0 },
#ifdef VM_TAB
#define ENTT(name, af, ref) { #name, vm_##name##_f, vm1_##name##_f, nv_##name##_f, d_##ref, 0, 0, 0 },
static struct fn fns[] = { VM_FUNCS(ENT) VM_FUNCS_SP(ENT) VM_FUNCS_TAB(ENTT) };
#elif defined(VM_WIP)
#define d_gelu_ff d_gelu
#define d_gelu_grad_ff d_gelu_grad
static struct fn fns[] = { VM_FUNCS(ENT) VM_FUNCS_SP(ENT) VM_FUNCS_WIP(ENT) };
#else
static struct fn fns[] = { VM_FUNCS(ENT) VM_FUNCS_SP(ENT) };
#endif

static double ulperr(float y, double R)
{
    uint64_t u;
    int e;
    double inv;
    if (isnan(R)) return isnan(y) ? 0.0 : INFINITY;
    if (isnan(y)) return INFINITY;
    if (fabs(R) >= 3.4028235677973366e+38) /* FLT_MAX + ulp/2 */
        return (isinf(y) && (y > 0) == (R > 0)) ? 0.0 : INFINITY;
    if (isinf(y)) return INFINITY;
    memcpy(&u, &R, 8);
    e = (int)((u >> 52) & 0x7FF) - 1023;   /* R == 0 or tiny: e < -126 */
    if (e < -126) e = -126;
    u = (uint64_t)(1023 - (e - 23)) << 52;  /* 1/ulp */
    memcpy(&inv, &u, 8);
    return fabs((double)y - R) * inv;
}

int main(int argc, char **argv)
{
    int nf = (int)(sizeof fns / sizeof fns[0]), i, status = 0;
    const double NEAR = 0.05, BOUND = 1.0;
    for (i = 0; i < nf; i++) {
        if (!strcmp(fns[i].name, "gelu_grad") || !strcmp(fns[i].name, "gelu_grad_ff") || !strcmp(fns[i].name, "gelu_grad_tab")) { fns[i].x0 = -0.75179152469356445746; fns[i].t = 0.2260; }
        if (!strcmp(fns[i].name, "silu_grad") || !strcmp(fns[i].name, "silu_grad_tab")) { fns[i].x0 = -1.27846454276107379511; fns[i].t = 0.2178; }
        if (!strcmp(fns[i].name, "gelu_tanh_grad")) { fns[i].x0 = -0.75246142207101625849; fns[i].t = 0.2271; }
        if (!strcmp(fns[i].name, "mish_grad")) { fns[i].x0 = -1.19243121451549521; fns[i].t = 0.2590; }
        if (!strcmp(fns[i].name, "expm1_neg")) fns[i].pos_skip = 1;
    }
    for (i = 0; i < nf; i++) {
        struct fn *F = &fns[i];
        double gmax = 0, gfar = 0, grad = 0, gin = 0;
        uint32_t gx = 0, gfx = 0;
        long long mism = 0, n05 = 0, n1 = 0;
        double ulpT = F->t > 0 ? ldexp(1.0, ilogb(F->t) - 23) : 1;
        int k, doit = argc < 2;
        long stride = getenv("VM_EXH_STRIDE") ? atol(getenv("VM_EXH_STRIDE")) : 1;
        long blo = getenv("VM_EXH_LO") ? (long)(strtoul(getenv("VM_EXH_LO"), 0, 16) >> 16) : 0;
        long bhi = getenv("VM_EXH_HI") ? (long)(strtoul(getenv("VM_EXH_HI"), 0, 16) >> 16) : 0xFFFF;
        for (k = 1; k < argc; k++) if (!strcmp(argv[k], F->name)) doit = 1;
        if (!doit) continue;
#pragma omp parallel reduction(+ : mism, n05, n1)
        {
            enum { B = 1 << 16 };
            float *x = malloc(B * sizeof *x), *y = malloc(B * sizeof *y);
            float *y1 = malloc(B * sizeof *y1), *y2 = malloc(B * sizeof *y2);
            double tmax = 0, tfar = 0, trad = 0, tin = 0;
            uint32_t tx = 0, tfx = 0;
            long blk;
#pragma omp for schedule(dynamic, 16)
            for (blk = 0; blk < (1L << 16); blk++) {
                long j;
                if (stride > 1 && blk % stride != (blk >> 12) % stride) continue;
                if (blk < blo || blk > bhi) continue;
                for (j = 0; j < B; j++) { uint32_t u = (uint32_t)(blk * B + j); memcpy(&x[j], &u, 4); }
                F->v(x, y, B); F->nv(x, y2, B);
                if ((blk & 15) == 0) F->v1(x, y1, B); else memcpy(y1, y, B * sizeof *y);
                for (j = 0; j < B; j++) {
                    double R, e, dist;
                    uint32_t a, b, c;
                    if (F->pos_skip && x[j] > 0) continue;
                    memcpy(&a, &y[j], 4); memcpy(&b, &y1[j], 4); memcpy(&c, &y2[j], 4);
                    if ((a != b || a != c) && !(isnan(y[j]) && isnan(y1[j]) && isnan(y2[j]))) mism++;
                    R = F->ref((double)x[j]);
                    e = ulperr(y[j], R);
                    if (e > 0.5) n05++;
                    if (e > 1.0) n1++;
                    if (!(e <= tmax)) { tmax = e; memcpy(&tx, &x[j], 4); }
                    dist = F->t > 0 ? fabs((double)x[j] - F->x0) : INFINITY;
                    if (dist < NEAR) {
                        double ae = fabs((double)y[j] - R) / ulpT;
                        if (ae > tin) tin = ae;
                        if (e > BOUND && dist > trad) trad = dist;
                    } else if (!(e <= tfar)) { tfar = e; memcpy(&tfx, &x[j], 4); }
                }
            }
#pragma omp critical
            {
                if (tmax > gmax) { gmax = tmax; gx = tx; }
                if (tfar > gfar) { gfar = tfar; gfx = tfx; }
                if (trad > grad) grad = trad;
                if (tin > gin) gin = tin;
            }
            free(x); free(y); free(y1); free(y2);
        }
        {
            float xs, xf; memcpy(&xs, &gx, 4); memcpy(&xf, &gfx, 4);
            if (F->t > 0)
                printf("EXH %-15s max %.4f ulp at %.9g outside |x-x0|<%g (overall %.4f at %.9g); "
                       "near x0: >%g ulp only for |x-x0|<=%.3g, abs err <= %.4f ulp(largest term); "
                       ">0.5ulp: %lld, >1ulp: %lld; vec/scalar mismatches: %lld\n",
                       F->name, gfar, (double)xf, NEAR, gmax, (double)xs, BOUND, grad, gin, n05, n1, mism);
            else
                printf("EXH %-15s max %.4f ulp at %.9g (0x%08x); >0.5ulp: %lld, >1ulp: %lld; "
                       "vec/scalar mismatches: %lld\n", F->name, gmax, (double)xs, gx, n05, n1, mism);
            fflush(stdout);
            if (mism != 0 || !(gfar <= 2.0)) status = 1;   /* hard limit: 2 ulp */
        }
    }
    return status;
}
