/*
 * tools/vecmath/tab_avx2/vt16.h -- float gelu on AVX2 + FMA from 16 local polynomials of degree
 * 10 (vt16_tables.h: fit_tab.py --nk 16), NOT used by the kernels: 1.37 times faster than the
 * AVX2 element loop in cache, but 2.10 ulp over all inputs (README.md).
 *
 * One of 16 coefficients is two _mm256_permutevar8x32_ps and a blend on the index's bit 3
 * (moved to the sign bit, which _mm256_blendv_ps reads); the intervals are the "sq" layout of
 * _vectab.h at half the density (12 on the negative side, one around 0, 3 up to 6.4), the tables
 * read from memory (12 rows x 2 ymm would not fit 16 registers).  Otherwise as the AVX-512
 * loops: u = x - c_k exact, f = c0 + u S in one FMA, x >= 6.2 gives x, lanes below the range or
 * NaN take rf_gelu_f, the last n mod 8 elements under a load/store mask.  Compile with -mavx2
 * -mfma and without AVX-512.
 */
#ifndef VT16_H
#define VT16_H
#include <stddef.h>
#include "../../../relufast/_vecmath.h"
#include <immintrin.h>
#include "vt16_tables.h"


static inline __attribute__((always_inline)) __m256 rf__tab16_pick(const float *row, __m256i idx, __m256 b3)
{
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(row), idx),
                            _mm256_permutevar8x32_ps(_mm256_load_ps(row + 8), idx), b3);
}

/* gelu for 8 lanes; *in: the lanes the table covers (a compare mask) */
static inline __attribute__((always_inline)) __m256 rf__tab16_gelu_v(__m256 x, __m256 *in)
{
    const float (*T)[16] = RF_TAB16_GELU;
    __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 w = _mm256_fmadd_ps(x, _mm256_set1_ps(RF_TAB16_GELU_C1),
                               _mm256_fmadd_ps(ax, _mm256_set1_ps(RF_TAB16_GELU_C2),
                                               _mm256_set1_ps(RF_TAB16_GELU_BT)));
    __m256i idx = _mm256_castps_si256(_mm256_fmadd_ps(x, w, _mm256_set1_ps(12582912.0f)));
    __m256 b3 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));     /* bit 3 -> sign */
    __m256 u = _mm256_sub_ps(x, rf__tab16_pick(T[1], idx, b3));      /* exact */
    __m256 s = rf__tab16_pick(T[RF_TAB16_GELU_DEG + 1], idx, b3);
    for (int j = RF_TAB16_GELU_DEG - 1; j >= 1; j--)
        s = _mm256_fmadd_ps(s, u, rf__tab16_pick(T[j + 1], idx, b3));
    __m256 y = _mm256_fmadd_ps(u, s, rf__tab16_pick(T[0], idx, b3));
    /* x >= 6.2 (+inf too): gelu(x) = x */
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB16_GELU_HI), _CMP_GE_OQ));
    *in = _mm256_cmp_ps(x, _mm256_set1_ps(RF_TAB16_GELU_LO), _CMP_GE_OQ);   /* NaN: not in */
    return y;
}

/* the lanes not in `in` from rf_gelu_f: all 8 computed (a loop gcc vectorizes) and blended */
static __attribute__((noinline, unused)) __m256 rf__tab16_gelu_slow(__m256 x, __m256 y, __m256 in)
{
    float t[8] __attribute__((aligned(32)));
    _mm256_store_ps(t, x);
    for (int j = 0; j < 8; j++)
        t[j] = rf_gelu_f(t[j]);
    return _mm256_blendv_ps(_mm256_load_ps(t), y, in);
}

/* y = gelu(x); x may be y */
static inline void vt16_gelu_f(const float *x, float *y, ptrdiff_t n)
{
    __m256 in;
    ptrdiff_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 xv = _mm256_loadu_ps(x + i);
        __m256 r = rf__tab16_gelu_v(xv, &in);
        if (__builtin_expect(_mm256_movemask_ps(in) != 0xFF, 0))
            r = rf__tab16_gelu_slow(xv, r, in);
        _mm256_storeu_ps(y + i, r);
    }
    if (i < n) {
        __m256i k = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)),
                                       _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 xv = _mm256_maskload_ps(x + i, k);
        __m256 r = rf__tab16_gelu_v(xv, &in);
        if (_mm256_movemask_ps(in) != 0xFF)
            r = rf__tab16_gelu_slow(xv, r, in);
        _mm256_maskstore_ps(y + i, k, r);
    }
}
#endif /* VT16_H */
