/* Float references in x87 long double (64-bit significand) and ulp errors.
   For a float input every intermediate below is exact or carries a relative
   error of a few 2^-64 (erfcl, expl, expm1l: glibc, < 2 ulp of long double);
   amplified by at most |x|^2 < 2^8 in the tails, i.e. < 2^-50 relative,
   which moves a float ulp error by < 2^-26 ulp. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <float.h>
#include "vm_funcs.h"

#define SQRT2L    1.41421356237309504880168872420969808L
#define SQRT2PIL  2.50662827463100050241576528481104525L
#define ALPHAL    1.59576912160573071175943593380184245L   /* 2 sqrt(2/pi) */
#define BETAL     (ALPHAL * 0.044715L)

static long double sigl(long double x)   /* overflow-free sigmoid */
{
    long double e;
    if (x >= 0) return 1.0L / (1.0L + expl(-x));
    e = expl(x);
    return e / (1.0L + e);
}
static long double r_exp(long double x) { return expl(x); }
static long double r_expm1(long double x) { return expm1l(x); }
static long double r_expm1_neg(long double x) { return expm1l(x); }   /* domain x <= 0 */
static long double r_sigmoid(long double x) { return sigl(x); }
static long double r_silu(long double x) { return isinf(x) ? (x > 0 ? x : 0.0L) : x * sigl(x); }
static long double r_silu_grad(long double x)
{
    if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
    return sigl(x) * (1.0L + x * sigl(-x));
}
static long double r_gelu(long double x)
{
    if (isinf(x)) return x > 0 ? x : 0.0L;
    return x * 0.5L * erfcl(-x / SQRT2L);
}
static long double r_gelu_grad(long double x)
{
    if (isinf(x)) return x > 0 ? 1.0L : 0.0L;
    return 0.5L * erfcl(-x / SQRT2L) + x * expl(-0.5L * x * x) / SQRT2PIL;
}
static long double r_gelu_tanh(long double x)
{
    if (isinf(x)) return x > 0 ? x : 0.0L;
    if (fabsl(x) > 1e6L) return x > 0 ? x : 0.0L;
    return x * sigl(x * (ALPHAL + BETAL * x * x));
}
static long double r_gelu_tanh_grad(long double x)
{
    long double v;
    if (isinf(x) || fabsl(x) > 1e6L) return x > 0 ? 1.0L : 0.0L;
    v = x * (ALPHAL + BETAL * x * x);
    return sigl(v) + x * (ALPHAL + 3.0L * BETAL * x * x) * sigl(v) * sigl(-v);
}

typedef long double (*vm_reffn)(long double);
#define VM_REFTAB(name, ff, fd) r_##name,
static const vm_reffn vm_reftab[] = { VM_FUNCS(VM_REFTAB) };
#define VM_NAMES(name, ff, fd) #name,
static const char *const vm_names[] = { VM_FUNCS(VM_NAMES) };

__attribute__((visibility("default"))) int vm_nfuncs(void) { return (int)(sizeof vm_reftab / sizeof vm_reftab[0]); }
__attribute__((visibility("default"))) const char *vm_name(int i) { return vm_names[i]; }

/* ulp error of a float result: ulp of the reference in float format,
   subnormal ulp = 2^-149; overflow expected when |R| >= FLT_MAX + ulp/2. */
static double ulperr_f(float y, long double R)
{
    long double u, big = ldexpl(1.0L, 128) - ldexpl(1.0L, 103);
    int e;
    if (isnan(R)) return isnan(y) ? 0.0 : INFINITY;
    if (isnan(y)) return INFINITY;
    if (fabsl(R) >= big) return (isinf(y) && (y > 0) == (R > 0)) ? 0.0 : INFINITY;
    if (isinf(y)) return INFINITY;
    if (R == 0) return (double)(fabsl((long double)y) / ldexpl(1.0L, -149));
    e = ilogbl(R);
    if (e < -126) e = -126;
    u = ldexpl(1.0L, e - 23);
    return (double)(fabsl((long double)y - R) / u);
}

/* err[i] = ulp error of y[i] = f(x[i]) for function fn; returns max */
__attribute__((visibility("default")))
double vm_err_f(int fn, const float *x, const float *y, double *err, long n)
{
    double m = 0;
    long i;
    for (i = 0; i < n; i++) {
        double e = ulperr_f(y[i], vm_reftab[fn]((long double)x[i]));
        if (err) err[i] = e;
        if (!(e <= m)) m = e;
    }
    return m;
}

/* reference value as long double -> returned as double hi + lo (for reports) */
__attribute__((visibility("default")))
void vm_ref_f(int fn, const float *x, double *hi, double *lo, long n)
{
    long i;
    for (i = 0; i < n; i++) {
        long double R = vm_reftab[fn]((long double)x[i]);
        hi[i] = (double)R;
        lo[i] = (double)(R - (long double)hi[i]);
    }
}
