/* relufast/_bits.h: one bit per element, for the 1-bit masks of relu, leaky_relu and relu6.
 *
 * Their derivative takes one of two values, so the backward needs one bit an element where it
 * would otherwise keep x (4 or 8 bytes).  The bits are in NumPy's np.packbits layout with
 * bitorder="little": element i of a run is bit (i % 8) of byte i / 8, padding bits 0.  That is
 * the order of the vector compare masks (movemask, AVX-512's k registers), so a compare gives
 * whole bytes with no shuffling.
 *
 *   rf_mask_fwd_{f,d}(x, y, m, n, op, w)   y = f(x) and m[0 .. ceil(n/8)) = the bits of x:
 *       x > 0 (relu, leaky_relu), 0 < x < 6 (relu6); NaN gives 0
 *   rf_mask_fwd_bias_{f,d}(x, b, C, p, bc, y, m, n, op, w)   the same of z = x + bias, the sum
 *       rounded in the dtype: bias b[(p + i) % C] (b != NULL; b holds C + 64 values,
 *       b[k] = bias[k % C]), else bc for all
 *   rf_select_{f,d}(g, m, out, n, w, zero) out[i] = bit i ? g[i] : (zero ? +0.0 : w * g[i])
 *
 * Why intrinsics here when the element kernels are plain C for gcc to vectorize: gcc does not
 * turn a loop of `b |= (x[i] > 0) << i` into one compare-to-mask, nor `(m[i/8] >> i%8) & 1`
 * into a mask load; written out, each is one or two instructions per vector.  One portable
 * scalar loop serves the tails (no masked loads before AVX-512) and other CPUs, and computes
 * exactly what the vector bodies do: a select of g, or of the one product w * g.
 */
#ifndef RELUFAST_BITS_H
#define RELUFAST_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) || defined(__AVX2__) || defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif

#define RF_BITS_INLINE static inline

/* -------------------------------------------------------------------------------------- */
/* the scalar reference: tails, and CPUs without the x86 vector bodies                      */

#define RF__SELECT_TAIL(T)                                                                  \
RF_BITS_INLINE void rf__select_tail_##T(const T *g, const unsigned char *m, T *out,        \
                                        ptrdiff_t n, T w, int zero)                         \
{                                                                                           \
    ptrdiff_t i;                                                                            \
    for (i = 0; i < n; i++) {                                                               \
        T v = g[i];                                                                         \
        out[i] = (m[i / 8] >> (i % 8)) & 1 ? v : (zero ? (T)0 : w * v);                     \
    }                                                                                       \
}
RF__SELECT_TAIL(float)
RF__SELECT_TAIL(double)

/* -------------------------------------------------------------------------------------- */
/* forward and bits in one pass: y[i] = f(x[i]) for relu-like op `op` (RF_MASK_RELU ...),    */
/* m = bits of x[0 .. n) (n from a byte boundary; ceil(n/8) bytes written).  x may be y.     */
/*                                                                                          */
/* The bit is the compare the select already makes, so each vector of x is loaded once and   */
/* its bits are gathered 64 at a time (one 8-byte store: the store port is these loops'     */
/* bottleneck).  Measured on Zen 4, 10**7 float32 in place: 1.06-1.15x the plain forward;   */
/* the bits taken in a separate pass over L1-sized blocks, 1.2-1.55x; the same fused loop    */
/* in plain C (`b |= (x > 0) << j`), which gcc does not vectorize, 3.6x.                     */
/*                                                                                          */
/* The values are those of the kernels' element functions (_elementwise.pxi: _relu,          */
/* _leaky_nz, _leaky, _relu6), the same compares and selects, so the same bits of the       */
/* result for every input, NaN and -0.0 included (the tests compare them bitwise).           */

#define RF_MASK_RELU 0
#define RF_MASK_LEAKY 1       /* a nonzero slope w */
#define RF_MASK_LEAKY_ZERO 2  /* w = +-0: x < 0 gives -w (the limit), not w * x */
#define RF_MASK_RELU6 3

#if defined(__GNUC__)
#define RF_BITS_SPECIALIZE static inline __attribute__((always_inline))
#else
#define RF_BITS_SPECIALIZE static inline
#endif

#define RF__FWD1(T, v, op, w)                                                                   \
    ((op) == RF_MASK_RELU    ? ((v) <= 0 ? (T)0 : (v))                                          \
     : (op) == RF_MASK_LEAKY ? ((v) > 0 ? (v) : (w) * (v))                                      \
     : (op) == RF_MASK_LEAKY_ZERO ? ((v) > 0 ? (v) : ((v) < 0 ? -(w) : (w) * (v)))              \
     : ((v) <= 0 ? (T)0 : ((v) > 6 ? (T)6 : (v))))
#define RF__BIT1(v, op) ((op) == RF_MASK_RELU6 ? ((v) > 0) & ((v) < 6) : ((v) > 0))

/* The bias, added as x is loaded (z = x + bias rounded in the dtype, then the bit and f of z:
   the composition's bits).  A compile-time constant of the always-inline loops below, so the
   loop without a bias is the one it was (adding 0.0 instead would turn -0.0 into +0.0).
   RF_BIAS_ROW: element i's bias is b[p], p = (p0 + i) % C, the phase along rows of C channels;
   b holds C + 64 values (b[k] = bias[k % C]) so that a vector loaded at b + p never wraps. */
#define RF_BIAS_NONE 0
#define RF_BIAS_ROW 1
#define RF_BIAS_CONST 2

/* one element of x, its bias added; the phase p moves on one */
#define RF__LOAD1(v, x, i, bm, b, C, p, bc)                                                     \
    do {                                                                                        \
        (v) = (x)[i];                                                                           \
        if ((bm) == RF_BIAS_ROW) {                                                              \
            (v) = (v) + (b)[p];                                                                 \
            if (++(p) == (C))                                                                   \
                (p) = 0;                                                                        \
        } else if ((bm) == RF_BIAS_CONST) {                                                     \
            (v) = (v) + (bc);                                                                   \
        }                                                                                       \
    } while (0)

#define RF__MASK_FWD_TAIL(T)                                                                    \
RF_BITS_SPECIALIZE void rf__mask_fwd_tail_##T(const T *x, T *y, unsigned char *m, ptrdiff_t n, \
                                              const int op, T w, const int bm, const T *b,     \
                                              ptrdiff_t C, ptrdiff_t p, T bc)                   \
{                                                                                               \
    ptrdiff_t i;                                                                                \
    for (i = 0; i < n; i += 8) {                                                                \
        unsigned bits = 0;                                                                      \
        ptrdiff_t k, e = n - i < 8 ? n - i : 8;                                                 \
        for (k = 0; k < e; k++) {                                                               \
            T v;                                                                                \
            RF__LOAD1(v, x, i + k, bm, b, C, p, bc);                                            \
            bits |= (unsigned)RF__BIT1(v, op) << k;                                             \
            y[i + k] = RF__FWD1(T, v, op, w);                                                   \
        }                                                                                       \
        m[i / 8] = (unsigned char)bits;                                                         \
    }                                                                                           \
}
RF__MASK_FWD_TAIL(float)
RF__MASK_FWD_TAIL(double)

/* one vector: the value (returned) and the bits (*bits) */
#if defined(__AVX512F__)
#define RF__MASK_FWD_512(S, T, V, MASK)                                                         \
RF_BITS_SPECIALIZE V rf__mask_fwd_v##S(V v, const int op, V w, unsigned *bits)                  \
{                                                                                               \
    const V zero = _mm512_setzero_##S(), six = _mm512_set1_##S((T)6);                          \
    MASK gt = _mm512_cmp_##S##_mask(v, zero, _CMP_GT_OQ);                                       \
    V r;                                                                                        \
    if (op == RF_MASK_RELU) {                                                                   \
        r = _mm512_mask_mov_##S(v, _mm512_cmp_##S##_mask(v, zero, _CMP_LE_OQ), zero);           \
    } else if (op == RF_MASK_LEAKY) {                                                           \
        r = _mm512_mask_mov_##S(_mm512_mul_##S(v, w), gt, v);                                   \
    } else if (op == RF_MASK_LEAKY_ZERO) {                                                      \
        r = _mm512_mask_mov_##S(_mm512_mul_##S(v, w), _mm512_cmp_##S##_mask(v, zero, _CMP_LT_OQ), \
                                _mm512_xor_##S(w, _mm512_set1_##S((T)-0.0)));                   \
        r = _mm512_mask_mov_##S(r, gt, v);                                                      \
    } else {                                                                                    \
        r = _mm512_mask_mov_##S(v, _mm512_cmp_##S##_mask(v, six, _CMP_GT_OQ), six);             \
        r = _mm512_mask_mov_##S(r, _mm512_cmp_##S##_mask(v, zero, _CMP_LE_OQ), zero);           \
        gt &= _mm512_cmp_##S##_mask(v, six, _CMP_LT_OQ);                                        \
    }                                                                                           \
    *bits = (unsigned)gt;                                                                       \
    return r;                                                                                   \
}
RF__MASK_FWD_512(ps, float, __m512, __mmask16)
RF__MASK_FWD_512(pd, double, __m512d, __mmask8)
#define RF__VF(v) _mm512_loadu_ps(v)
#define RF__VD(v) _mm512_loadu_pd(v)
#define RF__SF(p, v) _mm512_storeu_ps(p, v)
#define RF__SD(p, v) _mm512_storeu_pd(p, v)
#define RF__SETF(w) _mm512_set1_ps(w)
#define RF__ADDF(a, b) _mm512_add_ps(a, b)
#define RF__ADDD(a, b) _mm512_add_pd(a, b)
#define RF__SETD(w) _mm512_set1_pd(w)
#define RF__VLF 16
#define RF__VLD 8
typedef __m512 rf__vf;
typedef __m512d rf__vd;
#elif defined(__AVX2__)
/* (the zero slope's -w is a sign flip: 0 - w would give +0.0 for w = +0.0) */
#define RF__MASK_FWD_256(S, T, V)                                                               \
RF_BITS_SPECIALIZE V rf__mask_fwd_v##S(V v, const int op, V w, unsigned *bits)                  \
{                                                                                               \
    const V zero = _mm256_setzero_##S(), six = _mm256_set1_##S((T)6);                          \
    V gt = _mm256_cmp_##S(v, zero, _CMP_GT_OQ), r;                                              \
    if (op == RF_MASK_RELU) {                                                                   \
        r = _mm256_andnot_##S(_mm256_cmp_##S(v, zero, _CMP_LE_OQ), v);                          \
    } else if (op == RF_MASK_LEAKY) {                                                           \
        r = _mm256_blendv_##S(_mm256_mul_##S(v, w), v, gt);                                     \
    } else if (op == RF_MASK_LEAKY_ZERO) {                                                      \
        r = _mm256_blendv_##S(_mm256_mul_##S(v, w), _mm256_xor_##S(w, _mm256_set1_##S((T)-0.0)), \
                              _mm256_cmp_##S(v, zero, _CMP_LT_OQ));                             \
        r = _mm256_blendv_##S(r, v, gt);                                                        \
    } else {                                                                                    \
        r = _mm256_blendv_##S(v, six, _mm256_cmp_##S(v, six, _CMP_GT_OQ));                      \
        r = _mm256_andnot_##S(_mm256_cmp_##S(v, zero, _CMP_LE_OQ), r);                          \
        gt = _mm256_and_##S(gt, _mm256_cmp_##S(v, six, _CMP_LT_OQ));                            \
    }                                                                                           \
    *bits = (unsigned)_mm256_movemask_##S(gt);                                                  \
    return r;                                                                                   \
}
RF__MASK_FWD_256(ps, float, __m256)
RF__MASK_FWD_256(pd, double, __m256d)
#define RF__VF(v) _mm256_loadu_ps(v)
#define RF__VD(v) _mm256_loadu_pd(v)
#define RF__SF(p, v) _mm256_storeu_ps(p, v)
#define RF__SD(p, v) _mm256_storeu_pd(p, v)
#define RF__SETF(w) _mm256_set1_ps(w)
#define RF__ADDF(a, b) _mm256_add_ps(a, b)
#define RF__ADDD(a, b) _mm256_add_pd(a, b)
#define RF__SETD(w) _mm256_set1_pd(w)
#define RF__VLF 8
#define RF__VLD 4
typedef __m256 rf__vf;
typedef __m256d rf__vd;
#elif defined(__SSE2__) || defined(_M_X64)
#define RF__SEL128(S, c, a, b) _mm_or_##S(_mm_and_##S(c, a), _mm_andnot_##S(c, b))
#define RF__MASK_FWD_128(S, T, V)                                                               \
RF_BITS_SPECIALIZE V rf__mask_fwd_v##S(V v, const int op, V w, unsigned *bits)                  \
{                                                                                               \
    const V zero = _mm_setzero_##S(), six = _mm_set1_##S((T)6);                                \
    V gt = _mm_cmpgt_##S(v, zero), r;                                                           \
    if (op == RF_MASK_RELU) {                                                                   \
        r = _mm_andnot_##S(_mm_cmple_##S(v, zero), v);                                          \
    } else if (op == RF_MASK_LEAKY) {                                                           \
        r = RF__SEL128(S, gt, v, _mm_mul_##S(v, w));                                            \
    } else if (op == RF_MASK_LEAKY_ZERO) {                                                      \
        r = RF__SEL128(S, _mm_cmplt_##S(v, zero), _mm_xor_##S(w, _mm_set1_##S((T)-0.0)),         \
                       _mm_mul_##S(v, w));                                                      \
        r = RF__SEL128(S, gt, v, r);                                                            \
    } else {                                                                                    \
        r = RF__SEL128(S, _mm_cmpgt_##S(v, six), six, v);                                       \
        r = _mm_andnot_##S(_mm_cmple_##S(v, zero), r);                                          \
        gt = _mm_and_##S(gt, _mm_cmplt_##S(v, six));                                            \
    }                                                                                           \
    *bits = (unsigned)_mm_movemask_##S(gt);                                                     \
    return r;                                                                                   \
}
RF__MASK_FWD_128(ps, float, __m128)
RF__MASK_FWD_128(pd, double, __m128d)
#define RF__VF(v) _mm_loadu_ps(v)
#define RF__VD(v) _mm_loadu_pd(v)
#define RF__SF(p, v) _mm_storeu_ps(p, v)
#define RF__SD(p, v) _mm_storeu_pd(p, v)
#define RF__SETF(w) _mm_set1_ps(w)
#define RF__ADDF(a, b) _mm_add_ps(a, b)
#define RF__ADDD(a, b) _mm_add_pd(a, b)
#define RF__SETD(w) _mm_set1_pd(w)
#define RF__VLF 4
#define RF__VLD 2
typedef __m128 rf__vf;
typedef __m128d rf__vd;
#endif

/* The last < 64 elements of a run: y, and their bits returned (bit k for element k).  AVX-512
   takes them in vectors, the last one under a mask (masked-off lanes are neither read nor
   written): the runs of rows whose length is not a multiple of 8 (NCHW's 28 x 28, rows of 100)
   are shorter than a block, and were all scalar.  The other ISAs, which have no masked loads
   and stores of every width, take them one by one. */
#if defined(__AVX512F__)
#define RF__FWD_TAIL_512(S, T, V, MT)                                                           \
RF_BITS_SPECIALIZE uint64_t rf__fwd_tail_v##S(const T *x, T *y, ptrdiff_t t, const int op,     \
                                              T w, V wv, const int bm, const T *b, ptrdiff_t C, \
                                              ptrdiff_t p, ptrdiff_t step, T bc, V bcv)         \
{                                                                                               \
    const ptrdiff_t VL = (ptrdiff_t)(sizeof(V) / sizeof(T));                                    \
    uint64_t tb = 0;                                                                            \
    ptrdiff_t k;                                                                                \
    (void)w;                                                                                    \
    (void)bc;                                                                                   \
    for (k = 0; k < t; k += VL) {                                                               \
        unsigned bits;                                                                          \
        MT lm = (MT)(t - k >= VL ? ~0u : (1u << (t - k)) - 1u);                                 \
        V v = _mm512_maskz_loadu_##S(lm, x + k), r;                                             \
        if (bm == RF_BIAS_ROW) {                                                                \
            v = _mm512_add_##S(v, _mm512_loadu_##S(b + p));  /* b: C + 64 values */           \
            p += step;                                                                          \
            if (p >= C)                                                                         \
                p -= C;                                                                         \
        } else if (bm == RF_BIAS_CONST) {                                                       \
            v = _mm512_add_##S(v, bcv);                                                         \
        }                                                                                       \
        r = rf__mask_fwd_v##S(v, op, wv, &bits);                                                \
        _mm512_mask_storeu_##S(y + k, lm, r);                                                   \
        tb |= (uint64_t)(bits & (unsigned)lm) << k;                                             \
    }                                                                                           \
    return tb;                                                                                  \
}
RF__FWD_TAIL_512(ps, float, __m512, __mmask16)
RF__FWD_TAIL_512(pd, double, __m512d, __mmask8)
#elif defined(RF__VLF)
#define RF__FWD_TAIL_SCALAR(S, T, V)                                                            \
RF_BITS_SPECIALIZE uint64_t rf__fwd_tail_v##S(const T *x, T *y, ptrdiff_t t, const int op,     \
                                              T w, V wv, const int bm, const T *b, ptrdiff_t C, \
                                              ptrdiff_t p, ptrdiff_t step, T bc, V bcv)         \
{                                                                                               \
    uint64_t tb = 0;                                                                            \
    ptrdiff_t k;                                                                                \
    (void)wv;                                                                                   \
    (void)step;                                                                                 \
    (void)bcv;                                                                                  \
    for (k = 0; k < t; k++) {                                                                   \
        T v;                                                                                    \
        RF__LOAD1(v, x, k, bm, b, C, p, bc);                                                    \
        tb |= (uint64_t)RF__BIT1(v, op) << k;                                                   \
        y[k] = RF__FWD1(T, v, op, w);                                                           \
    }                                                                                           \
    return tb;                                                                                  \
}
RF__FWD_TAIL_SCALAR(ps, float, rf__vf)
RF__FWD_TAIL_SCALAR(pd, double, rf__vd)
#endif

/* The vector loop stores y from a cache-line boundary on: NumPy's large arrays start 16 bytes
   past one, and there every 64-byte store straddles two lines, which cost the loop about 10% at
   the memory's speed (10**7 float32 in place: 1.10-1.14x the plain forward, whose stores are
   aligned, against 1.03 with both aligned).  The h elements before the boundary are done one
   by one and their bits carried: each 64-bit word of the mask then holds the carried bits and
   the low 64 - h bits of a block, and the block's high h bits are the next word's carry.  The
   words stay on whole bytes because a run starts on a byte of the mask (i - h is a multiple of
   64 in the loop). */
#define RF__MASK_FWD(SUF, T, VT, S, VL, LOAD, STORE, SET, ADD)                                  \
RF_BITS_SPECIALIZE void rf__mask_fwd_##SUF(const T *x, T *y, unsigned char *m, ptrdiff_t n,    \
                                           const int op, T w, const int bm, const T *b,         \
                                           ptrdiff_t C, ptrdiff_t p, T bc)                      \
{                                                                                               \
    ptrdiff_t i = 0, h = (ptrdiff_t)((64u - ((uintptr_t)y & 63u)) & 63u) / (ptrdiff_t)sizeof(T); \
    const VT wv = SET(w), bcv = SET(bc);                                                        \
    const ptrdiff_t step = bm != RF_BIAS_ROW ? 0 : VL < C ? VL : VL % C; /* phase per vector */ \
    uint64_t carry = 0;                 /* the bits of elements [i - h, i), not yet stored */   \
    if ((uintptr_t)y % sizeof(T) != 0 || h + 64 > n)                                            \
        h = 0;                          /* short runs, and y off its element size: as it comes */ \
    for (; i < h; i++) {                                                                        \
        T v;                                                                                    \
        RF__LOAD1(v, x, i, bm, b, C, p, bc);                                                    \
        carry |= (uint64_t)RF__BIT1(v, op) << i;                                                \
        y[i] = RF__FWD1(T, v, op, w);                                                           \
    }                                                                                           \
    for (; i + 64 <= n; i += 64) {                                                              \
        uint64_t bits64 = 0;                                                                    \
        int j;                                                                                  \
        for (j = 0; j < 64 / VL; j++) {                                                         \
            unsigned bits;                                                                      \
            VT v = LOAD(x + i + VL * j), r;                                                     \
            if (bm == RF_BIAS_ROW) {                                                            \
                v = ADD(v, LOAD(b + p));                                                        \
                p += step;                                                                      \
                if (p >= C)                                                                     \
                    p -= C;                                                                     \
            } else if (bm == RF_BIAS_CONST) {                                                   \
                v = ADD(v, bcv);                                                                \
            }                                                                                   \
            r = rf__mask_fwd_v##S(v, op, wv, &bits);                                            \
            STORE(y + i + VL * j, r);                                                           \
            bits64 |= (uint64_t)bits << (VL * j);                                               \
        }                                                                                       \
        if (h) {                                                                                \
            uint64_t word = carry | (bits64 << h);                                              \
            carry = bits64 >> (64 - h);                                                         \
            memcpy(m + (i - h) / 8, &word, 8);                                                  \
        } else {                                                                                \
            memcpy(m + i / 8, &bits64, 8);                                                      \
        }                                                                                       \
    }                                                                                           \
    {                                                                                           \
        /* the last < 64 elements; after the carried h, at most 80 bits, 10 bytes */            \
        ptrdiff_t k, t = n - i, nb = (h + t + 7) / 8;                                           \
        uint64_t tb = rf__fwd_tail_v##S(x + i, y + i, t, op, w, wv, bm, b, C, p, step, bc, bcv), \
                 lo = h ? carry | (tb << h) : tb, hi = h ? tb >> (64 - h) : 0;                  \
        for (k = 0; k < nb; k++)                                                                \
            m[(i - h) / 8 + k] = (unsigned char)(k < 8 ? lo >> (8 * k) : hi >> (8 * (k - 8))); \
    }                                                                                           \
}

#if defined(RF__VLF)
RF__MASK_FWD(f, float, rf__vf, ps, RF__VLF, RF__VF, RF__SF, RF__SETF, RF__ADDF)
RF__MASK_FWD(d, double, rf__vd, pd, RF__VLD, RF__VD, RF__SD, RF__SETD, RF__ADDD)
#else
RF_BITS_SPECIALIZE void rf__mask_fwd_f(const float *x, float *y, unsigned char *m, ptrdiff_t n,
                                       const int op, float w, const int bm, const float *b,
                                       ptrdiff_t C, ptrdiff_t p, float bc)
{
    rf__mask_fwd_tail_float(x, y, m, n, op, w, bm, b, C, p, bc);
}
RF_BITS_SPECIALIZE void rf__mask_fwd_d(const double *x, double *y, unsigned char *m, ptrdiff_t n,
                                       const int op, double w, const int bm, const double *b,
                                       ptrdiff_t C, ptrdiff_t p, double bc)
{
    rf__mask_fwd_tail_double(x, y, m, n, op, w, bm, b, C, p, bc);
}
#endif

/* one loop per op (and bias mode), its selects fixed at compile time */
#define RF__MASK_FWD_OPS(SUF, T, BM, B, C, P, BC)                                               \
    switch (op) {                                                                               \
    case RF_MASK_RELU: rf__mask_fwd_##SUF(x, y, m, n, RF_MASK_RELU, w, BM, B, C, P, BC); break; \
    case RF_MASK_LEAKY: rf__mask_fwd_##SUF(x, y, m, n, RF_MASK_LEAKY, w, BM, B, C, P, BC); break; \
    case RF_MASK_LEAKY_ZERO:                                                                    \
        rf__mask_fwd_##SUF(x, y, m, n, RF_MASK_LEAKY_ZERO, w, BM, B, C, P, BC); break;          \
    default: rf__mask_fwd_##SUF(x, y, m, n, RF_MASK_RELU6, w, BM, B, C, P, BC); break;          \
    }

RF_BITS_INLINE void rf_mask_fwd_f(const float *x, float *y, unsigned char *m, ptrdiff_t n,
                                  int op, float w)
{
    RF__MASK_FWD_OPS(f, float, RF_BIAS_NONE, NULL, 1, 0, 0.0f)
}

RF_BITS_INLINE void rf_mask_fwd_d(const double *x, double *y, unsigned char *m, ptrdiff_t n,
                                  int op, double w)
{
    RF__MASK_FWD_OPS(d, double, RF_BIAS_NONE, NULL, 1, 0, 0.0)
}

/* with a bias: b != NULL the rows of C channels from phase p (b as RF_BIAS_ROW says), else bc
   for every element */
RF_BITS_INLINE void rf_mask_fwd_bias_f(const float *x, const float *b, ptrdiff_t C, ptrdiff_t p,
                                       float bc, float *y, unsigned char *m, ptrdiff_t n, int op,
                                       float w)
{
    if (b != NULL) {
        RF__MASK_FWD_OPS(f, float, RF_BIAS_ROW, b, C, p, bc)
    } else {
        RF__MASK_FWD_OPS(f, float, RF_BIAS_CONST, NULL, 1, 0, bc)
    }
}

RF_BITS_INLINE void rf_mask_fwd_bias_d(const double *x, const double *b, ptrdiff_t C,
                                       ptrdiff_t p, double bc, double *y, unsigned char *m,
                                       ptrdiff_t n, int op, double w)
{
    if (b != NULL) {
        RF__MASK_FWD_OPS(d, double, RF_BIAS_ROW, b, C, p, bc)
    } else {
        RF__MASK_FWD_OPS(d, double, RF_BIAS_CONST, NULL, 1, 0, bc)
    }
}

/* -------------------------------------------------------------------------------------- */
/* select: g where the bit is set, else +0.0 (zero) or w * g.  n elements from a byte        */
/* boundary of m.                                                                            */

RF_BITS_INLINE void rf_select_f(const float *g, const unsigned char *m, float *out, ptrdiff_t n,
                                float w, int zero)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 wv = _mm512_set1_ps(w);
    for (; i + 16 <= n; i += 16) {
        uint16_t k;
        __m512 v = _mm512_loadu_ps(g + i);
        memcpy(&k, m + i / 8, 2);
        v = zero ? _mm512_maskz_mov_ps((__mmask16)k, v)
                 : _mm512_mask_mov_ps(_mm512_mul_ps(v, wv), (__mmask16)k, v);
        _mm512_storeu_ps(out + i, v);
    }
    if (i < n) {
        /* the last < 16 under a mask (the rows of NCHW's 28 x 28 were 12 of 28 scalar); their
           bits are in ceil((n - i) / 8) bytes, so the second is read only when it exists */
        __mmask16 t = (__mmask16)((1u << (n - i)) - 1u);
        unsigned k = m[i / 8] | (n - i > 8 ? (unsigned)m[i / 8 + 1] << 8 : 0u);
        __m512 v = _mm512_maskz_loadu_ps(t, g + i);
        v = zero ? _mm512_maskz_mov_ps((__mmask16)k, v)
                 : _mm512_mask_mov_ps(_mm512_mul_ps(v, wv), (__mmask16)k, v);
        _mm512_mask_storeu_ps(out + i, t, v);
        i = n;
    }
#elif defined(__AVX2__)
    const __m256 wv = _mm256_set1_ps(w);
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(g + i);
        __m256i b = _mm256_and_si256(_mm256_set1_epi32(m[i / 8]), bit);
        __m256 c = _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, bit));
        v = zero ? _mm256_and_ps(v, c) : _mm256_blendv_ps(_mm256_mul_ps(v, wv), v, c);
        _mm256_storeu_ps(out + i, v);
    }
#elif defined(__SSE2__) || defined(_M_X64)
    const __m128 wv = _mm_set1_ps(w);
    const __m128i lo = _mm_setr_epi32(1, 2, 4, 8), hi = _mm_setr_epi32(16, 32, 64, 128);
    for (; i + 8 <= n; i += 8) {
        __m128i mb = _mm_set1_epi32(m[i / 8]);
        int h;
        for (h = 0; h < 2; h++) {
            __m128i bit = h ? hi : lo;
            __m128 v = _mm_loadu_ps(g + i + 4 * h);
            __m128 c = _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(mb, bit), bit));
            __m128 r = _mm_and_ps(v, c);
            if (!zero)
                r = _mm_or_ps(r, _mm_andnot_ps(c, _mm_mul_ps(v, wv)));
            _mm_storeu_ps(out + i + 4 * h, r);
        }
    }
#endif
    rf__select_tail_float(g + i, m + i / 8, out + i, n - i, w, zero);
}

RF_BITS_INLINE void rf_select_d(const double *g, const unsigned char *m, double *out, ptrdiff_t n,
                                double w, int zero)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512d wv = _mm512_set1_pd(w);
    for (; i + 8 <= n; i += 8) {
        __mmask8 k = (__mmask8)m[i / 8];
        __m512d v = _mm512_loadu_pd(g + i);
        v = zero ? _mm512_maskz_mov_pd(k, v) : _mm512_mask_mov_pd(_mm512_mul_pd(v, wv), k, v);
        _mm512_storeu_pd(out + i, v);
    }
    if (i < n) {  /* the last < 8 under a mask, as rf_select_f's */
        __mmask8 t = (__mmask8)((1u << (n - i)) - 1u), k = (__mmask8)m[i / 8];
        __m512d v = _mm512_maskz_loadu_pd(t, g + i);
        v = zero ? _mm512_maskz_mov_pd(k, v) : _mm512_mask_mov_pd(_mm512_mul_pd(v, wv), k, v);
        _mm512_mask_storeu_pd(out + i, t, v);
        i = n;
    }
#elif defined(__AVX2__)
    const __m256d wv = _mm256_set1_pd(w);
    const __m256i lo = _mm256_setr_epi64x(1, 2, 4, 8), hi = _mm256_setr_epi64x(16, 32, 64, 128);
    for (; i + 8 <= n; i += 8) {
        __m256i mb = _mm256_set1_epi64x(m[i / 8]);
        int h;
        for (h = 0; h < 2; h++) {
            __m256i bit = h ? hi : lo;
            __m256d v = _mm256_loadu_pd(g + i + 4 * h);
            __m256d c = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(mb, bit), bit));
            v = zero ? _mm256_and_pd(v, c) : _mm256_blendv_pd(_mm256_mul_pd(v, wv), v, c);
            _mm256_storeu_pd(out + i + 4 * h, v);
        }
    }
#elif defined(__SSE2__) || defined(_M_X64)
    /* no 64-bit compare before SSE4.1: each bit is tested in both 32-bit halves of its lane */
    const __m128d wv = _mm_set1_pd(w);
    for (; i + 8 <= n; i += 8) {
        __m128i mb = _mm_set1_epi32(m[i / 8]);
        int j;
        for (j = 0; j < 4; j++) {
            int b0 = 1 << (2 * j), b1 = 2 << (2 * j);
            __m128i bit = _mm_setr_epi32(b0, b0, b1, b1);
            __m128d v = _mm_loadu_pd(g + i + 2 * j);
            __m128d c = _mm_castsi128_pd(_mm_cmpeq_epi32(_mm_and_si128(mb, bit), bit));
            __m128d r = _mm_and_pd(v, c);
            if (!zero)
                r = _mm_or_pd(r, _mm_andnot_pd(c, _mm_mul_pd(v, wv)));
            _mm_storeu_pd(out + i + 2 * j, r);
        }
    }
#endif
    rf__select_tail_double(g + i, m + i / 8, out + i, n - i, w, zero);
}

#endif /* RELUFAST_BITS_H */
