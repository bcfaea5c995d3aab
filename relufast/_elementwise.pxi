# relufast/_elementwise.pxi: the elementwise ops and their gradients (included by _kernels.pxi).
#
# Three layers, each built on the one before:
#   1. element functions  (`cdef inline ... noexcept nogil`): the value, or the derivative, of one
#      element; selects, not branches, so gcc if-converts and vectorizes the loops that call them.
#   2. chunk loops        (`_fwd_chunk`, `_grad_chunk`): a plain pointer loop over one contiguous
#      chunk, one loop per op, which the vectorizer sees whole.
#   3. drivers            (`_forward`, `_gradient`): one chunk per thread under `prange`, or the
#      whole array inline on one thread, with the GIL released; then their entry points.
#
# Results never depend on how the array is cut into chunks: each element is computed by the same
# sequence of IEEE operations in the vector body and in the scalar remainder.


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
    # w * x, except that a zero slope gives the limit at -inf (w * -inf would be NaN).  For
    # x < 0 and w = +-0 that is -w, the sign w * x has for every finite x < 0 (0.0 * -1.0 is
    # -0.0); NaN passes through
    return x if x > 0 else (-w if ((w == 0) & (x < 0)) else w * x)

cdef inline floating _leaky_nz(floating x, floating w) noexcept nogil:
    # _leaky for a slope known to be nonzero (and finite): with the zero-slope test hoisted out
    # of the loop the vector body is a third shorter (docs/performance.md; in L3 the loop is
    # near the cache's bandwidth either way)
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
    # Two spellings of one function (NaN passes, x <= 0 gives +0.0, x > 6 gives 6), for what
    # gcc makes of each: with AVX-512's masks, a clamp to 0 (which keeps -0.0 and NaN) then to
    # 6, and + 0.0 for the sign of zero, is 1.35x faster in L2/L3 than the other spelling,
    # which is 1.25x faster everywhere else (docs/performance.md)
    cdef floating t
    if RF_MASKED:
        t = 0 if 0 > x else x
        t = 6 if t > 6 else t
        return t + 0
    t = 6 if x > 6 else x
    return 0 if x <= 0 else t

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

# The piecewise rest of the family, as PyTorch defines them, with NaN passing through and the
# limits at the infinities (no 0 * inf, no spurious overflow in x * 6 / 6).  Their arithmetic
# constants are cast to the dtype: Cython writes `x / 3` as `x / 3.0`, which would compute the
# float specialization in double (slower, and not PyTorch's float rounding).

cdef inline floating _hardtanh(floating x, floating lo, floating hi) noexcept nogil:
    # x itself in [lo, hi] (-0.0 kept), NaN passes.  Two selects in turn, not nested (the same
    # values, lo winning where lo > hi as before): gcc vectorized the nested form with a compare
    # and blend more (C harness, 10**5 float32: 9.25 us -> 8.1 AVX-512, 22.5 -> 10.7 SSE2)
    cdef floating r = hi if x > hi else x
    return lo if x < lo else r

cdef inline floating _threshold(floating x, floating t, floating v) noexcept nogil:
    # PyTorch's `x <= t ? v : x`: NaN passes
    return v if x <= t else x

cdef inline floating _hardsigmoid(floating x) noexcept nogil:
    # min(max(x + 3, 0), 6) / 6, PyTorch's order of operations; x + 3 <= 0 gives +0.0
    cdef floating t = x + <floating>3
    t = 6 if t > 6 else t
    return (0 if t <= 0 else t) / <floating>6

cdef inline floating _hardswish(floating x) noexcept nogil:
    # x * (x + 3) / 6 between the kinks, PyTorch's order of operations; x itself from 3 on
    # (x * 6 / 6 could overflow, or be an ulp off), -0.0 up to -3 (the sign of PyTorch's
    # x * 0 / 6; -inf too, the limit, where PyTorch's product gives NaN); NaN passes
    cdef floating r = (x * (x + <floating>3)) / <floating>6
    r = x if x >= 3 else r
    return -0.0 if x <= -3 else r

cdef inline floating _relu_squared(floating x) noexcept nogil:
    cdef floating r = 0 if x <= 0 else x
    return r * r

# softplus and mish (_vecmath.h), with PyTorch's linear region: x itself where x * beta, rounded
# in the dtype, exceeds the threshold (its test, to the bit).  NaN fails the test and passes
# through the smooth branch.  beta = 1 has its own loops (no product, no division).

cdef inline floating _softplus1(floating x, floating t) noexcept nogil:
    # float: in float arithmetic with FMA (rf_softplus1_f), else through double
    if floating is float:
        return x if x > t else rf_softplus1_f(x)
    else:
        return x if x > t else rf_softplus1_d(x)

cdef inline floating _softplus(floating x, floating beta, floating t, double ib) noexcept nogil:
    if floating is float:
        return x if x * beta > t else rf_softplus_f(x, beta, ib)
    else:
        return x if x * beta > t else rf_softplus_d(x, beta)

cdef inline floating _mish(floating x) noexcept nogil:
    if floating is float:
        return rf_mish_f(x)
    else:
        return rf_mish_d(x)

# Derivatives f'(x).  NaN in gives NaN out; the kinks follow PyTorch (the x <= 0 branch at 0,
# relu6'(0) = relu6'(6) = 0).  relu's and relu6's are written straight into grad's product
# (_g_relu, _g_relu6 below).

cdef inline floating _d_leaky(floating x, floating w) noexcept nogil:
    # the select that ignores NaN, then the ordered test (why: _g_relu's comment below)
    cdef floating d = 1 if x > 0 else w
    return d if x == x else x

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
    # never 0, so there is no zero to select; NaN x gives NaN through x / alpha.  A finite x
    # whose quotient overflows (a subnormal alpha) has a finite derivative past the dtype's
    # range: the quotient is clamped to the largest finite value, so that a zero grad gives 0
    # and any other +-inf; x = -inf keeps the infinite quotient, the derivative's limit, and
    # 0 * inf = NaN there.
    cdef floating q = x / alpha
    if floating is float:
        q = <floating>3.4028234663852886e38 if ((q > <floating>3.4028234663852886e38)
                                                & (x >= <floating>-3.4028234663852886e38)) else q
        return g if x > 0 else rf_exp_scaled_f(q, g)
    else:
        q = 1.7976931348623157e308 if ((q > 1.7976931348623157e308)
                                       & (x >= -1.7976931348623157e308)) else q
        return g if x > 0 else rf_exp_scaled_d(q, g)

cdef inline floating _d_celu_y(floating y, floating alpha) noexcept nogil:
    # y = alpha * (exp(x / alpha) - 1), so exp(x / alpha) = (y + alpha) / alpha; y + alpha is
    # exact where y is near -alpha (Sterbenz), which y / alpha + 1 is not
    return 1 if y > 0 else (y + alpha) / alpha

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

# grad * f'(x) for the piecewise-linear ops, as selects of g: the values of _chain(g, f'(x)) (g
# where the slope is 1, +0.0 where it is 0, NaN for a NaN x) in about half the vector
# instructions, the multiply and the test of the slope gone (docs/performance.md).  Each is
# written as the select that ignores NaN, then one `r if x == x else x`: gcc vectorizes that
# as a compare, a blend (a masked multiply) and one ordered compare and blend, where the NaN
# test nested inside the first select's else made it emit four compares, two blends and two
# masked loads of g (AVX-512); in the caches that was 1.2 to 1.3x numba's loops, which give
# 0 for a NaN x (C harness, 10**5 float32 in place: leaky 12.0 us -> 9.6, numba's 9.2).

cdef inline floating _g_relu(floating g, floating x) noexcept nogil:
    cdef floating r = g if x > 0 else 0
    return r if x == x else x

cdef inline floating _g_leaky_nz(floating g, floating x, floating w) noexcept nogil:
    # a nonzero slope w: x <= 0 gives w * g, which for an infinite g is inf, not 0 (the zero
    # slope keeps _chain, whose 0 wins over g)
    cdef floating r = g if x > 0 else w * g
    return r if x == x else x

cdef inline floating _g_relu6(floating g, floating x) noexcept nogil:
    cdef floating r = g if ((x > 0) & (x < 6)) else 0
    return r if x == x else x

cdef inline floating _g_hardtanh(floating g, floating x, floating lo, floating hi) noexcept nogil:
    # PyTorch's: 0 at both kinks
    cdef floating r = g if ((x > lo) & (x < hi)) else 0
    return r if x == x else x

cdef inline floating _g_threshold(floating g, floating x, floating t) noexcept nogil:
    cdef floating r = g if x > t else 0
    return r if x == x else x

cdef inline floating _g_hardsigmoid(floating g, floating x) noexcept nogil:
    # PyTorch's grad / 6 (not grad * (1/6): another rounding), 0 at both kinks
    cdef floating r = g / <floating>6 if ((x > -3) & (x < 3)) else 0
    return r if x == x else x

cdef inline floating _d_hardswish(floating x) noexcept nogil:
    # PyTorch's: 0 below -3, x / 3 + 1/2 on [-3, 3] (both kinks included), 1 above.  Two selects
    # in turn rather than nested (the same values): gcc vectorized the nested form with an extra
    # compare and blend (C harness, 10**5 float32 with _chain: 16.3 us -> 14.1 AVX-512, 34.6 ->
    # 27.8 SSE2; numba's loop 14.8)
    cdef floating d = x / <floating>3 + <floating>0.5
    d = 1 if x > 3 else d
    return 0 if x < -3 else d

cdef inline floating _d_relu_squared(floating x) noexcept nogil:
    cdef floating r = 0 if x <= 0 else x
    return r + r

cdef inline floating _d_softplus1(floating x, floating t) noexcept nogil:
    # sigmoid(x), 1 in the linear region (PyTorch's softplus_backward); float: the lean
    # rf_sigmoid_lean_f in float arithmetic with FMA (1.72 ulp; rf_sigmoid_f's corrected
    # division, ~0.5 ulp, ran at 1.0 to 1.4x PyTorch's), else through double
    if floating is float:
        return 1 if x > t else rf_sigmoid_lean_f(x)
    else:
        return 1 if x > t else rf_sigmoid_lean_d(x)

cdef inline floating _d_softplus(floating x, floating beta, floating t) noexcept nogil:
    # sigmoid(x * beta), the product exact (in double for float; as a double-double for double)
    if floating is float:
        return 1 if x * beta > t else rf_softplus_grad_f(x, beta)
    else:
        return 1 if x * beta > t else rf_softplus_grad_d(x, beta)

cdef inline floating _d_mish(floating x) noexcept nogil:
    if floating is float:
        return rf_mish_grad_f(x)
    else:
        return rf_mish_grad_d(x)

cdef inline floating _chain(floating g, floating d) noexcept nogil:
    # grad * f'(x), as a select: where f'(x) is 0 the result is exactly 0, whatever grad holds.
    # The product is formed before the select so that gcc does not sink the load of g into a
    # branch (a conditional load stops the vectorizer without AVX2's masked loads).
    cdef floating r = g * d
    return 0 if d == 0 else r


# ---------------------------------------------------------------------------------------------
# 2. chunk loops: one contiguous chunk, one plain loop per op

cdef void _fwd_chunk(int op, const floating* x, floating* y, Py_ssize_t n,
                     floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    cdef double ib
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
        if floating is float:
            if rf_tab_on:  # AVX-512: the table loop (_vectab.h), any n, the same bits per element
                rf_tab_gelu_f(x, y, n)
                return
        for i in range(n):
            y[i] = _gelu(x[i])
    elif op == GELU_TANH:
        if floating is float:
            if rf_tab_on:
                rf_tab_gelu_tanh_f(x, y, n)
                return
        for i in range(n):
            y[i] = _gelu_tanh(x[i])
    elif op == SILU:
        if floating is float:
            if rf_tab_on:  # AVX-512: x sigmoid(x) from the sigmoid's table loop (_vectab.h)
                rf_tab_silu_f(x, y, n)
                return
        for i in range(n):
            y[i] = _silu(x[i])
    elif op == HARDTANH:
        for i in range(n):
            y[i] = _hardtanh(x[i], a, b)
    elif op == THRESHOLD:
        for i in range(n):
            y[i] = _threshold(x[i], a, b)
    elif op == HARDSIGMOID:
        for i in range(n):
            y[i] = _hardsigmoid(x[i])
    elif op == HARDSWISH:
        for i in range(n):
            y[i] = _hardswish(x[i])
    elif op == RELU_SQUARED:
        for i in range(n):
            y[i] = _relu_squared(x[i])
    elif op == SOFTPLUS:
        if a == 1:
            for i in range(n):
                y[i] = _softplus1(x[i], b)
        else:
            ib = 1.0 / <double>a
            for i in range(n):
                y[i] = _softplus(x[i], a, b, ib)
    elif op == MISH:
        for i in range(n):
            y[i] = _mish(x[i])


cdef inline float _g_sigmoid_lean(float g, float x) noexcept nogil:
    # _chain(g, rf_sigmoid_lean_f(x)) with its exact zero tested on x, not on the sigmoid: the
    # sigmoid is 0 exactly from x = -103.972084 down and nonzero above (every float checked,
    # both forms), so x < -103.97207641601562 (-0x1.9fe368p+6, the last float with a nonzero
    # sigmoid) is d == 0.  The compare no longer waits for the division: 3% of the loop (C
    # harness, 10**5 float32: 34.1 -> 33.1 us)
    cdef float r = g * rf_sigmoid_lean_f(x)
    return 0 if x < <float>-103.97207641601562 else r

cdef inline void _grad_softplus1(const floating* g, const floating* x, floating* out,
                                 Py_ssize_t n, floating t) noexcept nogil:
    # softplus' for beta = 1, threshold t.  float: past 17.3286781 the sigmoid is 1.0 exactly
    # (checked over every float, both forms of rf_sigmoid_lean_f), so from that threshold on
    # (the default is 20) the linear region's select changes no result and is left out: one
    # compare and blend fewer per vector, in a loop bound by its operation count
    cdef Py_ssize_t i
    if floating is float:
        if t >= <float>17.3286781:
            if rf_tab_on:  # AVX-512: the table loop (_vectab.h), 1.15x the lean sigmoid's
                rf_tab_sigmoid_grad_f(g, x, out, n)
                return
            for i in range(n):  # float only
                out[i] = _g_sigmoid_lean(g[i], x[i])
            return
    else:
        if rf_tab_on and t == t:  # AVX-512: e^a by a table of 2^(j/16) (_vectab.h)
            rf_tab_sigmoid_grad_d(g, x, out, n, t, 1.0)
            return
    for i in range(n):
        out[i] = _chain(g[i], _d_softplus1(x[i], t))

cdef void _grad_softplus_beta(const floating* g, const floating* x, floating* out, Py_ssize_t n,
                              floating beta, floating t) noexcept nogil:
    # softplus' for beta != 1 with every element through the loop's vector body.  On the AVX2
    # build gcc contracted the multiply-adds of the double element function differently in the
    # loop's vector body and in its scalar tail, so an element's last bit depended on where it
    # sat (a call on one element disagreed with the same element inside a longer array, 6 and 11
    # of 30,000 for beta 0.7 and 4).  So the loop runs on whole blocks of 16 (a multiple of every
    # build's vector length), then once more on the tail padded to a block on the stack: one
    # loop in the code, its vector body the only path an element takes.
    cdef floating gb[16]
    cdef floating xb[16]
    cdef floating ob[16]
    cdef const floating* gp = g
    cdef const floating* xp = x
    cdef floating* op = out
    cdef Py_ssize_t i, m = n - n % 16, rest = n % 16, k
    while True:
        for i in range(m):
            op[i] = _chain(gp[i], _d_softplus(xp[i], beta, t))
        if op != out or rest == 0:
            break
        for k in range(16):  # not hot
            gb[k] = g[m + k] if k < rest else 0
            xb[k] = x[m + k] if k < rest else 0
        gp = gb
        xp = xb
        op = ob
        m = 16
    if rest:
        for k in range(rest):  # not hot
            out[n - rest + k] = ob[k]


cdef void _grad_chunk(int op, const floating* g, const floating* x, floating* out, Py_ssize_t n,
                      floating a, floating b) noexcept nogil:
    cdef Py_ssize_t i
    if op == D_RELU:
        for i in range(n):
            out[i] = _g_relu(g[i], x[i])
    elif op == D_LEAKY:
        if a != 0:
            for i in range(n):
                out[i] = _g_leaky_nz(g[i], x[i], a)
        else:
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
            out[i] = _g_relu6(g[i], x[i])
    elif op == D_GELU:
        if floating is float:
            if rf_tab_on:  # AVX-512: the table loop (_vectab.h), g f'(x) and _chain's zero
                rf_tab_gelu_grad_f(g, x, out, n)
                return
        for i in range(n):
            out[i] = _chain(g[i], _d_gelu(x[i]))
    elif op == D_GELU_TANH:
        if floating is float:
            if rf_tab_on:
                rf_tab_gelu_tanh_grad_f(g, x, out, n)
                return
        for i in range(n):
            out[i] = _chain(g[i], _d_gelu_tanh(x[i]))
    elif op == D_SILU:
        if rf_tab_on:  # AVX-512: the table loops of _vectab.h
            if floating is float:
                rf_tab_silu_grad_f(g, x, out, n)
            else:
                rf_tab_silu_grad_d(g, x, out, n)
            return
        for i in range(n):
            out[i] = _chain(g[i], _d_silu(x[i]))
    elif op == D_HARDTANH:
        for i in range(n):
            out[i] = _g_hardtanh(g[i], x[i], a, b)
    elif op == D_THRESHOLD:
        for i in range(n):
            out[i] = _g_threshold(g[i], x[i], a)
    elif op == D_HARDSIGMOID:
        for i in range(n):
            out[i] = _g_hardsigmoid(g[i], x[i])
    elif op == D_HARDSWISH:
        for i in range(n):
            out[i] = _chain(g[i], _d_hardswish(x[i]))
    elif op == D_RELU_SQUARED:
        for i in range(n):
            out[i] = _chain(g[i], _d_relu_squared(x[i]))
    elif op == D_SOFTPLUS:
        if a == 1:
            _grad_softplus1(g, x, out, n, b)
        elif floating is double and rf_tab_on and b == b:
            # AVX-512: sigmoid(beta x) from the table of 2^(j/16), every lane by the same
            # instructions (the element loop's bits depended on an element's position)
            rf_tab_sigmoid_grad_d(<const double*>g, <const double*>x, <double*>out, n, b, a)
        else:
            _grad_softplus_beta(g, x, out, n, a, b)
    elif op == D_MISH:
        for i in range(n):
            out[i] = _chain(g[i], _d_mish(x[i]))


# Conversion loops of the mixed-dtype path (section 3b): one block of elements widened to the
# compute dtype as it is loaded, or narrowed to out's dtype as it is stored.  Element codes: 0
# float16, 1 float32, 2 float64, 3 bfloat16.  A block's widening is exact; a narrowing rounds
# once.  An
# operand of the compute dtype is never copied (the drivers read and write it in place), so of
# the float32 and float64 loops only one specialization runs each (marked `# float only`,
# `# double only` for tools/vecreport.py; gcc makes the other a memcpy).

# whether the bfloat16 roundings use AVX512_BF16's instruction: where the CPU has it (only the
# avx512 module's rf_bf16_hw can say yes), unless bf16_instructions() turned it off
cdef bint _bf16_hw = rf_bf16_hw()


def bf16_instructions(int use=-1):
    """Whether bfloat16 rounding uses AVX512_BF16's vcvtne2ps2bf16 (where the CPU has it): the
    setting before the call; ``use`` 0 or 1 sets it (for the tests of the integer rounding)."""
    global _bf16_hw
    cdef bint was = _bf16_hw
    if use >= 0:
        _bf16_hw = use != 0 and rf_bf16_hw()
    return was


cdef inline unsigned short _to_bf16(floating v) noexcept nogil:
    # a double is rounded once (through float rounded to odd)
    if floating is float:
        return rf_f2bf(v)
    else:
        return rf_d2bf(v)


cdef void _load_block(const void* p, int code, floating* dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef const unsigned short* h = <const unsigned short*>p
    cdef const float* f = <const float*>p
    cdef const double* d = <const double*>p
    if code == 0:  # the hardware's conversion where the build has it (_half.h)
        if floating is float:
            rf_h2f_block(h, dst, n)
        else:
            rf_h2d_block(h, dst, n)
    elif code == 3:
        for i in range(n):
            dst[i] = <floating>rf_bf2f(h[i])
    elif code == 1:
        for i in range(n):  # double only
            dst[i] = f[i]
    else:  # never runs: a float64 input makes float64 the compute dtype, read in place
        for i in range(n):  # not hot
            dst[i] = <floating>d[i]


cdef void _store_block(const floating* src, void* p, int code, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef unsigned short* h = <unsigned short*>p
    cdef float* f = <float*>p
    cdef double* d = <double*>p
    if code == 0:
        if floating is float:
            rf_f2h_block(src, h, n)  # the hardware's conversion where the build has it
        else:
            for i in range(n):  # double only
                h[i] = rf_d2h(src[i])   # once from the double: through float would round twice
    elif code == 3:
        if floating is float:
            if _bf16_hw:  # AVX512_BF16's rounding (_half.h)
                rf_f2bf_block_hw(src, h, n)
                return
        for i in range(n):
            h[i] = _to_bf16(src[i])
    elif code == 2:
        if floating is float:
            rf_f2d_block(src, d, n)  # (_half.h says why not a loop here)
        else:
            for i in range(n):  # not hot: never runs, float64 out is written in place
                d[i] = src[i]
    else:
        for i in range(n):  # double only
            f[i] = <float>src[i]


# relu, relu6 and their gradients on float16 and bfloat16 decided on the bit patterns, with no
# conversion (the mixed drivers take them when every operand is of one 16-bit format).  Each
# gives, bit for bit, what widening, the float32 op and rounding give: the ops only select x, g,
# +0.0 or 6, all exact in the format, and a NaN comes out quieted (the quiet bit `q` set, sign
# and payload kept) as the rounding on store quiets it.  A float16 or bfloat16 orders like a
# signed integer of its bits among positive values, so `x > 0` is `<short>x > 0` once NaN (the
# magnitude above infinity's pattern `inf`) is set apart; -0.0 and every negative are <= 0.
# 16 bits a lane: twice the lanes of the float32 loops, and no conversion instructions.
# leaky_relu and its gradient with a nonzero slope multiply, so they convert, but in registers
# in one pass over the operands, not through the blocks (_fwd_bits, _grad_bits).

cdef inline unsigned short _quiet_bits(unsigned short h, unsigned short inf,
                                       unsigned short q) noexcept nogil:
    return (h | q) if (h & 0x7fff) > inf else h

cdef inline unsigned short _relu_bits(unsigned short h, unsigned short inf,
                                      unsigned short q) noexcept nogil:
    cdef short s = <short>h
    return (h | q) if (h & 0x7fff) > inf else (h if s > 0 else 0)

cdef inline unsigned short _relu6_bits(unsigned short h, unsigned short inf, unsigned short q,
                                       unsigned short six) noexcept nogil:
    # six: 6.0's pattern; every positive value above it (inf included) becomes 6
    cdef short s = <short>h
    return (h | q) if (h & 0x7fff) > inf else (
        0 if s <= 0 else (six if s > <short>six else h))

cdef inline unsigned short _g_relu_bits(unsigned short g, unsigned short x, unsigned short inf,
                                        unsigned short q) noexcept nogil:
    cdef short s = <short>x
    return (x | q) if (x & 0x7fff) > inf else (_quiet_bits(g, inf, q) if s > 0 else 0)

cdef inline unsigned short _g_relu6_bits(unsigned short g, unsigned short x, unsigned short inf,
                                         unsigned short q, unsigned short six) noexcept nogil:
    cdef short s = <short>x
    return (x | q) if (x & 0x7fff) > inf else (
        _quiet_bits(g, inf, q) if ((s > 0) & (s < <short>six)) else 0)


# hardtanh and threshold compare x with parameters that need not be values of the format: their
# tests become compares of keys.  key(h) orders every non-NaN pattern as its value orders (the
# magnitude bits of a negative flipped, so that the patterns count up from -inf to +inf as signed
# integers; -0.0 sits just below +0.0), and for a float32 parameter v, _key_le(v) is the key of the
# largest value <= v, _key_ge(v) of the smallest value >= v (found once per call).  So x > v is
# key(x) > _key_le(v), x <= v the opposite, and x < v is key(x) < _key_ge(v): both zeros answer
# alike, since a threshold never falls between them.  The results are x, g, +0.0 or a parameter
# rounded once to the format (c1, c2), as the float32 op rounds them on store.

cdef struct _Bits:
    unsigned short inf   # infinity's pattern: a larger magnitude is NaN
    unsigned short q     # the quiet bit
    unsigned short six   # 6.0's pattern (relu6)
    unsigned short c1    # a parameter rounded to the format (hardtanh's max_val, threshold's value)
    unsigned short c2    # (hardtanh's min_val)
    short k1             # key thresholds (hardtanh: _key_le(max_val), _key_ge(min_val) forward,
    short k2             # _key_le(min_val), _key_ge(max_val) gradient; threshold: _key_le(t))
    float w              # leaky_relu's slope

cdef inline short _key(unsigned short h) noexcept nogil:
    cdef short s = <short>h
    return <short>(h ^ ((s >> 15) & 0x7fff))

cdef inline unsigned short _hardtanh_bits(unsigned short h, _Bits p) noexcept nogil:
    cdef short k = _key(h)
    cdef unsigned short r = p.c1 if k > p.k1 else h
    r = p.c2 if k < p.k2 else r
    return (h | p.q) if (h & 0x7fff) > p.inf else r

cdef inline unsigned short _threshold_bits(unsigned short h, _Bits p) noexcept nogil:
    cdef unsigned short r = p.c1 if _key(h) <= p.k1 else h
    return (h | p.q) if (h & 0x7fff) > p.inf else r

cdef inline unsigned short _g_hardtanh_bits(unsigned short g, unsigned short x,
                                            _Bits p) noexcept nogil:
    cdef short k = _key(x)
    cdef unsigned short r = _quiet_bits(g, p.inf, p.q) if ((k > p.k1) & (k < p.k2)) else 0
    return (x | p.q) if (x & 0x7fff) > p.inf else r

cdef inline unsigned short _g_threshold_bits(unsigned short g, unsigned short x,
                                             _Bits p) noexcept nogil:
    cdef unsigned short r = _quiet_bits(g, p.inf, p.q) if _key(x) > p.k1 else 0
    return (x | p.q) if (x & 0x7fff) > p.inf else r


cdef void _fwd_bits(int op, const unsigned short* x, unsigned short* y, Py_ssize_t n,
                    _Bits p) noexcept nogil:
    cdef Py_ssize_t i
    cdef unsigned short inf = p.inf, q = p.q, six = p.six
    cdef float w = p.w
    if op == RELU:
        for i in range(n):  # 16-bit
            y[i] = _relu_bits(x[i], inf, q)
    elif op == RELU6:
        for i in range(n):  # 16-bit
            y[i] = _relu6_bits(x[i], inf, q, six)
    elif op == HARDTANH:
        for i in range(n):  # 16-bit
            y[i] = _hardtanh_bits(x[i], p)
    elif op == THRESHOLD:
        for i in range(n):  # 16-bit
            y[i] = _threshold_bits(x[i], p)
    elif inf == 0x7c00:  # leaky_relu, w != 0, float16: converted in registers (_half.h)
        rf_leaky_h_block(x, y, n, w)
    elif _bf16_hw:  # bfloat16, converted in registers with AVX512_BF16's rounding
        rf_leaky_bf_hw(x, y, n, w)
    else:  # bfloat16: widened, computed as _fwd_chunk does, rounded, in one pass
        for i in range(n):  # 16-bit
            y[i] = rf_f2bf(_leaky_nz(rf_bf2f(x[i]), w))


cdef void _grad_bits(int op, const unsigned short* g, const unsigned short* x,
                     unsigned short* out, Py_ssize_t n, _Bits p) noexcept nogil:
    cdef Py_ssize_t i
    cdef unsigned short inf = p.inf, q = p.q, six = p.six
    cdef float w = p.w
    if op == D_RELU:
        for i in range(n):  # 16-bit
            out[i] = _g_relu_bits(g[i], x[i], inf, q)
    elif op == D_RELU6:
        for i in range(n):  # 16-bit
            out[i] = _g_relu6_bits(g[i], x[i], inf, q, six)
    elif op == D_HARDTANH:
        for i in range(n):  # 16-bit
            out[i] = _g_hardtanh_bits(g[i], x[i], p)
    elif op == D_THRESHOLD:
        for i in range(n):  # 16-bit
            out[i] = _g_threshold_bits(g[i], x[i], p)
    elif inf == 0x7c00:  # leaky_relu_grad, w != 0, float16
        rf_g_leaky_h_block(g, x, out, n, w)
    elif _bf16_hw:
        rf_g_leaky_bf_hw(g, x, out, n, w)
    else:
        for i in range(n):  # 16-bit
            out[i] = rf_f2bf(_g_leaky_nz(rf_bf2f(g[i]), rf_bf2f(x[i]), w))


# scikit-learn's case: a float64 grad (and out) against float32 activations, for the relu-like
# gradients.  Widening x in the comparison, in one pass, gives what the blocks give (widen x
# into a buffer, then _grad_chunk): the same double values, the same selects.

cdef void _grad_df(int op, const double* g, const float* x, double* out, Py_ssize_t n,
                   double w) noexcept nogil:
    cdef Py_ssize_t i
    if op == D_RELU:
        for i in range(n):  # one specialization
            out[i] = _g_relu(g[i], <double>x[i])
    elif op == D_RELU6:
        for i in range(n):  # one specialization
            out[i] = _g_relu6(g[i], <double>x[i])
    else:  # D_LEAKY, w != 0
        for i in range(n):  # one specialization
            out[i] = _g_leaky_nz(g[i], <double>x[i], w)


# ---------------------------------------------------------------------------------------------
# 3. drivers: one chunk per thread, or the whole array inline when nt <= 1 (no fork/join)

cdef void _forward(int op, const floating* x, floating* y, Py_ssize_t n, double a, double b,
                   int nt) noexcept nogil:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(y, n, sizeof(floating))  # stores from a cache-line boundary on
    cdef floating fa = <floating>a, fb = <floating>b
    if n == 0:
        return
    if nt <= 1:
        _fwd_chunk(op, x, y, h, fa, fb)
        _fwd_chunk(op, x + h, y + h, n - h, fa, fb)
    else:
        blk = _block(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()  # the workers too (_compat.h)
            if c == 0:
                _fwd_chunk(op, x, y, h, fa, fb)
            if lo < n:
                _fwd_chunk(op, x + lo, y + lo, min(blk, n - lo), fa, fb)
            rf_ieee_end(fp)


cdef void _gradient(int op, const floating* g, const floating* x, floating* out, Py_ssize_t n,
                    double a, double b, int nt) noexcept nogil:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(out, n, sizeof(floating))  # stores from a cache-line boundary on
    cdef floating fa = <floating>a, fb = <floating>b
    if n == 0:
        return
    if nt <= 1:
        _grad_chunk(op, g, x, out, h, fa, fb)
        _grad_chunk(op, g + h, x + h, out + h, n - h, fa, fb)
    else:
        blk = _block(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()  # the workers too (_compat.h)
            if c == 0:
                _grad_chunk(op, g, x, out, h, fa, fb)
            if lo < n:
                _grad_chunk(op, g + lo, x + lo, out + lo, min(blk, n - lo), fa, fb)
            rf_ieee_end(fp)


# The entry points of the two drivers, written out per dtype (a fused `def` costs noticeably more
# per call) around one fused body each.  They take any ndarrays (any shape) and check them
# through _buffers.pxi: C-contiguous, aligned, of the dtype, all of one shape, out writable.  An
# operand that is `out` itself (in place) is acquired once.  DONE, or nothing written and
# OVERLAP or REFUSED.  The mixed entry points (3b) take their operands through the same ladder.

cdef inline bint _take(object o, Py_buffer* v, int flags, char code, Py_ssize_t size,
                       int* kind) noexcept:
    # code 0: any float dtype the mixed entry points take, kind set to its element code
    if code == 0:
        kind[0] = _acquire_float(o, v, flags)
        return kind[0] >= 0
    kind[0] = 0  # (unused: set so that no copy of it reads an indeterminate value)
    return _acquire(o, v, flags, code, size)


cdef bint _acquire_ops(object g, object x, object out, Py_buffer* gb, Py_buffer* xb,
                       Py_buffer* ob, bint has_g, char code, Py_ssize_t size,
                       int* kinds) noexcept:
    # out (writable), then g (a gradient's, when has_g) and x, each unless it is out itself (it
    # shares out's buffer then): True with all held, or False with nothing held.  kinds: the
    # element codes of g, x, out when code is 0
    if not _take(out, ob, _BUF_WRITABLE, code, size, &kinds[2]):
        return False
    if has_g:
        if g is out:
            gb[0] = ob[0]
            kinds[0] = kinds[2]
        elif not _take(g, gb, 0, code, size, &kinds[0]):
            _release_buffer(ob)
            return False
    if x is out:
        xb[0] = ob[0]
        kinds[1] = kinds[2]
    elif not _take(x, xb, 0, code, size, &kinds[1]):
        if has_g and g is not out:
            _release_buffer(gb)
        _release_buffer(ob)
        return False
    return True


cdef void _release_ops(object g, object x, object out, Py_buffer* gb, Py_buffer* xb,
                       Py_buffer* ob, bint has_g) noexcept:
    if x is not out:
        _release_buffer(xb)
    if has_g and g is not out:
        _release_buffer(gb)
    _release_buffer(ob)


cdef int _forward_entry(int op, object x, object y, double a, double b, int nt,
                        floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer xb, yb
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef int kinds[3]
    if not _acquire_ops(None, x, y, NULL, &xb, &yb, False, code, sizeof(floating), kinds):
        return REFUSED
    if _shapes_match(&xb, &yb):
        if _clash(xb.buf, yb.buf, yb.len):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _forward(op, <const floating*>xb.buf, <floating*>yb.buf,
                         yb.len // <Py_ssize_t>sizeof(floating), a, b, nt)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
            r = DONE
    _release_ops(None, x, y, NULL, &xb, &yb, False)
    return r


cdef int _gradient_entry(int op, object g, object x, object out, double a, double b, int nt,
                         floating* dtype_tag) noexcept:
    cdef unsigned int fp  # the caller's floating-point mode, restored after
    cdef Py_buffer gb, xb, ob
    cdef char code = b'f' if floating is float else b'd'
    cdef int r = REFUSED
    cdef int kinds[3]
    cdef Py_ssize_t nb
    if not _acquire_ops(g, x, out, &gb, &xb, &ob, True, code, sizeof(floating), kinds):
        return REFUSED
    if _shapes_match(&gb, &ob) and _shapes_match(&xb, &ob):
        nb = ob.len
        if _clash(gb.buf, ob.buf, nb) or _clash(xb.buf, ob.buf, nb):
            r = OVERLAP
        else:
            with nogil:
                fp = rf_ieee_begin()
                _gradient(op, <const floating*>gb.buf, <const floating*>xb.buf,
                          <floating*>ob.buf, nb // <Py_ssize_t>sizeof(floating), a, b, nt)
                rf_ieee_end(fp)
                if nt != 1:  # threaded, or could have been (nt = 0): see idle_seconds
                    rf_region_ended()
            r = DONE
    _release_ops(g, x, out, &gb, &xb, &ob, True)
    return r


def forward_f32(int op, x, y, double a, double b, int nt):
    """y = f(x) for op `op` with parameters a, b, on nt threads (float32): a Status."""
    return _forward_entry(op, x, y, a, b, nt, <float*>NULL)


def forward_f64(int op, x, y, double a, double b, int nt):
    """y = f(x) for op `op` with parameters a, b, on nt threads (float64): a Status."""
    return _forward_entry(op, x, y, a, b, nt, <double*>NULL)


def gradient_f32(int op, g, x, out, double a, double b, int nt):
    """out = g * f'(x) for gradient op `op`, parameters a, b, nt threads (float32): a Status."""
    return _gradient_entry(op, g, x, out, a, b, nt, <float*>NULL)


def gradient_f64(int op, g, x, out, double a, double b, int nt):
    """out = g * f'(x) for gradient op `op`, parameters a, b, nt threads (float64): a Status."""
    return _gradient_entry(op, g, x, out, a, b, nt, <double*>NULL)


# ---------------------------------------------------------------------------------------------
# 3b. the mixed-dtype drivers: operands of different float dtypes (float16, float32, float64),
# computed in `floating` (NumPy's result_type of the inputs) through blocks of _MIX_BLOCK
# elements (on the heap, once per chunk: _mix_buffers).  Each block of an input whose dtype is not the compute dtype is widened
# into a buffer, the same-dtype chunk loop runs on the block, and the result is narrowed into
# out (an operand already of the compute dtype is used where it lies).  So no full-size
# temporary, and each element goes through the same IEEE operations as in a same-dtype call.
# In place is safe block by block when out is that input, of one itemsize: a block is read
# whole before it is written.

cdef enum:
    _MIX_BLOCK = 512        # 3 buffers of 4 KB (float64): within L1 beside the operands' lines
    _MIX_SMALL = 64         # elements per buffer on the stack (1.5 KB in all, float64)


cdef floating* _mix_buffers(floating* small, Py_ssize_t n, Py_ssize_t* size) noexcept nogil:
    # the three conversion buffers: on the heap, not the stack, for more than _MIX_SMALL
    # elements: 12 KB of float64 buffers overflowed an OpenMP worker's stack under
    # OMP_STACKSIZE=16K (SIGSEGV).  A short range (a head, a small call), or a failed malloc,
    # takes the caller's small stack buffers in blocks of _MIX_SMALL: slower, never an error (a
    # range loop has no status to return), the same results (each element goes through the
    # same operations whatever the block)
    cdef floating* p
    if n > _MIX_SMALL:
        p = <floating*>malloc(3 * _MIX_BLOCK * sizeof(floating))
        if p != NULL:
            size[0] = _MIX_BLOCK
            return p
    size[0] = _MIX_SMALL
    return small


cdef inline Py_ssize_t _code_size(int code) noexcept nogil:
    return 4 if code == 1 else (8 if code == 2 else 2)


cdef void _fwd_blocks(int op, const char* x, int xc, char* y, int yc, Py_ssize_t lo,
                      Py_ssize_t hi, floating a, floating b, floating* own) noexcept nogil:
    # own: the calling thread's 3 * _MIX_BLOCK buffers (a call inline, nt <= 1), or NULL
    cdef floating small[3 * _MIX_SMALL]
    cdef Py_ssize_t blk = _MIX_BLOCK
    cdef floating* xbuf
    cdef floating* ybuf
    cdef int cc = 1 if floating is float else 2
    cdef Py_ssize_t xs = _code_size(xc), ys = _code_size(yc), s, m
    cdef const floating* xp
    cdef floating* yp
    if floating is float:
        if xc == yc and _fwd_tab16(op, xc, x, y, lo, hi):
            return
    xbuf = own if own != NULL else _mix_buffers(small, hi - lo, &blk)
    ybuf = xbuf + blk
    s = lo
    while s < hi:
        m = min(blk, hi - s)
        if xc == cc:
            xp = <const floating*>(x + s * xs)
        else:
            _load_block(x + s * xs, xc, xbuf, m)
            xp = xbuf
        yp = <floating*>(y + s * ys) if yc == cc else ybuf
        _fwd_chunk(op, xp, yp, m, a, b)
        if yc != cc:
            _store_block(ybuf, y + s * ys, yc, m)
        s += m
    if xbuf != small and xbuf != own:
        free(xbuf)


ctypedef void (*_fwd16_fn)(const unsigned short*, unsigned short*, Py_ssize_t) noexcept nogil
ctypedef void (*_grad16_fn)(const unsigned short*, const unsigned short*, unsigned short*,
                            Py_ssize_t) noexcept nogil


cdef inline int _fmt16(int code) noexcept nogil:
    # which of a loop's three forms: 0 float16, 1 bfloat16 rounded by AVX512_BF16, 2 bfloat16
    return 0 if code == 0 else (1 if _bf16_hw else 2)


cdef inline bint _sigmoid_tab16(float beta, float t) noexcept nogil:
    # softplus' on 16-bit operands takes the sigmoid's table loop (beta = 1, and a threshold
    # from which the float sigmoid is 1 exactly, as _grad_softplus1 says), on AVX-512
    return rf_tab_on and beta == 1 and t >= <float>17.3286781


cdef bint _fwd_tab16(int op, int code, const char* x, char* y, Py_ssize_t lo,
                     Py_ssize_t hi) noexcept nogil:
    # gelu (both forms), silu, hardsigmoid, hardswish or relu_squared with x and y both float16
    # (code 0) or both bfloat16 (3): the AVX-512 loop in one pass (the table loops, the rf_m16_
    # ones), as _grad_tab16 does for the gradients.  False: not taken.
    cdef _fwd16_fn f[3]
    if not rf_tab_on or (code != 0 and code != 3):
        return False
    if op == GELU:
        f = [rf_tab16_gelu_h, rf_tab16_gelu_bf_hw, rf_tab16_gelu_bf]
    elif op == GELU_TANH:
        f = [rf_tab16_gelu_tanh_h, rf_tab16_gelu_tanh_bf_hw, rf_tab16_gelu_tanh_bf]
    elif op == SILU:
        f = [rf_tab16_silu_h, rf_tab16_silu_bf_hw, rf_tab16_silu_bf]
    elif op == HARDSIGMOID:
        f = [rf_m16_hardsigmoid_h, rf_m16_hardsigmoid_bf_hw, rf_m16_hardsigmoid_bf]
    elif op == HARDSWISH:
        f = [rf_m16_hardswish_h, rf_m16_hardswish_bf_hw, rf_m16_hardswish_bf]
    elif op == RELU_SQUARED:
        f = [rf_m16_relu_squared_h, rf_m16_relu_squared_bf_hw, rf_m16_relu_squared_bf]
    else:
        return False
    f[_fmt16(code)]((<const unsigned short*>x) + lo, (<unsigned short*>y) + lo, hi - lo)
    return True


cdef bint _grad_tab16(int op, int code, const char* g, const char* x, char* o, Py_ssize_t lo,
                      Py_ssize_t hi, float a, float b) noexcept nogil:
    # g, x and out all float16 (code 0) or all bfloat16 (3), and an op with an AVX-512 table
    # loop (gelu' in both forms, silu', softplus' as the float loops choose them), elu',
    # celu' with alpha = 1, or hardsigmoid', hardswish', relu_squared' (rf_m16_): one pass that
    # widens and rounds in registers, the bits of the blocks in _grad_blocks
    # (_vectab.h; 1.2 to 1.25x the blocks' speed at 10**5 in a C harness, 1.15 to 1.7x beyond
    # the caches).  False: not taken.
    cdef const unsigned short* gh = (<const unsigned short*>g) + lo
    cdef const unsigned short* xh = (<const unsigned short*>x) + lo
    cdef unsigned short* oh = (<unsigned short*>o) + lo
    cdef Py_ssize_t n = hi - lo
    cdef _grad16_fn f[3]
    cdef int k
    if not rf_tab_on or (code != 0 and code != 3):
        return False
    k = _fmt16(code)
    if op == D_GELU:
        f = [rf_tab16_gelu_grad_h, rf_tab16_gelu_grad_bf_hw, rf_tab16_gelu_grad_bf]
    elif op == D_SILU:
        f = [rf_tab16_silu_grad_h, rf_tab16_silu_grad_bf_hw, rf_tab16_silu_grad_bf]
    elif op == D_SOFTPLUS and _sigmoid_tab16(a, b):
        f = [rf_tab16_sigmoid_grad_h, rf_tab16_sigmoid_grad_bf_hw, rf_tab16_sigmoid_grad_bf]
    elif op == D_GELU_TANH:
        f = [rf_tab16_gelu_tanh_grad_h, rf_tab16_gelu_tanh_grad_bf_hw,
             rf_tab16_gelu_tanh_grad_bf]
    elif op == D_HARDSIGMOID:
        f = [rf_m16_hardsigmoid_grad_h, rf_m16_hardsigmoid_grad_bf_hw,
             rf_m16_hardsigmoid_grad_bf]
    elif op == D_HARDSWISH:
        f = [rf_m16_hardswish_grad_h, rf_m16_hardswish_grad_bf_hw, rf_m16_hardswish_grad_bf]
    elif op == D_RELU_SQUARED:
        f = [rf_m16_relu_squared_grad_h, rf_m16_relu_squared_grad_bf_hw,
             rf_m16_relu_squared_grad_bf]
    elif ((op == D_ELU and (a <= 18446744073709551616.0) & (a >= -18446744073709551616.0))
          or (op == D_CELU and a == 1)):
        # elu' and selu' in one pass (their element function, _vectab.h), as _grad_chunk's
        # |sa| <= 2**64 loop; its parameters make it a loop of its own.  celu' with alpha = 1
        # (the default) is elu''s with alpha = 1: exp(x / 1) and the scaled exp of 1 * e^x give
        # the same float32 bits for every float16 and bfloat16 x, on every build (checked then;
        # tests/test_mixed_dtypes.py's every-value tests hold this loop's celu' to the float32
        # celu' rounded, bit for bit)
        if op == D_CELU:
            a = b = 1
        if k == 0:
            rf_m16_elu_grad_h(gh, xh, oh, n, a, b)
        elif k == 1:
            rf_m16_elu_grad_bf_hw(gh, xh, oh, n, a, b)
        else:
            rf_m16_elu_grad_bf(gh, xh, oh, n, a, b)
        return True
    else:
        return False
    f[k](gh, xh, oh, n)
    return True


cdef void _grad_blocks(int op, const char* g, int gc, const char* x, int xc, char* o, int oc,
                       Py_ssize_t lo, Py_ssize_t hi, floating a, floating b,
                       floating* own) noexcept nogil:
    cdef floating small[3 * _MIX_SMALL]
    cdef Py_ssize_t blk = _MIX_BLOCK
    cdef floating* gbuf
    cdef floating* xbuf
    cdef floating* obuf
    cdef int cc = 1 if floating is float else 2
    cdef Py_ssize_t gs = _code_size(gc), xs = _code_size(xc), os = _code_size(oc), s, m
    cdef const floating* gp
    cdef const floating* xp
    cdef floating* op_
    if floating is float:
        if gc == xc and xc == oc and _grad_tab16(op, xc, g, x, o, lo, hi, a, b):
            return
    gbuf = own if own != NULL else _mix_buffers(small, hi - lo, &blk)
    xbuf = gbuf + blk
    obuf = xbuf + blk
    s = lo
    while s < hi:
        m = min(blk, hi - s)
        if gc == cc:
            gp = <const floating*>(g + s * gs)
        else:
            _load_block(g + s * gs, gc, gbuf, m)
            gp = gbuf
        if xc == cc:
            xp = <const floating*>(x + s * xs)
        else:
            _load_block(x + s * xs, xc, xbuf, m)
            xp = xbuf
        op_ = <floating*>(o + s * os) if oc == cc else obuf
        _grad_chunk(op, gp, xp, op_, m, a, b)
        if oc != cc:
            _store_block(obuf, o + s * os, oc, m)
        s += m
    if gbuf != small and gbuf != own:
        free(gbuf)


cdef inline Py_ssize_t _block_mixed(Py_ssize_t n, int nt) noexcept nogil:
    # elements per thread, rounded up to 32 so that every chunk starts on a 64-byte boundary of
    # out whatever its itemsize (2, 4 or 8 bytes; the first chunk starts after _head)
    cdef Py_ssize_t b = (n + nt - 1) // nt
    return (b + 31) & ~(<Py_ssize_t>31)


cdef void _forward_mixed(int op, const char* x, int xc, char* y, int yc, Py_ssize_t n,
                         double a, double b, int nt, floating* tag) noexcept nogil:
    # as _forward: the elements before out's first 64-byte boundary apart, so that the blocks'
    # stores (the conversion's, or the chunk loop's) write whole cache lines
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(y, n, _code_size(yc))
    cdef floating fa = <floating>a, fb = <floating>b
    cdef floating own[3 * _MIX_BLOCK]  # the caller's stack; the workers' blocks are malloc'd
    if n == 0:
        return
    if nt <= 1:  # on the caller's thread, whose stack holds the buffers (no malloc a call)
        _fwd_blocks(op, x, xc, y, yc, 0, h, fa, fb, own)
        _fwd_blocks(op, x, xc, y, yc, h, n, fa, fb, own)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _fwd_blocks(op, x, xc, y, yc, 0, h, fa, fb, NULL)
            if lo < n:
                _fwd_blocks(op, x, xc, y, yc, lo, min(lo + blk, n), fa, fb, NULL)
            rf_ieee_end(fp)


cdef void _gradient_mixed(int op, const char* g, int gc, const char* x, int xc, char* o,
                          int oc, Py_ssize_t n, double a, double b, int nt,
                          floating* tag) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(o, n, _code_size(oc))
    cdef floating fa = <floating>a, fb = <floating>b
    cdef floating own[3 * _MIX_BLOCK]
    if n == 0:
        return
    if nt <= 1:
        _grad_blocks(op, g, gc, x, xc, o, oc, 0, h, fa, fb, own)
        _grad_blocks(op, g, gc, x, xc, o, oc, h, n, fa, fb, own)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _grad_blocks(op, g, gc, x, xc, o, oc, 0, h, fa, fb, NULL)
            if lo < n:
                _grad_blocks(op, g, gc, x, xc, o, oc, lo, min(lo + blk, n), fa, fb, NULL)
            rf_ieee_end(fp)


# The 16-bit ops (_fwd_bits, _grad_bits): relu, relu6, leaky_relu, hardtanh, threshold and their
# gradients when every operand is float16, or every one bfloat16.  Each format's NaN threshold
# (infinity's pattern), quiet bit and 6.0; the parameters' keys and rounded values.

cdef inline bint _bits_op(int op, int code, float w) noexcept nogil:
    # w: the slope as the float32 computation rounds it; a zero slope takes the blocks (its
    # results follow _leaky's limits, not w * x)
    return (code == 0 or code == 3) and (
        op == RELU or op == RELU6 or op == D_RELU or op == D_RELU6
        or op == HARDTANH or op == THRESHOLD or op == D_HARDTANH or op == D_THRESHOLD
        or ((op == LEAKY or op == D_LEAKY) and w != 0))


cdef void _bits_format(int code, unsigned short* inf, unsigned short* q,
                       unsigned short* six) noexcept nogil:
    if code == 0:   # float16: 5 exponent bits, 10 fraction bits
        inf[0], q[0], six[0] = 0x7c00, 0x0200, 0x4600
    else:           # bfloat16: 8 exponent bits, 7 fraction bits
        inf[0], q[0], six[0] = 0x7f80, 0x0040, 0x40c0


cdef inline float _key_value(int code, int k) noexcept nogil:
    cdef unsigned short h = <unsigned short>_key(<unsigned short>k)   # key() is its own inverse
    return rf_h2f(h) if code == 0 else rf_bf2f(h)


cdef short _key_le(int code, unsigned short inf, float v) noexcept nogil:
    # the key of the largest value <= v, or one below -inf's key if there is none (v not NaN)
    # invariant: keys <= lo are <= v (lo below -inf's key: vacuous), keys > hi are > v
    cdef int lo = _key(inf | 0x8000) - 1, hi = _key(inf), mid
    while lo < hi:
        mid = lo + (hi - lo + 1) // 2
        if _key_value(code, mid) <= v:
            lo = mid
        else:
            hi = mid - 1
    return <short>lo


cdef short _key_ge(int code, unsigned short inf, float v) noexcept nogil:
    # the key of the smallest value >= v, or one above +inf's key if there is none (v not NaN)
    cdef int lo = _key(inf | 0x8000), hi = _key(inf) + 1, mid
    while lo < hi:      # invariant: keys >= hi are >= v, keys < lo are < v
        mid = lo + (hi - lo) // 2
        if _key_value(code, mid) >= v:
            hi = mid
        else:
            lo = mid + 1
    return <short>lo


cdef _Bits _bits_params(int op, int code, float a, float b) noexcept nogil:
    # a, b: the op's parameters as the float32 computation rounds them
    cdef _Bits p
    _bits_format(code, &p.inf, &p.q, &p.six)
    p.w = a
    p.c1 = p.c2 = 0
    p.k1 = p.k2 = 0
    if op == HARDTANH:      # a = min_val, b = max_val: max_val where x > it, min_val where x < it
        p.c1 = rf_f2h(b) if code == 0 else rf_f2bf(b)
        p.c2 = rf_f2h(a) if code == 0 else rf_f2bf(a)
        p.k1 = _key_le(code, p.inf, b)
        p.k2 = _key_ge(code, p.inf, a)
    elif op == D_HARDTANH:  # grad where min_val < x < max_val
        p.k1 = _key_le(code, p.inf, a)
        p.k2 = _key_ge(code, p.inf, b)
    elif op == THRESHOLD:   # a = threshold, b = value: value where x <= threshold
        p.c1 = rf_f2h(b) if code == 0 else rf_f2bf(b)
        p.k1 = _key_le(code, p.inf, a)
    elif op == D_THRESHOLD:  # grad where x > threshold
        p.k1 = _key_le(code, p.inf, a)
    return p


cdef void _forward_bits(int op, const unsigned short* x, unsigned short* y, int code,
                        Py_ssize_t n, float a, float b, int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(y, n, 2)
    cdef _Bits p = _bits_params(op, code, a, b)
    if n == 0:
        return
    if nt <= 1:
        _fwd_bits(op, x, y, h, p)
        _fwd_bits(op, x + h, y + h, n - h, p)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()  # leaky_relu's products (bfloat16 subnormals are float's)
            if c == 0:
                _fwd_bits(op, x, y, h, p)
            if lo < n:
                _fwd_bits(op, x + lo, y + lo, min(blk, n - lo), p)
            rf_ieee_end(fp)


cdef void _gradient_bits(int op, const unsigned short* g, const unsigned short* x,
                         unsigned short* o, int code, Py_ssize_t n, float a, float b,
                         int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(o, n, 2)
    cdef _Bits p = _bits_params(op, code, a, b)
    if n == 0:
        return
    if nt <= 1:
        _grad_bits(op, g, x, o, h, p)
        _grad_bits(op, g + h, x + h, o + h, n - h, p)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _grad_bits(op, g, x, o, h, p)
            if lo < n:
                _grad_bits(op, g + lo, x + lo, o + lo, min(blk, n - lo), p)
            rf_ieee_end(fp)


cdef void _gradient_df(int op, const double* g, const float* x, double* o, Py_ssize_t n,
                       double w, int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(o, n, 8)
    if n == 0:
        return
    if nt <= 1:
        _grad_df(op, g, x, o, h, w)
        _grad_df(op, g + h, x + h, o + h, n - h, w)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()
            if c == 0:
                _grad_df(op, g, x, o, h, w)
            if lo < n:
                _grad_df(op, g + lo, x + lo, o + lo, min(blk, n - lo), w)
            rf_ieee_end(fp)


# ---------------------------------------------------------------------------------------------
# 3c. float16 and bfloat16 by lookup (_lut16.h): the smooth functions of one 16-bit operand, on
# operands all of one 16-bit format, take a table of their 65,536 results.  Each table is built
# on first use by this module's own path above over every bit pattern (the forward: the
# rounded results; a gradient: the float32 derivative, as _grad_chunk gives it for grad 1), so
# the lookup returns the bits that path returns, and the gradient forms _chain(g, d) and rounds
# it as the blocks do.  Kept per (op, format, parameters), _LUT_KEEP at most; a call under
# _LUT_MIN elements computes instead (the build, 65,536 evaluations, would outweigh it).

cdef enum:
    _LUT_MIN = 16384
    _LUT_KEEP = 32          # 128 KB (a forward) or 256 KB (a gradient) each
    _LUT_BLOCK = 256        # a gradient's derivatives and grad, widened, on the stack: 2 KB

cdef dict _luts = {}        # (op, format, a, b, tables on) -> bytearray
cdef bint _lut_on = True


def lut16(int use=-1):
    """Whether float16 / bfloat16 smooth functions use lookup tables: the setting before the
    call; ``use`` 0 or 1 sets it (for the tests and A/B timings of the computed path)."""
    global _lut_on
    cdef bint was = _lut_on
    if use >= 0:
        _lut_on = use != 0
    return was


def lut16_tables():
    """The keys (op, format, a, b, float table loops on) of the tables built so far, oldest
    first (for the tests)."""
    return tuple(_luts)


cdef inline bint _lut_op(int op, int code, float a, float b) noexcept nogil:
    # Whether op on operands of 16-bit format `code` takes a table: ops whose result is a
    # function of x alone (given a and b) and whose gradient is _chain(g, f'(x)) (so not celu'
    # with a negative alpha), where the lookup was measured faster than the computed path at
    # 10**5 and 10**7 elements (docs/performance.md, "float16 and bfloat16 by lookup").  A
    # lookup costs about 0.33 ns an element (a gradient 0.4 to 0.55) while its table's lines
    # stay in L1: bfloat16 N(0, 1) data touch about 6 KB of a forward's table; float16 data
    # touch ten times more, and at 10**7 elements their lookups run at 0.5 to 0.7 ns, behind
    # AVX-512's computed float16 gelu (0.44), silu (0.33) and the elu family (0.35 to 0.45).
    cdef bint smooth
    if a != a or b != b:  # a NaN key would never be found again
        return False
    if op == D_SOFTPLUS and _sigmoid_tab16(a, b):
        return False  # the sigmoid's table loop (_grad_tab16) computes it as fast
    smooth = (op == GELU_TANH or op == MISH or op == SOFTPLUS or op == D_GELU_TANH
              or op == D_MISH or op == D_SOFTPLUS)
    if smooth or ((not RF_TAB or code == 3)
                  and (op == GELU or op == SILU or op == D_GELU or op == D_SILU)):
        return True
    # the elu family: its computed path is as fast as a lookup on AVX-512, and off it for
    # float16 at 10**7
    return (not RF_TAB and code == 3
            and (op == ELU or op == CELU or op == D_ELU or (op == D_CELU and a > 0)))


cdef object _lut_table(int op, int code, float a, float b):
    # op's table on format code (0 float16, 3 bfloat16), built here on first use; None if the
    # memory is not there (the caller computes instead)
    cdef bint grad = op >= D_RELU
    # the computed path's bits depend on the format's rounding (_fmt16) and, on AVX-512, on
    # whether the float table loops are on (tab_kernels): both are in the key
    cdef object key = (op, code if grad else _fmt16(code), a, b, rf_tab_on)
    cdef bytearray t = _luts.get(key)
    # filled _LUT_BLOCK patterns at a time, on the stack: no more memory than the table
    cdef float cbuf[_LUT_BLOCK]  # the patterns; float-sized, as gcc cannot see that the
    cdef unsigned short* codes = <unsigned short*>cbuf  # blocks never read them as floats
    cdef float xf[_LUT_BLOCK]
    cdef float ones[_LUT_BLOCK]
    cdef float own[3 * _MIX_BLOCK]         # _fwd_blocks' buffers (the caller's thread)
    cdef char* tp
    cdef unsigned int fp
    cdef Py_ssize_t i, s
    if t is not None:
        return t
    try:
        t = bytearray(65536 * (sizeof(float) if grad else sizeof(unsigned short)))
    except MemoryError:
        return None
    tp = t
    with nogil:
        fp = rf_ieee_begin()
        for i in range(_LUT_BLOCK):
            ones[i] = 1
        s = 0
        while s < 65536:
            for i in range(_LUT_BLOCK):
                codes[i] = <unsigned short>(s + i)
            if grad:
                _load_block(codes, code, xf, _LUT_BLOCK)
                _grad_chunk(op, ones, xf, (<float*>tp) + s, _LUT_BLOCK, a, b)
            else:
                _fwd_blocks(op, <const char*>codes, code, tp + 2 * s, code, 0, _LUT_BLOCK, a, b,
                            own)
            s += _LUT_BLOCK
        rf_ieee_end(fp)
    if len(_luts) >= _LUT_KEEP:
        del _luts[next(iter(_luts))]  # the oldest; a call still using it holds its own reference
    _luts[key] = t
    return t


cdef void _grad_lut(const float* t, const unsigned short* g, const unsigned short* x,
                    unsigned short* o, int code, Py_ssize_t n) noexcept nogil:
    # o = g f'(x) rounded, block by block (o may be g or x: a block is read before it is written)
    cdef float gb[_LUT_BLOCK]
    cdef float db[_LUT_BLOCK]
    cdef Py_ssize_t s = 0, m, i
    cdef int k
    if RF_TAB:  # AVX-512: g widened and o rounded in registers (_vectab.h)
        k = _fmt16(code)
        if k == 0:
            rf_lut16_grad_h(t, g, x, o, n)
        elif k == 1:
            rf_lut16_grad_bf_hw(t, g, x, o, n)
        else:
            rf_lut16_grad_bf(t, g, x, o, n)
        return
    while s < n:
        m = min(<Py_ssize_t>_LUT_BLOCK, n - s)
        rf_lut16_fetch(t, x + s, db, m)
        _load_block(g + s, code, gb, m)
        for i in range(m):  # float only
            gb[i] = _chain(gb[i], db[i])
        _store_block(gb, o + s, code, m)
        s += m


cdef void _forward_lut(const unsigned short* t, const unsigned short* x, unsigned short* y,
                       Py_ssize_t n, int nt) noexcept nogil:
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(y, n, 2)
    if nt <= 1:
        rf_lut16_map(t, x, y, n)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            if c == 0:
                rf_lut16_map(t, x, y, h)
            if lo < n:
                rf_lut16_map(t, x + lo, y + lo, min(blk, n - lo))


cdef void _gradient_lut(const float* t, const unsigned short* g, const unsigned short* x,
                        unsigned short* o, int code, Py_ssize_t n, int nt) noexcept nogil:
    cdef unsigned int fp
    cdef Py_ssize_t blk, c, lo
    cdef Py_ssize_t h = _head(o, n, 2)
    if nt <= 1:
        _grad_lut(t, g, x, o, code, n)
    else:
        blk = _block_mixed(n - h, nt)
        for c in prange(nt, schedule="static", num_threads=nt):
            lo = h + c * blk
            fp = rf_ieee_begin()  # the products (bfloat16 subnormals are float's)
            if c == 0:
                _grad_lut(t, g, x, o, code, h)
            if lo < n:
                _grad_lut(t, g + lo, x + lo, o + lo, code, min(blk, n - lo))
            rf_ieee_end(fp)


cdef int _acquire_float(object o, Py_buffer* v, int flags) noexcept:
    # a C-contiguous, aligned buffer of native float16, float32, float64 or bfloat16 bits: its
    # element code (0, 1, 2, 3), or -1 with nothing held and no exception set
    if _acquire(o, v, flags, b'e', 2):
        return 0
    if _acquire(o, v, flags, b'f', 4):
        return 1
    if _acquire(o, v, flags, b'd', 8):
        return 2
    # bfloat16 (ml_dtypes) exports no buffer: the Python layer passes its arrays, and only
    # those, as uint16 views of their bits
    if _acquire(o, v, flags, b'H', 2):
        return 3
    return -1


cdef inline bint _clash_mixed(const Py_buffer* a, int ac, const Py_buffer* o, int oc) noexcept:
    # an input may be out itself (same start, same itemsize: read block by block before it is
    # written); any other overlap of their bytes is refused
    cdef const char* p = <const char*>a.buf
    cdef const char* q = <const char*>o.buf
    if p == q and ac == oc:
        return False
    return p < q + o.len and q < p + a.len


def forward_mixed(int op, x, y, double a, double b, bint f64, int nt):
    """y = f(x) for operands of any float dtypes, computed in float64 if `f64` else float32.

    The operands must be C-contiguous, aligned, native float16/32/64 of one shape, y writable,
    apart (or y is x): a Status.  The caller chooses the compute dtype (NumPy's result_type)."""
    cdef Py_buffer xb, yb
    cdef int xc, yc, r = REFUSED
    cdef unsigned int fp
    cdef int kinds[3]
    cdef Py_ssize_t n
    cdef object t = None  # a lookup table (3c), held for the call
    cdef const unsigned short* tp = NULL
    kinds[0] = kinds[1] = kinds[2] = -1  # set by _acquire_ops; gcc 12 could not see it (a warning)
    if not _acquire_ops(None, x, y, NULL, &xb, &yb, False, 0, 0, kinds):
        return REFUSED
    xc, yc = kinds[1], kinds[2]
    if _shapes_match(&xb, &yb):
        if _clash_mixed(&xb, xc, &yb, yc):
            r = OVERLAP
        else:
            n = yb.len // _code_size(yc)
            if (_lut_on and not f64 and xc == yc and (xc == 0 or xc == 3) and n >= _LUT_MIN
                    and _lut_op(op, xc, <float>a, <float>b)):
                t = _lut_table(op, xc, <float>a, <float>b)
                if t is not None:
                    tp = <const unsigned short*><char*>(<bytearray>t)
            with nogil:
                fp = rf_ieee_begin()
                if tp != NULL:
                    _forward_lut(tp, <const unsigned short*>xb.buf, <unsigned short*>yb.buf, n,
                                 nt)
                elif xc == yc and _bits_op(op, yc, <float>a):
                    _forward_bits(op, <const unsigned short*>xb.buf, <unsigned short*>yb.buf,
                                  yc, n, <float>a, <float>b, nt)
                elif f64:
                    _forward_mixed(op, <const char*>xb.buf, xc, <char*>yb.buf, yc, n, a, b,
                                   nt, <double*>NULL)
                else:
                    _forward_mixed(op, <const char*>xb.buf, xc, <char*>yb.buf, yc, n, a, b,
                                   nt, <float*>NULL)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    _release_ops(None, x, y, NULL, &xb, &yb, False)
    return r


def gradient_mixed(int op, g, x, out, double a, double b, bint f64, int nt):
    """out = g * f'(x) for operands of any float dtypes, computed in float64 if `f64` else
    float32 (as forward_mixed): a Status."""
    cdef Py_buffer gb, xb, ob
    cdef int gc, xc, oc, r = REFUSED
    cdef unsigned int fp
    cdef int kinds[3]
    cdef Py_ssize_t n
    cdef object t = None  # a lookup table (3c), held for the call
    cdef const float* tp = NULL
    if not _acquire_ops(g, x, out, &gb, &xb, &ob, True, 0, 0, kinds):
        return REFUSED
    gc, xc, oc = kinds[0], kinds[1], kinds[2]
    if _shapes_match(&gb, &ob) and _shapes_match(&xb, &ob):
        if _clash_mixed(&gb, gc, &ob, oc) or _clash_mixed(&xb, xc, &ob, oc):
            r = OVERLAP
        else:
            n = ob.len // _code_size(oc)
            if (_lut_on and not f64 and gc == oc and xc == oc and (oc == 0 or oc == 3)
                    and n >= _LUT_MIN and _lut_op(op, oc, <float>a, <float>b)):
                t = _lut_table(op, oc, <float>a, <float>b)
                if t is not None:
                    tp = <const float*><char*>(<bytearray>t)
            with nogil:
                fp = rf_ieee_begin()
                if tp != NULL:
                    _gradient_lut(tp, <const unsigned short*>gb.buf,
                                  <const unsigned short*>xb.buf, <unsigned short*>ob.buf, oc,
                                  n, nt)
                elif gc == oc and xc == oc and _bits_op(op, oc, <float>a):
                    _gradient_bits(op, <const unsigned short*>gb.buf,
                                   <const unsigned short*>xb.buf, <unsigned short*>ob.buf, oc,
                                   n, <float>a, <float>b, nt)
                elif (gc == 2 and xc == 1 and oc == 2 and (op == D_RELU or op == D_RELU6
                                                            or (op == D_LEAKY and a != 0))):
                    _gradient_df(op, <const double*>gb.buf, <const float*>xb.buf,
                                 <double*>ob.buf, n, a, nt)
                elif f64:
                    _gradient_mixed(op, <const char*>gb.buf, gc, <const char*>xb.buf, xc,
                                    <char*>ob.buf, oc, n, a, b, nt, <double*>NULL)
                else:
                    _gradient_mixed(op, <const char*>gb.buf, gc, <const char*>xb.buf, xc,
                                    <char*>ob.buf, oc, n, a, b, nt, <float*>NULL)
                rf_ieee_end(fp)
                if nt != 1:
                    rf_region_ended()
            r = DONE
    _release_ops(g, x, out, &gb, &xb, &ob, True)
    return r


def idle_seconds():
    """Seconds since this module's last call that ran on threads, or could have (called with
    nt = 0, which runs inline), ended: the Python layer's guess at whether the OpenMP workers
    still spin or have gone to sleep (relufast/_threads.py)."""
    return rf_idle_seconds()
