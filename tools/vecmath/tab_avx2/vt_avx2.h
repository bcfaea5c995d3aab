/*
 * tools/vecmath/tab_avx2/vt_avx2.h -- the AVX-512 table loops of relufast/_vectab.h ported to
 * AVX2 + FMA (8 lanes), NOT used by the kernels: measured slower than the element functions
 * there (README.md).  Kept so that the measurement can be repeated.
 *
 * The same tables and the same operations in the same order as the AVX-512 loops, so every
 * element in the tables' range gets the AVX-512 loops' bits; the difference is the pick:
 * _mm256_permutevar8x32_ps chooses one of 8 floats, so one of 32 takes four of them (the row
 * in four 8-float parts, read from memory: 10 rows x 4 ymm would not fit 16 registers) and
 * three blends on the index's bits 3 and 4 (moved to the sign bit, which _mm256_blendv_ps
 * reads).  Compile with -mavx2 -mfma and without AVX-512.
 */
#ifndef VT_AVX2_H
#define VT_AVX2_H
#if !defined(__AVX2__) || !defined(__FMA__) || defined(__AVX512F__)
#error "vt_avx2.h: compile with -mavx2 -mfma and without AVX-512"
#endif
#include <stddef.h>
#include "../../../relufast/_vecmath.h"
#include <immintrin.h>
#include "../../../relufast/_vectab_tables.h"


typedef struct { __m256i idx; __m256 b3, b4; } rf__tab_ix8;

static inline __attribute__((always_inline)) rf__tab_ix8 rf__tab_ix8_of(__m256 m)
{
    rf__tab_ix8 r;
    r.idx = _mm256_castps_si256(m);
    r.b3 = _mm256_castsi256_ps(_mm256_slli_epi32(r.idx, 28));    /* bit 3 -> sign */
    r.b4 = _mm256_castsi256_ps(_mm256_slli_epi32(r.idx, 27));    /* bit 4 -> sign */
    return r;
}

static inline __attribute__((always_inline)) __m256 rf__tab_pick8(const float *row, rf__tab_ix8 ix)
{
    __m256 p0 = _mm256_permutevar8x32_ps(_mm256_load_ps(row), ix.idx);
    __m256 p1 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 8), ix.idx);
    __m256 p2 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 16), ix.idx);
    __m256 p3 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 24), ix.idx);
    return _mm256_blendv_ps(_mm256_blendv_ps(p0, p1, ix.b3), _mm256_blendv_ps(p2, p3, ix.b3), ix.b4);
}

static inline __attribute__((always_inline)) __m256 rf__tab_abs8(__m256 x)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

/* as rf__tab_m_sq / rf__tab_m_lin of _vectab.h, the same FMAs */
static inline __attribute__((always_inline)) __m256 rf__tab_m_sq8(__m256 x, float c1, float c2, float bt)
{
    __m256 w = _mm256_fmadd_ps(x, _mm256_set1_ps(c1),
                               _mm256_fmadd_ps(rf__tab_abs8(x), _mm256_set1_ps(c2), _mm256_set1_ps(bt)));
    return _mm256_fmadd_ps(x, w, _mm256_set1_ps(12582912.0f));
}
static inline __attribute__((always_inline)) __m256 rf__tab_m_lin8(__m256 x, float rh)
{
    return _mm256_fmadd_ps(x, _mm256_set1_ps(rh), _mm256_set1_ps(12582912.0f));
}

/* as rf__tab_core: f = c0 + u S(u) */
static inline __attribute__((always_inline)) __m256
rf__tab_core8(const float (*T)[32], int deg, __m256 x, __m256 m,
              __m256 *u_out, __m256 *s_out, __m256 *c0_out, __m256 *ctr_out)
{
    rf__tab_ix8 ix = rf__tab_ix8_of(m);
    __m256 ctr = rf__tab_pick8(T[1], ix);
    __m256 u = _mm256_sub_ps(x, ctr);
    __m256 s = rf__tab_pick8(T[deg + 1], ix);
    for (int j = deg - 1; j >= 1; j--)
        s = _mm256_fmadd_ps(s, u, rf__tab_pick8(T[j + 1], ix));
    __m256 c0 = rf__tab_pick8(T[0], ix);
    *u_out = u;
    *s_out = s;
    *c0_out = c0;
    *ctr_out = ctr;
    return _mm256_fmadd_ps(u, s, c0);
}

/* as rf__tab_zero */
static inline __attribute__((always_inline)) __m256
rf__tab_zero8(__m256 y, __m256 x, __m256 u, __m256 s, __m256 c0, __m256 ctr, float ca, float cb,
              float x0h, float zp)
{
    __m256 z;
    if (ca == cb) {
        z = _mm256_cmp_ps(ctr, _mm256_set1_ps(ca), _CMP_EQ_OQ);
    } else {
        z = _mm256_and_ps(_mm256_cmp_ps(ctr, _mm256_set1_ps(ca < cb ? ca : cb), _CMP_GE_OQ),
                          _mm256_cmp_ps(ctr, _mm256_set1_ps(ca < cb ? cb : ca), _CMP_LE_OQ));
    }
    __m256 dh = _mm256_sub_ps(x, _mm256_set1_ps(x0h));
    __m256 inner = _mm256_fmadd_ps(dh, _mm256_mul_ps(u, s), _mm256_set1_ps(zp));
    return _mm256_blendv_ps(y, _mm256_fmadd_ps(dh, c0, inner), z);
}
#define RF__TAB_ZARGS(T, ZK, ZW, X0H, ZP) (T)[1][ZK], (T)[1][ZW], X0H, ZP

/* f for 8 lanes; *in: the lanes the tables cover (a compare mask) */
static inline __attribute__((always_inline)) __m256 rf__tab_gelu_v8(__m256 x, __m256 *in)
{
    __m256 u, s, c0, ctr;
    __m256 m = rf__tab_m_sq8(x, RF_TAB_GELU_C1, RF_TAB_GELU_C2, RF_TAB_GELU_BT);
    __m256 y = rf__tab_core8(RF_TAB_GELU, RF_TAB_GELU_DEG, x, m, &u, &s, &c0, &ctr);
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_GELU_HI), _CMP_GE_OQ));
    *in = _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_GELU_LO), _CMP_GE_OQ);
    return y;
}

static inline __attribute__((always_inline)) __m256 rf__tab_gelu_grad_v8(__m256 x, __m256 *in)
{
    __m256 u, s, c0, ctr;
    __m256 m = rf__tab_m_sq8(x, RF_TAB_GELU_GRAD_C1, RF_TAB_GELU_GRAD_C2, RF_TAB_GELU_GRAD_BT);
    __m256 y = rf__tab_core8(RF_TAB_GELU_GRAD, RF_TAB_GELU_GRAD_DEG, x, m, &u, &s, &c0, &ctr);
    y = rf__tab_zero8(y, x, u, s, c0, ctr,
                      RF__TAB_ZARGS(RF_TAB_GELU_GRAD, RF_TAB_GELU_GRAD_ZK, RF_TAB_GELU_GRAD_ZW,
                                    RF_TAB_GELU_GRAD_X0H, RF_TAB_GELU_GRAD_ZP));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(1.0f),
                         _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_GELU_GRAD_HI), _CMP_GE_OQ));
    *in = _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_GELU_GRAD_LO), _CMP_GE_OQ);
    return y;
}

static inline __attribute__((always_inline)) __m256 rf__tab_silu_grad_v8(__m256 x, __m256 *in)
{
    __m256 u, s, c0, ctr;
    __m256 m = rf__tab_m_lin8(x, RF_TAB_SILU_GRAD_RH);
    __m256 y = rf__tab_core8(RF_TAB_SILU_GRAD, RF_TAB_SILU_GRAD_DEG, x, m, &u, &s, &c0, &ctr);
    y = rf__tab_zero8(y, x, u, s, c0, ctr,
                      RF__TAB_ZARGS(RF_TAB_SILU_GRAD, RF_TAB_SILU_GRAD_ZK, RF_TAB_SILU_GRAD_ZW,
                                    RF_TAB_SILU_GRAD_X0H, RF_TAB_SILU_GRAD_ZP));
    *in = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_SILU_GRAD_LO), _CMP_GE_OQ),
                        _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB_SILU_GRAD_HI), _CMP_LT_OQ));
    return y;
}

/* as RF__TAB_SLOW: the lanes not in `in` (a compare mask) from the element functions, for the
 * gradients with _chain's zero; all 8 computed and blended (a loop gcc vectorizes) */
#define RF__TAB_SLOW8(name, fn)                                                              \
static __attribute__((noinline, unused)) __m256 name(__m256 x, __m256 y, __m256 in)         \
{                                                                                            \
    float t[8] __attribute__((aligned(32)));                                                 \
    _mm256_store_ps(t, x);                                                                   \
    for (int j = 0; j < 8; j++)                                                              \
        t[j] = fn(t[j]);                                                                     \
    return _mm256_blendv_ps(_mm256_load_ps(t), y, in);                                       \
}                                                                                            \
static __attribute__((noinline, unused)) __m256 name##_g(__m256 x, __m256 g, __m256 y, __m256 in) \
{                                                                                            \
    float t[8] __attribute__((aligned(32)));                                                 \
    _mm256_store_ps(t, x);                                                                   \
    for (int j = 0; j < 8; j++)                                                              \
        t[j] = fn(t[j]);                                                                     \
    __m256 d = _mm256_load_ps(t);                                                            \
    __m256 nz = _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_UQ);                          \
    return _mm256_blendv_ps(_mm256_and_ps(nz, _mm256_mul_ps(g, d)), y, in);                  \
}
RF__TAB_SLOW8(rf__tab_gelu_slow8, rf_gelu_f)
RF__TAB_SLOW8(rf__tab_gelu_grad_slow8, rf_gelu_grad_f)
RF__TAB_SLOW8(rf__tab_silu_grad_slow8, rf_silu_grad_f)

/* the load/store mask of the last n mod 8 elements (lanes 0 .. rem-1) */
static inline __attribute__((always_inline)) __m256i rf__tab_tail8(ptrdiff_t rem)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#define RF__TAB_FWD_LOOP8(name, vfun, slow)                                                  \
static inline void name(const float *x, float *y, ptrdiff_t n)                               \
{                                                                                            \
    __m256 in;                                                                               \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 8 <= n; i += 8) {                                                             \
        __m256 xv = _mm256_loadu_ps(x + i);                                                  \
        __m256 r = vfun(xv, &in);                                                            \
        if (__builtin_expect(_mm256_movemask_ps(in) != 0xFF, 0))                            \
            r = slow(xv, r, in);                                                             \
        _mm256_storeu_ps(y + i, r);                                                          \
    }                                                                                        \
    if (i < n) {                                                                             \
        __m256i k = rf__tab_tail8(n - i);                                                    \
        __m256 xv = _mm256_maskload_ps(x + i, k);                                            \
        __m256 r = vfun(xv, &in);                                                            \
        if (_mm256_movemask_ps(in) != 0xFF)                                                  \
            r = slow(xv, r, in);                                                             \
        _mm256_maskstore_ps(y + i, k, r);                                                    \
    }                                                                                        \
}
RF__TAB_FWD_LOOP8(vt2_gelu_f, rf__tab_gelu_v8, rf__tab_gelu_slow8)
RF__TAB_FWD_LOOP8(vt2_gelu_grad_d1_f, rf__tab_gelu_grad_v8, rf__tab_gelu_grad_slow8)
RF__TAB_FWD_LOOP8(vt2_silu_grad_d1_f, rf__tab_silu_grad_v8, rf__tab_silu_grad_slow8)

#define RF__TAB_GRAD_LOOP8(name, vfun, slow)                                                 \
static inline void name(const float *g, const float *x, float *o, ptrdiff_t n)               \
{                                                                                            \
    __m256 in;                                                                               \
    ptrdiff_t i = 0;                                                                         \
    for (; i + 8 <= n; i += 8) {                                                             \
        __m256 xv = _mm256_loadu_ps(x + i), gv = _mm256_loadu_ps(g + i);                    \
        __m256 r = _mm256_mul_ps(gv, vfun(xv, &in));                                         \
        if (__builtin_expect(_mm256_movemask_ps(in) != 0xFF, 0))                            \
            r = slow##_g(xv, gv, r, in);                                                     \
        _mm256_storeu_ps(o + i, r);                                                          \
    }                                                                                        \
    if (i < n) {                                                                             \
        __m256i k = rf__tab_tail8(n - i);                                                    \
        __m256 xv = _mm256_maskload_ps(x + i, k), gv = _mm256_maskload_ps(g + i, k);         \
        __m256 r = _mm256_mul_ps(gv, vfun(xv, &in));                                         \
        if (_mm256_movemask_ps(in) != 0xFF)                                                  \
            r = slow##_g(xv, gv, r, in);                                                     \
        _mm256_maskstore_ps(o + i, k, r);                                                    \
    }                                                                                        \
}
RF__TAB_GRAD_LOOP8(vt2_gelu_grad_f, rf__tab_gelu_grad_v8, rf__tab_gelu_grad_slow8)
RF__TAB_GRAD_LOOP8(vt2_silu_grad_f, rf__tab_silu_grad_v8, rf__tab_silu_grad_slow8)

#endif /* VT_AVX2_H */
