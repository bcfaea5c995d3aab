/*
 * relufast/_vectab.h -- table-driven AVX-512 loops for float32 gelu, gelu', silu' and
 * softplus' (issue 15 part 2: the speed of the first three against PyTorch's CPU kernels; issue
 * 18: softplus' at 1.5 times PyTorch's).
 *
 *   void rf_tab_gelu_f(const float *x, float *y, ptrdiff_t n)             y = gelu(x)
 *   void rf_tab_silu_f(const float *x, float *y, ptrdiff_t n)             y = silu(x), as
 *        x sigmoid(x) from the sigmoid's tables
 *   void rf_tab_gelu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
 *   void rf_tab_silu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
 *        o = g f'(x), and +0 where f'(x) == 0 (the kernels' _chain)
 *   void rf_tab_sigmoid_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
 *   void rf_tab_sigmoid_grad_d(const double *g, const double *x, double *o, ptrdiff_t n, t)
 *        (the double one: not a polynomial table, e^a reduced by ln2/16 with a table of
 *        2^(j/16); 1 for x > t)
 *        o = g sigmoid(x): softplus' for beta = 1 (where its threshold is >= 17.3286781,
 *        from which the float sigmoid is 1 exactly: the kernels' _grad_softplus1; the fused
 *        bias reaches softplus' through x + b in a block, so it has no _b form)
 *   void rf_tab_silu_grad_d(const double *g, const double *x, double *o, ptrdiff_t n)
 *        double silu', also not a polynomial table: the sigmoid's reduction, e^a / 2^K and
 *        D^2 as double-doubles, a polynomial in x - x0 near the zero x0
 *   rf_tab_gelu_tanh_f(x, y, n), rf_tab_gelu_tanh_grad_f(g, x, o, n)
 *        the tanh form of gelu and gelu' (approximate="tanh")
 *   rf_tab_<gelu|silu|gelu_tanh>_b_f(x, b, y, n), rf_tab_<gelu|silu|gelu_tanh>_grad_b_f(g, x, b, o, n)
 *        the same on x + b (b: n floats), for the fused bias
 *   rf_tab16_<gelu_grad|silu_grad|sigmoid_grad|gelu_tanh_grad>_<h|bf|bf_hw>(g, x, o, n)
 *        the gradient loops on float16 (h) or bfloat16 (bf; bf_hw: rounded with AVX512_BF16,
 *        where rf_bf16_hw() says the CPU has it) g, x and o, widened and rounded in registers
 *   rf_tab16_<gelu|silu|gelu_tanh>_<h|bf|bf_hw>(x, o, n)   the forwards' loops, likewise
 *   rf_m16_elu_grad_<h|bf|bf_hw>(g, x, o, n, sa, s)   elu' on 16 bits in one pass (its element
 *        function, not a table)
 *   RF_TAB            1 where they are the table loops (compiled with AVX-512F), else 0
 *   rf_tab_on         the kernels call them only while it is nonzero (rf_tab_set; 0 gives
 *                     the element loops of _vecmath.h back, for A/B tests and timings)
 *
 * Why: the branch-free scalar functions of _vecmath.h (an exponential, a rational or
 * polynomial in t = 1/(1 + a/4), float-float products) need about 60 vector instructions per
 * 16 lanes, one of them a division, and on Zen 4 they are bounded by their FMA count.  These
 * loops instead evaluate one of 32 local polynomials, whose coefficients sit in registers:
 * _mm512_permutex2var_ps picks one of 32 floats per lane from two registers, one instruction
 * per coefficient.  About 30 instructions per 16 lanes (degree 8 for gelu and gelu', 7 for
 * silu'); gcc does not generate such code from scalar C, hence intrinsics, AVX-512 only.
 *
 * The method, per lane (tables: _vectab_tables.h, fitted by tools/vecmath/fit/fit_tab.py):
 *  - the interval k is round(t) in the low mantissa bits of m = t + 1.5*2^23 (one FMA, no
 *    float->int conversion); the permutes read its low 5 bits, k mod 32.  silu' and the
 *    sigmoid: t = x/0.75, 32 intervals on [-12.375, 11.625) (the sigmoid: degree 6).  gelu,
 *    gelu': t = x (BT + AN |x|) for x < 0 and t = BT x for x >= 0 (rf__tab_m_sq): 25
 *    intervals on [-8.82, -0.46] that shrink as 1/|x| where the Gaussian steepens (so one
 *    degree serves them all), 1 around 0, 6 up to 6.5; from 6.2 on gelu(x) = x and
 *    gelu'(x) = 1 are the rounded values (the tanh form: its own AN and a cubic term).
 *  - u = x - c_k, c_k the interval's center (a table row), is EXACT: c_k is a float with
 *    |x|/2 <= |c_k| <= 2|x| over the interval (Sterbenz), or 0 for the interval holding 0
 *    (then u = x).  A rounded u would cost relative accuracy where f is small (gelu near 0).
 *  - f = c0 + u (c1 + u (c2 + ...)): one FMA at the end, so one rounding.  c0 = f(c_k) needs
 *    no low part: fit_tab.py picks c_k among ~1000 floats so that f(c_k) is within ~2^-11 ulp
 *    of a float.  |u S| is below |f| (mostly well below), so S's own rounding errors reach f
 *    damped.  gelu's interval 0 has c0 = -0.0 (f = u S: relative accuracy down to the
 *    subnormals; -0.0 so that gelu(-0) = -0).
 *  - the interval holding a gradient's zero x0 (gelu' at -0.75179, silu' at -1.27846; for
 *    silu' also its right neighbour, where f falls to 1/4 of f(c_k)) holds g = f / (x - x0),
 *    and f is formed as g (x - x0) (rf__tab_zero), so it keeps its relative accuracy through
 *    the zero: a c0 + u S form cancels there and amplifies S's errors.
 *  - every lane outside the tables' range -- the far negative tail, NaN, for silu' also
 *    x >= 11.62 -- makes the whole vector take the _vecmath.h function as well (a branch
 *    taken for ~1 vector in 40 with the benchmark's 3 N(0, 1) data, ~never with N(0, 1)),
 *    blended per lane: those lanes have exactly the values and the special-case behaviour
 *    of the element loops.  gelu and gelu' (erf form) instead read a second table for the
 *    tail down to where they round to -0.0 (RF__TAB_TAIL), and give -0.0 below it; only NaN
 *    lanes take the element functions there.
 *  - the last n mod 16 elements go through the same code under a load/store mask: every
 *    element gets the same bits wherever it sits in the array and however it is chunked.
 *  - x may be y (or o may be g or x): each vector is loaded before it is stored.
 * Accuracy (all 2^32 inputs, tools/vecmath/vm_exh.c): ACCURACY.md.
 */
#ifndef RELUFAST_VECTAB_H
#define RELUFAST_VECTAB_H

#include <stddef.h>
#include "_vecmath.h"
#include "_half.h"
#include "_lut16.h"

#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include "_vectab_tables.h"

#define RF_TAB 1
static int rf_tab_on = 1;
static inline int rf_tab_set(int on) { int was = rf_tab_on; rf_tab_on = on; return was; }

/* the rows of one table, in registers for the whole loop: 2 zmm per row */
#define RF__TAB_LOAD(T, rows, lo, hi)                                      \
    __m512 lo[rows], hi[rows];                                             \
    for (int r_ = 0; r_ < (rows); r_++) {                                  \
        lo[r_] = _mm512_load_ps(&(T)[r_][0]);                              \
        hi[r_] = _mm512_load_ps(&(T)[r_][16]);                             \
    }

#define RF__PICK(lo, hi, r, idx) _mm512_permutex2var_ps((lo)[r], (idx), (hi)[r])

/* The interval index k in the low bits of m (the permutes read k mod 32).
 * gelu, gelu' ("sq"): k = round(t), t = x (C1 x + C2 |x| + BT): -(AN a^2 + BT a) for x = -a < 0,
 * BT x for x >= 0 (AP = C1 + C2 = 0), so that the intervals shrink as 1/|x| where the
 * Gaussian steepens and one polynomial degree serves [-8.8, 6.2] (fit_tab.py:
 * LAYOUT).  silu' ("lin"): k = round(x RH), uniform intervals (e^x steepens no further).
 * Roundings in t only move an x within ~1e-5 of an interval's end into the next one, whose
 * polynomial was fitted 1e-3 of a width beyond it. */
static inline __attribute__((always_inline)) __m512 rf__tab_m_sq(__m512 x, float c1, float c2, float bt,
                                                                 float c3)
{
    /* AP = C1 + C2 = 0 (fit_tab.py's 32-interval "sq" layouts all have it: it asserts so): with
     * m = min(x, 0), w = BT + (C1 - C2) m, one FMA and a min where the general w = C1 x +
     * C2 |x| + BT takes two FMAs and an abs (gelu: 0.435 -> 0.39-0.41 ns an element in cache,
     * as the FMAs and permutes are the loop's cost); the tanh form's cubic term, AC a^3 on the
     * negative side (AC = 2 C3), as one FMA more, w = BT + m ((C1 - C2) + 2 C3 m), where the
     * general form took a subtraction, a multiply and an FMA: the intervals shrink as 1/a^2 far
     * out, where log gelu_tanh falls as a^3.  C1 - C2 and 2 C3 are exact; c3 is a constant,
     * so the test folds. */
    __m512 m = _mm512_min_ps(x, _mm512_setzero_ps());
    __m512 a = _mm512_set1_ps(c1 - c2);
    if (c3 != 0.0f)
        a = _mm512_fmadd_ps(m, _mm512_set1_ps(2.0f * c3), a);
    __m512 w = _mm512_fmadd_ps(m, a, _mm512_set1_ps(bt));
    return _mm512_fmadd_ps(x, w, _mm512_set1_ps(12582912.0f));    /* + 1.5 * 2^23 */
}
static inline __attribute__((always_inline)) __m512 rf__tab_m_lin(__m512 x, float rh)
{
    return _mm512_fmadd_ps(x, _mm512_set1_ps(rh), _mm512_set1_ps(12582912.0f));
}

/* f = c0 + u S(u) in one FMA (rows: 0 c0, 1 center, 2.. c1 .. c_deg); u, S and the center are
 * returned too.  Lanes outside k (the saturating functions, gelu and gelu' in both forms: x >=
 * HI, and NaN) get sat, the passthrough of the masked subtraction of the center and of the
 * masked last FMA (a blend after them would be one instruction more of ~25 per 16 lanes);
 * rf__tab_core: every lane in k */
static inline __attribute__((always_inline)) __m512
rf__tab_core_sat(const __m512 *lo, const __m512 *hi, int deg, __m512 x, __m512 m, __mmask16 k,
                 __m512 sat, __m512 *u_out, __m512 *s_out, __m512 *c0_out, __m512 *ctr_out)
{
    __m512i idx = _mm512_castps_si512(m);
    __m512 ctr = RF__PICK(lo, hi, 1, idx);
    __m512 u = _mm512_mask_sub_ps(sat, k, x, ctr);       /* exact (see the top); sat outside k */
    __m512 s = RF__PICK(lo, hi, deg + 1, idx);
    for (int j = deg - 1; j >= 1; j--)
        s = _mm512_fmadd_ps(s, u, RF__PICK(lo, hi, j + 1, idx));
    __m512 c0 = RF__PICK(lo, hi, 0, idx);
    *u_out = u;
    *s_out = s;
    *c0_out = c0;
    *ctr_out = ctr;
    return _mm512_mask_fmadd_ps(u, k, s, c0);            /* u, i.e. sat, outside k */
}
static inline __attribute__((always_inline)) __m512
rf__tab_core(const __m512 *lo, const __m512 *hi, int deg, __m512 x, __m512 m,
             __m512 *u_out, __m512 *s_out, __m512 *c0_out, __m512 *ctr_out)
{
    return rf__tab_core_sat(lo, hi, deg, x, m, (__mmask16)0xFFFF, x, u_out, s_out, c0_out,
                            ctr_out);
}

/* f' on the intervals whose centers lie in [ca, cb] -- the zero's and, for silu', its
 * neighbour -- as g (x - x0): their tables hold g = f / (x - x0) (fit_tab.py), and f =
 * g dh - x0l g, dh = x - x0h, x0l = x0 - x0h, formed as dh c0 + (dh (u S) + p), p = -x0l g(x0)
 * (a constant: its error, x0l (g(x) - g(x0)), is below 2^-24 |f|).  dh is exact in the zero's
 * interval (Sterbenz: fit_tab.py checks it); in silu''s neighbour it is exact down to x0h/2
 * and rounded once (relative 2^-24) beyond, where f is no longer small. */
static inline __attribute__((always_inline)) __m512
rf__tab_zero(__m512 y, __mmask16 k, __m512 x, __m512 u, __m512 s, __m512 c0, __m512 ctr,
             float ca, float cb, float x0h, float zp)
{
    __mmask16 z;     /* within k only: a saturated lane's index wraps onto any interval */
    if (ca == cb) {
        z = _mm512_mask_cmp_ps_mask(k, ctr, _mm512_set1_ps(ca), _CMP_EQ_OQ);
    } else {
        z = _mm512_mask_cmp_ps_mask(k, ctr, _mm512_set1_ps(ca < cb ? ca : cb), _CMP_GE_OQ);
        z = _mm512_mask_cmp_ps_mask(z, ctr, _mm512_set1_ps(ca < cb ? cb : ca), _CMP_LE_OQ);
    }
    __m512 dh = _mm512_sub_ps(x, _mm512_set1_ps(x0h));
    __m512 inner = _mm512_fmadd_ps(dh, _mm512_mul_ps(u, s), _mm512_set1_ps(zp));
    return _mm512_mask_blend_ps(z, y, _mm512_fmadd_ps(dh, c0, inner));
}
#define RF__TAB_ZARGS(T, ZK, ZW, X0H, ZP) (T)[1][ZK], (T)[1][ZW], X0H, ZP

/* The same, lean (silu'): f = g dh + p from y, g as it was rounded, in one masked FMA, where
 * rf__tab_zero keeps c0 out of the rounding of g (4 vector instructions here against 7, 10% of
 * the silu' loop).  The rounding of g adds up to 0.5 ulp of f there, and silu''s tables were at
 * 1.15 ulp at most over the tables' range (gelu''s g-form interval at 1.58: it keeps the exact
 * form); the exhaustive sweep after the change: tools/vecmath/ACCURACY.md. */
static inline __attribute__((always_inline)) __m512
rf__tab_zero_lean(__m512 y, __m512 x, __m512 ctr, float ca, float cb, float x0h, float zp)
{
    __mmask16 z = _mm512_cmp_ps_mask(ctr, _mm512_set1_ps(ca < cb ? ca : cb), _CMP_GE_OQ);
    z = _mm512_mask_cmp_ps_mask(z, ctr, _mm512_set1_ps(ca < cb ? cb : ca), _CMP_LE_OQ);
    return _mm512_mask_fmadd_ps(y, z, _mm512_sub_ps(x, _mm512_set1_ps(x0h)), _mm512_set1_ps(zp));
}

/* f for 16 lanes; *in: the lanes the tables cover (else: the _vecmath.h functions, see the
 * loops).  gelu and gelu' in either form (P: the table's prefix): from HI = 6.2 on (+inf too)
 * the rounded values are x and 1 (erf form: x Phi(-x) < 2^-31 x, |gelu'(x) - 1| < 2^-26; tanh
 * form: x (1 - sigmoid(v)) < 2^-36 x, within 2^-30 of 1) */
#define RF__TAB_GELU_V(name, P, ZERO, SAT)                                                  \
static inline __attribute__((always_inline)) __m512                                          \
name(const __m512 *lo, const __m512 *hi, __m512 x, __mmask16 *in)                            \
{                                                                                            \
    __m512 u, s, c0, ctr;                                                                    \
    __m512 m = rf__tab_m_sq(x, P##_C1, P##_C2, P##_BT, P##_C3);                              \
    __mmask16 k = _mm512_cmp_ps_mask(x, _mm512_set1_ps(P##_HI), _CMP_LT_OQ);                \
    __m512 y = rf__tab_core_sat(lo, hi, P##_DEG, x, m, k, SAT, &u, &s, &c0, &ctr);           \
    ZERO(P)                                                                                  \
    *in = _mm512_cmp_ps_mask(x, _mm512_set1_ps(P##_LO), _CMP_GE_OQ);   /* NaN: not in */      \
    return y;                                                                                \
}
/* ZERO: nothing for the forwards; the gradients' zero interval as g (x - x0) */
#define RF__TAB_NO_ZERO(P)
#define RF__TAB_G_ZERO(P)                                                                    \
    y = rf__tab_zero(y, k, x, u, s, c0, ctr, RF__TAB_ZARGS(P, P##_ZK, P##_ZW, P##_X0H, P##_ZP));
RF__TAB_GELU_V(rf__tab_gelu_v, RF_TAB_GELU, RF__TAB_NO_ZERO, x)
RF__TAB_GELU_V(rf__tab_gelu_grad_v, RF_TAB_GELU_GRAD, RF__TAB_G_ZERO, _mm512_set1_ps(1.0f))
/* the tanh form: its own tables, degree 10, the index's cubic term (rf__tab_m_sq) */
RF__TAB_GELU_V(rf__tab_gelu_tanh_v, RF_TAB_GELU_TANH, RF__TAB_NO_ZERO, x)
RF__TAB_GELU_V(rf__tab_gelu_tanh_grad_v, RF_TAB_GELU_TANH_GRAD, RF__TAB_G_ZERO,
               _mm512_set1_ps(1.0f))

static inline __attribute__((always_inline)) __m512
rf__tab_silu_grad_v(const __m512 *lo, const __m512 *hi, __m512 x, __mmask16 *in)
{
    __m512 u, s, c0, ctr;
    __m512 m = rf__tab_m_lin(x, RF_TAB_SILU_GRAD_RH);
    __m512 y = rf__tab_core(lo, hi, RF_TAB_SILU_GRAD_DEG, x, m, &u, &s, &c0, &ctr);
    y = rf__tab_zero_lean(y, x, ctr,
                          RF__TAB_ZARGS(RF_TAB_SILU_GRAD, RF_TAB_SILU_GRAD_ZK, RF_TAB_SILU_GRAD_ZW,
                                        RF_TAB_SILU_GRAD_X0H, RF_TAB_SILU_GRAD_ZP));
    __mmask16 k = _mm512_cmp_ps_mask(x, _mm512_set1_ps(RF_TAB_SILU_GRAD_LO), _CMP_GE_OQ);
    *in = _mm512_mask_cmp_ps_mask(k, x, _mm512_set1_ps(RF_TAB_SILU_GRAD_HI), _CMP_LT_OQ);
    return y;
}

/* the sigmoid (softplus' for beta = 1): no zero, the range of silu''s tables; replaces the
 * lean rf_sigmoid_lean_f (one division and ~24 vector instructions per 16 lanes) */
static inline __attribute__((always_inline)) __m512
rf__tab_sigmoid_v(const __m512 *lo, const __m512 *hi, __m512 x, __mmask16 *in)
{
    __m512 u, s, c0, ctr;
    __m512 m = rf__tab_m_lin(x, RF_TAB_SIGMOID_RH);
    __m512 y = rf__tab_core(lo, hi, RF_TAB_SIGMOID_DEG, x, m, &u, &s, &c0, &ctr);
    __mmask16 k = _mm512_cmp_ps_mask(x, _mm512_set1_ps(RF_TAB_SIGMOID_LO), _CMP_GE_OQ);
    *in = _mm512_mask_cmp_ps_mask(k, x, _mm512_set1_ps(RF_TAB_SIGMOID_HI), _CMP_LT_OQ);
    return y;
}

/* silu = x sigmoid(x) from the sigmoid's tables: one multiply more (0.88 ulp of the sigmoid
 * and the product's rounding: within 2 ulp over all 2^32 inputs, ACCURACY.md); the sigmoid's
 * range, so x = +-0 (sigmoid 0.5 exactly: -0 stays -0) and the subnormals are in it, and the
 * infinities, NaN and |x| beyond ~12 take rf_silu_f */
static inline __attribute__((always_inline)) __m512
rf__tab_silu_v(const __m512 *lo, const __m512 *hi, __m512 x, __mmask16 *in)
{
    return _mm512_mul_ps(x, rf__tab_sigmoid_v(lo, hi, x, in));
}

/* The lanes not in `in` from the element functions of _vecmath.h (a vector with a lane in the
 * far negative tail, NaN, or for silu' beyond the range), and for the gradients the kernels'
 * _chain: g f'(x), or +0 where f'(x) == 0 -- which only those lanes can have (the tables'
 * values are never 0).  Out of line, but not `cold`: gcc would then optimize it for size and
 * not vectorize the 16-lane loop, and with the benchmark's 3 N(0, 1) data 1 vector in ~40
 * comes here. */
#define RF__TAB_SLOW(name, fn)                                                               \
static __attribute__((noinline, unused)) __m512 name(__m512 x, __m512 y, __mmask16 in)      \
{                                                                                            \
    float t[16] __attribute__((aligned(64)));                                                \
    _mm512_store_ps(t, x);                                                                   \
    for (int j = 0; j < 16; j++)                                                             \
        t[j] = fn(t[j]);                                                                     \
    return _mm512_mask_blend_ps(in, _mm512_load_ps(t), y);                                   \
}                                                                                            \
static __attribute__((noinline, unused)) __m512 name##_g(__m512 x, __m512 g, __m512 r,         \
                                                        __mmask16 in)                        \
{                                                                                            \
    float t[16] __attribute__((aligned(64)));                                                \
    _mm512_store_ps(t, x);                                                                   \
    for (int j = 0; j < 16; j++)                                                             \
        t[j] = fn(t[j]);                                                                     \
    __m512 d = _mm512_load_ps(t);                                                            \
    __mmask16 nz = _mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ);                  \
    return _mm512_mask_blend_ps(in, _mm512_maskz_mul_ps(nz, g, d), r);                       \
}
RF__TAB_SLOW(rf__tab_gelu_slow, rf_gelu_f)
RF__TAB_SLOW(rf__tab_gelu_grad_slow, rf_gelu_grad_f)
RF__TAB_SLOW(rf__tab_silu_grad_slow, rf_silu_grad_f)
RF__TAB_SLOW(rf__tab_sigmoid_slow, rf_sigmoid_lean_f)
RF__TAB_SLOW(rf__tab_silu_slow, rf_silu_f)
RF__TAB_SLOW(rf__tab_gelu_tanh_slow, rf_gelu_tanh_f)
RF__TAB_SLOW(rf__tab_gelu_tanh_grad_slow, rf_gelu_tanh_grad_f)

/* gelu's and gelu''s far tails, x in [XZ, LO) = [-14.356, -8.81) (gelu') [-14.541, -8.81):
 * a second table each (RF_TAB_GELU_TAIL, RF_TAB_GELU_GRAD_TAIL, degree 10, read from memory),
 * the same c0 + u S form on f 2^64 (normal floats down to the subnormal results, which the last
 * multiply rounds once); below XZ f rounds to -0.0 (-inf too).  NaN lanes still take the
 * element function.  With the benchmark's 3 N(0, 1) data 1 vector in ~40 has a lane below LO,
 * and the element function on all 16 lanes (~80 instructions) cost ~8% of gelu's loop (0.435
 * -> 0.47 ns an element in cache). */
static inline __attribute__((always_inline)) __m512
rf__tab_tail_v(const float (*t)[32], int deg, float an, float bt, float scale, float xz, __m512 x)
{
    __m512 w = _mm512_fmsub_ps(x, _mm512_set1_ps(an), _mm512_set1_ps(bt));
    __m512i idx = _mm512_castps_si512(_mm512_fmadd_ps(x, w, _mm512_set1_ps(12582912.0f)));
#define P_(r) _mm512_permutex2var_ps(_mm512_load_ps(&t[r][0]), idx, _mm512_load_ps(&t[r][16]))
    __m512 u = _mm512_sub_ps(x, P_(1));                  /* exact: Sterbenz */
    __m512 sv = P_(deg + 1);
    for (int j = deg - 1; j >= 1; j--)
        sv = _mm512_fmadd_ps(sv, u, P_(j + 1));
    __m512 r = _mm512_mul_ps(_mm512_fmadd_ps(u, sv, P_(0)), _mm512_set1_ps(scale));
#undef P_
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, _mm512_set1_ps(xz), _CMP_LT_OQ),
                              _mm512_set1_ps(-0.0f));
}
/* name (f on y's lanes outside `in`) and name##_g (g f', and +0 where f' == 0: _chain), as the
 * RF__TAB_SLOW functions they stand in for, which they call for NaN lanes */
#define RF__TAB_TAIL(name, T, LO, slow)                                                      \
static __attribute__((noinline, unused)) __m512 name(__m512 x, __m512 y, __mmask16 in)      \
{                                                                                            \
    __mmask16 tl = _mm512_cmp_ps_mask(x, _mm512_set1_ps(LO), _CMP_LT_OQ);                    \
    y = _mm512_mask_mov_ps(y, tl, rf__tab_tail_v(T, T##_DEG, T##_AN, T##_BT, T##_SCALE,       \
                                                 T##_XZ, x));                                \
    if (__builtin_expect((__mmask16)(in | tl) != 0xFFFF, 0))   /* NaN */                     \
        y = slow(x, y, (__mmask16)(in | tl));                                                \
    return y;                                                                                \
}                                                                                            \
static __attribute__((noinline, unused)) __m512 name##_g(__m512 x, __m512 g, __m512 r,         \
                                                        __mmask16 in)                        \
{                                                                                            \
    __mmask16 tl = _mm512_cmp_ps_mask(x, _mm512_set1_ps(LO), _CMP_LT_OQ);                    \
    __m512 d = rf__tab_tail_v(T, T##_DEG, T##_AN, T##_BT, T##_SCALE, T##_XZ, x);             \
    __mmask16 nz = _mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ);                  \
    r = _mm512_mask_mov_ps(r, tl, _mm512_maskz_mul_ps(nz, g, d));                            \
    if (__builtin_expect((__mmask16)(in | tl) != 0xFFFF, 0))                                 \
        r = slow##_g(x, g, r, (__mmask16)(in | tl));                                         \
    return r;                                                                                \
}
RF__TAB_TAIL(rf__tab_gelu_tail, RF_TAB_GELU_TAIL, RF_TAB_GELU_LO, rf__tab_gelu_slow)
RF__TAB_TAIL(rf__tab_gelu_grad_tail, RF_TAB_GELU_GRAD_TAIL, RF_TAB_GELU_GRAD_LO,
             rf__tab_gelu_grad_slow)

/* The loops' x: loaded as it is (RF__X), or with the fused bias's b added in float before f
 * (RF__XB: b holds n floats, x + b rounded as the composition rounds it; the fused bias reads
 * x once, in the loop that computes, rather than forming x + b in a block first, a loop where
 * x's loads miss to memory with no computation to overlap them (_bias.pxi)).  The masked
 * forms load the last n mod 16 elements, zeros in the other lanes. */
#define RF__X(i) _mm512_loadu_ps(x + (i))
#define RF__XM(k, i) _mm512_maskz_loadu_ps((k), x + (i))
#define RF__XB(i) _mm512_add_ps(_mm512_loadu_ps(x + (i)), _mm512_loadu_ps(b + (i)))
#define RF__XBM(k, i) _mm512_add_ps(_mm512_maskz_loadu_ps((k), x + (i)),                      \
                                    _mm512_maskz_loadu_ps((k), b + (i)))

/* o = f(x); the last n mod 16 elements under a load/store mask.  XLOAD, OSTORE (and their
 * masked forms): x and o as floats (RF__X, RF__O) or in 16 bits (RF__HX .. RF__BOM_HW below) */
#define RF__TAB_FWD_BODY(T, DEG, vfun, slow, XLOAD, XLOADM, OSTORE, OSTOREM)                 \
{                                                                                            \
    RF__TAB_LOAD(T, (DEG) + 2, lo, hi)                                                       \
    __mmask16 in;                                                                            \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                           \
        __m512 xv = XLOAD(i);                                                                \
        __m512 r = vfun(lo, hi, xv, &in);                                                    \
        if (__builtin_expect(in != 0xFFFF, 0))                                               \
            r = slow(xv, r, in);                                                             \
        OSTORE(i, r);                                                                        \
    }                                                                                        \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        __m512 xv = XLOADM(k, i);                                                            \
        __m512 r = vfun(lo, hi, xv, &in);                                                    \
        if (in != 0xFFFF)                                                                    \
            r = slow(xv, r, in);                                                             \
        OSTOREM(k, i, r);                                                                    \
    }                                                                                        \
}
#define RF__O(i, r) _mm512_storeu_ps(o + (i), (r))
#define RF__OM(k, i, r) _mm512_mask_storeu_ps(o + (i), (k), (r))
#define RF__TAB_FWD_LOOP(name, T, DEG, vfun, slow)                                           \
static inline void name(const float *x, float *o, ptrdiff_t n)                               \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__X, RF__XM, RF__O, RF__OM)
#define RF__TAB_FWD_LOOP_B(name, T, DEG, vfun, slow)                                         \
static inline void name(const float *x, const float *b, float *o, ptrdiff_t n)               \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__XB, RF__XBM, RF__O, RF__OM)

/* o = g f'(x), and +0 where f'(x) == 0 (_chain); o may be g or x.  XLOAD, GLOAD and OSTORE
 * (and their masked forms for the last n mod 16): as the forward's, and g alike */
#define RF__G(i) _mm512_loadu_ps(g + (i))
#define RF__GM(k, i) _mm512_maskz_loadu_ps((k), g + (i))

#define RF__TAB_GRAD_BODY(T, DEG, vfun, slow, XLOAD, XLOADM, GLOAD, GLOADM, OSTORE, OSTOREM)   \
{                                                                                            \
    RF__TAB_LOAD(T, (DEG) + 2, lo, hi)                                                       \
    __mmask16 in;                                                                            \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                           \
        __m512 xv = XLOAD(i), gv = GLOAD(i);                                                 \
        __m512 r = _mm512_mul_ps(gv, vfun(lo, hi, xv, &in));                                 \
        if (__builtin_expect(in != 0xFFFF, 0))                                               \
            r = slow##_g(xv, gv, r, in);                                                     \
        OSTORE(i, r);                                                                        \
    }                                                                                        \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        __m512 xv = XLOADM(k, i), gv = GLOADM(k, i);                                         \
        __m512 r = _mm512_mul_ps(gv, vfun(lo, hi, xv, &in));                                 \
        if (in != 0xFFFF)                                                                    \
            r = slow##_g(xv, gv, r, in);                                                     \
        OSTOREM(k, i, r);                                                                    \
    }                                                                                        \
}
#define RF__TAB_GRAD_LOOP(name, T, DEG, vfun, slow)                                          \
static inline void name(const float *g, const float *x, float *o, ptrdiff_t n)               \
RF__TAB_GRAD_BODY(T, DEG, vfun, slow, RF__X, RF__XM, RF__G, RF__GM, RF__O, RF__OM)
#define RF__TAB_GRAD_LOOP_B(name, T, DEG, vfun, slow)                                        \
static inline void name(const float *g, const float *x, const float *b, float *o,           \
                        ptrdiff_t n)                                                         \
RF__TAB_GRAD_BODY(T, DEG, vfun, slow, RF__XB, RF__XBM, RF__G, RF__GM, RF__O, RF__OM)

/* float16 and bfloat16: g, x and o of one 16-bit format (the mixed kernels' _grad_blocks
 * take these when every operand is float16, or every one bfloat16).  Each lane is widened
 * exactly as it is loaded and rounded once as it is stored, so the bits are those of widening
 * into a block, the float loop above and rounding the block, without the blocks' conversion
 * passes (a store and a load of every operand in L1): C harness, float16 silu', ns per
 * element through the blocks / in one pass, 0.53-0.56 / 0.44 at 10**5, 0.47-0.74 / 0.41-0.44
 * at 1.6 * 10**6 (runs at different times).  bfloat16 rounds as rf_f2bf does (to nearest even, NaN
 * quieted), by integer operations or, in the _hw loops, by vcvtneps2bf16 with rf_f2bf_x32's
 * care for subnormal floats. */
#define RF__H_LD(p, i) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((p) + (i))))
#define RF__H_LDM(k, p, i) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16((k), (p) + (i)))
#define RF__H_ST(v) _mm512_cvtps_ph((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define RF__BF_LD(p, i) rf__bf_widen(_mm256_loadu_si256((const __m256i *)((p) + (i))))
#define RF__BF_LDM(k, p, i) rf__bf_widen(_mm256_maskz_loadu_epi16((k), (p) + (i)))

static inline __attribute__((always_inline)) __m512 rf__bf_widen(__m256i h)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* rf_f2bf on 16 lanes */
static inline __attribute__((always_inline)) __m256i rf__bf_round(__m512 v)
{
    __m512i x = _mm512_castps_si512(v);
    __m512i hi = _mm512_srli_epi32(x, 16);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(
        x, _mm512_add_epi32(_mm512_and_si512(hi, _mm512_set1_epi32(1)),
                            _mm512_set1_epi32(0x7fff))), 16);
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff)),
                                            _mm512_set1_epi32(0x7f800000));
    r = _mm512_mask_or_epi32(r, nan, hi, _mm512_set1_epi32(0x0040));
    return _mm512_cvtepi32_epi16(r);
}

#if defined(RF_BF16_TARGET)
/* the same with AVX512_BF16 (which takes a subnormal float for zero: such vectors, rare, are
 * rounded as above) */
RF_BF16_TARGET static inline __m256i rf__bf_round_hw(__m512 v)
{
    const __m512i expo = _mm512_set1_epi32(0x7f800000), frac = _mm512_set1_epi32(0x007fffff);
    __m512i x = _mm512_castps_si512(v);
    if (__builtin_expect(_mm512_mask_test_epi32_mask(_mm512_testn_epi32_mask(x, expo), x, frac)
                         != 0, 0))
        return rf__bf_round(v);
    return (__m256i)_mm512_cvtneps_pbh(v);
}
#endif

/* x, g and o in 16 bits: float16 by the F16C conversions, bfloat16 widened by a shift and
 * rounded by rf__bf_round (or rf__bf_round_hw) */
#define RF__HX(i) RF__H_LD(x, i)
#define RF__HXM(k, i) RF__H_LDM(k, x, i)
#define RF__HG(i) RF__H_LD(g, i)
#define RF__HGM(k, i) RF__H_LDM(k, g, i)
#define RF__BX(i) RF__BF_LD(x, i)
#define RF__BXM(k, i) RF__BF_LDM(k, x, i)
#define RF__BG(i) RF__BF_LD(g, i)
#define RF__BGM(k, i) RF__BF_LDM(k, g, i)
#define RF__HO(i, r) _mm256_storeu_si256((__m256i *)(o + (i)), RF__H_ST(r))
#define RF__HOM(k, i, r) _mm256_mask_storeu_epi16(o + (i), (k), RF__H_ST(r))
#define RF__BO(i, r) _mm256_storeu_si256((__m256i *)(o + (i)), rf__bf_round(r))
#define RF__BOM(k, i, r) _mm256_mask_storeu_epi16(o + (i), (k), rf__bf_round(r))
#define RF__BO_HW(i, r) _mm256_storeu_si256((__m256i *)(o + (i)), rf__bf_round_hw(r))
#define RF__BOM_HW(k, i, r) _mm256_mask_storeu_epi16(o + (i), (k), rf__bf_round_hw(r))
#define RF__TAB_GRAD_H(T, DEG, vfun, slow)                                                   \
    RF__TAB_GRAD_BODY(T, DEG, vfun, slow, RF__HX, RF__HXM, RF__HG, RF__HGM, RF__HO, RF__HOM)
#define RF__TAB_GRAD_BF(T, DEG, vfun, slow)                                                  \
    RF__TAB_GRAD_BODY(T, DEG, vfun, slow, RF__BX, RF__BXM, RF__BG, RF__BGM, RF__BO, RF__BOM)
#if defined(RF_BF16_TARGET)
#define RF__TAB_GRAD16_BF_HW(name, T, DEG, vfun, slow)                                      \
RF_BF16_TARGET static void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,  \
                                        ptrdiff_t n)                                         \
RF__TAB_GRAD_BODY(T, DEG, vfun, slow, RF__BX, RF__BXM, RF__BG, RF__BGM, RF__BO_HW, RF__BOM_HW)
#else
#define RF__TAB_GRAD16_BF_HW(name, T, DEG, vfun, slow)                                      \
static void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)    \
RF__TAB_GRAD_BF(T, DEG, vfun, slow)
#endif
#define RF__TAB_GRAD16_LOOPS(name, T, DEG, vfun, slow)                                       \
static void name##_h(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)        \
RF__TAB_GRAD_H(T, DEG, vfun, slow)                                                           \
static void name##_bf(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)       \
RF__TAB_GRAD_BF(T, DEG, vfun, slow)                                                          \
RF__TAB_GRAD16_BF_HW(name, T, DEG, vfun, slow)

/* the forwards on 16 bits */
#if defined(RF_BF16_TARGET)
#define RF__TAB_FWD16_BF_HW(name, T, DEG, vfun, slow)                                       \
RF_BF16_TARGET static void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)        \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__BX, RF__BXM, RF__BO_HW, RF__BOM_HW)
#else
#define RF__TAB_FWD16_BF_HW(name, T, DEG, vfun, slow)                                       \
static void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)                       \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__BX, RF__BXM, RF__BO, RF__BOM)
#endif
#define RF__TAB_FWD16_LOOPS(name, T, DEG, vfun, slow)                                        \
static void name##_h(const uint16_t *x, uint16_t *o, ptrdiff_t n)                           \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__HX, RF__HXM, RF__HO, RF__HOM)                       \
static void name##_bf(const uint16_t *x, uint16_t *o, ptrdiff_t n)                          \
RF__TAB_FWD_BODY(T, DEG, vfun, slow, RF__BX, RF__BXM, RF__BO, RF__BOM)                       \
RF__TAB_FWD16_BF_HW(name, T, DEG, vfun, slow)

/* every loop of one function: on floats, on x + b for the fused bias, on float16 and
 * bfloat16; for a gradient also f'(x) alone (_d1_f), for the exhaustive sweep
 * (tools/vecmath/vm_lib.c).  T: the table (its degree T##_DEG), vfun and slow: as above. */
#define RF__TAB_FWD_ALL(f, T, vfun, slow)                                                    \
RF__TAB_FWD_LOOP(rf_tab_##f##_f, T, T##_DEG, vfun, slow)                                     \
RF__TAB_FWD_LOOP_B(rf_tab_##f##_b_f, T, T##_DEG, vfun, slow)                                 \
RF__TAB_FWD16_LOOPS(rf_tab16_##f, T, T##_DEG, vfun, slow)
#define RF__TAB_GRAD_ALL(f, T, vfun, slow)                                                   \
RF__TAB_GRAD_LOOP(rf_tab_##f##_f, T, T##_DEG, vfun, slow)                                    \
RF__TAB_GRAD_LOOP_B(rf_tab_##f##_b_f, T, T##_DEG, vfun, slow)                                \
RF__TAB_FWD_LOOP(rf_tab_##f##_d1_f, T, T##_DEG, vfun, slow)                                  \
RF__TAB_GRAD16_LOOPS(rf_tab16_##f, T, T##_DEG, vfun, slow)

RF__TAB_FWD_ALL(gelu, RF_TAB_GELU, rf__tab_gelu_v, rf__tab_gelu_tail)
RF__TAB_FWD_ALL(silu, RF_TAB_SIGMOID, rf__tab_silu_v, rf__tab_silu_slow)
RF__TAB_FWD_ALL(gelu_tanh, RF_TAB_GELU_TANH, rf__tab_gelu_tanh_v, rf__tab_gelu_tanh_slow)
RF__TAB_GRAD_ALL(gelu_grad, RF_TAB_GELU_GRAD, rf__tab_gelu_grad_v, rf__tab_gelu_grad_tail)
RF__TAB_GRAD_ALL(silu_grad, RF_TAB_SILU_GRAD, rf__tab_silu_grad_v, rf__tab_silu_grad_slow)
RF__TAB_GRAD_ALL(sigmoid_grad, RF_TAB_SIGMOID, rf__tab_sigmoid_v, rf__tab_sigmoid_slow)
RF__TAB_GRAD_ALL(gelu_tanh_grad, RF_TAB_GELU_TANH_GRAD, rf__tab_gelu_tanh_grad_v,
                 rf__tab_gelu_tanh_grad_slow)

/* elu' (elu and selu's gradient, D_ELU with |sa| <= 2^64) on float16 / bfloat16 g, x and o in
 * one pass: not a table loop, the element function of the chunk loops (_elementwise.pxi's
 * _d_elu and _chain, the same C operations, so the same bits), run 16 lanes at a time between
 * the widening loads and the rounding store.  The mixed kernels' blocks of 512 first widen g
 * and x, then compute, then round: the loads come in bursts with no arithmetic to hide them
 * behind, and at 10^7 float16 elements (C harness, one thread, out of place) that took 0.44 to
 * 0.58 ns an element against 0.34 here (0.44 / 0.36 in the caches).  gcc keeps the 16-lane
 * arrays in registers (no stack traffic in the loop). */
static inline __attribute__((always_inline)) float rf__d_elu_chain(float g, float x, float sa, float s)
{
    float d = x > 0 ? s : rf_exp_mul_neg_f(x, sa);
    float r = g * d;
    return d == 0 ? 0 : r;
}
#define RF__M16_ELU_GRAD_BODY(GLOAD, GLOADM, XLOAD, XLOADM, OSTORE, OSTOREM)                     \
{                                                                                            \
    float tg[16] __attribute__((aligned(64))), tx[16] __attribute__((aligned(64)));          \
    float to[16] __attribute__((aligned(64)));                                               \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                           \
        _mm512_store_ps(tg, GLOAD(i));                                                       \
        _mm512_store_ps(tx, XLOAD(i));                                                       \
        for (int j = 0; j < 16; j++)                                                         \
            to[j] = rf__d_elu_chain(tg[j], tx[j], sa, s);                                    \
        OSTORE(i, _mm512_load_ps(to));                                                       \
    }                                                                                        \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        _mm512_store_ps(tg, GLOADM(k, i));                                                   \
        _mm512_store_ps(tx, XLOADM(k, i));                                                   \
        for (int j = 0; j < 16; j++)                                                         \
            to[j] = rf__d_elu_chain(tg[j], tx[j], sa, s);                                    \
        OSTOREM(k, i, _mm512_load_ps(to));                                                   \
    }                                                                                        \
}
static void rf_m16_elu_grad_h(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n,
                              float sa, float s)
RF__M16_ELU_GRAD_BODY(RF__HG, RF__HGM, RF__HX, RF__HXM, RF__HO, RF__HOM)
static void rf_m16_elu_grad_bf(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n,
                               float sa, float s)
RF__M16_ELU_GRAD_BODY(RF__BG, RF__BGM, RF__BX, RF__BXM, RF__BO, RF__BOM)
#if defined(RF_BF16_TARGET)
RF_BF16_TARGET static void rf_m16_elu_grad_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,
                                                 ptrdiff_t n, float sa, float s)
RF__M16_ELU_GRAD_BODY(RF__BG, RF__BGM, RF__BX, RF__BXM, RF__BO_HW, RF__BOM_HW)
#else
static void rf_m16_elu_grad_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n,
                                  float sa, float s)
{ rf_m16_elu_grad_bf(g, x, o, n, sa, s); }
#endif

/* hardsigmoid, hardswish, relu_squared and their gradients on float16 and bfloat16 in one pass:
 * widened in registers, the float32 op (the operations and order of _elementwise.pxi's
 * _hardsigmoid, _hardswish, _g_hardsigmoid, _chain(g, _d_hardswish) and the relu_squared ones,
 * so the same bits), rounded in registers.  Through the kernels' 512-element blocks (widen,
 * compute, round: three passes over L1 buffers) they took 1.6 to 2.7 ms per 10^7 elements,
 * 1.0 to 1.35 times PyTorch's 16-bit kernels (bench/family16.py, one thread); in one pass 1.0
 * to 2.3 ms.
 *
 * hardsigmoid, its derivative and hardswish divide by 6 with a plain multiply by RN(1/6): the
 * float32 result can be an ulp off the quotient, but rounded to float16 or bfloat16 it is the
 * quotient's for every x and every grad of both formats, either bfloat16 rounding (all 65,536
 * patterns each, tests/test_mixed_dtypes.py, test_hard_functions_16bit_one_pass).  hardswish'
 * cannot: x RN(1/3) + 1/2 differs from x / 3 + 1/2 for 2,394 float16 x in [-3, 3] (294
 * bfloat16), and the test fails with it, so its quotient is formed exactly rounded (below).
 * vdivps was the costliest operation of these loops (C harness, 10^5 float16 in cache:
 * hardsigmoid 0.157 ns an element with it, 0.10 to 0.11 without). */
static inline __m512 rf__v_hardsigmoid(__m512 x)
{
    /* min and max return their second operand for NaN: t stays NaN; t is never -0.0 (x + 3
     * rounds to +0 at x = -3), so max(0, t) is _hardsigmoid's select */
    __m512 t = _mm512_add_ps(x, _mm512_set1_ps(3.0f));
    t = _mm512_max_ps(_mm512_setzero_ps(), _mm512_min_ps(_mm512_set1_ps(6.0f), t));
    return _mm512_mul_ps(t, _mm512_set1_ps(1.0f / 6));
}
static inline __m512 rf__v_hardswish(__m512 x)
{
    const __m512 three = _mm512_set1_ps(3.0f);
    __m512 r = _mm512_mul_ps(_mm512_mul_ps(x, _mm512_add_ps(x, three)), _mm512_set1_ps(1.0f / 6));
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, three, _CMP_GE_OQ), x);
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_LE_OQ),
                              _mm512_set1_ps(-0.0f));
}
static inline __m512 rf__v_hardsigmoid_grad(__m512 g, __m512 x)
{
    __mmask16 in = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_GT_OQ)
                   & _mm512_cmp_ps_mask(x, _mm512_set1_ps(3.0f), _CMP_LT_OQ);
    __m512 r = _mm512_maskz_mul_ps(in, g, _mm512_set1_ps(1.0f / 6));
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);   /* NaN: x */
}
static inline __m512 rf__v_hardswish_grad(__m512 g, __m512 x)
{
    const __m512 three = _mm512_set1_ps(3.0f), zero = _mm512_setzero_ps();
    /* x / 3 as x (1/3 as yh + yl), rounded once by an FMA: for x of at most 11 significant bits
     * x / 3 is exact or lies a sixth of an ulp or more from a rounding boundary (its binary
     * tail repeats 01), far beyond this product's error (~2^-48); a zero's sign is lost, which
     * the + 1/2 hides.  Two operations where a Markstein-corrected product takes three and a
     * division about eight times one's cost (checked for every x of both formats in [-3, 3]:
     * tools/vecmath/div16_check.c) */
    __m512 q = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.555556p-2f),
                               _mm512_mul_ps(x, _mm512_set1_ps(-0x1.555556p-27f)));
    __m512 d = _mm512_add_ps(q, _mm512_set1_ps(0.5f));
    d = _mm512_mask_mov_ps(d, _mm512_cmp_ps_mask(x, three, _CMP_GT_OQ), _mm512_set1_ps(1.0f));
    d = _mm512_mask_mov_ps(d, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_LT_OQ), zero);
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(d, zero, _CMP_NEQ_UQ), _mm512_mul_ps(g, d));
}
/* relu(x)^2 and g (2 relu(x)) (_relu_squared, _chain(g, _d_relu_squared)): NaN passes the
 * compare's unordered form */
static inline __m512 rf__v_relu_squared(__m512 x)
{
    __m512 r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NLE_UQ), x);
    return _mm512_mul_ps(r, r);
}
static inline __m512 rf__v_relu_squared_grad(__m512 g, __m512 x)
{
    __m512 r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NLE_UQ), x);
    __m512 d = _mm512_add_ps(r, r);
    return _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ), g, d);
}
#define RF__M16_FWD_BODY(F, XLOAD, XLOADM, OSTORE, OSTOREM)                                  \
{                                                                                            \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16)                                                             \
        OSTORE(i, F(XLOAD(i)));                                                              \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        OSTOREM(k, i, F(XLOADM(k, i)));                                                      \
    }                                                                                        \
}
#define RF__M16_GRAD_BODY(F, GLOAD, GLOADM, XLOAD, XLOADM, OSTORE, OSTOREM)                  \
{                                                                                            \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16)                                                             \
        OSTORE(i, F(GLOAD(i), XLOAD(i)));                                                    \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        OSTOREM(k, i, F(GLOADM(k, i), XLOADM(k, i)));                                        \
    }                                                                                        \
}
#if defined(RF_BF16_TARGET)
#define RF__M16_FWD_BF_HW(name, F)                                                           \
RF_BF16_TARGET static void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)        \
RF__M16_FWD_BODY(F, RF__BX, RF__BXM, RF__BO_HW, RF__BOM_HW)
#define RF__M16_GRAD_BF_HW(name, F)                                                          \
RF_BF16_TARGET static void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,  \
                                        ptrdiff_t n)                                         \
RF__M16_GRAD_BODY(F, RF__BG, RF__BGM, RF__BX, RF__BXM, RF__BO_HW, RF__BOM_HW)
#else
#define RF__M16_FWD_BF_HW(name, F)                                                           \
static void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)                       \
RF__M16_FWD_BODY(F, RF__BX, RF__BXM, RF__BO, RF__BOM)
#define RF__M16_GRAD_BF_HW(name, F)                                                          \
static void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)    \
RF__M16_GRAD_BODY(F, RF__BG, RF__BGM, RF__BX, RF__BXM, RF__BO, RF__BOM)
#endif
#define RF__M16_FWD_LOOPS(name, F)                                                           \
static void name##_h(const uint16_t *x, uint16_t *o, ptrdiff_t n)                           \
RF__M16_FWD_BODY(F, RF__HX, RF__HXM, RF__HO, RF__HOM)                                        \
static void name##_bf(const uint16_t *x, uint16_t *o, ptrdiff_t n)                          \
RF__M16_FWD_BODY(F, RF__BX, RF__BXM, RF__BO, RF__BOM)                                        \
RF__M16_FWD_BF_HW(name, F)
#define RF__M16_GRAD_LOOPS(name, F)                                                          \
static void name##_h(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)        \
RF__M16_GRAD_BODY(F, RF__HG, RF__HGM, RF__HX, RF__HXM, RF__HO, RF__HOM)                      \
static void name##_bf(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n)       \
RF__M16_GRAD_BODY(F, RF__BG, RF__BGM, RF__BX, RF__BXM, RF__BO, RF__BOM)                      \
RF__M16_GRAD_BF_HW(name, F)
RF__M16_FWD_LOOPS(rf_m16_hardsigmoid, rf__v_hardsigmoid)
RF__M16_FWD_LOOPS(rf_m16_hardswish, rf__v_hardswish)
RF__M16_GRAD_LOOPS(rf_m16_hardsigmoid_grad, rf__v_hardsigmoid_grad)
RF__M16_GRAD_LOOPS(rf_m16_hardswish_grad, rf__v_hardswish_grad)
RF__M16_FWD_LOOPS(rf_m16_relu_squared, rf__v_relu_squared)
RF__M16_GRAD_LOOPS(rf_m16_relu_squared_grad, rf__v_relu_squared_grad)

/* double softplus' for beta = 1, o = g sigmoid(x) (1 for x > t, PyTorch's linear region) with
 * _chain's zero: rf_sigmoid_lean_d's scheme (sigmoid(-a) = 2^-K / (2^-K + e^r 2^(j/16)),
 * a = min(|x|, 760), 1 - that for x >= 0) with e^a's reduction by ln2/16: a = (16K + j) ln2/16
 * + r, |r| <= ln2/32, 2^(j/16) picked by one vpermt2pd from two registers, e^r - 1 a degree-7
 * Taylor polynomial (the next term, r^8/8!, is under 1.2e-18) where the element function's
 * |r| <= ln2/2 takes degree 11.  kd ln2/16 is exact with ln2/16 cut to 38 bits (kd < 2^15),
 * and a - kd ln2/16 by Sterbenz, as in rf__silu_red_d.  2^(j/16) is rounded (half an ulp
 * more than the element function's error): 2.15 ulp at most against 1.70 on 2^20 points per
 * range in [-760, 760] (a C harness against __float128), within float64's 4.  1.37x faster in
 * that harness (0.71 against 0.98 ns an element, in cache). */
static const double rf__exp2_16[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};

/* The reduction both loops share: a = min(|x|, 760) = kd ln2/16 + r, t = kd + MAGIC (its low
 * bits index the tables: j = k mod 16, K = k >> 4); returns a - kd ln2/16 (exact) */
static inline __m512d rf__red16_pd(__m512d xv, __m512d *a_out, __m512d *t_out, __m512d *kd_out)
{
    const __m512d magic = _mm512_set1_pd(RF__MAGIC_D);
    __m512d a = _mm512_min_pd(_mm512_set1_pd(760.0), _mm512_abs_pd(xv));   /* NaN passes */
    __m512d t = _mm512_fmadd_pd(a, _mm512_set1_pd(0x1.71547652b82fep+4), magic);  /* 16/ln2 */
    __m512d kd = _mm512_sub_pd(t, magic);
    *a_out = a;
    *t_out = t;
    *kd_out = kd;
    return _mm512_fnmadd_pd(kd, _mm512_set1_pd(0x1.cf79abc9e3b3ap-44),
                            _mm512_fnmadd_pd(kd, _mm512_set1_pd(0x1.62e42fefa0000p-5), a));
}

/* sigmoid(-a) 2^128 / 2^128, a = min(|x|, 760), the last product under mask keep: lanes out of
 * it get +0 (the linear region's, which the caller turns into 1) */
static inline __m512d rf__sigmoid_lean_v(__m512d xv, __m512d al, __m512d t0, __m512d t1,
                                         __mmask8 keep)
{
    const __m512d magic = _mm512_set1_pd(RF__MAGIC_D), m128s = _mm512_set1_pd(0x1p-128);
    __m512d a, t, kd;
    /* + al: the low part of a = beta |x| (0 for beta = 1), its error ~2^-53 |r| */
    __m512d r = _mm512_add_pd(rf__red16_pd(xv, &a, &t, &kd), al);
    __m512d tj = _mm512_permutex2var_pd(t0, _mm512_castpd_si512(t), t1);  /* 2^(j/16), j = k mod 16 */
    __m512d p = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 5040), _mm512_set1_pd(1.0 / 720));
    __m512d q, m128, D;
    __m512i kk;
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
    q = _mm512_fmadd_pd(_mm512_mul_pd(r, r), p, r);                      /* e^r - 1 */
    /* K = k >> 4 in [0, 1096]: 2^(128-K), normal */
    kk = _mm512_srli_epi64(_mm512_sub_epi64(_mm512_castpd_si512(t), _mm512_castpd_si512(magic)), 4);
    m128 = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_sub_epi64(_mm512_set1_epi64(1151), kk), 52));
    /* D = 2^-K + 2^(j/16) (1 + q): two roundings, the first of a term under a twentieth of D
     * (or of 2^-K + a small one, for K = 0) */
    D = _mm512_add_pd(tj, _mm512_fmadd_pd(tj, q, _mm512_mul_pd(m128, m128s)));
    return _mm512_maskz_mul_pd(keep, _mm512_div_pd(m128, D), m128s);     /* sigmoid(-a) */
}

/* thr: not NaN (the caller's test).  beta: the derivative is sigmoid(z), z = beta x formed
 * exactly as zh + zl (an FMA), as rf_softplus_grad_d takes it; thr applies to zh, as the
 * element loops' x * beta > t.  Every lane, the masked tail's too, goes through the same
 * instructions, so an element's bits do not depend on where it sits in the array (gcc's copies
 * of the element loop for a vector body and a scalar head or tail contracted differently:
 * softplus' with beta != 1 differed in the last bit, 2026-12-07). */
static void rf_tab_sigmoid_grad_d(const double *g, const double *x, double *o, ptrdiff_t n,
                                  double thr, double beta)
{
    const __m512d t0 = _mm512_loadu_pd(rf__exp2_16), t1 = _mm512_loadu_pd(rf__exp2_16 + 8);
    const __m512d one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd(), tv = _mm512_set1_pd(thr);
    const __m512d bv = _mm512_set1_pd(beta);
    /* 1 - sigmoid(-a) where z >= 0, or z > thr when thr < 0 (there sigmoid(-a) was zeroed:
     * d = 1, the linear region): z >= c */
    const __m512d c = _mm512_set1_pd(thr >= 0 ? 0.0 : rf__f64(rf__u64(thr) - 1));  /* next up */
    const int exact = beta == 1.0;   /* z = x: no low part (and the same bits as before it) */
    ptrdiff_t i = 0;
#define RF__SIG_D_STEP(k, LOAD, STORE)                                                       \
    {                                                                                        \
        __m512d xv = LOAD(k, x + i), zh, al, v, d;                                           \
        if (exact) {                                                                         \
            zh = xv;                                                                         \
            al = zero;                                                                       \
        } else {                                                                             \
            __mmask8 pos_, far_;                                                             \
            zh = _mm512_mul_pd(xv, bv);                                                      \
            al = _mm512_fmsub_pd(xv, bv, zh);                       /* z - zh, exact */      \
            pos_ = _mm512_cmp_pd_mask(zh, zero, _CMP_GE_OQ);                                 \
            far_ = _mm512_cmp_pd_mask(_mm512_abs_pd(zh), _mm512_set1_pd(760.0), _CMP_LT_OQ); \
            /* a's low part: zl for z >= 0, -zl below, 0 where a was clamped (or NaN) */     \
            al = _mm512_maskz_mov_pd(far_, _mm512_mask_sub_pd(al, (__mmask8)~pos_, zero, al)); \
        }                                                                                    \
        v = rf__sigmoid_lean_v(zh, al, t0, t1, _mm512_cmp_pd_mask(zh, tv, _CMP_NGT_UQ));      \
        d = _mm512_mask_sub_pd(v, _mm512_cmp_pd_mask(zh, c, _CMP_GE_OQ), one, v);            \
        STORE(o + i, k, _mm512_maskz_mul_pd(_mm512_cmp_pd_mask(d, zero, _CMP_NEQ_UQ),         \
                                            LOAD(k, g + i), d));                             \
    }
#define RF__LD_ALL(k, p) _mm512_loadu_pd(p)
#define RF__ST_ALL(p, k, v) _mm512_storeu_pd(p, v)
    for (; i + 8 <= n; i += 8)
        RF__SIG_D_STEP(0xFF, RF__LD_ALL, RF__ST_ALL)
    if (i < n) {
        __mmask8 k = (__mmask8)((1u << (n - i)) - 1);
        RF__SIG_D_STEP(k, _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd)
    }
#undef RF__SIG_D_STEP
#undef RF__LD_ALL
#undef RF__ST_ALL
}

/* double silu', o = g silu'(x) with _chain's zero, on AVX-512.  silu'(x) + silu'(-x) = 1, so
 * v = silu'(-a), a = min(|x|, 760), and silu'(x) = 1 - v for x >= 0 (v <= 1/2: no cancellation).
 * With e^a = 2^K E (E = 2^(j/16) e^r, the reduction of rf__sigmoid_lean_v) and m = 2^-K,
 * v = m B / D^2, B = (1 - a) E + m, D = E + m (the element function's form, rf_silu_grad_d).
 * E is kept as Eh + El: 2^(j/16) as a rounded value and its low part (a second table), e^r - 1
 * the degree-7 Taylor polynomial, so B = (1 - a) Eh + m + (1 - a) El in two FMAs is within
 * about 2^-60 of the exact B.  That is a small relative error except near the zero of silu' at
 * x0 = -1.2784645...: B crosses zero there.  For |x - x0| < 1/50 the result is instead x - x0
 * (formed as (x - x0h) - x0l, the first difference exact) times a degree-7 polynomial fitted to
 * silu'(x) / (x - x0) on that interval (relative error 2^-55.5 with the coefficients rounded),
 * taken when a vector has such a lane (2% of a standard normal sample's).  Outside it |B| >
 * 0.02 and the table path's roundings (B, D, D^2, the division) stay within float64's 4 ulp.
 * The element function's loop is 81 vector instructions per 8 lanes (gcc 12), this one 49 (10
 * more in a vector with a lane in the window): 1.84 -> 1.40 ns an element (C harness, 4096
 * elements in cache, one thread), 2.64 ulp at most (tools/accuracy_table.py).  Every lane, the
 * masked tail's too, takes the same instructions.  XLOAD: x, or x + b (the fused bias) rounded. */
static const double rf__exp2_16_lo[16] = {
    0x0.0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54};

static inline __m512d rf__silu_grad_v(__m512d xv, __m512d t0, __m512d t1, __m512d l0, __m512d l1)
{
    const __m512d one = _mm512_set1_pd(1.0);
    const __m512d x0h = _mm512_set1_pd(-1.2784645427610737);
    __m512d a, t, kd;
    __m512d r = rf__red16_pd(xv, &a, &t, &kd);
    __m512d th = _mm512_permutex2var_pd(t0, _mm512_castpd_si512(t), t1);  /* 2^(j/16) */
    __m512d tl = _mm512_permutex2var_pd(l0, _mm512_castpd_si512(t), l1);  /* its low part */
    /* e^r - 1 = r + r^2 p, p in Estrin's form: the loop is bound by its chain of dependent
     * operations more than by their number (Horner's measured 3.5% slower) */
    __m512d r2 = _mm512_mul_pd(r, r);
    __m512d p45 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 5040), _mm512_set1_pd(1.0 / 720));
    __m512d p23 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 120), _mm512_set1_pd(1.0 / 24));
    __m512d p01 = _mm512_fmadd_pd(r, _mm512_set1_pd(1.0 / 6), _mm512_set1_pd(0.5));
    __m512d p = _mm512_fmadd_pd(r2, _mm512_fmadd_pd(r2, p45, p23), p01);
    __m512d q, s, eh, el, nk, m, oma, B, Dh, Dl, D2h, D2l, v, d, dd;
    __mmask8 win;
    q = _mm512_fmadd_pd(r2, p, r);                                        /* e^r - 1 */
    s = _mm512_fmadd_pd(th, q, tl);
    eh = _mm512_add_pd(th, s);                                            /* E = eh + el */
    el = _mm512_add_pd(_mm512_sub_pd(th, eh), s);                         /* Fast2Sum */
    /* -K = ceil(-k / 16) (exact), K in [0, 1096]; m = 2^-K (0 or subnormal far out, where it
     * no longer counts beside (1 - a) E) */
    nk = _mm512_roundscale_pd(_mm512_mul_pd(kd, _mm512_set1_pd(-0.0625)),
                              _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    m = _mm512_scalef_pd(one, nk);
    oma = _mm512_sub_pd(one, a);
    B = _mm512_fmadd_pd(oma, el, _mm512_fmadd_pd(oma, eh, m));
    /* D = E + m = Dh + Dl (Fast2Sum: E >= 1 >= m) and D^2 = D2h + D2l, so that D's roundings
     * stay out of v: v = N / D2h less its share of D2l, the quotient by a 14-bit reciprocal */
    Dh = _mm512_add_pd(eh, m);
    Dl = _mm512_add_pd(_mm512_add_pd(_mm512_sub_pd(eh, Dh), m), el);
    D2h = _mm512_mul_pd(Dh, Dh);
    D2l = _mm512_fmadd_pd(_mm512_add_pd(Dh, Dh), Dl, _mm512_fmsub_pd(Dh, Dh, D2h));
    v = _mm512_div_pd(B, D2h);
    v = _mm512_fnmadd_pd(_mm512_mul_pd(v, D2l), _mm512_rcp14_pd(D2h), v);
    v = _mm512_scalef_pd(v, nk);                           /* m v: a subnormal one rounded once */
    d = _mm512_mask_sub_pd(v, _mm512_cmp_pd_mask(xv, _mm512_setzero_pd(), _CMP_GE_OQ), one, v);
    dd = _mm512_sub_pd(xv, x0h);                           /* exact in the window (Sterbenz) */
    win = _mm512_cmp_pd_mask(_mm512_abs_pd(dd), _mm512_set1_pd(0.02), _CMP_LT_OQ);
    if (win) {
        __m512d u = _mm512_sub_pd(dd, _mm512_set1_pd(-1.0946994183093437e-16));   /* x - x0 */
        __m512d P = _mm512_fmadd_pd(u, _mm512_set1_pd(0.00018568345781034106),
                                    _mm512_set1_pd(0.0007984891562713212));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(0.00012662741602749263));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(-0.006606589130175204));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(-0.015222655223188507));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(0.01887481422378166));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(0.1466487969969469));
        P = _mm512_fmadd_pd(P, u, _mm512_set1_pd(0.2178117057198001));
        d = _mm512_mask_mul_pd(d, win, u, P);
    }
    return d;
}

#define RF__SILU_D_BODY(XLOAD, XLOADM)                                                       \
{                                                                                            \
    const __m512d t0 = _mm512_loadu_pd(rf__exp2_16), t1 = _mm512_loadu_pd(rf__exp2_16 + 8);  \
    const __m512d l0 = _mm512_loadu_pd(rf__exp2_16_lo), l1 = _mm512_loadu_pd(rf__exp2_16_lo + 8); \
    const __m512d zero = _mm512_setzero_pd();                                                \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 8 <= n; i += 8) {                                                             \
        __m512d d = rf__silu_grad_v(XLOAD(i), t0, t1, l0, l1);                               \
        _mm512_storeu_pd(o + i, _mm512_maskz_mul_pd(_mm512_cmp_pd_mask(d, zero, _CMP_NEQ_UQ), \
                                                    _mm512_loadu_pd(g + i), d));             \
    }                                                                                        \
    if (i < n) {                                                                             \
        __mmask8 k = (__mmask8)((1u << (n - i)) - 1);                                        \
        __m512d d = rf__silu_grad_v(XLOADM(k, i), t0, t1, l0, l1);                           \
        _mm512_mask_storeu_pd(o + i, k, _mm512_maskz_mul_pd(                                 \
            _mm512_cmp_pd_mask(d, zero, _CMP_NEQ_UQ), _mm512_maskz_loadu_pd(k, g + i), d));  \
    }                                                                                        \
}
#define RF__SD_X(i) _mm512_loadu_pd(x + (i))
#define RF__SD_XM(k, i) _mm512_maskz_loadu_pd(k, x + (i))
#define RF__SD_XB(i) _mm512_add_pd(_mm512_loadu_pd(x + (i)), _mm512_loadu_pd(b + (i)))
#define RF__SD_XBM(k, i) _mm512_add_pd(_mm512_maskz_loadu_pd(k, x + (i)),                   \
                                       _mm512_maskz_loadu_pd(k, b + (i)))
static void rf_tab_silu_grad_d(const double *g, const double *x, double *o, ptrdiff_t n)
RF__SILU_D_BODY(RF__SD_X, RF__SD_XM)
static void rf_tab_silu_grad_b_d(const double *g, const double *x, const double *b, double *o,
                                 ptrdiff_t n)
RF__SILU_D_BODY(RF__SD_XB, RF__SD_XBM)

/* float16 / bfloat16 gradients by lookup (_lut16.h): a block's derivatives fetched from the
 * table t of f'(x) by scalar loads, then g widened, multiplied, _chain's zero (+0 where
 * f'(x) == 0, NaN kept) and the rounding in registers, where the portable loop of
 * _elementwise.pxi widens g and rounds o in passes of their own */
#define RF__LUT_GRAD_BODY(GLOAD, GLOADM, OSTORE, OSTOREM)                                    \
{                                                                                            \
    float d[256] __attribute__((aligned(64)));                                              \
    const __m512 zero = _mm512_setzero_ps();                                                 \
    for (ptrdiff_t s = 0; s < n; s += 256) {                                                 \
        ptrdiff_t m = n - s < 256 ? n - s : 256, i = 0;                                      \
        rf_lut16_fetch(t, x + s, d, m);                                                      \
        for (; i + 16 <= m; i += 16) {                                                       \
            __m512 dv = _mm512_load_ps(d + i);                                               \
            __m512 r = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(dv, zero, _CMP_NEQ_UQ),         \
                                           GLOAD(s + i), dv);                                \
            OSTORE(s + i, r);                                                                \
        }                                                                                    \
        if (i < m) {                                                                         \
            __mmask16 k = (__mmask16)((1u << (m - i)) - 1);                                  \
            __m512 dv = _mm512_maskz_load_ps(k, d + i);                                      \
            __m512 r = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(dv, zero, _CMP_NEQ_UQ),         \
                                           GLOADM(k, s + i), dv);                            \
            OSTOREM(k, s + i, r);                                                            \
        }                                                                                    \
    }                                                                                        \
}
static void rf_lut16_grad_h(const float *t, const uint16_t *g, const uint16_t *x, uint16_t *o,
                            ptrdiff_t n)
RF__LUT_GRAD_BODY(RF__HG, RF__HGM, RF__HO, RF__HOM)
static void rf_lut16_grad_bf(const float *t, const uint16_t *g, const uint16_t *x, uint16_t *o,
                             ptrdiff_t n)
RF__LUT_GRAD_BODY(RF__BG, RF__BGM, RF__BO, RF__BOM)
#if defined(RF_BF16_TARGET)
RF_BF16_TARGET static void rf_lut16_grad_bf_hw(const float *t, const uint16_t *g,
                                               const uint16_t *x, uint16_t *o, ptrdiff_t n)
RF__LUT_GRAD_BODY(RF__BG, RF__BGM, RF__BO_HW, RF__BOM_HW)
#else
static void rf_lut16_grad_bf_hw(const float *t, const uint16_t *g, const uint16_t *x,
                                uint16_t *o, ptrdiff_t n)
{ rf_lut16_grad_bf(t, g, x, o, n); }
#endif

#else  /* no AVX-512: never called by the kernels (RF_TAB == 0); the element loops */

#define RF_TAB 0
static int rf_tab_on = 0;
static inline int rf_tab_set(int on) { (void)on; return rf_tab_on; }   /* always 0 */
static inline void rf_tab_gelu_f(const float *x, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_gelu_f(x[i]); }
static inline void rf_tab_gelu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_gelu_grad_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_silu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_silu_grad_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_gelu_b_f(const float *x, const float *b, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_gelu_f(x[i] + b[i]); }
static inline void rf_tab_gelu_grad_b_f(const float *g, const float *x, const float *b, float *o,
                                        ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_gelu_grad_f(x[i] + b[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_silu_grad_b_f(const float *g, const float *x, const float *b, float *o,
                                        ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_silu_grad_f(x[i] + b[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_sigmoid_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_sigmoid_lean_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
#define RF__TAB16_STUB(name, fn)                                                             \
static inline void name##_h(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n) \
{ for (ptrdiff_t i = 0; i < n; i++) { float d = fn(rf_h2f(x[i])), r = rf_h2f(g[i]) * d;    \
                                      o[i] = rf_f2h(d == 0 ? 0 : r); } }                    \
static inline void name##_bf(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n) \
{ for (ptrdiff_t i = 0; i < n; i++) { float d = fn(rf_bf2f(x[i])), r = rf_bf2f(g[i]) * d;  \
                                      o[i] = rf_f2bf(d == 0 ? 0 : r); } }                   \
static inline void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,          \
                                ptrdiff_t n) { name##_bf(g, x, o, n); }
static inline void rf_tab_silu_f(const float *x, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_silu_f(x[i]); }
static inline void rf_tab_silu_b_f(const float *x, const float *b, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_silu_f(x[i] + b[i]); }
#define RF__TAB16_FWD_STUB(name, fn)                                                         \
static inline void name##_h(const uint16_t *x, uint16_t *o, ptrdiff_t n)                    \
{ for (ptrdiff_t i = 0; i < n; i++) o[i] = rf_f2h(fn(rf_h2f(x[i]))); }                       \
static inline void name##_bf(const uint16_t *x, uint16_t *o, ptrdiff_t n)                   \
{ for (ptrdiff_t i = 0; i < n; i++) o[i] = rf_f2bf(fn(rf_bf2f(x[i]))); }                     \
static inline void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)                \
{ name##_bf(x, o, n); }
RF__TAB16_FWD_STUB(rf_tab16_gelu, rf_gelu_f)
RF__TAB16_FWD_STUB(rf_tab16_silu, rf_silu_f)
RF__TAB16_FWD_STUB(rf_tab16_gelu_tanh, rf_gelu_tanh_f)
static inline void rf_tab_gelu_tanh_f(const float *x, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_gelu_tanh_f(x[i]); }
static inline void rf_tab_gelu_tanh_b_f(const float *x, const float *b, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_gelu_tanh_f(x[i] + b[i]); }
static inline void rf_tab_gelu_tanh_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_gelu_tanh_grad_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_gelu_tanh_grad_b_f(const float *g, const float *x, const float *b,
                                             float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_gelu_tanh_grad_f(x[i] + b[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
RF__TAB16_STUB(rf_tab16_gelu_grad, rf_gelu_grad_f)
RF__TAB16_STUB(rf_tab16_silu_grad, rf_silu_grad_f)
RF__TAB16_STUB(rf_tab16_sigmoid_grad, rf_sigmoid_lean_f)
RF__TAB16_STUB(rf_tab16_gelu_tanh_grad, rf_gelu_tanh_grad_f)
static inline void rf_tab_sigmoid_grad_d(const double *g, const double *x, double *o, ptrdiff_t n,
                                         double thr, double beta)
{ (void)g; (void)x; (void)o; (void)n; (void)thr; (void)beta; }   /* never called: RF_TAB == 0 */
static inline void rf_tab_silu_grad_d(const double *g, const double *x, double *o, ptrdiff_t n)
{ (void)g; (void)x; (void)o; (void)n; }   /* never called: RF_TAB == 0 */
static inline void rf_tab_silu_grad_b_d(const double *g, const double *x, const double *b,
                                        double *o, ptrdiff_t n)
{ (void)g; (void)x; (void)b; (void)o; (void)n; }   /* never called: RF_TAB == 0 */
#define RF__LUT_GRAD_STUB(name)                                                              \
static inline void name(const float *t, const uint16_t *g, const uint16_t *x, uint16_t *o,  \
                        ptrdiff_t n)                                                         \
{ (void)t; (void)g; (void)x; (void)o; (void)n; }   /* never called: RF_TAB == 0 */
RF__LUT_GRAD_STUB(rf_lut16_grad_h)
RF__LUT_GRAD_STUB(rf_lut16_grad_bf)
RF__LUT_GRAD_STUB(rf_lut16_grad_bf_hw)
static inline void rf_m16_elu_grad_h(const uint16_t *g, const uint16_t *x, uint16_t *o,
                                     ptrdiff_t n, float sa, float s)
{ (void)g; (void)x; (void)o; (void)n; (void)sa; (void)s; }   /* never called: RF_TAB == 0 */
static inline void rf_m16_elu_grad_bf(const uint16_t *g, const uint16_t *x, uint16_t *o,
                                      ptrdiff_t n, float sa, float s)
{ (void)g; (void)x; (void)o; (void)n; (void)sa; (void)s; }
static inline void rf_m16_elu_grad_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,
                                         ptrdiff_t n, float sa, float s)
{ (void)g; (void)x; (void)o; (void)n; (void)sa; (void)s; }
/* the one-pass 16-bit loops' three formats (_h, _bf, _bf_hw) */
#define RF__M16_FWD_STUBS(name)                                                              \
static inline void name##_h(const uint16_t *x, uint16_t *o, ptrdiff_t n)                    \
{ (void)x; (void)o; (void)n; }   /* never called: RF_TAB == 0 */                             \
static inline void name##_bf(const uint16_t *x, uint16_t *o, ptrdiff_t n)                   \
{ (void)x; (void)o; (void)n; }                                                               \
static inline void name##_bf_hw(const uint16_t *x, uint16_t *o, ptrdiff_t n)                \
{ (void)x; (void)o; (void)n; }
#define RF__M16_GRAD_STUBS(name)                                                             \
static inline void name##_h(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n) \
{ (void)g; (void)x; (void)o; (void)n; }   /* never called: RF_TAB == 0 */                    \
static inline void name##_bf(const uint16_t *g, const uint16_t *x, uint16_t *o, ptrdiff_t n) \
{ (void)g; (void)x; (void)o; (void)n; }                                                      \
static inline void name##_bf_hw(const uint16_t *g, const uint16_t *x, uint16_t *o,          \
                                ptrdiff_t n)                                                 \
{ (void)g; (void)x; (void)o; (void)n; }
RF__M16_FWD_STUBS(rf_m16_hardsigmoid)
RF__M16_FWD_STUBS(rf_m16_hardswish)
RF__M16_FWD_STUBS(rf_m16_relu_squared)
RF__M16_GRAD_STUBS(rf_m16_hardsigmoid_grad)
RF__M16_GRAD_STUBS(rf_m16_hardswish_grad)
RF__M16_GRAD_STUBS(rf_m16_relu_squared_grad)

#endif
#endif /* RELUFAST_VECTAB_H */
