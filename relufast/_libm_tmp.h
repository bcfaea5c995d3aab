/* TEMPORARY stand-in for _vecmath.h (scalar libm), until the vectorizable header lands. */
#include <math.h>
static inline float rf_expm1f(float x) { return expm1f(x); }
static inline double rf_expm1d(double x) { return expm1(x); }
static inline float rf_expf(float x) { return expf(x); }
static inline double rf_expd(double x) { return exp(x); }
static inline double rf__gelu(double x) { return x < -5 ? x * 0.5 * erfc(-x * M_SQRT1_2) : x * 0.5 * (1 + erf(x * M_SQRT1_2)); }
static inline double rf__gelu_grad(double x) { return 0.5 * erfc(-x * M_SQRT1_2) + x * exp(-0.5 * x * x) * 0.3989422804014327; }
static inline double rf__sig(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }
static inline double rf__gt(double x) { double u = 0.7978845608028654 * (x + 0.044715 * x * x * x); return x * rf__sig(2 * u); }
static inline double rf__gtg(double x) { double u = 0.7978845608028654 * (x + 0.044715 * x * x * x); double s = rf__sig(2 * u); double du = 0.7978845608028654 * (1 + 3 * 0.044715 * x * x); return isinf(x) ? (x > 0 ? 1 : 0) : s + x * s * (1 - s) * 2 * du; }
static inline float rf_gelu_f(float x) { return (float)rf__gelu(x); }
static inline double rf_gelu_d(double x) { return rf__gelu(x); }
static inline float rf_gelu_grad_f(float x) { return (float)rf__gelu_grad(x); }
static inline double rf_gelu_grad_d(double x) { return rf__gelu_grad(x); }
static inline float rf_gelu_tanh_f(float x) { return (float)rf__gt(x); }
static inline double rf_gelu_tanh_d(double x) { return rf__gt(x); }
static inline float rf_gelu_tanh_grad_f(float x) { return (float)rf__gtg(x); }
static inline double rf_gelu_tanh_grad_d(double x) { return rf__gtg(x); }
static inline float rf_silu_f(float x) { return (float)(x * rf__sig(x)); }
static inline double rf_silu_d(double x) { return x * rf__sig(x); }
static inline float rf_silu_grad_f(float x) { double s = rf__sig(x); return (float)(s * (1 + x * (1 - s))); }
static inline double rf_silu_grad_d(double x) { double s = rf__sig(x); return s * (1 + x * (1 - s)); }
