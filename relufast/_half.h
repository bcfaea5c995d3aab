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
 * Why not F16C's vcvtph2ps / vcvtps2ph through gcc's _Float16 casts: with -mf16c, gcc 12
 * vectorizes none of the loops that convert through _Float16 (tools/vecreport.py: the load and
 * store loops went scalar), while these integer versions vectorize on every ISA (baseline SSE2
 * included), so they are used everywhere.
 */
#ifndef RELUFAST_HALF_H
#define RELUFAST_HALF_H

#include <stdint.h>
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

#endif
