/*
 * relufast/_vecmath.h -- branch-free, auto-vectorizable elementary functions
 * for the relufast kernels.  Header-only C99 (also valid C++).
 *
 * Every function is `static inline`, pure, calls no libm routine and has no
 * data-dependent branch: range handling uses ternary selects (if-converted
 * to blends by gcc; needs -fno-trapping-math) and integer bit manipulation
 * through memcpy bit casts (folded and vectorized by gcc).  A loop like
 *     for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1f(x[i]);
 * vectorizes with gcc -O3 -fno-trapping-math for SSE2, AVX2 and AVX-512
 * (tools/vecmath/check_vec.sh).
 *
 * Reproducibility: each result is a fixed sequence of IEEE operations on its
 * own element, so within one build the vector body and the scalar epilogue
 * give identical bits (checked on all test points, and on all 2^32 floats).
 * Builds may differ by an ulp from each other (gcc contracts a*b+c to FMA
 * on FMA targets); every step documented as exact is exact either way, and
 * each build meets the bounds.  Measured errors and speed: ACCURACY.md.
 *
 *   float  rf_expf(float)              double rf_expd(double)        e^x
 *   float  rf_expm1f(float)            double rf_expm1d(double)      e^x - 1
 *   float  rf_expm1_neg_f(float)       e^x - 1 for x <= 0 (the ELU form; NaN -> NaN)
 *   float  rf_exp_mul_neg_f(float x, float a)   double rf_exp_mul_neg_d(..)   a e^x, x <= 0
 *          (the ELU gradient: no underflow of e^x before the product; |a| <= 2^64,
 *          rf_exp_mul_neg_big_f/_d for any finite a)
 *   float  rf_exp_scaled_f(float t, float s)    double rf_exp_scaled_d(..)    s e^t
 *   float  rf_expm1_scaled_f(float t, float s)  double rf_expm1_scaled_d(..)  s (e^t - 1)
 *          (no intermediate overflow or underflow: celu with alpha < 0)
 *   float  rf_sigmoid_f(float)         double rf_sigmoid_d(double)   1/(1+e^-x)
 *   float  rf_silu_f(float)            double rf_silu_d(double)      x sigmoid(x)
 *   float  rf_silu_grad_f(float)       double rf_silu_grad_d(double)
 *          sigmoid(x) (1 + x (1 - sigmoid(x)))
 *   float  rf_gelu_f(float)            double rf_gelu_d(double)      x Phi(x)
 *   float  rf_gelu_grad_f(float)       double rf_gelu_grad_d(double) Phi(x) + x phi(x)
 *   float  rf_gelu_tanh_f(float)       double rf_gelu_tanh_d(double)
 *          0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
 *   float  rf_gelu_tanh_grad_f(float)  double rf_gelu_tanh_grad_d(double)
 *   float  rf_softplus1_f(float)       double rf_softplus1_d(double)  log(1 + e^x)
 *   float  rf_softplus_f(x, beta, 1/beta)  double rf_softplus_d(x, beta)
 *          log(1 + e^(beta x)) / beta, beta x exact (the caller selects x above the threshold)
 *   float  rf_sigmoid_lean_f(float)    double rf_sigmoid_lean_d(double)  (softplus')
 *   float  rf_softplus_grad_f(x, beta) double rf_softplus_grad_d(x, beta)  sigmoid(beta x)
 *   float  rf_mish_f(float)            double rf_mish_d(double)      x tanh(softplus(x))
 *   float  rf_mish_grad_f(float)       double rf_mish_grad_d(double)
 *          (methods: the softplus and mish section at the end)
 *
 * Methods
 *  - float exp/expm1: k = rint(z/ln2) by adding 1.5*2^23 ("magic number":
 *    k lands in the low mantissa bits, no float->int conversion, which is UB
 *    for NaN/huge); r = z - k ln2 with ln2 = L1 + L2 (k*L1 exact, with or
 *    without FMA), one rounding; e^r - 1 = r + r^2 P(r), P degree 4 (degree
 *    6 in all, sollya fit relative to e^r - 1: 1.4e-8).  expm1_neg:
 *    s p - (1 - s), s = 2^k, k in [-25, 0], one FMA, no cancellation.
 *    expm1: 2 (h + s r + s w), s = 2^(k-1), h = s - 1/2, summed exactly, with
 *    the rounding error of r carried: the k = 1, r < 0 cancellation is
 *    harmless.  exp: two-step scaling 2^k1 * 2^k2, the last multiply being the
 *    only rounding at subnormal precision (correct gradual underflow).
 *  - scaled forms: s = m 2^es (|m| in [1, 2)), the product m (e^t or e^t - 1
 *    at a bounded scale) with one rounding, then 2^(es + k - kc) in two steps.
 *  - double exp: as the float one with a degree-12 polynomial and the
 *    rounding error rho of r carried along.
 *  - float silu (FMA targets), and double silu: the lean form of the next
 *    item, one rounding of D = (1 + 2^-K) + q and one division without
 *    correction, s = a 2^-K / D formed at a scaled exponent so the last
 *    step (x - s, or -s) is a single rounding also for subnormal results.
 *    silu' (float on FMA targets, and double): m B / D^2 with D^2 as a
 *    float-float and the division corrected by its exact residual.
 *  - float sigmoid, tanh-GELU (in float): with v = |x| or |v(x)| and
 *    e^v = 2^K (1 + q): sigmoid(-v) = 2^-K / (1 + 2^-K + q), numerator exact
 *    (kept as 2^(64-K), so results down to 2^-150 are formed at normal
 *    precision), one division corrected by its exact residual, sigmoid(v)
 *    = 1 - sigmoid(-v).  tanh-GELU needs v = x (ALPHA + BETA x^2) as a float-
 *    float (a^2 and the products exact, 2Sum).  ~1 ulp.
 *  - float gelu, gelu' (in float, AVX-512): e^(-a^2/2) (a^2 split exactly)
 *    times a H(a) or (A0 - a) R(a), H and R polynomials in t = 1/(1 + a/4), t's
 *    rounding corrected to first order, float-float products, one final
 *    rounding: < 2 ulp.  AVX2 and SSE2 compute them in double (faster there).
 *  - float tanh-GELU' (and gelu, gelu' without AVX-512; silu, silu' without
 *    FMA) are computed in double (x^2 exact for a float x, no tail ever
 *    underflows in double) with short polynomials and rounded once to
 *    float: ~0.5 ulp.
 *  - Phi: with a = |x|, Q(a) = 1 - Phi(a) = exp(-a^2/2) H(a), H(a) =
 *    exp(a^2/2) Q(a) = Mills ratio/sqrt(2pi), smooth on [0, inf).  Phi(x) =
 *    Q(a) for x < 0 (relative accuracy to underflow, no 1+erf cancellation),
 *    1 - Q(a) for x >= 0.  H is ONE rational function of a (no case split):
 *    float P/Q of degree 5/6; double 1/H = 2 + sqrt(2pi) a + a nu(a) with a
 *    9/10 rational nu, whose evaluation error is damped.  exp(-a^2/2) gets an
 *    exact argument (double: a = ah + al, ah of 26 bits, ah^2 exact).
 *    gelu' uses D(a) = H(a) - a/sqrt(2pi) = (A0 - a) R(a), A0 the zero of
 *    gelu', with a fitted rational R: relative accuracy through the zero.
 *  - sigmoid: never exp of a positive argument.  float (in double): e =
 *    e^-|x|, sigmoid = 1/(1+e) or e/(1+e).  double: one reduction gives e^|x|
 *    and e^-|x| (even/odd polynomial); x < 0 uses 2^-k/((1 + 2^-k) + q) with
 *    an exact numerator.  tanh-GELU = x sigmoid(v), v = 2u = x (ALPHA + BETA
 *    x^2) (0.5 (1 + tanh u) = sigmoid(2u)); in double v is a double-double
 *    (its absolute error is the relative error of the tail, |v| reaches 1000).
 *  - derivative zeros (silu' at -1.2785, tanh-GELU' at -0.7525): the
 *    cancelling sums 1 + x + e^x and 1 + e - x v' are formed exactly around
 *    the zero, so only a tiny neighbourhood loses relative accuracy.
 *  - double gelu, gelu', silu', tanh-GELU' form their final products and
 *    quotient in double-double (2Sum; products by FMA where the target has
 *    it, else Dekker with mask splitting - exact either way) and correct the
 *    single division by its exact residual: <= 2 ulp instead of ~3-5 from
 *    five or six plain roundings, at ~2x the cost of the plain version.
 *  - Inputs are clamped (|x| to a bound beyond which the result is saturated)
 *    before anything can overflow; NaN passes every clamp and propagates
 *    (where a clamp is an integer min on the bits, which would turn NaN into
 *    the bound, the function's last select restores it).
 *  - Selects come last where they can: a select between a constant and a
 *    value that feeds a division lets gcc duplicate the division for both
 *    sides (it folds the constant side), so such values are made opaque.
 *
 * Special values: NaN -> NaN.  exp(-inf) = +0, exp(+inf) = expm1(+inf) = inf,
 * expm1(-inf) = -1, expm1(+-0) = +-0 (also expm1_neg; expm1_neg(x > 0) is
 * unspecified, never a trap).  Scaled forms: s e^(+inf) = s inf (NaN for
 * s = 0), s e^(-inf) = s 0, s (e^(-inf) - 1) = -s, s (e^(+-0) - 1) = s (+-0).  gelu, gelu_tanh, silu: f(+-0) = +-0,
 * f(+inf) = inf, f(-inf) = -0.0.  sigmoid(-inf) = +0, sigmoid(+inf) = 1.
 * All gradients: f'(+-0) = 0.5, f'(+inf) = 1, f'(-inf) = -0.0 (the limit is
 * approached from below).  Large negative x gives correctly rounded
 * subnormals, then -0.0 (odd functions, gradients) or +0 (sigmoid, exp).
 * Assumes round-to-nearest and no FTZ/DAZ (else subnormal results flush).
 */
#ifndef RELUFAST_VECMATH_H
#define RELUFAST_VECMATH_H

#include <stdint.h>
#include <string.h>

#if defined(_MSC_VER) && !defined(__cplusplus)
#define RF_INLINE static __inline
#elif defined(__GNUC__)
/* always inlined: a loop vectorizes only with its element function inlined, and gcc's limit
 * on how much a translation unit may grow by inlining (the kernels are one unit, a few
 * hundred loops) otherwise picks which of them stay calls (tools/vecreport.py saw the
 * baseline build's float64 gelu_tanh derivative loop fall out when the fused bias added
 * loops) */
#define RF_INLINE static inline __attribute__((always_inline))
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

/* Error-free transformations (exact with or without FMA contraction):
   2Sum: a + b = s + err;  product a b = p + lo: with an FMA target
   fma(a, b, -p), else Dekker's product with 26-bit mask splitting (lo exact
   to ~2^-106 |ab|; same results in practice). */
RF_INLINE double rf__two_sum_d(double a, double b, double *err)
{
    double s = a + b, bb = s - a;
    *err = (a - (s - bb)) + (b - bb);
    return s;
}
RF_INLINE double rf__two_prod_d(double a, double b, double *lo)
{
    double p = a * b;
#if (defined(__FMA__) || defined(__AVX512F__)) && (defined(__GNUC__) || defined(__clang__))
    *lo = __builtin_fma(a, b, -p);        /* inline vfmadd (never a libm call here) */
#else
    double ah = rf__f64(rf__u64(a) & 0xFFFFFFFFF8000000ULL), al = a - ah;
    double bh = rf__f64(rf__u64(b) & 0xFFFFFFFFF8000000ULL), bl = b - bh;
    *lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
    return p;
}

#if (defined(__FMA__) || defined(__AVX512F__)) && (defined(__GNUC__) || defined(__clang__))
#define RF__HAS_FMA 1
#else
#define RF__HAS_FMA 0
#endif

/* float product a b = p + *lo exactly: FMA, else Dekker with 12-bit mask
   splitting (exact for normal operands without overflow) */
RF_INLINE float rf__two_prod_f(float a, float b, float *lo)
{
    float p = a * b;
#if RF__HAS_FMA
    *lo = __builtin_fmaf(a, b, -p);
#else
    float ah = rf__f32(rf__u32(a) & 0xFFFFF000u), al = a - ah;
    float bh = rf__f32(rf__u32(b) & 0xFFFFF000u), bl = b - bh;
    *lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
    return p;
}

/* ------------------------------------------------------------------------ */
/* constants                                                                */
/* ------------------------------------------------------------------------ */
#define RF__INF_F        rf__f32(0x7F800000u)
#define RF__INF_D        rf__f64(0x7FF0000000000000ULL)
/* float exp: t = x*log2e + 1.5*2^23 holds k = rint(x*log2e) in its low bits */
#define RF__MAGIC_F      12582912.0f                  /* 0x1.8p23 */
#define RF__MAGIC_F_BITS 0x4B400000u
#define RF__LOG2E_F      1.44269502f
#define RF__L1_F         0.693145752f                 /* ln2, 15 bits: k*L1 exact for |k| < 512 */
#define RF__L2_F         1.42860677e-06f              /* ln2 - L1 */
#define RF__LN2_F        0.693147182f                 /* ln2 rounded to float */
/* double exp */
#define RF__MAGIC_D      6755399441055744.0           /* 0x1.8p52 */
#define RF__LOG2E_D      1.4426950408889634
#define RF__LN2_D        0.69314718055994529
#define RF__L1_D         0.69314718055989033          /* ln2, 42 bits: k*L1 exact for |k| < 2048 */
#define RF__L2_D         5.4979230187083712e-14       /* ln2 - L1 */
#define RF__L1S_D        0.6931471805601177           /* ln2, 40 bits: k*L1S exact for |k| < 8192 */
#define RF__L2S_D        (-1.7239444525614835e-13)    /* ln2 - L1S */
#define RF__INV_SQRT2PI  0.3989422804014327           /* 1/sqrt(2 pi) */
#define RF__SQRT2PI_H    2.5066282749176025           /* 26 bits */
#define RF__SQRT2PI_L    (-2.8660203664673471e-10)    /* sqrt(2 pi) - SQRT2PI_H */
/* tanh-GELU: 2u = ALPHA*x + BETA*x^3, ALPHA = 2 sqrt(2/pi), BETA = 0.044715*ALPHA */
#define RF__ALPHA        1.5957691216057308
#define RF__ALPHA_L      (-9.9693088091109202e-17)    /* ALPHA - (double)ALPHA */
#define RF__BETA         0.071354816272600249
#define RF__BETA_H       0.071354866027832031         /* 17 bits: BETA_H*s exact for 34-bit s */
#define RF__BETA_L       (-4.975523178247366e-08)     /* BETA - BETA_H */
#define RF__BETA3        0.21406444881780073          /* 3*BETA */

/* ------------------------------------------------------------------------ */
/* polynomials and rationals: tools/vecmath/fit/ (sollya fpminimax, and an   */
/* mpmath Lawson iteration for the rationals); all relative minimax          */
/* ------------------------------------------------------------------------ */
/* Estrin-scheme evaluation c0 + c1 x + ... (x2 = x^2, x4 = x^4, x8 = x^8).
   Where the exp polynomial is the critical path of the loop (double exp,
   expm1, the ELU gradient, silu' and tanh-GELU'), the loops were bound by
   the latency of Horner's chain, not by the FMA ports, so the degree-12 exp
   polynomial is evaluated in Estrin form there (docs/performance.md has the
   figures).  Where the exp runs beside a longer chain (double gelu) Horner's
   fewer operations win (rf__expu_hd); the float polynomials and the rationals
   are no faster in Estrin form, and gelu''s rho loses accuracy in it, so they
   stay Horner. */
#define RF__E2(x, c0, c1)                 ((c1) * (x) + (c0))
#define RF__E4(x, x2, c0, c1, c2, c3)     (RF__E2(x, c2, c3) * (x2) + RF__E2(x, c0, c1))
#define RF__E8(x, x2, x4, c0, c1, c2, c3, c4, c5, c6, c7) \
    (RF__E4(x, x2, c4, c5, c6, c7) * (x4) + RF__E4(x, x2, c0, c1, c2, c3))
#define RF__E10(x, x2, x4, x8, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9) \
    (RF__E2(x, c8, c9) * (x8) + RF__E8(x, x2, x4, c0, c1, c2, c3, c4, c5, c6, c7))
#define RF__E11(x, x2, x4, x8, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10) \
    (((c10) * (x2) + RF__E2(x, c8, c9)) * (x8) + RF__E8(x, x2, x4, c0, c1, c2, c3, c4, c5, c6, c7))

/* e^r - 1 - r = r^2 P(r) on |r| <= 0.3466, float coefficients, degree 6 in
   all, relative err of e^r - 1: 1.4e-8 (fit/fit_exp.sol: fitted relative to
   e^r - 1, so also good for e^r = 1 + q).  Returns r^2 P(r). */
RF_INLINE float rf__expm1_w_f(float r)
{
    float p = 1.38645305e-3f;
    p = p * r + 8.36653355e-3f;
    p = p * r + 4.16675024e-2f;
    p = p * r + 0.166665435f;
    p = p * r + 0.49999997f;
    return (r * r) * p;
}
/* e^r - 1 (one FMA: r^2 P + r) */
#define rf__expm1_poly_f(r) (rf__expm1_w_f(r) + (r))

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

/* e^r - 1 - r on |r| <= 0.3466, degree 12, relative err 3.1e-18:
   Horner (rf__expu_hd) where the caller is throughput-bound (its exp runs
   beside a longer chain: gelu), Estrin (rf__expu_d) where the chain is the
   critical path */
RF_INLINE double rf__expu_hd(double r)
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

RF_INLINE double rf__expu_d(double r)
{
    double r2 = r * r, r4 = r2 * r2;
    double p = RF__E11(r, r2, r4, r4 * r4, 0.5, 0.16666666666666671, 0.041666666666666644,
                       0.0083333333333259017, 0.0013888888888905044, 0.00019841269875389421,
                       2.4801587271879556e-05, 2.7557254849863536e-06, 2.7557326901223377e-07,
                       2.5105401456978409e-08, 2.0896476531151727e-09);
    return r2 * p;
}

/* the same polynomial split in even and odd parts, giving u(r) and u(-r)
   together: u(+-r) = r^2 (Pe(r^2) +- r Po(r^2)) */
RF_INLINE void rf__expu2_d(double r, double *up, double *um)
{
    double s = r * r, pe, po;
    pe = 2.0896476531151727e-09;         po = 2.5105401456978409e-08;
    pe = pe * s + 2.7557326901223377e-07; po = po * s + 2.7557254849863536e-06;
    pe = pe * s + 2.4801587271879556e-05; po = po * s + 0.00019841269875389421;
    pe = pe * s + 0.0013888888888905044;  po = po * s + 0.0083333333333259017;
    pe = pe * s + 0.041666666666666644;   po = po * s + 0.16666666666666671;
    pe = pe * s + 0.5;
    po = r * po;
    *up = s * (pe + po);
    *um = s * (pe - po);
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

/* nu(a) = (1/H(a) - 2 - sqrt(2 pi) a)/a on [0, 39], rational 9/10 fitted for
   the relative error of H = 1/(2 + a (sqrt(2 pi) + nu(a))): 2.0e-18
   (7.1e-18 with the coefficients rounded).  nu goes from -0.91 to ~-2/a, so
   its own evaluation error reaches H damped by a|nu|/(2 + a(sqrt(2pi)+nu)),
   and 1/H near a = 0 has a single rounding (of 2 + a w). */
RF_INLINE double rf__gelu_nu_d(double a)
{
    double p = -1.0122676368613931e-06, q = 5.0613381843343192e-07;
    p = p * a - 2.9675108348877091e-05;  q = q * a + 1.5471898843876402e-05;
    p = p * a - 0.00042686449987321221;  q = q * a + 0.00023282339954421651;
    p = p * a - 0.0039014450007061039;   q = q * a + 0.0022412546659373732;
    p = p * a - 0.02479838612495297;     q = q * a + 0.015169407049320564;
    p = p * a - 0.11336086103959848;     q = q * a + 0.075115200858997172;
    p = p * a - 0.37291621207284337;     q = q * a + 0.27517705008852306;
    p = p * a - 0.85502456517414027;     q = q * a + 0.73724115444890759;
    p = p * a - 1.2519748860006112;      q = q * a + 1.3883710852476672;
    p = p * a - 0.91085915302526921;     q = q * a + 1.6744788979393785;
                                         q = q * a + 1.0;
    return p / q;
}

/* ------------------------------------------------------------------------ */
/* float exp / expm1 (native float arithmetic)                               */
/* ------------------------------------------------------------------------ */
/* z -> k = rint(z/ln2), r = z - k ln2 (|r| <= 0.3466); returns the magic
   sum t, whose low mantissa bits hold k.  z - k*L1 is exact (k*L1 exact
   for |k| < 256, Sterbenz; with FMA the fused form is exact too), so r has
   one rounding: |error| <= 2^-26. */
RF_INLINE float rf__reduce_f(float z, float *r)
{
    float t = z * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float rh = z - kf * RF__L1_F;
    *r = rh - kf * RF__L2_F;
    return t;
}

/* e^x - 1 for x <= 0 (the ELU form), x = NaN gives NaN; for x > 0 the
   result is unspecified (it is finite garbage or inf, never a trap, so a
   select `x > 0 ? .. : rf_expm1_neg_f(x)` may evaluate it everywhere).
   e^x - 1 = s p - (1 - s) with s = 2^k (k in [-25, 0]) and p = e^r - 1:
   1 - s is exact for k >= -24 and s p is exact, so one rounding (FMA) or
   two (s p exact, then the subtraction) follow the polynomial.  At k = -25
   (x < -16.98) 1 - s rounds to 1, costing < 0.71 ulp there.  The sign of
   x is ORed in: it only matters for x = -0 (-0 - (+0) would give +0). */
RF_INLINE float rf_expm1_neg_f(float x)
{
    float xc = x < -17.5f ? -17.5f : x;   /* e^-17.5 < 2^-25: result -1 */
    float t = xc * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    /* one constant: |k| <= 25 here, so k (ln2 - LN2_F) < 5e-8 absolute,
       which e^x's small weight in e^x - 1 (for k <= -1) makes harmless;
       x - k*LN2_F is exact with FMA and, without, k*LN2_F rounds by at
       most 2^-20 where e^x < 2^-23 */
    float r = xc - kf * RF__LN2_F;
    float p, s, y;
    p = rf__expm1_poly_f(r);
    s = rf__f32((rf__u32(t) + 127u) << 23);           /* 2^k (magic bits shift out) */
    y = s * p - (1.0f - s);
    return rf__f32(rf__u32(y) | (rf__u32(x) & 0x80000000u));
}

/* e^x - 1 for every x.  With s = 2^(k-1) (k <= 128) and h = s - 1/2:
   e^x - 1 = 2 (h + s r + s w), w = e^r - 1 - r.  s r and s w are exact
   scalings, h + s r is summed exactly (Fast2Sum, |h| >= |s r|, h = 0 at
   k = 0) and h's own rounding error (k > 24 only) is carried in hl: the
   k = 1, r < 0 cancellation costs nothing.  x > 88.8 is clamped
   to 88.8, which overflows to inf in the doubling, as do all x above the
   threshold 88.7228.  |x| < 2^-25 returns x (keeps -0 and subnormals, which
   the scaling by 1/2 would round). */
RF_INLINE float rf_expm1f(float x)
{
    float xc = x < -17.5f ? -17.5f : (x > 88.8f ? 88.8f : x);
    float r, w, s, h, hl, sr, a, al, y;
    float t = xc * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float rh = xc - kf * RF__L1_F;        /* exact */
    float d = -(kf * RF__L2_F);
    r = rh + d;
    /* e^(r + rho) = e^r (1 + rho): rho = the rounding error of r (Fast2Sum;
       when |rh| < |d| its error is < 2^-33), which the k = 1 cancellation
       would otherwise amplify 3 times */
    w = rf__expm1_w_f(r) + (d - (r - rh)) * (1.0f + r);
    s = rf__f32((rf__u32(t) + 126u) << 23);           /* 2^(k-1) */
    h = s - 0.5f;
    hl = (s - h) - 0.5f;                  /* exact */
    sr = s * r;
    a = h + sr;
    al = sr - (a - h);                    /* exact */
    y = a + (s * w + (al + hl));
    y = y + y;
    return rf__f32(rf__u32(x) & 0x7FFFFFFFu) < 2.98023224e-08f ? x : y;   /* 2^-25 */
}

/* e^x; subnormal results correctly rounded (two-step scaling). */
RF_INLINE float rf_expf(float x)
{
    float xc = x < -104.0f ? -104.0f : (x > 88.8f ? 88.8f : x); /* e^-104 < 2^-150 */
    float r, p;
    float t = rf__reduce_f(xc, &r);
    /* k = bits(t) - MAGIC_BITS in [-150, 128];  kb = k + 150 >= 0.
       2^k = 2^k1 * 2^k2 with k1 = floor(kb/2) - 75, k2 = k - k1, both normal */
    uint32_t kb = rf__u32(t) - (RF__MAGIC_F_BITS - 150u);
    uint32_t h = kb >> 1;
    float s1 = rf__f32((h + (127u - 75u)) << 23);
    float s2 = rf__f32((kb - h + (127u - 75u)) << 23);
    p = rf__expm1_poly_f(r);
    return (s1 * p + s1) * s2;            /* s1*p exact: one rounding, then the
                                             only subnormal-precision rounding;
                                             k = 128 overflows to inf here */
}

/* ------------------------------------------------------------------------ */
/* scaled float exp / expm1: s e^t and s (e^t - 1) without intermediate      */
/* overflow or underflow                                                    */
/* ------------------------------------------------------------------------ */
/* For celu with alpha < 0 (t = x/alpha > 0, |alpha| < 1: e^t may overflow
   while alpha (e^t - 1) does not) and its gradient grad e^t.  s is split
   into m 2^es, |m| in [1, 2) (subnormal s first scaled by 2^100), the
   product m (e^t or e^t - 1 at scale 2^kc) is formed with one rounding
   (FMA) and 2^(es + k - kc) applied in two steps, the first never rounding
   unless the result is below 2^-126 anyway.  t is clamped (s e^200
   overflows for every nonzero float, s e^-200 underflows for every finite
   one) and g = (t1 - tc) + 1 restores t = +inf (g = inf: s inf, NaN for
   s = 0) and NaN.  s = +-0, +-inf, NaN give s times the sign of the
   factor.  NaN t or s gives NaN. */
RF_INLINE float rf__pow2_f(float kf)          /* 2^kf, kf integral, kf in [-126, 127] */
{
    return rf__f32((rf__u32(kf + RF__MAGIC_F) + 127u) << 23);
}

/* a e^x for x <= 0 (the ELU gradient sa e^x), rounded once: e^x alone is
   subnormal below x = -87.3 and would lose the digits that a large a brings
   back into the normal range.  x > 0 is clamped to 0 (gives a: cheaper
   than leaving it unclamped, measured 2x); NaN x gives NaN.
   rf_exp_mul_neg_f: |a| <= 2^64.  x is clamped at -150 (a e^-150 < 2^-152
   underflows), so k in [-216, 0] and 2^k = s1 s2 with both factors normal
   (the two-step scaling of rf_expf): a s1 is exact, one FMA rounds
   a s1 (1 + p), the scaling by s2 is exact in the normal range.  Costs one
   multiplication more than rf_expf.
   rf_exp_mul_neg_big_f: any finite a.  x clamped at -200 (a e^-200
   underflows for every float a), k in [-289, 0], three factors 2^k1 2^k2
   2^k3, each normal, with k1 = rint(k/3) - 1 <= -1 so that a 2^k1 (1 + p)
   cannot overflow where the result does not (1 + p < 1.42). */
RF_INLINE float rf_exp_mul_neg_f(float x, float a)
{
    float xc = x < -150.0f ? -150.0f : (x > 0.0f ? 0.0f : x);   /* clamped above too: faster, docs/performance.md */
    float r, p, u;
    float t = rf__reduce_f(xc, &r);
    uint32_t kb = rf__u32(t) - (RF__MAGIC_F_BITS - 216u);       /* k + 216 */
    uint32_t h = kb >> 1;
    float s1 = rf__f32((h + (127u - 108u)) << 23);
    float s2 = rf__f32((kb - h + (127u - 108u)) << 23);
    p = rf__expm1_poly_f(r);
    u = a * s1;
    return (u * p + u) * s2;
}

RF_INLINE float rf_exp_mul_neg_big_f(float x, float a)
{
    float xc = x < -200.0f ? -200.0f : (x > 0.0f ? 0.0f : x);
    float r, p, k1, k2, k3, u;
    float t = rf__reduce_f(xc, &r);
    float kf = t - RF__MAGIC_F;
    k1 = ((kf * 0.333333343f + RF__MAGIC_F) - RF__MAGIC_F) - 1.0f;
    k2 = ((kf - k1) * 0.5f + RF__MAGIC_F) - RF__MAGIC_F;
    k3 = (kf - k1) - k2;
    p = rf__expm1_poly_f(r);
    u = a * rf__pow2_f(k1);
    return ((u * p + u) * rf__pow2_f(k2)) * rf__pow2_f(k3);
}

/* s = m 2^es, |m| in [1, 2), for finite nonzero s (0, inf, NaN: garbage,
   the callers select s there: rf__if_regular_f) */
/* y where s is finite and nonzero, else o (two selects: NaN fails both) */
RF_INLINE float rf__if_regular_f(float s, float y, float o)
{
    float sa = rf__f32(rf__u32(s) & 0x7FFFFFFFu);
    float y1 = sa > 0.0f ? y : o;
    return sa < RF__INF_F ? y1 : o;
}
RF_INLINE float rf__split_f(float s, float *es)
{
    float sa = rf__f32(rf__u32(s) & 0x7FFFFFFFu);
    int tiny = sa < 7.88860905e-31f;                   /* 2^-100 */
    float sn = s * (tiny ? 1.26765060e+30f : 1.0f);    /* 2^100: exact */
    uint32_t e = (rf__u32(sn) >> 23) & 0xFFu;
    *es = (float)(int32_t)e - (tiny ? 227.0f : 127.0f);
    return rf__f32((rf__u32(sn) & 0x807FFFFFu) | 0x3F800000u);
}

/* y 2^K in two steps, K integral (clamped: y in [2^-30, 2^70) here) */
RF_INLINE float rf__ldexp2_f(float y, float K)
{
    float Kc = K < -252.0f ? -252.0f : (K > 254.0f ? 254.0f : K);
    float K1 = (Kc * 0.5f + RF__MAGIC_F) - RF__MAGIC_F;   /* rint(K/2) */
    return (y * rf__pow2_f(K1)) * rf__pow2_f(Kc - K1);
}

RF_INLINE float rf_exp_scaled_f(float t, float s)
{
    float t1 = t < -200.0f ? -200.0f : t;
    float tc = t1 > 200.0f ? 200.0f : t1;
    float g = (t1 - tc) + 1.0f;
    float tt = tc * RF__LOG2E_F + RF__MAGIC_F;
    float kf = tt - RF__MAGIC_F;                       /* |k| <= 289 */
    float rh = tc - kf * RF__L1_F;                     /* exact */
    float r = rh - kf * RF__L2_F;
    float q = rf__expm1_poly_f(r);
    float es, m, y;
    m = rf__split_f(s, &es);
    y = rf__ldexp2_f(m * q + m, kf + es);
    y = rf__if_regular_f(s, y, s);
    return y * g;
}

RF_INLINE float rf_expm1_scaled_f(float t, float s)
{
    float t1 = t < -18.0f ? -18.0f : t;                /* e^t - 1 = -1 below */
    float tc = t1 > 200.0f ? 200.0f : t1;
    float g = (t1 - tc) + 1.0f;
    float tt = tc * RF__LOG2E_F + RF__MAGIC_F;
    float kf = tt - RF__MAGIC_F;                       /* k in [-26, 289] */
    float rh = tc - kf * RF__L1_F;                     /* exact */
    float d = -(kf * RF__L2_F);
    float r = rh + d;
    /* w = e^(r + rho) - 1 - r with rho the rounding error of r (see rf_expm1f) */
    float w = rf__expm1_w_f(r) + (d - (r - rh)) * (1.0f + r);
    float kc = kf > 64.0f ? 64.0f : kf;
    /* e^t - 1 = 2^(k - kc) (h + S r + S w), S = 2^kc, h = S - 2^(kc - k):
       for k > kc (k > 64) the -2^(kc - k) is below 2^-64 relative and
       dropped; h + S r summed exactly as in rf_expm1f, h's own rounding
       (kc > 24) carried in hl */
    float S = rf__pow2_f(kc);
    float h = S - 1.0f;
    float hl = (S - h) - 1.0f;                         /* exact */
    float sr = S * r;
    float a = h + sr;
    float al = sr - (a - h);                           /* exact */
    float e = S * w + (al + hl);
    float es, m, y;
    m = rf__split_f(s, &es);
    y = rf__two_prod_f(m, a, &al);                     /* m a exactly (al reused) */
    y = rf__ldexp2_f(y + (al + m * e), (kf - kc) + es);
    y = rf__if_regular_f(s, y, s * a);
    y = y * g;
    /* |t| < 2^-25: e^t - 1 rounds to t; s t keeps the sign of zero and
       subnormal t (where m a would be subnormal) */
    return rf__f32(rf__u32(t) & 0x7FFFFFFFu) < 2.98023224e-08f ? s * t : y;
}

/* ------------------------------------------------------------------------ */
/* double exp core                                                           */
/* ------------------------------------------------------------------------ */
/* z = zh + zl with |zl| <= ulp(zh)/2 (or zl = 0), |zh| < 1400.
   e^z = 2^k (1 + r + w), |r| <= 0.3466, w to ~2^-62 abs.  Returns t. */
RF_INLINE double rf__exp_reduce_x_d(double zh, double zl, double *r_out, double *w_out,
                                    int estrin)
{
    double t = zh * RF__LOG2E_D + RF__MAGIC_D;
    double kd = t - RF__MAGIC_D;
    double rh = zh - kd * RF__L1_D;        /* exact */
    double d = zl - kd * RF__L2_D;
    double r = rh + d;
    double rho = d - (r - rh);
    *w_out = (estrin ? rf__expu_d(r) : rf__expu_hd(r)) + (rho + rho * r);
    *r_out = r;
    return t;
}
#define rf__exp_reduce_d(zh, zl, r_out, w_out) rf__exp_reduce_x_d(zh, zl, r_out, w_out, 1)

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

/* e^z and e^-z from one reduction: e^z = 2^k (1 + r + wp), e^-z = 2^-k (1 - r + wm). */
RF_INLINE double rf__exp_reduce2_d(double zh, double zl, double *r_out, double *wp, double *wm)
{
    double t = zh * RF__LOG2E_D + RF__MAGIC_D;
    double kd = t - RF__MAGIC_D;
    double rh = zh - kd * RF__L1_D;
    double d = zl - kd * RF__L2_D;
    double r = rh + d, up, um;
    double rho = d - (r - rh);
    rf__expu2_d(r, &up, &um);
    *wp = up + (rho + rho * r);
    *wm = um - (rho - rho * r);
    *r_out = r;
    return t;
}

/* 2^-k = m1 * m2 (the reciprocals of rf__pow2split_d's factors) */
RF_INLINE void rf__pow2split_neg_d(double t, double *m1, double *m2)
{
    double kd = t - RF__MAGIC_D;
    double t1 = kd * 0.5 + RF__MAGIC_D;
    uint64_t tb = rf__u64(t), t1b = rf__u64(t1);
    *m1 = rf__f64((0x43380000000003FFULL - t1b) << 52);
    *m2 = rf__f64((t1b - tb + 1023u) << 52);
}

/* e^x; subnormal results correctly rounded (two-step scaling). */
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
    return rf__absd(x) < 5.5511151231257827e-17 ? x : y;   /* 2^-54 */
}

/* e^x - 1 for x <= 0 (the ELU form), the double twin of rf_expm1_neg_f:
   unspecified for x > 0 (finite garbage or inf, never a trap), NaN gives
   NaN.  x clamped at -38.5 (e^-38.5 < 2^-55: the result rounds to -1), so
   k in [-56, 0] and s = 2^k is normal.  With p = e^r - 1 = r + w:
   e^x - 1 = (s - 1) + s r + s w; s - 1 and s r are exact, their sum h is
   formed by Fast2Sum (|s - 1| >= |s r| for k <= -1, s - 1 = 0 at k = 0)
   and its error hl carried, so the result has one rounding after the
   polynomial's.  Two-constant reduction (k L1 exact for |k| < 2048); the
   rounding of r (2^-53 |r|) weighs e^x/|e^x - 1| < 2.5 where it matters.
   The polynomial is one degree below rf__expu_d's (11: relative error of
   e^r - 1 3.7e-17, fit/fit_exp.sol), 10% faster; worst 1.24 ulp measured on
   4e7 points against expm1l.  x = -0 is returned as it is. */
RF_INLINE double rf_expm1_neg_d(double x)
{
    double xc = x < -38.5 ? -38.5 : x;
    double t = xc * RF__LOG2E_D + RF__MAGIC_D;
    double kd = t - RF__MAGIC_D;
    double r = (xc - kd * RF__L1_D) - kd * RF__L2_D;
    double r2 = r * r, r4 = r2 * r2;
    double w = r2 * RF__E10(r, r2, r4, r4 * r4, 0.50000000000000011, 0.16666666666666644,
                            0.041666666666623255, 0.0083333333333563062, 0.0013888888917453685,
                            0.00019841269784768735, 2.4801521047431779e-05, 2.7557355136372459e-06,
                            2.7620175266769506e-07, 2.5068365840266107e-08);
    double s = rf__f64((rf__u64(t) + 1023u) << 52);  /* 2^k (magic bits shift out) */
    double sm = s - 1.0, sr = s * r;
    double h = sm + sr;
    double hl = sr - (h - sm);
    double y = h + (s * w + hl);
    return x == 0.0 ? x : y;   /* -0 (a bit OR, as in the float version, stops SSE2 vectorizing) */
}

/* ------------------------------------------------------------------------ */
/* scaled double exp / expm1 (see the float versions): t clamped to          */
/* [-1500, 1500] (s e^1500 overflows for every nonzero double s), kc = k     */
/* clamped to <= 128 for expm1.  s = 0, inf, NaN and subnormal s take the    */
/* unnormalized path s (e^r..) 2^k (exact there, up to one subnormal         */
/* rounding when t < 0).                                                     */
/* ------------------------------------------------------------------------ */
RF_INLINE double rf__pow2_d(double kd)        /* 2^kd, kd integral, kd in [-1022, 1023] */
{
    return rf__f64((rf__u64(kd + RF__MAGIC_D) + 1023u) << 52);
}

/* a e^x for x <= 0, as the float versions.  rf_exp_mul_neg_d: |a| <= 2^64,
   x clamped at -800 (a e^-800 underflows), 2^k = s1 s2 (rf__pow2split_d),
   each >= 2^-577.  rf_exp_mul_neg_big_d: any finite a, x clamped at -1500,
   k in [-2165, 0], three factors each >= 2^-723. */
RF_INLINE double rf_exp_mul_neg_d(double x, double a)
{
    double xc = x < -800.0 ? -800.0 : (x > 0.0 ? 0.0 : x);
    double r, w, q, s1, s2, u;
    double t = rf__exp_reduce_d(xc, 0.0, &r, &w);
    q = r + w;
    rf__pow2split_d(t, &s1, &s2);
    u = a * s1;
    return (u * q + u) * s2;
}

RF_INLINE double rf_exp_mul_neg_big_d(double x, double a)
{
    double xc = x < -1500.0 ? -1500.0 : (x > 0.0 ? 0.0 : x);
    double r, w, q, k1, k2, k3, u;
    double t = rf__exp_reduce_d(xc, 0.0, &r, &w);
    double kd = t - RF__MAGIC_D;
    q = r + w;
    k1 = ((kd * 0.33333333333333331 + RF__MAGIC_D) - RF__MAGIC_D) - 1.0;
    k2 = ((kd - k1) * 0.5 + RF__MAGIC_D) - RF__MAGIC_D;
    k3 = (kd - k1) - k2;
    u = a * rf__pow2_d(k1);
    return ((u * q + u) * rf__pow2_d(k2)) * rf__pow2_d(k3);
}

/* s = m 2^es, |m| in [1, 2), for normal s (0, subnormal, inf, NaN:
   garbage; the callers take another path there, rf__if_normal_d) */
/* y where s is normal and finite, else o (two selects: NaN fails both) */
RF_INLINE double rf__if_normal_d(double s, double y, double o)
{
    double sa = rf__absd(s);
    double y1 = sa >= 2.2250738585072014e-308 ? y : o;
    return sa < RF__INF_D ? y1 : o;
}
RF_INLINE double rf__split_d(double s, double *es)
{
    uint64_t e = (rf__u64(s) >> 52) & 0x7FFu;
    /* e to double without a 64-bit integer conversion (none in AVX2) */
    *es = (rf__f64(0x4330000000000000ULL | e) - 4503599627370496.0) - 1023.0;
    return rf__f64((rf__u64(s) & 0x800FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
}

RF_INLINE double rf__ldexp2_d(double y, double K)
{
    double Kc = K < -2044.0 ? -2044.0 : (K > 2046.0 ? 2046.0 : K);
    double K1 = (Kc * 0.5 + RF__MAGIC_D) - RF__MAGIC_D;
    return (y * rf__pow2_d(K1)) * rf__pow2_d(Kc - K1);
}

/* reduction for |t| <= 1500: e^t = 2^k (1 + r + w), w to ~2^-62 absolute */
RF_INLINE double rf__reduce_s_d(double t, double *r_out, double *w_out)
{
    double tt = t * RF__LOG2E_D + RF__MAGIC_D;
    double kd = tt - RF__MAGIC_D;
    double rh = t - kd * RF__L1S_D;                    /* exact */
    double d = -(kd * RF__L2S_D);
    double r = rh + d;
    double rho = d - (r - rh);
    *w_out = rf__expu_d(r) + (rho + rho * r);
    *r_out = r;
    return kd;
}

RF_INLINE double rf_exp_scaled_d(double t, double s)
{
    double t1 = t < -1500.0 ? -1500.0 : t;
    double tc = t1 > 1500.0 ? 1500.0 : t1;
    double g = (t1 - tc) + 1.0;
    double r, w, kd, kp, es, m, y;
    kd = rf__reduce_s_d(tc, &r, &w);
    m = rf__split_d(s, &es);
    y = rf__ldexp2_d(m * (r + w) + m, kd + es);
    /* s = 0, subnormal, inf, NaN: (s 2^kp) (1 + q) 2^(k - kp), kp =
       clamp(k, 0, 1023): s 2^kp is exact or a legitimate overflow */
    kp = kd < 0.0 ? 0.0 : (kd > 1023.0 ? 1023.0 : kd);
    y = rf__if_normal_d(s, y, rf__ldexp2_d((s * rf__pow2_d(kp)) * (1.0 + (r + w)), kd - kp));
    return y * g;
}

RF_INLINE double rf_expm1_scaled_d(double t, double s)
{
    double t1 = t < -40.0 ? -40.0 : t;
    double tc = t1 > 1500.0 ? 1500.0 : t1;
    double g = (t1 - tc) + 1.0;
    double r, w, kd, kc, S, h, hl, sr, a, al, e, es, m, y;
    kd = rf__reduce_s_d(tc, &r, &w);
    kc = kd > 128.0 ? 128.0 : kd;
    S = rf__pow2_d(kc);
    h = S - 1.0;
    hl = (S - h) - 1.0;
    sr = S * r;
    a = h + sr;
    al = sr - (a - h);
    e = S * w + (al + hl);
    m = rf__split_d(s, &es);
    y = rf__two_prod_d(m, a, &al);
    y = rf__ldexp2_d(y + (al + m * e), (kd - kc) + es);
    y = rf__if_normal_d(s, y, rf__ldexp2_d(s * (a + e), kd - kc));
    y = y * g;
    return rf__absd(t) < 5.5511151231257827e-17 ? s * t : y;   /* 2^-54 */
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
/* float sigmoid / SiLU / tanh-GELU, in float arithmetic (FMA targets)       */
/* ------------------------------------------------------------------------ */
/* Without FMA (the SSE2 baseline) the exact residuals and products below
   need Dekker's splitting, which makes these slower than the double forms
   on 4 float lanes (measured 1.1 to 1.7x): there the double versions
   further down are used (~0.5 ulp). */
#if RF__HAS_FMA

/* With v = |x| (or |v(x)|) >= 0: e^v = 2^K (1 + q), K >= 0, and
     sigmoid(-v) = 2^-K / D,  sigmoid(v) = N / D,
     D = 1 + 2^-K + q,  N = 1 + q
   (the double code's form: no exponential of a positive argument ever
   overflows, the numerator of sigmoid(-v) is exact).  q = rh + (d + w)
   with rh = v - K L1 exact, d = vl - K L2 and w = e^r - 1 - r (r = rh + d
   rounded, which only w sees), so D and N are summed as float-floats with
   no rounding but that of d + w (< 2^-28); 1/D = R + Rl with the
   exact residual of the one division.  What is left is ~0.5 ulp per final
   product.  2^-K is kept as m64 = 2^(64-K): results down to 2^-150 are
   formed at normal precision and rounded to subnormal by the last multiply
   by 2^-64.  Every select comes last and picks between two computed values
   (a select of a constant before the division lets gcc duplicate it). */
#define RF__TWOM64_F  5.42101086e-20f         /* 2^-64 */
#if RF__HAS_FMA
#define RF__FMAF_(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define RF__FMAF_(a, b, c) ((a) * (b) + (c))
#endif

/* min(|x|, lim) on the bits (one integer min; NaN becomes lim, the
   callers restore it with their last select) */
RF_INLINE float rf__absmin_f(float x, uint32_t lim_bits)
{
    uint32_t ab = rf__u32(x) & 0x7FFFFFFFu;
    return rf__f32(ab < lim_bits ? ab : lim_bits);
}

/* n sigmoid(-v) 2^64 for v = vh + vl in [0, 113] and n >= 0 (1 for
   sigmoid, |x| for x sigmoid(v)): n 2^(64-K) / (Dh + Dl) with n 2^(64-K)
   exact, one division and its exact residual, applied with a linear
   reciprocal of Dh (minimax on Dh in [0.707, 2.414], 17.6% relative: it
   scales only the residual, < 0.1 ulp; a cubic cost 6% in silu's speed):
   ~0.5 ulp plus the error of q (~0.35 ulp).  Without the residual
   correction silu measured 1.95 ulp.  1 + 2^-K is carried exactly (pl). */
RF_INLINE float rf__signeg64_f(float n, float vh, float vl)
{
    float t = vh * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float rh = vh - kf * RF__L1_F;                     /* exact */
    float r = (rh - kf * RF__L2_F) + vl;
    float q = rf__expm1_poly_f(r);
    float m64 = rf__f32(((RF__MAGIC_F_BITS + 191u) - rf__u32(t)) << 23);  /* 2^(64-K) */
    float m = m64 * RF__TWOM64_F;                      /* 2^-K (0 for K > 149) */
    float P = 1.0f + m;
    float Dh = P + q;                                  /* Fast2Sum: P >= 1 > |q| */
    float Dl = ((P - Dh) + q) + ((1.0f - P) + m);
    float nm = n * m64;                                /* exact */
    float y0 = nm / Dh, rho, ri;
#if RF__HAS_FMA
    rho = __builtin_fmaf(-y0, Dh, nm);
#else
    {
        float el, e = rf__two_prod_f(y0, Dh, &el);
        rho = (nm - e) - el;                           /* nm - e exact: e ~ nm */
    }
#endif
    rho = rho - y0 * Dl;
    ri = -0.48287f * Dh + 1.50704f;
    return RF__FMAF_(rho, ri, y0);                     /* y0 + rho / Dh */
}

/* sigmoid: x < 0: sigmoid(-a);  x >= 0: 1 - sigmoid(-a) (<= 1/2: its error
   is halved).  a = min(|x|, 104): e^-104 < 2^-150. */
RF_INLINE float rf_sigmoid_f(float x)
{
    float a = rf__absmin_f(x, 0x42D00000u);            /* 104 */
    float yn = rf__signeg64_f(1.0f, a, 0.0f) * RF__TWOM64_F;
    float y = x >= 0.0f ? 1.0f - yn : yn;
    return x == x ? y : x;
}

/* x sigmoid(v): x < 0: -a sigmoid(-v);  x >= 0: x - x sigmoid(-v) in one
   FMA (1 - s would round at 2^-25 near s = 1/2; the error of s <= 1/2 is
   halved).  The numerator is selected as a computed 1 (a - a + 1: a
   constant would let gcc duplicate the division for both sides). */
RF_INLINE float rf__xsig_f(float x, float a, float vh, float vl)
{
    float one = (a - a) + 1.0f;                        /* a is finite */
    float s = rf__signeg64_f(x >= 0.0f ? one : a, vh, vl) * RF__TWOM64_F;
    float y = x >= 0.0f ? RF__FMAF_(-a, s, x) : -s;   /* a = x or its clamp (x = inf) */
    return x == x ? y : x;
}

/* silu, lean: one reduction, one division, no residual correction
   (24 vector instructions a vector with AVX-512, against ~35 for the
   corrected rf__xsig_f form; ACCURACY.md has the error, docs/performance.md
   the speed).  With a = |x| (clamped at 110: 110 e^-110 < 2^-150),
   e^a = 2^K (1 + q), m = 2^-K:
     s = a sigmoid(-a) = a m / D,  D = 1 + m + q,
     silu(x) = x - s (x >= 0),  -s (x < 0),
   s formed as s64 = (a 2^(64-K)) / D: the numerator is exact and results
   down to 2^-150 are at normal precision until the last step, which is one
   FMA, xp - s64 2^-64 with xp = x (x >= 0) or -0 (x < 0): a single
   rounding, also for subnormal results, and -0 for an underflowing x < 0.
   D has one rounding: 1 + m is exact for K <= 23, and for K >= 24 its
   rounding error Pe (up to 2^-24, 1.8 ulp measured without it) is added
   to q first (Pe = 0 for K <= 23).  The order (1 + m) + q matters at K = 0
   (m = 1): 1 + (m + q) rounds twice there (1.7 ulp measured).
   The clamp is written so that NaN passes it (a NaN compares false) and
   propagates through the division: no final NaN select. */
RF_INLINE float rf_silu_f(float x)
{
    float aa = rf__f32(rf__u32(x) & 0x7FFFFFFFu);
    float a = 110.0f < aa ? 110.0f : aa;
    float t = a * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float r = (a - kf * RF__L1_F) - kf * RF__L2_F;     /* a - k L1 exact */
    float q = rf__expm1_poly_f(r);
    float m64 = rf__f32(((RF__MAGIC_F_BITS + 191u) - rf__u32(t)) << 23);  /* 2^(64-K) */
    float m = m64 * RF__TWOM64_F;                      /* 2^-K (0 for K > 149) */
    float P = 1.0f + m;
    float Pe = (1.0f - P) + m;                         /* exact; 0 for K <= 23 */
    float D = P + (q + Pe);
    float s64 = (a * m64) / D;
    float xp = -0.0f > x ? -0.0f : x;
    return RF__FMAF_(s64, -RF__TWOM64_F, xp);
}

/* tanh-GELU = x sigmoid(v), v = x (ALPHA + BETA x^2) = 2 sqrt(2/pi)(x + 0.044715 x^3).
   v as a float-float (a^2 exact, constants split in two floats, 2Sum): its
   absolute error is a relative error of e^-v, and |v| reaches 112.
   a = min(|x|, 11): v(11) = 112.6, 11 e^-112.6 < 2^-150. */
#define RF__ALPHA_FH   1.59576917f
#define RF__ALPHA_FL   (-4.53406805e-08f)
#define RF__BETA_FH    0.0713548139f
#define RF__BETA_FL    2.39883247e-09f
RF_INLINE float rf__tanh_arg_f(float a, float *vl)
{   /* a (ALPHA + BETA a^2) as a float-float */
    float a2l, a2h = rf__two_prod_f(a, a, &a2l);
    float bl, bh = rf__two_prod_f(RF__BETA_FH, a2h, &bl);
    float wh, ww, wl, vh, vvl;
    bl = bl + (RF__BETA_FH * a2l + RF__BETA_FL * a2h);   /* BETA a^2 = bh + bl */
    wh = RF__ALPHA_FH + bh;                            /* 2Sum */
    ww = wh - RF__ALPHA_FH;
    wl = ((RF__ALPHA_FH - (wh - ww)) + (bh - ww)) + (bl + RF__ALPHA_FL);
    vh = rf__two_prod_f(a, wh, &vvl);
    *vl = vvl + a * wl;
    return vh;
}

RF_INLINE float rf_gelu_tanh_f(float x)
{
    float a = rf__absmin_f(x, 0x41300000u);            /* 11 */
    float vl, vh = rf__tanh_arg_f(a, &vl);
    return rf__xsig_f(x, a, vh, vl);
}


/* ------------------------------------------------------------------------ */
/* float GELU (erf form) and its gradient, in float arithmetic (FMA targets) */
/* ------------------------------------------------------------------------ */
/* rf__gelu_fl and rf__gelu_grad_fl are the kernels' rf_gelu_f and
   rf_gelu_grad_f on AVX-512 only: on 8-lane AVX2 they measured 5-7% slower
   than the double forms further down (docs/performance.md, 2026-12-06), so
   AVX2 and the SSE2 baseline keep those. */
/* Both are step(x) -/+ e^(-a^2/2) F(a) with a = |x| (min 15: 15 Q(15) and
   15 phi(15) are below 2^-150; NaN becomes 15 and is restored by the last
   select).  gelu: F = a H(a), H(a) = e^(a^2/2) erfc(a/sqrt2)/2 (erfc form:
   no 1 + erf cancellation, relative accuracy down to the underflow);
   gelu': F = H(a) - a/sqrt(2 pi) = (A0 - a) R(a), zero at A0 = 0.7518.
   The rule throughout: one full-size rounding, at the end.  Everything
   before it is an exact product or sum (FMA), or a float-float, or a small
   term whose rounding is damped; every measured 0.1 ulp mattered
   (ACCURACY.md, 2026-12-06).
   Beware gcc's default -ffp-contract=fast: `p = u * v; s = h + p` may
   become fma(u, v, h), so an error term must not reuse the rounded p; the
   errors below are formed with an explicit fma against the sum itself
   (exact whichever way the sum was compiled). */

/* e^(-a^2/2) = 2^K (1 + r + w), a in [0, 15], 2^K = s1 s2 with both factors
   normal (rf_expf's two-step scaling: a result below 2^-126 is rounded once,
   by the caller's last multiply by s2).  a^2/2 = zh + zl exactly (FMA), so
   r = zh - K ln2 + zl has one rounding (rh is exact), whose error rho is
   carried into w: w = r^2 P(r) + rho, P degree 5 (the double path's
   rf__expu_lp coefficients: 1.8e-10), evaluated to a rounding of w only
   (|w| < 0.07).  Returns r, exact: the caller applies (1 + r) exactly. */
RF_INLINE float rf__gelu_exp_f(float a, float *s1, float *s2, float *w)
{
    float b = -0.5f * a;                               /* exact */
    float zh = b * a, zl = __builtin_fmaf(b, a, -zh);  /* -a^2/2 = zh + zl */
    float t = zh * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float rh = __builtin_fmaf(kf, -RF__L1_F, zh);      /* exact */
    float d = __builtin_fmaf(kf, -RF__L2_F, zl);
    float r = rh + d;
    float rho = (rh - r) + d;                          /* Fast2Sum (or below 2^-40) */
    float p = 1.98578022e-4f;
    uint32_t kb = rf__u32(t) - (RF__MAGIC_F_BITS - 164u);   /* K + 164, K in [-163, 0] */
    uint32_t h = kb >> 1;
    *s1 = rf__f32((h + (127u - 82u)) << 23);
    *s2 = rf__f32((kb - h + (127u - 82u)) << 23);
    p = p * r + 1.39336044e-3f;
    p = p * r + 8.33336072e-3f;
    p = p * r + 4.16664655e-2f;
    p = p * r + 0.166666672f;
    p = p * r + 0.5f;
    *w = __builtin_fmaf(r * r, p, rho);
    return r;
}

/* t = 1/(1 + a/4) with 1/(1 + a/4) = t (1 + eps) to ~2^-46: 1 + a/4 = dh + dl
   (dl exact: 1 - dh is), the division's residual is exact (FMA). */
RF_INLINE float rf__gelu_t_f(float a, float *eps)
{
    float dh = __builtin_fmaf(a, 0.25f, 1.0f);
    float dl = __builtin_fmaf(a, 0.25f, 1.0f - dh);
    float t = 1.0f / dh;
    *eps = __builtin_fmaf(-t, dl, __builtin_fmaf(-t, dh, 1.0f));
    return t;
}

/* (vh + vl)(1 + r + w), rounded once: vh + vh r summed exactly (the error
   by FMA: vh - sh is exact, sh lies in [0.65, 1.42] vh), vl (1 + r + w)
   kept whole: at the zero of gelu' vh vanishes and vl is all there is */
RF_INLINE float rf__gelu_mul_exp_f(float vh, float vl, float r, float w)
{
    float sh = vh + vh * r;
    float se = __builtin_fmaf(vh, r, vh - sh);
    return sh + (se + __builtin_fmaf(vh, w, __builtin_fmaf(vl, r + w, vl)));
}

/* gelu = x - a Q(a) (x >= 0) or -a Q(a) (x < 0), a Q(a) = e^(-a^2/2) a H(a),
   H(a) = t P(t), t = 1/(1 + a/4) in [0.21, 1]: P degree 10 in w = t - 7/16
   (exact for every t here; Horner in t itself loses 1.4 ulp of P to
   cancelling terms), relative error 2.2e-9 with the constant term as a
   float-float (its rounding cannot be absorbed by the other coefficients:
   tools/vecmath/gelu_dev/fitw2.py 10).  t's error eps enters twice: a t
   exactly as (a t)(1 + eps), and P(t (1 + eps)) = P(t)(1 + eps t P'/P):
   together the factor 1 + eps S(t), S = 1 + t P'/P in [1.26, 3.19] from a
   quadratic (1.3%).  a t and (a t) P are float-float products (FMA), so
   a Q(a) 2^-K is rounded once, in rf__gelu_mul_exp_f; x >= 0 then takes
   x - m 2^K in one FMA (m 2^K <= x/2: its error is halved). */
RF_INLINE float rf__gelu_fl(float x)
{
    float a = rf__absmin_f(x, 0x41700000u);           /* 15 */
    float s1, s2, w, eps, uh, ul, vh, vl, m, y;
    float r = rf__gelu_exp_f(a, &s1, &s2, &w);
    float t = rf__gelu_t_f(a, &eps);
    float v = t - 0.4375f;                             /* exact */
    float p = -1.140042581e-02f;
    float S = (1.01625776f * t + 1.30776268f) * t + 0.91071719f;
    p = p * v + 3.542553633e-02f;
    p = p * v - 7.229762152e-03f;
    p = p * v - 5.335775390e-02f;
    p = p * v - 3.237328306e-02f;
    p = p * v + 7.688519359e-02f;
    p = p * v + 2.199193239e-01f;
    p = p * v + 3.152471185e-01f;
    p = p * v + 3.226949871e-01f;
    p = p * v + 2.596967220e-01f;
    p = p * v + 1.712493151e-01f;
    uh = a * t;
    ul = __builtin_fmaf(a, t, -uh);
    ul = __builtin_fmaf(uh, eps * S, ul);              /* a t (1 + eps S) = uh + ul */
    vh = uh * p;
    vl = __builtin_fmaf(uh, p, -vh);
    vl = __builtin_fmaf(ul, p, vl);
    vl = __builtin_fmaf(uh, 3.243100011e-09f, vl);     /* P's constant, low part */
    m = rf__gelu_mul_exp_f(vh, vl, r, w);              /* a Q(a) 2^-K */
    y = x >= 0.0f ? __builtin_fmaf(-m, s1 * s2, x) : -(m * s1) * s2;
    return x == x ? y : x;
}

/* gelu' = step(x) - sign(x) e^(-a^2/2) (A0 - a) R(a): R in [0.399, 0.665] is
   a polynomial of the same t (degree 8, relative error 1.5e-8, the
   2026-11-24 fit: tools/vecmath/fit/fit_float.py R 8).  R is flat (its
   constant term dominates), so its last Horner step is made exact (R0 - Rh
   is exact, Sterbenz) and the earlier ones are damped; R(t(1 + eps)) =
   R + eps t R'(t), t R' from a quadratic (7%).  A0 - a is a float-float
   (2Sum, A0 split in two floats), so the product keeps its relative
   accuracy through the zero of gelu'.  x >= 0: 1 - m 2^K in one FMA. */
#define RF__GELU_A0_FH 7.517915368e-01f
#define RF__GELU_A0_FL (-1.211444989e-08f)
#define RF__GR0 3.989673257e-01f
RF_INLINE float rf__gelu_grad_fl(float x)
{
    float a = rf__absmin_f(x, 0x41700000u);           /* 15 */
    float s1, s2, w, eps, rh, rl, d, ah, bb, al, vh, vl, m, y;
    float r = rf__gelu_exp_f(a, &s1, &s2, &w);
    float t = rf__gelu_t_f(a, &eps);
    float p = 4.029107280e-03f;
    p = p * t - 3.992806002e-02f;
    p = p * t + 1.002215594e-01f;
    p = p * t - 6.186523661e-02f;
    p = p * t + 8.805113286e-02f;
    p = p * t + 3.295667842e-02f;
    p = p * t + 6.815227866e-02f;
    p = p * t + 7.449319959e-02f;
    rh = __builtin_fmaf(p, t, RF__GR0);
    rl = __builtin_fmaf(p, t, RF__GR0 - rh);           /* R = rh + rl */
    d = (1.2925223f * t - 0.7820303f) * t + 0.15903845f;
    rl = __builtin_fmaf(eps, d, rl);
    ah = RF__GELU_A0_FH - a;                           /* 2Sum: A0 - a = ah + al */
    bb = ah - RF__GELU_A0_FH;
    al = ((RF__GELU_A0_FH - (ah - bb)) + (-a - bb)) + RF__GELU_A0_FL;
    vh = ah * rh;
    vl = __builtin_fmaf(ah, rh, -vh);
    vl = __builtin_fmaf(ah, rl, vl);
    vl = __builtin_fmaf(al, rh, vl);
    m = rf__gelu_mul_exp_f(vh, vl, r, w);              /* (A0 - a) R e^(-a^2/2) 2^-K */
    y = x >= 0.0f ? __builtin_fmaf(-m, s1 * s2, 1.0f) : (m * s1) * s2;
    return x == x ? y : x;
}

/* float silu' in float arithmetic (FMA targets).  With a = |x| (integer
   clamp at 110: 110 e^-110 < 2^-150), e^a = 2^K (1 + q), m = 2^-K,
   D = 1 + m + q (as rf_silu_f, 1 + m's rounding for K >= 24 carried in Pe)
   and B = (1 - a)(1 + q) + m:
     x < 0: V = m B / D^2;   x >= 0: 1 - V
   (silu'(x) + silu'(-x) = 1).  One rounding each for B and, through an
   exact residual, for the quotient; what is left is B's rounding, q's
   error and the last rounding (ACCURACY.md has what each piece buys:
   without the D^2 float-float and the residual the worst error is over
   twice the 2 ulp bound).
   - D^2 = D2h + D2l exactly but for Dl's own rounding: D = Dh + Dl by
     Fast2Sum (|1 + m| >= |q|), D2l = fma(D, D, -D2h) + 2 D Dl.
   - B = fma(1 - a, q, PA) with PA = (1 + m) - a: the zero of silu' is
     at a = 1.2785 (K = 2), where 1 - a and PA are exact and B is one
     rounding of a small number: the error there is q's (~2^-31 absolute),
     so the relative bound fails only within ~5e-3 of the zero
     ("zero: W, e" in ACCURACY.md).  For K = 0 (a < 0.35) PA = 2 - a
     rounds; its error e1 (exact: Fast2Sum where |1 + m| >= a, 0 where
     P - a is exact) is carried into the residual.
   - q's own rounding error ql (an FMA's residual: r - q is exact) goes
     into Dl and, times 1 - a, into e1: B and D then both use the same,
     better q.  Near the zero q's rounding (2^-27 abs) times 1 - a is what
     limits B: carrying it took the worst error there from 1.99 to 1.6 ulp
     (sampled) and the >2 ulp region from 0.035 to 0.018 around the zero;
     carrying r's rounding too gained little more (ACCURACY.md).
   - N = 2^(64-K) B is exact; 1/D2h by one division, y0 = N inv, the
     exact residual N - y0 D2h (FMA) less y0 D2l, plus 2^(64-K) e1, is
     applied with inv: V 2^64 to ~0.5 ulp plus the errors of B and q.
   - the last step scales by 2^-64 (x < 0: one rounding, also for
     subnormal results and -0 for the underflowing tail) or forms
     1 - V 2^-64 in one FMA (x >= 0).
   NaN becomes 110 in the integer clamp and is restored by the last select. */
RF_INLINE float rf_silu_grad_f(float x)
{
    float a = rf__absmin_f(x, 0x42DC0000u);           /* 110 */
    float t = a * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float r = (a - kf * RF__L1_F) - kf * RF__L2_F;     /* a - k L1 exact */
    float r2 = r * r;
    float p = 1.38645305e-3f;                          /* rf__expm1_w_f's polynomial */
    float q, ql;
    p = p * r + 8.36653355e-3f;
    p = p * r + 4.16675024e-2f;
    p = p * r + 0.166665435f;
    p = p * r + 0.49999997f;
    q = RF__FMAF_(r2, p, r);
    ql = RF__FMAF_(r2, p, r - q);                      /* q's rounding error (r - q exact) */
    float m64 = rf__f32(((RF__MAGIC_F_BITS + 191u) - rf__u32(t)) << 23);  /* 2^(64-K) */
    float m = m64 * RF__TWOM64_F;                      /* 2^-K (0 for K > 149) */
    float P = 1.0f + m;
    float Pe = (1.0f - P) + m;                         /* exact; 0 for K <= 23 */
    float qq = q + Pe;
    float D = P + qq;
    float Dl = ((P - D) + qq) + ql;                    /* Fast2Sum, plus q's error */
    float D2h = D * D;
    float D2l = __builtin_fmaf(D + D, Dl, __builtin_fmaf(D, D, -D2h));
    float om = 1.0f - a;
    float PA = P - a;
    float e1 = RF__FMAF_(om, ql, (P - PA) - a);       /* PA's and q's errors in B */
    float B = __builtin_fmaf(om, q, PA);               /* B + e1 = (1 - a)(1 + q + ql) + m */
    float N = m64 * B;                                 /* exact */
    float inv = 1.0f / D2h;
    float y0 = N * inv;
    float res = __builtin_fmaf(-y0, D2h, N);           /* exact */
    float v, y;
    res = __builtin_fmaf(m64, e1, res);
    res = __builtin_fmaf(-y0, D2l, res);
    v = __builtin_fmaf(res, inv, y0);                  /* V 2^64 */
    y = x >= 0.0f ? __builtin_fmaf(v, -RF__TWOM64_F, 1.0f) : v * RF__TWOM64_F;
    return x == x ? y : x;
}

#endif /* RF__HAS_FMA */

/* ------------------------------------------------------------------------ */
/* sigmoid / SiLU                                                            */
/* ------------------------------------------------------------------------ */
#if !RF__HAS_FMA
/* float versions, computed in double: e = e^-|x| (never overflows);
   sigmoid = 1/(1+e) (x >= 0) or e/(1+e) (x < 0).  a = min(|x|, 120):
   120 e^-120 is below the float underflow threshold, so the clamp changes
   no result and keeps -inf from producing inf*0. */
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
#endif

#if !RF__HAS_FMA
/* float silu', computed in double (x^2-free: e^-|x| to ~2^-32, one
   division, rounded once to float: ~0.5 ulp) */
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
#endif

/* double versions.  a = min(|x|, 760): 760 e^-760 < 2^-1075.
   One reduction gives e^a = 2^k (1+qp) and e^-a = p (1+qm), p = 2^-k.
   x < 0: sigmoid = e^-a/(1 + e^-a) = p/((1 + p) + qp): the numerator is
   exact, one rounded denominator (1 + p is inexact only for k >= 53; its
   error pe is carried).  x >= 0: 1/(1 + e^-a), the error of e^-a damped.
   Numerator and denominator are selected before the single division. */
RF_INLINE double rf__sig_parts_d(double a, double zl, double *m1, double *m2,
                                 double *den_n, double *den_p)
{
    double r, wp, wm, p, c, pe, em;
    double t = rf__exp_reduce2_d(a, zl, &r, &wp, &wm);
    rf__pow2split_neg_d(t, m1, m2);
    p = *m1 * *m2;                        /* 2^-k (0 if it underflows) */
    c = 1.0 + p;
    pe = p - (c - 1.0);                   /* exact (Fast2Sum, p <= 1) */
    *den_n = c + ((r + wp) + pe);
    em = (*m1 * (wm - r) + *m1) * *m2;    /* e^-a */
    *den_p = 1.0 + em;
    return em;
}

RF_INLINE double rf_sigmoid_d(double x)
{
    double a = rf__absd(x), m1, m2, dn, dp, y;
    a = a > 760.0 ? 760.0 : a;
    rf__sig_parts_d(a, 0.0, &m1, &m2, &dn, &dp);
    y = (x >= 0.0 ? 1.0 : m1) / (x >= 0.0 ? dp : dn);
    return x >= 0.0 ? y : y * m2;         /* last scaling: only subnormal rounding */
}

/* double silu, lean (the float rf_silu_f's scheme): a = min(|x|, 760)
   (760 e^-760 < 2^-1075), e^a = 2^K (1 + q) with the degree-11
   polynomial of rf_expm1_neg_d and the two-constant reduction (r's
   rounding: 2^-53 |r|), D = (1 + m) + q with 1 + m's rounding for K >= 53
   carried (Pe), s = a 2^(128-K) / D (exact numerator, normal down to
   2^-968), silu = xp - s 2^-128 in one FMA (xp = x, or -0 for x < 0).  No
   second exponential and no 2^-k split: about 40% fewer instructions than
   the rf__sig_parts_d form, within the 4 ulp bound with room (ACCURACY.md). */
/* silu's and silu''s reduction in double: a = min(|x|, 760) (NaN passes), t holding
   K = rint(a / ln2), r = a - K ln2, and the return value p with e^r - 1 - r = r^2 p (the
   callers form r^2 p themselves, so that each keeps its own FMA contraction). */
RF_INLINE double rf__silu_red_d(double x, double *a, double *t, double *r)
{
    double aa = rf__absd(x);
    double kd, r2, r4;
    *a = 760.0 < aa ? 760.0 : aa;                      /* NaN passes */
    *t = *a * RF__LOG2E_D + RF__MAGIC_D;
    kd = *t - RF__MAGIC_D;
    *r = (*a - kd * RF__L1_D) - kd * RF__L2_D;         /* a - k L1 exact */
    r2 = *r * *r;
    r4 = r2 * r2;
    return RF__E10(*r, r2, r4, r4 * r4, 0.50000000000000011, 0.16666666666666644,
                   0.041666666666623255, 0.0083333333333563062, 0.0013888888917453685,
                   0.00019841269784768735, 2.4801521047431779e-05, 2.7557355136372459e-06,
                   2.7620175266769506e-07, 2.5068365840266107e-08);
}

RF_INLINE double rf_silu_d(double x)
{
    double a, t, r, p = rf__silu_red_d(x, &a, &t, &r);
    double q = (r * r) * p + r;
    /* 2^(128-K), K = bits(t) - bits(MAGIC) in [0, 1096]: normal */
    double m128 = rf__f64(((0x4338000000000000ULL + 1151u) - rf__u64(t)) << 52);
    double m = m128 * 2.9387358770557188e-39;          /* 2^-K (2^-128 m128) */
    double P = 1.0 + m;
    double Pe = (1.0 - P) + m;                         /* exact; 0 for K <= 52 */
    double D = P + (q + Pe);
    double s128 = (a * m128) / D;
    double xp = -0.0 > x ? -0.0 : x;
#if RF__HAS_FMA
    return __builtin_fma(s128, -2.9387358770557188e-39, xp);
#else
    return s128 * -2.9387358770557188e-39 + xp;       /* x < 0: xp = -0, one rounding */
#endif
}

/* Derivative of x sigmoid(v(x)) for silu (v = x, g = |x|) and tanh-GELU
   (g = |x| v'(x) = gh + gl), from e = e^-|v| = 2^k (1+q) = s1 s2 (1+q),
   C = 1 + e:   x >= 0: (C + g e)/C^2;   x < 0: e (1 + e - g)/C^2.
   Numerator and C^2 are formed as double-doubles (exact sums, Dekker
   products) and the one division is corrected by its exact residual, so
   the result carries ~0.5 ulp plus the (damped) error of q.  The cancelling
   sum 1 + e - g (zero of the derivative) is exact. */
RF_INLINE double rf__dsig_d(double x, double r, double w, double s1, double s2,
                             double gh, double gl)
{
    double q = r + w, p = s1 * s2, pq, c1, c1l, ch, cl, dh, dl, b1, b1l, bs, bsl, bh, bhl, bl;
    double th, tl, nh, nl, ge, nph, npl, nnh, nnl, inv, y0, rh, rl, y;
    pq = p * q;                                   /* exact: p is a power of 2 */
    /* C = 1 + p + pq and D = C^2 */
    c1 = 1.0 + p;
    c1l = p - (c1 - 1.0);
    ch = c1 + pq;
    cl = (pq - (ch - c1)) + c1l;
    dh = rf__two_prod_d(ch, ch, &dl);
    dl = dl + 2.0 * (ch * cl);
    /* x < 0: N = (1+q) B, B = (1 - g) + p + p r + p w (all terms exact, so B
       is exact to ~2^-100 even where it cancels; the factor p is applied last) */
    b1 = 1.0 - gh;
    b1l = (1.0 - b1) - gh;                        /* exact: 1 - gh rounds only if gh < 1/2 */
    bs = rf__two_sum_d(b1, p, &bsl);
    bh = rf__two_sum_d(bs, p * r, &bhl);
    bl = ((bsl + bhl) + b1l) + (p * w - gl);
    th = rf__two_prod_d(bh, q, &tl);
    nnh = rf__two_sum_d(bh, th, &nnl);
    nnl = nnl + (tl + bl * (1.0 + q));
    /* x >= 0: N = C + g e (no cancellation, g e < 1 <= C) */
    ge = p * (gh * q + gh);
    nph = ch + ge;
    npl = (ge - (nph - ch)) + cl;
    nh = x >= 0.0 ? nph : nnh;
    nl = x >= 0.0 ? npl : nnl;
    /* N / D with one division and a residual correction */
    inv = 1.0 / dh;
    y0 = nh * inv;
    rh = rf__two_prod_d(y0, dh, &rl);
    y = y0 + (((nh - rh) - rl) + (nl - y0 * dl)) * inv;
    return x >= 0.0 ? y : (y * s1) * s2;
}

/* double silu', the float rf_silu_grad_f's scheme (V = m B / D^2 with
   D^2 as a double-double and one division corrected by its exact
   residual) on the lean reduction of rf_silu_d, with the float version's
   carried errors (q's rounding, and (1 + m) - a's for K = 0): without
   them the relative bound failed within 0.031 of the zero of silu'
   (ACCURACY.md).  About half the instructions of the rf__dsig_d form. */
RF_INLINE double rf_silu_grad_d(double x)
{
    double a, t, r, p = rf__silu_red_d(x, &a, &t, &r);
    double w = (r * r) * p;
    double q = w + r;
    double ql = w - (q - r);                           /* q's rounding (both contract to FMAs) */
    double m128 = rf__f64(((0x4338000000000000ULL + 1151u) - rf__u64(t)) << 52);  /* 2^(128-K) */
    double m = m128 * 2.9387358770557188e-39;          /* 2^-K */
    double P = 1.0 + m;
    double Pe = (1.0 - P) + m;                         /* exact; 0 for K <= 52 */
    double qq = q + Pe;
    double D = P + qq;
    double Dl = ((P - D) + qq) + ql;                   /* Fast2Sum, plus q's error */
    double D2l, D2h = rf__two_prod_d(D, D, &D2l);
    double B, N, inv, y0, res, v, e1;
    D2l = D2l + (D + D) * Dl;
    B = (1.0 - a) * q + (P - a);                       /* (1 - a)(1 + q) + m */
    e1 = (1.0 - a) * ql + ((P - (P - a)) - a);         /* q's and P - a's errors in B */
    N = m128 * B;                                      /* exact */
    inv = 1.0 / D2h;
    y0 = N * inv;
    res = rf__two_prod_d(y0, D2h, &v);                 /* y0 D2h = res + v exactly */
    res = ((N - res) - v) + (m128 * e1 - y0 * D2l);
    v = res * inv + y0;                                /* V 2^128 */
    return x >= 0.0 ? 1.0 - v * 2.9387358770557188e-39 : v * 2.9387358770557188e-39;
}

/* ------------------------------------------------------------------------ */
/* GELU (erf form)                                                           */
/* ------------------------------------------------------------------------ */
/* float: in float arithmetic on AVX-512 (rf__gelu_fl above), computed in
   double elsewhere (AVX2: faster, see above; SSE2: without FMA the float
   forms' exact products would need Dekker splitting).  a = min(|x|, 15):
   |gelu(-15)| < 2^-150. */
#if RF__HAS_FMA && defined(__AVX512F__)
RF_INLINE float rf_gelu_f(float x) { return rf__gelu_fl(x); }
RF_INLINE float rf_gelu_grad_f(float x) { return rf__gelu_grad_fl(x); }
#else
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
   x < 0: e^{-a^2/2} D(a);  x >= 0: 1 - e^{-a^2/2} D(a).  D vanishes at
   a = 0.7518 (the zero of gelu'); in double the cancellation costs ~1e-17
   absolute, far below a float ulp except within ~6e-4 of the zero. */
RF_INLINE float rf_gelu_grad_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, dd, m;
    a = a > 15.0 ? 15.0 : a;
    q = rf__exp_lp(-0.5 * (a * a), &s);
    dd = rf__mills_lp(a) - RF__INV_SQRT2PI * a;
    m = (dd * q + dd) * s;
    return (float)(x >= 0.0 ? 1.0 - m : m);
}
#endif

/* double: a = min(|x|, 39): |gelu(-39)| < 2^-1075.  exp(-a^2/2) with an
   exact double-double argument (ah = a cut to 26 bits, ah^2 exact), two-step
   scaling for subnormal results. */
RF_INLINE double rf__gelu_core_d(double a, double ah, double *s1, double *s2, int estrin)
{
    double al = a - ah;                                        /* exact */
    double zh = -0.5 * (ah * ah);                              /* exact */
    double zl = -0.5 * (al * (a + ah));                        /* a^2 - ah^2 */
    double z = zh + zl, r, w, t;
    zl = zl - (z - zh);                                        /* Fast2Sum */
    t = rf__exp_reduce_x_d(z, zl, &r, &w, estrin);
    rf__pow2split_d(t, s1, s2);
    return r + w;                                              /* q: e^z = 2^k (1+q) */
}

/* gelu(x) = x + n (x >= 0) or n (x < 0), n = -a Q(a) = -a e^{-a^2/2}/den,
   den = 1/H(a) = 2 + sqrt(2pi) a + a nu(a).  For 0 <= x <= 39, a = x and
   x + n = x Phi(x).  a(1+q) and den are double-doubles; the quotient is
   y0 = nh/dh plus the correction (nh - y0 dh (exact) + nl - y0 dl)/dh. */
RF_INLINE double rf_gelu_d(double x)
{
    double a = rf__absd(x), ah, al, q, s1, s2, t, te, dh, dl, e, nh, nl, inv, y0, rh, rl, y;
    a = a > 39.0 ? 39.0 : a;
    ah = rf__f64(rf__u64(a) & 0xFFFFFFFFF8000000ULL);         /* 26 bits */
    al = a - ah;
    q = rf__gelu_core_d(a, ah, &s1, &s2, 0);
    /* den = 2 + a nu(a) + sqrt(2pi) a as a double-double: SQRT2PI_H*ah and
       a*nu exact (Dekker), the sums exact (2Sum) */
    t = rf__two_prod_d(a, rf__gelu_nu_d(a), &te);
    t = rf__two_sum_d(2.0, t, &e);
    te = te + e;
    dh = rf__two_sum_d(RF__SQRT2PI_H * ah, t, &e);
    dl = ((RF__SQRT2PI_H * al + RF__SQRT2PI_L * a) + te) + e;
    t = dh + dl;                          /* normalize: |dl| <= ulp(dh)/2 */
    dl = dl - (t - dh);
    dh = t;
    /* a (1 + q) as a double-double */
    nh = rf__two_prod_d(a, q, &nl);
    nh = rf__two_sum_d(a, nh, &e);
    nl = nl + e;
    /* a(1+q)/den: one division, corrected by the exact residual */
    inv = 1.0 / dh;
    y0 = nh * inv;
    rh = rf__two_prod_d(y0, dh, &rl);
    y = -(y0 + (((nh - rh) - rl) + (nl - y0 * dl)) * inv);   /* -a Q(a) / 2^k */
    y = (y * s1) * s2;                    /* s1 exact, s2: only subnormal rounding */
    return x >= 0.0 ? x + y : y;
}

/* gelu' = Phi(x) + x phi(x) = step(x) - sign(x) e^{-a^2/2} D(a) with
   D(a) = H(a) - a/sqrt(2pi) = (A0 - a) R(a), A0 = 0.7518 the zero of gelu'.
   R = 1/sqrt(2pi) + rho(a) is smooth and positive (0.665 .. 0.399), so the
   factored form keeps relative accuracy through the zero (A0 - a is exact
   near A0, A0 carried in double-double). */
#define RF__GELU_A0_H 0.75179152469356447
#define RF__GELU_A0_L (-1.4956759177009883e-17)
RF_INLINE double rf__gelu_rho_d(double a)   /* rational 9/10, rel err of R 6.4e-18 */
{
    double p = 6.8137862283080677e-07, q = 2.2718571114724137e-06;
    p = p * a + 1.9284633584383499e-05;  q = q * a + 6.5612914285608114e-05;
    p = p * a + 0.00026384027703572601;  q = q * a + 0.00091863400019662092;
    p = p * a + 0.0022646152729274738;   q = q * a + 0.0081082503147985735;
    p = p * a + 0.013352603927960029;    q = q * a + 0.049541754123537597;
    p = p * a + 0.055897863249698837;    q = q * a + 0.2175904073676023;
    p = p * a + 0.16602735986436051;     q = q * a + 0.69236020642277241;
    p = p * a + 0.33813784117720525;     q = q * a + 1.5699205730179775;
    p = p * a + 0.43121801280777006;     q = q * a + 2.4200569005986976;
    p = p * a + 0.26613571473000158;     q = q * a + 2.2840657154886452;
                                         q = q * a + 1.0;
    return p / q;
}

RF_INLINE double rf_gelu_grad_d(double x)
{
    double a = rf__absd(x), q, s1, s2, th, tl, rho, rh, rl, dh, dl, mh, ml, m, p, u, e;
    a = a > 39.0 ? 39.0 : a;
    q = rf__gelu_core_d(a, rf__f64(rf__u64(a) & 0xFFFFFFFFF8000000ULL), &s1, &s2, 1);
    th = rf__two_sum_d(RF__GELU_A0_H, -a, &tl);
    tl = tl + RF__GELU_A0_L;
    rho = rf__gelu_rho_d(a);
    rh = RF__INV_SQRT2PI + rho;
    rl = (RF__INV_SQRT2PI - rh) + rho;   /* Fast2Sum: rho < 1/sqrt(2pi) */
    /* D = t R and m = D (1+q), as double-doubles (Dekker products) */
    dh = rf__two_prod_d(th, rh, &dl);
    dl = dl + (th * rl + tl * rh);
    mh = rf__two_prod_d(dh, q, &ml);
    mh = rf__two_sum_d(dh, mh, &e);
    ml = ml + (e + dl * (1.0 + q));
    /* x < 0: m 2^k;  x >= 0: 1 - m 2^k, with 1 - mh 2^k exact (2Sum) */
    m = (mh + ml) * s1;
    p = s1 * s2;
    u = rf__two_sum_d(1.0, -(mh * p), &e);
    return x >= 0.0 ? u + (e - ml * p) : m * s2;
}

/* ------------------------------------------------------------------------ */
/* GELU (tanh approximation) = x sigmoid(v), v = x (ALPHA + BETA x^2)        */
/* ------------------------------------------------------------------------ */
#if !RF__HAS_FMA
/* float: a = min(|x|, 12): v(12) = 142, 12 e^-142 < 2^-150. */
RF_INLINE float rf_gelu_tanh_f(float xf)
{
    double x = xf, a = rf__absd(x), s, q, e;
    a = a > 12.0 ? 12.0 : a;
    q = rf__exp_lp(-(a * (RF__ALPHA + RF__BETA * (a * a))), &s);
    e = s * q + s;                        /* e^-|v| */
    return (float)((x >= 0.0 ? x : -a * e) / (1.0 + e));
}
#endif

/* float tanh-GELU', computed in double like rf_silu_grad_f */
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

/* double: v = a (ALPHA + BETA a^2) in double-double (~2^-70 relative); the
   gradient also needs g = a v'(a) = a (ALPHA + 3 BETA a^2), likewise.
   a = min(|x|, 24): v(24) = 1025, 24 e^-1025 = 0.  Returns v (+ *vl_out). */
RF_INLINE double rf__gelu_tanh_core_d(double a, double *vl_out, double *gh, double *gl)
{
    double ah = rf__f64(rf__u64(a) & 0xFFFFFFF000000000ULL);  /* 17 bits */
    double al = a - ah;                                        /* exact */
    double sh = ah * ah;                                       /* exact, 34 bits */
    double sl = al * (a + ah);                                 /* a^2 - sh */
    double bh = RF__BETA_H * sh;                               /* exact, 51 bits */
    double bl = RF__BETA_L * sh + RF__BETA * sl;               /* BETA a^2 = bh + bl */
    double wh, wl, whh, bb, vh, vl, v;
    /* v: w = ALPHA + bh + bl by 2Sum(ALPHA, bh); v = a w with wh split to 36
       bits so that ah*whh is exact */
    wh = RF__ALPHA + bh;
    bb = wh - RF__ALPHA;
    wl = ((RF__ALPHA - (wh - bb)) + (bh - bb)) + (bl + RF__ALPHA_L);
    whh = rf__f64(rf__u64(wh) & 0xFFFFFFFFFFFE0000ULL);
    vh = ah * whh;                                             /* exact */
    vl = (ah * (wh - whh) + al * wh) + a * wl;
    v = vh + vl;
    vl = vl - (v - vh);                                        /* Fast2Sum */
    /* g: same with ALPHA + 3 bh + 3 bl (3 bh exact: 53 bits) */
    wh = RF__ALPHA + 3.0 * bh;
    bb = wh - RF__ALPHA;
    wl = ((RF__ALPHA - (wh - bb)) + (3.0 * bh - bb)) + (3.0 * bl + RF__ALPHA_L);
    whh = rf__f64(rf__u64(wh) & 0xFFFFFFFFFFFE0000ULL);
    vh = ah * whh;
    *gl = (ah * (wh - whh) + al * wh) + a * wl;
    *gh = vh + *gl;
    *gl = *gl - (*gh - vh);
    *vl_out = vl;
    return v;
}

RF_INLINE double rf_gelu_tanh_d(double x)
{
    double a = rf__absd(x), vl, gh, gl, v, m1, m2, dn, dp, y;
    a = a > 24.0 ? 24.0 : a;
    v = rf__gelu_tanh_core_d(a, &vl, &gh, &gl);
    rf__sig_parts_d(v, vl, &m1, &m2, &dn, &dp);   /* as silu, with |v| for a */
    y = (x >= 0.0 ? x : -a * m1) / (x >= 0.0 ? dp : dn);
    return x >= 0.0 ? y : y * m2;
}

RF_INLINE double rf_gelu_tanh_grad_d(double x)
{
    double a = rf__absd(x), r, w, s1, s2, t, gh, gl, v, vl;
    a = a > 24.0 ? 24.0 : a;
    v = rf__gelu_tanh_core_d(a, &vl, &gh, &gl);
    t = rf__exp_reduce_d(-v, -vl, &r, &w);
    rf__pow2split_d(t, &s1, &s2);
    return rf__dsig_d(x, r, w, s1, s2, gh, gl);
}

/* ------------------------------------------------------------------------ */
/* softplus and mish (and their derivatives)                                 */
/* ------------------------------------------------------------------------ */
/* Both from u = e^-a, a = |z| (never an exponential of a positive
   argument).  softplus(z) = max(z, 0) + log1p(u), u in (0, 1].  log1p(u):
   v = u (u < 1/2) or v = (u - 1)/2 (u >= 1/2, exact: Sterbenz) with
   log1p(u) = [ln2] + log1p(v), v in [-1/4, 1/2); log1p(v) = 2 atanh(t),
   t = v/(2 + v), |t| <= 1/5, so log1p(v) = v F, F = 2/(2 + v) P(t^2),
   P(s) = 1 + s/3 + s^2/5 + ... (the float versions: Taylor, 7 terms, 2^-36
   on s <= 1/25; the double ones: a fitted degree 8, 2^-60).  One division
   (the reciprocal of 2 + v), no cancellation: v F keeps relative accuracy
   down to the underflow, where log1p(u) = u.
   mish(x) = x tanh(softplus(x)): with n = e^x (e^x + 2), tanh(log(1 + e^x))
   = n/(n + 2); in u = e^-|x|: x < 0: N/D, N = u (u + 2), D = N + 2;
   x >= 0: N/D, N = 1 + 2u, D = N + 2u^2 (no overflow, no cancellation).
   mish' = tanh(sp) + x sech^2(sp) sigmoid(x), sech^2 = 4(n + 1)/(n + 2)^2:
   x < 0: u [(u + 2) D - 4a (1 + u)] / D^2;
   x >= 0: [N D + 4a u^2 (1 + u)] / D^2.
   float versions in double (z = beta x exact there; e^-a to 2^-32,
   results rounded once: ~0.5 ulp).  double versions: e^-a = 2^k (1 + r + w)
   from the double exp core, kept as u 2^600 (normal for a <= 1110) so that
   the tails (x e^x, e^x) are formed at normal precision and rounded once to
   subnormal by the last multiply by 2^-600. */
#define RF__LN2_DH      0.69314718055994529
#define RF__LN2_DL      2.3190468138462996e-17
#define RF__TWO600      4.1495155688809929e+180     /* 2^600 */
#define RF__TWOM600     2.4099198651028841e-181     /* 2^-600 */

/* P(s) for the float versions (7 terms, truncation < 2^-36) */
RF_INLINE double rf__atanh_p7(double s)
{
    double p = 1.0 / 13.0;
    p = p * s + 1.0 / 11.0;
    p = p * s + 1.0 / 9.0;
    p = p * s + 1.0 / 7.0;
    p = p * s + 1.0 / 5.0;
    p = p * s + 1.0 / 3.0;
    return p * s;                          /* P(s) - 1 */
}

/* P(s) - 1 for the double versions: s Q(s), Q of degree 7 fitted on s in [0, 1/25]
   (fit/fit_atanh.py: 2^-60 absolute; the Taylor series needed 11 terms for 2^-58.5, and the
   three FMAs they cost were 3% of the double softplus) */
RF_INLINE double rf__atanh_pd(double s)
{
    double s2 = s * s, s4 = s2 * s2;
    double p = RF__E8(s, s2, s4, 0.3333333333333328, 0.20000000000033483,
                      0.14285714277139017, 0.11111112209776476, 0.09090830177154362,
                      0.076956262825686, 0.06585852301879339, 0.06926760054856683);
    return p * s;
}

/* log1p(u), u = e^-a in (0, 1] to ~2^-32 (the float versions) */
RF_INLINE double rf__log1p_u_lp(double u)
{
    int big = u >= 0.5;
    double v = big ? (u - 1.0) * 0.5 : u;
    double ri = 1.0 / (2.0 + v);
    double t = v * ri;
    double F = (ri + ri) * (1.0 + rf__atanh_p7(t * t));
    return (big ? RF__LN2_D : 0.0) + v * F;
}

#if RF__HAS_FMA
/* float softplus for beta = 1 in float arithmetic (FMA targets: the kernels' float loop with
   beta = 1; other betas and the SSE2 baseline take the double forms below).  With a = |x|:
   t = e^-a / (2 + e^-a) = sigmoid(-(a + ln2)), so log1p(e^-a) = 2 atanh(t) with t in
   (0, 1/3], one branch for every x: 2t + 2t s Q(s), s = t^2, Q(s) = 1/3 + s/5 + ... + s^6/15
   (the first term left out, s^7/17 relative, is below 2^-28).  t comes from rf__signeg64_f
   (one division with its exact residual, t 2^64 at normal precision down to 2^-150) on
   v = a + ln2 as a float-float; the sum and xp = max(x, 0) are one FMA each, the last one
   rounding once also into the subnormals. */
/* sigmoid, lean (softplus' for beta = 1): rf_silu_f's scheme without the factor a, one
   reduction and one division with no residual correction.  e^a = 2^K (1 + q), m = 2^-K:
   sigmoid(-a) = m / D, D = (1 + m) + q (1 + m's rounding Pe carried), formed as
   s64 = 2^(64-K) / D; v = s64 2^-64 (one rounding, also into the subnormals); x < 0: v,
   x >= 0: 1 - v.  NaN passes the clamp and the division. */
RF_INLINE float rf_sigmoid_lean_f(float x)
{
    float aa = rf__f32(rf__u32(x) & 0x7FFFFFFFu);
    float a = 104.0f < aa ? 104.0f : aa;
    float t = a * RF__LOG2E_F + RF__MAGIC_F;
    float kf = t - RF__MAGIC_F;
    float r = (a - kf * RF__L1_F) - kf * RF__L2_F;     /* a - k L1 exact */
    float q = rf__expm1_poly_f(r);
    float m64 = rf__f32(((RF__MAGIC_F_BITS + 191u) - rf__u32(t)) << 23);  /* 2^(64-K) */
    float m = m64 * RF__TWOM64_F;
    float P = 1.0f + m;
    float Pe = (1.0f - P) + m;
    float D = P + (q + Pe);
    float v = (m64 / D) * RF__TWOM64_F;   /* sigmoid(-a): exact scaling, or one rounding */
    /* x >= 0: 1 - v, v normal (v >= 2^-126 while 1 - v < 1; below, both give 1): the bits of
       fma(s64, -2^-64, 1), with one operation fewer (a masked subtract under AVX-512, where
       the fma needed its two constants selected first) */
    return x >= 0.0f ? 1.0f - v : v;
}

#define RF__LN2_FH  0.693147182f
#define RF__LN2_FL  (-1.90465421e-09f)
RF_INLINE float rf_softplus1_f(float x)
{
    float aa = rf__f32(rf__u32(x) & 0x7FFFFFFFu);
    float a = 104.0f < aa ? 104.0f : aa;               /* e^-104 / 2 < 2^-151; NaN passes */
    float vh = a + RF__LN2_FH;
    float vl = ((a - (vh - (vh - a))) + (RF__LN2_FH - (vh - a))) + RF__LN2_FL;   /* 2Sum */
    float t64 = rf__signeg64_f(1.0f, vh, vl);          /* t 2^64 */
    float t = t64 * RF__TWOM64_F, s = t * t;
    float q = 0.0666666667f;
    float w, xp, y;
    q = q * s + 0.0769230769f;
    q = q * s + 0.0909090909f;
    q = q * s + 0.111111111f;
    q = q * s + 0.142857143f;
    q = q * s + 0.2f;
    q = q * s + 0.333333333f;
    w = t64 + t64;
    w = __builtin_fmaf(w * s, q, w);                   /* log1p(e^-a) 2^64 */
    xp = x > 0.0f ? x : 0.0f;
    y = __builtin_fmaf(w, RF__TWOM64_F, xp);
    return x == x ? y : x;
}
#endif

/* log(1 + e^z) / beta... the float softplus below the threshold: z = x beta
   exact in double, a = min(|z|, 700) (e^-700 is normal; e^-700 / beta is
   below float's underflow for every float beta), ib = 1/beta */
RF_INLINE float rf_softplus_f(float xf, double beta, double ib)
{
    double z = (double)xf * beta, aa = rf__absd(z), s, q, u;
    double a = 700.0 < aa ? 700.0 : aa;   /* NaN passes */
    q = rf__exp_lp(-a, &s);
    u = s * q + s;                        /* e^-|z| */
    return (float)(((z > 0.0 ? z : 0.0) + rf__log1p_u_lp(u)) * ib);
}

#if !RF__HAS_FMA
/* the SSE2 baseline: through double (Dekker's products would make the float form slower) */
RF_INLINE float rf_softplus1_f(float x) { return rf_softplus_f(x, 1.0, 1.0); }
RF_INLINE float rf_sigmoid_lean_f(float x) { return rf_sigmoid_f(x); }
#endif

/* sigmoid(x beta), the float softplus' (in double) */
RF_INLINE float rf_softplus_grad_f(float xf, double beta)
{
    double z = (double)xf * beta, aa = rf__absd(z), s, q, u;
    double a = 700.0 < aa ? 700.0 : aa;
    q = rf__exp_lp(-a, &s);
    u = s * q + s;
    return (float)((z >= 0.0 ? 1.0 : u) / (1.0 + u));
}

RF_INLINE float rf_mish_f(float xf)
{
    double x = xf, aa = rf__absd(x), s, q, u, n, N, D;
    double a = 120.0 < aa ? 120.0 : aa;   /* 120 e^-120 < 2^-150; NaN passes */
    q = rf__exp_lp(-a, &s);
    u = s * q + s;
    n = u * (u + 2.0);
    N = x >= 0.0 ? 1.0 + 2.0 * u : n;
    D = N + (x >= 0.0 ? 2.0 * (u * u) : 2.0);
    return (float)((x >= 0.0 ? x : -a) * (N / D));
}

RF_INLINE float rf_mish_grad_f(float xf)
{
    double x = xf, aa = rf__absd(x), s, q, u, n, A, D, Np, Nn;
    double a = 120.0 < aa ? 120.0 : aa;
    q = rf__exp_lp(-a, &s);
    u = s * q + s;
    n = u * (u + 2.0);
    A = 1.0 + 2.0 * u;
    D = x >= 0.0 ? A + 2.0 * (u * u) : n + 2.0;
    Np = A * D + 4.0 * a * (u * u) * (1.0 + u);
    Nn = u * ((u + 2.0) * D - 4.0 * a * (1.0 + u));
    return (float)((x >= 0.0 ? Np : Nn) / (D * D));
}

/* e^-(a + al) for a in [0, 1110] (al: a small correction, or 0): returns
   u, and us = u 2^600 (normal) */
RF_INLINE double rf__exp_neg_s600_d(double a, double al, double *us)
{
    double r, w;
    double t = rf__exp_reduce_d(-a, -al, &r, &w);
    double s = rf__f64((rf__u64(t) + 1623u) << 52);    /* 2^(k+600), k in [-1602, 0] */
    *us = s * (r + w) + s;
    return *us * RF__TWOM600;
}

/* log1p(e^-(a + al)) for a in [0, 1110].  The leading term 2t of 2 atanh(t) is formed with
   one rounding: t = v / (2 + v) by one division, 2 + v = d + dl exactly (Fast2Sum) and the
   division's exact residual carried (applied with a chord of 1/d on [1.75, 2.5], 3%: it scales
   only the residual), so that what is left is e^-a's error and ~0.5 ulp.  (With t = v r,
   r = 1/(2 + v), and F = 2 r P the sampled error reached 4.1 ulp after the division by beta.) */
RF_INLINE double rf__log1p_exp_neg_d(double a, double al)
{
    double us, u = rf__exp_neg_s600_d(a, al, &us);
    int big = u >= 0.5;
    double v = big ? (u - 1.0) * 0.5 : u;
    double vs = big ? v * RF__TWO600 : us;              /* v 2^600 */
    double d = 2.0 + v;
    double dl = (2.0 - d) + v;                          /* exact: |v| <= 2 */
    double ts = vs / d;                                 /* t 2^600 */
    double pl, pp = rf__two_prod_d(ts, d, &pl);
    double rho = ((vs - pp) - pl) - ts * dl;            /* vs - ts (d + dl): vs - pp exact */
    double t = ts * RF__TWOM600;
    double p = rf__atanh_pd(t * t);                     /* P - 1 */
    double Ls = 2.0 * ts + 2.0 * (rho * (0.97142857142857142 - 0.22857142857142856 * d)
                                  + ts * p);
    double L = Ls * RF__TWOM600;
    return big ? RF__LN2_DH + (L + RF__LN2_DL) : L;
}

/* sigmoid, lean (double softplus' for beta = 1): rf_silu_d's reduction and scaling without
   the factor a: s = 2^(128-K) / D, D = (1 + m) + q, sigmoid = s 2^-128 (x < 0) or
   1 - s 2^-128 (x >= 0), as rf_sigmoid_lean_f (rf_sigmoid_d's two exponentials and
   corrected division ran at 0.9 to 1.0x PyTorch's softplus_backward) */
RF_INLINE double rf_sigmoid_lean_d(double x)
{
    double a, t, r, p = rf__silu_red_d(x, &a, &t, &r);
    double q = (r * r) * p + r;
    double m128 = rf__f64(((0x4338000000000000ULL + 1151u) - rf__u64(t)) << 52);
    double m = m128 * 2.9387358770557188e-39;          /* 2^-K */
    double P = 1.0 + m;
    double Pe = (1.0 - P) + m;                         /* exact; 0 for K <= 52 */
    double D = P + (q + Pe);
    double v = (m128 / D) * 2.9387358770557188e-39;   /* sigmoid(-a), as rf_sigmoid_lean_f */
    return x >= 0.0 ? 1.0 - v : v;
}

/* softplus for beta = 1 below the threshold: max(x, 0) + log1p(e^-|x|) */
RF_INLINE double rf_softplus1_d(double x)
{
    double aa = rf__absd(x);
    double a = 1110.0 < aa ? 1110.0 : aa;  /* NaN passes */
    double L = rf__log1p_exp_neg_d(a, 0.0);
    return (x > 0.0 ? x : 0.0) + L;
}

/* softplus for any beta > 0: z = beta x as zh + zl (exact), the same on z,
   divided by beta once */
RF_INLINE double rf_softplus_d(double x, double beta)
{
    double zl, zh = rf__two_prod_d(x, beta, &zl);
    double aa = rf__absd(zh);
    double a = 1110.0 < aa ? 1110.0 : aa;
    double al = a < 1110.0 ? (zh >= 0.0 ? zl : -zl) : 0.0;   /* 0 where clamped (inf) */
    double L = rf__log1p_exp_neg_d(a, al);
    double zp = zh > 0.0 ? zh + (zl + L) : L;
    return zp / beta;
}

/* sigmoid(beta x) with beta x as zh + zl (softplus' for beta != 1) */
RF_INLINE double rf_softplus_grad_d(double x, double beta)
{
    double zl, zh = rf__two_prod_d(x, beta, &zl);
    double aa = rf__absd(zh), m1, m2, dn, dp, y;
    double a = 760.0 < aa ? 760.0 : aa;
    double al = a < 760.0 ? (zh >= 0.0 ? zl : -zl) : 0.0;
    rf__sig_parts_d(a, al, &m1, &m2, &dn, &dp);
    y = (zh >= 0.0 ? 1.0 : m1) / (zh >= 0.0 ? dp : dn);
    return zh >= 0.0 ? y : y * m2;
}

/* mish: x < 0 in u 2^600 (x e^x formed at normal precision), a <= 760
   (760 e^-760 < 2^-1075).  x < 0: n / (n + 2) = u (1 - c), c = u (u + 1) / D,
   D = u (u + 2) + 2 (c <= 2/5, ~u/2 in the tail: its roundings are damped), and -a u (1 - c) = fma(p, c, -p) + pl with p + pl =
   a u exactly: three roundings that count fully (u's, the FMA's, the last scaling's into the
   subnormals) where x (N / D) had six (3.76 ulp sampled) */
RF_INLINE double rf_mish_d(double x)
{
    double aa = rf__absd(x), us, u, N, D, c, pl, ph, yn, yp;
    double a = 760.0 < aa ? 760.0 : aa;
    int pos = x >= 0.0;
    u = rf__exp_neg_s600_d(a, 0.0, &us);
    N = pos ? 1.0 + 2.0 * u : u * (u + 2.0);
    D = pos ? N + 2.0 * (u * u) : N + 2.0;
    c = (u * (u + 1.0)) / D;
    ph = rf__two_prod_d(a, us, &pl);                   /* a u 2^600 */
#if RF__HAS_FMA
    yn = (__builtin_fma(ph, c, -ph) - pl) * RF__TWOM600;
#else
    yn = ((ph * c - ph) - pl) * RF__TWOM600;
#endif
    yp = x * (N / D);
    return pos ? yp : yn;
}

RF_INLINE double rf_mish_grad_d(double x)
{
    /* x < 0: the bracket (u + 2) D - 4a (1 + u) expanded as 4 (1 - a) + u (6 - 4a + u (4 + u))
       (4 (1 - a) exact for a >= 1/2: the tails' leading term with no rounding), and
       D^2 = 4 + w (4 + w), w = u (u + 2): one rounding, where D * D had three */
    double aa = rf__absd(x), us, u, w, A, D, DD, Np, Nn;
    double a = 760.0 < aa ? 760.0 : aa;
    int pos = x >= 0.0;
    u = rf__exp_neg_s600_d(a, 0.0, &us);
    w = u * (u + 2.0);
    A = 1.0 + 2.0 * u;
    D = A + 2.0 * (u * u);
    DD = pos ? D * D : 4.0 + w * (4.0 + w);
    Np = A * D + 4.0 * a * (u * u) * (1.0 + u);
    Nn = us * (4.0 * (1.0 - a) + u * ((6.0 - 4.0 * a) + u * (4.0 + u)));   /* 2^600 */
    return ((pos ? Np : Nn) / DD) * (pos ? 1.0 : RF__TWOM600);
}

#endif /* RELUFAST_VECMATH_H */
