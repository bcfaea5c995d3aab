/* tools/vecmath/lut16_bench.c: a 16-bit lookup loop against the computed bfloat16 gelu, in C.
 *
 * The figures behind relufast/_lut16.h's scalar loops (docs/performance.md, "float16 and
 * bfloat16 by lookup"): ns per element, best of `reps` runs, one thread, out of place, on
 * N(0, 1) data rounded to bfloat16, for
 *   - rf_tab16_gelu_bf_hw: the computed loop (AVX-512 table polynomial, widening, rounding);
 *   - scalar: o[i] = t[x[i]], kept scalar;
 *   - scalar4: four indices from one 64-bit load, four results in one 64-bit store;
 *   - gather16: vpgatherdd, 16 lanes (dwords at 2-byte offsets, the low half kept);
 *   - gather8x2: two 8-lane vpgatherdd.
 * The table's contents do not matter to the timing (a made-up table).
 *
 *   gcc -O3 -fno-trapping-math -ffp-contract=fast -mavx512f -mavx512dq -mavx512vl -mavx512bw \
 *       -mprefer-vector-width=512 -Wno-unused-function -I relufast \
 *       tools/vecmath/lut16_bench.c -o /tmp/lut16_bench -lm
 *   /tmp/lut16_bench [n=100000] [reps=300] [inplace=0]
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "_vecmath.h"
#include "_vectab.h"

static uint16_t T16[65536 + 2];    /* + 2: the 16-lane gather reads a dword at the last entry */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

__attribute__((noinline, optimize("no-tree-vectorize")))
static void scalar(const uint16_t *x, uint16_t *o, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        o[i] = T16[x[i]];
}

__attribute__((noinline)) static void scalar4(const uint16_t *x, uint16_t *o, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i + 4 <= n; i += 4) {
        uint64_t q, r;
        memcpy(&q, x + i, 8);
        r = (uint64_t)T16[q & 0xffff] | ((uint64_t)T16[(q >> 16) & 0xffff] << 16)
            | ((uint64_t)T16[(q >> 32) & 0xffff] << 32) | ((uint64_t)T16[q >> 48] << 48);
        memcpy(o + i, &r, 8);
    }
}

__attribute__((noinline)) static void gather16(const uint16_t *x, uint16_t *o, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i + 16 <= n; i += 16) {
        __m512i ix = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(x + i)));
        __m512i v = _mm512_i32gather_epi32(ix, (const void *)T16, 2);
        _mm256_storeu_si256((__m256i *)(o + i), _mm512_cvtepi32_epi16(v));
    }
}

__attribute__((noinline)) static void gather8x2(const uint16_t *x, uint16_t *o, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i + 16 <= n; i += 16) {
        __m256i ix = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i)));
        __m256i iy = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i + 8)));
        __m256i v = _mm256_i32gather_epi32((const int *)T16, ix, 2);
        __m256i w = _mm256_i32gather_epi32((const int *)T16, iy, 2);
        __m512i vw = _mm512_inserti64x4(_mm512_castsi256_si512(v), w, 1);
        _mm256_storeu_si256((__m256i *)(o + i), _mm512_cvtepi32_epi16(vw));
    }
}

int main(int argc, char **argv)
{
    ptrdiff_t n = argc > 1 ? atol(argv[1]) : 100000;
    int reps = argc > 2 ? atoi(argv[2]) : 300, inplace = argc > 3 && atoi(argv[3]);
    uint16_t *x = aligned_alloc(64, n * 2 + 64), *o = inplace ? x : aligned_alloc(64, n * 2 + 64);
    const char *names[] = {"rf_tab16_gelu_bf_hw", "scalar", "scalar4", "gather16", "gather8x2"};
    srand(1);
    for (ptrdiff_t i = 0; i < n; i++) {
        float u1 = (rand() + 1.0f) / (RAND_MAX + 2.0f), u2 = rand() / (RAND_MAX + 1.0f);
        float f = sqrtf(-2 * logf(u1)) * cosf(6.2831853f * u2);
        uint32_t b;
        memcpy(&b, &f, 4);
        x[i] = (uint16_t)(b >> 16);
    }
    for (int k = 0; k < 65536; k++)
        T16[k] = (uint16_t)(k ^ 0x1234);
    for (int m = 0; m < 5; m++) {
        double best = 1e9;
        for (int r = 0; r < reps; r++) {
            double t0 = now(), t;
            switch (m) {
            case 0: rf_tab16_gelu_bf_hw(x, o, n); break;
            case 1: scalar(x, o, n); break;
            case 2: scalar4(x, o, n); break;
            case 3: gather16(x, o, n); break;
            default: gather8x2(x, o, n); break;
            }
            t = now() - t0;
            best = t < best ? t : best;
        }
        printf("%-22s n=%ld  %.3f ns/elem\n", names[m], (long)n, best / n * 1e9);
    }
    if (!inplace)
        free(o);
    free(x);
    return 0;
}
