/*
 * relufast/_vecmath.h -- branch-free, auto-vectorizable elementary functions.
 *
 * Header-only C99 (also valid C++).  Every function is `static inline`, pure,
 * calls no libm routine, and contains no data-dependent branch: range
 * handling is done with ternary selects (gcc if-converts them to blends) and
 * integer bit manipulation (memcpy bit casts, which gcc folds and vectorizes).
 * A loop such as
 *     for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1f(x[i]);
 * vectorizes with gcc -O3 -fno-trapping-math at SSE2, AVX2 and AVX-512.
 *
 * Bit-for-bit reproducibility: each function is a fixed sequence of IEEE
 * operations on its own element, so a given build returns identical bits
 * whether an element goes through the vector body or the scalar epilogue
 * (checked by tools/vecmath).  Different builds (SSE2 vs. FMA targets) may
 * differ by an ulp because gcc contracts a*b+c into fma on FMA targets; the
 * algorithms are written so that either evaluation meets the error bounds
 * (every "exact" step below stays exact with or without contraction).
 *
 * Functions (f = float, d = double):
 *   rf_expf/d        e^x                 rf_expm1f/d       e^x - 1
 *   rf_sigmoid_f/d   1/(1+e^-x)
 *   rf_silu_f/d      x*sigmoid(x)        rf_silu_grad_f/d  sigmoid(x)*(1+x*(1-sigmoid(x)))
 *   rf_gelu_f/d      x*Phi(x)            rf_gelu_grad_f/d  Phi(x)+x*phi(x)
 *   rf_gelu_tanh_f/d 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3)))  and  rf_gelu_tanh_grad_f/d
 * Measured accuracy and speed: tools/vecmath/ACCURACY.md.
 *
 * Methods.
 *  - exp core: k = rint(z/ln2) by the 1.5*2^p "magic number" trick (k is read
 *    from the low mantissa bits, so no float->int conversion, which would be
 *    UB/implementation-specific for NaN), r = z - k*ln2 with a Cody-Waite
 *    split ln2 = L1 + L2 (k*L1 exact), the rounding error of r carried as rho,
 *    e^r = 1 + r + r^2*P(r) with P a minimax polynomial on |r| <= 0.3466,
 *    and 2^k built directly in the exponent field.  Results that may be
 *    subnormal or may overflow are scaled in two exact steps 2^k1 * 2^k2
 *    (k1 + k2 = k): the last multiply is the only rounding at subnormal
 *    precision, so gradual underflow is correct.
 *  - float GELU/SiLU/sigmoid families are computed internally in double (a
 *    float x has an exact square in double, the tails never underflow in
 *    double) with shorter polynomials, then rounded once to float: results
 *    are within ~0.5 ulp + tiny.  float exp/expm1 are native float (speed).
 *  - Phi: for a = |x|, Q(a) = 1 - Phi(a) = exp(-a^2/2) * H(a), where
 *    H(a) = exp(a^2/2) Q(a) = Mills ratio / sqrt(2 pi) is smooth and positive
 *    on [0, inf) and is approximated by ONE rational minimax P(a)/Q(a) with
 *    positive coefficients (no cancellation, no case split).  Phi(x) = Q(a)
 *    for x < 0 (relative accuracy down to underflow, no 1+erf cancellation)
 *    and 1 - Q(a) for x >= 0.  exp(-a^2/2) gets an exact argument: in double
 *    a = ah + al with ah of 26 bits (ah^2 exact), a^2 = ah^2 + al(a+ah).
 *  - sigmoid with e = exp(-|x|) <= 1: sigmoid = 1/(1+e) (x >= 0) or
 *    e/(1+e) (x < 0); 1 - sigmoid likewise; never overflows.  tanh-GELU
 *    uses 0.5(1+tanh(u)) = sigmoid(2u) with 2u = x*(ALPHA + BETA*x^2); in
 *    double, 2u is formed in double-double (its absolute error becomes the
 *    relative error of the tail, |2u| reaches ~1000).
 *  - Inputs are clamped (|x| to a bound beyond which the result is
 *    saturated) before anything can overflow; NaN passes every clamp (the
 *    comparisons are false) and propagates.
 *
 * Special values (all functions): NaN -> NaN.
 *   expm1(+-0) = +-0, expm1(-inf) = -1, exp(-inf) = +0, exp/expm1(+inf) = inf.
 *   gelu(+-0) = +-0, gelu(-inf) = -0.0, gelu(+inf) = inf.  Likewise silu and
 *   gelu_tanh: f(+-0) = +-0, f(-inf) = -0.0.  All gradients: f'(-inf) = -0.0
 *   (the true limit is approached from below), f'(+inf) = 1, f'(+-0) = 0.5.
 *   sigmoid(-inf) = +0, sigmoid(+inf) = 1.  Large negative inputs give
 *   correctly rounded subnormals, then -0.0 (odd functions) or +0.
 *   Subnormal handling assumes the default FP environment (no FTZ/DAZ) and
 *   round-to-nearest.
 */
#ifndef RELUFAST_VECMATH_H
#define RELUFAST_VECMATH_H

#include <stdint.h>
#include <string.h>

#if defined(_MSC_VER) && !defined(__cplusplus)
#define RF_INLINE static __inline
#else
#define RF_INLINE static inline
#endif

/* ------------------------------------------------------------------------ */
/* bit casts (memcpy: portable, folded and vectorized by gcc/clang)          */
/* ------------------------------------------------------------------------ */
RF_INLINE uint32_t rf__u32(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
RF_INLINE float rf__f32(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
RF_INLINE uint64_t rf__u64(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
RF_INLINE double rf__f64(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }
RF_INLINE double rf__absd(double x) { return rf__f64(rf__u64(x) & 0x7FFFFFFFFFFFFFFFULL); }

/* ------------------------------------------------------------------------ */
/* constants                                                                */
/* ------------------------------------------------------------------------ */
#define RF__INF_F        rf__f32(0x7F800000u)
#define RF__INF_D        rf__f64(0x7FF0000000000000ULL)
/* float exp: t = x*log2e + 1.5*2^23 holds k = rint(x*log2e) in its low bits */
#define RF__MAGIC_F      12582912.0f                  /* 0x1.8p23 */
#define RF__MAGIC_F_BITS 0x4B400000u
#define RF__LOG2E_F      1.44269502f
#define RF__L1_F         0.693145752f                 /* ln2, 16 bits: k*L1 exact for |k| < 256 */
#define RF__L2_F         1.42860677e-06f              /* ln2 - L1 */
/* double exp */
#define RF__MAGIC_D      6755399441055744.0           /* 0x1.8p52 */
#define RF__LOG2E_D      1.4426950408889634
#define RF__LN2_D        0.69314718055994529
#define RF__L1_D         0.69314718055989033          /* ln2, 42 bits: k*L1 exact for |k| < 2048 */
#define RF__L2_D         5.4979230187083712e-14       /* ln2 - L1 */
#define RF__INV_SQRT2PI  0.3989422804014327           /* 1/sqrt(2 pi) */
#define RF__SQRT2PI      2.5066282746310002           /* sqrt(2 pi) */
/* tanh-GELU: 2u = ALPHA*x + BETA*x^3, ALPHA = 2 sqrt(2/pi), BETA = 0.044715*ALPHA */
#define RF__ALPHA        1.5957691216057308
#define RF__ALPHA_L      (-9.9693088091109202e-17)    /* ALPHA - (double)ALPHA */
#define RF__BETA         0.071354816272600249
#define RF__BETA_H       0.071354866027832031         /* 17 bits: BETA_H*s exact for 34-bit s */
#define RF__BETA_L       (-4.975523178247366e-08)     /* BETA - BETA_H */
#define RF__BETA3        0.21406444881780073          /* 3*BETA */

/* ------------------------------------------------------------------------ */
/* polynomials (coefficients from tools/vecmath/fit/, sollya fpminimax and   */
/* an mpmath rational Lawson fit; all relative minimax)                      */
/* ------------------------------------------------------------------------ */
/* e^r - 1 - r on |r| <= 0.3466, float coefficients, abs err 2.0e-10 */
RF_INLINE float rf__expu_f(float r)
{
    float p = 0.000199510425f;
    p = p * r + 0.00139305007f;
    p = p * r + 0.00833319966f;
    p = p * r + 0.0416665114f;
    p = p * r + 0.166666672f;
    p = p * r + 0.5f;
    return (r * r) * p;
}

/* e^r - 1 - r on |r| <= 0.3466, degree 7, abs err 1.8e-10 (for float results) */
RF_INLINE double rf__expu_lp(double r)
{
    double p = 0.00019857802223479623;
    p = p * r + 0.0013933604403337555;
    p = p * r + 0.0083333607225366049;
    p = p * r + 0.041666465466308457;
    p = p * r + 0.16666666532306645;
    p = p * r + 0.5000000013385657;
    return (r * r) * p;
}

/* e^r - 1 - r on |r| <= 0.3466, degree 12, relative err 3.1e-18 */
RF_INLINE double rf__expu_d(double r)
{
    double p = 2.0896476531151727e-09;
    p = p * r + 2.5105401456978409e-08;
    p = p * r + 2.7557326901223377e-07;
    p = p * r + 2.7557254849863536e-06;
    p = p * r + 2.4801587271879556e-05;
    p = p * r + 0.00019841269875389421;
    p = p * r + 0.0013888888888905044;
    p = p * r + 0.0083333333333259017;
    p = p * r + 0.041666666666666644;
    p = p * r + 0.16666666666666671;
    p = p * r + 0.5;
    return (r * r) * p;
}

/* H(a) = exp(a^2/2) * erfc(a/sqrt2)/2, a in [0, 14.5]: rational 5/6,
   relative err 8.3e-11 (float use).  Positive coefficients: no cancellation. */
RF_INLINE double rf__mills_lp(double a)
{
    double p = 0.00088710125153850232, q = 0.0022236358998824774;
    p = p * a + 0.011619969912728699;  q = q * a + 0.029126756104307466;
    p = p * a + 0.07120535606564013;   q = q * a + 0.18071463589543765;
    p = p * a + 0.25032808962961622;   q = q * a + 0.65650616539550943;
    p = p * a + 0.50726261467352485;   q = q * a + 1.4467500834811082;
    p = p * a + 0.49999999995931588;   q = q * a + 1.8124097823213225;
                                       q = q * a + 1.0;
    return p / q;
}

/* mu(a) = 1/H(a) - sqrt(2 pi) a on [0, 39]: rational 9/10, fitted for the
   relative error of H = 1/(sqrt(2 pi) a + mu(a)) (7.0e-18, 1.9e-17 after
   rounding the coefficients).  mu decreases from 2 to ~2.5/a, so its own
   evaluation error reaches H damped by mu/(sqrt(2 pi) a + mu). */
RF_INLINE double rf__gelu_mu_d(double a)
{
    double p = 1.4440513382159036e-06, q = 5.7609313393013773e-07;
    p = p * a + 4.3292271059365476e-05;  q = q * a + 1.7271117331504993e-05;
    p = p * a + 0.00063802606759725807;  q = q * a + 0.00025568776137627013;
    p = p * a + 0.0059951946359222269;   q = q * a + 0.0024262788155191388;
    p = p * a + 0.039366035181282732;    q = q * a + 0.016210391800887188;
    p = p * a + 0.18709299016806735;     q = q * a + 0.079319115526848089;
    p = p * a + 0.64532517244270859;     q = q * a + 0.28735471968327725;
    p = p * a + 1.5693483995274933;      q = q * a + 0.76172237876768778;
    p = p * a + 2.4775281119446717;      q = q * a + 1.4196403159692281;
    p = p * a + 2.0;                     q = q * a + 1.6941936324849698;
                                         q = q * a + 1.0;
    return p / q;
}

/* ------------------------------------------------------------------------ */
/* float exp / expm1 (native float arithmetic)                               */
/* ------------------------------------------------------------------------ */
/* Reduction shared by expf/expm1f.  x must be finite-clamped from below.
   Returns the magic sum t (k in its low bits); e^x = 2^k (1 + r + w) with
   r + w = x - k ln2 + (e^r' - 1 - r') to ~2^-33 absolute. */
RF_INLINE float rf__exp_reduce_f(float x, float *r_out, float *w_out)
{
    float t = x * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float rh = x - kf * RF__L1_F;          /* exact (Sterbenz, k*L1 exact) */
    float d = -(kf * RF__L2_F);            /* |d| < 2^-9.8 */
    float r = rh + d;
    float rho = d - (r - rh);              /* rounding error of r (Fast2Sum; when
                                              |rh| < |d| the error is < 2^-33) */
    /* e^(r+rho) = (1 + r + u(r)) (1 + rho) */
    *w_out = rf__expu_f(r) + (rho + rho * r);
    *r_out = r;
    return t;
}

/* e^x - 1 = 2 (h + s r + s w) with s = 2^(k-1), h = s - 1/2.
   s*r and s*w are exact scalings; h + s*r is summed exactly (Fast2Sum:
   |h| >= |s r| for every k, and h = 0 for k = 0), h's own rounding error
   (k > 24 only) is carried in hl, so the result has one significant rounding,
   also in the cancellation case k = 1, r < 0. */
RF_INLINE float rf_expm1f(float x)
{
    float xc = x < -86.0f ? -86.0f : x;   /* expm1 = -1 already; keeps k >= -125 */
    float r, w, h, hl, sr, a, al, y;
    float t = rf__exp_reduce_f(xc, &r, &w);
    float s = rf__f32((rf__u32(t) + 126u) << 23);     /* 2^(k-1) (magic bits shift out) */
    h = s - 0.5f;
    hl = (s - h) - 0.5f;                  /* exact */
    sr = s * r;                           /* exact */
    a = h + sr;
    al = sr - (a - h);                    /* exact */
    y = 2.0f * (a + (s * w + (al + hl)));
    y = x > 88.7228317f ? RF__INF_F : y;  /* overflow; also x = +inf (t, r garbage) */
    /* expm1(-0) = -0: the sum above gives +0; expm1 has the sign of x */
    return rf__f32(rf__u32(y) | (rf__u32(x) & 0x80000000u));
}

/* e^x.  Max error 1 ulp; subnormal results correctly rounded. */
RF_INLINE float rf_expf(float x)
{
    float xc = x < -104.0f ? -104.0f : x; /* e^-104 < 2^-150: result 0; k >= -151 */
    float r, w;
    float t = rf__exp_reduce_f(xc, &r, &w);
    float q = r + w;
    /* k = bits(t) - MAGIC_BITS in [-151, 128];  kb = k + 151 >= 0.
       2^k = 2^k1 * 2^k2 with k1 = floor(kb/2) - 76, k2 = k - k1, both normal */
    uint32_t kb = rf__u32(t) - (RF__MAGIC_F_BITS - 151u);
    uint32_t h = kb >> 1;
    float s1 = rf__f32((h + (127u - 76u)) << 23);
    float s2 = rf__f32((kb - h + (127u - 75u)) << 23);
    float y = (s1 * q + s1) * s2;         /* s1*q exact: one rounding, then the
                                             only subnormal-precision rounding */
    return x > 88.7228317f ? RF__INF_F : y;
}

/* ------------------------------------------------------------------------ */
/* double exp core                                                           */
/* ------------------------------------------------------------------------ */
/* z = zh + zl with |zl| <= ulp(zh)/2 (or zl = 0), |zh| < 1400.
   e^z = 2^k (1 + r + w), |r| <= 0.3466, w to ~2^-62 abs.  Returns t. */
RF_INLINE double rf__exp_reduce_d(double zh, double zl, double *r_out, double *w_out)
{
    double t = zh * RF__LOG2E_D + RF__MAGIC_D;
    double kd = t - RF__MAGIC_D;
    double rh = zh - kd * RF__L1_D;        /* exact */
    double d = zl - kd * RF__L2_D;
    double r = rh + d;
    double rho = d - (r - rh);
    *w_out = rf__expu_d(r) + (rho + rho * r);
    *r_out = r;
    return t;
}

/* 2^k = s1 * s2 from t (k = bits(t) - bits(MAGIC), |k| < 2046).
   k1 = rint(k/2) via the magic trick again (no 64-bit arithmetic shift,
   which AVX2 lacks); k2 = k - k1. */
RF_INLINE void rf__pow2split_d(double t, double *s1, double *s2)
{
    double kd = t - RF__MAGIC_D;
    double t1 = kd * 0.5 + RF__MAGIC_D;   /* exact product; rounds to an integer */
    uint64_t tb = rf__u64(t), t1b = rf__u64(t1);
    *s1 = rf__f64((t1b + 1023u) << 52);
    *s2 = rf__f64((tb - t1b + 1023u) << 52);
}

/* e^x.  Max error < 1 ulp; subnormal results correctly rounded. */
RF_INLINE double rf_expd(double x)
{
    double xc = x < -746.0 ? -746.0 : x;  /* e^-746 rounds to 0 */
    double r, w, s1, s2;
    double t = rf__exp_reduce_d(xc, 0.0, &r, &w);
    double q = r + w;
    double y;
    rf__pow2split_d(t, &s1, &s2);
    y = (s1 * q + s1) * s2;
    return x > 709.78271289338397 ? RF__INF_D : y;
}

/* e^x - 1, same scheme as rf_expm1f. */
RF_INLINE double rf_expm1d(double x)
{
    double xc = x < -40.0 ? -40.0 : x;    /* expm1 = -1 already */
    double r, w, s, h, hl, sr, a, al, y;
    double t = rf__exp_reduce_d(xc, 0.0, &r, &w);
    s = rf__f64((rf__u64(t) + 1022u) << 52);          /* 2^(k-1), k <= 1024 */
    h = s - 0.5;
    hl = (s - h) - 0.5;
    sr = s * r;
    a = h + sr;
    al = sr - (a - h);
    y = 2.0 * (a + (s * w + (al + hl)));
    y = x > 709.78271289338397 ? RF__INF_D : y;
    return rf__f64(rf__u64(y) | (rf__u64(x) & 0x8000000000000000ULL));
}

/* ------------------------------------------------------------------------ */
/* low-precision double exp for the float functions: e^z = s (1 + q),        */
/* |z| <= 700, relative err ~2^-32                                            */
/* ------------------------------------------------------------------------ */
RF_INLINE double rf__exp_lp(double z, double *s)
{
    double t = z * RF__LOG2E_D + RF__MAGIC_D;
    double kd = t - RF__MAGIC_D;
    double r = z - kd * RF__LN2_D;        /* error <= |k| 2^-53: fine for 2^-32 */
    *s = rf__f64((rf__u64(t) + 1023u) << 52);
    return r + rf__expu_lp(r);
}

/* ------------------------------------------------------------------------ */
/* sigmoid / SiLU                                                            */
/* ------------------------------------------------------------------------ */
/* float versions: double internally.  a = min(|x|, 120): e^-120 * 120 is
   below the float underflow threshold, so clamping changes no result. */
RF_INLINE float rf_sigmoid_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e;
    a = a > 120.0 ? 120.0 : a;
    q = rf__exp_lp(-a, &s);
    e = s * q + s;                        /* e^-|x| */
    return (float)((x >= 0.0 ? 1.0 : e) / (1.0 + e));
}

RF_INLINE float rf_silu_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e;
    a = a > 120.0 ? 120.0 : a;
    q = rf__exp_lp(-a, &s);
    e = s * q + s;
    /* x < 0: x e/(1+e) uses the clamped -a (x = -inf must not give -inf*0) */
    return (float)((x >= 0.0 ? x : -a * e) / (1.0 + e));
}

/* silu' = sigmoid(x) (1 + x (1 - sigmoid(x))) = N / (1+e)^2 with
   N = 1 + e (1 + x) for x >= 0, N = e ((1 + x) + e) for x < 0. */
RF_INLINE float rf_silu_grad_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e, d;
    a = a > 120.0 ? 120.0 : a;
    q = rf__exp_lp(-a, &s);
    e = s * q + s;
    d = e * (e + 2.0) + 1.0;              /* (1+e)^2, one rounding with FMA */
    return (float)((x >= 0.0 ? 1.0 + e * (1.0 + a) : e * ((1.0 - a) + e)) / d);
}

/* double versions.  a = min(|x|, 760): 760 e^-760 < 2^-1075. */
RF_INLINE double rf_sigmoid_d(double x)
{
    double a = rf__absd(x), r, w, q, s1, s2, m, d, t;
    a = a > 760.0 ? 760.0 : a;
    t = rf__exp_reduce_d(-a, 0.0, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    m = s1 * q + s1;                      /* e^-a / s2 */
    d = 1.0 + m * s2;
    return x >= 0.0 ? 1.0 / d : (m / d) * s2;   /* last scaling: only subnormal rounding */
}

RF_INLINE double rf_silu_d(double x)
{
    double a = rf__absd(x), r, w, q, s1, s2, m, n, d, t;
    a = a > 760.0 ? 760.0 : a;
    t = rf__exp_reduce_d(-a, 0.0, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    m = s1 * q + s1;
    d = 1.0 + m * s2;
    n = -a * q - a;                       /* -a e^r, one rounding with FMA */
    return x >= 0.0 ? x / d : ((n * s1) / d) * s2;
}

RF_INLINE double rf_silu_grad_d(double x)
{
    double a = rf__absd(x), r, w, q, s1, s2, m, e, d, b, t;
    a = a > 760.0 ? 760.0 : a;
    t = rf__exp_reduce_d(-a, 0.0, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    m = s1 * q + s1;
    e = m * s2;
    d = e * (e + 2.0) + 1.0;              /* (1+e)^2: one rounding (FMA) instead of three */
    b = (1.0 - a) + e;                    /* x < 0: 1 + x exact near the zero */
    b = b * q + b;                        /* b e^r */
    return x >= 0.0 ? (1.0 + e * (1.0 + a)) / d : ((b * s1) / d) * s2;
}

/* ------------------------------------------------------------------------ */
/* GELU (erf form)                                                           */
/* ------------------------------------------------------------------------ */
/* float: a = min(|x|, 15): |gelu(-15)| < 2^-150. */
RF_INLINE float rf_gelu_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, h, eq;
    a = a > 15.0 ? 15.0 : a;
    q = rf__exp_lp(-0.5 * (a * a), &s);   /* a*a exact: a has 24 bits */
    h = rf__mills_lp(a);
    eq = -a * ((h * q + h) * s);          /* -a Q(a), Q = 1 - Phi */
    return (float)(x >= 0.0 ? x + eq : eq);
}

/* gelu' = Phi(x) + x phi(x);  with D(a) = H(a) - a/sqrt(2pi):
   x < 0: e^{-a^2/2} D(a);  x >= 0: 1 - e^{-a^2/2} D(a).
   D vanishes at a = 0.7518 (the zero of gelu'): absolute error there. */
RF_INLINE float rf_gelu_grad_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, dd, m;
    a = a > 15.0 ? 15.0 : a;
    q = rf__exp_lp(-0.5 * (a * a), &s);
    dd = rf__mills_lp(a) - RF__INV_SQRT2PI * a;
    m = (dd * q + dd) * s;
    return (float)(x >= 0.0 ? 1.0 - m : m);
}

/* double: a = min(|x|, 39): |gelu(-39)| < 2^-1075.  exp(-a^2/2) with an
   exact double-double argument, two-step scaling for subnormal results. */
RF_INLINE double rf__gelu_core_d(double a, double *s1, double *s2)
{
    double ah = rf__f64(rf__u64(a) & 0xFFFFFFFFF8000000ULL);  /* 26 bits */
    double al = a - ah;                                        /* exact */
    double zh = -0.5 * (ah * ah);                              /* exact */
    double zl = -0.5 * (al * (a + ah));                        /* a^2 - ah^2 */
    double z = zh + zl, r, w, t;
    zl = zl - (z - zh);                                        /* Fast2Sum */
    t = rf__exp_reduce_d(z, zl, &r, &w);
    rf__pow2split_d(t, s1, s2);
    return r + w;                                              /* q: e^z = 2^k (1+q) */
}

/* gelu(x) = x + n (x >= 0) or n (x < 0), n = -a Q(a) = -a e^{-a^2/2}/den,
   den = 1/H(a) = sqrt(2pi) a + mu(a) (one rounding with FMA).  For x >= 0
   (and x <= 39), a = x and x + n = x Phi(x). */
RF_INLINE double rf_gelu_d(double x)
{
    double a = rf__absd(x), q, s1, s2, den, n;
    a = a > 39.0 ? 39.0 : a;
    q = rf__gelu_core_d(a, &s1, &s2);
    den = RF__SQRT2PI * a + rf__gelu_mu_d(a);
    n = -a * q - a;                       /* -a e^r, one rounding with FMA */
    n = ((n * s1) / den) * s2;            /* s1: exact, s2: only subnormal rounding */
    return x >= 0.0 ? x + n : n;
}

/* gelu' = Phi(x) + x phi(x):  with D(a) = H(a) - a/sqrt(2pi),
   x < 0: e^{-a^2/2} D(a);  x >= 0: 1 - e^{-a^2/2} D(a).
   D vanishes at a = 0.7518 (the zero of gelu'): absolute error there. */
RF_INLINE double rf_gelu_grad_d(double x)
{
    double a = rf__absd(x), q, s1, s2, dd, m;
    a = a > 39.0 ? 39.0 : a;
    q = rf__gelu_core_d(a, &s1, &s2);
    dd = 1.0 / (RF__SQRT2PI * a + rf__gelu_mu_d(a)) - RF__INV_SQRT2PI * a;
    m = (dd * q + dd) * s1;
    return x >= 0.0 ? 1.0 - m * s2 : m * s2;
}

/* ------------------------------------------------------------------------ */
/* GELU (tanh approximation) = x sigmoid(v), v = x (ALPHA + BETA x^2)        */
/* ------------------------------------------------------------------------ */
/* float: a = min(|x|, 12): v(12) = 142, 12 e^-142 < 2^-150. */
RF_INLINE float rf_gelu_tanh_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e;
    a = a > 12.0 ? 12.0 : a;
    q = rf__exp_lp(-(a * (RF__ALPHA + RF__BETA * (a * a))), &s);
    e = s * q + s;                        /* e^-|v| */
    return (float)((x >= 0.0 ? x : -a * e) / (1.0 + e));
}

/* d/dx = sigmoid(v) + x v' sigmoid(v)(1 - sigmoid(v)), v' = ALPHA + 3 BETA x^2.
   With e = e^-|v|, d = 1 + e, g = |x| v':  x >= 0: (d + g e)/d^2;  x < 0: e (d - g)/d^2. */
RF_INLINE float rf_gelu_tanh_grad_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e, d, aa, g;
    a = a > 12.0 ? 12.0 : a;
    aa = a * a;
    q = rf__exp_lp(-(a * (RF__ALPHA + RF__BETA * aa)), &s);
    e = s * q + s;
    d = 1.0 + e;
    g = a * (RF__ALPHA + RF__BETA3 * aa);
    return (float)((x >= 0.0 ? d + g * e : e * (d - g)) / (e * (e + 2.0) + 1.0));
}

/* double: v = a (ALPHA + BETA a^2) in double-double (~2^-70 relative).
   a = min(|x|, 24): v(24) = 1025, 24 e^-1025 = 0.  Returns t for e^-v. */
RF_INLINE double rf__gelu_tanh_core_d(double a, double *r, double *w)
{
    double ah = rf__f64(rf__u64(a) & 0xFFFFFFF000000000ULL);  /* 17 bits */
    double al = a - ah;                                        /* exact */
    double sh = ah * ah;                                       /* exact, 34 bits */
    double sl = al * (a + ah);                                 /* a^2 - sh */
    double bh = RF__BETA_H * sh;                               /* exact */
    double bl = RF__BETA_L * sh + RF__BETA * sl;
    double wh = RF__ALPHA + bh;                                /* 2Sum(ALPHA, bh) */
    double bb = wh - RF__ALPHA;
    double wl = ((RF__ALPHA - (wh - bb)) + (bh - bb)) + (bl + RF__ALPHA_L);
    double whh = rf__f64(rf__u64(wh) & 0xFFFFFFFFFFFE0000ULL); /* 36 bits */
    double vh = ah * whh;                                      /* exact */
    double vl = (ah * (wh - whh) + al * wh) + a * wl;
    double v = vh + vl;
    vl = vl - (v - vh);                                        /* Fast2Sum */
    return rf__exp_reduce_d(-v, -vl, r, w);
}

RF_INLINE double rf_gelu_tanh_d(double x)
{
    double a = rf__absd(x), r, w, q, s1, s2, m, n, d, t;
    a = a > 24.0 ? 24.0 : a;
    t = rf__gelu_tanh_core_d(a, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    m = s1 * q + s1;
    d = 1.0 + m * s2;
    n = -a * q - a;
    return x >= 0.0 ? x / d : ((n * s1) / d) * s2;
}

RF_INLINE double rf_gelu_tanh_grad_d(double x)
{
    double a = rf__absd(x), r, w, q, s1, s2, e, d, g, b, t;
    a = a > 24.0 ? 24.0 : a;
    t = rf__gelu_tanh_core_d(a, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    e = (s1 * q + s1) * s2;
    d = 1.0 + e;
    g = a * (RF__ALPHA + RF__BETA3 * (a * a));
    b = d - g;
    b = b * q + b;
    d = e * (e + 2.0) + 1.0;              /* (1+e)^2 */
    return x >= 0.0 ? ((1.0 + e) + g * e) / d : ((b * s1) / d) * s2;
}

#endif /* RELUFAST_VECMATH_H */
