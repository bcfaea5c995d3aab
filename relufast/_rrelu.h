/* relufast/_rrelu.h: rrelu's random slopes, one per element, from a counter-based hash.
 *
 * In training rrelu multiplies x <= 0 by a slope drawn uniformly from [lower, upper].  Drawing
 * them in sequence from a generator would tie the slopes to the order the threads visit the
 * elements, and the gradient would need the slopes kept in an array.  Instead the slope of the
 * element at C-order index i is a pure function of (key, i), the key being 64 random bits drawn
 * once per call from the caller's numpy.random.Generator: any thread count, any chunking, and
 * the gradient recomputes the same slopes from the key alone.
 *
 * The hash (relufast's own): z = (i * K1) ^ key, then three xor-shift / multiply rounds, each a
 * bijection of the 64-bit word, so distinct indices give distinct words under one key.  The
 * multipliers are the odd 64-bit fractional parts of sqrt(3), sqrt(5), sqrt(7).
 *
 * The slope is lower + span * u, with u the hash's top 26 bits as a fraction in [0, 1) and
 * span = upper - lower cut to 27 significant bits (rounded toward 0, rf_rrelu_span; a relative
 * change below 2**-26): the product span * u then has at most 53 bits and is exact, so the
 * slope is lower + span * u rounded once, whether or not gcc contracts it into an FMA (it does
 * in the AVX2 and AVX-512 builds).  Every ISA path gives the same bits.  u is formed by
 * or-ing exponent bits in and subtracting 1, operations every ISA's vector unit has, so gcc
 * vectorizes the loops.  The slope is kept <= upper.  A float32 computation rounds the double
 * slope once to float.  tests/test_rrelu.py checks the range, uniformity, independence of
 * neighbouring indices and keys, against a NumPy twin.
 */
#ifndef RELUFAST_RRELU_H
#define RELUFAST_RRELU_H

#include <stdint.h>
#include <string.h>

#define RF_RR_K1 0xbb67ae8584caa73bULL
#define RF_RR_K2 0x3c6ef372fe94f82bULL
#define RF_RR_K3 0xa54ff53a5f1d36f1ULL

static inline uint64_t rf_rrelu_hash(uint64_t key, uint64_t i)
{
    uint64_t z = (i * RF_RR_K1) ^ key;
    z ^= z >> 32;
    z *= RF_RR_K2;
    z ^= z >> 29;
    z *= RF_RR_K3;
    z ^= z >> 32;
    return z;
}

/* upper - lower with its low 26 significand bits cleared (toward 0): at most 27 bits */
static inline double rf_rrelu_span(double lower, double upper)
{
    double span = upper - lower;
    uint64_t b;
    memcpy(&b, &span, sizeof b);
    b &= ~((1ULL << 26) - 1);
    memcpy(&span, &b, sizeof b);
    return span;
}

/* the slope of element i: lower + span * u (span from rf_rrelu_span), at most upper */
static inline double rf_rrelu_slope(uint64_t key, uint64_t i, double lower, double span,
                                    double upper)
{
    uint64_t b = ((rf_rrelu_hash(key, i) >> 38) << 26) | 0x3ff0000000000000ULL;
    double u, s;
    memcpy(&u, &b, sizeof u);
    s = lower + span * (u - 1.0);
    return s > upper ? upper : s;
}

#endif
