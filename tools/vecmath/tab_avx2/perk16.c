/* tools/vecmath/tab_avx2/perk16.c: vt16.h's gelu over every float in [LO, 6.25), the worst error
 * per interval (table position), in ulps of the exact value; reference glibc double erfc (as
 * vm_exh.c).  gcc -O2 -mavx2 -mfma -fno-trapping-math perk16.c -o /tmp/perk16 -lm && /tmp/perk16 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include "vt16.h"
static double ref(double x){ return 0.5*x*erfc(-x/sqrt(2.0)); }
static double ulpf(double v){ int e; frexp(fabs(v), &e); double u = ldexp(1.0, e-24); return u < ldexp(1,-149) ? ldexp(1,-149) : u; }
int main(void){
  double worst[16]={0}; float at[16]={0};
  static float xs[1<<16], ys[1<<16];
  const float (*T)[16] = RF_TAB16_GELU;
  for (int sgn=0; sgn<2; sgn++){
    uint32_t lo = sgn? 0x00000000u : 0x80000000u;
    float lim = sgn ? 6.25f : RF_TAB16_GELU_LO;
    uint32_t b = lo;
    for (;;) {
      int n=0;
      for (; n < (1<<16); n++, b++) { float f; memcpy(&f,&b,4); if (sgn ? !(f < lim) : !(f >= lim)) break; xs[n]=f; }
      if (n==0) break;
      vt16_gelu_f(xs, ys, n);
      for (int i=0;i<n;i++){ double r=ref(xs[i]); if (r==0) continue; double e=fabs(ys[i]-r)/ulpf(r);
        float x=xs[i]; float w = x*(RF_TAB16_GELU_C1*x + RF_TAB16_GELU_C2*fabsf(x) + RF_TAB16_GELU_BT); int k=(int)lrintf(w); int p=((k%16)+16)%16;
        if(e>worst[p]){worst[p]=e;at[p]=x;} }
      if (n < (1<<16)) break;
    }
  }
  for(int p=0;p<16;p++) printf("position %2d center %-12g worst %.4f ulp at %.9g\n", p, T[1][p], worst[p], at[p]);
  return 0; }
