/* relufast/_lut16.h: float16 and bfloat16 by lookup, for the smooth functions.
 *
 * A 16-bit format has 65,536 values, so a function of one 16-bit operand is a table of 65,536
 * results.  _elementwise.pxi fills each table once per process (per kernel module, op,
 * parameters and format) by running the module's own 16-bit path over every bit pattern, so a
 * lookup gives the bits that path gives (the float32 result rounded once), and these loops only
 * index: the forward's table holds the rounded results, a gradient's the float32 derivative,
 * which the gradient multiplies by the widened grad and rounds as the path does.
 *
 * The lookups are plain loads, kept scalar: on Zen 4 a 16-lane vpgatherdd loop measured
 * 0.37 ns an element where the scalar loop takes 0.29 (bfloat16 gelu's table loop, which
 * computes, 0.48; tools/vecmath/lut16_bench.c, 10**5 elements in cache, one thread, the best
 * process of 8).  Two loads and a store an element, no arithmetic: one element a cycle.
 */
#ifndef RELUFAST_LUT16_H
#define RELUFAST_LUT16_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && !defined(__clang__)
#define RF_LUT_SCALAR __attribute__((optimize("no-tree-vectorize")))
#else
#define RF_LUT_SCALAR
#endif

/* o[i] = t[x[i]]: the forward; o may be x */
RF_LUT_SCALAR static void rf_lut16_map(const uint16_t *t, const uint16_t *x, uint16_t *o,
                                       ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        o[i] = t[x[i]];
}

/* d[i] = t[x[i]]: a gradient's derivatives, a block at a time */
RF_LUT_SCALAR static void rf_lut16_fetch(const float *t, const uint16_t *x, float *d,
                                         ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        d[i] = t[x[i]];
}

#endif /* RELUFAST_LUT16_H */
