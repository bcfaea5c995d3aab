# relufast/_kernels.pxi: the kernels, once, for float and double (the fused type `floating`).
#
# Included by _kernels_baseline.pyx, _kernels_avx2.pyx and _kernels_avx512.pyx, which setup.py
# compiles with different instruction-set flags; relufast._dispatch picks one at import time.
#
# This file holds what the others share: the C declarations, the fused type, the op codes and
# the one status vocabulary every entry point returns.  The kernels live beside it, each file
# read top to bottom:
#   _buffers.pxi      operands through the buffer protocol: acquire, match shapes, test overlap,
#                     cut an array into one chunk per thread
#   _elementwise.pxi  the element functions, their chunk loops, the two drivers (forward,
#                     gradient) and their entry points forward_f32/f64, gradient_f32/f64
#   _rrelu.pxi        rrelu in training: slopes from a key and the element's index (_rrelu.h)
#   _prelu.pxi        PReLU: its layout decision, chunk loops, drivers and entry points
#   _gated.pxi        the gated units: f(a) * b and its gradients, block by block, any dtypes
#   _bias.pxi         a bias fused into the activation and its gradient with the bias gradient
#   _masks.pxi        the 1-bit masks: relu-like forwards that also write x's bits, and the
#                     gradients from those bits (their loops in _bits.h)
#
# Every entry point takes ndarrays of any shape, checks them in C, and either computes and
# returns DONE or writes nothing and returns another Status; the Python layer maps every layout
# and dtype the kernels refuse onto them.

from cython.parallel cimport prange
from libc.stdlib cimport calloc, free, malloc

cdef extern from "_compat.h" nogil:
    const char* RF_ISA
    const bint RF_MASKED           # compiled for AVX-512 (selects under mask registers)
    unsigned int rf_ieee_begin()   # IEEE mode for this thread; returns the mode to restore
    void rf_ieee_end(unsigned int mode)
    void rf_region_ended()         # a call that could use threads has just ended
    double rf_idle_seconds()       # since the last one ended

cdef extern from "_vecmath.h" nogil:
    double rf_expm1_neg_d(double x)
    float rf_expm1_neg_f(float x)
    float rf_expm1_scaled_f(float t, float s)
    double rf_expm1_scaled_d(double t, double s)
    float rf_exp_scaled_f(float t, float s)
    float rf_exp_mul_neg_f(float x, float a)
    double rf_exp_mul_neg_d(double x, double a)
    float rf_exp_mul_neg_big_f(float x, float a)
    double rf_exp_mul_neg_big_d(double x, double a)
    double rf_exp_scaled_d(double t, double s)
    float rf_expf(float x)
    double rf_expd(double x)
    float rf_gelu_f(float x)
    double rf_gelu_d(double x)
    float rf_gelu_grad_f(float x)
    double rf_gelu_grad_d(double x)
    float rf_gelu_tanh_f(float x)
    double rf_gelu_tanh_d(double x)
    float rf_gelu_tanh_grad_f(float x)
    double rf_gelu_tanh_grad_d(double x)
    float rf_silu_f(float x)
    double rf_silu_d(double x)
    float rf_silu_grad_f(float x)
    double rf_silu_grad_d(double x)
    float rf_softplus_f(float x, double beta, double ib)
    float rf_softplus1_f(float x)
    float rf_sigmoid_lean_f(float x)
    float rf_softplus_grad_f(float x, double beta)
    double rf_softplus1_d(double x)
    double rf_softplus_d(double x, double beta)
    double rf_sigmoid_lean_d(double x)
    double rf_softplus_grad_d(double x, double beta)
    float rf_mish_f(float x)
    double rf_mish_d(double x)
    float rf_mish_grad_f(float x)
    double rf_mish_grad_d(double x)

cdef extern from "_vectab.h" nogil:
    # float gelu, gelu', silu' and softplus' (the sigmoid) by 32 local polynomials with
    # in-register tables (AVX-512 builds: RF_TAB = 1; elsewhere never called).  The chunk
    # loops call them while rf_tab_on.
    const bint RF_TAB
    int rf_tab_on
    int rf_tab_set(int on)
    void rf_tab_gelu_f(const float* x, float* y, Py_ssize_t n)
    void rf_tab_silu_f(const float* x, float* y, Py_ssize_t n)
    void rf_tab_gelu_tanh_f(const float* x, float* y, Py_ssize_t n)
    void rf_tab_gelu_tanh_grad_f(const float* g, const float* x, float* out, Py_ssize_t n)
    void rf_tab_gelu_tanh_b_f(const float* x, const float* b, float* y, Py_ssize_t n)
    void rf_tab_gelu_tanh_grad_b_f(const float* g, const float* x, const float* b, float* out,
                                   Py_ssize_t n)
    void rf_tab_gelu_grad_f(const float* g, const float* x, float* out, Py_ssize_t n)
    void rf_tab_silu_grad_f(const float* g, const float* x, float* out, Py_ssize_t n)
    void rf_tab_sigmoid_grad_f(const float* g, const float* x, float* out, Py_ssize_t n)
    void rf_tab_sigmoid_grad_d(const double* g, const double* x, double* out, Py_ssize_t n,
                               double t, double beta)
    void rf_tab_silu_grad_d(const double* g, const double* x, double* out, Py_ssize_t n)
    void rf_tab_silu_grad_b_d(const double* g, const double* x, const double* b, double* out,
                              Py_ssize_t n)
    void rf_tab_gelu_b_f(const float* x, const float* b, float* y, Py_ssize_t n)
    void rf_tab_silu_b_f(const float* x, const float* b, float* y, Py_ssize_t n)
    void rf_tab_gelu_grad_b_f(const float* g, const float* x, const float* b, float* out,
                              Py_ssize_t n)
    void rf_tab_silu_grad_b_f(const float* g, const float* x, const float* b, float* out,
                              Py_ssize_t n)
    # gelu and the same gradients on float16 (_h) and bfloat16 (_bf, _bf_hw: AVX512_BF16's
    # rounding) operands, converted in registers in one pass
    void rf_tab16_gelu_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_elu_grad_h(const unsigned short* g, const unsigned short* x, unsigned short* o,
                           Py_ssize_t n, float sa, float s)
    void rf_m16_elu_grad_bf(const unsigned short* g, const unsigned short* x, unsigned short* o,
                            Py_ssize_t n, float sa, float s)
    void rf_m16_elu_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                               unsigned short* o, Py_ssize_t n, float sa, float s)
    # hardsigmoid, hardswish, relu_squared and their gradients on 16-bit operands in one pass
    void rf_m16_hardsigmoid_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardsigmoid_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardsigmoid_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_hardsigmoid_grad_h(const unsigned short* g, const unsigned short* x,
                                   unsigned short* o, Py_ssize_t n)
    void rf_m16_hardsigmoid_grad_bf(const unsigned short* g, const unsigned short* x,
                                    unsigned short* o, Py_ssize_t n)
    void rf_m16_hardsigmoid_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                       unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_grad_h(const unsigned short* g, const unsigned short* x,
                                 unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_grad_bf(const unsigned short* g, const unsigned short* x,
                                  unsigned short* o, Py_ssize_t n)
    void rf_m16_hardswish_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                     unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_grad_h(const unsigned short* g, const unsigned short* x,
                                    unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_grad_bf(const unsigned short* g, const unsigned short* x,
                                     unsigned short* o, Py_ssize_t n)
    void rf_m16_relu_squared_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                        unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_h(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_bf(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_bf_hw(const unsigned short* x, unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_grad_h(const unsigned short* g, const unsigned short* x,
                                   unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_grad_bf(const unsigned short* g, const unsigned short* x,
                                    unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_tanh_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                       unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_grad_h(const unsigned short* g, const unsigned short* x,
                              unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_grad_bf(const unsigned short* g, const unsigned short* x,
                               unsigned short* o, Py_ssize_t n)
    void rf_tab16_gelu_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                  unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_grad_h(const unsigned short* g, const unsigned short* x,
                              unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_grad_bf(const unsigned short* g, const unsigned short* x,
                               unsigned short* o, Py_ssize_t n)
    void rf_tab16_silu_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                  unsigned short* o, Py_ssize_t n)
    void rf_tab16_sigmoid_grad_h(const unsigned short* g, const unsigned short* x,
                                 unsigned short* o, Py_ssize_t n)
    void rf_tab16_sigmoid_grad_bf(const unsigned short* g, const unsigned short* x,
                                  unsigned short* o, Py_ssize_t n)
    void rf_tab16_sigmoid_grad_bf_hw(const unsigned short* g, const unsigned short* x,
                                     unsigned short* o, Py_ssize_t n)
    # a gradient by lookup (_lut16.h's tables of f'(x)) on 16-bit g, x and o, in registers
    void rf_lut16_grad_h(const float* t, const unsigned short* g, const unsigned short* x,
                         unsigned short* o, Py_ssize_t n)
    void rf_lut16_grad_bf(const float* t, const unsigned short* g, const unsigned short* x,
                          unsigned short* o, Py_ssize_t n)
    void rf_lut16_grad_bf_hw(const float* t, const unsigned short* g, const unsigned short* x,
                             unsigned short* o, Py_ssize_t n)

cdef extern from "_rrelu.h" nogil:
    # rrelu's slope of element i under a call's key (training)
    double rf_rrelu_span(double lower, double upper)
    double rf_rrelu_slope(unsigned long long key, unsigned long long i, double lower,
                          double span, double upper)

cdef extern from "_lut16.h" nogil:
    # float16 / bfloat16 by lookup in a table of the 65,536 results (_elementwise.pxi, 3c)
    void rf_lut16_map(const unsigned short* t, const unsigned short* x, unsigned short* o,
                      Py_ssize_t n)
    void rf_lut16_fetch(const float* t, const unsigned short* x, float* d, Py_ssize_t n)

cdef extern from "_half.h" nogil:
    # float16 <-> float, double (one element; the conversion loops of _elementwise.pxi)
    float rf_h2f(unsigned short h)
    double rf_h2d(unsigned short h)
    unsigned short rf_f2h(float f)
    unsigned short rf_d2h(double d)
    void rf_h2f_block(const unsigned short* h, float* f, Py_ssize_t n)
    void rf_h2d_block(const unsigned short* h, double* d, Py_ssize_t n)
    void rf_f2h_block(const float* f, unsigned short* h, Py_ssize_t n)
    void rf_f2d_block(const float* f, double* d, Py_ssize_t n)
    float rf_bf2f(unsigned short b)
    unsigned short rf_f2bf(float f)
    unsigned short rf_d2bf(double d)
    # AVX512_BF16 where the CPU has it (rf_bf16_hw; the *_hw functions only then)
    bint rf_bf16_hw()
    void rf_f2bf_block_hw(const float* f, unsigned short* b, Py_ssize_t n)
    void rf_leaky_bf_hw(const unsigned short* x, unsigned short* y, Py_ssize_t n, float w)
    void rf_g_leaky_bf_hw(const unsigned short* g, const unsigned short* x,
                          unsigned short* o, Py_ssize_t n, float w)
    # leaky_relu and its gradient on float16, fused (a nonzero slope)
    void rf_leaky_h_block(const unsigned short* x, unsigned short* y, Py_ssize_t n, float w)
    void rf_g_leaky_h_block(const unsigned short* g, const unsigned short* x,
                            unsigned short* o, Py_ssize_t n, float w)
    # prelu's forward on float16 / bfloat16 with a nonzero slope per element, fused
    void rf_prelu_h_block(const unsigned short* x, unsigned short* y, Py_ssize_t n,
                          const float* w)
    void rf_prelu_bf_hw(const unsigned short* x, unsigned short* y, Py_ssize_t n,
                        const float* w)

ctypedef fused floating:
    float
    double

ISA = RF_ISA.decode()

# Operation codes, shared with the Python layer (relufast._api reads them from here).
cpdef enum Op:
    RELU = 0        # forward ops
    LEAKY = 1       # a = negative slope
    ELU = 2         # a = scale * alpha (x <= 0 branch), b = scale (x > 0 branch): elu, selu
    CELU = 3        # a = alpha
    RELU6 = 4
    GELU = 5
    GELU_TANH = 6
    SILU = 7
    HARDTANH = 8    # a = min_val, b = max_val
    THRESHOLD = 9   # a = threshold, b = value
    HARDSIGMOID = 10
    HARDSWISH = 11
    RELU_SQUARED = 12
    SOFTPLUS = 13   # a = beta, b = threshold
    MISH = 14
    D_RELU = 16     # gradient ops: derivative from x ...
    D_LEAKY = 17    # a = negative slope
    D_ELU = 18      # a = scale * alpha, b = scale
    D_CELU = 19     # a = alpha
    D_RELU6 = 20
    D_GELU = 21
    D_GELU_TANH = 22
    D_SILU = 23
    D_ELU_Y = 24    # ... or from the output y (relu, leaky_relu and relu6 use their x forms on y)
    D_CELU_Y = 25
    D_HARDTANH = 26     # a = min_val, b = max_val (also from the output)
    D_THRESHOLD = 27    # a = threshold (also from the output, for value <= threshold)
    D_HARDSIGMOID = 28
    D_HARDSWISH = 29
    D_RELU_SQUARED = 30
    D_SOFTPLUS = 31     # a = beta, b = threshold
    D_MISH = 32


# What an entry point did.  Anything but DONE means it wrote nothing, not even part of an output.
cpdef enum Status:
    DONE = 0        # computed
    OVERLAP = 1     # an input overlaps out other than element for element: the caller copies
                    # that input (for prelu: the weight overlaps out, or gw overlaps anything)
    REFUSED = 2     # layout, dtype, shape, writability: the caller's general path names the
                    # problem or copies
    NONFINITE = 3   # a prelu weight is NaN or inf
    NOMEMORY = 4    # prelu's working memory (weight pattern, per-thread sums) could not be had


def tab_kernels(on=None):
    """Whether float gelu, gelu', silu' and softplus' use the table loops of _vectab.h (AVX-512
    builds only; always False elsewhere).  With `on` given, sets it first (for A/B tests and
    timings: False gives the element loops of _vecmath.h back).  Returns the previous setting."""
    if on is None:
        return bool(rf_tab_on)
    return bool(rf_tab_set(1 if on else 0))


include "_buffers.pxi"
include "_elementwise.pxi"
include "_rrelu.pxi"
include "_prelu.pxi"
include "_gated.pxi"
include "_bias.pxi"
include "_masks.pxi"  # after _bias.pxi: the mask with a bias sums as it does
