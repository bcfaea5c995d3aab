/*
 * relufast/_vectab.h -- table-driven AVX-512 loops for float32 gelu, gelu' and silu'
 * (issue 15 part 2: the speed of these three against PyTorch's CPU kernels).
 *
 *   void rf_tab_gelu_f(const float *x, float *y, ptrdiff_t n)             y = gelu(x)
 *   void rf_tab_gelu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
 *   void rf_tab_silu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
 *        o = g f'(x), and +0 where f'(x) == 0 (the kernels' _chain)
 *   RF_TAB            1 where they are the table loops (compiled with AVX-512F), else 0
 *   rf_tab_on         the kernels call them only while it is nonzero (rf_tab_set; 0 gives
 *                     the element loops of _vecmath.h back, for A/B tests and timings)
 *
 * Why: the branch-free scalar functions of _vecmath.h (an exponential, a rational or
 * polynomial in t = 1/(1 + a/4), float-float products) need about 60 vector instructions per
 * 16 lanes, one of them a division, and on Zen 4 they are bounded by their FMA count.  On
 * [-4.125, 3.875) these loops instead evaluate one of 32 local polynomials, whose coefficients
 * sit in registers: _mm512_permutex2var_ps picks one of 32 floats per lane from two registers,
 * one instruction per coefficient.  About 20 instructions per 16 lanes.
 *
 * The method, per lane (tables: _vectab_tables.h, fitted by tools/vecmath/fit/fit_tab.py):
 *  - k = round(4x) in the low mantissa bits of m = 4x + 1.5*2^23 (one FMA, rounded to nearest
 *    even; no float->int conversion); the permutes read its low 5 bits, k mod 32.
 *  - u = x - c_k, c_k = k/4 (a table row too), is EXACT: for k != 0, |x| >= 1/8 so x and k/4
 *    are multiples of ulp(x) and |u| <= 1/8 <= |x| fits in 24 bits; for k = 0, u = x.  A
 *    rounded u would cost relative accuracy where f is small (gelu near 0).
 *  - f = c0 + u (c1 + u (c2 + ...)), c0 = c0h + c0l a float-float: T = c0l + u S in one FMA
 *    and f = c0h + T, one rounding at the end.  |u S| <= 0.4 |f| on every interval (u <= 1/8),
 *    so S's own rounding errors reach f damped.  gelu's k = 0 polynomial has c0 = -0.0
 *    (f = u S: relative accuracy down to the subnormals; -0.0 so that gelu(-0) = -0).
 *  - the interval holding a gradient's zero x0 (gelu' at -0.75179, silu' at -1.27846) has its
 *    center at x0h = float(x0) (u = x - x0h exact by Sterbenz) and holds g = f / (x - x0): f =
 *    g (u - x0l), x0l = x0 - x0h, formed as u c0h + (u T + p), p = -x0l g(0) (a constant: the
 *    error of taking g(0) for g(u) in that term is below 2^-24 |f|), so f keeps its relative
 *    accuracy through the zero (a c0 + u S form cancels there: its S error is amplified).
 *  - every lane outside [-4.125, 3.875) -- tails, inf, NaN -- makes the whole vector take the
 *    _vecmath.h function as well (one not-taken branch per 16 lanes otherwise; with standard
 *    normal data 1 vector in ~900), blended per lane: so those lanes have exactly the values
 *    and the special-case behaviour of the element loops.
 *  - the last n mod 16 elements go through the same code under a load/store mask: every
 *    element gets the same bits wherever it sits in the array and however it is chunked.
 *  - x may be y (or o may be g or x): each vector is loaded before it is stored.
 * Accuracy (all 2^32 inputs, tools/vecmath/vm_exh.c): ACCURACY.md.
 */
#ifndef RELUFAST_VECTAB_H
#define RELUFAST_VECTAB_H

#include <stddef.h>
#include "_vecmath.h"

#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include "_vectab_tables.h"

#define RF_TAB 1
static int rf_tab_on = 1;
static inline int rf_tab_set(int on) { int was = rf_tab_on; rf_tab_on = on; return was; }

#define RF__TAB_LO -4.125f   /* the fast range [LO, HI): k = -16 .. 15 */
#define RF__TAB_HI 3.875f

/* the rows of one table, in registers for the whole loop: 2 zmm per row */
#define RF__TAB_LOAD(T, rows, lo, hi)                                      \
    __m512 lo[rows], hi[rows];                                             \
    for (int r_ = 0; r_ < (rows); r_++) {                                  \
        lo[r_] = _mm512_load_ps(&(T)[r_][0]);                              \
        hi[r_] = _mm512_load_ps(&(T)[r_][16]);                             \
    }

#define RF__PICK(lo, hi, r, idx) _mm512_permutex2var_ps((lo)[r], (idx), (hi)[r])

/* u and T = c0l + u S (rows: 0 c0h, 1 c0l, 2 center, 3.. c1 .. c_deg); c0h and the center
 * are returned too */
static inline __attribute__((always_inline)) __m512
rf__tab_core(const __m512 *lo, const __m512 *hi, int deg, __m512 x,
             __m512 *u_out, __m512 *c0h_out, __m512 *ctr_out)
{
    const __m512 magic = _mm512_set1_ps(12582912.0f);   /* 1.5 * 2^23 */
    __m512 m = _mm512_fmadd_ps(x, _mm512_set1_ps(4.0f), magic);
    __m512i idx = _mm512_castps_si512(m);
    __m512 ctr = RF__PICK(lo, hi, 2, idx);
    __m512 u = _mm512_sub_ps(x, ctr);                    /* exact (see the top) */
    __m512 s = RF__PICK(lo, hi, deg + 2, idx);
    for (int j = deg - 1; j >= 1; j--)
        s = _mm512_fmadd_ps(s, u, RF__PICK(lo, hi, j + 2, idx));
    *u_out = u;
    *c0h_out = RF__PICK(lo, hi, 0, idx);
    *ctr_out = ctr;
    return _mm512_fmadd_ps(u, s, RF__PICK(lo, hi, 1, idx));
}

static inline __attribute__((always_inline)) __mmask16 rf__tab_in(__m512 x)
{
    /* false for NaN: NaN lanes take the _vecmath.h function */
    __mmask16 k = _mm512_cmp_ps_mask(x, _mm512_set1_ps(RF__TAB_LO), _CMP_GE_OQ);
    return _mm512_mask_cmp_ps_mask(k, x, _mm512_set1_ps(RF__TAB_HI), _CMP_LT_OQ);
}

/* the lanes not in `in` from the element functions (a rare vector: kept out of line) */
static __attribute__((noinline, cold)) __m512 rf__tab_gelu_slow(__m512 x, __m512 y, __mmask16 in)
{
    float t[16] __attribute__((aligned(64)));
    _mm512_store_ps(t, x);
    for (int j = 0; j < 16; j++)
        t[j] = rf_gelu_f(t[j]);
    return _mm512_mask_blend_ps(in, _mm512_load_ps(t), y);
}
static __attribute__((noinline, cold)) __m512 rf__tab_gelu_grad_slow(__m512 x, __m512 y, __mmask16 in)
{
    float t[16] __attribute__((aligned(64)));
    _mm512_store_ps(t, x);
    for (int j = 0; j < 16; j++)
        t[j] = rf_gelu_grad_f(t[j]);
    return _mm512_mask_blend_ps(in, _mm512_load_ps(t), y);
}
static __attribute__((noinline, cold)) __m512 rf__tab_silu_grad_slow(__m512 x, __m512 y, __mmask16 in)
{
    float t[16] __attribute__((aligned(64)));
    _mm512_store_ps(t, x);
    for (int j = 0; j < 16; j++)
        t[j] = rf_silu_grad_f(t[j]);
    return _mm512_mask_blend_ps(in, _mm512_load_ps(t), y);
}

static inline __attribute__((always_inline)) __m512
rf__tab_gelu_v(const __m512 *lo, const __m512 *hi, __m512 x)
{
    __m512 u, c0h, ctr;
    __m512 t = rf__tab_core(lo, hi, RF_TAB_GELU_DEG, x, &u, &c0h, &ctr);
    __m512 y = _mm512_add_ps(c0h, t);
    __mmask16 in = rf__tab_in(x);
    if (__builtin_expect(in != 0xFFFF, 0))
        y = rf__tab_gelu_slow(x, y, in);
    return y;
}

/* f' with the zero's interval (center x0h, recognised by its center) as g (u - x0l) */
#define RF__TAB_GRAD_V(name, DEG, X0H, ZP, slow)                                            \
static inline __attribute__((always_inline)) __m512                                        \
name(const __m512 *lo, const __m512 *hi, __m512 x)                                          \
{                                                                                           \
    __m512 u, c0h, ctr;                                                                     \
    __m512 t = rf__tab_core(lo, hi, DEG, x, &u, &c0h, &ctr);                                \
    __m512 y = _mm512_add_ps(c0h, t);                                                       \
    __mmask16 z = _mm512_cmp_ps_mask(ctr, _mm512_set1_ps(X0H), _CMP_EQ_OQ);                 \
    __m512 inner = _mm512_fmadd_ps(u, t, _mm512_set1_ps(ZP));                               \
    y = _mm512_mask_blend_ps(z, y, _mm512_fmadd_ps(u, c0h, inner));                         \
    __mmask16 in = rf__tab_in(x);                                                           \
    if (__builtin_expect(in != 0xFFFF, 0))                                                  \
        y = slow(x, y, in);                                                                 \
    return y;                                                                               \
}
RF__TAB_GRAD_V(rf__tab_gelu_grad_v, RF_TAB_GELU_GRAD_DEG, RF_TAB_GELU_GRAD[2][RF_TAB_GELU_GRAD_ZK],
               RF_TAB_GELU_GRAD_ZP, rf__tab_gelu_grad_slow)
RF__TAB_GRAD_V(rf__tab_silu_grad_v, RF_TAB_SILU_GRAD_DEG, RF_TAB_SILU_GRAD[2][RF_TAB_SILU_GRAD_ZK],
               RF_TAB_SILU_GRAD_ZP, rf__tab_silu_grad_slow)

static inline void rf_tab_gelu_f(const float *x, float *y, ptrdiff_t n)
{
    RF__TAB_LOAD(RF_TAB_GELU, RF_TAB_GELU_DEG + 3, lo, hi)
    ptrdiff_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, rf__tab_gelu_v(lo, hi, _mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, k, rf__tab_gelu_v(lo, hi, _mm512_maskz_loadu_ps(k, x + i)));
    }
}

/* o = g f'(x), 0 where f'(x) == 0 (never in the table's range; NaN f' keeps g f') */
#define RF__TAB_GRAD_LOOP(name, T, DEG, vfun)                                                \
static inline void name(const float *g, const float *x, float *o, ptrdiff_t n)               \
{                                                                                            \
    RF__TAB_LOAD(T, (DEG) + 3, lo, hi)                                                       \
    const __m512 zero = _mm512_setzero_ps();                                                 \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                           \
        __m512 d = vfun(lo, hi, _mm512_loadu_ps(x + i));                                     \
        __mmask16 nz = _mm512_cmp_ps_mask(d, zero, _CMP_NEQ_UQ);                             \
        _mm512_storeu_ps(o + i, _mm512_maskz_mul_ps(nz, _mm512_loadu_ps(g + i), d));         \
    }                                                                                        \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        __m512 d = vfun(lo, hi, _mm512_maskz_loadu_ps(k, x + i));                            \
        __mmask16 nz = _mm512_cmp_ps_mask(d, zero, _CMP_NEQ_UQ);                             \
        _mm512_mask_storeu_ps(o + i, k, _mm512_maskz_mul_ps(nz, _mm512_maskz_loadu_ps(k, g + i), d)); \
    }                                                                                        \
}
RF__TAB_GRAD_LOOP(rf_tab_gelu_grad_f, RF_TAB_GELU_GRAD, RF_TAB_GELU_GRAD_DEG, rf__tab_gelu_grad_v)
RF__TAB_GRAD_LOOP(rf_tab_silu_grad_f, RF_TAB_SILU_GRAD, RF_TAB_SILU_GRAD_DEG, rf__tab_silu_grad_v)

/* the derivatives alone, for the exhaustive sweep (tools/vecmath/vm_lib.c) */
#define RF__TAB_D_LOOP(name, T, DEG, vfun)                                                   \
static inline void name(const float *x, float *o, ptrdiff_t n)                               \
{                                                                                            \
    RF__TAB_LOAD(T, (DEG) + 3, lo, hi)                                                       \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16)                                                             \
        _mm512_storeu_ps(o + i, vfun(lo, hi, _mm512_loadu_ps(x + i)));                       \
    if (i < n) {                                                                             \
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);                                      \
        _mm512_mask_storeu_ps(o + i, k, vfun(lo, hi, _mm512_maskz_loadu_ps(k, x + i)));      \
    }                                                                                        \
}
RF__TAB_D_LOOP(rf_tab_gelu_grad_d1_f, RF_TAB_GELU_GRAD, RF_TAB_GELU_GRAD_DEG, rf__tab_gelu_grad_v)
RF__TAB_D_LOOP(rf_tab_silu_grad_d1_f, RF_TAB_SILU_GRAD, RF_TAB_SILU_GRAD_DEG, rf__tab_silu_grad_v)

#else  /* no AVX-512: never called by the kernels (RF_TAB == 0); the element loops */

#define RF_TAB 0
static int rf_tab_on = 0;
static inline int rf_tab_set(int on) { (void)on; return 0; }
static inline void rf_tab_gelu_f(const float *x, float *y, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) y[i] = rf_gelu_f(x[i]); }
static inline void rf_tab_gelu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_gelu_grad_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }
static inline void rf_tab_silu_grad_f(const float *g, const float *x, float *o, ptrdiff_t n)
{ for (ptrdiff_t i = 0; i < n; i++) { float d = rf_silu_grad_f(x[i]), r = g[i] * d; o[i] = d == 0 ? 0 : r; } }

#endif
#endif /* RELUFAST_VECTAB_H */
