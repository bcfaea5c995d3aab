/* tools/vecmath/tab_avx2/bound.c: what an AVX2 table loop can cost at best -- a degree-DEG
 * local polynomial whose coefficients are picked from NE-entry tables (made-up coefficients, so
 * no accuracy; the index, saturation and fallback test of _vectab.h's gelu loop), ymm, 10^5
 * floats 3 N(0, 1) in cache, one thread, best of 80.  NE = 8: one _mm256_permutevar8x32_ps per
 * coefficient; 16: two and a blend; 32: four and three blends (the port, vt_avx2.h).
 *   gcc -O3 -fno-trapping-math -mavx2 -mfma bound.c -o /tmp/vt2bound -lm && /tmp/vt2bound */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
#include <immintrin.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define N 100000
static float x[N], y[N];
static float T[20][32] __attribute__((aligned(64)));
static inline __attribute__((always_inline)) __m256 pick(const float *row, __m256i idx, __m256 b3, __m256 b4, int ne) {
  if (ne == 8) return _mm256_permutevar8x32_ps(_mm256_load_ps(row), idx);
  __m256 p0 = _mm256_permutevar8x32_ps(_mm256_load_ps(row), idx);
  __m256 p1 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 8), idx);
  __m256 a = _mm256_blendv_ps(p0, p1, b3);
  if (ne == 16) return a;
  __m256 p2 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 16), idx);
  __m256 p3 = _mm256_permutevar8x32_ps(_mm256_load_ps(row + 24), idx);
  return _mm256_blendv_ps(a, _mm256_blendv_ps(p2, p3, b3), b4);
}
#define LOOP(NAME, NE, DEG) \
__attribute__((noinline)) void NAME(const float *x, float *y, long n) { \
  for (long i = 0; i + 8 <= n; i += 8) { \
    __m256 xv = _mm256_loadu_ps(x + i); \
    __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), xv); \
    __m256 w = _mm256_fmadd_ps(xv, _mm256_set1_ps(-0.1f), _mm256_fmadd_ps(ax, _mm256_set1_ps(0.1f), _mm256_set1_ps(1.0f))); \
    __m256 m = _mm256_fmadd_ps(xv, w, _mm256_set1_ps(12582912.0f)); \
    __m256i idx = _mm256_castps_si256(m); \
    __m256 b3 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28)), b4 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 27)); \
    __m256 u = _mm256_sub_ps(xv, pick(T[1], idx, b3, b4, NE)); \
    __m256 s = pick(T[DEG + 1], idx, b3, b4, NE); \
    for (int j = DEG - 1; j >= 1; j--) s = _mm256_fmadd_ps(s, u, pick(T[j + 1], idx, b3, b4, NE)); \
    __m256 f = _mm256_fmadd_ps(u, s, pick(T[0], idx, b3, b4, NE)); \
    f = _mm256_blendv_ps(f, xv, _mm256_cmp_ps(xv, _mm256_set1_ps(6.2f), _CMP_GE_OQ)); \
    if (__builtin_expect(_mm256_movemask_ps(_mm256_cmp_ps(xv, _mm256_set1_ps(-100.f), _CMP_GE_OQ)) != 0xFF, 0)) f = xv; \
    _mm256_storeu_ps(y + i, f); } }
LOOP(t32d8, 32, 8) LOOP(t16d8, 16, 8) LOOP(t16d10, 16, 10) LOOP(t8d8, 8, 8) LOOP(t8d12, 8, 12) LOOP(t8d16, 8, 16)
int main(void){
  srand(1); for(int i=0;i<N;i++){double u1=(rand()+1.0)/(RAND_MAX+2.0),u2=rand()/(RAND_MAX+1.0); x[i]=3*sqrt(-2*log(u1))*cos(2*M_PI*u2);}
  for(int r=0;r<20;r++)for(int p=0;p<32;p++)T[r][p]=1.0f/(r+p+1);
  void (*fs[])(const float*,float*,long) = {t32d8, t16d8, t16d10, t8d8, t8d12, t8d16};
  const char *nm[] = {"32 entries, deg 8", "16 entries, deg 8", "16 entries, deg 10", "8 entries, deg 8", "8 entries, deg 12", "8 entries, deg 16"};
  double best[6]; for (int k=0;k<6;k++) best[k]=1e9;
  for (int r=0;r<80;r++) for (int k=0;k<6;k++){ double t0=now(); fs[k](x,y,N); double t=now()-t0; if(t<best[k])best[k]=t; }
  for (int k=0;k<6;k++) printf("%-20s %.3f ns/elem\n", nm[k], best[k]/N*1e9);
  return 0; }
