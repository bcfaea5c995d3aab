/* tools/vecmath/div16_check.c: relufast/_vectab.h's rf__v_div_const (a / b without a division,
 * for the one-pass 16-bit hardswish gradient) against the division, bit for bit, in float32,
 * for every operand that loop divides: x / 3 for x in [-3, 3] (every x of both formats;
 * outside that range the loop's selects replace the quotient).  The rows for g / 6 (every g),
 * (x + 3) / 6 and x (x + 3) / 6 show that the method would serve hardsigmoid, its gradient
 * and hardswish too, which instead multiply by RN(1/6) (their 16-bit results are the same:
 * tests/test_mixed_dtypes.py).  Infinite and NaN
 * operands are left out: the method gives NaN for an infinite one, which the loops replace.
 *
 *   gcc -O2 -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -Wno-unused-function \
 *       -I relufast tools/vecmath/div16_check.c -o /tmp/div16_check && /tmp/div16_check
 */
#include <stdio.h>
#include <string.h>
#include "_vecmath.h"
#include "_vectab.h"

static int check(const char *what, const float *a, int n, float b, float inv_b)
{
    int bad = 0;
    for (int i = 0; i < n; i += 16) {
        float got[16];
        _mm512_storeu_ps(got, rf__v_div_const(_mm512_loadu_ps(a + i), b, inv_b));
        for (int j = 0; j < 16 && i + j < n; j++) {
            volatile float want = a[i + j] / b;
            if (want - want != 0)   /* +-inf (NaN here, the loops' selects there) and NaN */
                continue;
            if (memcmp(&got[j], (const void *)&want, 4) != 0) {
                if (bad++ < 5)
                    printf("%s: %a / %g: %a, want %a\n", what, a[i + j], b, got[j], want);
            }
        }
    }
    printf("%-28s %6d operands, %d differ\n", what, n, bad);
    return bad;
}

int main(void)
{
    static float g[65536], t[65536], p[65536], x3[65536];
    int bad = 0;
    for (int fmt = 0; fmt < 2; fmt++) {
        int nt = 0, np = 0;
        for (int h = 0; h < 65536; h++) {
            float x = fmt == 0 ? rf_h2f((uint16_t)h) : rf_bf2f((uint16_t)h);
            g[h] = x;
            if (x >= -3.0f && x <= 3.0f) {
                t[nt++] = x + 3.0f;
                p[np] = x * (x + 3.0f);
                x3[np++] = x;
            }
        }
        const char *f = fmt == 0 ? "float16" : "bfloat16";
        char w[64];
        snprintf(w, sizeof w, "%s g / 6", f); bad += check(w, g, 65536, 6.0f, 1.0f / 6);
        snprintf(w, sizeof w, "%s (x + 3) / 6", f); bad += check(w, t, nt, 6.0f, 1.0f / 6);
        snprintf(w, sizeof w, "%s x (x + 3) / 6", f); bad += check(w, p, np, 6.0f, 1.0f / 6);
        snprintf(w, sizeof w, "%s x / 3", f); bad += check(w, x3, np, 3.0f, 1.0f / 3);
    }
    return bad != 0;
}
