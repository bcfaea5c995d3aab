/* relufast/_half.h: float16 (IEEE binary16) to and from float and double, one element at a time.
 *
 * float16 data is computed in float32 (or float64, when the other input is float64) block by
 * block: each element is widened as it is loaded and rounded once, to nearest even, as it is
 * stored.  These functions are written for the kernels' conversion loops, which gcc vectorizes:
 * integer bit operations and selects, no branches, no table, no subnormal arithmetic (so the
 * results hold whatever the caller's flush-to-zero mode).
 *
 * - widening is exact: every float16 is a float32 (and a float64);
 * - narrowing rounds to nearest, ties to even; beyond the largest float16 (65504), values from
 *   65520 on round to infinity, as IEEE's rounding does; subnormal float16 results are rounded
 *   at 2**-24; NaN stays NaN (quieted, sign and top payload bits kept, like the F16C
 *   instruction);
 * - double to float16 rounds once, from the double: never through float, which would round
 *   twice (a double just above a float16 tie can round to the tie in float, then to even).
 *
 * Blocks of float16 to and from float (rf_h2f_block, rf_f2h_block, rf_h2d_block) use the
 * hardware conversions where the build has them: AVX-512F's vcvtph2ps/vcvtps2ph in the avx512
 * module, F16C's in the avx2 module (every AVX2 CPU has F16C; _compat.h checks it before that
 * module or the avx512 one is chosen), 2.5 to 4x faster than the integer versions, which serve the baseline and
 * the blocks' tails and round identically (to nearest even, NaN quieted with its top payload
 * bits).  gcc 12 does not vectorize conversions written as _Float16 casts under -mf16c, so the
 * intrinsics are spelled out.  double -> float16 has no instruction before AVX512-FP16: it is
 * always rf_d2h.
 */
#ifndef RELUFAST_HALF_H
#define RELUFAST_HALF_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

static inline uint32_t rf_f_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float rf_bits_f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t rf_d_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline double rf_bits_d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static inline float rf_h2f(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t em = h & 0x7fffu;  /* exponent and mantissa */
    /* normal: rebias the exponent (127 - 15 = 112) */
    uint32_t normal = (em << 13) + (112u << 23);
    /* subnormal (and zero): mantissa * 2**-24, exact in float, without subnormal operands */
    uint32_t sub = rf_f_bits((float)(int32_t)em * 0x1p-24f);
    /* infinity and NaN: all-ones exponent, payload kept */
    uint32_t special = (em << 13) | 0x7f800000u;
    uint32_t r = em >= 0x7c00u ? special : (em >= 0x0400u ? normal : sub);
    return rf_bits_f(r | sign);
}

static inline uint16_t rf_f2h(float f)
{
    uint32_t x = rf_f_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    /* normal float16 (|f| >= 2**-14): drop 13 mantissa bits, rounding to nearest even */
    uint32_t normal = (ax - (112u << 23) + 0x0fffu + ((ax >> 13) & 1u)) >> 13;
    /* below 2**-14: adding 0.5 (whose ulp is 2**-24, the float16 subnormal step) lets the FPU
     * round to nearest even; the bits above 0.5's are the float16 subnormal */
    uint32_t sub = rf_f_bits(rf_bits_f(ax) + 0.5f) - rf_f_bits(0.5f);
    uint32_t nan = 0x7e00u | ((ax >> 13) & 0x03ffu);
    uint32_t r = ax > 0x7f800000u ? nan
               : (ax >= 0x477ff000u ? 0x7c00u          /* 65520 and beyond: infinity */
               : (ax >= 0x38800000u ? normal : sub));
    return (uint16_t)(r | sign);
}

static inline uint16_t rf_d2h(double d)
{
    uint64_t x = rf_d_bits(d);
    uint64_t sign = (x >> 48) & 0x8000u;
    uint64_t ax = x & 0x7fffffffffffffffull;
    double a = rf_bits_d(ax);
    /* normal float16: rebias (1023 - 15 = 1008) and drop 42 mantissa bits, to nearest even */
    uint64_t normal = (ax - (1008ull << 52) + 0x1ffffffffffull + ((ax >> 42) & 1u)) >> 42;
    /* below 2**-14: 2**28 has the ulp 2**-24 in double, so the FPU rounds the sum once */
    uint64_t sub = rf_d_bits(a + 0x1p28) - rf_d_bits(0x1p28);
    uint64_t nan = 0x7e00u | ((ax >> 42) & 0x03ffu);
    /* the ranges by double compares (SSE2 has no 64-bit integer compare, so the baseline
     * build vectorizes this only so): NaN fails every compare */
    uint64_t r = a >= 0x1p-14 ? normal : sub;
    r = a >= 65520.0 ? 0x7c00u : r;          /* 65520 and beyond: infinity */
    r = a != a ? nan : r;
    return (uint16_t)(r | sign);
}

static inline double rf_h2d(uint16_t h) { return (double)rf_h2f(h); }

/* bfloat16 (the top half of a float32: 8 exponent bits, 7 fraction bits), from ml_dtypes.
 * Widening is exact (a shift); narrowing rounds to nearest even, NaN stays NaN (quieted).
 * gcc vectorizes loops of these integer operations on every ISA.  AVX512_BF16's
 * vcvtne2ps2bf16 alone would not do: by Intel's definition it takes subnormal floats for zero,
 * so subnormal bfloat16 results would not be rounded once; rf_f2bf_x32 below uses it where the
 * CPU has it, and this rounding for the vectors that hold a subnormal. */
static inline float rf_bf2f(uint16_t b) { return rf_bits_f((uint32_t)b << 16); }

static inline uint16_t rf_f2bf(float f)
{
    uint32_t x = rf_f_bits(f);
    uint32_t rounded = (x + 0x7fffu + ((x >> 16) & 1u)) >> 16;  /* carries into inf */
    uint32_t nan = (x >> 16) | 0x0040u;
    return (uint16_t)((x & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

/* double -> bfloat16, rounded once: to float rounding to odd (the truncation, with its last
 * bit set when inexact), then to bfloat16 to nearest even; float's 24 bits are more than the
 * 8 + 2 that makes the two steps one correctly rounded step.  No float arithmetic on
 * subnormals beyond the conversion itself. */
static inline uint16_t rf_d2bf(double d)
{
    float f = (float)d;
    uint32_t u = rf_f_bits(f);
    double back = (double)f;
    int inexact = back != d;             /* (true for NaN, whose result is set below) */
    int away = (back > 0 ? back : -back) > (d > 0 ? d : -d);
    u = (inexact & away) ? u - 1u : u;   /* toward zero (inf becomes the largest float) */
    u = inexact ? (u | 1u) : u;
    u = (d != d) ? rf_f_bits(f) : u;
    return rf_f2bf(rf_bits_f(u));
}

/* float -> double, widening a float32 block into a float64 out.  Written here, not as a loop in
 * the .pxi: gcc 12 left that loop scalar after inlining it into the block drivers (3x slower
 * than this one, which it vectorizes as a plain function). */
static void rf_f2d_block(const float* f, double* d, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        d[i] = (double)f[i];
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
/* -mavx512f does not imply F16C in gcc, and the 256-bit conversions are F16C's */
#define RF_F16C_TARGET __attribute__((target("f16c")))

RF_F16C_TARGET static void rf_h2f_block(const uint16_t* h, float* f, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(f + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(h + i))));
#else
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(f + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(h + i))));
#endif
    for (; i < n; i++)
        f[i] = rf_h2f(h[i]);
}

RF_F16C_TARGET static void rf_f2h_block(const float* f, uint16_t* h, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i*)(h + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(f + i),
                                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
#else
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i*)(h + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(f + i), _MM_FROUND_TO_NEAREST_INT));
#endif
    for (; i < n; i++)
        h[i] = rf_f2h(f[i]);
}

RF_F16C_TARGET static void rf_h2d_block(const uint16_t* h, double* d, ptrdiff_t n)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    for (; i + 8 <= n; i += 8)
        _mm512_storeu_pd(d + i, _mm512_cvtps_pd(_mm256_cvtph_ps(
                                    _mm_loadu_si128((const __m128i*)(h + i)))));
#else
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(d + i, _mm256_cvtps_pd(_mm_cvtph_ps(
                                    _mm_loadl_epi64((const __m128i*)(h + i)))));
#endif
    for (; i < n; i++)
        d[i] = rf_h2d(h[i]);
}

/* leaky_relu and its gradient on float16 with a nonzero slope w, fused: widen, compute in float
 * and round in registers, one pass, where the mixed drivers' blocks take three (widen into a
 * buffer, the float chunk loop, round out of it), which made an in-place float16 leaky_relu
 * twice as slow as relu's pass over memory.  The same IEEE operations as the float32 chunk
 * loop's _leaky_nz and _g_leaky_nz (x > 0 ? x : w * x; x > 0 ? g : (x <= 0 ? w * g : x)), and
 * the same conversions as rf_h2f_block and rf_f2h_block, so the same bits. */
RF_F16C_TARGET static void rf_leaky_h_block(const uint16_t* x, uint16_t* y, ptrdiff_t n, float w)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 vw = _mm512_set1_ps(w), zero = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(x + i)));
        __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        __m512 r = _mm512_mask_blend_ps(pos, _mm512_mul_ps(vw, v), v);
        _mm256_storeu_si256((__m256i*)(y + i),
                            _mm512_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
#else
    const __m256 vw = _mm256_set1_ps(w), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i)));
        __m256 pos = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
        __m256 r = _mm256_blendv_ps(_mm256_mul_ps(vw, v), v, pos);
        _mm_storeu_si128((__m128i*)(y + i), _mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT));
    }
#endif
    for (; i < n; i++) {
        float v = rf_h2f(x[i]);
        y[i] = rf_f2h(v > 0 ? v : w * v);
    }
}

RF_F16C_TARGET static void rf_g_leaky_h_block(const uint16_t* g, const uint16_t* x, uint16_t* o,
                                              ptrdiff_t n, float w)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 vw = _mm512_set1_ps(w), zero = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(x + i)));
        __m512 vg = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(g + i)));
        __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        __mmask16 neg = _mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ);
        __m512 r = _mm512_mask_blend_ps(neg, v, _mm512_mul_ps(vw, vg));
        r = _mm512_mask_blend_ps(pos, r, vg);
        _mm256_storeu_si256((__m256i*)(o + i),
                            _mm512_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
#else
    const __m256 vw = _mm256_set1_ps(w), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i)));
        __m256 vg = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(g + i)));
        __m256 pos = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
        __m256 neg = _mm256_cmp_ps(v, zero, _CMP_LE_OQ);
        __m256 r = _mm256_blendv_ps(v, _mm256_mul_ps(vw, vg), neg);
        r = _mm256_blendv_ps(r, vg, pos);
        _mm_storeu_si128((__m128i*)(o + i), _mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT));
    }
#endif
    for (; i < n; i++) {
        float v = rf_h2f(x[i]), vg = rf_h2f(g[i]);
        o[i] = rf_f2h(v > 0 ? vg : (v <= 0 ? w * vg : v));
    }
}

/* prelu's forward on float16 with a slope per element (w[i], nonzero: rows of channels or
 * prelu's weight pattern), fused as rf_leaky_h_block: the same operations, so the same bits */
RF_F16C_TARGET static void rf_prelu_h_block(const uint16_t* x, uint16_t* y, ptrdiff_t n,
                                            const float* w)
{
    ptrdiff_t i = 0;
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(x + i)));
        __mmask16 pos = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ);
        __m512 r = _mm512_mask_blend_ps(pos, _mm512_mul_ps(_mm512_loadu_ps(w + i), v), v);
        _mm256_storeu_si256((__m256i*)(y + i),
                            _mm512_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
#else
    const __m256 zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(x + i)));
        __m256 pos = _mm256_cmp_ps(v, zero, _CMP_GT_OQ);
        __m256 r = _mm256_blendv_ps(_mm256_mul_ps(_mm256_loadu_ps(w + i), v), v, pos);
        _mm_storeu_si128((__m128i*)(y + i), _mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT));
    }
#endif
    for (; i < n; i++) {
        float v = rf_h2f(x[i]);
        y[i] = rf_f2h(v > 0 ? v : w[i] * v);
    }
}

#if defined(__AVX512F__)
/* bfloat16 with AVX512_BF16 (Cooper Lake, Sapphire Rapids, Zen 4), chosen at run time
 * (rf_bf16_hw): the avx512 module also runs on CPUs without it.  vcvtne2ps2bf16 rounds 32
 * floats to nearest even and quiets NaN exactly as rf_f2bf does, except that it takes a
 * subnormal float for zero (Intel's definition, whatever MXCSR says); bfloat16 has float's
 * exponent range, so only those inputs round differently, and a vector holding one (rare:
 * nonzero and below 2**-126) is rounded by rf_f2bf instead.  Against the integer rounding
 * gcc vectorizes (rf_f2bf: 9 operations and a narrowing per 16 floats), one instruction per 32
 * and the test. */
#define RF_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))

static inline int rf_bf16_hw(void) { return __builtin_cpu_supports("avx512bf16"); }

RF_BF16_TARGET static inline __m512i rf_f2bf_x32(__m512 lo, __m512 hi)
{
    const __m512i expo = _mm512_set1_epi32(0x7f800000), frac = _mm512_set1_epi32(0x007fffff);
    __m512i l = _mm512_castps_si512(lo), h = _mm512_castps_si512(hi);
    /* subnormal: exponent bits all zero, fraction not */
    __mmask16 sl = _mm512_mask_test_epi32_mask(_mm512_testn_epi32_mask(l, expo), l, frac);
    __mmask16 sh = _mm512_mask_test_epi32_mask(_mm512_testn_epi32_mask(h, expo), h, frac);
    if (__builtin_expect((sl | sh) != 0, 0)) {
        float f[32];
        uint16_t b[32];
        _mm512_storeu_ps(f, lo);
        _mm512_storeu_ps(f + 16, hi);
        for (int k = 0; k < 32; k++)
            b[k] = rf_f2bf(f[k]);
        return _mm512_loadu_si512(b);
    }
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/* 32 bfloat16 widened: the bits shifted into the top half of each float */
RF_BF16_TARGET static inline __m512 rf_bf2f_lo(__m512i v)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(
        _mm512_cvtepu16_epi32(_mm512_castsi512_si256(v)), 16));
}
RF_BF16_TARGET static inline __m512 rf_bf2f_hi(__m512i v)
{
    return _mm512_castsi512_ps(_mm512_slli_epi32(
        _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(v, 1)), 16));
}

RF_BF16_TARGET static void rf_f2bf_block_hw(const float* f, uint16_t* b, ptrdiff_t n)
{
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32)
        _mm512_storeu_si512(b + i, rf_f2bf_x32(_mm512_loadu_ps(f + i),
                                               _mm512_loadu_ps(f + i + 16)));
    for (; i < n; i++)
        b[i] = rf_f2bf(f[i]);
}

/* leaky_relu and its gradient on bfloat16, a nonzero slope: as rf_leaky_h_block */
RF_BF16_TARGET static void rf_leaky_bf_hw(const uint16_t* x, uint16_t* y, ptrdiff_t n, float w)
{
    const __m512 vw = _mm512_set1_ps(w), zero = _mm512_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i v = _mm512_loadu_si512(x + i);
        __m512 a = rf_bf2f_lo(v), b = rf_bf2f_hi(v);
        a = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, zero, _CMP_GT_OQ),
                                 _mm512_mul_ps(vw, a), a);
        b = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(b, zero, _CMP_GT_OQ),
                                 _mm512_mul_ps(vw, b), b);
        _mm512_storeu_si512(y + i, rf_f2bf_x32(a, b));
    }
    for (; i < n; i++) {
        float v = rf_bf2f(x[i]);
        y[i] = rf_f2bf(v > 0 ? v : w * v);
    }
}

/* prelu's forward on bfloat16, a nonzero slope per element: as rf_prelu_h_block */
RF_BF16_TARGET static void rf_prelu_bf_hw(const uint16_t* x, uint16_t* y, ptrdiff_t n,
                                          const float* w)
{
    const __m512 zero = _mm512_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i v = _mm512_loadu_si512(x + i);
        __m512 a = rf_bf2f_lo(v), b = rf_bf2f_hi(v);
        a = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, zero, _CMP_GT_OQ),
                                 _mm512_mul_ps(_mm512_loadu_ps(w + i), a), a);
        b = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(b, zero, _CMP_GT_OQ),
                                 _mm512_mul_ps(_mm512_loadu_ps(w + i + 16), b), b);
        _mm512_storeu_si512(y + i, rf_f2bf_x32(a, b));
    }
    for (; i < n; i++) {
        float v = rf_bf2f(x[i]);
        y[i] = rf_f2bf(v > 0 ? v : w[i] * v);
    }
}

RF_BF16_TARGET static inline __m512 rf_g_leaky_x16(__m512 vg, __m512 v, __m512 vw)
{
    const __m512 zero = _mm512_setzero_ps();
    __m512 r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_LE_OQ), v,
                                    _mm512_mul_ps(vw, vg));
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), r, vg);
}

RF_BF16_TARGET static void rf_g_leaky_bf_hw(const uint16_t* g, const uint16_t* x, uint16_t* o,
                                            ptrdiff_t n, float w)
{
    const __m512 vw = _mm512_set1_ps(w);
    ptrdiff_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512i v = _mm512_loadu_si512(x + i), vg = _mm512_loadu_si512(g + i);
        _mm512_storeu_si512(o + i, rf_f2bf_x32(rf_g_leaky_x16(rf_bf2f_lo(vg), rf_bf2f_lo(v), vw),
                                               rf_g_leaky_x16(rf_bf2f_hi(vg), rf_bf2f_hi(v), vw)));
    }
    for (; i < n; i++) {
        float v = rf_bf2f(x[i]), vg = rf_bf2f(g[i]);
        o[i] = rf_f2bf(v > 0 ? vg : (v <= 0 ? w * vg : v));
    }
}
#endif
#else
/* the baseline: gcc vectorizes these loops of integer operations (SSE2) */
static void rf_h2f_block(const uint16_t* h, float* f, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        f[i] = rf_h2f(h[i]);
}
static void rf_f2h_block(const float* f, uint16_t* h, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        h[i] = rf_f2h(f[i]);
}
static void rf_h2d_block(const uint16_t* h, double* d, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        d[i] = rf_h2d(h[i]);
}
static void rf_leaky_h_block(const uint16_t* x, uint16_t* y, ptrdiff_t n, float w)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = rf_h2f(x[i]);
        y[i] = rf_f2h(v > 0 ? v : w * v);
    }
}
static void rf_g_leaky_h_block(const uint16_t* g, const uint16_t* x, uint16_t* o, ptrdiff_t n,
                               float w)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = rf_h2f(x[i]), vg = rf_h2f(g[i]);
        o[i] = rf_f2h(v > 0 ? vg : (v <= 0 ? w * vg : v));
    }
}
static void rf_prelu_h_block(const uint16_t* x, uint16_t* y, ptrdiff_t n, const float* w)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = rf_h2f(x[i]);
        y[i] = rf_f2h(v > 0 ? v : w[i] * v);
    }
}
#endif

#if !(defined(__GNUC__) || defined(__clang__)) || !defined(__x86_64__) || !defined(__AVX512F__)
/* no AVX512_BF16 in this build: the callers' integer loops serve (these never run) */
static inline int rf_bf16_hw(void) { return 0; }
static void rf_f2bf_block_hw(const float* f, uint16_t* b, ptrdiff_t n) { (void)f; (void)b; (void)n; }
static void rf_leaky_bf_hw(const uint16_t* x, uint16_t* y, ptrdiff_t n, float w)
{ (void)x; (void)y; (void)n; (void)w; }
static void rf_prelu_bf_hw(const uint16_t* x, uint16_t* y, ptrdiff_t n, const float* w)
{ (void)x; (void)y; (void)n; (void)w; }
static void rf_g_leaky_bf_hw(const uint16_t* g, const uint16_t* x, uint16_t* o, ptrdiff_t n,
                             float w)
{ (void)g; (void)x; (void)o; (void)n; (void)w; }
#endif

#endif
