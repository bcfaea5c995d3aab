/* tools/vecmath/div16_check.c: the divisions of relufast/_vectab.h's one-pass 16-bit loops,
 * which divide without a division, against the division, for every operand they divide.
 *
 * - hardswish' forms x / 3 + 1/2 with x / 3 as fma(x, yh, x yl), 1/3 = yh + yl: its float32
 *   result must be the division's, bit for bit, for every float16 and bfloat16 x in [-3, 3]
 *   (outside, the loop's selects replace it).  The exit status says whether it is.
 * - hardsigmoid, its gradient and hardswish multiply by RN(1/6): the float32 results that
 *   differ from the quotient are counted (for information: rounded to the 16-bit format they
 *   agree, which tests/test_mixed_dtypes.py checks over every pattern through the kernels).
 *
 *   gcc -O2 -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -Wno-unused-function \
 *       -I relufast tools/vecmath/div16_check.c -o /tmp/div16_check && /tmp/div16_check
 */
#include <stdio.h>
#include <string.h>
#include "_vecmath.h"
#include "_vectab.h"

static int differ(float a, float b) { return memcmp(&a, &b, 4) != 0 && !(a != a && b != b); }

int main(void)
{
    int bad = 0;
    for (int fmt = 0; fmt < 2; fmt++) {
        const char *f = fmt == 0 ? "float16" : "bfloat16";
        int n3 = 0, d3 = 0, n6 = 0, d6g = 0, d6t = 0, d6p = 0;
        for (int h = 0; h < 65536; h++) {
            float x = fmt == 0 ? rf_h2f((uint16_t)h) : rf_bf2f((uint16_t)h);
            volatile float g6 = x / 6.0f;
            if (g6 - g6 == 0)   /* finite */
                d6g += differ(x * (1.0f / 6), g6);
            if (!(x >= -3.0f && x <= 3.0f))
                continue;
            float got[16], q;
            _mm512_storeu_ps(got, _mm512_add_ps(
                _mm512_fmadd_ps(_mm512_set1_ps(x), _mm512_set1_ps(0x1.555556p-2f),
                                _mm512_mul_ps(_mm512_set1_ps(x), _mm512_set1_ps(-0x1.555556p-27f))),
                _mm512_set1_ps(0.5f)));
            volatile float want = x / 3.0f + 0.5f;
            n3++;
            if (differ(got[0], want)) {
                if (d3++ < 5)
                    printf("%s x / 3 + 1/2 at x = %a: %a, want %a\n", f, x, got[0], want);
            }
            float t = x + 3.0f, p = x * (x + 3.0f);
            volatile float t6 = t / 6.0f, p6 = p / 6.0f;
            q = t * (1.0f / 6);
            d6t += differ(q, t6);
            d6p += differ(p * (1.0f / 6), p6);
            n6++;
        }
        printf("%-8s hardswish' x / 3 + 1/2: %5d x, %d differ from the division\n", f, n3, d3);
        printf("%-8s times RN(1/6), float32 results off the quotient (rounding hides them): "
               "g %d of 65536, x + 3 %d and x (x + 3) %d of %d\n", f, d6g, d6t, d6p, n6);
        bad += d3;
    }
    return bad != 0;
}
