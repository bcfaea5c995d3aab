/* tools/vecmath/tab_avx2/same.c: all 2^32 float inputs through the AVX2 port (vt_avx2.h) and
 * the AVX-512 loops (relufast/_vectab.h), bits compared (NaN payloads ignored).  Inside the
 * tables' range the two must agree everywhere; outside it each takes its own build's element
 * function (AVX2: double-computed gelu and gelu', AVX-512: float forms), which may differ.
 *   gcc -O3 -fno-trapping-math -ffp-contract=fast -mavx2 -mfma -c same_avx2.c -o /tmp/s2.o
 *   gcc -O3 -fno-trapping-math -ffp-contract=fast -mavx512f -mavx512dq -mavx512vl -mavx512bw \
 *       -mprefer-vector-width=512 -c same_avx512.c -o /tmp/s5.o
 *   gcc -O2 -fopenmp same.c /tmp/s2.o /tmp/s5.o -o /tmp/vt2same && /tmp/vt2same   (AVX-512 CPU) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../../../relufast/_vectab_tables.h"
void s2_gelu(const float *, float *, long), s5_gelu(const float *, float *, long);
void s2_gelu_grad(const float *, float *, long), s5_gelu_grad(const float *, float *, long);
void s2_silu_grad(const float *, float *, long), s5_silu_grad(const float *, float *, long);
typedef void (*fn)(const float *, float *, long);
#define B 65536
int main(void)
{
    const char *nm[3] = {"gelu", "gelu_grad", "silu_grad"};
    fn f2[3] = {s2_gelu, s2_gelu_grad, s2_silu_grad}, f5[3] = {s5_gelu, s5_gelu_grad, s5_silu_grad};
    float lo[3] = {RF_TAB_GELU_LO, RF_TAB_GELU_GRAD_LO, RF_TAB_SILU_GRAD_LO};
    float hi[3] = {__builtin_inff(), __builtin_inff(), RF_TAB_SILU_GRAD_HI};
    for (int k = 0; k < 3; k++) {
        long long in_bad = 0, out_bad = 0, in_n = 0;
#pragma omp parallel for reduction(+:in_bad,out_bad,in_n) schedule(dynamic, 64)
        for (long blk = 0; blk < (1L << 16); blk++) {
            float x[B], a[B], b[B];
            for (long i = 0; i < B; i++) { uint32_t u = (uint32_t)(blk * B + i); memcpy(&x[i], &u, 4); }
            f2[k](x, a, B);
            f5[k](x, b, B);
            for (long i = 0; i < B; i++) {
                int in = x[i] >= lo[k] && x[i] < hi[k];
                int same = memcmp(&a[i], &b[i], 4) == 0 || (a[i] != a[i] && b[i] != b[i]);
                in_n += in;
                if (!same) { if (in) in_bad++; else out_bad++; }
            }
        }
        printf("%-10s in the tables' range: %lld inputs, %lld differ; outside: %lld differ\n",
               nm[k], in_n, in_bad, out_bad);
    }
    return 0;
}
