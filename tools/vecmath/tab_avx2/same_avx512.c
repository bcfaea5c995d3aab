/* the AVX-512 side of same.c: relufast/_vectab.h's loops (compile with the avx512 flags) */
#include "../../../relufast/_vectab.h"
void s5_gelu(const float *x, float *y, long n) { rf_tab_gelu_f(x, y, n); }
void s5_gelu_grad(const float *x, float *y, long n) { rf_tab_gelu_grad_d1_f(x, y, n); }
void s5_silu_grad(const float *x, float *y, long n) { rf_tab_silu_grad_d1_f(x, y, n); }
