# relufast/_kernels.pxi: every kernel, once, for float and double (fused type `floating`).
#
# Included by _kernels_baseline.pyx, _kernels_avx2.pyx and _kernels_avx512.pyx, which setup.py
# compiles with different instruction-set flags; relufast._dispatch picks one at import time.
#
# Three layers:
#   1. element functions  (`cdef inline ... noexcept nogil`): the value, or the derivative, of one
#      element; selects, not branches, so gcc if-converts and vectorizes the loops that call them.
#   2. chunk loops        (`_fwd_chunk`, `_grad_chunk`, `_prelu_*`): a plain pointer loop over one
#      contiguous chunk, one loop per op, which the vectorizer sees whole.
#   3. drivers            (`_forward`, `_gradient`, `_prelu_forward_run`, `_prelu_gradient_run`):
#      run one chunk per thread under `prange` (or the whole array inline on one thread) with
#      the GIL released.  Their entry points (`forward_f32` etc., `prelu_forward_f32/f64`,
#      `prelu_gradient_f32/f64`) take ndarrays of any shape and check them in C through the
#      buffer protocol, refusing what is not C-contiguous, aligned and of their dtype.  The
#      Python layer maps every other layout and dtype onto them.
#
# Elementwise results never depend on how the array is cut into chunks: each element is computed
# by the same sequence of IEEE operations in the vector body and in the scalar remainder.

from cython.parallel cimport prange

cdef extern from "_compat.h" nogil:
    const char* RF_ISA

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


# ---------------------------------------------------------------------------------------------
# 1. element functions
#
# Conditions combine with `&` / `|`, not `and` / `or`: short-circuit evaluation is control flow
# that the vectorizer's if-conversion cannot always flatten.

cdef inline floating _exp(floating x) noexcept nogil:
    if floating is float:
        return rf_expf(x)
    else:
        return rf_expd(x)

cdef inline floating _relu(floating x) noexcept nogil:
    # `x <= 0` is false for NaN, so NaN passes through; -0.0 becomes +0.0 like np.maximum(x, 0)
    return 0 if x <= 0 else x

cdef inline floating _leaky(floating x, floating w) noexcept nogil:
    # w * x, except that a zero slope gives 0 at -inf (w * -inf would be NaN); NaN passes through
    return x if x > 0 else (0 if ((w == 0) & (x < 0)) else w * x)

cdef inline floating _leaky_nz(floating x, floating w) noexcept nogil:
    # _leaky for a slope known to be nonzero (and finite): the zero-slope test hoisted out of
    # the loop leaves 7 instructions for 8 floats instead of 11 (at 10**6 float32, in L3, the
    # loop is near the cache's bandwidth either way: 148 -> 128 and 134 -> 132 us in two A/Bs)
    return x if x > 0 else w * x

cdef inline floating _elu(floating x, floating sa, floating s) noexcept nogil:
    # the x <= 0 branch is the domain of rf_expm1_neg_f/_d (the select discards their x > 0 values)
    if floating is float:
        return s * x if x > 0 else sa * rf_expm1_neg_f(x)
    else:
        return s * x if x > 0 else sa * rf_expm1_neg_d(x)

cdef inline floating _celu(floating x, floating alpha) noexcept nogil:
    # alpha > 0: x / alpha <= 0 wherever it is selected, the domain of rf_expm1_neg_f/_d
    if floating is float:
        return x if x > 0 else alpha * rf_expm1_neg_f(x / alpha)
    else:
        return x if x > 0 else alpha * rf_expm1_neg_d(x / alpha)

cdef inline floating _celu_neg(floating x, floating alpha) noexcept nogil:
    # alpha < 0: x / alpha >= 0, and expm1(x / alpha) may overflow where alpha * expm1(x / alpha)
    # does not (|alpha| < 1): the product is formed at a safe scale by rf_expm1_scaled
    if floating is float:
        return x if x > 0 else rf_expm1_scaled_f(x / alpha, alpha)
    else:
        return x if x > 0 else rf_expm1_scaled_d(x / alpha, alpha)

cdef inline floating _relu6(floating x) noexcept nogil:
    return 0 if x <= 0 else (6 if x > 6 else x)

cdef inline floating _gelu(floating x) noexcept nogil:
    if floating is float:
        return rf_gelu_f(x)
    else:
        return rf_gelu_d(x)

cdef inline floating _gelu_tanh(floating x) noexcept nogil:
    if floating is float:
        return rf_gelu_tanh_f(x)
    else:
        return rf_gelu_tanh_d(x)

cdef inline floating _silu(floating x) noexcept nogil:
    if floating is float:
        return rf_silu_f(x)
    else:
        return rf_silu_d(x)

# Derivatives f'(x).  NaN in gives NaN out; the kinks follow PyTorch (the x <= 0 branch at 0,
# relu6'(0) = relu6'(6) = 0).

cdef inline floating _d_relu(floating x) noexcept nogil:
    return x if x != x else (1 if x > 0 else 0)

cdef inline floating _d_leaky(floating x, floating w) noexcept nogil:
    return x if x != x else (1 if x > 0 else w)

cdef inline floating _d_elu(floating x, floating sa, floating s) noexcept nogil:
    # sa * exp(x) as one scaled exp (rf_exp_mul_neg): exp(x) alone is subnormal below x = -87.3 (float) or -708
    # (double) and would lose the digits a large sa brings back into the normal range
    if floating is float:
        return s if x > 0 else rf_exp_mul_neg_f(x, sa)
    else:
        return s if x > 0 else rf_exp_mul_neg_d(x, sa)

cdef inline floating _d_elu_big(floating x, floating sa, floating s) noexcept nogil:
    # _d_elu for |sa| > 2**64
    if floating is float:
        return s if x > 0 else rf_exp_mul_neg_big_f(x, sa)
    else:
        return s if x > 0 else rf_exp_mul_neg_big_d(x, sa)

cdef inline floating _d_elu_y(floating y, floating sa, floating s) noexcept nogil:
    # y = sa * (exp(x) - 1) for x <= 0, so f'(x) = sa * exp(x) = y + sa
    return s if y > 0 else y + sa

cdef inline floating _d_celu(floating x, floating alpha) noexcept nogil:
    # alpha > 0 (then exp(x / alpha) <= 1; it is 0 where it underflows, and _chain gives 0)
    return 1 if x > 0 else _exp(x / alpha)

cdef inline floating _g_celu_neg(floating g, floating x, floating alpha) noexcept nogil:
    # grad * celu'(x) for alpha < 0: exp(x / alpha) >= 1 may overflow where grad * exp(x / alpha)
    # does not, so the product is one scaled exp.  The derivative (1, or exp(x / alpha) >= 1) is
    # never 0, so there is no zero to select; NaN x gives NaN through x / alpha.
    if floating is float:
        return g if x > 0 else rf_exp_scaled_f(x / alpha, g)
    else:
        return g if x > 0 else rf_exp_scaled_d(x / alpha, g)

cdef inline floating _d_celu_y(floating y, floating alpha) noexcept nogil:
    # y = alpha * (exp(x / alpha) - 1), so exp(x / alpha) = (y + alpha) / alpha; y + alpha is
    # exact where y is near -alpha (Sterbenz), which y / alpha + 1 is not
    return 1 if y > 0 else (y + alpha) / alpha

cdef inline floating _d_relu6(floating x) noexcept nogil:
    return x if x != x else (1 if ((x > 0) & (x < 6)) else 0)

cdef inline floating _d_gelu(floating x) noexcept nogil:
    if floating is float:
        return rf_gelu_grad_f(x)
    else:
        return rf_gelu_grad_d(x)

cdef inline floating _d_gelu_tanh(floating x) noexcept nogil:
    if floating is float:
        return rf_gelu_tanh_grad_f(x)
    else:
        return rf_gelu_tanh_grad_d(x)

cdef inline floating _d_silu(floating x) noexcept nogil:
    if floating is float:
        return rf_silu_grad_f(x)
    else:
        return rf_silu_grad_d(x)

cdef inline floating _chain(floating g, floating d) noexcept nogil:
    # grad * f'(x), as a select: where f'(x) is 0 the result is exactly 0, whatever grad holds.
    # The product is formed before the select so that gcc does not sink the load of g into a
    # branch (a conditional load stops the vectorizer without AVX2's masked loads).
    cdef floating r = g * d
    return 0 if d == 0 else r

cdef inline double _weight_term(floating g, floating x) noexcept nogil:
    # d loss / d weight from one element: grad * x where x <= 0 (in double: exact for float),
    # exactly +0 where x > 0 (even for an infinite or NaN grad).  Both factors are selected
    # in the input's precision, before the conversion: a select on the double product would
    # widen the float compare mask half by half (5 more instructions per 8 floats).
    cdef floating gs = 0 if x > 0 else g
    cdef floating xs = 0 if x > 0 else x
    return <double>gs * <double>xs


# ---------------------------------------------------------------------------------------------
# 2. chunk loops: one contiguous chunk, one plain loop per op

cdef void _fwd_chunk(int op, const floating* x, floating* y, Py_ssize_t n,
                     floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    if op == RELU:
        for i in range(n):
            y[i] = _relu(x[i])
    elif op == LEAKY:
        if a != 0:
            for i in range(n):
                y[i] = _leaky_nz(x[i], a)
        else:
            for i in range(n):
                y[i] = _leaky(x[i], a)
    elif op == ELU:
        for i in range(n):
            y[i] = _elu(x[i], a, b)
    elif op == CELU:
        if a > 0:
            for i in range(n):
                y[i] = _celu(x[i], a)
        else:
            for i in range(n):
                y[i] = _celu_neg(x[i], a)
    elif op == RELU6:
        for i in range(n):
            y[i] = _relu6(x[i])
    elif op == GELU:
        for i in range(n):
            y[i] = _gelu(x[i])
    elif op == GELU_TANH:
        for i in range(n):
            y[i] = _gelu_tanh(x[i])
    elif op == SILU:
        for i in range(n):
            y[i] = _silu(x[i])


cdef void _grad_chunk(int op, const floating* g, const floating* x, floating* out, Py_ssize_t n,
                      floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    if op == D_RELU:
        for i in range(n):
            out[i] = _chain(g[i], _d_relu(x[i]))
    elif op == D_LEAKY:
        for i in range(n):
            out[i] = _chain(g[i], _d_leaky(x[i], a))
    elif op == D_ELU:
        if (a <= 18446744073709551616.0) & (a >= -18446744073709551616.0):   # |sa| <= 2**64
            for i in range(n):
                out[i] = _chain(g[i], _d_elu(x[i], a, b))
        else:
            for i in range(n):
                out[i] = _chain(g[i], _d_elu_big(x[i], a, b))
    elif op == D_ELU_Y:
        for i in range(n):
            out[i] = _chain(g[i], _d_elu_y(x[i], a, b))
    elif op == D_CELU:
        if a > 0:
            for i in range(n):
                out[i] = _chain(g[i], _d_celu(x[i], a))
        else:
            for i in range(n):
                out[i] = _g_celu_neg(g[i], x[i], a)
    elif op == D_CELU_Y:
        for i in range(n):
            out[i] = _chain(g[i], _d_celu_y(x[i], a))
    elif op == D_RELU6:
        for i in range(n):
            out[i] = _chain(g[i], _d_relu6(x[i]))
    elif op == D_GELU:
        for i in range(n):
            out[i] = _chain(g[i], _d_gelu(x[i]))
    elif op == D_GELU_TANH:
        for i in range(n):
            out[i] = _chain(g[i], _d_gelu_tanh(x[i]))
    elif op == D_SILU:
        for i in range(n):
            out[i] = _chain(g[i], _d_silu(x[i]))


# PReLU sees x as rows of `inner` elements, row r on channel r % C (C = len(w)).  A chunk
# [lo, hi) of the flat array is walked in segments that share one weight (inner > 1) or that
# run along one row of channels (inner == 1), so each inner loop is plain and vectorizes.

cdef void _prelu_fwd_range(const floating* x, const floating* w, floating* y, Py_ssize_t C,
                           Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi,
                           bint nonzero) noexcept nogil:
    # nonzero: every slope is nonzero (and finite), so the per-element zero test goes
    cdef Py_ssize_t i = lo, j, end, c
    cdef floating wc
    if inner == 1:
        c = i % C  # only the first row can start inside the period
        while i < hi:
            end = min(hi, i - c + C)
            if nonzero:
                for j in range(end - i):
                    y[i + j] = _leaky_nz(x[i + j], w[c + j])
            else:
                for j in range(end - i):
                    y[i + j] = _leaky(x[i + j], w[c + j])
            i = end
            c = 0
    else:
        # the channel and the end of the first run need divisions; after that they step on
        # (two divisions per run cost more than a short run's elements)
        c = (i // inner) % C
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            if wc != 0:
                for j in range(i, end):
                    y[j] = _leaky_nz(x[j], wc)
            else:
                for j in range(i, end):
                    y[j] = _leaky(x[j], wc)
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


DEF _PATTERN = 4096  # elements of prelu's on-stack weight pattern for short runs
PRELU_PATTERN = _PATTERN  # for the Python layer: which short periods the kernel lays out itself
DEF _WBLOCK = 2048  # elements per block of prelu's weight-gradient sums
DEF _LANES = 16  # running sums per block (four AVX2, two AVX-512 vectors of doubles)


cdef double _prelu_grad_block(const floating* g, const floating* x, floating* gx, floating w,
                              Py_ssize_t n) noexcept nogil:
    # gx = grad * prelu'(x) on one block of n <= _WBLOCK elements of one channel, and the sum
    # of its weight-gradient terms: _LANES running sums, element j into sum j % _LANES, then
    # the sums folded pairwise.  The sums are a local array that gcc keeps in vector registers
    # (an FP sum reduction written as one accumulator would need -ffast-math to vectorize);
    # they are taken before gx, which may be g or x itself, is written.  Each sum sees
    # n / _LANES terms: exact products of floats, so for float32 the order changes nothing
    # visible; for float64 the error bound is (n / _LANES + log2(_LANES)) roundings of the
    # terms' magnitude.  (Writing every term to a buffer and folding that pairwise took 1.2 to
    # 1.3 times as long per call: docs/performance.md.)
    cdef double acc[_LANES]
    cdef Py_ssize_t j, k, h, m = n - n % _LANES
    for k in range(_LANES):
        acc[k] = 0.0
    for j in range(0, m, _LANES):
        for k in range(_LANES):
            acc[k] += _weight_term(g[j + k], x[j + k])
    for j in range(m, n):
        acc[j - m] += _weight_term(g[j], x[j])
    for j in range(n):
        gx[j] = _chain(g[j], _d_leaky(x[j], w))
    h = _LANES
    while h > 1:
        h //= 2
        for k in range(h):
            acc[k] += acc[k + h]
    return acc[0]


cdef void _prelu_grad_range(const floating* g, const floating* x, const floating* w,
                            floating* gx, double* gw, Py_ssize_t C, Py_ssize_t inner,
                            Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # gx = grad * prelu'(x) for [lo, hi); gw[c] += the weight-gradient terms of channel c.
    # gx may be g or x itself (in place), so each element's weight term is read first.
    # Long runs of one channel go in blocks of _WBLOCK, each summed by _prelu_grad_block.
    cdef Py_ssize_t i = lo, j, end, c, b, bend
    cdef floating wc
    cdef double s
    if inner == 1:
        c = i % C  # only the first row can start inside the period
        while i < hi:
            end = min(hi, i - c + C)
            for j in range(end - i):
                gw[c + j] += _weight_term(g[i + j], x[i + j])
                gx[i + j] = _chain(g[i + j], _d_leaky(x[i + j], w[c + j]))
            i = end
            c = 0
    else:
        c = (i // inner) % C  # then stepped run by run, as in _prelu_fwd_range
        end = min(hi, (i // inner + 1) * inner)
        while i < hi:
            wc = w[c]
            if end - i < 64:  # a short run (small arrays; large ones get a weight pattern)
                s = 0.0
                for j in range(i, end):  # not hot
                    s += _weight_term(g[j], x[j])
                    gx[j] = _chain(g[j], _d_leaky(x[j], wc))
                gw[c] += s
            else:
                b = i
                while b < end:
                    bend = min(end, b + _WBLOCK)
                    gw[c] += _prelu_grad_block(&g[b], &x[b], &gx[b], wc, bend - b)
                    b = bend
            i = end
            end = min(hi, i + inner)
            c += 1
            if c == C:
                c = 0


# ---------------------------------------------------------------------------------------------
# 3. drivers: one chunk per thread, or the whole array inline when nt <= 1 (no fork/join)

cdef inline Py_ssize_t _block(Py_ssize_t n, int nt) noexcept nogil:
    # elements per thread, rounded up to 16 so that chunks start on 64-byte boundaries
    cdef Py_ssize_t b = (n + nt - 1) // nt
    return (b + 15) & ~(<Py_ssize_t>15)


cdef void _forward(int op, const floating* x, floating* y, Py_ssize_t n, double a, double b,
                   int nt) noexcept nogil:
    cdef Py_ssize_t blk, c, lo
    cdef floating fa = <floating>a, fb = <floating>b
    if n == 0:
        return
    if nt <= 1:
        _fwd_chunk(op, x, y, n, fa, fb)
    else:
        blk = _block(n, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = c * blk
            if lo < n:
                _fwd_chunk(op, x + lo, y + lo, min(blk, n - lo), fa, fb)


cdef void _gradient(int op, const floating* g, const floating* x, floating* out, Py_ssize_t n,
                    double a, double b, int nt) noexcept nogil:
    cdef Py_ssize_t blk, c, lo
    cdef floating fa = <floating>a, fb = <floating>b
    if n == 0:
        return
    if nt <= 1:
        _grad_chunk(op, g, x, out, n, fa, fb)
    else:
        blk = _block(n, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = c * blk
            if lo < n:
                _grad_chunk(op, g + lo, x + lo, out + lo, min(blk, n - lo), fa, fb)


cdef inline bint _clash(const void* a, const void* b, Py_ssize_t nbytes) noexcept nogil:
    # two contiguous ranges of nbytes that overlap without coinciding
    cdef const char* p = <const char*>a
    cdef const char* q = <const char*>b
    return p != q and p < q + nbytes and q < p + nbytes


cdef inline bint _apart(const void* a, size_t na, const void* b, size_t nb) noexcept nogil:
    # two byte ranges that do not overlap at all
    cdef const char* p = <const char*>a
    cdef const char* q = <const char*>b
    return p + na <= q or q + nb <= p


# The Python-visible entry points of the two elementwise drivers, written out per dtype (a
# fused `def`'s call costs about 100 ns more) around one fused body each.  They take any
# ndarray (any shape) and check it themselves, in C, through the buffer protocol: a
# C-contiguous, aligned buffer of the dtype, all operands of one shape, out writable.  That
# replaces the Python layer's checks of shape, dtype and flags and its ravel() views on the
# fast path (at 1,000 elements those were a third of the call).  An operand that is `out`
# itself (in place) is acquired once.  They return DONE, or write nothing and return OVERLAP
# (an input overlaps out other than element for element: the caller copies that input) or
# REFUSED (anything else: the caller's general path names the problem or copies).

cpdef enum KernelStatus:
    DONE = 0
    OVERLAP = 1
    REFUSED = 2


cdef extern from "Python.h":
    # declared without `except`: a failure is answered with REFUSED, its exception cleared
    int _get_buffer "PyObject_GetBuffer"(object obj, Py_buffer* view, int flags)
    void _clear_error "PyErr_Clear"()
    void _release_buffer "PyBuffer_Release"(Py_buffer* view)
    enum:
        _BUF_C "PyBUF_C_CONTIGUOUS"
        _BUF_FORMAT "PyBUF_FORMAT"
        _BUF_WRITABLE "PyBUF_WRITABLE"


cdef bint _acquire(object o, Py_buffer* v, int flags, char code, Py_ssize_t size) noexcept:
    # a C-contiguous, aligned buffer of native `code` elements ('f', 'd') of `size` bytes;
    # False with nothing held and no exception set otherwise
    if _get_buffer(o, v, flags | _BUF_C | _BUF_FORMAT) != 0:
        _clear_error()
        return False
    if (v.itemsize == size and v.format != NULL and v.format[0] == code and v.format[1] == 0
            and (<size_t>v.buf) % size == 0):
        return True
    _release_buffer(v)
    return False


cdef bint _same_shape(const Py_buffer* a, const Py_buffer* b) noexcept:
    cdef int i
    if a.ndim != b.ndim:
        return False
    for i in range(a.ndim):
        if a.shape[i] != b.shape[i]:
            return False
    return True


cdef int _forward_entry(int op, object x, object y, double a, double b, int nt,
                        floating* dtype_tag) noexcept:
    cdef Py_buffer xb, yb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_x = x is not y
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&yb)
            return REFUSED
    else:
        xb = yb
    if _same_shape(&xb, &yb):
        if _clash(xb.buf, yb.buf, yb.len):
            r = OVERLAP
        else:
            with nogil:
                _forward(op, <const floating*>xb.buf, <floating*>yb.buf,
                         yb.len // <Py_ssize_t>sizeof(floating), a, b, nt)
            r = DONE
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&yb)
    return r


cdef int _gradient_entry(int op, object g, object x, object out, double a, double b, int nt,
                         floating* dtype_tag) noexcept:
    cdef Py_buffer gb, xb, ob
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef bint own_g = g is not out, own_x = x is not out
    cdef Py_ssize_t nb
    if not _acquire(out, &ob, _BUF_WRITABLE, code, sizeof(floating)):
        return REFUSED
    if own_g:
        if not _acquire(g, &gb, 0, code, sizeof(floating)):
            _release_buffer(&ob)
            return REFUSED
    else:
        gb = ob
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            if own_g:
                _release_buffer(&gb)
            _release_buffer(&ob)
            return REFUSED
    else:
        xb = ob
    if _same_shape(&gb, &ob) and _same_shape(&xb, &ob):
        nb = ob.len
        if _clash(gb.buf, ob.buf, nb) or _clash(xb.buf, ob.buf, nb):
            r = OVERLAP
        else:
            with nogil:
                _gradient(op, <const floating*>gb.buf, <const floating*>xb.buf,
                          <floating*>ob.buf, nb // <Py_ssize_t>sizeof(floating), a, b, nt)
            r = DONE
    if own_x:
        _release_buffer(&xb)
    if own_g:
        _release_buffer(&gb)
    _release_buffer(&ob)
    return r


def forward_f32(int op, x, y, double a, double b, int nt):
    """y = f(x) for op `op` with parameters a, b, on nt threads (float32): a KernelStatus."""
    return _forward_entry(op, x, y, a, b, nt, <float*>NULL)


def forward_f64(int op, x, y, double a, double b, int nt):
    """y = f(x) for op `op` with parameters a, b, on nt threads (float64): a KernelStatus."""
    return _forward_entry(op, x, y, a, b, nt, <double*>NULL)


def gradient_f32(int op, g, x, out, double a, double b, int nt):
    """out = g * f'(x) for gradient op `op`, parameters a, b, nt threads (float32): a KernelStatus."""
    return _gradient_entry(op, g, x, out, a, b, nt, <float*>NULL)


def gradient_f64(int op, g, x, out, double a, double b, int nt):
    """out = g * f'(x) for gradient op `op`, parameters a, b, nt threads (float64): a KernelStatus."""
    return _gradient_entry(op, g, x, out, a, b, nt, <double*>NULL)


cdef inline bint _finite(const floating* w, Py_ssize_t n, bint* nonzero) noexcept nogil:
    # every weight finite; *nonzero: and none zero (the forward's loops drop the zero-slope
    # test then).  One pass over the weights.
    cdef Py_ssize_t i
    cdef bint bad = False, zero = False
    for i in range(n):  # not hot
        bad |= (w[i] - w[i]) != 0  # NaN for NaN and +-inf
        zero |= w[i] == 0
    nonzero[0] = not zero
    return not bad


# prelu's entry points return a status, having written nothing unless it is OK: the Python
# layer turns CLASH into copies of the inputs and NONFINITE into a ValueError naming `weight`.
cpdef enum PreluStatus:
    OK = 0
    CLASH = 1       # an input (or the weight) overlaps the output other than element for element
    NONFINITE = 2   # a weight is NaN or infinite
    REJECTED = 3    # not C-contiguous, aligned, of the dtype, the arrays of one shape, w 1-D
                    # and not empty, y (gx, gw) writable, gw float64 of shape (>= nt, len(w))


cdef Py_ssize_t _prelu_pattern(const floating* w, Py_ssize_t C, Py_ssize_t inner, Py_ssize_t n,
                               Py_ssize_t runs_under, Py_ssize_t fill,
                               floating* pattern) noexcept nogil:
    # Short runs (NCHW with a small H*W) or short rows (NC with few channels) would make the
    # loop overhead per run or row dominate (rows of 64 floats ran at half the speed of relu
    # at 10**6), so the weights are laid out for as many whole periods (C * inner elements)
    # as fit in `fill` elements (at least one; at most n / 16 elements: the setup is per
    # call), and the array is walked as rows of that length.  Runs of `runs_under` elements
    # or more, periods longer than the pattern, and rows of more than half of `fill`, are
    # left as they are.  Returns the pattern's length, or 0.
    cdef Py_ssize_t period = C * inner, reps, k, j
    if not (inner < runs_under and period <= _PATTERN
            and (inner > 1 or (period * 2 <= fill and n >= 4 * fill))):
        return 0
    reps = max(1, min(fill, n // 16) // period)
    for k in range(C):
        for j in range(inner):  # not hot: at most _PATTERN elements
            pattern[k * inner + j] = w[k]
    for k in range(1, reps):
        for j in range(period):
            pattern[k * period + j] = pattern[j]
    return reps * period


cdef void _prelu_grad_pattern(const floating* g, const floating* x, const floating* pattern,
                              floating* gx, double* gw, Py_ssize_t P, Py_ssize_t C,
                              Py_ssize_t inner, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # [lo, hi) as rows of the P-element pattern of _prelu_pattern (whole periods of C channels
    # x inner): the weight gradient per pattern position (this thread's own), then folded into
    # gw[channel]
    cdef double gwp[_PATTERN]
    cdef Py_ssize_t k, r, c, j, pos = 0
    for k in range(P):  # not hot: at most _PATTERN elements, once per call and thread
        gwp[k] = 0.0
    _prelu_grad_range(g, x, pattern, gx, gwp, P, 1, lo, hi)
    for r in range(P // (C * inner)):
        for c in range(C):
            for j in range(inner):
                gw[c] += gwp[pos]
                pos += 1


cdef int _prelu_forward_run(const floating* x, const floating* w, floating* y, Py_ssize_t n,
                            Py_ssize_t C, Py_ssize_t inner, int nt) noexcept:
    cdef Py_ssize_t blk, c, lo
    if n == 0:
        return OK
    if (_clash(x, y, n * sizeof(floating))
            or not _apart(w, C * sizeof(floating), y, n * sizeof(floating))):
        return CLASH
    cdef bint nonzero
    if not _finite(w, C, &nonzero):
        return NONFINITE
    cdef const floating* wp = w
    cdef floating pattern[_PATTERN]
    cdef Py_ssize_t P = _prelu_pattern(w, C, inner, n, 16, _PATTERN, pattern)  # longer: per run
    if P:
        wp, C, inner = pattern, P, 1
    with nogil:
        if nt <= 1:
            _prelu_fwd_range(x, wp, y, C, inner, 0, n, nonzero)
        else:
            blk = _block(n, nt)
            for c in prange(nt, schedule="static", num_threads=nt):
                lo = c * blk
                if lo < n:
                    _prelu_fwd_range(x, wp, y, C, inner, lo, min(n, lo + blk), nonzero)
    return OK


cdef int _prelu_forward_entry(object x, object w, object y, Py_ssize_t inner, int nt,
                              floating* dtype_tag) noexcept:
    # as the elementwise entries: any shape of x and y, checked here; w 1-D
    cdef Py_buffer xb, wb, yb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REJECTED
    cdef bint own_x = x is not y
    if not _acquire(y, &yb, _BUF_WRITABLE, code, sizeof(floating)):
        return REJECTED
    if own_x:
        if not _acquire(x, &xb, 0, code, sizeof(floating)):
            _release_buffer(&yb)
            return REJECTED
    else:
        xb = yb
    if _acquire(w, &wb, 0, code, sizeof(floating)):
        if _same_shape(&xb, &yb) and wb.ndim == 1 and wb.shape[0] >= 1 and inner >= 1:
            r = _prelu_forward_run(<const floating*>xb.buf, <const floating*>wb.buf,
                                   <floating*>yb.buf, yb.len // <Py_ssize_t>sizeof(floating),
                                   wb.shape[0], inner, nt)
        _release_buffer(&wb)
    if own_x:
        _release_buffer(&xb)
    _release_buffer(&yb)
    return r


def prelu_forward_f32(x, w, y, Py_ssize_t inner, int nt):
    """y = prelu(x) with x seen as runs of `inner` elements, run r on channel r % len(w)
    (float32): a PreluStatus."""
    return _prelu_forward_entry(x, w, y, inner, nt, <float*>NULL)


def prelu_forward_f64(x, w, y, Py_ssize_t inner, int nt):
    """y = prelu(x) with x seen as runs of `inner` elements, run r on channel r % len(w)
    (float64): a PreluStatus."""
    return _prelu_forward_entry(x, w, y, inner, nt, <double*>NULL)


cdef int _prelu_gradient_run(const floating* g, const floating* x, const floating* w,
                             floating* gx, double* gw, Py_ssize_t n, Py_ssize_t C,
                             Py_ssize_t inner, int nt) noexcept:
    # gw: max(nt, 1) rows of C, zero on entry
    cdef Py_ssize_t blk, c, lo
    cdef size_t nb = n * sizeof(floating)
    if n == 0:
        return OK
    if (_clash(g, gx, nb) or _clash(x, gx, nb)
            or not _apart(w, C * sizeof(floating), gx, nb)):
        return CLASH
    cdef bint nonzero  # unused here: the gradient's select has no zero-slope special case
    if not _finite(w, C, &nonzero):
        return NONFINITE
    cdef floating pattern[_PATTERN]
    # runs under 64 as a pattern: a run's block sums (16 lanes, folded) cost too much per run;
    # repeated periods only up to 1024 elements, so that the per-position sums the rows add
    # into (8 KiB of doubles) stay in the L1 cache beside the data
    cdef Py_ssize_t P = _prelu_pattern(w, C, inner, n, 64, 1024, pattern)
    if P:
        with nogil:
            if nt <= 1:
                _prelu_grad_pattern(g, x, pattern, gx, gw, P, C, inner, 0, n)
            else:
                blk = _block(n, nt)
                for c in prange(nt, schedule="static", num_threads=nt):
                    lo = c * blk
                    if lo < n:
                        _prelu_grad_pattern(g, x, pattern, gx, &gw[c * C], P, C, inner, lo,
                                            min(n, lo + blk))
        return OK
    with nogil:
        if nt <= 1:
            _prelu_grad_range(g, x, w, gx, gw, C, inner, 0, n)
        else:
            blk = _block(n, nt)
            for c in prange(nt, schedule="static", num_threads=nt):
                lo = c * blk
                if lo < n:
                    _prelu_grad_range(g, x, w, gx, &gw[c * C], C, inner, lo, min(n, lo + blk))
    return OK


cdef int _prelu_gradient_entry(object g, object x, object w, object gx, object gw,
                               Py_ssize_t inner, int nt, floating* dtype_tag) noexcept:
    # as prelu_forward's entry: g, x and gx of any one shape, w 1-D, gw float64 of shape
    # (>= max(nt, 1), len(w)); each operand acquired on its own (an export may be shared)
    cdef Py_buffer b[5]
    cdef char code = b'f' if floating is float else b'd'
    cdef int held = 0, r = REJECTED
    held += _acquire(gx, &b[0], _BUF_WRITABLE, code, sizeof(floating))
    if held == 1:
        held += _acquire(g, &b[1], 0, code, sizeof(floating))
    if held == 2:
        held += _acquire(x, &b[2], 0, code, sizeof(floating))
    if held == 3:
        held += _acquire(w, &b[3], 0, code, sizeof(floating))
    if held == 4:
        held += _acquire(gw, &b[4], _BUF_WRITABLE, b'd', sizeof(double))
    if held == 5:
        if (_same_shape(&b[1], &b[0]) and _same_shape(&b[2], &b[0]) and b[3].ndim == 1
                and b[3].shape[0] >= 1 and b[4].ndim == 2 and b[4].shape[0] >= max(nt, 1)
                and b[4].shape[1] == b[3].shape[0] and inner >= 1):
            r = _prelu_gradient_run(<const floating*>b[1].buf, <const floating*>b[2].buf,
                                    <const floating*>b[3].buf, <floating*>b[0].buf,
                                    <double*>b[4].buf, b[0].len // <Py_ssize_t>sizeof(floating),
                                    b[3].shape[0], inner, nt)
    while held > 0:
        held -= 1
        _release_buffer(&b[held])
    return r


def prelu_gradient_f32(g, x, w, gx, gw, Py_ssize_t inner, int nt):
    """gx = g * prelu'(x); gw[t, c] += thread t's part of the weight gradient of channel c
    (float32; gw float64 with max(nt, 1) rows, zero on entry): a PreluStatus."""
    return _prelu_gradient_entry(g, x, w, gx, gw, inner, nt, <float*>NULL)


def prelu_gradient_f64(g, x, w, gx, gw, Py_ssize_t inner, int nt):
    """gx = g * prelu'(x); gw[t, c] += thread t's part of the weight gradient of channel c
    (float64; gw float64 with max(nt, 1) rows, zero on entry): a PreluStatus."""
    return _prelu_gradient_entry(g, x, w, gx, gw, inner, nt, <double*>NULL)
