/* Test library: array loops over every function of relufast/_vecmath.h.
   Compiled once normally (prefix vm_) and once with -fno-tree-vectorize
   (-DVM_PREFIX=nv_) into the same shared object, per build flavour. */
#ifdef VM_HEADER
#include VM_HEADER              /* an older header, for the bench's "before" column */
#else
#include "../../relufast/_vecmath.h"
#endif
#include "vm_funcs.h"
#define vmx_expm1_neg_d rf_expm1d     /* the float-only function's double slot */
/* softplus and its derivative as the kernels' beta = 1 loops compute them (threshold 20) */
static inline float vmx_softplus_f(float x) { return x > 20.0f ? x : rf_softplus1_f(x); }
static inline double vmx_softplus_d(double x) { return x > 20.0 ? x : rf_softplus1_d(x); }
static inline float vmx_softplus_grad_f(float x) { return x > 20.0f ? 1.0f : rf_sigmoid_lean_f(x); }
static inline double vmx_softplus_grad_d(double x) { return x > 20.0 ? 1.0 : rf_sigmoid_lean_d(x); }
#ifdef VM_OLD
#undef VM_FUNCS
#define VM_FUNCS VM_FUNCS_OLD
#endif

#ifndef VM_PREFIX
#define VM_PREFIX vm_
#define VM_MAIN 1
#endif
#define VM_CAT2(a, b) a##b
#define VM_CAT(a, b) VM_CAT2(a, b)

#if defined(__GNUC__)
#define VM_EXPORT __attribute__((visibility("default"), noinline))
#else
#define VM_EXPORT
#endif

#define VM_LOOPS(name, ff, fd)                                                        \
    VM_EXPORT void VM_CAT(VM_PREFIX, name##_f)(const float *x, float *y, long n)      \
    {   long i; for (i = 0; i < n; i++) y[i] = ff(x[i]); }                             \
    VM_EXPORT void VM_CAT(VM_PREFIX, name##_d)(const double *x, double *y, long n)    \
    {   long i; for (i = 0; i < n; i++) y[i] = fd(x[i]); }
VM_FUNCS(VM_LOOPS)
#ifndef VM_HEADER
VM_FUNCS_SP(VM_LOOPS)
#endif
#ifdef VM_WIP
VM_FUNCS_WIP(VM_LOOPS)
#endif

#if defined(VM_TAB) && defined(__AVX512F__)
#include "../../relufast/_vectab.h"
#define VM_TAB_LOOPS(name, af, ref)                                                   \
    VM_EXPORT void VM_CAT(VM_PREFIX, name##_f)(const float *x, float *y, long n)      \
    {   af(x, y, n); }
VM_FUNCS_TAB(VM_TAB_LOOPS)
#ifdef VM_MAIN
#define VM_TAB_ONE(name, af, ref)                                                     \
    VM_EXPORT void vm1_##name##_f(const float *x, float *y, long n)                    \
    {   long i; for (i = 0; i < n; i++) af(x + i, y + i, 1); }
VM_FUNCS_TAB(VM_TAB_ONE)
#endif
#endif

#ifdef VM_MAIN
/* element-by-element through the vectorized loop (n = 1 -> scalar epilogue) */
#define VM_ONE(name, ff, fd)                                                          \
    VM_EXPORT void vm1_##name##_f(const float *x, float *y, long n)                    \
    {   long i; for (i = 0; i < n; i++) vm_##name##_f(x + i, y + i, 1); }              \
    VM_EXPORT void vm1_##name##_d(const double *x, double *y, long n)                  \
    {   long i; for (i = 0; i < n; i++) vm_##name##_d(x + i, y + i, 1); }
VM_FUNCS(VM_ONE)
#ifndef VM_HEADER
VM_FUNCS_SP(VM_ONE)
#endif
#ifdef VM_WIP
VM_FUNCS_WIP(VM_ONE)
#endif

#endif

/* ELU-style loops used by the benchmark (every prefix) */
VM_EXPORT void VM_CAT(VM_PREFIX, elu_f)(const float *x, float *y, long n, float a)
{   long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1f(x[i]); }
VM_EXPORT void VM_CAT(VM_PREFIX, elu_d)(const double *x, double *y, long n, double a)
{   long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1d(x[i]); }
#ifndef VM_OLD
/* the ELU form with the x <= 0 expm1, as the kernel can write it */
VM_EXPORT void VM_CAT(VM_PREFIX, elu_neg_f)(const float *x, float *y, long n, float a)
{   long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1_neg_f(x[i]); }
VM_EXPORT void VM_CAT(VM_PREFIX, elu_neg_d)(const double *x, double *y, long n, double a)
{   long i; for (i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : a * rf_expm1_neg_d(x[i]); }
#endif
